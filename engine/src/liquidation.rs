//! Staged liquidation (SPEC section 6): close only what restores maintenance plus a buffer, at
//! most a fraction of a position per call unless it is dust, with a penalty that escalates
//! from a recorded start and is capped below maintenance minus buffer so staging converges.

use crate::error::{EngineError, EngineResult};
use crate::margin::{health, Health, HealthKind, MarketMargin};
use crate::num::{apply_ppm_ceil, apply_ppm_floor, mul_div_floor, notional_ceil, PPM};
use crate::position::{apply_fill, Position};

/// Liquidation parameters of a market.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LiquidationParams {
    /// Target: equity ≥ maintenance requirement + buffer · notional (ppm).
    pub buffer_ppm: u32,
    /// At most this share of a position per call (ppm), unless the position is dust.
    pub max_fraction_ppm: u32,
    /// Positions at or below this many atoms close whole.
    pub dust_base: u64,
    /// Penalty at the start of a liquidation, ppm of the closed notional.
    pub base_penalty_ppm: u32,
    /// Added per slot (with a usable price) since the liquidation started, ppm.
    pub escalation_ppm_per_slot: u32,
    /// Ceiling of the penalty, ppm (below maintenance minus buffer).
    pub max_penalty_ppm: u32,
    /// The keeper's share of the penalty (ppm); the rest goes to the insurance fund.
    pub keeper_share_ppm: u32,
    /// Smallest keeper reward, collateral units; an account under water still pays it, from
    /// the insurance fund.
    pub min_keeper_reward: u64,
}

/// Penalty rate after `escalation_slots` slots of liquidation, ppm, capped.
pub fn penalty_ppm(p: &LiquidationParams, escalation_slots: u64) -> u64 {
    let esc = (p.escalation_ppm_per_slot as u64).saturating_mul(escalation_slots);
    (p.base_penalty_ppm as u64)
        .saturating_add(esc)
        .min(p.max_penalty_ppm as u64)
}

/// Checks liquidation parameters against the bounds table and the convergence rule:
/// max penalty + buffer below the market's base maintenance ratio.
pub fn validate_liquidation(p: &LiquidationParams, base_mmr_ppm: u32) -> EngineResult<()> {
    use crate::bounds::Param::*;
    LiqBuffer.check(p.buffer_ppm as u64)?;
    LiqMaxFraction.check(p.max_fraction_ppm as u64)?;
    LiqDustBase.check(p.dust_base)?;
    LiqBasePenalty.check(p.base_penalty_ppm as u64)?;
    LiqEscalation.check(p.escalation_ppm_per_slot as u64)?;
    LiqMaxPenalty.check(p.max_penalty_ppm as u64)?;
    KeeperShare.check(p.keeper_share_ppm as u64)?;
    MinKeeperReward.check(p.min_keeper_reward)?;
    if p.base_penalty_ppm > p.max_penalty_ppm {
        return Err(EngineError::InvalidConfig {
            what: "base penalty above max penalty",
        });
    }
    if p.max_penalty_ppm as u64 + p.buffer_ppm as u64 >= base_mmr_ppm as u64 {
        return Err(EngineError::InvalidConfig {
            what: "max penalty + buffer must stay below base maintenance",
        });
    }
    Ok(())
}

/// True when maintenance health fails.
pub fn is_liquidatable(h: &Health) -> bool {
    !h.is_healthy()
}

/// Equity target after a stage: requirement + buffer · notional.
fn restored(h: &Health, buffer_ppm: u32) -> EngineResult<bool> {
    let need = h.requirement as i128 + apply_ppm_ceil(h.notional, buffer_ppm as u64)? as i128;
    Ok(h.equity as i128 >= need)
}

/// Outcome of sizing one stage.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stage {
    /// Atoms to close (≥ 0), in lots, never more than the position.
    pub close: u64,
    /// Whether closing `close` restores maintenance plus buffer.
    pub restores: bool,
    /// Penalty for this stage, collateral units (penalty rate · closed notional, rounded up).
    pub penalty: u64,
}

/// Sizes one stage on position `index` of `positions` (each with its market view, at the
/// price liquidation may use): the smallest whole number of lots whose closing at `price`
/// with `penalty_rate_ppm` restores maintenance plus buffer, capped at `max_fraction` of the
/// position (unless dust) and at `max_close`. Searches with the engine's own `health`.
pub fn stage(
    collateral: i64,
    positions: &[(Position, MarketMargin)],
    index: usize,
    penalty_rate_ppm: u64,
    lot: u64,
    max_close: u64,
    p: &LiquidationParams,
) -> EngineResult<Stage> {
    let (pos, m) = positions[index];
    let size = pos.base.unsigned_abs();
    let lot = lot.max(1);
    let mut cap = if size <= p.dust_base {
        size
    } else {
        apply_ppm_floor(size, p.max_fraction_ppm as u64)?
            .max(lot)
            .min(size)
    };
    cap = cap.min(max_close);
    let after = |close: u64| -> EngineResult<(bool, u64)> {
        let delta = if pos.base > 0 {
            -(close as i64)
        } else {
            close as i64
        };
        let fill = apply_fill(pos, delta, m.price, m.decimals)?;
        let penalty = apply_ppm_ceil(
            notional_ceil(close as i64, m.price, m.decimals)?,
            penalty_rate_ppm,
        )?;
        let collateral = collateral
            .checked_add(fill.realized_pnl)
            .and_then(|c| c.checked_sub(penalty as i64))
            .ok_or_else(|| EngineError::math("stage collateral"))?;
        let mut v = positions.to_vec();
        v[index].0 = fill.position;
        Ok((
            restored(
                &health(collateral, &v, HealthKind::Maintenance)?,
                p.buffer_ppm,
            )?,
            penalty,
        ))
    };
    // Whole lots up to the cap (the cap itself may be a partial lot when it is the position).
    let lots_cap = cap / lot;
    let candidate = |lots: u64| if lots >= lots_cap { cap } else { lots * lot };
    let (ok_cap, penalty_cap) = after(cap)?;
    if !ok_cap {
        return Ok(Stage {
            close: cap,
            restores: false,
            penalty: penalty_cap,
        });
    }
    let (mut lo, mut hi) = (0u64, lots_cap.max(1));
    // Invariant: candidate(hi) restores; candidate(lo) does not (or lo = 0 untested).
    if after(0)?.0 {
        return Ok(Stage {
            close: 0,
            restores: true,
            penalty: 0,
        });
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if after(candidate(mid))?.0 {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    let close = candidate(hi);
    Ok(Stage {
        close,
        restores: true,
        penalty: after(close)?.1,
    })
}

/// Splits a penalty: (keeper, insurance), the keeper's share rounded down.
pub fn split_penalty(penalty: u64, p: &LiquidationParams) -> EngineResult<(u64, u64)> {
    let keeper = mul_div_floor(penalty, p.keeper_share_ppm as u64, PPM)?;
    Ok((keeper, penalty - keeper))
}

#[cfg(test)]
mod tests {
    use super::*;

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
            buffer_ppm: 10_000,
            max_fraction_ppm: 500_000,
            dust_base: SOL as u64 / 10,
            base_penalty_ppm: 10_000,
            escalation_ppm_per_slot: 100,
            max_penalty_ppm: 30_000,
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
    fn the_penalty_escalates_to_its_cap_and_splits() {
        assert_eq!(penalty_ppm(&params(), 0), 10_000);
        assert_eq!(penalty_ppm(&params(), 150), 25_000);
        assert_eq!(penalty_ppm(&params(), 10_000), 30_000);
        assert_eq!(
            split_penalty(40_000_001, &params()).unwrap(),
            (20_000_000, 20_000_001)
        );
        assert!(validate_liquidation(&params(), 50_000).is_ok());
        assert!(validate_liquidation(&params(), 40_000).is_err());
    }
}
