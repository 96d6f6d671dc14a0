//! Seeded populations of accounts: collateral, leverage up to the market's maximum, side.
//! Sizes follow from collateral × leverage at the opening price. Collateral is log-uniform
//! (density ∝ 1/x: as many accounts between 100 and 1,000 USDC as between 10,000 and 100,000,
//! so positions are heavy-tailed). Archetypes: directional traders (the ranges below), punters
//! (high leverage on small accounts) and hedgers (low-leverage shorts on large accounts);
//! cross-market portfolios are drawn by `crate::portfolios`.

use bulwark_engine::num::{BASE_SCALE, PRICE_SCALE};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// How accounts are drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PopulationSpec {
    pub count: usize,
    /// Collateral per account, collateral units: drawn log-uniformly in [min, max].
    pub collateral_min: u64,
    pub collateral_max: u64,
    /// Leverage in hundredths (250 = 2.5x): uniform in [min, max]; max at most the market's.
    pub leverage_min_x100: u32,
    pub leverage_max_x100: u32,
    /// Share of longs, ppm.
    pub long_ppm: u32,
    /// Share of punters, ppm: leverage in the top quarter of the range, collateral within
    /// ten times the minimum, either side.
    pub punter_ppm: u32,
    /// Share of hedgers, ppm: shorts at 1x to 3x, collateral within a tenth of the maximum.
    pub hedger_ppm: u32,
    /// In a multi-market run, the share of accounts that are cross-market portfolios, ppm.
    pub portfolio_ppm: u32,
}

impl Default for PopulationSpec {
    /// 1,000 accounts with 100 to 100,000 USDC (6 decimals), 1x to 20x, 55% long; 10%
    /// punters, 10% hedgers; in multi-market runs 20% of accounts are portfolios.
    fn default() -> Self {
        PopulationSpec {
            count: 1_000,
            collateral_min: 100_000_000,
            collateral_max: 100_000_000_000,
            leverage_min_x100: 100,
            leverage_max_x100: 2_000,
            long_ppm: 550_000,
            punter_ppm: 100_000,
            hedger_ppm: 100_000,
            portfolio_ppm: 200_000,
        }
    }
}

impl PopulationSpec {
    /// This spec with directional traders only (no punters or hedgers).
    pub fn directional_only(self) -> Self {
        PopulationSpec {
            punter_ppm: 0,
            hedger_ppm: 0,
            ..self
        }
    }
}

/// One account to open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccountSpec {
    pub collateral: u64,
    pub leverage_x100: u32,
    /// Base atoms (1e9 a unit), positive long, negative short.
    pub base: i64,
}

/// The notional of `collateral` at `leverage_x100` (hundredths), collateral units, rounded
/// down.
pub fn notional(collateral: u64, leverage_x100: u32) -> u128 {
    collateral as u128 * leverage_x100 as u128 / 100
}

/// Base atoms (1e-9 a unit) worth `notional` collateral units at `price` (1e-9 collateral per
/// unit) with collateral `decimals`, rounded down.
pub fn base_for_notional(notional: u128, price: u64, decimals: u8) -> i64 {
    let scale = 10u128.pow(decimals as u32);
    (notional * BASE_SCALE as u128 * PRICE_SCALE as u128 / (price.max(1) as u128 * scale)) as i64
}

impl AccountSpec {
    /// Collateral × leverage, collateral units.
    pub fn notional(&self) -> u128 {
        notional(self.collateral, self.leverage_x100)
    }
}

/// Draws `spec.count` accounts at `price` (1e-9 collateral per unit) with collateral
/// `decimals`; the same seed gives the same population.
pub fn generate(seed: u64, spec: &PopulationSpec, price: u64, decimals: u8) -> Vec<AccountSpec> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (lo, hi) = (
        spec.collateral_min.max(1) as f64,
        spec.collateral_max.max(1) as f64,
    );
    let (lev_lo, lev_hi) = (
        spec.leverage_min_x100,
        spec.leverage_max_x100.max(spec.leverage_min_x100),
    );
    (0..spec.count)
        .map(|_| {
            let kind = rng.random_range(0..1_000_000u32);
            let (punter, hedger) = (
                kind < spec.punter_ppm,
                (spec.punter_ppm..spec.punter_ppm.saturating_add(spec.hedger_ppm)).contains(&kind),
            );
            let (c_lo, c_hi, l_lo, l_hi) = if punter {
                (
                    lo,
                    (lo * 10.0).min(hi),
                    lev_hi - (lev_hi - lev_lo) / 4,
                    lev_hi,
                )
            } else if hedger {
                ((hi / 10.0).max(lo), hi, lev_lo, lev_hi.min(300).max(lev_lo))
            } else {
                (lo, hi, lev_lo, lev_hi)
            };
            let collateral = (c_lo * (c_hi / c_lo).powf(rng.random::<f64>())).round() as u64;
            let leverage_x100 = rng.random_range(l_lo..=l_hi);
            let long = !hedger && rng.random_range(0..1_000_000u32) < spec.long_ppm;
            let base = base_for_notional(notional(collateral, leverage_x100), price, decimals);
            AccountSpec {
                collateral,
                leverage_x100,
                base: if long { base } else { -base },
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_population_is_seeded_and_stays_inside_its_spec() {
        let spec = PopulationSpec::default();
        let price = 150 * PRICE_SCALE;
        let a = generate(1, &spec, price, 6);
        assert_eq!(a, generate(1, &spec, price, 6));
        assert_ne!(a, generate(2, &spec, price, 6));
        assert_eq!(a.len(), 1_000);
        let longs = a.iter().filter(|x| x.base > 0).count();
        assert!((480..=620).contains(&longs), "{longs}");
        for x in &a {
            assert!((spec.collateral_min..=spec.collateral_max).contains(&x.collateral));
            assert!((100..=2_000).contains(&x.leverage_x100));
            // Notional at the price is collateral × leverage (to rounding).
            let notional = x.base.unsigned_abs() as u128 * price as u128
                / (BASE_SCALE as u128 * PRICE_SCALE as u128 / 1_000_000);
            let want = x.collateral as u128 * x.leverage_x100 as u128 / 100;
            assert!(notional.abs_diff(want) <= 1, "{notional} vs {want}");
        }
    }

    #[test]
    fn punters_are_small_and_levered_and_hedgers_large_low_leverage_shorts() {
        let spec = PopulationSpec {
            count: 4_000,
            punter_ppm: 250_000,
            hedger_ppm: 250_000,
            ..PopulationSpec::default()
        };
        let a = generate(9, &spec, 150 * PRICE_SCALE, 6);
        let punters = a
            .iter()
            .filter(|x| x.leverage_x100 >= 1_525 && x.collateral <= 1_000_000_000)
            .count();
        let hedgers = a
            .iter()
            .filter(|x| x.base < 0 && x.leverage_x100 <= 300 && x.collateral >= 10_000_000_000)
            .count();
        // A quarter each, give or take (directional accounts can land in either box too).
        assert!((900..=1_300).contains(&punters), "{punters}");
        assert!((900..=1_300).contains(&hedgers), "{hedgers}");
        let plain = generate(9, &spec.directional_only(), 150 * PRICE_SCALE, 6);
        let levered_small = plain
            .iter()
            .filter(|x| x.leverage_x100 >= 1_525 && x.collateral <= 1_000_000_000)
            .count();
        assert!(levered_small < 400, "{levered_small}");
    }
}
