//! Realised volatility: an EWMA of the variance of simple returns of the aggregate price
//! (collateral units), weighted by elapsed time, integer arithmetic only (SPEC section 4).
//!
//! Manipulation resistance: returns are folded in only across whole sampling intervals
//! measured from the last fold, so calls in one slot, or at chosen moments inside an
//! interval, change nothing; the first call after an interval folds exactly one return,
//! `price / anchor − 1`, divided by the elapsed time.

use crate::error::{EngineError, EngineResult};
use crate::num::{div_ceil_u128, div_trunc_i128, div_u128, isqrt_floor, mul_div_floor, PPM};

stored_block! {
    /// Volatility parameters.
    pub struct VolParams {
        /// Shortest span (seconds) a folded return may cover.
        pub vol_sample_secs: u32,
        /// EWMA window (seconds): a return covering this long replaces the estimate entirely.
        pub vol_window_secs: u32,
    }
}

stored_block! {
    /// Volatility state kept by the market.
    pub struct VolState {
        /// Price at the last fold (0 until the first sample).
        pub anchor_price: u64,
        /// Unix time of the last fold.
        pub anchor_time: i64,
        /// Variance of returns per second, ppm² per second.
        pub variance: u64,
    }
}

impl VolState {
    /// σ in ppm per √second, rounded down.
    pub fn sigma_ppm(&self) -> u32 {
        isqrt_floor(self.variance as u128).min(u32::MAX as u128) as u32
    }
}

/// Feeds the price seen at `now`. Returns the state unchanged unless at least `sample_secs`
/// passed since the last fold; then folds `r² / dt` (r in ppm, rounded down) with weight
/// `min(dt, window) / window` and re-anchors.
pub fn update_volatility(
    s: &VolState,
    price: u64,
    now: i64,
    p: &VolParams,
) -> EngineResult<VolState> {
    if price == 0 {
        return Ok(*s);
    }
    if s.anchor_price == 0 {
        return Ok(VolState {
            anchor_price: price,
            anchor_time: now,
            variance: s.variance,
        });
    }
    let dt = now.saturating_sub(s.anchor_time);
    if dt < p.vol_sample_secs.max(1) as i64 {
        return Ok(*s);
    }
    let dt = dt as u64;
    let move_ppm = (price as i128 - s.anchor_price as i128) * PPM as i128;
    let r_ppm = div_trunc_i128(move_ppm, s.anchor_price as i128).unsigned_abs();
    let sample = u64::try_from(div_u128(r_ppm * r_ppm, dt as u128)).unwrap_or(u64::MAX);
    let window = p.vol_window_secs.max(1) as u64;
    let w = dt.min(window);
    let variance = if sample >= s.variance {
        s.variance + mul_div_floor(sample - s.variance, w, window)?
    } else {
        s.variance - mul_div_floor(s.variance - sample, w, window)?
    };
    Ok(VolState {
        anchor_price: price,
        anchor_time: now,
        variance,
    })
}

/// The volatility term of the maintenance ratio: `vol_k · σ · √horizon` in ppm (vol_k in ppm,
/// 1e6 = 1x), rounded up.
pub fn vol_margin_ppm(sigma_ppm: u32, vol_k_ppm: u32, horizon_secs: u32) -> EngineResult<u64> {
    let sqrt_h = isqrt_floor(horizon_secs as u128);
    let v = div_ceil_u128(sigma_ppm as u128 * sqrt_h * vol_k_ppm as u128, PPM as u128);
    u64::try_from(v).map_err(|_| EngineError::math("vol_margin_ppm"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: VolParams = VolParams {
        vol_sample_secs: 60,
        vol_window_secs: 3_600,
    };

    #[test]
    fn first_sample_anchors_then_one_return_per_interval() {
        let s = update_volatility(&VolState::default(), 100_000, 1_000, &P).unwrap();
        assert_eq!(
            s,
            VolState {
                anchor_price: 100_000,
                anchor_time: 1_000,
                variance: 0
            }
        );
        // 1% over 100 s: r = 10_000 ppm, sample = 1e8 / 100 = 1e6; weight 100/3600.
        let s2 = update_volatility(&s, 101_000, 1_100, &P).unwrap();
        assert_eq!(s2.variance, 27_777);
        assert_eq!(s2.anchor_price, 101_000);
        assert_eq!(s2.sigma_ppm(), 166);
    }

    #[test]
    fn calls_inside_an_interval_change_nothing() {
        let s = VolState {
            anchor_price: 100_000,
            anchor_time: 1_000,
            variance: 5_000,
        };
        for (price, t) in [(150_000, 1_001), (50_000, 1_030), (200_000, 1_059)] {
            assert_eq!(update_volatility(&s, price, t, &P).unwrap(), s);
        }
    }

    #[test]
    fn the_volatility_term_scales_with_sigma_and_root_horizon() {
        // sigma 100 ppm/sqrt(s), horizon 3600 s (sqrt 60), k = 3x -> 18_000 ppm.
        assert_eq!(vol_margin_ppm(100, 3_000_000, 3_600).unwrap(), 18_000);
    }
}
