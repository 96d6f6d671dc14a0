//! Synthetic price paths, one point a second, at 1e-9: geometric Brownian motion with jumps,
//! a gap crash, an asset going to zero. Generators are seeded and deterministic; they use
//! floating point to draw the path (off chain, before any engine call), never in the mechanics.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::path::PricePoint;

fn points(start_ts: i64, prices: impl Iterator<Item = u64>) -> Vec<PricePoint> {
    prices
        .enumerate()
        .map(|(i, price)| PricePoint {
            ts: start_ts + i as i64,
            price: price.max(1),
        })
        .collect()
}

/// A start time for synthetic paths (2023-11-14 22:13:20 UTC): oracles judge publish times,
/// so a path needs a real-looking clock.
pub const SYNTHETIC_START_TS: i64 = 1_700_000_000;

/// GBM with jumps: per second, log-return `sigma_ppm`/1e6 · N(0,1) (zero drift after the Itô
/// correction), and with probability `jump_ppm`/1e6 a drop of `jump_size_ppm`/1e6 of the price.
pub fn gbm_with_jumps(
    seed: u64,
    start_ts: i64,
    start_price: u64,
    secs: usize,
    sigma_ppm: u32,
    jump_ppm: u32,
    jump_size_ppm: u32,
) -> Vec<PricePoint> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let sigma = sigma_ppm as f64 / 1e6;
    let mut p = start_price as f64;
    points(
        start_ts,
        (0..=secs).map(move |i| {
            if i > 0 {
                // Box-Muller: one standard normal from two uniforms in (0, 1].
                let (u1, u2): (f64, f64) = (1.0 - rng.random::<f64>(), rng.random::<f64>());
                let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
                p *= (sigma * z - sigma * sigma / 2.0).exp();
                if rng.random_range(0..1_000_000u32) < jump_ppm {
                    p *= 1.0 - jump_size_ppm as f64 / 1e6;
                }
            }
            p.round().clamp(1.0, u64::MAX as f64 / 2.0) as u64
        }),
    )
}

/// Flat at `start_price`, then at second `at` a gap down by `drop_ppm`/1e6, flat after.
pub fn gap_crash(
    start_ts: i64,
    start_price: u64,
    secs: usize,
    at: usize,
    drop_ppm: u32,
) -> Vec<PricePoint> {
    let after =
        (start_price as u128 * (1_000_000 - drop_ppm.min(1_000_000)) as u128 / 1_000_000) as u64;
    points(
        start_ts,
        (0..=secs).map(move |i| if i < at { start_price } else { after }),
    )
}

/// From `start_price` down to the smallest price (1e-9) in a straight line over `secs`.
pub fn to_zero(start_ts: i64, start_price: u64, secs: usize) -> Vec<PricePoint> {
    let n = secs.max(1) as u128;
    points(
        start_ts,
        (0..=secs).map(move |i| (start_price as u128 * (n - i as u128) / n) as u64),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: u64 = 100_000_000_000; // 100 at 1e-9

    #[test]
    fn the_same_seed_gives_the_same_path_and_jumps_pull_it_down() {
        let a = gbm_with_jumps(7, 0, P, 3_600, 500, 0, 0);
        assert_eq!(a, gbm_with_jumps(7, 0, P, 3_600, 500, 0, 0));
        assert_ne!(a, gbm_with_jumps(8, 0, P, 3_600, 500, 0, 0));
        assert_eq!(a.len(), 3_601);
        let jumpy = gbm_with_jumps(7, 0, P, 3_600, 500, 2_000, 50_000);
        assert!(jumpy.last().unwrap().price < a.last().unwrap().price);
    }

    #[test]
    fn a_gap_crash_drops_at_once_and_to_zero_reaches_the_floor() {
        let g = gap_crash(0, P, 120, 60, 300_000);
        assert_eq!((g[59].price, g[60].price), (P, 70_000_000_000));
        let z = to_zero(0, P, 600);
        assert_eq!((z[0].price, z[600].price), (P, 1));
        assert!(z.windows(2).all(|w| w[1].price <= w[0].price));
    }
}
