//! Cross-margined portfolios: accounts holding positions in several markets of one pool
//! (delta-neutral basis trades, long one market and short another, and directional baskets),
//! run beside the markets' single-market populations by the program's own operations with
//! the keeper core's decisions: one account's health over all its markets
//! (`maintenance_free_of`), liquidation in its largest market (`liquidation_target`) with the
//! others as the program reads them (`other_positions_for_action`), bankruptcy in the market
//! of its last liquidation, ADL by the program's draining rule.
//!
//! Finding the accounts near the line without scanning them all: health is a sum over
//! positions, so an account's collateral is split into one virtual collateral a leg (summing
//! to the real one), each leg filed in its market's [`LiquidationIndex`] as a single-position
//! account. Whenever the account is under maintenance some leg is too, so the union of the
//! markets' candidates is a superset; a candidate found healthy is split afresh at the
//! current prices (each leg then gets its share of the free margin, by notional).

use bulwark::state::{InsuranceFund, LiquidityPool, MarginAccount, Market};
use bulwark_engine::account::{OpClock, StageLimits};
use bulwark_engine::action::Action;
use bulwark_engine::margin::{health, HealthKind};
use bulwark_keeper::rules::{
    adl_candidate, is_bankrupt, keep_liquidating, liquidation_target, maintenance_free_of,
};
use bulwark_sdk::preview::{other_positions_for_action, positions_for_action_into, PreviewClock};
use bulwark_sdk::Pubkey;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::index::LiquidationIndex;
use crate::population::{base_for_notional, notional, PopulationSpec};
use crate::portfolio_traders::PortfolioTraders;
use crate::venue::{KeeperModel, Venue};

/// One portfolio to open: collateral, and its legs (market, base atoms, signed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortfolioSpec {
    pub collateral: u64,
    pub leverage_x100: u32,
    pub legs: Vec<(usize, i64)>,
    /// Long one market and short another for equal notional (delta-neutral at the open).
    pub hedged: bool,
}

/// Draws `count` portfolios over `pools` (each a list of market numbers; pools of one market
/// get none) at the markets' first `prices`: half basis trades (long the pool's first market,
/// short another, or the reverse, equal notional), half baskets (one side in two or three of
/// the pool's markets); collateral and leverage as `spec` draws them, the notional split
/// evenly over the legs.
pub fn generate_portfolios(
    seed: u64,
    count: usize,
    pools: &[Vec<usize>],
    prices: &[u64],
    spec: &PopulationSpec,
    decimals: u8,
) -> Vec<PortfolioSpec> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x706f_7274);
    let pools: Vec<&Vec<usize>> = pools.iter().filter(|p| p.len() >= 2).collect();
    if pools.is_empty() {
        return Vec::new();
    }
    let (lo, hi) = (
        spec.collateral_min.max(1) as f64,
        spec.collateral_max.max(1) as f64,
    );
    (0..count)
        .map(|_| {
            let pool = pools[rng.random_range(0..pools.len())];
            let collateral = (lo * (hi / lo).powf(rng.random::<f64>())).round() as u64;
            let lev = rng.random_range(
                spec.leverage_min_x100..=spec.leverage_max_x100.max(spec.leverage_min_x100),
            );
            let hedged = rng.random::<bool>();
            let mut picks: Vec<(usize, i64)> = if hedged {
                let other = pool[rng.random_range(1..pool.len())];
                let side = if rng.random::<bool>() { 1 } else { -1 };
                vec![(pool[0], side), (other, -side)]
            } else {
                let k = rng.random_range(2..=pool.len().min(3));
                let side = if rng.random_range(0..1_000_000) < spec.long_ppm {
                    1
                } else {
                    -1
                };
                let mut ms = pool.clone();
                for j in 0..k {
                    let r = rng.random_range(j..ms.len());
                    ms.swap(j, r);
                }
                ms[..k].iter().map(|m| (*m, side)).collect()
            };
            let each = notional(collateral, lev) / picks.len() as u128;
            for (m, base) in picks.iter_mut() {
                *base *= base_for_notional(each, prices[*m], decimals);
            }
            PortfolioSpec {
                collateral,
                leverage_x100: lev,
                legs: picks,
                hedged,
            }
        })
        .collect()
}

/// What the portfolios went through (collateral units, counts).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PortfolioReport {
    pub opened: usize,
    pub refused_legs: usize,
    pub liquidations: u64,
    pub liquidated_accounts: usize,
    pub bankruptcies: u64,
    pub bad_debt: u64,
    pub deleveraged: u64,
    /// Notional deleveraged from hedged (basis) portfolios.
    pub hedged_deleveraged: u64,
    /// Accounts below maintenance at the end (the keeper judging the whole account).
    pub left_liquidatable: usize,
    /// Portfolios closed whole by their owners: taking profit, in panic.
    pub take_profits: u64,
    pub panic_closes: u64,
}

/// What one pass did in one market: stage notionals (signed: a long's close sells, negative),
/// keeper rewards, bankruptcies (deficit, insurance, socialised), deleverage notionals.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MarketEvents {
    pub stages: Vec<(i64, u64)>,
    pub keeper_rewards: u64,
    pub bankruptcies: Vec<(u64, u64, u64)>,
    pub deleveraged: Vec<(i64, u64)>,
}

/// The portfolios' accounts, their legs' index entries and the keeper's memory of them.
pub struct Portfolios {
    pub specs: Vec<PortfolioSpec>,
    accounts: Vec<MarginAccount>,
    keys: Vec<Pubkey>,
    /// One index a market, over the portfolios' legs there (virtual collateral each).
    index: Vec<LiquidationIndex>,
    unhealthy_since: Vec<i64>,
    seen: Vec<u64>,
    cycle: u64,
    liquidated: Vec<bool>,
    bankrupt: Vec<usize>,
    /// Judge every portfolio each pass instead of the index's candidates (the reference the
    /// index is tested against).
    pub full_scan: bool,
    /// The owners' habits, when portfolios act.
    pub traders: Option<PortfolioTraders>,
    pub report: PortfolioReport,
}

/// The markets' state as the operations read them: every venue's market, in order.
pub fn markets_of(venues: &[Venue]) -> Vec<Market> {
    venues.iter().map(|v| v.market).collect()
}

/// The run's markets as the portfolios' operations move them: each market's venue, each
/// pool's liquidity pool and insurance fund, and the pool of each market.
pub struct MarketsMut<'a> {
    pub venues: &'a mut [Venue],
    pub books: &'a mut [(LiquidityPool, InsuranceFund)],
    pub pool_of: &'a [usize],
}

impl MarketsMut<'_> {
    /// `f` on market `k`'s venue with its pool's books loaded; stores them back after.
    fn in_venue<T>(&mut self, k: usize, f: impl FnOnce(&mut Venue) -> T) -> T {
        let (v, books) = (&mut self.venues[k], &mut self.books[self.pool_of[k]]);
        (v.pool, v.fund) = *books;
        let out = f(v);
        *books = (v.pool, v.fund);
        out
    }

    fn decimals(&self) -> u8 {
        self.venues.first().map_or(6, |v| v.decimals)
    }
}

impl Portfolios {
    /// `specs` as flat accounts holding their collateral, for `markets` markets; keys sort
    /// after every population's (numbered from `first_key`).
    pub fn new(specs: Vec<PortfolioSpec>, markets: usize, first_key: usize) -> Portfolios {
        let n = specs.len();
        let accounts = specs
            .iter()
            .map(|s| {
                let mut a: MarginAccount = bytemuck::Zeroable::zeroed();
                a.collateral = s.collateral as i64;
                a
            })
            .collect();
        let keys = crate::sim::numbered_keys(first_key + n).split_off(first_key);
        Portfolios {
            specs,
            accounts,
            keys,
            index: (0..markets).map(|_| LiquidationIndex::new(n)).collect(),
            unhealthy_since: vec![0; n],
            seen: vec![0; n],
            cycle: 1,
            liquidated: vec![false; n],
            bankrupt: Vec::new(),
            full_scan: false,
            traders: None,
            report: PortfolioReport::default(),
        }
    }

    /// The accounts.
    pub fn accounts(&self) -> &[MarginAccount] {
        &self.accounts
    }

    /// Each account and whether it is a hedged (basis) portfolio.
    pub fn held(&self) -> impl Iterator<Item = (&MarginAccount, bool)> {
        self.accounts
            .iter()
            .zip(self.specs.iter().map(|s| s.hedged))
    }

    /// The report, with the accounts still below maintenance in `venues`' markets at
    /// `slot`/`t`.
    pub fn final_report(&self, venues: &[Venue], slot: u64, t: i64) -> PortfolioReport {
        let markets = markets_of(venues);
        let at = clock(slot, t, venues.first().map_or(6, |v| v.decimals));
        let under = |a: &&MarginAccount| {
            maintenance_free_of(a.collateral, &a.positions, &markets, &at).is_some_and(|f| f < 0)
        };
        PortfolioReport {
            left_liquidatable: self.accounts.iter().filter(under).count(),
            ..self.report
        }
    }

    /// Opens every portfolio leg by leg at `slot`/`t`, each trade through the program's checks
    /// with the account's other legs as the program reads them; a refused leg stays flat.
    pub fn open(&mut self, run: &mut MarketsMut, slot: u64, t: i64) {
        let at = clock(slot, t, run.decimals());
        let mut markets = markets_of(run.venues);
        for i in 0..self.accounts.len() {
            let mut any = false;
            for &(k, base) in &self.specs[i].legs.clone() {
                let lot = markets[k].params.trade.lot_base.max(1) as i64;
                let ok = run.in_venue(k, |v| {
                    let others = |a: &_| {
                        other_positions_for_action(a, &markets, &at, Action::IncreaseRisk, k as u16)
                    };
                    v.trade_for(
                        &mut self.accounts[i].core,
                        others,
                        base - base % lot,
                        slot,
                        t,
                    )
                });
                markets[k] = run.venues[k].market;
                any |= ok;
                self.report.refused_legs += usize::from(!ok);
            }
            self.report.opened += usize::from(any);
            self.refile(i, &markets, &at);
        }
    }

    /// Files account `i`'s legs afresh: its collateral split so each leg holds its own
    /// requirement less its PnL plus its notional's share of the account's free margin.
    fn refile(&mut self, i: usize, markets: &[Market], at: &PreviewClock) {
        let a = &self.accounts[i];
        let mut legs = Vec::new();
        for &(k, _) in &self.specs[i].legs {
            let slot = a.slot_of(k as u16).map(|s| a.positions[s]);
            let free_and_notional = slot.and_then(|p| {
                let mut buf = [Default::default(); bulwark::state::MAX_POSITIONS];
                positions_for_action_into(&[p], markets, at, Action::Liquidate, &mut buf).ok()?;
                let h = health(0, &buf[..1], HealthKind::Maintenance).ok()?;
                Some((h.free() as i128, h.notional as i128))
            });
            legs.push((k, slot, free_and_notional.unwrap_or((0, 0))));
        }
        let free: i128 = a.collateral as i128 + legs.iter().map(|l| l.2 .0).sum::<i128>();
        let total: i128 = legs.iter().map(|l| l.2 .1).sum::<i128>().max(1);
        let mut left = a.collateral as i128;
        let d = at.decimals;
        // The remainder goes to the last open leg (a closed leg is not filed anywhere).
        let last_open = legs.iter().rposition(|l| l.1.is_some());
        for (j, (k, slot, (leg_free, leg_notional))) in legs.iter().enumerate() {
            let share = match (slot, Some(j) == last_open) {
                (None, _) => 0,
                (Some(_), true) => left,
                (Some(_), false) => -leg_free + free.max(0) * leg_notional / total,
            };
            left -= share;
            let mut virtual_account: MarginAccount = bytemuck::Zeroable::zeroed();
            virtual_account.collateral = share.clamp(i64::MIN as i128, i64::MAX as i128) as i64;
            virtual_account.positions[0] = slot.unwrap_or_default();
            self.index[*k].update(i, &virtual_account, d);
        }
    }

    /// One keeper pass over the portfolios at `slot`/`t`, after the markets' own cycles:
    /// liquidations (most under water first, after the keeper's delay, within `capacity`
    /// stages), bankruptcies, then one deleverage a triggered market. Events by market.
    pub fn keeper_pass(
        &mut self,
        run: &mut MarketsMut,
        keeper: &KeeperModel,
        capacity: usize,
        slot: u64,
        t: i64,
    ) -> Vec<MarketEvents> {
        let mut ev = vec![MarketEvents::default(); run.venues.len()];
        if self.accounts.is_empty() {
            return ev;
        }
        let at = clock(slot, t, run.decimals());
        let mut markets = markets_of(run.venues);
        self.owners_act(run, &mut markets, &at);
        let due = self.due(&markets, keeper, &at);
        let mut budget = capacity;
        for (_, i) in due {
            if budget == 0 {
                break;
            }
            self.liquidate(i, run, &mut markets, keeper, &mut budget, &at, &mut ev);
        }
        self.resolve(run, &at, &mut ev);
        self.deleverage(run, &at, &mut ev);
        ev
    }

    /// The accounts due this pass as (free, account), most under water first: the markets'
    /// candidates judged on the whole account, each liquidatable for the keeper's delay.
    fn due(
        &mut self,
        markets: &[Market],
        keeper: &KeeperModel,
        at: &PreviewClock,
    ) -> Vec<(i64, usize)> {
        let (slot, t) = (at.slot, at.unix_timestamp);
        let mut candidates: Vec<usize> = if self.full_scan {
            (0..self.accounts.len()).collect()
        } else {
            self.index
                .iter()
                .zip(markets)
                .flat_map(|(x, m)| x.candidates(m, at.decimals, slot, t))
                .collect()
        };
        candidates.sort_unstable();
        candidates.dedup();
        self.cycle += 1;
        let mut due = Vec::new();
        for i in candidates {
            let a = &self.accounts[i];
            let Some(free) = maintenance_free_of(a.collateral, &a.positions, markets, at) else {
                continue;
            };
            if free >= 0 {
                self.refile(i, markets, at);
                continue;
            }
            if self.seen[i] + 1 != self.cycle {
                self.unhealthy_since[i] = t;
            }
            self.seen[i] = self.cycle;
            if t - self.unhealthy_since[i] >= keeper.delay_secs {
                due.push((free, i));
            }
        }
        due.sort_unstable();
        due
    }

    /// Stages on account `i` in its largest market while it stays liquidatable, up to the
    /// keeper's stages per account and the budget.
    #[allow(clippy::too_many_arguments)]
    fn liquidate(
        &mut self,
        i: usize,
        run: &mut MarketsMut,
        markets: &mut [Market],
        keeper: &KeeperModel,
        budget: &mut usize,
        at: &PreviewClock,
        ev: &mut [MarketEvents],
    ) {
        let op = OpClock {
            slot: at.slot,
            now: at.unix_timestamp,
        };
        for _ in 0..keeper.max_stages_per_account {
            let Some(k) = liquidation_target(&self.accounts[i], markets, at) else {
                break;
            };
            let (k, d) = (usize::from(k), at.decimals);
            let side = self.side_in(i, k);
            let snapshot = &*markets;
            let out = run.in_venue(k, |v| {
                let live = u64::from(v.pool.live_market_count().max(1));
                let limits = StageLimits {
                    max_base: u64::MAX,
                    fund_share: v.fund.balance / live,
                };
                let others = |a: &_| {
                    other_positions_for_action(a, snapshot, at, Action::Liquidate, k as u16)
                };
                v.attempt_for(&mut self.accounts[i].core, |a, m| {
                    a.liquidate(m, others, limits, op, d)
                })
            });
            markets[k] = run.venues[k].market;
            let Some(out) = out else { break };
            run.venues[k].penalties_paid += out.penalty_charged;
            *budget -= 1;
            let notional = bulwark_engine::num::notional_ceil(out.closed_base as i64, out.price, d);
            ev[k].stages.push((-side, notional.unwrap_or(0)));
            ev[k].keeper_rewards += out.reward;
            self.report.liquidations += 1;
            if !self.liquidated[i] {
                self.liquidated[i] = true;
                self.report.liquidated_accounts += 1;
            }
            if *budget == 0 || !keep_liquidating(&self.accounts[i], markets, at) {
                break;
            }
        }
        if is_bankrupt(&self.accounts[i]) && !self.bankrupt.contains(&i) {
            self.bankrupt.push(i);
        }
        self.refile(i, markets, at);
    }

    /// The owners whose look is due close their whole portfolio when its profit or loss says
    /// so (`PortfolioTraders::closes`), leg by leg through the program's trade.
    fn owners_act(&mut self, run: &mut MarketsMut, markets: &mut [Market], at: &PreviewClock) {
        let Some(mut traders) = self.traders.take() else {
            return;
        };
        let (slot, t, d) = (at.slot, at.unix_timestamp, at.decimals);
        for i in traders.due(t) {
            let legs: Vec<_> = self.accounts[i]
                .positions
                .iter()
                .filter(|p| p.base != 0)
                .map(|p| (usize::from(p.market_index), p.base, p.position()))
                .collect();
            let pnl: i128 = legs
                .iter()
                .map(|(k, _, pos)| {
                    let price = markets[*k].aggregate.price;
                    i128::from(pos.unrealized_pnl(price, d).unwrap_or(0))
                })
                .sum();
            let Some(profit) = traders.closes(i, pnl, self.specs[i].collateral) else {
                continue;
            };
            for (k, base, _) in legs {
                let snapshot = &*markets;
                let others = |a: &_| {
                    other_positions_for_action(a, snapshot, at, Action::IncreaseRisk, k as u16)
                };
                run.in_venue(k, |v| {
                    v.trade_for(&mut self.accounts[i].core, others, -base, slot, t)
                });
                markets[k] = run.venues[k].market;
            }
            let counter = match profit {
                true => &mut self.report.take_profits,
                false => &mut self.report.panic_closes,
            };
            *counter += 1;
            self.refile(i, markets, at);
        }
        self.traders = Some(traders);
    }

    /// The side (1 long, -1 short, 0 none) of portfolio `i`'s position in market `k`.
    fn side_in(&self, i: usize, k: usize) -> i64 {
        let a = &self.accounts[i];
        a.slot_of(k as u16)
            .map_or(0, |s| a.positions[s].base.signum())
    }

    /// Bankruptcies in the market of each account's last liquidation, its pool paying.
    fn resolve(&mut self, run: &mut MarketsMut, at: &PreviewClock, ev: &mut [MarketEvents]) {
        let mut still = Vec::new();
        for i in std::mem::take(&mut self.bankrupt) {
            let k = usize::from(self.accounts[i].liquidation.last_market);
            let t = at.unix_timestamp;
            let done = run.in_venue(k, |v| v.resolve_for(&mut self.accounts[i].core, t));
            match done {
                Some(b) => {
                    ev[k]
                        .bankruptcies
                        .push((b.deficit, b.insurance_paid, b.socialized));
                    self.report.bankruptcies += 1;
                    self.report.bad_debt += b.deficit;
                }
                None => still.push(i),
            }
        }
        self.bankrupt = still;
    }

    /// In every market whose trigger holds, the portfolio the keeper would pick (most levered
    /// above the water level), halving until the program accepts.
    fn deleverage(&mut self, run: &mut MarketsMut, at: &PreviewClock, ev: &mut [MarketEvents]) {
        let (slot, t, d) = (at.slot, at.unix_timestamp, at.decimals);
        for (k, out) in ev.iter_mut().enumerate() {
            let capital = run.books[run.pool_of[k]].0.capital;
            let accounts = self.keys.iter().copied().zip(self.accounts.iter());
            let m = &run.venues[k].market;
            let Some((key, size, _)) = adl_candidate(m, accounts, capital, slot, t, d) else {
                continue;
            };
            let i = self.keys.iter().position(|x| *x == key).unwrap_or(0);
            let side = self.side_in(i, k);
            let a = &mut self.accounts[i].core;
            let Some(n) = run.in_venue(k, |v| v.deleverage_for(a, size, slot, t)) else {
                continue;
            };
            // A call that only starts the episode closes nothing.
            if n > 0 {
                out.deleveraged.push((-side, n));
                self.report.deleveraged += n;
                if self.specs[i].hedged {
                    self.report.hedged_deleveraged += n;
                }
            }
            self.refile(i, &markets_of(run.venues), at);
        }
    }
}

fn clock(slot: u64, t: i64, decimals: u8) -> PreviewClock {
    PreviewClock {
        slot,
        unix_timestamp: t,
        decimals,
    }
}
