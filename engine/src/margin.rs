//! Margin and health of an account over exactly the markets of its positions (SPEC section 4).
//!
//! Equity = collateral + Σ unrealised PnL − Σ unsettled funding, each position valued at the conservative side
//! (longs at price − k·conf, shorts at price + k·conf; for the initial requirement also at the
//! worse of price and TWAP). Requirement = Σ notional · ratio, notional at the aggregate price.
//! Initial ratio = max(base_imr, mmr · multiplier) + imf · √notional.

use crate::error::{EngineError, EngineResult};
use crate::num::{
    add_i64, apply_ppm_ceil, isqrt_floor, mul_div_ceil, notional_ceil, value_floor, PPM,
};
use crate::position::Position;

/// A market's prices and margin parameters as health needs them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MarketMargin {
    /// Market index (positions name the market they belong to).
    pub market_index: u16,
    /// Aggregate price (collateral per unit at 1e-9).
    pub price: u64,
    /// Aggregate confidence, same scale.
    pub conf: u64,
    /// TWAP, same scale (0 = none yet; then the price stands in).
    pub twap: u64,
    /// Collateral decimals.
    pub decimals: u8,
    /// Maintenance ratio in force (ppm of notional).
    pub mmr_ppm: u32,
    /// Base initial ratio (ppm).
    pub base_imr_ppm: u32,
    /// The initial ratio is at least `mmr · multiplier` (ppm, 1_000_000 = 1x).
    pub imr_multiplier_ppm: u32,
    /// Size premium: extra initial ratio in ppm = imf · √notional / 1000 (notional in
    /// collateral units), rounded up.
    pub imf_factor: u32,
    /// Confidence multiple for conservative valuation (ppm, 1_000_000 = 1·conf).
    pub conf_k_ppm: u32,
    /// Funding the paired position owes and has not settled yet (collateral units, positive =
    /// it owes); counts in equity.
    pub unsettled_funding: i64,
}

/// Which requirement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HealthKind {
    /// For opening risk and withdrawing (also values at the worse of price and TWAP).
    Initial,
    /// For liquidation.
    Maintenance,
}

/// An account's health.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Health {
    /// Collateral plus conservative unrealised PnL (collateral units).
    pub equity: i64,
    /// Margin required (collateral units, rounded up).
    pub requirement: u64,
    /// Σ |notional| at the aggregate price (rounded up).
    pub notional: u64,
}

impl Health {
    /// Equity covers the requirement.
    pub fn is_healthy(&self) -> bool {
        self.equity >= self.requirement as i64
    }

    /// The sum of this health and `part` (equity, requirement and notional each added;
    /// checked).
    pub fn plus(&self, part: &Health) -> EngineResult<Health> {
        Ok(Health {
            equity: add_i64(self.equity, part.equity)?,
            requirement: self
                .requirement
                .checked_add(part.requirement)
                .ok_or_else(|| EngineError::math("requirement"))?,
            notional: self
                .notional
                .checked_add(part.notional)
                .ok_or_else(|| EngineError::math("notional"))?,
        })
    }

    /// Equity minus requirement (negative when short of margin).
    pub fn free(&self) -> i64 {
        self.equity
            .saturating_sub(self.requirement.min(i64::MAX as u64) as i64)
    }
}

/// Initial ratio for `notional` (collateral units): max(base_imr, mmr · multiplier) +
/// ceil(imf · √notional / 1000), in ppm.
pub fn initial_ratio_ppm(m: &MarketMargin, notional: u64) -> EngineResult<u64> {
    let scaled_mmr = mul_div_ceil(m.mmr_ppm as u64, m.imr_multiplier_ppm as u64, PPM)?;
    let floor = (m.base_imr_ppm as u64).max(scaled_mmr);
    let premium = (m.imf_factor as u128 * isqrt_floor(notional as u128)).div_ceil(1_000);
    let premium = u64::try_from(premium).map_err(|_| EngineError::math("imf premium"))?;
    floor
        .checked_add(premium)
        .ok_or_else(|| EngineError::math("initial ratio"))
}

/// The price a position is valued at: longs at the low side, shorts at the high side.
pub fn conservative_price(m: &MarketMargin, long: bool, kind: HealthKind) -> EngineResult<u64> {
    let band = mul_div_ceil(m.conf, m.conf_k_ppm as u64, PPM)?;
    let twap = if m.twap == 0 { m.price } else { m.twap };
    Ok(match (long, kind) {
        (true, HealthKind::Maintenance) => m.price.saturating_sub(band),
        (true, HealthKind::Initial) => m.price.min(twap).saturating_sub(band),
        (false, HealthKind::Maintenance) => m.price.saturating_add(band),
        (false, HealthKind::Initial) => m.price.max(twap).saturating_add(band),
    })
}

/// Health over `positions`, each paired with its market. Flat positions count nothing.
/// Equals `collateral` plus the [`position_health`] of every position ([`Health::plus`]).
pub fn health(
    collateral: i64,
    positions: &[(Position, MarketMargin)],
    kind: HealthKind,
) -> EngineResult<Health> {
    let mut h = Health {
        equity: collateral,
        ..Default::default()
    };
    for (pos, m) in positions {
        h = h.plus(&position_health(pos, m, kind)?)?;
    }
    Ok(h)
}

/// One position's part of [`health`], without collateral: equity is its conservative
/// unrealised PnL (rounded down) less its unsettled funding; requirement (rounded up) and
/// notional (at the aggregate price, rounded up) as in `health`. A flat position's part is
/// zero. Health is a sum of parts, so a caller changing one position re-values that position
/// only: `health(c, all) == Health { equity: c, .. }.plus(&health(0, others)).plus(&part)`.
pub fn position_health(pos: &Position, m: &MarketMargin, kind: HealthKind) -> EngineResult<Health> {
    if pos.base == 0 {
        return Ok(Health::default());
    }
    let p = conservative_price(m, pos.base > 0, kind)?;
    let pnl = value_floor(pos.base, p, m.decimals)?
        .checked_sub(pos.cost)
        .ok_or_else(|| EngineError::math("health pnl"))?;
    let equity = pnl
        .checked_sub(m.unsettled_funding)
        .ok_or_else(|| EngineError::math("health funding"))?;
    let notional = notional_ceil(pos.base, m.price, m.decimals)?;
    let ratio = match kind {
        HealthKind::Initial => initial_ratio_ppm(m, notional)?,
        HealthKind::Maintenance => m.mmr_ppm as u64,
    };
    Ok(Health {
        equity,
        requirement: apply_ppm_ceil(notional, ratio)?,
        notional,
    })
}

/// Collateral after withdrawing `amount` (collateral units) from an account of `collateral`
/// holding `positions` (each with its market's margin at the price an increase may use):
/// refused (`InitialMarginViolated`) when positions are open and initial health would go
/// negative. The caller checks the amount against the collateral first.
pub fn collateral_after_withdrawal(
    collateral: i64,
    amount: i64,
    positions: &[(Position, MarketMargin)],
) -> EngineResult<i64> {
    let after = crate::checked::Checked::minus(collateral, amount)?;
    if !positions.is_empty() && !health(after, positions, HealthKind::Initial)?.is_healthy() {
        return Err(crate::error::Refused::InitialMarginViolated.into());
    }
    Ok(after)
}

/// Leverage check: Σ notional ≤ equity · max_leverage (whole multiples). False when equity
/// is not positive and there is any exposure.
pub fn within_leverage(h: &Health, max_leverage: u32) -> EngineResult<bool> {
    if h.notional == 0 {
        return Ok(true);
    }
    if h.equity <= 0 {
        return Ok(false);
    }
    let cap = (h.equity as u128) * (max_leverage as u128);
    Ok((h.notional as u128) <= cap)
}

/// Price at which the account's maintenance health reaches zero through `market`'s price alone
/// (others held), for a single non-flat position in that market; `None` when no such
/// positive price exists. Solved by bisection on the engine's own `health`, so it uses exactly
/// the liquidation rule.
pub fn liquidation_price(
    collateral: i64,
    positions: &[(Position, MarketMargin)],
    market_index: u16,
) -> EngineResult<Option<u64>> {
    let Some(i) = positions
        .iter()
        .position(|(p, m)| m.market_index == market_index && p.base != 0)
    else {
        return Ok(None);
    };
    let at = |price: u64| -> EngineResult<i64> {
        let mut v: Vec<(Position, MarketMargin)> = positions.to_vec();
        v[i].1.price = price;
        v[i].1.twap = price;
        Ok(health(collateral, &v, HealthKind::Maintenance)?.free())
    };
    // Free margin falls as price falls for a long, rises for a short.
    let (mut lo, mut hi) = (1u64, u64::MAX / 4);
    let (ok_lo, ok_hi) = (at(lo)? >= 0, at(hi)? >= 0);
    if ok_lo == ok_hi {
        return Ok(None);
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        let ok = at(mid)? >= 0;
        if ok == ok_hi {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Ok(Some(if ok_hi { hi } else { lo }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOL: i64 = 1_000_000_000;

    fn sol_market() -> MarketMargin {
        MarketMargin {
            market_index: 0,
            price: 150_000_000_000,
            conf: 100_000_000,
            twap: 150_000_000_000,
            decimals: 6,
            mmr_ppm: 50_000,
            base_imr_ppm: 100_000,
            imr_multiplier_ppm: 1_500_000,
            imf_factor: 0,
            conf_k_ppm: 1_000_000,
            unsettled_funding: 0,
        }
    }

    #[test]
    fn health_values_positions_conservatively() {
        let m = sol_market();
        let long = Position {
            base: 10 * SOL,
            cost: 1_500_000_000,
        };
        let h = health(200_000_000, &[(long, m)], HealthKind::Maintenance).unwrap();
        // Long valued at 149.9: pnl -1 USDC; notional 1500; requirement 5% = 75.
        assert_eq!(h.equity, 199_000_000);
        assert_eq!(h.notional, 1_500_000_000);
        assert_eq!(h.requirement, 75_000_000);
        let h = health(200_000_000, &[(long, m)], HealthKind::Initial).unwrap();
        // Initial ratio: max(10%, 5% * 1.5) = 10% -> 150.
        assert_eq!(h.requirement, 150_000_000);
        let lower_twap = MarketMargin {
            twap: 148_000_000_000,
            ..m
        };
        let h = health(200_000_000, &[(long, lower_twap)], HealthKind::Initial).unwrap();
        assert_eq!(
            h.equity,
            200_000_000 - 21_000_000,
            "valued at min(price, twap) - conf = 147.9"
        );
    }

    #[test]
    fn unsettled_funding_counts_in_equity() {
        let m = MarketMargin {
            unsettled_funding: 3_000_000,
            ..sol_market()
        };
        let long = Position {
            base: 10 * SOL,
            cost: 1_500_000_000,
        };
        let h = health(200_000_000, &[(long, m)], HealthKind::Maintenance).unwrap();
        assert_eq!(h.equity, 196_000_000);
    }

    #[test]
    fn size_premium_grows_with_the_square_root_of_notional() {
        let m = MarketMargin {
            imf_factor: 10,
            ..sol_market()
        };
        // 1,000,000 USDC notional = 1e12 units: sqrt = 1e6; premium = 10 * 1e6 / 1000 = 10_000 ppm.
        assert_eq!(initial_ratio_ppm(&m, 1_000_000_000_000).unwrap(), 110_000);
        assert_eq!(initial_ratio_ppm(&m, 0).unwrap(), 100_000);
    }

    #[test]
    fn leverage_is_notional_over_equity() {
        let h = Health {
            equity: 100,
            requirement: 0,
            notional: 1_000,
        };
        assert!(within_leverage(&h, 10).unwrap());
        assert!(!within_leverage(&h, 9).unwrap());
        assert!(!within_leverage(
            &Health {
                equity: 0,
                requirement: 0,
                notional: 1
            },
            100
        )
        .unwrap());
    }

    #[test]
    fn liquidation_price_is_where_maintenance_free_margin_turns_negative() {
        let m = MarketMargin {
            conf: 0,
            ..sol_market()
        };
        let long = Position {
            base: 10 * SOL,
            cost: 1_500_000_000,
        };
        let p = liquidation_price(100_000_000, &[(long, m)], 0)
            .unwrap()
            .unwrap();
        // equity = 100 + 10(p - 150), req = 0.05 * 10p  => p = 1400 / 9.5 = 147.368...
        assert!((147_368_000_000..147_369_000_000).contains(&p), "{p}");
        let short = Position {
            base: -10 * SOL,
            cost: -1_500_000_000,
        };
        let p = liquidation_price(100_000_000, &[(short, m)], 0)
            .unwrap()
            .unwrap();
        // equity = 100 + 10(150 - p), req = 0.5p => p = 1600 / 10.5 = 152.38
        assert!((152_380_000_000..152_381_000_000).contains(&p), "{p}");
    }
}
