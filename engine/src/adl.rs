//! Auto-deleveraging (SPEC section 6, after GMX v2 `AdlUtils`): allowed while traders'
//! unrealised profit in a market exceeds a trigger share of the pool's value (or the pool's
//! value is not positive); the target must be profitable, on the stressed side, with a
//! score (profit % × leverage) above a threshold; the close must lower the ratio, and not
//! below a floor.

use crate::error::EngineResult;
use crate::num::{div_ceil_u128, div_u128, PPM};

stored_block! {
    /// ADL parameters of a market (ppm).
    pub struct AdlParams {
        /// ADL runs while traders' profit / pool value exceeds this.
        pub adl_trigger_ppm: u32,
        /// A deleverage may not take the ratio below this.
        pub adl_floor_ppm: u32,
        /// Minimum score of a target: profit (ppm of cost) × leverage (notional / equity).
        pub adl_min_score_ppm: u64,
    }
}

/// Traders' profit as a share of the pool's value, ppm; `u64::MAX` when the pool's value is
/// not positive (rounded up).
pub fn profit_ratio_ppm(trader_profit: i64, pool_value: i64) -> u64 {
    if pool_value <= 0 {
        return u64::MAX;
    }
    if trader_profit <= 0 {
        return 0;
    }
    let r = div_ceil_u128(trader_profit as u128 * PPM as u128, pool_value as u128);
    r.min(u64::MAX as u128 - 1) as u64
}

/// Whether ADL may run: the ratio exceeds the trigger, or the pool's value is not positive.
pub fn adl_triggered(trader_profit: i64, pool_value: i64, p: &AdlParams) -> bool {
    profit_ratio_ppm(trader_profit, pool_value) > p.adl_trigger_ppm as u64
}

/// A target's score: profit as ppm of its cost basis, times its leverage (notional / equity),
/// rounded down; 0 unless profitable with positive equity.
pub fn adl_score_ppm(pnl: i64, cost_abs: u64, notional: u64, equity: i64) -> EngineResult<u64> {
    if pnl <= 0 || equity <= 0 || cost_abs == 0 {
        return Ok(0);
    }
    let profit_ppm = div_u128(pnl as u128 * PPM as u128, cost_abs as u128);
    let score = div_u128(profit_ppm * notional as u128, equity as u128);
    Ok(score.min(u64::MAX as u128) as u64)
}

/// Whether a close that takes traders' profit from `profit_before` to `profit_after` and the
/// pool's value from `value_before` to `value_after` (collateral units) is acceptable: the
/// ratio strictly lower and not below the floor (no over-correction). While the pool stays
/// insolvent (value ≤ 0 after) the ratio is unbounded before and after, so the traders'
/// profit itself must strictly fall (the floor cannot be passed).
pub fn adl_result_ok(
    profit_before: i64,
    value_before: i64,
    profit_after: i64,
    value_after: i64,
    p: &AdlParams,
) -> bool {
    if value_after <= 0 {
        return profit_after < profit_before;
    }
    let before_ppm = profit_ratio_ppm(profit_before, value_before);
    let after_ppm = profit_ratio_ppm(profit_after, value_after);
    after_ppm < before_ppm && after_ppm >= p.adl_floor_ppm as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: AdlParams = AdlParams {
        adl_trigger_ppm: 300_000,
        adl_floor_ppm: 200_000,
        adl_min_score_ppm: 1_000_000,
    };

    #[test]
    fn triggers_on_profit_share_or_an_insolvent_pool() {
        assert!(!adl_triggered(300, 1_000, &P));
        assert!(adl_triggered(301, 1_000, &P));
        assert!(adl_triggered(1, 0, &P));
        assert!(adl_triggered(0, -5, &P));
    }

    #[test]
    fn score_is_profit_share_times_leverage() {
        // +50% on cost at 4x leverage = 2.0 = 2_000_000 ppm.
        assert_eq!(adl_score_ppm(500, 1_000, 2_000, 500).unwrap(), 2_000_000);
        assert_eq!(adl_score_ppm(-1, 1_000, 2_000, 500).unwrap(), 0);
    }

    #[test]
    fn the_ratio_must_fall_but_not_below_the_floor() {
        assert!(adl_result_ok(400, 1_000, 250, 1_000, &P));
        assert!(!adl_result_ok(400, 1_000, 400, 1_000, &P));
        assert!(!adl_result_ok(400, 1_000, 150, 1_000, &P));
    }

    #[test]
    fn an_insolvent_pool_deleverages_while_profit_falls() {
        // Before the fix both ratios read u64::MAX and nothing could ever run.
        assert!(adl_result_ok(400, -50, 300, -50, &P));
        assert!(adl_result_ok(400, 0, 1, 0, &P));
        assert!(!adl_result_ok(400, -50, 400, -50, &P));
        // Back to solvency: the ordinary rule, floor included.
        assert!(adl_result_ok(400, -50, 300, 1_000, &P));
        assert!(!adl_result_ok(400, -50, 100, 1_000, &P));
    }
}
