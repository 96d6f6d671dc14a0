//! The keeper cycle's liquidation step, in rounds. A round plans, for every account still to
//! liquidate and in the keeper's order (most under water first), the stages the program will
//! accept (`stage_plan`, on copies of the markets carried from one account to the next), packs
//! whole account plans into transactions (`packing`) and sends them in waves of up to
//! `max_in_flight` transactions at once (`KeeperChain::send_wave`). The accounts whose
//! transaction landed are read again and go on to the next round while they need more stages
//! and have some left of `max_stages_per_account`. A refused transaction of several accounts
//! or stages (the chain moved since the keeper read it) falls back to each of its accounts
//! alone, one stage a transaction if need be, as does an account with no plan.

use std::collections::HashMap;

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use bulwark::state::{MarginAccount, Market};

use crate::chain_error::ChainError;
use crate::cycle::{my_accounts, read_markets, CycleReport, KeeperChain, KeeperConfig};
use crate::packing::{pack, Packed};
use crate::rules::{keep_liquidating, liquidation_queue, liquidation_target};
use crate::stage_plan::{plan_stages, PlannedStage};
use bulwark_sdk::preview::PreviewClock;
use bulwark_sdk::{ix, pda};

/// An account still to liquidate this cycle, and how many stages it may still get.
#[derive(Clone, Copy)]
struct Pending {
    key: Pubkey,
    account: MarginAccount,
    stages_left: u32,
}

/// What one round sent, and what it leaves for the next.
#[derive(Default)]
struct RoundOutcome {
    /// Accounts whose transaction landed, with the stages left to them, in the keeper's order.
    landed: Vec<(Pubkey, u32)>,
    /// Accounts to try alone: a refused shared transaction's, and those with no plan.
    alone: Vec<Pending>,
}

/// Step 2: liquidations, most under water first, in stages, several accounts a transaction
/// and several transactions in flight.
pub(crate) async fn liquidate_accounts<C: KeeperChain>(
    chain: &mut C,
    cfg: &KeeperConfig,
    markets: &[Market],
    at: &PreviewClock,
    r: &mut CycleReport,
) -> Result<(), ChainError> {
    let accounts = my_accounts(chain, cfg).await?;
    r.accounts_scanned = accounts.len() as u32;
    let queue = liquidation_queue(
        accounts.iter().map(|(k, a)| (*k, a)),
        markets,
        at,
        &cfg.reward_account,
    );
    r.liquidatable = queue.len() as u32;
    let mut pending: Vec<Pending> = queue
        .into_iter()
        .map(|(_, key, account)| Pending {
            key,
            account: *account,
            stages_left: cfg.max_stages_per_account,
        })
        .collect();
    let (mut markets, mut at) = (markets.to_vec(), *at);
    while !pending.is_empty() {
        let fund_share = fund_share(chain).await?;
        let round = send_round(chain, cfg, &pending, &markets, &at, fund_share, r).await;
        for p in round.alone {
            let s = Staging {
                markets: &markets,
                at: &at,
                fund_share,
            };
            liquidate_in_stages(chain, cfg, &s, p, r).await?;
        }
        if round.landed.is_empty() {
            break;
        }
        // The chain as the round left it.
        let count = markets.len() as u16;
        markets = read_markets(chain, count).await?;
        let (slot, now) = chain.clock().await?;
        (at.slot, at.unix_timestamp) = (slot, now);
        let keys: Vec<Pubkey> = round.landed.iter().map(|(k, _)| *k).collect();
        let now_held = chain.margin_accounts_now(&keys).await?;
        pending = round
            .landed
            .iter()
            .zip(now_held)
            .filter_map(|(&(key, stages_left), account)| {
                let account = account?;
                (stages_left > 0 && keep_liquidating(&account, &markets, &at)).then_some(Pending {
                    key,
                    account,
                    stages_left,
                })
            })
            .collect();
    }
    Ok(())
}

/// What `liquidate` lets a market advance against: its even share of the insurance fund.
async fn fund_share<C: KeeperChain>(chain: &mut C) -> Result<u64, ChainError> {
    let live = chain.exchange().await?.live_market_count().max(1) as u64;
    Ok(chain.insurance_fund().await?.balance / live)
}

/// The `liquidate` instructions of planned stages on `key`.
fn stage_instructions(
    chain_keeper: Pubkey,
    cfg: &KeeperConfig,
    key: Pubkey,
    plan: &[PlannedStage],
) -> Vec<Instruction> {
    plan.iter()
        .map(|p| {
            let others: Vec<Pubkey> = p.others.iter().map(|i| pda::market(*i).0).collect();
            ix::liquidate(
                chain_keeper,
                cfg.reward_account,
                key,
                p.market,
                u64::MAX,
                &others,
            )
        })
        .collect()
}

/// One round: every pending account's plan, packed and sent in waves; the outcome of each.
async fn send_round<C: KeeperChain>(
    chain: &mut C,
    cfg: &KeeperConfig,
    pending: &[Pending],
    markets: &[Market],
    at: &PreviewClock,
    fund_share: u64,
    r: &mut CycleReport,
) -> RoundOutcome {
    let mut out = RoundOutcome::default();
    let mut copies = markets.to_vec();
    let per_transaction = cfg.stages_per_transaction.max(1);
    let mut plans = Vec::new();
    for p in pending {
        let max = per_transaction.min(p.stages_left);
        let plan = plan_stages(&p.account, &mut copies, at, fund_share, max);
        if plan.is_empty() {
            out.alone.push(*p);
        } else {
            plans.push((p.key, stage_instructions(chain.keeper(), cfg, p.key, &plan)));
        }
    }
    let by_key: HashMap<Pubkey, Pending> = pending.iter().map(|p| (p.key, *p)).collect();
    let packed = pack(plans, |ixs| chain.fits(ixs));
    for wave in packed.chunks(cfg.max_in_flight.max(1) as usize) {
        let transactions: Vec<Vec<Instruction>> =
            wave.iter().map(|p| p.instructions.clone()).collect();
        let outcomes = chain.send_wave(&transactions).await;
        for (sent, outcome) in wave.iter().zip(outcomes) {
            record(sent, outcome, &by_key, &mut out, r);
        }
    }
    out
}

/// Books one packed transaction's outcome.
fn record(
    sent: &Packed,
    outcome: Result<(), ChainError>,
    pending: &HashMap<Pubkey, Pending>,
    out: &mut RoundOutcome,
    r: &mut CycleReport,
) {
    let pending_of = |key: &Pubkey| pending.get(key).copied();
    match outcome {
        Ok(()) => {
            r.liquidation_transactions += 1;
            for part in &sent.parts {
                r.liquidation_stages += part.stages;
                if !r.liquidated_accounts.contains(&part.account) {
                    r.liquidated_accounts.push(part.account);
                }
                let left = pending_of(&part.account).map_or(0, |p| p.stages_left);
                out.landed
                    .push((part.account, left.saturating_sub(part.stages)));
            }
        }
        // One stage alone, refused: reported as the program's answer.
        Err(e) if sent.parts.len() == 1 && sent.parts[0].stages == 1 => {
            r.fail(format!("liquidate {}", sent.parts[0].account), e);
        }
        // Shared or batched, refused: each account tries alone.
        Err(_) => out.alone.extend(
            sent.parts
                .iter()
                .filter_map(|part| pending_of(&part.account)),
        ),
    }
}

/// What an account's stages alone are planned against.
struct Staging<'a> {
    markets: &'a [Market],
    at: &'a PreviewClock,
    fund_share: u64,
}

/// Up to the account's stages left, several a transaction when the program's own operation
/// says it will accept them in order (`stage_plan`), re-reading the account after each
/// transaction, until it needs no more, a stage is refused, or it is closed. A refused batch
/// falls back to one stage a transaction.
async fn liquidate_in_stages<C: KeeperChain>(
    chain: &mut C,
    cfg: &KeeperConfig,
    s: &Staging<'_>,
    p: Pending,
    r: &mut CycleReport,
) -> Result<(), ChainError> {
    let (key, mut account) = (p.key, p.account);
    let (mut left, mut batch) = (p.stages_left, cfg.stages_per_transaction.max(1));
    while left > 0 {
        let mut copies = s.markets.to_vec();
        let mut plan = plan_stages(&account, &mut copies, s.at, s.fund_share, batch.min(left));
        if plan.is_empty() {
            // No stage the program's operation accepts on the keeper's copies: one stage as
            // the rules pick it, whose refusal (if any) is reported.
            let Some(market) = liquidation_target(&account, s.markets, s.at) else {
                break;
            };
            let (open, n) = account.open_markets();
            let others = open[..n].iter().copied().filter(|m| *m != market).collect();
            plan.push(PlannedStage { market, others });
        }
        let ixs = stage_instructions(chain.keeper(), cfg, key, &plan);
        match chain.send(&ixs).await {
            Ok(()) => {
                r.liquidation_stages += ixs.len() as u32;
                r.liquidation_transactions += 1;
                left = left.saturating_sub(ixs.len() as u32);
                if !r.liquidated_accounts.contains(&key) {
                    r.liquidated_accounts.push(key);
                }
            }
            // The chain moved since the keeper read it: one stage a transaction from here.
            Err(_) if ixs.len() > 1 => {
                batch = 1;
                continue;
            }
            Err(e) => {
                r.fail(format!("liquidate {key}"), e);
                break;
            }
        }
        let Some(a) = chain.margin_account(&key).await? else {
            break;
        };
        account = a;
        if !keep_liquidating(&account, s.markets, s.at) {
            break;
        }
    }
    Ok(())
}
