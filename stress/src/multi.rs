//! Several markets on one clock, in their risk pools. Each market is a [`Venue`] with its own
//! population (single-market accounts for now) and its own feeds; the markets of one pool
//! share one liquidity pool and one insurance fund: before a market's operations run, its
//! pool's books are loaded into its venue, and stored back after, so every operation sees
//! (and moves) the pool exactly as the program's accounts would. Each step: every market's
//! `update_risk`, then each pool's stress signal from its leaders into its followers (the
//! engine's `MarketCore::propagate_stress`, as the keeper sends it), then every market's keeper
//! cycle, in market order.
//!
//! With an impact model (`crate::impact`), each market's liquidation and deleverage flow
//! displaces its replayed price from the next step, decaying with a half-life.
//!
//! A loss that crossed pools would show as a pool whose books moved by other than its own
//! markets' events: the report counts it (`crossed_loss`, zero by construction of the program's
//! operations, checked every run).

use bulwark::error::engine_err;
use bulwark::state::{InsuranceFund, LiquidityPool};
use bulwark_engine::contagion::ContagionParams;

use crate::adl_compare::AdlComparison;
use crate::feeds::Feeds;
use crate::impact::{Impact, ImpactModel};
use crate::path::PricePoint;
use crate::population::AccountSpec;
use crate::portfolio_traders::PortfolioTraders;
use crate::portfolios::{MarketEvents, MarketsMut, PortfolioReport, PortfolioSpec, Portfolios};
use crate::sim::{
    judge_accounts_at_end, note_transitions, numbered_keys, open_population, open_venue,
    record_keeper_events, record_series_point, solvent_if_held, SimConfig, SimReport,
};
use crate::venue::Venue;

/// One risk pool of the run: its name, its markets (indices into the run's markets), and its
/// stress signal (leaders by market index; `ContagionParams::OFF` for none).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolPlan {
    pub name: String,
    pub markets: Vec<usize>,
    pub contagion: ContagionParams,
}

/// One market of the run: its symbol and its one-second path (all paths on the same
/// timestamps: [`align`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MarketPath {
    pub symbol: String,
    pub path: Vec<PricePoint>,
}

/// A pool's totals over the run (collateral units, counts).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PoolReport {
    pub markets: Vec<String>,
    pub bad_debt: u64,
    pub insurance_paid: u64,
    pub socialised_loss: u64,
    pub liquidations: u64,
    pub bankruptcies: u64,
    pub adl_events: u64,
    /// Notional the pool's markets' ADL closed, collateral units.
    pub adl_notional: u64,
    pub breaker_trips: u64,
    /// Times the stress signal switched on or off in the pool's markets.
    pub stress_signals: u64,
    pub insurance_start: u64,
    pub insurance_end: u64,
    pub capital_start: i64,
    pub capital_end: i64,
    /// Insurance paid and loss socialised by this pool's books beyond what its own markets'
    /// bankruptcies account for: a loss from another pool (must be zero).
    pub crossed_loss: u64,
}

/// What a run produced: per market (in order) and per pool (in order).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MultiReport {
    pub markets: Vec<(String, SimReport)>,
    pub pools: Vec<(String, PoolReport)>,
    /// Each market's displacement by the venue's own flow (all zero without impact).
    pub impact: Vec<(String, Impact)>,
    /// Every ADL policy on the run's ADL moments, over all markets (`crate::adl_compare`).
    pub adl: AdlComparison,
    /// What the cross-market portfolios went through (their events are in the markets' and
    /// pools' figures too).
    pub portfolios: PortfolioReport,
}

/// Puts `paths` on one clock: every timestamp any path has, each path holding its last price
/// through its gaps (and its first price before it starts). Empty paths are refused.
pub fn align(paths: &[MarketPath]) -> Result<Vec<MarketPath>, String> {
    let mut stamps: Vec<i64> = paths
        .iter()
        .flat_map(|m| m.path.iter().map(|p| p.ts))
        .collect();
    stamps.sort_unstable();
    stamps.dedup();
    paths
        .iter()
        .map(|m| {
            let first = m.path.first().ok_or(format!("{}: empty path", m.symbol))?;
            let mut price = first.price;
            let mut next = m.path.iter().peekable();
            let path = stamps
                .iter()
                .map(|&ts| {
                    while let Some(p) = next.next_if(|p| p.ts <= ts) {
                        price = p.price;
                    }
                    PricePoint { ts, price }
                })
                .collect();
            Ok(MarketPath {
                symbol: m.symbol.clone(),
                path,
            })
        })
        .collect()
}

/// The keeper's stages a second for each market and for the portfolios: without portfolios an
/// even part a market; with them, the portfolios their share of all accounts and the markets
/// even parts of the rest (each at least one).
fn keeper_shares(
    capacity: usize,
    markets: usize,
    portfolios: usize,
    singles: usize,
) -> (usize, usize) {
    if portfolios == 0 {
        return ((capacity / markets.max(1)).max(1), 0);
    }
    let share = capacity * portfolios / (portfolios + singles).max(1);
    let rest = (capacity.saturating_sub(share) / markets.max(1)).max(1);
    (rest, share.max(1))
}

/// The pool of each market (the first pool listing it; unlisted markets are refused).
fn pool_of(pools: &[PoolPlan], n: usize) -> Result<Vec<usize>, String> {
    (0..n)
        .map(|i| {
            pools
                .iter()
                .position(|p| p.markets.contains(&i))
                .ok_or(format!("market {i} is in no pool"))
        })
        .collect()
}

/// Runs `markets` (aligned) with `populations[i]` trading market `i`, each market listed as
/// `cfg` lists one (its venue sized for its population: a pool holds the sum of its markets'
/// sizes), in `pools`. The keeper's capacity is shared: each market gets an even part of it.
/// `impact[i]` is how market `i`'s price answers the venue's liquidation flow (missing: none).
pub fn run_multi(
    markets: &[MarketPath],
    populations: &[Vec<AccountSpec>],
    cfg: &SimConfig,
    pools: &[PoolPlan],
    impact: &[ImpactModel],
) -> Result<MultiReport, String> {
    run_multi_with_portfolios(markets, populations, &[], cfg, pools, impact)
}

/// [`run_multi`] with cross-market `portfolios` beside the markets' populations (each one's
/// markets in one pool). The keeper's capacity is then shared by accounts: the portfolios get
/// their share of all accounts, the markets even parts of the rest.
pub fn run_multi_with_portfolios(
    markets: &[MarketPath],
    populations: &[Vec<AccountSpec>],
    portfolios: &[PortfolioSpec],
    cfg: &SimConfig,
    pools: &[PoolPlan],
    impact: &[ImpactModel],
) -> Result<MultiReport, String> {
    let pool_of = pool_of(pools, markets.len())?;
    if populations.len() != markets.len() {
        return Err("one population a market".into());
    }
    for p in portfolios {
        let first = p.legs.first().map(|l| pool_of.get(l.0));
        if p.legs
            .iter()
            .any(|l| Some(pool_of.get(l.0)) != first || l.0 >= markets.len())
        {
            return Err("a portfolio's markets must be listed and in one pool".into());
        }
    }
    let steps = markets.first().map_or(0, |m| m.path.len());
    let mut run = MultiRun::open(markets, populations, portfolios, cfg, pools, pool_of)?;
    run.impact_models = (0..markets.len())
        .map(|i| impact.get(i).copied().unwrap_or(ImpactModel::OFF))
        .collect();
    for step in 0..steps {
        run.step(markets, populations, step)?;
    }
    Ok(run.finish(markets, populations, pools))
}

/// A run in progress.
struct MultiRun {
    venues: Vec<Venue>,
    feeds: Vec<Feeds>,
    /// Each market's configuration, sized for its population.
    configs: Vec<SimConfig>,
    /// Each pool's liquidity pool and insurance fund, as they stand between operations.
    books: Vec<(LiquidityPool, InsuranceFund)>,
    start: Vec<(LiquidityPool, InsuranceFund)>,
    pool_of: Vec<usize>,
    contagion: Vec<ContagionParams>,
    reports: Vec<SimReport>,
    signals: Vec<u64>,
    liquidated: Vec<Vec<bool>>,
    deficits: Vec<Vec<u64>>,
    fund_peak: Vec<u64>,
    impact_models: Vec<ImpactModel>,
    impact: Vec<Impact>,
    /// Each market's acting traders (when the configuration makes them act).
    traders: Vec<Option<crate::traders::Traders>>,
    portfolios: Portfolios,
    portfolio_capacity: usize,
    adl: AdlComparison,
    t0: i64,
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

impl MultiRun {
    fn open(
        markets: &[MarketPath],
        populations: &[Vec<AccountSpec>],
        portfolios: &[PortfolioSpec],
        cfg: &SimConfig,
        pools: &[PoolPlan],
        pool_of: Vec<usize>,
    ) -> Result<MultiRun, String> {
        let t0 = markets
            .first()
            .and_then(|m| m.path.first())
            .ok_or("no steps")?
            .ts;
        let n = markets.len();
        let singles = populations.iter().map(Vec::len).sum();
        let (share, portfolio_capacity) =
            keeper_shares(cfg.keeper.capacity, n, portfolios.len(), singles);
        let mut books = vec![(zeroed::<LiquidityPool>(), zeroed::<InsuranceFund>()); pools.len()];
        let (mut venues, mut configs, mut feeds) = (vec![], vec![], vec![]);
        for (i, population) in populations.iter().enumerate() {
            let mut c = cfg.sized_for(population);
            c.keeper.capacity = share;
            // Each market its own front-runners (after its population).
            let extra = c.front_runners.map_or(0, |f| f.count);
            let keys = numbered_keys(population.len() + extra);
            let mut v = open_venue(&c, t0, population, keys).map_err(err)?;
            v.market.index = i as u16;
            v.market.pool = pool_of[i] as u16;
            let (pool, fund) = &mut books[pool_of[i]];
            pool.capital = pool.capital.saturating_add(c.pool_capital);
            pool.max_pnl_to_pool_ppm = c.max_pnl_to_pool_ppm;
            pool.market_count += 1;
            fund.balance = fund.balance.saturating_add(c.insurance_balance);
            feeds.push(Feeds::new(&c.oracles, t0));
            venues.push(v);
            configs.push(c);
        }
        for (p, (pool, fund)) in books.iter_mut().enumerate() {
            (pool.index, fund.pool) = (p as u16, p as u16);
        }
        let peak = pool_of.iter().map(|p| books[*p].1.balance).collect();
        Ok((MultiRun {
            start: books.clone(),
            books,
            contagion: pools.iter().map(|p| p.contagion).collect(),
            signals: vec![0; pools.len()],
            reports: vec![SimReport::default(); n],
            liquidated: venues
                .iter()
                .map(|v| vec![false; v.accounts().len()])
                .collect(),
            deficits: venues.iter().map(|v| vec![0; v.accounts().len()]).collect(),
            fund_peak: peak,
            impact_models: vec![ImpactModel::OFF; n],
            impact: vec![Impact::default(); n],
            traders: populations
                .iter()
                .map(|p| crate::traders::Traders::for_config(cfg, p, t0))
                .collect(),
            portfolios: Portfolios::new(portfolios.to_vec(), n, singles),
            portfolio_capacity,
            adl: AdlComparison::default(),
            venues,
            feeds,
            configs,
            pool_of,
            t0,
        })
        .with_portfolio_owners(cfg))
    }

    /// The portfolios judged as `cfg` says (full scan or index) and, when traders act, their
    /// owners too.
    fn with_portfolio_owners(mut self, cfg: &SimConfig) -> MultiRun {
        let p = &mut self.portfolios;
        p.full_scan = cfg.full_scan;
        p.traders = cfg.traders.as_ref().map(|h| {
            let seed = p.specs.iter().fold(0, |s, x| s ^ x.collateral);
            PortfolioTraders::new(seed, h, p.specs.len(), self.t0)
        });
        self
    }

    fn step(
        &mut self,
        markets: &[MarketPath],
        populations: &[Vec<AccountSpec>],
        step: usize,
    ) -> Result<(), String> {
        let t = markets[0].path[step].ts;
        let slot = self.configs[0].slot_at(t, self.t0);
        if step > 0 {
            let secs = t - markets[0].path[step - 1].ts;
            for (i, m) in self.impact.iter_mut().zip(&self.impact_models) {
                i.decay(secs, m);
            }
        }
        let last = step + 1 == markets[0].path.len();
        for (i, m) in markets.iter().enumerate() {
            let p = self.pool_of[i];
            let (v, r) = (&mut self.venues[i], &mut self.reports[i]);
            (v.pool, v.fund) = self.books[p];
            let price = self.impact[i].apply(m.path[step].price);
            let ts = v.update_risk(&mut self.feeds[i], t, slot, price);
            note_transitions(r, &ts.map_err(engine_err).map_err(err)?);
            let locked = v.market.margin_above_base(slot, v.decimals).unwrap_or(0);
            r.margin_above_base_sum += u128::from(locked);
            if step.is_multiple_of(60) || last {
                record_series_point(r, v, t, m.path[step].price);
            }
            if step == 0 {
                open_population(r, v, &populations[i], slot, t);
            }
            self.books[p] = (v.pool, v.fund);
        }
        if step == 0 {
            let mut run = MarketsMut {
                venues: &mut self.venues,
                books: &mut self.books,
                pool_of: &self.pool_of,
            };
            self.portfolios.open(&mut run, slot, t);
            return Ok(());
        }
        self.propagate_signals(slot, t);
        self.keeper_cycles(markets, populations, step, slot, t)?;
        self.portfolio_pass(slot, t);
        Ok(())
    }

    /// Each market's step after the signal, in market order: its front-runners and traders
    /// act, the ADL comparison looks, the keeper's cycle runs; its flow feeds its impact.
    fn keeper_cycles(
        &mut self,
        markets: &[MarketPath],
        populations: &[Vec<AccountSpec>],
        step: usize,
        slot: u64,
        t: i64,
    ) -> Result<(), String> {
        for (i, population) in populations.iter().enumerate() {
            let keeper = self.configs[i].keeper;
            // The market's venue with its pool's books loaded, then stored back.
            let p = self.pool_of[i];
            let v = &mut self.venues[i];
            (v.pool, v.fund) = self.books[p];
            if let Some(f) = &self.configs[i].front_runners {
                // Against the price the market's sources now publish (the replayed path as
                // the venue's own flow displaced it).
                let true_price = self.impact[i].apply(markets[i].path[step].price);
                self.reports[i].front_runner_orders +=
                    crate::front_run::step(v, f, population.len(), true_price, slot, t);
            }
            let mut traders = self.traders[i].take();
            if let Some(tr) = traders.as_mut() {
                tr.act(v, population, slot, t);
            }
            self.adl.observe(v, self.portfolios.held(), slot, t);
            let ev = v.keeper_cycle(&keeper, slot, t);
            self.books[p] = (v.pool, v.fund);
            let ev = ev.map_err(engine_err).map_err(err)?;
            if let Some(tr) = traders.as_mut() {
                tr.note_unhealthy(&ev.newly_unhealthy);
            }
            self.traders[i] = traders;
            let flow = liquidation_flow(&ev.stages, population)
                + liquidation_flow(&ev.deleveraged, population);
            self.impact[i].push(flow, &self.impact_models[i]);
            record_keeper_events(
                &mut self.reports[i],
                ev,
                &mut self.liquidated[i],
                &mut self.deficits[i],
            );
            let balance = self.books[self.pool_of[i]].1.balance;
            self.fund_peak[i] = self.fund_peak[i].max(balance);
            let r = &mut self.reports[i];
            r.max_insurance_drawdown = r.max_insurance_drawdown.max(self.fund_peak[i] - balance);
        }
        Ok(())
    }

    /// The keeper's pass over the portfolios; its events go to their markets' reports and
    /// impact.
    fn portfolio_pass(&mut self, slot: u64, t: i64) {
        let keeper = self.configs[0].keeper;
        let mut run = MarketsMut {
            venues: &mut self.venues,
            books: &mut self.books,
            pool_of: &self.pool_of,
        };
        let cap = self.portfolio_capacity;
        let evs = self.portfolios.keeper_pass(&mut run, &keeper, cap, slot, t);
        for (k, ev) in evs.into_iter().enumerate() {
            let MarketEvents {
                stages,
                keeper_rewards,
                bankruptcies,
                deleveraged,
            } = ev;
            let r = &mut self.reports[k];
            let flow: i128 = stages
                .iter()
                .chain(&deleveraged)
                .map(|(side, n)| i128::from(*side) * i128::from(*n))
                .sum();
            self.impact[k].push(flow, &self.impact_models[k]);
            r.liquidations += stages.len() as u64;
            r.liquidation_sizes.extend(stages.iter().map(|s| s.1));
            r.keeper_rewards += keeper_rewards;
            r.adl_events += deleveraged.len() as u64;
            r.adl_notional += deleveraged.iter().map(|(_, n)| *n).sum::<u64>();
            for (deficit, insurance, socialised) in bankruptcies {
                r.bankruptcies += 1;
                r.bad_debt += deficit;
                r.insurance_paid += insurance;
                r.socialised_loss += socialised;
            }
        }
    }

    /// Each pool's signal from its leaders into its followers, as the keeper carries it.
    fn propagate_signals(&mut self, slot: u64, t: i64) {
        for (p, c) in self.contagion.iter().enumerate() {
            let readings: Vec<_> = c
                .named_leaders()
                .filter_map(|l| self.venues.get(usize::from(l)))
                .filter_map(|v| v.market.leader_reading(slot, t))
                .collect();
            if readings.is_empty() {
                continue;
            }
            for (i, v) in self.venues.iter_mut().enumerate() {
                if self.pool_of[i] != p {
                    continue;
                }
                let out = v.market.core.propagate_stress(&readings, c, slot, t);
                if out.is_ok_and(|(o, _)| o.changed) {
                    self.signals[p] += 1;
                }
            }
        }
    }

    fn finish(
        mut self,
        markets: &[MarketPath],
        populations: &[Vec<AccountSpec>],
        pools: &[PoolPlan],
    ) -> MultiReport {
        let steps = markets[0].path.len() as u64;
        let end_ts = markets[0].path.last().map_or(self.t0, |p| p.ts);
        for (i, population) in populations.iter().enumerate() {
            let slot = self.configs[i].slot_at(end_ts, self.t0);
            let p = self.pool_of[i];
            (self.venues[i].pool, self.venues[i].fund) = self.books[p];
            let r = &mut self.reports[i];
            r.steps = steps;
            r.traders = self.traders[i]
                .as_ref()
                .map(|tr| tr.report)
                .unwrap_or_default();
            let v = &self.venues[i];
            (r.fees_paid, r.penalties_paid) = (v.fees_paid, v.penalties_paid);
            let own = &self.liquidated[i][..population.len()];
            r.liquidated_accounts = own.iter().filter(|x| **x).count();
            let path = &markets[i].path;
            let prices = (path[0].price, path[path.len() - 1].price);
            r.liquidated_but_solvent_at_end = solvent_if_held(
                population,
                &self.liquidated[i],
                prices,
                self.venues[i].decimals,
            );
            judge_accounts_at_end(
                r,
                &self.venues[i],
                population,
                &self.configs[i],
                &self.deficits[i],
                slot,
            );
        }
        let pool_reports = pools
            .iter()
            .enumerate()
            .map(|(p, plan)| (plan.name.clone(), self.pool_report(p, plan, markets)))
            .collect();
        let end_slot = self.configs[0].slot_at(end_ts, self.t0);
        MultiReport {
            portfolios: self.portfolios.final_report(&self.venues, end_slot, end_ts),
            adl: self.adl.clone(),
            impact: markets
                .iter()
                .map(|m| m.symbol.clone())
                .zip(self.impact.iter().copied())
                .collect(),
            markets: markets
                .iter()
                .map(|m| m.symbol.clone())
                .zip(self.reports)
                .collect(),
            pools: pool_reports,
        }
    }

    /// Pool `p`'s totals: its markets' reports summed, its books at the start and the end, and
    /// what its books paid beyond its own markets' bankruptcies.
    fn pool_report(&self, p: usize, plan: &PoolPlan, markets: &[MarketPath]) -> PoolReport {
        let mut r = PoolReport {
            markets: plan
                .markets
                .iter()
                .map(|i| markets[*i].symbol.clone())
                .collect(),
            stress_signals: self.signals[p],
            ..Default::default()
        };
        for i in plan.markets.iter().filter(|i| self.pool_of[**i] == p) {
            let m = &self.reports[*i];
            r.bad_debt += m.bad_debt;
            r.insurance_paid += m.insurance_paid;
            r.socialised_loss += m.socialised_loss;
            r.liquidations += m.liquidations;
            r.bankruptcies += m.bankruptcies;
            r.adl_events += m.adl_events;
            r.adl_notional += m.adl_notional;
            r.breaker_trips += m.breaker_trips;
        }
        let ((pool0, fund0), (pool1, fund1)) = (&self.start[p], &self.books[p]);
        (r.capital_start, r.capital_end) = (pool0.capital, pool1.capital);
        (r.insurance_start, r.insurance_end) = (fund0.balance, fund1.balance);
        let paid = fund1.total_paid - fund0.total_paid;
        let socialised = pool1.total_socialized - pool0.total_socialized;
        r.crossed_loss = paid.abs_diff(r.insurance_paid) + socialised.abs_diff(r.socialised_loss);
        r
    }
}

/// The signed notional of the closes in `stages` (liquidation stages or deleverages: a long's
/// close sells, negative; a short's buys, positive), each account's side from its population
/// entry.
fn liquidation_flow(stages: &[(usize, u64)], population: &[AccountSpec]) -> i128 {
    stages
        .iter()
        .map(|(a, notional)| {
            let side = population.get(*a).map_or(0, |s| s.base.signum());
            -(side as i128) * *notional as i128
        })
        .sum()
}

fn zeroed<T: bytemuck::Zeroable>() -> T {
    T::zeroed()
}

#[cfg(test)]
#[path = "multi_tests.rs"]
mod tests;
