//! Skew funding through a cumulative index per market (SPEC section 5). Longs pay shorts when
//! longs outweigh shorts (and the other way); the pool absorbs the imbalance, since each side
//! settles its own positions against the pool.

use crate::error::{EngineError, EngineResult};
use crate::num::{div_ceil_i128, pow10, value_floor, PPM, PRICE_DECIMALS};

/// Seconds per funding period (rates are per day).
pub const FUNDING_PERIOD_SECS: i64 = 86_400;

/// Funding parameters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FundingParams {
    /// Rate per day in ppm at a skew equal to `depth`: rate = k · skew / depth.
    pub k_ppm: u32,
    /// Skew notional (collateral units) at which the rate reaches `k`.
    pub depth: u64,
    /// The rate's magnitude is capped at this, ppm per day.
    pub max_rate_ppm: u32,
}

/// Funding rate in ppm per day for a skew of `long_oi − short_oi` atoms at `price`; positive:
/// longs pay. Rounded towards zero, then capped.
pub fn funding_rate_ppm(
    long_oi: u64,
    short_oi: u64,
    price: u64,
    decimals: u8,
    p: &FundingParams,
) -> EngineResult<i64> {
    if p.depth == 0 {
        return Ok(0);
    }
    let skew = long_oi as i128 - short_oi as i128;
    let skew = i64::try_from(skew).map_err(|_| EngineError::math("skew"))?;
    let notional = value_floor(skew, price, decimals)? as i128;
    let rate = notional * p.k_ppm as i128 / p.depth as i128;
    let cap = p.max_rate_ppm as i128;
    Ok(rate.clamp(-cap, cap) as i64)
}

/// Index increase for `elapsed` seconds at `rate_ppm` per day and `price`: collateral at 1e-9
/// per whole base unit (the price scale), rounded towards zero.
pub fn index_delta(price: u64, rate_ppm: i64, elapsed: i64) -> EngineResult<i64> {
    if elapsed <= 0 {
        return Ok(0);
    }
    let d = price as i128 * rate_ppm as i128 * elapsed as i128
        / (PPM as i128 * FUNDING_PERIOD_SECS as i128);
    i64::try_from(d).map_err(|_| EngineError::math("index_delta"))
}

/// Funding a position of `base` atoms owes between index `from` and `to` (collateral units;
/// positive = it pays), rounded up: payers pay the unit, receivers forgo it.
pub fn funding_owed(base: i64, from: i64, to: i64, decimals: u8) -> EngineResult<i64> {
    let delta = to as i128 - from as i128;
    let scale = pow10(
        (2 * PRICE_DECIMALS as u32)
            .checked_sub(decimals as u32)
            .ok_or_else(|| EngineError::math("decimals"))?,
    )? as i128;
    let owed = div_ceil_i128(base as i128 * delta, scale);
    i64::try_from(owed).map_err(|_| EngineError::math("funding_owed"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOL: u64 = 1_000_000_000;
    const P: FundingParams = FundingParams {
        k_ppm: 1_000,
        depth: 1_000_000_000_000,
        max_rate_ppm: 3_000,
    };

    #[test]
    fn the_rate_follows_the_skew_and_is_capped() {
        // 1,000 SOL net long at 150 = 150,000 USDC = 1.5e11 units; 1000 ppm * 1.5e11 / 1e12 = 150 ppm/day.
        assert_eq!(
            funding_rate_ppm(1_000 * SOL, 0, 150_000_000_000, 6, &P).unwrap(),
            150
        );
        assert_eq!(
            funding_rate_ppm(0, 1_000 * SOL, 150_000_000_000, 6, &P).unwrap(),
            -150
        );
        assert_eq!(
            funding_rate_ppm(1_000_000 * SOL, 0, 150_000_000_000, 6, &P).unwrap(),
            3_000
        );
    }

    #[test]
    fn owed_rounds_against_the_position_on_both_sides() {
        // 150 ppm/day at 150 for one hour: 150e9 * 150 * 3600 / (1e6 * 86400) = 937_500 (1e-9 per SOL).
        let d = index_delta(150_000_000_000, 150, 3_600).unwrap();
        assert_eq!(d, 937_500);
        // A 10 SOL long pays 10 * 0.0009375 = 0.009375 USDC = 9_375 units exactly.
        assert_eq!(funding_owed(10 * SOL as i64, 0, d, 6).unwrap(), 9_375);
        assert_eq!(funding_owed(-10 * SOL as i64, 0, d, 6).unwrap(), -9_375);
        // 1 atom: the long pays a whole unit, the short receives nothing.
        assert_eq!(funding_owed(1, 0, d, 6).unwrap(), 1);
        assert_eq!(funding_owed(-1, 0, d, 6).unwrap(), 0);
    }
}
