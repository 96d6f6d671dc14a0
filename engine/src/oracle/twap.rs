//! The internal time-weighted average price, in collateral units.

use crate::error::EngineResult;
use crate::num::{apply_ppm_floor, mul_div_floor};

stored_block! {
    /// TWAP limits.
    pub struct TwapConfig {
        /// Averaging window, seconds: a sample held for this long moves the TWAP all the way.
        pub twap_window_secs: u32,
        /// A sample is clamped to within this of the TWAP before it is averaged in (ppm).
        pub twap_max_step_ppm: u32,
    }
}

stored_block! {
    /// TWAP state as stored in the market.
    pub struct TwapState {
        /// Current TWAP at 1e-9 collateral per base unit; 0 until the first sample.
        pub price: u64,
        /// Slot of the last update (the TWAP moves at most once per slot).
        pub last_slot: u64,
        /// Unix time of the last update.
        pub last_time: i64,
    }
}

/// Feeds one sample. Returns the state unchanged when `now_slot` is not after the last update
/// (at most once per slot). Otherwise the sample is clamped to `twap · (1 ± max_step)` and the
/// TWAP moves towards it by `min(elapsed, window) / window` of the gap, rounded towards the
/// previous TWAP (it never overshoots). The first sample initialises the TWAP.
pub fn update_twap(
    state: &TwapState,
    sample: u64,
    now_slot: u64,
    now_ts: i64,
    cfg: &TwapConfig,
) -> EngineResult<TwapState> {
    if state.price != 0 && now_slot <= state.last_slot {
        return Ok(*state);
    }
    if state.price == 0 {
        return Ok(TwapState {
            price: sample,
            last_slot: now_slot,
            last_time: now_ts,
        });
    }
    let step = apply_ppm_floor(state.price, cfg.twap_max_step_ppm as u64)?;
    let lo = state.price.saturating_sub(step);
    let hi = state.price.saturating_add(step);
    let clamped = sample.clamp(lo, hi);
    let window = (cfg.twap_window_secs as u64).max(1);
    let elapsed = (now_ts.saturating_sub(state.last_time).max(0) as u64).min(window);
    let moved = mul_div_floor(clamped.abs_diff(state.price), elapsed, window)?;
    let price = if clamped >= state.price {
        state.price + moved
    } else {
        state.price - moved
    };
    Ok(TwapState {
        price,
        last_slot: now_slot,
        last_time: now_ts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CFG: TwapConfig = TwapConfig {
        twap_window_secs: 100,
        twap_max_step_ppm: 50_000,
    };

    #[test]
    fn first_sample_initialises() {
        let s = update_twap(&TwapState::default(), 1_000, 5, 50, &CFG).unwrap();
        assert_eq!(
            s,
            TwapState {
                price: 1_000,
                last_slot: 5,
                last_time: 50
            }
        );
    }

    #[test]
    fn moves_by_elapsed_share_of_the_clamped_gap() {
        let s = TwapState {
            price: 1_000_000,
            last_slot: 5,
            last_time: 50,
        };
        // 10 s of a 100 s window towards 1_020_000: +2_000.
        assert_eq!(
            update_twap(&s, 1_020_000, 6, 60, &CFG).unwrap().price,
            1_002_000
        );
        // A 10x sample is clamped to +5% before averaging: +5_000 over 10 s.
        assert_eq!(
            update_twap(&s, 10_000_000, 6, 60, &CFG).unwrap().price,
            1_005_000
        );
        // A long gap moves at most the whole (clamped) gap.
        assert_eq!(
            update_twap(&s, 900_000, 6, 1_000, &CFG).unwrap().price,
            950_000
        );
    }

    #[test]
    fn at_most_once_per_slot() {
        let s = TwapState {
            price: 1_000_000,
            last_slot: 5,
            last_time: 50,
        };
        assert_eq!(update_twap(&s, 2_000_000, 5, 90, &CFG).unwrap(), s);
    }
}
