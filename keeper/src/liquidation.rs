//! The keeper cycle's liquidation step, in rounds. A round plans, for every account still to
//! liquidate and in the keeper's order (most under water first), the stages the program will
//! accept (`stage_plan`, on copies of the markets carried from one account to the next), packs
//! whole account plans into transactions (`packing`) and sends them in waves of up to
//! `max_in_flight` transactions at once (`KeeperChain::send_wave`). The accounts whose
//! transaction landed are read again and go on to the next round while they need more stages
//! and have some left of `max_stages_per_account`. The accounts of a refused transaction of
//! several accounts (the chain moved since the keeper read it, or one owner's account the
//! program refuses) are sent again in the same round, one account a transaction, still in
//! waves; an account whose own batch is then refused goes one stage a transaction, as does an
//! account with no plan. A transport failure is reported and left to the next cycle.

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
        &cfg.reward_accounts,
    );
    let (queue, unrewarded): (Vec<_>, Vec<_>) = queue
        .into_iter()
        .partition(|(_, _, a)| cfg.reward_accounts.for_pool(a.pool).is_some());
    for (_, key, a) in unrewarded {
        r.failures.push(format!(
            "liquidate {key}: no reward account of pool {} (name one in the keeper file)",
            a.pool
        ));
    }
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
        let fund_shares = fund_shares(chain).await?;
        let s = Planning {
            markets: &markets,
            at: &at,
            fund_shares,
        };
        let mut round = send_round(chain, cfg, &pending, &s, Packing::Shared, r).await;
        // Accounts of refused shared transactions, each in a transaction of its own, still
        // in waves: one account the program refuses costs the others one wave, not the
        // sequential path.
        if !round.alone.is_empty() {
            let solo = send_round(chain, cfg, &round.alone, &s, Packing::Solo, r).await;
            round.landed.extend(solo.landed);
            round.alone = solo.alone;
        }
        for p in round.alone {
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

/// What `liquidate` lets a market of each pool advance against: its even share of its pool's
/// insurance fund, by pool index.
async fn fund_shares<C: KeeperChain>(chain: &mut C) -> Result<Vec<u64>, ChainError> {
    let pools = chain.exchange().await?.pool_count;
    let mut out = Vec::with_capacity(usize::from(pools));
    for p in 0..pools {
        let live = u64::from(chain.pool(p).await?.live_market_count().max(1));
        out.push(chain.insurance_fund(p).await?.balance / live);
    }
    Ok(out)
}

/// The `liquidate` instructions of planned stages on `key`.
fn stage_instructions(
    chain_keeper: Pubkey,
    cfg: &KeeperConfig,
    (key, pool): (Pubkey, u16),
    plan: &[PlannedStage],
) -> Vec<Instruction> {
    // The queue holds only accounts of pools with a reward account.
    let reward = cfg.reward_accounts.for_pool(pool).unwrap_or_default();
    plan.iter()
        .map(|p| {
            let others: Vec<Pubkey> = p.others.iter().map(|i| pda::market(*i).0).collect();
            ix::liquidate(
                chain_keeper,
                reward,
                key,
                ix::MarketRef {
                    index: p.market,
                    pool,
                },
                u64::MAX,
                &others,
            )
        })
        .collect()
}

/// How a round puts account plans into transactions.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Packing {
    /// Several accounts a transaction, planned on market copies carried from one to the next.
    Shared,
    /// One account a transaction, each planned on the markets as read.
    Solo,
}

/// One round: every pending account's plan, packed and sent in waves; the outcome of each.
async fn send_round<C: KeeperChain>(
    chain: &mut C,
    cfg: &KeeperConfig,
    pending: &[Pending],
    s: &Planning<'_>,
    packing: Packing,
    r: &mut CycleReport,
) -> RoundOutcome {
    let mut out = RoundOutcome::default();
    let mut copies = s.markets.to_vec();
    let per_transaction = cfg.stages_per_transaction.max(1);
    let mut plans = Vec::new();
    for p in pending {
        if packing == Packing::Solo {
            copies.copy_from_slice(s.markets);
        }
        let max = per_transaction.min(p.stages_left);
        let plan = plan_stages(
            &p.account,
            &mut copies,
            s.at,
            s.fund_share(p.account.pool),
            max,
        );
        if plan.is_empty() {
            out.alone.push(*p);
        } else {
            plans.push((
                p.key,
                stage_instructions(chain.keeper(), cfg, (p.key, p.account.pool), &plan),
            ));
        }
    }
    let by_key: HashMap<Pubkey, Pending> = pending.iter().map(|p| (p.key, *p)).collect();
    let packed = match packing {
        Packing::Shared => pack(plans, |ixs| chain.fits(ixs)),
        Packing::Solo => plans
            .into_iter()
            .flat_map(|plan| pack(vec![plan], |ixs| chain.fits(ixs)))
            .collect(),
    };
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
            r.liquidation_landed(sent.parts.iter().map(|p| (p.account, p.stages)));
            for part in &sent.parts {
                let left = pending_of(&part.account).map_or(0, |p| p.stages_left);
                out.landed
                    .push((part.account, left.saturating_sub(part.stages)));
            }
        }
        // One stage alone, refused: reported as the program's answer. A transport failure
        // is reported for each account and left to the next cycle: the transaction may still
        // land, so nothing is sent again for it now.
        Err(e) if sent.parts.len() == 1 && sent.parts[0].stages == 1 => {
            r.fail(format!("liquidate {}", sent.parts[0].account), e);
        }
        Err(e @ ChainError::Transport(_)) => {
            for part in &sent.parts {
                r.fail(format!("liquidate {}", part.account), e.clone());
            }
        }
        // Shared or batched, refused: each account tries alone.
        Err(_) => out.alone.extend(
            sent.parts
                .iter()
                .filter_map(|part| pending_of(&part.account)),
        ),
    }
}

/// What a round's stages are planned against.
struct Planning<'a> {
    markets: &'a [Market],
    at: &'a PreviewClock,
    fund_shares: Vec<u64>,
}

impl Planning<'_> {
    /// The fund share of a market of pool `pool`.
    fn fund_share(&self, pool: u16) -> u64 {
        self.fund_shares
            .get(usize::from(pool))
            .copied()
            .unwrap_or(0)
    }
}

/// Up to the account's stages left, several a transaction when the program's own operation
/// says it will accept them in order (`stage_plan`), re-reading the account after each
/// transaction, until it needs no more, a stage is refused, or it is closed. A refused batch
/// falls back to one stage a transaction.
async fn liquidate_in_stages<C: KeeperChain>(
    chain: &mut C,
    cfg: &KeeperConfig,
    s: &Planning<'_>,
    p: Pending,
    r: &mut CycleReport,
) -> Result<(), ChainError> {
    let (key, mut account) = (p.key, p.account);
    let (mut left, mut batch) = (p.stages_left, cfg.stages_per_transaction.max(1));
    while left > 0 {
        let mut copies = s.markets.to_vec();
        let mut plan = plan_stages(
            &account,
            &mut copies,
            s.at,
            s.fund_share(account.pool),
            batch.min(left),
        );
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
        let ixs = stage_instructions(chain.keeper(), cfg, (key, account.pool), &plan);
        match chain.send(&ixs).await {
            Ok(()) => {
                r.liquidation_landed([(key, ixs.len() as u32)]);
                left = left.saturating_sub(ixs.len() as u32);
            }
            // The chain moved since the keeper read it: one stage a transaction from here.
            Err(_) if ixs.len() > 1 => {
                batch = 1;
                continue;
            }
            Err(e) => {
                r.fail(format!("liquidate {key}"), e);
                // Read it again: the keeper's copy may have been stale (the refusal's likely
                // cause), and the next cycle should not plan on it.
                chain.margin_account(&key).await?;
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
