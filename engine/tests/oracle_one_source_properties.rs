//! Property tests of the aggregate's robustness to one source (SPEC section 3): honest
//! providers that agree within the bands, plus one reading anywhere (any price, any
//! confidence, in any position). The price stays within the honest range, the dispersion
//! within it, the confidence within max(honest confidences, honest range), the side stays
//! out of `Divergent`, and an account healthy at that honest bound stays healthy.

use bulwark_engine::dynamic_margin::{target_mmr_ppm, DynamicMarginParams};
use bulwark_engine::margin::{health, HealthKind, MarketMargin};
use bulwark_engine::num::{ratio_ppm_ceil, PRICE_SCALE};
use bulwark_engine::oracle::{
    aggregate, price_market, AggregationConfig, MarketOracleConfig, ProviderReading, Reading,
    TwapConfig, TwapState, Validity,
};
use bulwark_engine::position::Position;
use proptest::prelude::*;

fn reading(provider: u8, price: u64, conf: u64) -> Option<ProviderReading> {
    Some(ProviderReading {
        provider,
        reading: Reading {
            price,
            conf,
            publish_time: 1,
            publish_slot: 1,
        },
    })
}

/// Honest readings: `base` plus up to the band (the smaller of deviation and divergence) of
/// `base`, each with a confidence up to 1% of `base`.
fn honest(base: u64, band_ppm: u32, offsets: &[(u32, u32)]) -> Vec<(u64, u64)> {
    offsets
        .iter()
        .map(|(o, c)| {
            let up = base as u128 * band_ppm as u128 / 1_000_000 * *o as u128 / 1_000_000;
            let conf = base as u128 * *c as u128 / 100_000_000;
            (base + up as u64, conf as u64)
        })
        .collect()
}

/// The honest readings with the wrong one inserted at `at` (or left out).
fn with_wrong(
    honest: &[(u64, u64)],
    wrong: Option<(u64, u64)>,
    wrong_provider: u8,
    at: usize,
) -> Vec<Option<ProviderReading>> {
    let mut v: Vec<_> = honest
        .iter()
        .enumerate()
        .map(|(i, (p, c))| reading(i as u8, *p, *c))
        .collect();
    let r = wrong.and_then(|(p, c)| reading(wrong_provider, p, c));
    v.insert(at % (v.len() + 1), r);
    v
}

const ONE_USD: Option<ProviderReading> = Some(ProviderReading {
    provider: 9,
    reading: Reading {
        price: PRICE_SCALE,
        conf: 0,
        publish_time: 1,
        publish_slot: 1,
    },
});

/// The wrong reading: absent, anywhere, or (mostly) near `base`, where it survives the
/// outlier cut; its confidence anything from zero to far beyond the price.
fn wrong_reading(base: u64) -> impl Strategy<Value = Option<(u64, u64)>> {
    let near = (500_000u64..1_500_000)
        .prop_map(move |ppm| (base as u128 * ppm as u128 / 1_000_000) as u64);
    let conf = prop_oneof![Just(0u64), 0u64..base / 10 + 1, 0u64..u64::MAX / 4];
    prop::option::weighted(
        0.95,
        (prop_oneof![1 => 1u64..u64::MAX / 4, 6 => near], conf),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn one_reading_anywhere_keeps_price_dispersion_and_confidence_within_the_honest_bound(
        (base, wrong) in (1_000u64..1_000_000_000_000_000)
            .prop_flat_map(|b| (Just(b), wrong_reading(b))),
        offsets in prop::collection::vec((0u32..=1_000_000, 0u32..=1_000_000), 2..=3),
        wrong_provider in 0u8..4,
        at in 0usize..4,
        dev in 1_000u32..=500_000,
        div in 500u32..=200_000,
    ) {
        let h = honest(base, dev.min(div), &offsets);
        let cfg = AggregationConfig {
            min_quorum: 2,
            max_deviation_ppm: dev,
            max_divergence_ppm: div,
            max_conf_ppm: 200_000,
        };
        let a = aggregate(&with_wrong(&h, wrong, wrong_provider, at), &cfg).unwrap();
        let lo = h.iter().map(|x| x.0).min().unwrap();
        let hi = h.iter().map(|x| x.0).max().unwrap();
        let c_max = h.iter().map(|x| x.1).max().unwrap();
        let c_min = h.iter().map(|x| x.1).min().unwrap();
        let range = hi - lo;
        prop_assert!(lo <= a.price && a.price <= hi, "price {} outside [{lo}, {hi}]", a.price);
        prop_assert!(a.dispersion <= range, "dispersion {} above {range}", a.dispersion);
        prop_assert!(a.conf <= c_max.max(range), "conf {} above max({c_max}, {range})", a.conf);
        prop_assert!(a.conf >= c_min);
        prop_assert_ne!(a.validity, Validity::Divergent);
        if ratio_ppm_ceil(c_max.max(range), lo).unwrap() <= cfg.max_conf_ppm as u64 {
            prop_assert_eq!(a.validity, Validity::Valid);
        }
    }

    /// The same through the market: an account (long or short, any size, collateral set at
    /// the maintenance edge plus some slack) that is healthy when valued at the honest bound
    /// (worst honest price, confidence max(honest confidences, honest range), the maintenance
    /// ratio widened by that confidence) stays healthy whatever one reading says, and its
    /// reductions keep the aggregate price (no fallback).
    #[test]
    fn an_account_healthy_at_the_honest_bound_stays_healthy(
        (base, wrong) in (1_000_000u64..1_000_000_000_000_000)
            .prop_flat_map(|b| (Just(b), wrong_reading(b))),
        offsets in prop::collection::vec((0u32..=1_000_000, 0u32..=1_000_000), 2..=3),
        wrong_provider in 0u8..4,
        at in 0usize..4,
        size in prop_oneof![1i64..1_000_000_000_000, -1_000_000_000_000i64..-1],
        entry_ppm in 800_000u64..1_200_000,
        conf_k_ppm in 0u32..3_000_000,
        mmr_conf_k_ppm in 0u32..5_000_000,
        slack in 0i64..3,
    ) {
        let h = honest(base, 20_000, &offsets);
        let cfg = AggregationConfig {
            min_quorum: 2,
            max_deviation_ppm: 100_000,
            max_divergence_ppm: 20_000,
            max_conf_ppm: 200_000,
        };
        let mkt = MarketOracleConfig {
            max_twap_deviation_ppm: 100_000,
            fallback_band_ppm: 20_000,
            twap: TwapConfig { twap_window_secs: 600, twap_max_step_ppm: 20_000 },
        };
        let inputs = with_wrong(&h, wrong, wrong_provider, at);
        let m = price_market(&inputs, &cfg, &[ONE_USD], &cfg, &mkt, &TwapState::default(), 1, 1)
            .unwrap();
        prop_assert_ne!(m.validity, Validity::Divergent);
        prop_assert_eq!(m.reduce_price, m.price);

        let lo = h.iter().map(|x| x.0).min().unwrap();
        let hi = h.iter().map(|x| x.0).max().unwrap();
        let bound = h.iter().map(|x| x.1).max().unwrap().max(hi - lo);
        let dynamics = DynamicMarginParams {
            base_mmr_ppm: 50_000,
            max_mmr_ppm: 500_000,
            vol_k_ppm: 0,
            vol_horizon_secs: 60,
            mmr_conf_k_ppm: mmr_conf_k_ppm,
            mmr_ramp_slots: 1,
            mmr_calm_slots: 1,
            _padding: 0,
        };
        let market = |price: u64, conf: u64, mmr_price: u64| MarketMargin {
            price,
            conf,
            decimals: 6,
            mmr_ppm: target_mmr_ppm(&dynamics, 0, conf, mmr_price).unwrap(),
            conf_k_ppm,
            ..Default::default()
        };
        let entry = (base as u128 * entry_ppm as u128 / 1_000_000) as u64;
        let cost = bulwark_engine::num::value_floor(size, entry, 6).unwrap();
        let pos = Position { base: size, cost };
        // Honest bound: equity at the worse honest end, requirement at the higher end, the
        // ratio widened by the bound confidence at the lowest honest price.
        let at_bound = |price: u64| health(0, &[(pos, market(price, bound, lo))], HealthKind::Maintenance).unwrap();
        let equity0 = at_bound(lo).equity.min(at_bound(hi).equity);
        let requirement = at_bound(hi).requirement as i64;
        let collateral = requirement - equity0 + slack;
        prop_assert!(collateral + equity0 >= requirement);

        let attacked = market(m.price, m.conf, m.price);
        let now = health(collateral, &[(pos, attacked)], HealthKind::Maintenance).unwrap();
        prop_assert!(now.is_healthy(), "{now:?} at price {} conf {} (bound {bound})", m.price, m.conf);
    }

    /// While divergent, the fallback for reductions and liquidations stays within the honest
    /// readings' range whatever one reading says, and exists whenever an honest reading lies
    /// in the TWAP band.
    #[test]
    fn the_divergence_fallback_stays_within_the_honest_range(
        base in 1_000_000u64..1_000_000_000_000_000,
        honest_ppm in prop::collection::vec(800_000u64..1_200_000, 2..=3),
        wrong_ppm in 800_000u64..1_200_000,
        wrong_provider in 0u8..4,
        at in 0usize..4,
        twap_ppm in 900_000u64..1_100_000,
    ) {
        let scale = |ppm: u64| (base as u128 * ppm as u128 / 1_000_000) as u64;
        let h: Vec<(u64, u64)> = honest_ppm.iter().map(|p| (scale(*p), 0)).collect();
        let cfg = AggregationConfig {
            min_quorum: 1,
            max_deviation_ppm: 500_000,
            max_divergence_ppm: 500,
            max_conf_ppm: 200_000,
        };
        let mkt = MarketOracleConfig {
            max_twap_deviation_ppm: 500_000,
            fallback_band_ppm: 20_000,
            twap: TwapConfig { twap_window_secs: 600, twap_max_step_ppm: 20_000 },
        };
        let twap = TwapState { price: scale(twap_ppm), last_slot: 0, last_time: 0 };
        let inputs = with_wrong(&h, Some((scale(wrong_ppm), 0)), wrong_provider, at);
        let m = price_market(&inputs, &cfg, &[ONE_USD], &cfg, &mkt, &twap, 1, 1).unwrap();
        prop_assume!(m.validity == Validity::Divergent);
        let lo = h.iter().map(|x| x.0).min().unwrap();
        let hi = h.iter().map(|x| x.0).max().unwrap();
        if m.reduce_price != 0 {
            prop_assert!(lo <= m.reduce_price && m.reduce_price <= hi,
                "fallback {} outside [{lo}, {hi}]", m.reduce_price);
        }
        let band = twap.price / 100; // well inside the 2% band
        if h.iter().any(|x| x.0.abs_diff(twap.price) <= band) {
            prop_assert_ne!(m.reduce_price, 0);
        }
    }
}
