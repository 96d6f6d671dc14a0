//! The keeper core: one cycle refreshes stale markets, checks the insurance breaker, carries
//! each risk pool's stress signal from its leaders into its followers, liquidates the most
//! under-water accounts first in stages (with a reward account in each account's pool), resolves bankruptcies, deleverages while a market's ADL trigger holds,
//! cranks settlement of settling markets and sweeps sub-ledgers. Chain access goes through
//! [`KeeperChain`], so the same core drives the in-process bank (`bulwark_testkit::bank_keeper`)
//! and JSON-RPC (`rpc_chain`, what `bulwark keeper run` uses).

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use bulwark::constants::MAX_POOLS;
use bulwark::state::{Exchange, InsuranceFund, LiquidityPool, MarginAccount, Market};
use bulwark_engine::state::MarketState;

use crate::chain_error::ChainError;
use crate::liquidation::liquidate_accounts;
use crate::packing::legacy_shape;
use crate::rules::{adl_candidate, adl_price, adl_sizes, insurance_check_due, is_bankrupt};
use bulwark_sdk::ix::{self, update_risk_ix};
use bulwark_sdk::pda;
use bulwark_sdk::preview::PreviewClock;

/// What the keeper needs from a chain.
#[allow(async_fn_in_trait)]
pub trait KeeperChain {
    /// Current slot and unix time.
    async fn clock(&mut self) -> Result<(u64, i64), ChainError>;
    /// The exchange.
    async fn exchange(&mut self) -> Result<Exchange, ChainError>;
    /// Market `index`.
    async fn market(&mut self, index: u16) -> Result<Market, ChainError>;
    /// Every margin account the keeper watches.
    async fn margin_accounts(&mut self) -> Result<Vec<(Pubkey, MarginAccount)>, ChainError>;
    /// One margin account (`None` when closed).
    async fn margin_account(&mut self, key: &Pubkey) -> Result<Option<MarginAccount>, ChainError>;
    /// Risk pool `pool`'s insurance fund.
    async fn insurance_fund(&mut self, pool: u16) -> Result<InsuranceFund, ChainError>;
    /// Risk pool `pool`'s liquidity pool.
    async fn pool(&mut self, pool: u16) -> Result<LiquidityPool, ChainError>;
    /// Sends one transaction signed by the keeper; `Err` carries the failure.
    async fn send(&mut self, ixs: &[Instruction]) -> Result<(), ChainError>;
    /// The keeper's signing key.
    fn keeper(&self) -> Pubkey;
    /// Called as a cycle starts (a chain that caches reads per cycle resets here).
    fn begin_cycle(&mut self) {}
    /// Sends several transactions as one wave, each signed by the keeper, and returns each
    /// one's outcome in order. A chain that can overlap them has them all in flight at once
    /// and tracks their confirmations together (`RpcChain`); by default, one after another.
    async fn send_wave(
        &mut self,
        transactions: &[Vec<Instruction>],
    ) -> Vec<Result<(), ChainError>> {
        let mut out = Vec::with_capacity(transactions.len());
        for ixs in transactions {
            out.push(self.send(ixs).await);
        }
        out
    }
    /// Whether `ixs` fit one transaction of this chain; by default a legacy one
    /// (`packing::legacy_shape`).
    fn fits(&self, ixs: &[Instruction]) -> bool {
        legacy_shape(&self.keeper(), ixs).fits()
    }
    /// The margin accounts `keys` as the chain holds them now, read afresh (`None`: closed).
    async fn margin_accounts_now(
        &mut self,
        keys: &[Pubkey],
    ) -> Result<Vec<Option<MarginAccount>>, ChainError> {
        let mut out = Vec::with_capacity(keys.len());
        for key in keys {
            out.push(self.margin_account(key).await?);
        }
        Ok(out)
    }
}

/// Default most transactions in flight at once (`KeeperConfig::max_in_flight`): on
/// `bulwark localnet` with 1,000 accounts under water 64 cleared the first pass in 3.7 s, 16 in
/// 5.1 s, 1 in 51 s (README, "Keeper throughput").
pub const MAX_IN_FLIGHT: u32 = 64;

/// The margin accounts credited with liquidation rewards, one per risk pool (a reward stays
/// in the liquidated market's pool, so the program takes only a reward account of that pool).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RewardAccounts([Pubkey; MAX_POOLS as usize]);

impl RewardAccounts {
    /// One reward account, in pool 0 (a venue with one pool).
    pub fn pool0(account: Pubkey) -> RewardAccounts {
        RewardAccounts::default().with(0, account)
    }

    /// These, with `account` as pool `pool`'s (ignored beyond `MAX_POOLS`).
    pub fn with(mut self, pool: u16, account: Pubkey) -> RewardAccounts {
        if let Some(slot) = self.0.get_mut(usize::from(pool)) {
            *slot = account;
        }
        self
    }

    /// Pool `pool`'s reward account, if the keeper has one.
    pub fn for_pool(&self, pool: u16) -> Option<Pubkey> {
        self.0
            .get(usize::from(pool))
            .copied()
            .filter(|k| *k != Pubkey::default())
    }

    /// Whether `key` is one of them (the keeper never liquidates its own reward accounts).
    pub fn contains(&self, key: &Pubkey) -> bool {
        *key != Pubkey::default() && self.0.contains(key)
    }

    /// The pools with a reward account and their accounts.
    pub fn iter(&self) -> impl Iterator<Item = (u16, Pubkey)> + '_ {
        (0..MAX_POOLS).filter_map(|p| self.for_pool(p).map(|k| (p, k)))
    }
}

/// Keeper settings.
#[derive(Clone, Copy, Debug)]
pub struct KeeperConfig {
    /// The margin accounts credited with liquidation rewards, per pool; accounts of a pool
    /// without one are not liquidated by this keeper (reported).
    pub reward_accounts: RewardAccounts,
    /// Most liquidation stages sent per account per cycle.
    pub max_stages_per_account: u32,
    /// Most stages of one account sent in one transaction (`stage_plan`; 1: one a
    /// transaction; default `STAGES_PER_TRANSACTION`).
    pub stages_per_transaction: u32,
    /// Most transactions in flight at once (a wave; default `MAX_IN_FLIGHT`).
    pub max_in_flight: u32,
    /// `Some((i, n))`: handle only accounts whose key falls in shard `i` of `n`, so several
    /// keepers share the load without a coordinator (markets are refreshed and swept by all).
    pub shard: Option<(u32, u32)>,
}

/// The shard of an account key among `n`: its first eight bytes, little-endian, modulo `n`.
pub fn shard_of(key: &Pubkey, n: u32) -> u32 {
    let b = key.to_bytes();
    (u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]) % n.max(1) as u64) as u32
}

/// What a cycle did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CycleReport {
    pub markets_refreshed: u32,
    /// Stress signals carried from leaders into followers (each switched one on or off).
    pub stress_signals: u32,
    /// Insurance-coverage breaker checks sent (each trips or lifts the breaker).
    pub breaker_checks: u32,
    pub accounts_scanned: u32,
    pub liquidatable: u32,
    pub liquidation_stages: u32,
    /// Transactions those stages went in (several stages of one account share one).
    pub liquidation_transactions: u32,
    pub bankruptcies_resolved: u32,
    /// Deficits (collateral below zero) of the accounts resolved, collateral units.
    pub deficits_resolved: u64,
    /// The accounts resolved.
    pub resolved_accounts: Vec<Pubkey>,
    pub deleverages: u32,
    pub sweeps: u32,
    pub positions_settled: u32,
    pub failures: Vec<String>,
    /// Accounts a liquidation stage was sent for.
    pub liquidated_accounts: Vec<Pubkey>,
    /// The cycle ended early: a chain read failed (the failure is the last in `failures`).
    pub read_failed: bool,
    /// Failures counted by what failed them: the program error's name for a refusal, else
    /// `transaction`, `transport` or `account` (`ChainError::label`).
    pub failures_by_error: std::collections::BTreeMap<String, u32>,
    /// How far the oldest stored price of a trading market was behind the slot when the
    /// cycle judged accounts (after its refreshes), slots.
    pub price_lag_slots: u64,
}

impl CycleReport {
    /// Records a failed call: its line (what was sent, and why: a program refusal by its
    /// error's name and code) and its count by error.
    pub fn fail(&mut self, what: String, e: ChainError) {
        *self.failures_by_error.entry(e.label()).or_default() += 1;
        self.failures.push(format!("{what}: {e}"));
    }

    /// Records a liquidation transaction that landed: `stages` stages on each account.
    pub fn liquidation_landed(&mut self, stages: impl IntoIterator<Item = (Pubkey, u32)>) {
        self.liquidation_transactions += 1;
        for (account, n) in stages {
            self.liquidation_stages += n;
            if !self.liquidated_accounts.contains(&account) {
                self.liquidated_accounts.push(account);
            }
        }
    }

    /// Transactions that landed in the cycle, of every kind.
    pub fn landed(&self) -> u32 {
        self.markets_refreshed
            + self.stress_signals
            + self.breaker_checks
            + self.liquidation_transactions
            + self.bankruptcies_resolved
            + self.deleverages
            + self.positions_settled
            + self.sweeps
    }
}

/// Runs one keeper cycle. A chain read that fails ends the cycle early with the failure
/// reported (the next cycle starts afresh); a refused transaction is reported with its program
/// error's name and not retried within the cycle.
pub async fn run_cycle<C: KeeperChain>(chain: &mut C, cfg: &KeeperConfig) -> CycleReport {
    let mut r = CycleReport::default();
    chain.begin_cycle();
    if let Err(e) = cycle(chain, cfg, &mut r).await {
        r.fail("chain read".into(), e);
        r.read_failed = true;
    }
    r
}

/// Every market, in index order.
pub(crate) async fn read_markets<C: KeeperChain>(
    chain: &mut C,
    count: u16,
) -> Result<Vec<Market>, ChainError> {
    let mut v = Vec::with_capacity(count as usize);
    for i in 0..count {
        v.push(chain.market(i).await?);
    }
    Ok(v)
}

/// How far the oldest stored price of a trading market is behind `slot`, in slots.
fn price_lag_slots(markets: &[Market], slot: u64) -> u64 {
    markets
        .iter()
        .filter(|m| m.state() < MarketState::Settling)
        .map(|m| slot.saturating_sub(m.aggregate.slot))
        .max()
        .unwrap_or(0)
}

fn mine(cfg: &KeeperConfig, key: &Pubkey) -> bool {
    match cfg.shard {
        Some((i, n)) => shard_of(key, n) == i,
        None => true,
    }
}

/// One cycle's steps, in order: market refreshes, breaker checks, liquidations,
/// bankruptcies, deleveraging, settlement cranks and sweeps.
async fn cycle<C: KeeperChain>(
    chain: &mut C,
    cfg: &KeeperConfig,
    r: &mut CycleReport,
) -> Result<(), ChainError> {
    let ex = chain.exchange().await?;
    let (slot, _) = chain.clock().await?;
    refresh_stale_markets(chain, &ex, slot, r).await?;
    check_insurance_breakers(chain, &ex, slot, r).await?;
    let mut markets = read_markets(chain, ex.market_count).await?;
    let signals = r.stress_signals;
    crate::stress_signal::propagate_signals(chain, &ex, &markets, r).await?;
    // A signal sent re-aimed a follower's ramp: judge accounts on the markets as it left them.
    if r.stress_signals > signals {
        markets = read_markets(chain, ex.market_count).await?;
    }
    let (slot, now) = chain.clock().await?;
    r.price_lag_slots = price_lag_slots(&markets, slot);
    let at = PreviewClock {
        slot,
        unix_timestamp: now,
        decimals: ex.collateral_decimals,
    };
    liquidate_accounts(chain, cfg, &markets, &at, r).await?;
    resolve_bankruptcies(chain, cfg, r).await?;
    // The markets as liquidations and bankruptcies left them (the book, what each owes the
    // pool).
    let markets = read_markets(chain, ex.market_count).await?;
    deleverage_markets(chain, cfg, &ex, &markets, &at, r).await?;
    crank_settlements(chain, cfg, &markets, r).await?;
    sweep_markets(chain, &ex, r).await
}

/// The margin accounts this keeper handles (its shard), as the chain holds them now.
pub(crate) async fn my_accounts<C: KeeperChain>(
    chain: &mut C,
    cfg: &KeeperConfig,
) -> Result<Vec<(Pubkey, MarginAccount)>, ChainError> {
    Ok(chain
        .margin_accounts()
        .await?
        .into_iter()
        .filter(|(k, _)| mine(cfg, k))
        .collect())
}

/// The markets of `open` other than `market`, as their addresses (the remaining accounts of
/// `liquidate` and `settle_position`).
fn other_markets(open: &[u16], market: u16) -> Vec<Pubkey> {
    open.iter()
        .filter(|i| **i != market)
        .map(|i| pda::market(*i).0)
        .collect()
}

/// Step 1: refresh markets whose stored aggregate is no longer fresh (not settled or delisted
/// ones: the state table refuses update_risk there).
async fn refresh_stale_markets<C: KeeperChain>(
    chain: &mut C,
    ex: &Exchange,
    slot: u64,
    r: &mut CycleReport,
) -> Result<(), ChainError> {
    for i in 0..ex.market_count {
        let m = chain.market(i).await?;
        let state = MarketState::from_u8(m.status);
        if state >= MarketState::Settled {
            continue;
        }
        if slot.saturating_sub(m.aggregate.slot) > m.params.ages.fresh_slots as u64
            || m.aggregate.price == 0
        {
            match chain.send(&[update_risk_ix(ex, &m, slot)]).await {
                Ok(()) => r.markets_refreshed += 1,
                Err(e) => r.fail(format!("update_risk {i}"), e),
            }
        }
    }
    Ok(())
}

/// Step 1b: breaker checks, `check_insurance_breaker` only where the engine says the market's
/// coverage flag would change (trip or lift); the velocity and oracle breakers move inside
/// update_risk.
async fn check_insurance_breakers<C: KeeperChain>(
    chain: &mut C,
    ex: &Exchange,
    slot: u64,
    r: &mut CycleReport,
) -> Result<(), ChainError> {
    let mut funds = Vec::with_capacity(usize::from(ex.pool_count));
    for p in 0..ex.pool_count {
        funds.push(chain.insurance_fund(p).await?);
    }
    for i in 0..ex.market_count {
        let m = chain.market(i).await?;
        if MarketState::from_u8(m.status) >= MarketState::Settled {
            continue;
        }
        let Some(fund) = funds.get(usize::from(m.pool)) else {
            continue;
        };
        let changes = match insurance_check_due(&m, fund, ex.collateral_decimals, slot) {
            Ok(c) => c,
            Err(e) => {
                r.failures.push(format!("insurance coverage {i}: {e}"));
                false
            }
        };
        if changes {
            match chain.send(&[ix::check_insurance_breaker(&m)]).await {
                Ok(()) => r.breaker_checks += 1,
                Err(e) => r.fail(format!("check_insurance_breaker {i}"), e),
            }
        }
    }
    Ok(())
}

/// The market a bankrupt account's deficit is attributed to (its last liquidation's), in the
/// account's pool (every market it traded is of that pool).
fn last_market(a: &MarginAccount) -> ix::MarketRef {
    ix::MarketRef {
        index: a.liquidation.last_market,
        pool: a.pool,
    }
}

/// Step 3: bankruptcies.
async fn resolve_bankruptcies<C: KeeperChain>(
    chain: &mut C,
    cfg: &KeeperConfig,
    r: &mut CycleReport,
) -> Result<(), ChainError> {
    for (key, a) in my_accounts(chain, cfg).await? {
        if is_bankrupt(&a) {
            match chain
                .send(&[ix::resolve_bankruptcy(key, last_market(&a))])
                .await
            {
                Ok(()) => {
                    r.bankruptcies_resolved += 1;
                    r.deficits_resolved += a.collateral.unsigned_abs();
                    r.resolved_accounts.push(key);
                }
                Err(e) => r.fail(format!("resolve_bankruptcy {key}"), e),
            }
        }
    }
    Ok(())
}

/// Step 4: ADL while a market's trigger holds: the most levered account above the water level
/// first, down to the level, halving the size until the program accepts it (it refuses
/// over-correction); when nobody is above the level and no episode runs, one call starts it
/// (not counted as a deleverage).
async fn deleverage_markets<C: KeeperChain>(
    chain: &mut C,
    cfg: &KeeperConfig,
    ex: &Exchange,
    markets: &[Market],
    at: &PreviewClock,
    r: &mut CycleReport,
) -> Result<(), ChainError> {
    let (slot, now) = (at.slot, at.unix_timestamp);
    let mut capitals = Vec::with_capacity(usize::from(ex.pool_count));
    for p in 0..ex.pool_count {
        capitals.push(chain.pool(p).await?.capital);
    }
    for m in markets {
        let Some(&pool_capital) = capitals.get(usize::from(m.pool)) else {
            continue;
        };
        if adl_price(m, pool_capital, slot, now, ex.collateral_decimals).is_none() {
            continue;
        }
        let accounts = my_accounts(chain, cfg).await?;
        let pick = adl_candidate(
            m,
            accounts.iter().map(|(k, a)| (*k, a)),
            pool_capital,
            slot,
            now,
            ex.collateral_decimals,
        );
        if let Some((key, size, closes)) = pick {
            for size in adl_sizes(size, m.params.trade.lot_base) {
                let sent = chain.send(&[ix::auto_deleverage(key, m, size)]).await;
                if sent.is_ok() {
                    r.deleverages += u32::from(closes);
                    break;
                }
            }
        }
    }
    Ok(())
}

/// Step 5: settlement cranks for settling markets.
async fn crank_settlements<C: KeeperChain>(
    chain: &mut C,
    cfg: &KeeperConfig,
    markets: &[Market],
    r: &mut CycleReport,
) -> Result<(), ChainError> {
    for m in markets {
        if MarketState::from_u8(m.status) != MarketState::Settling {
            continue;
        }
        for (key, a) in my_accounts(chain, cfg).await? {
            // A winner whose claim is recorded waits for the ratio (fixed once every
            // position has been visited).
            let ratio_fixed = m.settlement.ratio.den != 0;
            if a.positions.iter().any(|p| {
                p.base != 0 && p.market_index == m.index && (ratio_fixed || p.settle_claimed == 0)
            }) {
                let (open, n) = a.open_markets();
                let others = other_markets(&open[..n], m.index);
                match chain
                    .send(&[ix::settle_position_with(key, m.index, &others)])
                    .await
                {
                    Ok(()) => r.positions_settled += 1,
                    Err(e) => r.fail(format!("settle_position {key}"), e),
                }
            }
        }
    }
    Ok(())
}

/// Step 6: sweeps.
async fn sweep_markets<C: KeeperChain>(
    chain: &mut C,
    ex: &Exchange,
    r: &mut CycleReport,
) -> Result<(), ChainError> {
    for i in 0..ex.market_count {
        let m = chain.market(i).await?;
        if MarketState::from_u8(m.status) == MarketState::Delisted {
            continue;
        }
        if m.ledgers.has_unswept() {
            match chain.send(&[ix::sweep(&m)]).await {
                Ok(()) => r.sweeps += 1,
                Err(e) => r.fail(format!("sweep {i}"), e),
            }
        }
    }
    Ok(())
}
