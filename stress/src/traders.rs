//! Traders who act during the run. Each population account carries seeded habits and looks at
//! its position at seeded moments (exponential waits around `look_secs`, so a day of 100,000
//! accounts is a few million looks, not a scan a second). At a look it may take profit,
//! panic-close, buy a dip, withdraw profit, or, flat while its market is calm, open again;
//! some defend a position the keeper has just found under water by adding margin from their
//! wallet before the keeper's delay runs out. Every action is one of the venue's program
//! operations: one the program would refuse changes nothing.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::population::AccountSpec;
use crate::venue::Venue;

/// How the population behaves, `[population]` in the parameter file: the mean wait between a
/// trader's looks and the share of accounts (ppm, drawn independently) with each habit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Habits {
    /// Mean seconds between one trader's looks.
    pub look_secs: u32,
    /// Adds margin from its wallet when the keeper finds it liquidatable.
    pub defend_ppm: u32,
    /// Closes when its profit reaches 20% to 100% of its opening collateral.
    pub take_profit_ppm: u32,
    /// Closes when its loss reaches 30% to 80% of its opening collateral.
    pub panic_ppm: u32,
    /// A long adds half its opening size after a fall of 3% to 15% from its last high.
    pub dip_buy_ppm: u32,
    /// Flat in a calm market (within 1% of its last look), opens its position again.
    pub reopen_ppm: u32,
    /// Withdraws half its profit while the program allows it.
    pub withdraw_ppm: u32,
}

impl Default for Habits {
    /// A look every half hour on average; 30% defend, 40% take profit, 25% panic, 20% buy
    /// dips, 30% reopen, 20% withdraw profit.
    fn default() -> Self {
        Habits {
            look_secs: 1_800,
            defend_ppm: 300_000,
            take_profit_ppm: 400_000,
            panic_ppm: 250_000,
            dip_buy_ppm: 200_000,
            reopen_ppm: 300_000,
            withdraw_ppm: 200_000,
        }
    }
}

/// What the traders did over a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TraderReport {
    pub looks: u64,
    pub take_profits: u64,
    pub panic_closes: u64,
    pub dip_buys: u64,
    pub reopens: u64,
    pub withdrawals: u64,
    /// Margin added to defend a position: times, and collateral units.
    pub defences: u64,
    pub defended_units: u64,
    /// Orders the program refused (margin, caps, reserve, state).
    pub refused: u64,
}

/// One trader's habits (0: none) and memory.
#[derive(Clone, Copy, Debug, Default)]
struct Trader {
    take_profit_ppm: u32,
    panic_ppm: u32,
    dip_ppm: u32,
    defends: bool,
    reopens: bool,
    withdraws: bool,
    /// Collateral outside the venue (collateral units): what it can add.
    wallet: u64,
    /// The highest price seen since its last dip buy (dips count from here), and the price at
    /// its last look (calm is judged against it); 1e-9 collateral per unit.
    high: u64,
    last_seen: u64,
}

/// The population's traders over one market's accounts (numbers as in the population).
pub struct Traders {
    traders: Vec<Trader>,
    looks: Looks,
    /// Accounts to defend at the next step.
    defend: Vec<usize>,
    pub report: TraderReport,
}

/// `ppm` as a probability.
fn chance(rng: &mut ChaCha8Rng, ppm: u32) -> bool {
    rng.random_range(0..1_000_000u32) < ppm
}

/// Take-profit shares of the opening collateral a trader may be drawn (ppm).
pub(crate) const TAKE_PROFIT_RANGE: (u32, u32) = (200_000, 1_000_000);
/// Panic shares of the opening collateral a trader may be drawn (ppm).
pub(crate) const PANIC_RANGE: (u32, u32) = (300_000, 800_000);

/// With probability `ppm`, a share drawn uniformly in `range`; 0 (no such habit) otherwise.
pub(crate) fn draw_habit(rng: &mut ChaCha8Rng, ppm: u32, (lo, hi): (u32, u32)) -> u32 {
    if chance(rng, ppm) {
        rng.random_range(lo..=hi)
    } else {
        0
    }
}

/// Whether a holder with `pnl` on `collateral` opening collateral (collateral units) closes
/// now: `Some(true)` at its take-profit share, `Some(false)` at its panic share (0: no habit).
pub(crate) fn exit(
    pnl: i128,
    collateral: u64,
    take_profit_ppm: u32,
    panic_ppm: u32,
) -> Option<bool> {
    let share = |ppm: u32| i128::from(collateral) * i128::from(ppm) / 1_000_000;
    if take_profit_ppm > 0 && pnl >= share(take_profit_ppm) {
        Some(true)
    } else if panic_ppm > 0 && -pnl >= share(panic_ppm) {
        Some(false)
    } else {
        None
    }
}

/// When each of a population's members looks next: exponential waits around a mean, the first
/// looks spread over one mean wait.
pub(crate) struct Looks {
    next: BinaryHeap<Reverse<(i64, u32)>>,
    mean_secs: f64,
    rng: ChaCha8Rng,
}

impl Looks {
    /// `n` members' first looks from `t0`, drawn from `rng` (kept for the waits after).
    pub(crate) fn new(n: usize, look_secs: u32, t0: i64, mut rng: ChaCha8Rng) -> Looks {
        let span = look_secs.max(1);
        let next = (0..n)
            .map(|i| Reverse((t0 + i64::from(rng.random_range(0..=span)), i as u32)))
            .collect();
        Looks {
            next,
            mean_secs: f64::from(span),
            rng,
        }
    }

    /// The members whose look is due by `t`, in the order they fall due, each rescheduled
    /// after `t`.
    pub(crate) fn due(&mut self, t: i64) -> Vec<usize> {
        let mut out = Vec::new();
        while let Some(&Reverse((at, i))) = self.next.peek() {
            if at > t {
                break;
            }
            self.next.pop();
            out.push(i as usize);
            let wait = -self.mean_secs * (1.0 - self.rng.random::<f64>()).ln();
            self.next.push(Reverse((t + 1 + wait as i64, i)));
        }
        out
    }
}

impl Traders {
    /// The population's traders when `cfg` makes them act, seeded by the population.
    pub fn for_config(
        cfg: &crate::sim::SimConfig,
        population: &[AccountSpec],
        t0: i64,
    ) -> Option<Traders> {
        let habits = cfg.traders.as_ref()?;
        Some(Traders::new(
            Traders::seed_of(population),
            habits,
            population,
            t0,
        ))
    }

    /// The seed a population's traders draw from: its accounts' collateral folded (the same
    /// population, the same habits).
    pub fn seed_of(population: &[AccountSpec]) -> u64 {
        population.iter().fold(0xcbf2_9ce4_8422_2325, |h, s| {
            (h ^ s.collateral).wrapping_mul(0x100_0000_01b3)
        })
    }

    /// Habits drawn for `population` with `seed`; each trader's wallet holds as much again as
    /// its opening collateral; first looks spread over one mean wait from `t0`.
    pub fn new(seed: u64, habits: &Habits, population: &[AccountSpec], t0: i64) -> Traders {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x7261_6465_7273);
        let mut traders: Vec<Trader> = population
            .iter()
            .map(|s| Trader {
                take_profit_ppm: draw_habit(&mut rng, habits.take_profit_ppm, TAKE_PROFIT_RANGE),
                panic_ppm: draw_habit(&mut rng, habits.panic_ppm, PANIC_RANGE),
                dip_ppm: draw_habit(&mut rng, habits.dip_buy_ppm, (30_000, 150_000)),
                wallet: s.collateral,
                ..Default::default()
            })
            .collect();
        for t in traders.iter_mut() {
            t.defends = chance(&mut rng, habits.defend_ppm);
            t.reopens = chance(&mut rng, habits.reopen_ppm);
            t.withdraws = chance(&mut rng, habits.withdraw_ppm);
        }
        Traders {
            looks: Looks::new(traders.len(), habits.look_secs, t0, rng),
            traders,
            defend: Vec::new(),
            report: TraderReport::default(),
        }
    }

    /// Accounts the keeper just found liquidatable: those who defend add margin next step.
    pub fn note_unhealthy(&mut self, accounts: &[usize]) {
        let defends = |i: &&usize| self.traders.get(**i).is_some_and(|t| t.defends);
        self.defend.extend(accounts.iter().filter(defends));
    }

    /// Everything due by `t`: defences first (margin from the wallet: up to half the opening
    /// collateral), then the looks that are due, each rescheduled.
    pub fn act(&mut self, v: &mut Venue, population: &[AccountSpec], slot: u64, t: i64) {
        for i in std::mem::take(&mut self.defend) {
            let amount = self.traders[i].wallet.min(population[i].collateral / 2);
            if amount > 0 && v.accounts()[i].positions[0].base != 0 {
                v.deposit(i, amount);
                self.traders[i].wallet -= amount;
                self.report.defences += 1;
                self.report.defended_units += amount;
            }
        }
        for i in self.looks.due(t) {
            self.look(v, &population[i], i, slot, t);
        }
    }

    /// One trader's look at `t`: at most one action.
    fn look(&mut self, v: &mut Venue, spec: &AccountSpec, i: usize, slot: u64, t: i64) {
        self.report.looks += 1;
        let price = v.market.aggregate.price;
        let tr = self.traders[i];
        let (held, calm) = (
            v.accounts()[i].positions[0],
            tr.last_seen.abs_diff(price) * 100 <= tr.last_seen,
        );
        let tr = &mut self.traders[i];
        tr.high = tr.high.max(price);
        tr.last_seen = price;
        let r = &mut self.report;
        let lot = v.market.params.trade.lot_base.max(1) as i64;
        if held.base == 0 {
            if tr.reopens && calm {
                let size = spec.base - spec.base % lot;
                count(v.trade(i, size, slot, t), &mut r.reopens, &mut r.refused);
            }
            return;
        }
        let pnl = held
            .position()
            .unrealized_pnl(price, v.decimals)
            .unwrap_or(0) as i128;
        if let Some(profit) = exit(pnl, spec.collateral, tr.take_profit_ppm, tr.panic_ppm) {
            let done = match profit {
                true => &mut r.take_profits,
                false => &mut r.panic_closes,
            };
            count(v.trade(i, -held.base, slot, t), done, &mut r.refused);
        } else if tr.dip_ppm > 0
            && held.base > 0
            && price as u128 * 1_000_000 <= tr.high as u128 * (1_000_000 - tr.dip_ppm) as u128
        {
            let add = spec.base.abs() / 2;
            tr.high = price;
            if add >= lot {
                count(
                    v.trade(i, add - add % lot, slot, t),
                    &mut r.dip_buys,
                    &mut r.refused,
                );
            }
        } else if tr.withdraws && pnl > 0 {
            let amount = (pnl / 2) as u64;
            if v.withdraw(i, amount, slot, t) {
                tr.wallet += amount;
                r.withdrawals += 1;
            }
        }
    }
}

/// Counts an order: done, or refused.
fn count(accepted: bool, done: &mut u64, refused: &mut u64) {
    if accepted {
        *done += 1;
    } else {
        *refused += 1;
    }
}
