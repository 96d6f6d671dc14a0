//! Execution price and skew impact of a trade against the pool (SPEC sections 3 and 5).

use crate::error::{EngineError, EngineResult};
use crate::num::{isqrt_floor, mul_div_ceil, mul_div_floor, ratio_ppm_ceil, value_floor, PPM};

stored_block! {
    /// Spread parameters of a market (all ppm).
    pub struct SpreadParams {
        /// Minimum spread.
        pub base_spread_ppm: u32,
        /// Spread ≥ k · confidence / price.
        pub conf_spread_k_ppm: u32,
        /// Spread ≥ k · source dispersion / price.
        pub dispersion_spread_k_ppm: u32,
        /// Spread ≥ k · σ · √(age of the sources in seconds).
        pub latency_spread_k_ppm: u32,
        /// Upper bound of the spread.
        pub max_spread_ppm: u32,
    }
}

impl SpreadParams {
    /// The spread parameters in force while the market's velocity breaker is in `band` (0
    /// none, 1, 2): a trip widens the base spread, 2x in band 1 and 3x in band 2 (saturating),
    /// the other terms unchanged.
    pub fn in_velocity_band(self, band: u8) -> SpreadParams {
        SpreadParams {
            base_spread_ppm: self.base_spread_ppm.saturating_mul(1 + u32::from(band)),
            ..self
        }
    }
}

/// Inputs of an execution price.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PriceInputs {
    /// The price the action may use (aggregate, or the divergence fallback for reductions).
    pub price: u64,
    /// TWAP (0 = none: the price stands in).
    pub twap: u64,
    /// Aggregate confidence.
    pub conf: u64,
    /// Source dispersion.
    pub dispersion: u64,
    /// Volatility per √second, ppm (0 until volatility tracking runs).
    pub sigma_ppm: u32,
    /// Age of the oldest source behind the price, seconds.
    pub source_age_secs: u64,
}

/// An execution price and how it was formed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExecutionPrice {
    /// Reference before the spread: worse of price and TWAP for increases, price for reductions.
    pub reference: u64,
    /// Spread applied, ppm.
    pub spread_ppm: u64,
    /// Price the trader gets: buys `ceil(reference · (1 + s))`, sells `floor(reference · (1 − s))`.
    pub price: u64,
}

/// Spread = max(base, k_conf · conf / p, k_disp · dispersion / p, k_lat · σ · √age), capped.
pub fn spread_ppm(inputs: &PriceInputs, p: &SpreadParams) -> EngineResult<u64> {
    let conf = mul_div_ceil(
        ratio_ppm_ceil(inputs.conf, inputs.price)?,
        p.conf_spread_k_ppm as u64,
        PPM,
    )?;
    let disp = mul_div_ceil(
        ratio_ppm_ceil(inputs.dispersion, inputs.price)?,
        p.dispersion_spread_k_ppm as u64,
        PPM,
    )?;
    let sqrt_age = isqrt_floor(inputs.source_age_secs as u128 + 1) as u64;
    let latency = mul_div_ceil(
        inputs.sigma_ppm as u64 * sqrt_age,
        p.latency_spread_k_ppm as u64,
        PPM,
    )?;
    Ok((p.base_spread_ppm as u64)
        .max(conf)
        .max(disp)
        .max(latency)
        .min(p.max_spread_ppm as u64))
}

/// The execution price for a buy (`buy`) or sell that increases (`increase`) or reduces risk.
pub fn execution_price(
    buy: bool,
    increase: bool,
    inputs: &PriceInputs,
    params: &SpreadParams,
) -> EngineResult<ExecutionPrice> {
    if inputs.price == 0 {
        return Err(EngineError::math("execution price: no price"));
    }
    let twap = if inputs.twap == 0 {
        inputs.price
    } else {
        inputs.twap
    };
    let reference = match (increase, buy) {
        (true, true) => inputs.price.max(twap),
        (true, false) => inputs.price.min(twap),
        (false, _) => inputs.price,
    };
    let s = spread_ppm(inputs, params)?;
    let price = if buy {
        mul_div_ceil(reference, PPM + s, PPM)?
    } else {
        mul_div_floor(reference, PPM - s.min(PPM - 1), PPM)?
    };
    Ok(ExecutionPrice {
        reference,
        spread_ppm: s,
        price,
    })
}

stored_block! {
    /// Skew impact parameters.
    pub struct ImpactParams {
        /// Skew notional (collateral units) at which the marginal impact is 100%: impact =
        /// (skew_after² − skew_before²) / depth.
        pub impact_depth: u64,
        /// |impact| at most this share of the trade's notional (ppm).
        pub max_impact_ppm: u32,
        #[cfg_attr(feature = "serde", serde(skip))]
        pub _padding: u32,
    }
}

/// Signed impact of moving the skew (long − short base atoms) from `skew_before` to
/// `skew_after` at `price`: positive = the trader pays (harmful, rounded up), negative = the
/// trader may receive (helpful, rounded down in size). Capped at `max_impact_ppm` of the
/// trade's notional. The caller pays helpful impact only up to the impact sub-ledger.
pub fn skew_impact(
    skew_before: i64,
    skew_after: i64,
    price: u64,
    decimals: u8,
    trade_notional: u64,
    p: &ImpactParams,
) -> EngineResult<i64> {
    if p.impact_depth == 0 {
        return Ok(0);
    }
    let before = value_floor(skew_before, price, decimals)?.unsigned_abs() as u128;
    let after = value_floor(skew_after, price, decimals)?.unsigned_abs() as u128;
    let cap = mul_div_floor(trade_notional, p.max_impact_ppm as u64, PPM)? as u128;
    let depth = p.impact_depth as u128;
    let sq = |x: u128| {
        x.checked_mul(x)
            .ok_or_else(|| EngineError::math("impact square"))
    };
    let (sa, sb) = (sq(after)?, sq(before)?);
    let impact = if sa >= sb {
        ((sa - sb).div_ceil(depth)).min(cap) as i64
    } else {
        -(((sb - sa) / depth).min(cap) as i64)
    };
    Ok(impact)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_velocity_trip_widens_only_the_base_spread() {
        let p = SpreadParams {
            base_spread_ppm: 500,
            conf_spread_k_ppm: 1,
            dispersion_spread_k_ppm: 2,
            latency_spread_k_ppm: 3,
            max_spread_ppm: 20_000,
        };
        assert_eq!(p.in_velocity_band(0), p);
        assert_eq!(p.in_velocity_band(1).base_spread_ppm, 1_000);
        assert_eq!(
            p.in_velocity_band(2),
            SpreadParams {
                base_spread_ppm: 1_500,
                ..p
            }
        );
        let huge = SpreadParams {
            base_spread_ppm: u32::MAX,
            ..p
        };
        assert_eq!(huge.in_velocity_band(2).base_spread_ppm, u32::MAX);
    }

    const P: u64 = 150_000_000_000;

    fn params() -> SpreadParams {
        SpreadParams {
            base_spread_ppm: 500,
            conf_spread_k_ppm: 1_000_000,
            dispersion_spread_k_ppm: 500_000,
            latency_spread_k_ppm: 1_000_000,
            max_spread_ppm: 50_000,
        }
    }

    #[test]
    fn increases_take_the_worse_of_price_and_twap_and_pay_the_spread() {
        let i = PriceInputs {
            price: P,
            twap: 151_000_000_000,
            conf: 75_000_000,
            ..Default::default()
        };
        // conf 0.075/150 = 500 ppm; base 500 ppm -> s = 500 ppm.
        let buy = execution_price(true, true, &i, &params()).unwrap();
        assert_eq!(buy.reference, 151_000_000_000);
        assert_eq!(buy.spread_ppm, 500);
        assert_eq!(buy.price, 151_075_500_000);
        let sell = execution_price(false, true, &i, &params()).unwrap();
        assert_eq!(sell.reference, P);
        assert_eq!(sell.price, 149_925_000_000);
        // A reduction uses the aggregate even when the TWAP is worse for the trader.
        let close = execution_price(true, false, &i, &params()).unwrap();
        assert_eq!(close.reference, P);
    }

    #[test]
    fn the_widest_term_sets_the_spread() {
        let i = PriceInputs {
            price: P,
            conf: 1_500_000_000,
            dispersion: 6_000_000_000,
            sigma_ppm: 100,
            source_age_secs: 8,
            ..Default::default()
        };
        // conf 1%: 10_000; dispersion 4% * 0.5 = 20_000; latency 100 * sqrt(9)=300.
        assert_eq!(spread_ppm(&i, &params()).unwrap(), 20_000);
        let i = PriceInputs {
            dispersion: 60_000_000_000,
            ..i
        };
        assert_eq!(spread_ppm(&i, &params()).unwrap(), 50_000, "capped");
    }

    #[test]
    fn impact_charges_skew_growth_and_refunds_skew_reduction() {
        let p = ImpactParams {
            impact_depth: 100_000_000_000_000,
            max_impact_ppm: 10_000,
            _padding: 0,
        };
        const SOL: i64 = 1_000_000_000;
        // Skew 0 -> 1000 SOL long at $150: notional 150_000 USDC = 1.5e11 units.
        // impact = (1.5e11)^2 / 1e14 = 225_000_000 units = 225 USDC; cap 1% of 150k = 1500.
        assert_eq!(
            skew_impact(0, 1_000 * SOL, P, 6, 150_000_000_000, &p).unwrap(),
            225_000_000
        );
        assert_eq!(
            skew_impact(1_000 * SOL, 0, P, 6, 150_000_000_000, &p).unwrap(),
            -225_000_000
        );
        // Capped at 1% of a small trade's notional.
        assert_eq!(
            skew_impact(0, 1_000 * SOL, P, 6, 1_000_000, &p).unwrap(),
            10_000
        );
    }
}
