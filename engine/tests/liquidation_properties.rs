//! Staged liquidation converges: for any parameters in bounds (with max penalty + buffer
//! below maintenance) and any liquidatable account, repeated stages reach maintenance plus
//! buffer or close the position within a bounded number of calls, and each stage closes no
//! more than needed.

use bulwark_engine::liquidation::{penalty_ppm, stage, LiquidationParams};
use bulwark_engine::margin::{health, HealthKind, MarketMargin};
use bulwark_engine::position::{apply_fill, Position};
use proptest::prelude::*;

const SOL: i64 = 1_000_000_000;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn staged_liquidation_converges_within_bounded_calls(
        mmr in 20_000u32..200_000,
        buffer_share in 0u32..400,
        penalty_share in 0u32..500,
        fraction in 100_000u32..=1_000_000,
        escalation in 0u32..1_000,
        lots in 1i64..1_000_000,
        leverage_loss in 1u32..990,
        long in any::<bool>(),
    ) {
        // Penalty and buffer shares of the maintenance ratio, together below it.
        let buffer = mmr * buffer_share / 1_000;
        let max_penalty = mmr * penalty_share / 1_000;
        let p = LiquidationParams {
            liq_buffer_ppm: buffer,
            liq_max_fraction_ppm: fraction,
            liq_dust_base: SOL as u64 / 100,
            liq_base_penalty_ppm: max_penalty / 2,
            liq_escalation_ppm_per_slot: escalation,
            liq_max_penalty_ppm: max_penalty,
            keeper_share_ppm: 500_000,
            min_keeper_reward: 0,
        };
        let m = MarketMargin { market_index: 0, price: 100_000_000_000, conf: 0, twap: 100_000_000_000, decimals: 6,
            mmr_ppm: mmr, base_imr_ppm: mmr * 2, imr_multiplier_ppm: 1_000_000, imf_factor: 0, conf_k_ppm: 0, unsettled_funding: 0 };
        let lot = 1_000_000u64;
        let base = lots * lot as i64 * if long { 1 } else { -1 };
        let notional = lots * 100; // collateral units: lots of 0.001 at 100
        let pos = Position { base, cost: if long { notional * 1_000 } else { -notional * 1_000 } };
        // Equity between 0 and the maintenance requirement: liquidatable, not bankrupt.
        let req = (notional * 1_000) as i128 * mmr as i128 / 1_000_000;
        let collateral = (req * leverage_loss as i128 / 1_000) as i64;
        let mut positions = vec![(pos, m)];
        let mut collateral = collateral;
        prop_assume!(!health(collateral, &positions, HealthKind::Maintenance).unwrap().is_healthy());
        // Bound: each non-restoring stage closes at least the fraction (or a lot), and dust
        // closes whole: calls <= ln(size / dust) / -ln(1 - f) + 2, computed in integers as
        // the number of fraction steps from size down to dust, plus the dust call.
        let mut bound = 2u64;
        let mut left = base.unsigned_abs();
        while left > p.liq_dust_base {
            left -= (left * fraction as u64 / 1_000_000).max(lot);
            bound += 1;
        }
        let mut calls = 0;
        loop {
            calls += 1;
            prop_assert!(calls <= bound, "no convergence after {} calls (bound {})", calls, bound);
            let rate = penalty_ppm(&p, calls);
            let s = stage(collateral, &positions, 0, rate, lot, u64::MAX, &p).unwrap();
            let (pos, m) = positions[0];
            let delta = if pos.base > 0 { -(s.close as i64) } else { s.close as i64 };
            let fill = apply_fill(pos, delta, m.price, m.decimals).unwrap();
            collateral = collateral + fill.realized_pnl - s.penalty as i64;
            positions[0].0 = fill.position;
            if s.restores || fill.position.base == 0 {
                break;
            }
            prop_assert!(s.close > 0, "every stage makes progress");
        }
    }
}

/// The reference: the account's maintenance health, with and without the buffer, after
/// closing `close` atoms of position 0 at its price with `rate`'s penalty, from `health`
/// over every position.
fn after_close(
    collateral: i64,
    positions: &[(Position, MarketMargin)],
    close: u64,
    rate: u64,
    buffer_ppm: u32,
) -> (bool, bool) {
    let (pos, m) = positions[0];
    let delta = if pos.base > 0 {
        -(close as i64)
    } else {
        close as i64
    };
    let fill = apply_fill(pos, delta, m.price, m.decimals).unwrap();
    let notional = (close as u128 * m.price as u128).div_ceil(1_000_000_000_000) as u64;
    let penalty = (notional as u128 * rate as u128).div_ceil(1_000_000) as i64;
    let mut after = positions.to_vec();
    after[0].0 = fill.position;
    let h = health(
        collateral + fill.realized_pnl - penalty,
        &after,
        HealthKind::Maintenance,
    )
    .unwrap();
    let buffer = (h.notional as u128 * buffer_ppm as u128).div_ceil(1_000_000) as i64;
    (h.equity >= h.requirement as i64 + buffer, h.is_healthy())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Whatever the account (other positions, confidence bands, unsettled funding, lot size),
    /// a searched stage closes the least whole number of lots that restores maintenance plus
    /// buffer, and its minimum the least that restores maintenance: one lot less does not.
    #[test]
    fn a_searched_stage_is_the_least_whole_lots_that_restore(
        lots in 10i64..2_000_000,
        lot_atoms in prop::sample::select(vec![1u64, 1_000, 1_000_000, 10_000_000]),
        long in any::<bool>(),
        conf in 0u64..2_000_000_000,
        drop_ppm in 0u64..200_000,
        other in -50_000i64..50_000,
        funding in -5_000_000i64..5_000_000,
        rate in 0u64..20_000,
        loss in 1u32..999,
    ) {
        let p = LiquidationParams {
            liq_buffer_ppm: 10_000, liq_max_fraction_ppm: 500_000, liq_dust_base: 0, liq_base_penalty_ppm: rate as u32,
            liq_escalation_ppm_per_slot: 0, liq_max_penalty_ppm: rate as u32, keeper_share_ppm: 500_000,
            min_keeper_reward: 0,
        };
        let price = 100_000_000_000u64;
        let mark = price - price * drop_ppm / 1_000_000;
        let m = |i: u16, px: u64| MarketMargin { market_index: i, price: px, conf, twap: px, decimals: 6,
            mmr_ppm: 50_000, base_imr_ppm: 100_000, imr_multiplier_ppm: 1_000_000, imf_factor: 0,
            conf_k_ppm: 1_000_000, unsettled_funding: funding };
        let base = lots * lot_atoms as i64 * if long { 1 } else { -1 };
        let cost = (base as i128 * price as i128 / 1_000_000_000_000) as i64;
        let other_base = other * 1_000_000;
        let other_cost = (other_base as i128 * price as i128 / 1_000_000_000_000) as i64;
        let positions = vec![
            (Position { base, cost }, m(0, mark)),
            (Position { base: other_base, cost: other_cost }, m(1, price)),
        ];
        let req = health(0, &positions, HealthKind::Maintenance).unwrap();
        // Collateral leaving the account between bankrupt and healthy.
        let collateral = (req.requirement as i128 * loss as i128 / 1_000) as i64 - req.equity;
        prop_assume!(!health(collateral, &positions, HealthKind::Maintenance).unwrap().is_healthy());
        let s = stage(collateral, &positions, 0, rate, lot_atoms, u64::MAX, &p).unwrap();
        let size = base.unsigned_abs();
        let cap = (size / 2).max(lot_atoms).min(size);
        let at = |close: u64| after_close(collateral, &positions, close, rate, p.liq_buffer_ppm);
        prop_assert_eq!(s.restores, at(s.close).0);
        if s.restores && s.close > 0 {
            prop_assert!(s.close == cap || s.close.is_multiple_of(lot_atoms));
            // One lot less (the search's candidates: whole lots, or the cap itself).
            let below = |close: u64| if close == cap { (cap / lot_atoms).saturating_sub(1) * lot_atoms } else { close - lot_atoms };
            if below(s.close) > 0 {
                prop_assert!(!at(below(s.close)).0, "one lot less restores too");
            }
            prop_assert!(at(s.min_close).1, "the minimum restores maintenance");
            if below(s.min_close) > 0 {
                prop_assert!(!at(below(s.min_close)).1, "one lot less than the minimum is healthy");
            }
        } else {
            prop_assert_eq!(s.close, cap, "a stage that cannot restore closes the cap");
        }
    }
}
