//! Staged liquidation (SPEC section 6): close only what restores maintenance plus a buffer, at
//! most a fraction of a position per call unless it is dust, with a penalty that escalates
//! from a recorded start and is capped below maintenance minus buffer so staging converges.

mod episode;
mod payments;
mod stage;

pub use episode::LiquidationEpisode;
pub use payments::{stage_payments, StagePayments, TopUpLimits};
pub use stage::{stage, stage_of, Stage, StagePosition};

use crate::error::{EngineError, EngineResult};
use crate::margin::Health;
use crate::num::{apply_ppm_floor, mul_div_floor, PPM};

stored_block! {
    /// Liquidation parameters of a market.
    pub struct LiquidationParams {
        /// Target: equity ≥ maintenance requirement + buffer · notional (ppm).
        pub liq_buffer_ppm: u32,
        /// At most this share of a position per call (ppm), unless the position is dust.
        pub liq_max_fraction_ppm: u32,
        /// Positions at or below this many atoms close whole.
        pub liq_dust_base: u64,
        /// Penalty at the start of a liquidation, ppm of the closed notional.
        pub liq_base_penalty_ppm: u32,
        /// Added per slot (with a usable price) since the liquidation started, ppm.
        pub liq_escalation_ppm_per_slot: u32,
        /// Ceiling of the penalty, ppm (below maintenance minus buffer).
        pub liq_max_penalty_ppm: u32,
        /// The keeper's share of the penalty (ppm); the rest goes to the insurance fund.
        pub keeper_share_ppm: u32,
        /// Smallest keeper reward, collateral units; an account under water still pays it, from
        /// the insurance fund.
        /// The market's smallest position notional (`TradeParams::min_position_notional`) at
        /// maintenance pays at least this itself (checked by [`validate_liquidation`]), so
        /// only a gap through zero reaches the fund.
        pub min_keeper_reward: u64,
    }
}

/// Penalty rate after `escalation_slots` slots of liquidation, ppm, capped.
pub fn penalty_ppm(p: &LiquidationParams, escalation_slots: u64) -> u64 {
    let esc = (p.liq_escalation_ppm_per_slot as u64).saturating_mul(escalation_slots);
    (p.liq_base_penalty_ppm as u64)
        .saturating_add(esc)
        .min(p.liq_max_penalty_ppm as u64)
}

/// Checks liquidation parameters against the bounds table and the convergence rule:
/// max penalty + buffer below the market's base maintenance ratio, and the smallest position
/// notional (`TradeParams::min_position_notional`) at that ratio paying the minimum reward.
pub fn validate_liquidation(
    p: &LiquidationParams,
    base_mmr_ppm: u32,
    min_position_notional: u64,
) -> EngineResult<()> {
    use crate::bounds::Param::*;
    LiqBuffer.check(p.liq_buffer_ppm as u64)?;
    LiqMaxFraction.check(p.liq_max_fraction_ppm as u64)?;
    LiqDustBase.check(p.liq_dust_base)?;
    LiqBasePenalty.check(p.liq_base_penalty_ppm as u64)?;
    LiqEscalation.check(p.liq_escalation_ppm_per_slot as u64)?;
    LiqMaxPenalty.check(p.liq_max_penalty_ppm as u64)?;
    KeeperShare.check(p.keeper_share_ppm as u64)?;
    MinKeeperReward.check(p.min_keeper_reward)?;
    MinPositionNotional.check(min_position_notional)?;
    if p.liq_base_penalty_ppm > p.liq_max_penalty_ppm {
        return Err(EngineError::InvalidConfig {
            what: "base penalty above max penalty",
        });
    }
    if p.liq_max_penalty_ppm as u64 + p.liq_buffer_ppm as u64 >= base_mmr_ppm as u64 {
        return Err(EngineError::InvalidConfig {
            what: "max penalty + buffer must stay below base maintenance",
        });
    }
    let equity_at_maintenance = apply_ppm_floor(min_position_notional, base_mmr_ppm as u64)?;
    if equity_at_maintenance < p.min_keeper_reward {
        return Err(EngineError::InvalidConfig {
            what: "min_position_notional x base maintenance must cover min_keeper_reward",
        });
    }
    Ok(())
}

/// True when maintenance health fails.
pub fn is_liquidatable(h: &Health) -> bool {
    !h.is_healthy()
}

/// The part of a stage's `penalty` the account can pay: waived beyond its collateral after the
/// stage's realised PnL (`collateral_after`) and beyond its whole equity after the stage
/// (`equity_after`: collateral plus every remaining position's unrealised PnL and funding). An
/// account under water overall pays no penalty even while its collateral is positive: that
/// collateral already belongs to the losses its other positions will realise, so a penalty
/// from it would be paid by the insurance fund or the LPs.
pub fn chargeable_penalty(penalty: u64, collateral_after: i64, equity_after: i64) -> u64 {
    penalty
        .min(collateral_after.max(0) as u64)
        .min(equity_after.max(0) as u64)
}

/// Where a stage's keeper reward comes from, collateral units.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KeeperReward {
    /// The keeper's share of the charged penalty (rounded down).
    pub penalty_share: u64,
    /// The insurance fund's share of the charged penalty.
    pub insurance_share: u64,
    /// Paid by the liquidated account beyond its penalty, to bring the keeper up to the
    /// minimum reward while its collateral lasts.
    pub from_account: u64,
    /// Advanced for the insurance fund, only when the account is under water.
    pub from_insurance: u64,
}

impl KeeperReward {
    /// Everything the keeper is credited.
    pub fn total(&self) -> u64 {
        self.penalty_share + self.from_account + self.from_insurance
    }
}

/// Splits the charged penalty and tops the keeper up to `min_keeper_reward` when the floor is
/// still due in this liquidation episode (`floor_due`, at most once an episode): first from the
/// account's collateral left after the stage (`collateral_left`, may be negative), and only
/// what the account cannot pay (it is under water) from insurance, at most
/// `insurance_available` (the market's remaining coverage window and share of the fund).
pub fn keeper_reward(
    charged_penalty: u64,
    collateral_left: i64,
    floor_due: bool,
    insurance_available: u64,
    p: &LiquidationParams,
) -> EngineResult<KeeperReward> {
    let (penalty_share, insurance_share) = split_penalty(charged_penalty, p)?;
    let mut r = KeeperReward {
        penalty_share,
        insurance_share,
        ..Default::default()
    };
    if floor_due && penalty_share < p.min_keeper_reward {
        let short = p.min_keeper_reward - penalty_share;
        r.from_account = short.min(collateral_left.max(0) as u64);
        r.from_insurance = (short - r.from_account).min(insurance_available);
    }
    Ok(r)
}

/// Splits a penalty: (keeper, insurance), the keeper's share rounded down.
pub fn split_penalty(penalty: u64, p: &LiquidationParams) -> EngineResult<(u64, u64)> {
    let keeper = mul_div_floor(penalty, p.keeper_share_ppm as u64, PPM)?;
    Ok((keeper, penalty - keeper))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::margin::MarketMargin;
    use crate::position::Position;

    const SOL: i64 = 1_000_000_000;

    pub(crate) fn market() -> MarketMargin {
        MarketMargin {
            market_index: 0,
            price: 100_000_000_000,
            conf: 0,
            twap: 100_000_000_000,
            decimals: 6,
            mmr_ppm: 50_000,
            base_imr_ppm: 100_000,
            imr_multiplier_ppm: 1_000_000,
            imf_factor: 0,
            conf_k_ppm: 0,
            unsettled_funding: 0,
        }
    }

    pub(crate) fn params() -> LiquidationParams {
        LiquidationParams {
            liq_buffer_ppm: 10_000,
            liq_max_fraction_ppm: 500_000,
            liq_dust_base: SOL as u64 / 10,
            liq_base_penalty_ppm: 10_000,
            liq_escalation_ppm_per_slot: 100,
            liq_max_penalty_ppm: 30_000,
            keeper_share_ppm: 500_000,
            min_keeper_reward: 1_000_000,
        }
    }

    #[test]
    fn a_stage_closes_the_least_that_restores_maintenance_plus_buffer() {
        // 100 SOL long at cost 100 each = 10,000 USDC; price 100; collateral 400 USDC.
        // Maintenance 5% = 500 > 400: liquidatable. Target: E - 0.01 x >= 0.06 (N - x) with
        // E = 400, N = 10,000: x >= 200 / 0.05 = 4,000 USDC = 40 SOL.
        let pos = Position {
            base: 100 * SOL,
            cost: 10_000_000_000,
        };
        let s = stage(
            400_000_000,
            &[(pos, market())],
            0,
            10_000,
            1_000_000,
            u64::MAX,
            &params(),
        )
        .unwrap();
        assert_eq!(s.close, 40 * SOL as u64);
        assert!(s.restores);
        assert_eq!(s.penalty, 40_000_000, "1% of 4,000 USDC");
        // One lot less would not have restored.
        let less = stage(
            400_000_000 - 1,
            &[(pos, market())],
            0,
            10_000,
            1_000_000,
            40 * SOL as u64 - 1_000_000,
            &params(),
        )
        .unwrap();
        assert!(!less.restores);
    }

    #[test]
    fn the_fraction_cap_and_the_dust_rule() {
        // Deeply under water: the cap (50%) binds and the stage does not restore.
        let pos = Position {
            base: 100 * SOL,
            cost: 11_000_000_000,
        };
        let s = stage(
            100_000_000,
            &[(pos, market())],
            0,
            10_000,
            1_000_000,
            u64::MAX,
            &params(),
        )
        .unwrap();
        assert_eq!((s.close, s.restores), (50 * SOL as u64, false));
        // Dust closes whole.
        let dust = Position {
            base: SOL / 20,
            cost: 6_000_000,
        };
        let s = stage(
            0,
            &[(dust, market())],
            0,
            10_000,
            1_000_000,
            u64::MAX,
            &params(),
        )
        .unwrap();
        assert_eq!(s.close, (SOL / 20) as u64);
    }

    #[test]
    fn max_close_trims_a_stage_only_down_to_what_restores_maintenance() {
        // As above: 40 SOL restores maintenance plus buffer. Maintenance alone (5%):
        // 400 - 0.01 x >= 0.05 (10,000 - x) -> x >= 100 / 0.04 = 2,500 USDC = 25 SOL.
        let pos = Position {
            base: 100 * SOL,
            cost: 10_000_000_000,
        };
        let at = |max_close: u64| {
            stage(
                400_000_000,
                &[(pos, market())],
                0,
                10_000,
                1_000_000,
                max_close,
                &params(),
            )
            .unwrap()
        };
        let full = at(u64::MAX);
        assert_eq!(
            (full.close, full.min_close),
            (40 * SOL as u64, 25 * SOL as u64)
        );
        let trimmed = at(30 * SOL as u64 + 123);
        assert_eq!(trimmed.close, 30 * SOL as u64, "whole lots");
        assert!(!trimmed.restores);
        // Below the minimum the stage stays at the minimum (the program refuses such a call).
        let tiny = at(1);
        assert_eq!(
            (tiny.close, tiny.min_close),
            (25 * SOL as u64, 25 * SOL as u64)
        );
    }

    #[test]
    fn a_capped_or_dust_stage_cannot_be_trimmed() {
        let deep = Position {
            base: 100 * SOL,
            cost: 11_000_000_000,
        };
        let s = stage(
            100_000_000,
            &[(deep, market())],
            0,
            10_000,
            1_000_000,
            1,
            &params(),
        )
        .unwrap();
        assert_eq!((s.close, s.min_close), (50 * SOL as u64, 50 * SOL as u64));
        let dust = Position {
            base: SOL / 20,
            cost: 5_000_000,
        };
        let s = stage(
            240_000,
            &[(dust, market())],
            0,
            10_000,
            1_000_000,
            1,
            &params(),
        )
        .unwrap();
        assert_eq!(
            (s.close, s.min_close),
            ((SOL / 20) as u64, (SOL / 20) as u64)
        );
    }

    #[test]
    fn the_minimum_reward_comes_from_the_account_first_and_insurance_only_under_water() {
        let p = params(); // half to the keeper, floor 1 USDC
                          // Penalty 0.4 USDC: keeper share 0.2; the account has 5 USDC left: it pays 0.8.
        let r = keeper_reward(400_000, 5_000_000, true, 10_000_000, &p).unwrap();
        assert_eq!(
            (r.penalty_share, r.from_account, r.from_insurance),
            (200_000, 800_000, 0)
        );
        assert_eq!(r.total(), 1_000_000);
        // 0.3 USDC left: the account pays it, insurance the rest (it is now under water).
        let r = keeper_reward(400_000, 300_000, true, 10_000_000, &p).unwrap();
        assert_eq!((r.from_account, r.from_insurance), (300_000, 500_000));
        // Under water and insurance limited.
        let r = keeper_reward(0, -5_000_000, true, 250_000, &p).unwrap();
        assert_eq!((r.from_account, r.from_insurance), (0, 250_000));
        // The floor was already paid in this episode: the penalty share only.
        let r = keeper_reward(400_000, -5_000_000, false, 10_000_000, &p).unwrap();
        assert_eq!(r.total(), 200_000);
    }

    #[test]
    fn no_penalty_is_charged_beyond_the_account_s_collateral_or_its_equity() {
        assert_eq!(chargeable_penalty(100, 1_000, 500), 100);
        assert_eq!(chargeable_penalty(100, 40, 500), 40);
        assert_eq!(chargeable_penalty(100, 1_000, 30), 30);
        assert_eq!(chargeable_penalty(100, 1_000, -5), 0, "under water overall");
        assert_eq!(chargeable_penalty(100, -5, 500), 0);
    }

    #[test]
    fn the_minimum_position_must_pay_the_minimum_reward_at_maintenance() {
        let p = params();
        let min_position_notional = 19_000_000; // 5% of 19 USDC = 0.95 < 1 USDC
        assert!(validate_liquidation(&p, 50_000, min_position_notional).is_err());
        let min_position_notional = 20_000_000;
        assert!(validate_liquidation(&p, 50_000, min_position_notional).is_ok());
    }

    #[test]
    fn the_penalty_escalates_to_its_cap_and_splits() {
        assert_eq!(penalty_ppm(&params(), 0), 10_000);
        assert_eq!(penalty_ppm(&params(), 150), 25_000);
        assert_eq!(penalty_ppm(&params(), 10_000), 30_000);
        assert_eq!(
            split_penalty(40_000_001, &params()).unwrap(),
            (20_000_000, 20_000_001)
        );
        assert!(validate_liquidation(&params(), 50_000, 20_000_000).is_ok());
        assert!(validate_liquidation(&params(), 40_000, 20_000_000).is_err());
    }
}
