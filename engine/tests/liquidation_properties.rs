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
            buffer_ppm: buffer,
            max_fraction_ppm: fraction,
            dust_base: SOL as u64 / 100,
            base_penalty_ppm: max_penalty / 2,
            escalation_ppm_per_slot: escalation,
            max_penalty_ppm: max_penalty,
            keeper_share_ppm: 500_000,
            min_keeper_reward: 0,
            min_position_notional: 0,
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
        while left > p.dust_base {
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
