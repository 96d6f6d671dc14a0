//! Property tests of funding accrual (SPEC section 5): the index does not depend on how often
//! it is accrued. Any split of an interval into accruals sums to one accrual over it (exactly
//! while the rate keeps its sign, within one unit in general), at any price from 1e-9 to 1e6.

use bulwark_engine::funding::{index_step, IndexStep, INDEX_STEP_DENOMINATOR};
use proptest::prelude::*;

/// Splits `total` seconds into pieces by the given cut fractions (ppm).
fn split(total: i64, cuts_ppm: &[u32]) -> Vec<i64> {
    let mut cuts: Vec<i64> = cuts_ppm
        .iter()
        .map(|c| (total as i128 * *c as i128 / 1_000_000) as i64)
        .collect();
    cuts.push(0);
    cuts.push(total);
    cuts.sort_unstable();
    cuts.windows(2).map(|w| w[1] - w[0]).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn many_accruals_at_one_rate_equal_one_accrual(
        price in 1u64..=1_000_000_000_000_000,
        rate in -1_000_000i64..=1_000_000,
        total in 1i64..1_000_000,
        cuts in prop::collection::vec(0u32..=1_000_000, 0..50),
    ) {
        let once = index_step(price, rate, total, 0).unwrap().delta;
        let mut step = IndexStep::default();
        let mut index = 0i64;
        for piece in split(total, &cuts) {
            step = index_step(price, rate, piece, step.carry).unwrap();
            index += step.delta;
        }
        prop_assert_eq!(index, once);
        prop_assert!(step.carry.abs() < INDEX_STEP_DENOMINATOR);
    }

    #[test]
    fn every_second_for_ten_minutes_equals_one_accrual(
        price in 1u64..=1_000_000_000_000_000,
        rate in -1_000_000i64..=1_000_000,
    ) {
        let once = index_step(price, rate, 600, 0).unwrap().delta;
        let mut step = IndexStep::default();
        let mut index = 0i64;
        for _ in 0..600 {
            step = index_step(price, rate, 1, step.carry).unwrap();
            index += step.delta;
        }
        prop_assert_eq!(index, once);
    }

    /// The rate (and price) may change between accruals, even its sign: the index stays
    /// within one unit of the exact sum of what each interval owes.
    #[test]
    fn changing_rates_stay_within_one_unit_of_the_exact_sum(
        steps in prop::collection::vec(
            (1u64..=1_000_000_000_000_000, -1_000_000i64..=1_000_000, 0i64..10_000),
            1..60,
        ),
    ) {
        let mut step = IndexStep::default();
        let mut index = 0i128;
        let mut exact = 0i128;
        for (price, rate, elapsed) in &steps {
            step = index_step(*price, *rate, *elapsed, step.carry).unwrap();
            index += step.delta as i128;
            exact += *price as i128 * *rate as i128 * *elapsed as i128;
        }
        let d = INDEX_STEP_DENOMINATOR as i128;
        prop_assert_eq!(index * d + step.carry as i128, exact);
        prop_assert!((index * d - exact).abs() < d, "{} vs {}/{}", index, exact, d);
    }
}
