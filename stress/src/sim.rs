//! The simulation: one market, a population opened at the path's first price, then one step
//! a second. Each step the feeds publish (with any faults, and the collateral's own price),
//! `update_risk` stores the aggregate, and a keeper cycle runs (`venue::Venue`): everything
//! through the program's own state transitions and the keeper core's decisions.
//!
//! With `traders` set, the population acts during the run by seeded habits
//! (`crate::traders`), before each keeper cycle. Several markets at once: `crate::multi`.

use std::collections::BTreeMap;

use bulwark::error::engine_err;
use bulwark::instructions::CreateMarketArgs;
use bulwark::state::{InsuranceFund, LiquidityPool, Market};
use bulwark_engine::breaker::Transition;
use bulwark_engine::margin::{health, HealthKind};
use bulwark_sdk::Pubkey;

use crate::feeds::{Feeds, OracleScenario};
use crate::front_run::FrontRunnerSpec;
use crate::path::PricePoint;
use crate::population::AccountSpec;
use crate::venue::{KeeperModel, StepEvents, Venue};

/// Slots per second on the simulated chain, times ten (400 ms slots).
pub const SLOTS_PER_SEC_X10: u64 = 25;

/// What the simulation starts from.
#[derive(Clone, Debug)]
pub struct SimConfig {
    pub market: CreateMarketArgs,
    /// The exchange's collateral oracle (its aggregation limits).
    pub collateral_oracle: bulwark::state::OracleSideArgs,
    pub collateral_decimals: u8,
    pub insurance_balance: u64,
    pub pool_capital: i64,
    /// The pool's cap on traders' profit per trade (ppm of its capital).
    pub max_pnl_to_pool_ppm: u32,
    /// Open-interest caps per side, base atoms.
    pub open_interest_cap: u64,
    pub keeper: KeeperModel,
    /// Whether a caller may size the pool and insurance fund to its population (false once a
    /// parameter file states them).
    pub size_venue_to_population: bool,
    /// Oracle faults and the collateral's price path.
    pub oracles: OracleScenario,
    /// Check every account every step instead of the liquidation index (reference mode).
    pub full_scan: bool,
    /// The chain's slot at the path's first point (400 ms slots from there).
    pub first_slot: u64,
    /// Accounts trading against the stored price during the run (none by default).
    pub front_runners: Option<FrontRunnerSpec>,
    /// How populations are drawn (the count comes from the caller).
    pub population: crate::population::PopulationSpec,
    /// How the population acts during the run (`None`: it opens and then holds).
    pub traders: Option<crate::traders::Habits>,
}

/// Totals of a run (collateral units, counts).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SimReport {
    pub opened: usize,
    pub refused_at_open: usize,
    /// Liquidation stages.
    pub liquidations: u64,
    pub liquidated_accounts: usize,
    /// Notional each stage closed, collateral units, in order.
    pub liquidation_sizes: Vec<u64>,
    pub bankruptcies: u64,
    pub bad_debt: u64,
    pub insurance_paid: u64,
    pub socialised_loss: u64,
    pub keeper_rewards: u64,
    /// Insurance fee shares swept into the fund (liquidation penalties and trading fees).
    pub swept_to_insurance: u64,
    pub adl_events: u64,
    /// Notional the ADL deleverages closed, collateral units (at their prices, rounded up).
    pub adl_notional: u64,
    pub breaker_trips: u64,
    /// Trips by reason (`VelocityBand1`, `Divergence`, ...).
    pub breaker_trip_reasons: BTreeMap<String, u64>,
    pub max_insurance_drawdown: u64,
    /// Health evaluations by the keeper over the run (what the liquidation index let through).
    pub examined: u64,
    /// Steps run.
    pub steps: u64,
    /// Front-runners' orders the program accepted, and their profit (collateral units, at the
    /// end's equity; the pool's loss).
    pub front_runner_orders: u64,
    pub front_runner_pnl: i64,
    /// Accounts still below maintenance at the end.
    pub left_liquidatable: usize,
    /// The cost of safety: accounts liquidated that would have ended the run solvent had they
    /// held their opening position to the end (collateral plus its PnL from the first price to
    /// the last, fees and funding aside, not below zero).
    pub liquidated_but_solvent_at_end: usize,
    /// Σ over steps of the collateral the maintenance ratio held beyond its base
    /// (`MarketCore::margin_above_base`); divided by `steps`, the average locked.
    pub margin_above_base_sum: u128,
    /// The account that lost the most (opening collateral minus final equity).
    pub worst_account: Option<WorstAccount>,
    /// One point a minute (and the last step), taken after the step's aggregate is stored.
    pub series: Vec<SeriesPoint>,
    /// What the acting traders did (all zero when the population only holds).
    pub traders: crate::traders::TraderReport,
    /// What traders paid in this market (collateral units): trading fees (opening included)
    /// and liquidation penalties (keeper rewards and the insurance share).
    pub fees_paid: u64,
    pub penalties_paid: u64,
}

/// The account that lost the most.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WorstAccount {
    /// Its number in the population.
    pub account: usize,
    /// Opening collateral minus equity at the end (collateral units).
    pub loss: i64,
    /// Its bankruptcy deficit, if it went bankrupt.
    pub deficit: u64,
    pub leverage_x100: u32,
}

/// The run at a moment: price (1e-9), market state, the insurance fund and the pool (collateral
/// units), cumulative bad debt and liquidation stages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SeriesPoint {
    pub ts: i64,
    /// The stored aggregate.
    pub price: u64,
    /// The replayed path's price before the venue's own flow displaced it (the impact path is
    /// the gap between the two; equal without impact).
    pub replayed: u64,
    pub state: u8,
    pub insurance: u64,
    pub pool_capital: i64,
    pub bad_debt: u64,
    pub liquidations: u64,
}

impl SimConfig {
    /// The venue sized for `population`, as a live venue would be: the pool at four times the
    /// population's notional (so the reserve cap does not turn traders away), the insurance
    /// fund at 1% of it, and open-interest caps at twice its size a side; unchanged once a
    /// parameter file states the venue (`size_venue_to_population` false).
    pub fn sized_for(&self, population: &[AccountSpec]) -> SimConfig {
        let mut c = self.clone();
        if !c.size_venue_to_population {
            return c;
        }
        let notional: u128 = population.iter().map(AccountSpec::notional).sum();
        let size: u128 = population
            .iter()
            .map(|a| a.base.unsigned_abs() as u128)
            .sum();
        c.pool_capital = (notional * 4).min(i64::MAX as u128 / 2) as i64;
        c.insurance_balance = (notional / 100).min(u64::MAX as u128 / 2) as u64;
        c.open_interest_cap = c
            .open_interest_cap
            .max((size * 2).min(u64::MAX as u128 / 2) as u64);
        c
    }

    /// The simulated slot at `t` for a path starting at `t0` (`first_slot` at the start).
    pub fn slot_at(&self, t: i64, t0: i64) -> u64 {
        self.first_slot + ((t - t0).max(0) as u64) * SLOTS_PER_SEC_X10 / 10
    }
}

/// Account keys that sort like account numbers (the keeper breaks ties by key); none is the
/// default key, which the simulated keeper's reward account uses.
pub fn numbered_keys(n: usize) -> Vec<Pubkey> {
    (0..n)
        .map(|i| {
            let mut b = [0u8; 32];
            b[..8].copy_from_slice(&(i as u64 + 1).to_be_bytes());
            Pubkey::new_from_array(b)
        })
        .collect()
}

/// Runs `population` over `path`.
pub fn run(
    path: &[PricePoint],
    population: &[AccountSpec],
    cfg: &SimConfig,
) -> anchor_lang::Result<SimReport> {
    let extra = cfg.front_runners.map_or(0, |f| f.count);
    run_with_keys(
        path,
        population,
        cfg,
        numbered_keys(population.len() + extra),
    )
}

/// The venue as listed at the path's start, before anyone trades.
pub fn open_venue(
    cfg: &SimConfig,
    t0: i64,
    population: &[AccountSpec],
    keys: Vec<Pubkey>,
) -> anchor_lang::Result<Venue> {
    let mut m: Market = bytemuck::Zeroable::zeroed();
    m.apply_listing(&cfg.market, cfg.slot_at(t0, t0), t0)?;
    m.params.trade.open_interest_cap_long = cfg.open_interest_cap;
    m.params.trade.open_interest_cap_short = cfg.open_interest_cap;
    let coll = bulwark::state::OracleConfig::from_args(&cfg.collateral_oracle)?;
    let mut fund: InsuranceFund = bytemuck::Zeroable::zeroed();
    fund.balance = cfg.insurance_balance;
    let mut pool: LiquidityPool = bytemuck::Zeroable::zeroed();
    pool.capital = cfg.pool_capital;
    pool.max_pnl_to_pool_ppm = cfg.max_pnl_to_pool_ppm;
    let mut collateral: Vec<u64> = population.iter().map(|s| s.collateral).collect();
    if let Some(f) = &cfg.front_runners {
        collateral.extend(std::iter::repeat_n(f.collateral, f.count));
    }
    let mut v = Venue::new(
        m,
        coll,
        fund,
        pool,
        &collateral,
        keys,
        cfg.collateral_decimals,
    );
    v.full_scan = cfg.full_scan;
    Ok(v)
}

/// As [`run`], with the accounts' keys given (the cross-check uses the bank's): one a
/// population account, then one a front-runner.
pub fn run_with_keys(
    path: &[PricePoint],
    population: &[AccountSpec],
    cfg: &SimConfig,
    keys: Vec<Pubkey>,
) -> anchor_lang::Result<SimReport> {
    let mut r = SimReport::default();
    let Some(first) = path.first() else {
        return Ok(r);
    };
    let t0 = first.ts;
    let mut v = open_venue(cfg, t0, population, keys)?;
    let mut feeds = Feeds::new(&cfg.oracles, t0);
    let mut liquidated = vec![false; v.accounts().len()];
    let mut deficits = vec![0u64; v.accounts().len()];
    let mut fund_peak = v.fund.balance;
    let mut traders = crate::traders::Traders::for_config(cfg, population, t0);

    for (step, point) in path.iter().enumerate() {
        let (t, slot) = (point.ts, cfg.slot_at(point.ts, t0));
        let transitions = v
            .update_risk(&mut feeds, t, slot, point.price)
            .map_err(engine_err)?;
        note_transitions(&mut r, &transitions);
        r.margin_above_base_sum +=
            u128::from(v.market.margin_above_base(slot, v.decimals).unwrap_or(0));
        if step % 60 == 0 || step + 1 == path.len() {
            record_series_point(&mut r, &v, t, point.price);
        }
        if step == 0 {
            open_population(&mut r, &mut v, population, slot, t);
            continue;
        }
        if let Some(f) = &cfg.front_runners {
            r.front_runner_orders +=
                crate::front_run::step(&mut v, f, population.len(), point.price, slot, t);
        }
        if let Some(tr) = traders.as_mut() {
            tr.act(&mut v, population, slot, t);
        }
        let ev = v.keeper_cycle(&cfg.keeper, slot, t).map_err(engine_err)?;
        if let Some(tr) = traders.as_mut() {
            tr.note_unhealthy(&ev.newly_unhealthy);
        }
        record_keeper_events(&mut r, ev, &mut liquidated, &mut deficits);
        fund_peak = fund_peak.max(v.fund.balance);
        r.max_insurance_drawdown = r.max_insurance_drawdown.max(fund_peak - v.fund.balance);
    }
    r.steps = path.len() as u64;
    r.traders = traders.map(|tr| tr.report).unwrap_or_default();
    (r.fees_paid, r.penalties_paid) = (v.fees_paid, v.penalties_paid);
    r.liquidated_accounts = liquidated[..population.len()]
        .iter()
        .filter(|x| **x)
        .count();
    let slot = cfg.slot_at(path.last().expect("non-empty").ts, t0);
    judge_accounts_at_end(&mut r, &v, population, cfg, &deficits, slot);
    let last = path.last().expect("non-empty").price;
    r.liquidated_but_solvent_at_end =
        solvent_if_held(population, &liquidated, (first.price, last), v.decimals);
    Ok(r)
}

/// Counts the breaker trips among `ts`, by reason.
pub(crate) fn note_transitions(r: &mut SimReport, ts: &[Transition]) {
    for t in ts {
        if let Transition::Trip(reason) = t {
            r.breaker_trips += 1;
            *r.breaker_trip_reasons
                .entry(format!("{reason:?}"))
                .or_default() += 1;
        }
    }
}

/// One row of the report's time series: the venue at `t` (the path's own price `replayed`)
/// and the report's running totals.
pub(crate) fn record_series_point(r: &mut SimReport, v: &Venue, t: i64, replayed: u64) {
    r.series.push(SeriesPoint {
        ts: t,
        price: v.market.aggregate.price,
        replayed,
        state: v.market.status,
        insurance: v.fund.balance,
        pool_capital: v.pool.capital,
        bad_debt: r.bad_debt,
        liquidations: r.liquidations,
    });
}

/// The population opens at the first price, each trade through the program's own checks
/// (caps, margin, leverage, reserve); refused ones stay flat.
pub(crate) fn open_population(
    r: &mut SimReport,
    v: &mut Venue,
    population: &[AccountSpec],
    slot: u64,
    t: i64,
) {
    for (i, spec) in population.iter().enumerate() {
        let lot = v.market.params.trade.lot_base.max(1) as i64;
        if v.trade(i, spec.base - spec.base % lot, slot, t) {
            r.opened += 1;
        } else {
            r.refused_at_open += 1;
        }
    }
}

/// Adds a keeper cycle's events to the report, marking the accounts liquidated and adding
/// each bankrupt account's deficit.
pub(crate) fn record_keeper_events(
    r: &mut SimReport,
    ev: StepEvents,
    liquidated: &mut [bool],
    deficits: &mut [u64],
) {
    note_transitions(r, &ev.transitions);
    for (i, notional) in &ev.stages {
        liquidated[*i] = true;
        r.liquidation_sizes.push(*notional);
    }
    r.liquidations += ev.stages.len() as u64;
    r.keeper_rewards += ev.keeper_rewards;
    for (i, deficit, insurance, socialised) in ev.bankruptcies {
        r.bankruptcies += 1;
        r.bad_debt += deficit;
        r.insurance_paid += insurance;
        r.socialised_loss += socialised;
        deficits[i] += deficit;
    }
    r.adl_events += ev.deleverages;
    r.adl_notional += ev.deleveraged.iter().map(|(_, n)| *n).sum::<u64>();
    r.examined += ev.examined;
    r.swept_to_insurance += ev.swept_to_insurance;
}

/// How many of the `liquidated` accounts would have ended solvent holding their opening
/// position from the first price to the last of `prices` (collateral plus PnL, rounded down,
/// fees and funding aside).
pub(crate) fn solvent_if_held(
    population: &[AccountSpec],
    liquidated: &[bool],
    (open, end): (u64, u64),
    decimals: u8,
) -> usize {
    use bulwark_engine::num::value_floor;
    population
        .iter()
        .zip(liquidated)
        .filter(|(_, l)| **l)
        .filter(|(s, _)| {
            let pnl = value_floor(s.base, end, decimals).unwrap_or(i64::MIN)
                - value_floor(s.base, open, decimals).unwrap_or(0);
            s.collateral as i64 + pnl >= 0
        })
        .count()
}

/// The accounts as the path leaves them (at `slot`): those still liquidatable, the
/// front-runners' profit, and the population's worst loss (a bankrupt account's loss is its
/// collateral plus its deficit, given in `deficits`).
pub(crate) fn judge_accounts_at_end(
    r: &mut SimReport,
    v: &Venue,
    population: &[AccountSpec],
    cfg: &SimConfig,
    deficits: &[u64],
    slot: u64,
) {
    let d = v.decimals;
    for (i, a) in v.accounts().iter().enumerate() {
        let view = v
            .market
            .margin(&a.positions[0], v.market.aggregate.price, d, slot);
        let h = view.and_then(|view| {
            health(
                a.collateral,
                &[(a.positions[0].position(), view)],
                HealthKind::Maintenance,
            )
        });
        let Ok(h) = h else { continue };
        if a.positions[0].base != 0 && !h.is_healthy() {
            r.left_liquidatable += 1;
        }
        let Some(spec) = population.get(i) else {
            // A front-runner.
            let opening = cfg.front_runners.map_or(0, |f| f.collateral) as i64;
            r.front_runner_pnl += h.equity - opening;
            continue;
        };
        // A bankrupt account was made whole at zero: its loss is its collateral plus deficit.
        let loss = spec.collateral as i64 - h.equity + deficits[i] as i64;
        if r.worst_account.is_none_or(|w| loss > w.loss) {
            r.worst_account = Some(WorstAccount {
                account: i,
                loss,
                deficit: deficits[i],
                leverage_x100: spec.leverage_x100,
            });
        }
    }
}

/// The defaults: SOL-PERP-like listing from the SDK's parameters, a USDC collateral side,
/// 100,000 USDC of insurance, a 10 M USDC pool, caps of 10 M units a side, a keeper with a 2 s
/// delay, 50 stages a second and at most 8 per account a cycle, no oracle faults, USDC at $1.
pub fn default_config() -> SimConfig {
    use bulwark_sdk::params::*;
    use bulwark_sdk::Pubkey;
    let src = |kind, provider| {
        source(
            kind,
            provider,
            Pubkey::new_unique(),
            Pubkey::new_unique(),
            [0; 32],
        )
    };
    use bulwark::oracle::OracleKind::*;
    SimConfig {
        market: CreateMarketArgs {
            index: 0,
            symbol: symbol("SIM-PERP"),
            oracle: asset_side(
                vec![
                    src(PythPull, PROVIDER_PYTH),
                    src(SwitchboardOnDemand, PROVIDER_SWITCHBOARD),
                    src(Chainlink, PROVIDER_CHAINLINK),
                ],
                2,
            ),
            params: market_params(),
        },
        collateral_oracle: collateral_side(
            vec![
                src(PythPull, PROVIDER_PYTH),
                src(Chainlink, PROVIDER_CHAINLINK),
            ],
            1,
        ),
        collateral_decimals: 6,
        insurance_balance: 100_000_000_000,
        pool_capital: 10_000_000_000_000,
        open_interest_cap: 10_000_000 * bulwark_engine::num::BASE_SCALE,
        max_pnl_to_pool_ppm: bulwark_sdk::params::MAX_PNL_TO_POOL_PPM,
        // 500 stages a second: the keeper core's first pass over 1,000 accounts under water on
        // `bulwark localnet` (2,044 stages in 3.7 s, blocks of 400 ms under the compute limits;
        // README, "Keeper throughput"), rounded down.
        keeper: KeeperModel {
            delay_secs: 2,
            capacity: 500,
            max_stages_per_account: 8,
            stages_per_transaction: bulwark_keeper::stage_plan::STAGES_PER_TRANSACTION,
        },
        size_venue_to_population: true,
        oracles: OracleScenario::default(),
        full_scan: false,
        first_slot: 1,
        front_runners: None,
        population: crate::population::PopulationSpec::default(),
        traders: None,
    }
}

/// `cfg` with the dynamic parts off, to show what they buy: static margin (no volatility or
/// confidence widening), no circuit breakers (velocity bands and insurance floor out of
/// reach) and no ADL (its trigger at the bound).
pub fn baseline(cfg: &SimConfig) -> SimConfig {
    let mut c = cfg.clone();
    c.market.params.dynamics.margin.vol_k_ppm = 0;
    c.market.params.dynamics.margin.mmr_conf_k_ppm = 0;
    c.market.params.velocity.velocity_band1_ppm = 500_000;
    c.market.params.velocity.velocity_band2_ppm = 900_000;
    c.market.params.insurance.insurance_floor_ppm = 0;
    // ADL's trigger at its bound: traders' profit would have to reach ten times the pool.
    c.market.params.adl.adl_trigger_ppm = 10_000_000;
    c
}

#[cfg(test)]
#[path = "sim_tests.rs"]
mod tests;
