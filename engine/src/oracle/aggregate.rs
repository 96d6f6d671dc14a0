//! One side's aggregate (asset or collateral, in USD): quorum of distinct providers, median,
//! one outlier pass, divergence, confidence.

use super::reading::Reading;
use super::validity::Validity;
use super::MAX_SOURCES;
use crate::error::{EngineError, EngineResult};
use crate::num::ratio_ppm_ceil;

/// Aggregation limits of one side.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AggregationConfig {
    /// Distinct providers needed among the surviving readings.
    pub min_quorum: u8,
    /// Readings farther than this from the first median are dropped (ppm of the median).
    pub max_deviation_ppm: u32,
    /// Survivors' spread (max − min) above this is `Divergent` (ppm of the median).
    pub max_divergence_ppm: u32,
    /// Aggregate confidence above this is `TooUncertain` (ppm of the price).
    pub max_conf_ppm: u32,
}

/// A valid reading with the provider it comes from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProviderReading {
    /// Provider tag: readings with the same tag count once towards the quorum.
    pub provider: u8,
    /// The reading.
    pub reading: Reading,
}

/// Result of [`aggregate`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UsdAggregate {
    /// Median of the survivors, USD at 1e-9 (0 with `NoPrice`).
    pub price: u64,
    /// max(confidence of the median reading(s), largest |survivor − median|), rounded up.
    pub conf: u64,
    /// `NoPrice`, `Divergent`, `TooUncertain`, `BelowQuorum` or `Valid`.
    pub validity: Validity,
    /// Bit `i` set when input `i` survived the outlier pass.
    pub survivors: u8,
    /// Distinct providers among the survivors.
    pub providers: u8,
    /// max − min of the survivors.
    pub dispersion: u64,
    /// Oldest publish time among the survivors (0 with `NoPrice`).
    pub oldest_publish_time: i64,
}

/// Median of a non-empty sorted slice: the middle value, or the mean of the two middle values
/// rounded down.
pub fn median_floor(sorted: &[u64]) -> EngineResult<u64> {
    let n = sorted.len();
    if n == 0 {
        return Err(EngineError::math("median of nothing"));
    }
    if n % 2 == 1 {
        Ok(sorted[n / 2])
    } else {
        let sum = sorted[n / 2 - 1] as u128 + sorted[n / 2] as u128;
        Ok((sum / 2) as u64)
    }
}

/// Aggregates the valid readings of one side (`None` = invalid source, by source index).
///
/// Median of all valid readings; readings deviating more than `max_deviation_ppm` from it are
/// dropped and the median recomputed once (if the pass would drop every reading, none is
/// dropped: nothing says which side is honest, and the divergence check then fires).
/// Validity is the worst of: divergence of the survivors, confidence, quorum of distinct
/// providers among them.
pub fn aggregate(
    inputs: &[Option<ProviderReading>],
    cfg: &AggregationConfig,
) -> EngineResult<UsdAggregate> {
    if inputs.len() > MAX_SOURCES {
        return Err(EngineError::InvalidConfig {
            what: "more than 4 sources",
        });
    }
    let all_mask = inputs
        .iter()
        .enumerate()
        .filter(|(_, r)| r.is_some())
        .fold(0u8, |m, (i, _)| m | (1 << i));
    if all_mask == 0 {
        return Ok(UsdAggregate::default());
    }
    let first = median_of(inputs, all_mask)?;
    let mut survivors = 0u8;
    for (i, r) in inputs.iter().enumerate() {
        if let Some(r) = r {
            let dev = ratio_ppm_ceil(r.reading.price.abs_diff(first), first)?;
            if dev <= cfg.max_deviation_ppm as u64 {
                survivors |= 1 << i;
            }
        }
    }
    if survivors == 0 {
        survivors = all_mask;
    }
    let price = median_of(inputs, survivors)?;

    let chosen = || {
        inputs
            .iter()
            .enumerate()
            .filter(move |(i, _)| survivors & (1 << i) != 0)
            .filter_map(|(_, r)| *r)
    };
    let (min, max) = chosen().fold((u64::MAX, 0u64), |(lo, hi), r| {
        (lo.min(r.reading.price), hi.max(r.reading.price))
    });
    let largest_gap = chosen()
        .map(|r| r.reading.price.abs_diff(price))
        .max()
        .unwrap_or(0);
    let conf = median_conf(inputs, survivors).max(largest_gap);
    let oldest_publish_time = chosen().map(|r| r.reading.publish_time).min().unwrap_or(0);
    let mut seen = [0u8; MAX_SOURCES];
    let mut providers = 0u8;
    for r in chosen() {
        if !seen[..providers as usize].contains(&r.provider) {
            seen[providers as usize] = r.provider;
            providers += 1;
        }
    }

    let dispersion = max - min;
    let validity = if ratio_ppm_ceil(dispersion, price)? > cfg.max_divergence_ppm as u64 {
        Validity::Divergent
    } else if ratio_ppm_ceil(conf, price)? > cfg.max_conf_ppm as u64 {
        Validity::TooUncertain
    } else if providers < cfg.min_quorum {
        Validity::BelowQuorum
    } else {
        Validity::Valid
    };
    Ok(UsdAggregate {
        price,
        conf,
        validity,
        survivors,
        providers,
        dispersion,
        oldest_publish_time,
    })
}

fn sorted_prices(inputs: &[Option<ProviderReading>], mask: u8) -> ([u64; MAX_SOURCES], usize) {
    let mut prices = [0u64; MAX_SOURCES];
    let mut n = 0;
    for (i, r) in inputs.iter().enumerate() {
        if let (Some(r), true) = (r, mask & (1 << i) != 0) {
            prices[n] = r.reading.price;
            n += 1;
        }
    }
    prices[..n].sort_unstable();
    (prices, n)
}

fn median_of(inputs: &[Option<ProviderReading>], mask: u8) -> EngineResult<u64> {
    let (prices, n) = sorted_prices(inputs, mask);
    median_floor(&prices[..n])
}

/// Confidence of the reading(s) the median came from: the middle one, or the larger of the
/// two middle ones for an even count.
fn median_conf(inputs: &[Option<ProviderReading>], mask: u8) -> u64 {
    let mut pairs = [(0u64, 0u64); MAX_SOURCES];
    let mut n = 0;
    for (i, r) in inputs.iter().enumerate() {
        if let (Some(r), true) = (r, mask & (1 << i) != 0) {
            pairs[n] = (r.reading.price, r.reading.conf);
            n += 1;
        }
    }
    pairs[..n].sort_unstable();
    if n % 2 == 1 {
        pairs[n / 2].1
    } else {
        pairs[n / 2 - 1].1.max(pairs[n / 2].1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn pr(provider: u8, price: u64) -> Option<ProviderReading> {
        Some(ProviderReading {
            provider,
            reading: Reading {
                price,
                conf: price / 1000,
                publish_time: 100,
                publish_slot: 10,
            },
        })
    }

    fn cfg() -> AggregationConfig {
        AggregationConfig {
            min_quorum: 2,
            max_deviation_ppm: 100_000,
            max_divergence_ppm: 20_000,
            max_conf_ppm: 50_000,
        }
    }

    #[test]
    fn median_odd_and_even() {
        assert_eq!(median_floor(&[1, 5, 9]).unwrap(), 5);
        assert_eq!(median_floor(&[1, 4]).unwrap(), 2);
    }

    #[test]
    fn three_agreeing_providers_are_valid() {
        let a = aggregate(&[pr(0, 100_000), pr(1, 100_500), pr(2, 99_800)], &cfg()).unwrap();
        assert_eq!(a.price, 100_000);
        assert_eq!(a.validity, Validity::Valid);
        assert_eq!(a.providers, 3);
        assert_eq!(a.survivors, 0b111);
        // Confidence: largest gap (500) exceeds the median reading's own (100).
        assert_eq!(a.conf, 500);
    }

    #[test]
    fn a_manipulated_reading_is_dropped_and_the_median_holds() {
        let a = aggregate(&[pr(0, 100_000), pr(1, 1_000_000), pr(2, 100_200)], &cfg()).unwrap();
        assert_eq!(a.survivors, 0b101);
        assert_eq!(a.price, 100_100);
        assert_eq!(a.validity, Validity::Valid);
    }

    #[test]
    fn two_feeds_of_one_provider_count_once() {
        let a = aggregate(&[pr(0, 100_000), pr(0, 100_010), None], &cfg()).unwrap();
        assert_eq!(a.providers, 1);
        assert_eq!(a.validity, Validity::BelowQuorum);
    }

    #[test]
    fn diverging_survivors_are_divergent() {
        let a = aggregate(&[pr(0, 100_000), pr(1, 105_000), pr(2, 100_000)], &cfg()).unwrap();
        assert_eq!(a.validity, Validity::Divergent);
    }

    #[test]
    fn two_far_apart_readings_are_divergent_not_dropped() {
        let a = aggregate(&[pr(0, 100_000), pr(1, 200_000)], &cfg()).unwrap();
        assert_eq!(a.survivors, 0b11);
        assert_eq!(a.validity, Validity::Divergent);
    }

    #[test]
    fn nothing_valid_is_no_price() {
        let a = aggregate(&[None, None], &cfg()).unwrap();
        assert_eq!(a.validity, Validity::NoPrice);
        assert_eq!(a.price, 0);
    }
}
