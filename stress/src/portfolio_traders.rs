//! Portfolios that act during the run: at seeded looks (exponential waits, as single-market
//! traders look), a portfolio closes every leg when its whole account's profit reaches its
//! take-profit share of its opening collateral, or its loss its panic share; the shares are
//! drawn as `crate::traders::Habits` draws them. Each close is the program's trade (a
//! reduction: no margin asked), a refused one changing nothing.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::traders::Habits;

/// Each portfolio's habits and the looks still to come.
pub struct PortfolioTraders {
    looks: BinaryHeap<Reverse<(i64, u32)>>,
    /// Per portfolio: take-profit and panic shares of its opening collateral, ppm (0: none).
    take_profit_ppm: Vec<u32>,
    panic_ppm: Vec<u32>,
    look_secs: f64,
    rng: ChaCha8Rng,
}

impl PortfolioTraders {
    /// Habits for `n` portfolios drawn with `seed`; first looks spread over one mean wait
    /// from `t0`.
    pub fn new(seed: u64, habits: &Habits, n: usize, t0: i64) -> PortfolioTraders {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x7066_7472);
        let mut draw = |ppm: u32, lo: u32, hi: u32| {
            if rng.random_range(0..1_000_000u32) < ppm {
                rng.random_range(lo..=hi)
            } else {
                0
            }
        };
        let take_profit_ppm = (0..n)
            .map(|_| draw(habits.take_profit_ppm, 200_000, 1_000_000))
            .collect();
        let panic_ppm = (0..n)
            .map(|_| draw(habits.panic_ppm, 300_000, 800_000))
            .collect();
        let span = habits.look_secs.max(1);
        let looks = (0..n)
            .map(|i| Reverse((t0 + i64::from(rng.random_range(0..=span)), i as u32)))
            .collect();
        PortfolioTraders {
            looks,
            take_profit_ppm,
            panic_ppm,
            look_secs: f64::from(span),
            rng,
        }
    }

    /// The portfolios whose look is due by `t` (each rescheduled).
    pub fn due(&mut self, t: i64) -> Vec<usize> {
        let mut out = Vec::new();
        while let Some(&Reverse((at, i))) = self.looks.peek() {
            if at > t {
                break;
            }
            self.looks.pop();
            out.push(i as usize);
            let wait = -self.look_secs * (1.0 - self.rng.random::<f64>()).ln();
            self.looks.push(Reverse((t + 1 + wait as i64, i)));
        }
        out
    }

    /// Whether portfolio `i`, with `pnl` over all its legs on `collateral` opening collateral
    /// (collateral units), closes now: `Some(true)` to take profit, `Some(false)` in panic.
    pub fn closes(&self, i: usize, pnl: i128, collateral: u64) -> Option<bool> {
        let share = |ppm: u32| i128::from(collateral) * i128::from(ppm) / 1_000_000;
        let (tp, panic) = (self.take_profit_ppm[i], self.panic_ppm[i]);
        if tp > 0 && pnl >= share(tp) {
            Some(true)
        } else if panic > 0 && -pnl >= share(panic) {
            Some(false)
        } else {
            None
        }
    }
}
