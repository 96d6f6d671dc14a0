//! Property tests of the median (SPEC section 3): order-independent, within the survivors'
//! range, and not movable outside the honest range by a minority of arbitrary readings.

use bulwark_engine::oracle::{
    aggregate, trimmed_range, AggregationConfig, ProviderReading, Reading, Validity,
};
use proptest::prelude::*;

fn reading(provider: u8, price: u64) -> Option<ProviderReading> {
    Some(ProviderReading {
        provider,
        reading: Reading {
            price,
            conf: 0,
            publish_time: 1,
            publish_slot: 1,
        },
    })
}

fn cfg(max_deviation_ppm: u32) -> AggregationConfig {
    AggregationConfig {
        min_quorum: 1,
        max_deviation_ppm,
        max_divergence_ppm: 200_000,
        max_conf_ppm: 200_000,
    }
}

proptest! {
    #[test]
    fn median_does_not_depend_on_input_order(
        prices in prop::collection::vec(1u64..1_000_000_000_000, 1..=4),
        dev in 1_000u32..500_000,
        rot in 0usize..4,
    ) {
        let inputs: Vec<_> = prices.iter().enumerate().map(|(i, p)| reading(i as u8, *p)).collect();
        let mut permuted = inputs.clone();
        permuted.reverse();
        let len = permuted.len();
        permuted.rotate_left(rot % len);
        let a = aggregate(&inputs, &cfg(dev)).unwrap();
        let b = aggregate(&permuted, &cfg(dev)).unwrap();
        prop_assert_eq!(a.price, b.price);
        prop_assert_eq!(a.conf, b.conf);
        prop_assert_eq!(a.validity, b.validity);
        prop_assert_eq!(a.survivors.count_ones(), b.survivors.count_ones());
    }

    #[test]
    fn median_lies_within_the_survivors_range(
        prices in prop::collection::vec(prop::option::of(1u64..1_000_000_000_000), 1..=4),
        dev in 1_000u32..500_000,
    ) {
        let inputs: Vec<_> = prices.iter().enumerate().map(|(i, p)| p.and_then(|p| reading(i as u8, p))).collect();
        let a = aggregate(&inputs, &cfg(dev)).unwrap();
        let mut survivors: Vec<u64> = inputs.iter().enumerate()
            .filter(|(i, _)| a.survivors & (1 << i) != 0)
            .filter_map(|(_, r)| r.map(|r| r.reading.price))
            .collect();
        if survivors.is_empty() {
            prop_assert_eq!(a.validity, Validity::NoPrice);
        } else {
            let lo = *survivors.iter().min().unwrap();
            let hi = *survivors.iter().max().unwrap();
            prop_assert!(lo <= a.price && a.price <= hi, "{} not in [{}, {}]", a.price, lo, hi);
            // The confidence covers every survivor but the one farthest from the median.
            survivors.sort_unstable();
            let (tlo, thi) = trimmed_range(&survivors);
            prop_assert!(a.conf >= thi - a.price && a.conf >= a.price - tlo);
            prop_assert_eq!(a.dispersion, thi - tlo);
        }
    }

    /// With n honest readings and fewer than n arbitrary ones (at most 4 sources), the median
    /// stays inside [min honest, max honest], whatever the liars report. "Honest" means the
    /// honest providers agree with each other within the deviation limit (spread ≤
    /// max_deviation of the lowest honest price), as honest feeds of one asset do.
    #[test]
    fn a_minority_of_wrong_readings_cannot_move_the_median_outside_the_honest_range(
        base in 1_000_000u64..1_000_000_000_000,
        offsets_ppm in prop::collection::vec(0u64..=1_000_000, 2..=3),
        liars in prop::collection::vec(1u64..u64::MAX / 4, 0..=1),
        dev in 1_000u32..500_000,
        seed in any::<u64>(),
    ) {
        prop_assume!(liars.len() < offsets_ppm.len());
        // Each honest reading is base + up to `dev` of base.
        let honest: Vec<u64> = offsets_ppm.iter()
            .map(|o| base + (base as u128 * dev as u128 / 1_000_000 * *o as u128 / 1_000_000) as u64)
            .collect();
        let mut all: Vec<u64> = honest.iter().chain(liars.iter()).copied().collect();
        // A deterministic shuffle so liars sit anywhere.
        let mut s = seed;
        for i in (1..all.len()).rev() {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            all.swap(i, (s >> 33) as usize % (i + 1));
        }
        let inputs: Vec<_> = all.iter().enumerate().map(|(i, p)| reading(i as u8, *p)).collect();
        let a = aggregate(&inputs, &cfg(dev)).unwrap();
        let lo = *honest.iter().min().unwrap();
        let hi = *honest.iter().max().unwrap();
        prop_assert!(lo <= a.price && a.price <= hi, "{} outside honest [{}, {}] with {:?}", a.price, lo, hi, all);
    }
}
