//! The keeper core: one cycle refreshes stale markets, checks the insurance breaker, liquidates the most under-water accounts
//! first in stages, resolves bankruptcies, deleverages while a market's ADL trigger holds,
//! cranks settlement of settling markets and sweeps sub-ledgers. Chain access goes through
//! [`KeeperChain`], so the same core drives the in-process bank (`bank_keeper`) and JSON-RPC
//! (`rpc_chain`, what `bulwark keeper run` uses).

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use bulwark::state::{Exchange, InsuranceFund, MarginAccount, Market};
use bulwark_engine::action::{price_for_action, Action};
use bulwark_engine::adl::{adl_score_ppm, adl_triggered};
use bulwark_engine::breaker::{committed_insurance, market_insurance_coverage};
use bulwark_engine::margin::{health, HealthKind};
use bulwark_engine::state::MarketState;

use crate::preview::{positions_with_markets, PreviewClock};
use crate::{ix, pda};

/// What the keeper needs from a chain.
#[allow(async_fn_in_trait)]
pub trait KeeperChain {
    /// Current slot and unix time.
    async fn clock(&mut self) -> Result<(u64, i64), String>;
    /// The exchange.
    async fn exchange(&mut self) -> Result<Exchange, String>;
    /// Market `index`.
    async fn market(&mut self, index: u16) -> Result<Market, String>;
    /// Every margin account the keeper watches.
    async fn margin_accounts(&mut self) -> Result<Vec<(Pubkey, MarginAccount)>, String>;
    /// One margin account (`None` when closed).
    async fn margin_account(&mut self, key: &Pubkey) -> Result<Option<MarginAccount>, String>;
    /// The insurance fund.
    async fn insurance_fund(&mut self) -> Result<InsuranceFund, String>;
    /// The liquidity pool's capital.
    async fn pool_capital(&mut self) -> Result<i64, String>;
    /// Sends one transaction signed by the keeper; `Err` carries the failure.
    async fn send(&mut self, ixs: &[Instruction]) -> Result<(), String>;
    /// The keeper's signing key.
    fn keeper(&self) -> Pubkey;
    /// Called as a cycle starts (a chain that caches reads per cycle resets here).
    fn begin_cycle(&mut self) {}
}

/// Keeper settings.
#[derive(Clone, Copy, Debug)]
pub struct KeeperConfig {
    /// The margin account credited with liquidation rewards.
    pub reward_account: Pubkey,
    /// Most liquidation stages sent per account per cycle.
    pub max_stages_per_account: u32,
    /// `Some((i, n))`: handle only accounts whose key falls in shard `i` of `n`, so several
    /// keepers share the load without a coordinator (markets are refreshed and swept by all).
    pub shard: Option<(u32, u32)>,
}

/// The shard of an account key among `n`: its first eight bytes, little-endian, modulo `n`.
pub fn shard_of(key: &Pubkey, n: u32) -> u32 {
    let b = key.to_bytes();
    (u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]) % n.max(1) as u64) as u32
}

/// Names the program error in a failure message (`custom program error: 0x…`), if any.
pub fn program_error_name(failure: &str) -> Option<String> {
    let hex = failure.split("custom program error: 0x").nth(1)?;
    let digits: String = hex.chars().take_while(|c| c.is_ascii_hexdigit()).collect();
    let code = u32::from_str_radix(&digits, 16).ok()?;
    bulwark::error::error_name(code).map(|n| format!("{n} ({code})"))
}

/// A failure line: what was sent, and the program error's name when the program refused it.
fn failure(what: String, e: String) -> String {
    match program_error_name(&e) {
        Some(name) => format!("{what}: {name}"),
        None => format!("{what}: {e}"),
    }
}

/// What a cycle did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CycleReport {
    pub markets_refreshed: u32,
    /// Insurance-coverage breaker checks sent (each trips or lifts the breaker).
    pub breaker_checks: u32,
    pub accounts_scanned: u32,
    pub liquidatable: u32,
    pub liquidation_stages: u32,
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
}

/// The oracle accounts `update_risk` needs for `m`, in order.
pub fn update_risk_ix(ex: &Exchange, m: &Market) -> Instruction {
    let asset: Vec<Pubkey> = m.oracle.active().iter().map(|s| s.account).collect();
    let collateral: Vec<Pubkey> = ex
        .collateral_oracle
        .active()
        .iter()
        .map(|s| s.account)
        .collect();
    ix::update_risk(m.index, &asset, &collateral)
}

/// Runs one keeper cycle. A chain read that fails ends the cycle early with the failure
/// reported (the next cycle starts afresh); a refused transaction is reported with its program
/// error's name and not retried within the cycle.
pub async fn run_cycle<C: KeeperChain>(chain: &mut C, cfg: &KeeperConfig) -> CycleReport {
    let mut r = CycleReport::default();
    chain.begin_cycle();
    if let Err(e) = cycle(chain, cfg, &mut r).await {
        r.failures.push(format!("chain read: {e}"));
    }
    r
}

fn mine(cfg: &KeeperConfig, key: &Pubkey) -> bool {
    match cfg.shard {
        Some((i, n)) => shard_of(key, n) == i,
        None => true,
    }
}

async fn cycle<C: KeeperChain>(
    chain: &mut C,
    cfg: &KeeperConfig,
    r: &mut CycleReport,
) -> Result<(), String> {
    let ex = chain.exchange().await?;
    let (slot, _) = chain.clock().await?;

    // 1. Refresh markets whose stored aggregate is no longer fresh (not settled or delisted
    // ones: the state table refuses update_risk there).
    for i in 0..ex.market_count {
        let m = chain.market(i).await?;
        let state = MarketState::from_u8(m.status);
        if state >= MarketState::Settled {
            continue;
        }
        if slot.saturating_sub(m.aggregate_slot) > m.fresh_slots as u64 || m.price == 0 {
            match chain.send(&[update_risk_ix(&ex, &m)]).await {
                Ok(()) => r.markets_refreshed += 1,
                Err(e) => r.failures.push(failure(format!("update_risk {i}"), e)),
            }
        }
    }
    // 1b. Breaker checks: `check_insurance_breaker` only where the engine says the market's
    // coverage flag would change (trip or lift); the velocity and oracle breakers move inside
    // update_risk.
    let fund = chain.insurance_fund().await?;
    let committed = committed_insurance(fund.balance, fund.total_shares, fund.requested_shares)
        .map_err(|e| format!("insurance fund: {e:?}"))?;
    for i in 0..ex.market_count {
        let m = chain.market(i).await?;
        if MarketState::from_u8(m.status) >= MarketState::Settled {
            continue;
        }
        let changes = market_insurance_coverage(
            m.insurance_tripped != 0,
            committed,
            m.long_oi.saturating_add(m.short_oi),
            m.price,
            ex.collateral_decimals,
            m.insurance_floor_ppm,
            m.insurance_hysteresis_ppm,
        )
        .map(|(_, t)| t.is_some());
        let changes = match changes {
            Ok(c) => c,
            Err(e) => {
                r.failures.push(format!("insurance coverage {i}: {e:?}"));
                false
            }
        };
        if changes {
            match chain.send(&[ix::check_insurance_breaker(i)]).await {
                Ok(()) => r.breaker_checks += 1,
                Err(e) => r
                    .failures
                    .push(failure(format!("check_insurance_breaker {i}"), e)),
            }
        }
    }
    let markets: Vec<Market> = {
        let mut v = Vec::new();
        for i in 0..ex.market_count {
            v.push(chain.market(i).await?);
        }
        v
    };
    let (slot, now) = chain.clock().await?;
    let at = PreviewClock {
        slot,
        unix_timestamp: now,
        decimals: ex.collateral_decimals,
    };

    // 2. Liquidations, most under water first, in stages.
    let accounts: Vec<(Pubkey, MarginAccount)> = chain
        .margin_accounts()
        .await?
        .into_iter()
        .filter(|(k, _)| mine(cfg, k))
        .collect();
    r.accounts_scanned = accounts.len() as u32;
    let mut candidates: Vec<(i64, Pubkey, MarginAccount)> = Vec::new();
    for (key, a) in &accounts {
        if *key == cfg.reward_account || a.positions.iter().all(|p| p.base == 0) {
            continue;
        }
        let Ok(positions) = positions_with_markets(a, &markets, &at) else {
            continue;
        };
        if let Ok(h) = health(a.collateral, &positions, HealthKind::Maintenance) {
            if !h.is_healthy() {
                candidates.push((h.free(), *key, *a));
            }
        }
    }
    candidates.sort_by_key(|(free, key, _)| (*free, *key));
    r.liquidatable = candidates.len() as u32;
    for (_, key, mut account) in candidates {
        for _ in 0..cfg.max_stages_per_account {
            // The largest position first.
            let Some(target) = account
                .positions
                .iter()
                .filter(|p| p.base != 0)
                .max_by_key(|p| {
                    p.base.unsigned_abs() as u128 * markets[p.market_index as usize].price as u128
                })
                .map(|p| p.market_index)
            else {
                break;
            };
            let (open, n) = account.open_markets();
            let others: Vec<Pubkey> = open[..n]
                .iter()
                .filter(|i| **i != target)
                .map(|i| pda::market(*i).0)
                .collect();
            let ix = ix::liquidate(
                chain.keeper(),
                cfg.reward_account,
                key,
                target,
                u64::MAX,
                &others,
            );
            match chain.send(&[ix]).await {
                Ok(()) => {
                    r.liquidation_stages += 1;
                    if !r.liquidated_accounts.contains(&key) {
                        r.liquidated_accounts.push(key);
                    }
                }
                Err(e) => {
                    r.failures.push(failure(format!("liquidate {key}"), e));
                    break;
                }
            }
            let Some(a) = chain.margin_account(&key).await? else {
                break;
            };
            account = a;
            let Ok(positions) = positions_with_markets(&account, &markets, &at) else {
                break;
            };
            let healthy = health(account.collateral, &positions, HealthKind::Maintenance)
                .map(|h| h.is_healthy())
                .unwrap_or(true);
            if healthy || account.in_liquidation == 0 {
                break;
            }
        }
    }

    // 3. Bankruptcies.
    for (key, a) in chain
        .margin_accounts()
        .await?
        .into_iter()
        .filter(|(k, _)| mine(cfg, k))
    {
        if a.collateral < 0 && a.positions.iter().all(|p| p.base == 0) {
            match chain
                .send(&[ix::resolve_bankruptcy(key, a.last_liq_market)])
                .await
            {
                Ok(()) => {
                    r.bankruptcies_resolved += 1;
                    r.deficits_resolved += a.collateral.unsigned_abs();
                    r.resolved_accounts.push(key);
                }
                Err(e) => r
                    .failures
                    .push(failure(format!("resolve_bankruptcy {key}"), e)),
            }
        }
    }

    // 4. ADL while a market's trigger holds: the highest score first, halving the size until
    // the program accepts it (it refuses over-correction).
    let pool_capital = chain.pool_capital().await?;
    for m in &markets {
        let limits = m.age_limits();
        let Ok(price) = price_for_action(Action::Deleverage, &m.stored_price(), slot, now, &limits)
        else {
            continue;
        };
        let pool_value = pool_capital
            .saturating_add(m.pnl_pending)
            .saturating_add(m.fee_pool as i64);
        let Ok(profit) = m.book().trader_pnl(price, ex.collateral_decimals) else {
            continue;
        };
        if !adl_triggered(profit, pool_value, &m.adl_params()) {
            continue;
        }
        let mut ranked: Vec<(u64, Pubkey, u64)> = Vec::new();
        for (key, a) in chain
            .margin_accounts()
            .await?
            .into_iter()
            .filter(|(k, _)| mine(cfg, k))
        {
            let Some(p) = a
                .positions
                .iter()
                .find(|p| p.base != 0 && p.market_index == m.index)
            else {
                continue;
            };
            let Ok(view) = m.margin(p, price, ex.collateral_decimals, slot) else {
                continue;
            };
            let Ok(pnl) = p.position().unrealized_pnl(price, ex.collateral_decimals) else {
                continue;
            };
            let Ok(h) = health(
                a.collateral,
                &[(p.position(), view)],
                HealthKind::Maintenance,
            ) else {
                continue;
            };
            let score =
                adl_score_ppm(pnl, p.cost.unsigned_abs(), h.notional, h.equity).unwrap_or(0);
            if score >= m.adl_min_score_ppm {
                ranked.push((score, key, p.base.unsigned_abs()));
            }
        }
        ranked.sort_by_key(|r| std::cmp::Reverse(r.0));
        if let Some((_, key, size)) = ranked.first().copied() {
            let mut size = size;
            while size >= m.lot_base.max(1) {
                if chain
                    .send(&[ix::auto_deleverage(key, m.index, size)])
                    .await
                    .is_ok()
                {
                    r.deleverages += 1;
                    break;
                }
                size /= 2;
            }
        }
    }

    // 5. Settlement cranks for settling markets.
    for m in &markets {
        if MarketState::from_u8(m.status) != MarketState::Settling {
            continue;
        }
        for (key, a) in chain
            .margin_accounts()
            .await?
            .into_iter()
            .filter(|(k, _)| mine(cfg, k))
        {
            if a.positions
                .iter()
                .any(|p| p.base != 0 && p.market_index == m.index)
            {
                match chain.send(&[ix::settle_position(key, m.index)]).await {
                    Ok(()) => r.positions_settled += 1,
                    Err(e) => r
                        .failures
                        .push(failure(format!("settle_position {key}"), e)),
                }
            }
        }
    }

    // 6. Sweeps.
    for i in 0..ex.market_count {
        let m = chain.market(i).await?;
        if MarketState::from_u8(m.status) == MarketState::Delisted {
            continue;
        }
        if m.pnl_pending != 0
            || m.fee_pool != 0
            || m.fee_insurance != 0
            || m.fee_protocol != 0
            || m.dust != 0
            || m.insurance_debt != 0
        {
            match chain.send(&[ix::sweep(i)]).await {
                Ok(()) => r.sweeps += 1,
                Err(e) => r.failures.push(failure(format!("sweep {i}"), e)),
            }
        }
    }
    Ok(())
}
