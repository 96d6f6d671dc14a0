//! Portfolios that act during the run: at seeded looks (exponential waits, as single-market
//! traders look), a portfolio closes every leg when its whole account's profit reaches its
//! take-profit share of its opening collateral, or its loss its panic share; the shares are
//! drawn as `crate::traders::Habits` draws them. Each close is the program's trade (a
//! reduction: no margin asked), a refused one changing nothing.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::traders::{draw_habit, exit, Habits, Looks, PANIC_RANGE, TAKE_PROFIT_RANGE};

/// Each portfolio's habits and the looks still to come.
pub struct PortfolioTraders {
    looks: Looks,
    /// Per portfolio: take-profit and panic shares of its opening collateral, ppm (0: none).
    take_profit_ppm: Vec<u32>,
    panic_ppm: Vec<u32>,
}

impl PortfolioTraders {
    /// Habits for `n` portfolios drawn with `seed`; first looks spread over one mean wait
    /// from `t0`.
    pub fn new(seed: u64, habits: &Habits, n: usize, t0: i64) -> PortfolioTraders {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x7066_7472);
        let take_profit_ppm = (0..n)
            .map(|_| draw_habit(&mut rng, habits.take_profit_ppm, TAKE_PROFIT_RANGE))
            .collect();
        let panic_ppm = (0..n)
            .map(|_| draw_habit(&mut rng, habits.panic_ppm, PANIC_RANGE))
            .collect();
        PortfolioTraders {
            looks: Looks::new(n, habits.look_secs, t0, rng),
            take_profit_ppm,
            panic_ppm,
        }
    }

    /// The portfolios whose look is due by `t` (each rescheduled).
    pub fn due(&mut self, t: i64) -> Vec<usize> {
        self.looks.due(t)
    }

    /// Whether portfolio `i`, with `pnl` over all its legs on `collateral` opening collateral
    /// (collateral units), closes now: `Some(true)` to take profit, `Some(false)` in panic.
    pub fn closes(&self, i: usize, pnl: i128, collateral: u64) -> Option<bool> {
        exit(pnl, collateral, self.take_profit_ppm[i], self.panic_ppm[i])
    }
}
