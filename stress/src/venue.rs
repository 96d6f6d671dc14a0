//! The simulated venue: one market, the insurance fund, the pool and the accounts, moved only
//! by the engine's operations, the same ones the program's handlers call
//! (`MarketCore::update_risk`, `AccountCore::{trade, liquidate, resolve_bankruptcy,
//! auto_deleverage}`, `MarketCore::{sweep, apply_insurance_coverage}`), in the order the keeper
//! core sends them, with the keeper core's decisions (`bulwark_keeper::rules`). A call the
//! program would refuse changes nothing here either: every call runs on copies of the engine
//! blocks that are kept only when it succeeds. The program's account types only hold the
//! blocks beside the keys and oracle configuration a simulation needs.

use bulwark::state::{
    Exchange, InsuranceFund, LiquidityPool, MarginAccount, Market, OracleConfig, PositionSlot,
};
use bulwark_engine::account::trade::Order;
use bulwark_engine::account::{no_other_positions, AccountCore, OpClock, StageLimits, TradeVenue};
use bulwark_engine::breaker::Transition;
use bulwark_engine::margin::MarketMargin;
use bulwark_engine::market::{MarketCore, SideInput};
use bulwark_engine::{EngineError, EngineResult};
use bulwark_keeper::rules::{
    adl_candidate, adl_price, insurance_check_due, is_bankrupt, keep_liquidating,
    maintenance_free_of,
};
use bulwark_sdk::preview::PreviewClock;
use bulwark_sdk::Pubkey;
use rayon::prelude::*;

use crate::feeds::Feeds;
use crate::index::LiquidationIndex;

#[path = "venue_outside.rs"]
mod outside;

/// The time an engine operation runs at.
fn op_clock(slot: u64, now: i64) -> OpClock {
    OpClock { slot, now }
}

/// Candidate counts from which health is judged in parallel.
const PARALLEL_FROM: usize = 4_096;

/// Everything a step can change.
pub struct Venue {
    pub market: Market,
    pub collateral_oracle: OracleConfig,
    pub exchange: Exchange,
    pub fund: InsuranceFund,
    pub pool: LiquidityPool,
    /// Private: every change goes through a method that re-files the account (`touch`).
    accounts: Vec<MarginAccount>,
    pub keys: Vec<Pubkey>,
    pub decimals: u8,
    pub index: LiquidationIndex,
    /// Each account's collateral and its one position slot (the simulator trades slot 0 only):
    /// a compact copy the keeper's health checks read instead of the whole account.
    hot: Vec<(i64, PositionSlot)>,
    /// Check every account each step instead of the index (the reference the index is tested
    /// against).
    pub full_scan: bool,
    /// Since when each account has been liquidatable without a break (the keeper's delay
    /// runs from there); meaningful while `seen` says it was liquidatable last cycle.
    unhealthy_since: Vec<i64>,
    /// The cycle in which each account was last seen liquidatable.
    seen: Vec<u64>,
    /// Keeper cycles run, plus one (so no account counts as seen before the first).
    cycle: u64,
    by_key: std::collections::HashMap<Pubkey, usize>,
    /// Each account's place in key order (the keeper breaks ties by key; a rank is cheaper to
    /// carry and compare than the key).
    key_rank: Vec<u32>,
    /// Accounts flat with negative collateral, awaiting `resolve_bankruptcy`.
    bankrupt: Vec<usize>,
    /// What traders paid here so far (collateral units): trading fees, liquidation penalties.
    pub fees_paid: u64,
    pub penalties_paid: u64,
}

/// What one step did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StepEvents {
    pub transitions: Vec<Transition>,
    /// Per stage: the account and the notional it closed (collateral units, at the price).
    pub stages: Vec<(usize, u64)>,
    pub keeper_rewards: u64,
    /// Per resolved bankruptcy: the account, its deficit, the insurance paid, the socialised.
    pub bankruptcies: Vec<(usize, u64, u64, u64)>,
    pub deleverages: u64,
    /// Per deleverage: the account and the notional it closed (collateral units, at its price).
    pub deleveraged: Vec<(usize, u64)>,
    pub swept_to_insurance: u64,
    /// Accounts whose health the keeper evaluated (the index's candidates).
    pub examined: u64,
    /// Accounts the keeper found liquidatable this cycle after a healthy one (their delay
    /// starts now: a trader who watches may still add margin).
    pub newly_unhealthy: Vec<usize>,
}

/// The keeper's settings in the simulation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeeperModel {
    /// Seconds an account must stay liquidatable before the keeper acts.
    pub delay_secs: i64,
    /// Liquidation stages it sends per step.
    pub capacity: usize,
    /// Stages per account per cycle (the keeper core's `max_stages_per_account`).
    pub max_stages_per_account: u32,
    /// Stages of one account per round (the keeper core's `stages_per_transaction`).
    pub stages_per_transaction: u32,
}

/// A market order's limit: on the tick grid, far through the price (twice it for buys, one
/// tick for sells).
fn market_order_limit(m: &MarketCore, delta: i64) -> u64 {
    let tick = m.params.trade.tick_price.max(1);
    if delta > 0 {
        m.aggregate.price.saturating_mul(2) / tick * tick
    } else {
        tick
    }
}

/// The account's positions in other markets with their margin views, as an engine operation
/// asks for them.
type Others = EngineResult<Vec<(bulwark_engine::position::Position, MarketMargin)>>;

/// The engine's `trade` for `a` in `m` at market (a limit far through the price) against
/// `venue`, its other positions given by `others` (none for a single-market account).
fn market_order(
    a: &mut AccountCore,
    m: &mut MarketCore,
    venue: &TradeVenue,
    others: impl FnOnce(&AccountCore) -> Others,
    delta: i64,
    at: OpClock,
    decimals: u8,
) -> EngineResult<bulwark_engine::trade::TradeOutcome> {
    let order = Order {
        base_delta: delta,
        limit_price: market_order_limit(m, delta),
    };
    Ok(a.trade(m, venue, others, order, false, at, decimals)?
        .outcome)
}

/// Runs `f` on copies of the account's and the market's engine blocks; keeps them only when
/// it succeeds (the program's transaction changes nothing when refused).
fn attempt<T>(
    a: &mut AccountCore,
    m: &mut MarketCore,
    f: impl FnOnce(&mut AccountCore, &mut MarketCore) -> EngineResult<T>,
) -> Option<T> {
    let (mut ta, mut tm) = (*a, *m);
    let out = f(&mut ta, &mut tm).ok()?;
    (*a, *m) = (ta, tm);
    Some(out)
}

impl Venue {
    /// A venue with `n` flat accounts holding `collateral[i]`.
    pub fn new(
        market: Market,
        collateral_oracle: OracleConfig,
        fund: InsuranceFund,
        pool: LiquidityPool,
        collateral: &[u64],
        keys: Vec<Pubkey>,
        decimals: u8,
    ) -> Venue {
        let n = collateral.len();
        let by_key = keys.iter().enumerate().map(|(i, k)| (*k, i)).collect();
        let mut order: Vec<usize> = (0..keys.len()).collect();
        order.sort_unstable_by_key(|i| keys[*i]);
        let mut key_rank = vec![0u32; keys.len()];
        for (rank, i) in order.into_iter().enumerate() {
            key_rank[i] = rank as u32;
        }
        let accounts = collateral
            .iter()
            .map(|c| {
                let mut a: MarginAccount = bytemuck::Zeroable::zeroed();
                a.collateral = *c as i64;
                a
            })
            .collect();
        Venue {
            market,
            collateral_oracle,
            exchange: bytemuck::Zeroable::zeroed(),
            fund,
            pool,
            accounts,
            decimals,
            index: LiquidationIndex::new(n),
            hot: collateral
                .iter()
                .map(|c| (*c as i64, Default::default()))
                .collect(),
            full_scan: false,
            keys,
            unhealthy_since: vec![0; n],
            seen: vec![0; n],
            cycle: 1,
            by_key,
            key_rank,
            bankrupt: Vec::new(),
            fees_paid: 0,
            penalties_paid: 0,
        }
    }

    /// `update_risk` with what the feeds hold at `t`; the breaker transitions.
    pub fn update_risk(
        &mut self,
        feeds: &mut Feeds,
        t: i64,
        slot: u64,
        price_usd: u64,
    ) -> EngineResult<Vec<Transition>> {
        let quotes = feeds.quotes(t, slot, price_usd);
        let (asset, collateral) = Feeds::observations(&quotes);
        let Market {
            core,
            oracle,
            source_states,
            collateral_source_states,
            ..
        } = &mut self.market;
        let asset = SideInput {
            config: &*oracle,
            states: source_states,
            observations: &asset,
        };
        let collateral = SideInput {
            config: &self.collateral_oracle,
            states: collateral_source_states,
            observations: &collateral,
        };
        let update = core.update_risk::<EngineError, _, _>(
            asset,
            collateral,
            op_clock(slot, t),
            self.decimals,
        )?;
        Ok(update.map(|u| u.transitions).unwrap_or_default())
    }

    /// The accounts, population first, then any front-runners.
    pub fn accounts(&self) -> &[MarginAccount] {
        &self.accounts
    }

    /// Re-files account `i` in the index and its compact copy after any change.
    fn touch(&mut self, i: usize) {
        let a = &self.accounts[i];
        debug_assert!(a.positions[1..].iter().all(|p| p.base == 0), "slot 0 only");
        self.index.update(i, a, self.decimals);
        self.hot[i] = (a.collateral, a.positions[0]);
    }

    /// What account `i` would pay (or get) a unit for `delta` base atoms now, fee included
    /// (1e-9 collateral per unit), or `None` when the program would refuse; changes nothing.
    pub fn quote(&self, i: usize, delta: i64, slot: u64, t: i64) -> Option<u64> {
        let (mut a, mut m) = (self.accounts[i].core, self.market.core);
        let venue = self.trade_venue(t);
        let out = market_order(
            &mut a,
            &mut m,
            &venue,
            no_other_positions,
            delta,
            op_clock(slot, t),
            self.decimals,
        )
        .ok()?;
        // The fee per unit, rounded against the trader.
        let size = delta.unsigned_abs() as u128;
        let scale = 10u128.pow(self.decimals as u32);
        let fee_per_unit = (out.fee.total as u128
            * bulwark_engine::num::BASE_SCALE as u128
            * bulwark_engine::num::PRICE_SCALE as u128)
            .div_ceil(size.max(1) * scale) as u64;
        Some(if delta > 0 {
            out.exec.price.saturating_add(fee_per_unit)
        } else {
            out.exec.price.saturating_sub(fee_per_unit)
        })
    }

    /// Account `i` trades `delta` base atoms at market (a limit far through the price);
    /// whether the program would have accepted it.
    pub fn trade(&mut self, i: usize, delta: i64, slot: u64, t: i64) -> bool {
        let (venue, d) = (self.trade_venue(t), self.decimals);
        let out = attempt(&mut self.accounts[i].core, &mut self.market.core, |a, m| {
            market_order(
                a,
                m,
                &venue,
                no_other_positions,
                delta,
                op_clock(slot, t),
                d,
            )
        });
        self.fees_paid += out.map_or(0, |o| o.fee.total);
        let ok = out.is_some();
        self.touch(i);
        // A closing trade has no collateral floor: a loss beyond it is a bankruptcy.
        if is_bankrupt(&self.accounts[i]) && !self.bankrupt.contains(&i) {
            self.bankrupt.push(i);
        }
        ok
    }

    /// The exchange and the pool as a trade at `t` sees them.
    fn trade_venue(&self, t: i64) -> TradeVenue {
        self.exchange.trade_venue(&self.pool, t)
    }

    fn clock(&self, slot: u64, t: i64) -> PreviewClock {
        PreviewClock {
            slot,
            unix_timestamp: t,
            decimals: self.decimals,
        }
    }

    /// Up to `max_stages` stages on account `i` within `budget`, as the keeper core sends one
    /// round's plan (stop when refused or no longer liquidatable, judged on `markets`, the
    /// cycle's snapshot, as the keeper core judges it). The stages done, and whether the
    /// account goes on to the next round (all done and still liquidatable).
    #[allow(clippy::too_many_arguments)]
    fn liquidate_account(
        &mut self,
        i: usize,
        max_stages: u32,
        budget: &mut usize,
        slot: u64,
        t: i64,
        at: &PreviewClock,
        markets: &[Market],
        ev: &mut StepEvents,
    ) -> (u32, bool) {
        let d = self.decimals;
        let (mut done, mut more) = (0, false);
        while done < max_stages {
            if *budget == 0 {
                more = false;
                break;
            }
            // Its even share of its pool's fund, as `liquidate` reads it (all of it alone).
            let live = u64::from(self.pool.live_market_count().max(1));
            let limits = StageLimits {
                max_base: u64::MAX,
                fund_share: self.fund.balance / live,
            };
            let Some(out) = attempt(&mut self.accounts[i].core, &mut self.market.core, |a, m| {
                a.liquidate(m, no_other_positions, limits, op_clock(slot, t), d)
            }) else {
                break;
            };
            let price = out.price;
            *budget -= 1;
            let notional =
                bulwark_engine::num::notional_ceil(out.closed_base as i64, price, d).unwrap_or(0);
            ev.stages.push((i, notional));
            ev.keeper_rewards += out.reward;
            self.penalties_paid += out.penalty_charged;
            self.touch(i);
            done += 1;
            more = keep_liquidating(&self.accounts[i], markets, at);
            if !more {
                break;
            }
        }
        if is_bankrupt(&self.accounts[i]) && !self.bankrupt.contains(&i) {
            self.bankrupt.push(i);
        }
        (done, more && done == max_stages)
    }

    /// One keeper cycle at `t`, as `keeper::run_cycle` orders it: the insurance breaker check,
    /// liquidations (most under water first, after the delay, within the capacity), then
    /// bankruptcies, deleveraging and the sweep.
    pub fn keeper_cycle(
        &mut self,
        keeper: &KeeperModel,
        slot: u64,
        t: i64,
    ) -> EngineResult<StepEvents> {
        let mut ev = StepEvents::default();
        let d = self.decimals;
        let at = self.clock(slot, t);
        if insurance_check_due(&self.market, &self.fund, d, slot).unwrap_or(false) {
            let (tr, _) = self
                .market
                .apply_insurance_coverage(&self.fund.commitment(), d, slot)?;
            ev.transitions.extend(tr);
        }
        let markets = [self.market];
        let mut due = self.due_liquidations(keeper, slot, t, &at, &markets, &mut ev);
        self.liquidate_due(&mut due, keeper, slot, t, &at, &markets, &mut ev);
        self.resolve_bankruptcies(t, &mut ev);
        self.deleverage_one(slot, t, &mut ev);
        // The sweep.
        if self.market.ledgers.has_unswept() {
            if let Ok(out) = self.market.sweep(
                &mut self.pool.capital,
                &mut self.fund.balance,
                &mut self.exchange.protocol_fees,
            ) {
                ev.swept_to_insurance = out.to_insurance;
            }
        }
        Ok(ev)
    }

    /// The accounts due for liquidation this cycle, as (free collateral, key rank, account):
    /// the index's candidates (or every account) judged by the keeper's own rule, each
    /// liquidatable for at least the keeper's delay (its clock runs while it stays
    /// liquidatable from one cycle to the next). Counts the cycle.
    fn due_liquidations(
        &mut self,
        keeper: &KeeperModel,
        slot: u64,
        t: i64,
        at: &PreviewClock,
        markets: &[Market],
        ev: &mut StepEvents,
    ) -> Vec<(i64, u32, u32)> {
        // Liquidations: the keeper's order (most under water first, ties by key) over the
        // index's candidates, each judged by the keeper's own rule.
        let candidates = if self.full_scan {
            (0..self.accounts.len()).collect()
        } else {
            self.index.candidates(&self.market, self.decimals, slot, t)
        };
        ev.examined = candidates.len() as u64;
        let free = |i: &usize| {
            let (collateral, slot0) = &self.hot[*i];
            maintenance_free_of(*collateral, std::slice::from_ref(slot0), markets, at)
        };
        // Large backlogs (a crash with a slow keeper) are judged on every core.
        let frees: Vec<Option<i64>> = if candidates.len() >= PARALLEL_FROM {
            candidates.par_iter().map(free).collect()
        } else {
            candidates.iter().map(free).collect()
        };
        self.cycle += 1;
        // (free, key rank, account): the keeper's order, most under water first, ties by key.
        let mut due: Vec<(i64, u32, u32)> = Vec::new();
        for (i, f) in candidates.iter().zip(frees) {
            let (Some(f), i) = (f, *i) else { continue };
            if f >= 0 {
                continue;
            }
            // Liquidatable last cycle too: the clock runs on; otherwise it starts now.
            if self.seen[i] + 1 != self.cycle {
                self.unhealthy_since[i] = t;
                ev.newly_unhealthy.push(i);
            }
            self.seen[i] = self.cycle;
            if t - self.unhealthy_since[i] >= keeper.delay_secs {
                due.push((f, self.key_rank[i], i as u32));
            }
        }
        due
    }

    /// Liquidates `due` in the keeper's order within its capacity for the cycle.
    #[allow(clippy::too_many_arguments)]
    fn liquidate_due(
        &mut self,
        due: &mut [(i64, u32, u32)],
        keeper: &KeeperModel,
        slot: u64,
        t: i64,
        at: &PreviewClock,
        markets: &[Market],
        ev: &mut StepEvents,
    ) {
        let mut budget = keeper.capacity;
        let mut rest = due;
        // Only the head of the order is needed: select as many as the budget can reach, in
        // order; refused ones cost nothing, so the next head follows while budget remains.
        while budget > 0 && !rest.is_empty() {
            let take = budget.min(rest.len());
            if take < rest.len() {
                rest.select_nth_unstable(take);
            }
            let (head, tail) = rest.split_at_mut(take);
            head.sort_unstable();
            // In rounds, as the keeper core sends them: each account's plan (up to
            // `stages_per_transaction`), in order; those still liquidatable go on.
            let mut round: Vec<(u32, u32)> = head
                .iter()
                .map(|&(_, _, i)| (i, keeper.max_stages_per_account))
                .collect();
            while budget > 0 && !round.is_empty() {
                let mut next = Vec::new();
                for (i, left) in round {
                    if budget == 0 {
                        break;
                    }
                    let max = keeper.stages_per_transaction.max(1).min(left);
                    let (done, more) = self.liquidate_account(
                        i as usize,
                        max,
                        &mut budget,
                        slot,
                        t,
                        at,
                        markets,
                        ev,
                    );
                    if more && left > done {
                        next.push((i, left - done));
                    }
                }
                round = next;
            }
            rest = tail;
        }
    }

    /// Bankruptcies, in account order (the keeper's scan order); a refused one waits for the
    /// next cycle.
    fn resolve_bankruptcies(&mut self, t: i64, ev: &mut StepEvents) {
        self.bankrupt.sort_unstable();
        let mut still = Vec::new();
        for i in std::mem::take(&mut self.bankrupt) {
            let mut a = self.accounts[i].core;
            match self.resolve_for(&mut a, t) {
                Some(b) => {
                    self.accounts[i].core = a;
                    self.touch(i);
                    ev.bankruptcies
                        .push((i, b.deficit, b.insurance_paid, b.socialized));
                }
                None => still.push(i),
            }
        }
        self.bankrupt = still;
    }

    /// Deleveraging while the trigger holds: one account a cycle (the most levered above the
    /// water level, down to it), halving until accepted.
    fn deleverage_one(&mut self, slot: u64, t: i64, ev: &mut StepEvents) {
        let d = self.decimals;
        if adl_price(&self.market, self.pool.capital, slot, t, d).is_none() {
            return;
        }
        let pick = adl_candidate(
            &self.market,
            self.keys.iter().copied().zip(self.accounts.iter()),
            self.pool.capital,
            slot,
            t,
            d,
        );
        let Some((key, size, _)) = pick else { return };
        let i = self.by_key[&key];
        let mut a = self.accounts[i].core;
        let Some(notional) = self.deleverage_for(&mut a, size, slot, t) else {
            return;
        };
        self.accounts[i].core = a;
        self.touch(i);
        // A call that only starts the episode closes nothing.
        if notional > 0 {
            ev.deleverages += 1;
            ev.deleveraged.push((i, notional));
        }
    }
}
