//! A market's price in collateral units: asset aggregate / collateral aggregate, TWAP checks,
//! the divergence fallback for reductions, and the TWAP update.

use super::aggregate::{aggregate, median_floor, AggregationConfig, ProviderReading, UsdAggregate};
use super::twap::{update_twap, TwapConfig, TwapState};
use super::validity::Validity;
use super::MAX_SOURCES;
use crate::error::EngineResult;
use crate::num::{
    apply_ppm_ceil, apply_ppm_floor, mul_div_ceil, mul_div_floor, ratio_ppm_ceil, PRICE_SCALE,
};

stored_block! {
    /// Market-level oracle limits (beyond each side's [`AggregationConfig`]).
    pub struct MarketOracleConfig {
        /// Aggregate farther than this from the TWAP is `TooVolatile` (ppm of the TWAP).
        pub max_twap_deviation_ppm: u32,
        /// While `Divergent`, reductions use a reading within this band around the TWAP (ppm).
        pub fallback_band_ppm: u32,
        /// TWAP averaging.
        #[cfg_attr(feature = "serde", serde(flatten))]
        pub twap: TwapConfig,
    }
}

/// The market's aggregate, as `update_risk` stores it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MarketAggregate {
    /// Price in collateral units at 1e-9 (asset USD / collateral USD, rounded down).
    pub price: u64,
    /// Confidence in collateral units, rounded up; includes the collateral's own uncertainty.
    pub conf: u64,
    /// Price reductions and liquidations use: `price`, or while `Divergent` the median of the
    /// readings inside the TWAP band (held within [second lowest, second highest] survivor
    /// when three or more survive); 0 when there is none.
    pub reduce_price: u64,
    /// Worst of the asset side, the collateral side and the TWAP checks.
    pub validity: Validity,
    /// Oldest publish time among the readings behind the price (asset and collateral).
    pub oldest_publish_time: i64,
    /// Source dispersion of the asset in collateral units (max − min of survivors, less the
    /// one farthest from the median when three or more survive).
    pub dispersion: u64,
    /// The TWAP after this sample (unchanged if not fed).
    pub twap: TwapState,
    /// The asset side in USD.
    pub asset: UsdAggregate,
    /// The collateral side in USD.
    pub collateral: UsdAggregate,
}

/// Prices a market from its asset readings and the collateral's readings (`None` = invalid),
/// and feeds the TWAP (not with `NoPrice` or `Divergent` aggregates).
///
/// TooVolatile is judged against the TWAP before this sample. Conversion: price =
/// floor(asset · 1e9 / collateral); conf = ceil(asset_conf · 1e9 / collateral) +
/// ceil(price · collateral_conf / collateral).
#[allow(clippy::too_many_arguments)]
pub fn price_market(
    asset: &[Option<ProviderReading>],
    asset_cfg: &AggregationConfig,
    collateral: &[Option<ProviderReading>],
    collateral_cfg: &AggregationConfig,
    cfg: &MarketOracleConfig,
    twap: &TwapState,
    now_slot: u64,
    now_ts: i64,
) -> EngineResult<MarketAggregate> {
    let a = aggregate(asset, asset_cfg)?;
    let c = aggregate(collateral, collateral_cfg)?;
    let mut out = MarketAggregate {
        twap: *twap,
        asset: a,
        collateral: c,
        ..Default::default()
    };
    if a.validity == Validity::NoPrice || c.validity == Validity::NoPrice {
        return Ok(out);
    }
    let price = to_collateral_floor(a.price, c.price)?;
    if price == 0 {
        return Ok(out);
    }
    let conf = mul_div_ceil(a.conf, PRICE_SCALE, c.price)?
        .checked_add(mul_div_ceil(price, c.conf, c.price)?)
        .ok_or_else(|| crate::EngineError::math("conf add"))?;
    let mut validity = a.validity.worst(c.validity);
    if twap.price != 0
        && ratio_ppm_ceil(price.abs_diff(twap.price), twap.price)?
            > cfg.max_twap_deviation_ppm as u64
    {
        validity = validity.worst(Validity::TooVolatile);
    }
    let reduce_price = if validity == Validity::Divergent {
        fallback_price(asset, &a, c.price, twap.price, cfg.fallback_band_ppm)?
    } else {
        price
    };
    out.price = price;
    out.conf = conf;
    out.validity = validity;
    out.reduce_price = reduce_price;
    out.oldest_publish_time = a.oldest_publish_time.min(c.oldest_publish_time);
    out.dispersion = mul_div_ceil(a.dispersion, PRICE_SCALE, c.price)?;
    if validity > Validity::Divergent {
        out.twap = update_twap(twap, price, now_slot, now_ts, &cfg.twap)?;
    }
    Ok(out)
}

/// Asset USD price / collateral USD price, at 1e-9, rounded down.
pub fn to_collateral_floor(asset_usd: u64, collateral_usd: u64) -> EngineResult<u64> {
    mul_div_floor(asset_usd, PRICE_SCALE, collateral_usd)
}

/// While divergent: the median of the surviving asset readings (in collateral units) that lie
/// within `band` of the TWAP; 0 when no TWAP exists or no reading lies in the band. With three
/// or more survivors it is then held within [second lowest, second highest] survivor, so it
/// stays within the range of the others whatever one reading says (one reading alone inside
/// the band does not set it).
fn fallback_price(
    asset: &[Option<ProviderReading>],
    agg: &UsdAggregate,
    collateral_usd: u64,
    twap: u64,
    band_ppm: u32,
) -> EngineResult<u64> {
    if twap == 0 {
        return Ok(0);
    }
    let lo = twap.saturating_sub(apply_ppm_floor(twap, band_ppm as u64)?);
    let hi = twap.saturating_add(apply_ppm_ceil(twap, band_ppm as u64)?.min(u64::MAX - twap));
    let mut all = [0u64; MAX_SOURCES];
    let mut n_all = 0;
    let mut inside = [0u64; MAX_SOURCES];
    let mut n = 0;
    for (i, r) in asset.iter().enumerate() {
        if let (Some(r), true) = (r, agg.survivors & (1 << i) != 0) {
            let p = to_collateral_floor(r.reading.price, collateral_usd)?;
            all[n_all] = p;
            n_all += 1;
            if (lo..=hi).contains(&p) {
                inside[n] = p;
                n += 1;
            }
        }
    }
    if n == 0 {
        return Ok(0);
    }
    inside[..n].sort_unstable();
    let median = median_floor(&inside[..n])?;
    if n_all < 3 {
        return Ok(median);
    }
    all[..n_all].sort_unstable();
    Ok(median.clamp(all[1], all[n_all - 2]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oracle::Reading;

    fn pr(provider: u8, price: u64) -> Option<ProviderReading> {
        Some(ProviderReading {
            provider,
            reading: Reading {
                price,
                conf: 0,
                publish_time: 100,
                publish_slot: 10,
            },
        })
    }
    const AGG: AggregationConfig = AggregationConfig {
        min_quorum: 2,
        max_deviation_ppm: 100_000,
        max_divergence_ppm: 20_000,
        max_conf_ppm: 50_000,
    };
    const COLL: AggregationConfig = AggregationConfig {
        min_quorum: 1,
        ..AGG
    };
    const MKT: MarketOracleConfig = MarketOracleConfig {
        max_twap_deviation_ppm: 100_000,
        fallback_band_ppm: 20_000,
        twap: TwapConfig {
            twap_window_secs: 600,
            twap_max_step_ppm: 20_000,
        },
    };

    #[test]
    fn price_is_asset_over_collateral() {
        let twap = TwapState::default();
        let m = price_market(
            &[pr(0, 150 * PRICE_SCALE), pr(1, 150 * PRICE_SCALE)],
            &AGG,
            &[pr(0, 960_000_000)],
            &COLL,
            &MKT,
            &twap,
            10,
            100,
        )
        .unwrap();
        // 150 / 0.96 = 156.25
        assert_eq!(m.price, 156_250_000_000);
        assert_eq!(m.validity, Validity::Valid);
        assert_eq!(m.twap.price, m.price);
    }

    #[test]
    fn divergence_falls_back_to_the_reading_inside_the_twap_band() {
        let twap = TwapState {
            price: 100 * PRICE_SCALE,
            last_slot: 5,
            last_time: 50,
        };
        let m = price_market(
            &[pr(0, 100 * PRICE_SCALE), pr(1, 106 * PRICE_SCALE)],
            &AGG,
            &[pr(0, PRICE_SCALE)],
            &COLL,
            &MKT,
            &twap,
            10,
            100,
        )
        .unwrap();
        assert_eq!(m.validity, Validity::Divergent);
        assert_eq!(m.reduce_price, 100 * PRICE_SCALE);
        assert_eq!(m.twap, twap, "divergent aggregates do not feed the TWAP");
    }

    #[test]
    fn far_from_twap_is_too_volatile() {
        let twap = TwapState {
            price: 100 * PRICE_SCALE,
            last_slot: 5,
            last_time: 50,
        };
        let m = price_market(
            &[pr(0, 80 * PRICE_SCALE), pr(1, 80 * PRICE_SCALE)],
            &AGG,
            &[pr(0, PRICE_SCALE)],
            &COLL,
            &MKT,
            &twap,
            10,
            100,
        )
        .unwrap();
        assert_eq!(m.validity, Validity::TooVolatile);
        assert_eq!(m.reduce_price, m.price);
        assert!(m.twap.price < twap.price);
    }

    #[test]
    fn no_collateral_price_is_no_price() {
        let m = price_market(
            &[pr(0, PRICE_SCALE)],
            &AGG,
            &[None],
            &COLL,
            &MKT,
            &TwapState::default(),
            10,
            100,
        )
        .unwrap();
        assert_eq!(m.validity, Validity::NoPrice);
    }
}
