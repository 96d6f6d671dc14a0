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
    /// max(median of the survivors' confidences, largest |survivor − median| over the
    /// survivors less the one farthest from the median (three or more survivors)).
    pub conf: u64,
    /// `NoPrice`, `Divergent`, `TooUncertain`, `BelowQuorum` or `Valid`.
    pub validity: Validity,
    /// Bit `i` set when input `i` survived the outlier pass.
    pub survivors: u8,
    /// Distinct providers among the survivors.
    pub providers: u8,
    /// max − min of the survivors, less the one farthest from the median when three or more
    /// survive (see [`trimmed_range`]).
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
///
/// **One reading cannot move the others' margin.** With three or more survivors the dispersion
/// (which decides `Divergent` and feeds the spread) and the confidence gap are measured without
/// the survivor farthest from the median, and the confidence term is the median of the
/// survivors' own confidences. So when every survivor but one (call them the others; two or
/// more) lies within a range `R` and has confidence at most `C`, whatever the remaining reading
/// says (any price, any confidence):
/// - the price lies within the others' range;
/// - `dispersion ≤ R`, so the side is not `Divergent` when `R` is within `max_divergence`;
/// - `conf ≤ max(C, R)`, and not below the smallest of the others' confidences.
///
/// A reading outside `max_deviation` is dropped before any of this. With two survivors nothing
/// tells the honest one from the other: both count in full.
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
    let (sorted, n) = sorted_prices(inputs, survivors);
    let (lo, hi) = trimmed_range(&sorted[..n]);
    let largest_gap = price.abs_diff(lo).max(hi.abs_diff(price));
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

    let dispersion = hi - lo;
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

/// The survivors' range without the one reading farthest from their median (exact median,
/// no rounding), for three or more sorted prices; the whole range for one or two. On a tie
/// the wider of the two candidate ranges is kept.
///
/// With at most one wrong reading among three or more, the trimmed range lies within
/// `max − min` of the others: whichever extreme is dropped, what stays is either the others
/// alone or a wrong reading no farther from the median than the dropped one.
pub fn trimmed_range(sorted: &[u64]) -> (u64, u64) {
    let n = sorted.len();
    match n {
        0 => (0, 0),
        1 | 2 => (sorted[0], sorted[n - 1]),
        _ => {
            let mid2 = sorted[(n - 1) / 2] as u128 + sorted[n / 2] as u128;
            let above = 2 * sorted[n - 1] as u128 - mid2;
            let below = mid2 - 2 * sorted[0] as u128;
            let drop_max = (sorted[0], sorted[n - 2]);
            let drop_min = (sorted[1], sorted[n - 1]);
            if above > below {
                drop_max
            } else if below > above {
                drop_min
            } else if drop_max.1 - drop_max.0 >= drop_min.1 - drop_min.0 {
                drop_max
            } else {
                drop_min
            }
        }
    }
}

/// The median of the survivors' own confidences: the middle one, or the larger of the two
/// middle ones for an even count. One reading cannot take it outside the others' confidences.
fn median_conf(inputs: &[Option<ProviderReading>], mask: u8) -> u64 {
    let mut confs = [0u64; MAX_SOURCES];
    let mut n = 0;
    for (i, r) in inputs.iter().enumerate() {
        if let (Some(r), true) = (r, mask & (1 << i) != 0) {
            confs[n] = r.reading.conf;
            n += 1;
        }
    }
    confs[..n].sort_unstable();
    match n {
        0 => 0,
        _ if n % 2 == 1 => confs[n / 2],
        _ => confs[n / 2 - 1].max(confs[n / 2]),
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
        // Confidence: without the reading farthest from the median (100_500), the largest gap
        // (200) exceeds the median confidence (100).
        assert_eq!(a.conf, 200);
        assert_eq!(a.dispersion, 200);
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
        // No two of the three agree within the band.
        let a = aggregate(&[pr(0, 100_000), pr(1, 103_000), pr(2, 106_000)], &cfg()).unwrap();
        assert_eq!(a.validity, Validity::Divergent);
        let a = aggregate(
            &[
                pr(0, 100_000),
                pr(1, 100_000),
                pr(2, 106_000),
                pr(3, 106_000),
            ],
            &cfg(),
        )
        .unwrap();
        assert_eq!(a.validity, Validity::Divergent);
    }

    #[test]
    fn one_deviant_of_three_moves_neither_validity_nor_confidence() {
        // 5% off, inside the 10% outlier cut: it survives, but the two others agree.
        let a = aggregate(&[pr(0, 100_000), pr(1, 105_000), pr(2, 100_000)], &cfg()).unwrap();
        assert_eq!(a.survivors, 0b111);
        assert_eq!((a.price, a.conf, a.dispersion), (100_000, 100, 0));
        assert_eq!(a.validity, Validity::Valid);
        // Its own confidence does not count either, however wide.
        let mut wide = pr(1, 100_000);
        wide.as_mut().unwrap().reading.conf = 50_000;
        let a = aggregate(&[pr(0, 100_000), wide, pr(2, 100_000)], &cfg()).unwrap();
        assert_eq!((a.conf, a.validity), (100, Validity::Valid));
    }

    #[test]
    fn trimmed_range_drops_the_reading_farthest_from_the_exact_median() {
        assert_eq!(trimmed_range(&[10]), (10, 10));
        assert_eq!(trimmed_range(&[10, 20]), (10, 20));
        assert_eq!(trimmed_range(&[10, 11, 30]), (10, 11));
        assert_eq!(trimmed_range(&[0, 29, 30]), (29, 30));
        // Median 15.5 exactly: 10 is 5.5 away, 21 is 5.5 away; the wider range is kept.
        assert_eq!(trimmed_range(&[10, 15, 16, 21]), (10, 16));
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
