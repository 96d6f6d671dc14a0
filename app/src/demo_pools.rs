//! The demo's risk-pool act: a blue-chip pool and a long-tail pool, SOL breaking first (the
//! stress signal raises LUNA's margin before LUNA moves), then LUNA going to zero; the
//! long-tail pool's fund and LPs absorb it and nothing in the blue-chip pool moves.

use anyhow::{anyhow, Result};
use bulwark_engine::contagion::PoolParam;
use bulwark_keeper::{run_cycle, CycleReport, KeeperConfig, RewardAccounts};
use bulwark_sdk::ix;
use bulwark_testkit::bank_keeper::BankKeeper;
use bulwark_testkit::two_pools::{TwoPools, LONG_TAIL, LUNA};
use bulwark_testkit::world::{Participant, SOL_PERP};
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use solana_sdk::signature::Signer;

use crate::demo_trading::usdc;

const USD: i64 = 100_000_000;
const USDC: u64 = 1_000_000;
const LUNA_ATOMS: i64 = 1_000_000_000;

/// The keeper and its reward account in each pool.
struct Keeper {
    key: Participant,
    config: KeeperConfig,
}

impl Keeper {
    /// Keeper cycles until one does nothing (at most `n`); the reports summed where it counts.
    async fn run(&self, v: &mut TwoPools, n: usize) -> CycleReport {
        let mut total = CycleReport::default();
        for _ in 0..n {
            let mut chain = BankKeeper {
                world: &mut v.w,
                key: self.key.key.insecure_clone(),
            };
            let r = run_cycle(&mut chain, &self.config).await;
            total.stress_signals += r.stress_signals;
            total.liquidation_stages += r.liquidation_stages;
            total.bankruptcies_resolved += r.bankruptcies_resolved;
            total.deficits_resolved += r.deficits_resolved;
            if r.liquidation_stages + r.bankruptcies_resolved + r.sweeps + r.stress_signals == 0 {
                break;
            }
            v.w.bank.advance(2, 1).await;
        }
        total
    }
}

/// The two pools, the stress signal set (SOL-PERP leads pool 1: +3% maintenance, +0.2%
/// spread on increases), traders in both and a keeper with a reward account in each.
async fn set_up() -> Result<(TwoPools, Keeper, Participant, Participant)> {
    let mut v = TwoPools::new(600 * USDC).await;
    let gov = v.w.governance.insecure_clone();
    for (param, value) in [
        (PoolParam::Leader0, u64::from(SOL_PERP)),
        (PoolParam::StepPpm, 30_000),
        (PoolParam::SpreadPpm, 2_000),
        (PoolParam::CalmSecs, 900),
    ] {
        let set = ix::set_pool_param(gov.pubkey(), LONG_TAIL, param, value);
        v.w.bank
            .send(&[set], &[&gov])
            .await
            .map_err(|e| anyhow!("set_pool_param: {e}"))?;
    }
    let limit = 1_000 * bulwark_engine::num::PRICE_SCALE;
    let blue = v.trader_in(0, 1_000 * USDC).await;
    trade(&mut v, &blue, SOL_PERP, 10 * LUNA_ATOMS, limit).await?;
    let tail = v.second_account(&blue, LONG_TAIL, 500 * USDC).await;
    trade(&mut v, &tail, LUNA, 60 * LUNA_ATOMS, limit).await?;
    for _ in 0..4 {
        let t = v.trader_in(LONG_TAIL, 1_000 * USDC).await;
        trade(&mut v, &t, LUNA, 120 * LUNA_ATOMS, limit).await?;
    }
    let key = v.trader_in(0, 0).await;
    let tail_reward = v.second_account(&key, LONG_TAIL, 0).await;
    let config = KeeperConfig {
        reward_accounts: RewardAccounts::pool0(key.margin).with(LONG_TAIL, tail_reward.margin),
        max_stages_per_account: 8,
        stages_per_transaction: bulwark_keeper::stage_plan::STAGES_PER_TRANSACTION,
        max_in_flight: bulwark_keeper::MAX_IN_FLIGHT,
        shard: None,
    };
    Ok((v, Keeper { key, config }, blue, tail))
}

async fn trade(
    v: &mut TwoPools,
    p: &Participant,
    market: u16,
    size: i64,
    limit: u64,
) -> Result<()> {
    v.w.trade_in(p, market, size, limit)
        .await
        .map_err(|e| anyhow!("trade: {e}"))
}

/// Each pool's LP capital, insurance balance, insurance paid and socialised loss.
async fn books(v: &mut TwoPools) -> [[i64; 4]; 2] {
    let mut out = [[0; 4]; 2];
    for p in 0..2u16 {
        let (pool, fund) = v.books(p).await;
        out[usize::from(p)] = [
            pool.capital,
            fund.balance as i64,
            fund.total_paid as i64,
            pool.total_socialized as i64,
        ];
    }
    out
}

/// Runs the act.
pub async fn run() -> Result<()> {
    println!("━━ Risk pools: a long-tail collapse stays inside its pool ━━");
    let (mut v, keeper, blue, tail) = set_up().await?;
    println!(
        "Pool 0 (blue chips: SOL-PERP and two markets like it, cross-margined) and pool 1 (long tail: \
         LUNA-PERP) each have their own LPs and insurance fund. Four LUNA longs near 10x; one user \
         holds 10 SOL long in pool 0 and 60 LUNA long in a second account in pool 1. Pool 1 names \
         SOL-PERP its leader."
    );
    keeper.run(&mut v, 3).await;
    let before = v.w.bank.market(LUNA).await;
    v.refresh(132 * USD, 80 * USD).await;
    let r = keeper.run(&mut v, 1).await;
    let after = v.w.bank.market(LUNA).await;
    let slot = v.w.bank.clock().await.slot;
    println!(
        "  SOL breaks first (-12%, velocity band {}): the keeper carries the stress signal ({} sent); \
         LUNA's maintenance target {} -> {} ppm, in force now {} ppm, reached through the ramp \
         (nobody liquidated in the slot it arrived)",
        v.w.bank.market(SOL_PERP).await.velocity.band,
        r.stress_signals,
        before.ramp.target_ppm,
        after.ramp.target_ppm,
        after.mmr_at(slot),
    );
    let start = books(&mut v).await;
    let blue_before = v.w.margin(&blue.margin).await.collateral;
    for luna in [40 * USD, 4 * USD, 40 * USD / 100] {
        v.refresh(132 * USD, luna).await;
        let r = keeper.run(&mut v, 30).await;
        println!(
            "  LUNA at {}: the keeper ran {} liquidation stages, resolved {} bankruptcies ({} USDC of deficit)",
            crate::demo::fmt_price(luna as u64 * 10),
            r.liquidation_stages,
            r.bankruptcies_resolved,
            usdc(r.deficits_resolved as i64)
        );
    }
    let end = books(&mut v).await;
    println!("{}", books_table(&start, &end));
    println!(
        "Pool 1's LPs were the longs' counterparty: they booked the longs' whole loss as profit, \
         collected what collateral there was, took the insurance fund's capped payment, and bore \
         the uncollectable rest (socialised). Pool 0's LPs, fund and traders did not move by a unit."
    );
    let tail_after = v.w.margin(&tail.margin).await.collateral;
    println!(
        "The user's pool-0 account: {} USDC before, {} after (its 10 SOL long untouched); its pool-1 \
         account ended at {} USDC. Losses never cross from one pool to another.",
        usdc(blue_before),
        usdc(v.w.margin(&blue.margin).await.collateral),
        usdc(tail_after)
    );
    let vault = v.w.vault_balance().await as i128;
    let buckets = v.w.bucket_total().await;
    println!(
        "vault {} = buckets {}: {}\n",
        vault,
        buckets,
        if vault == buckets { "yes" } else { "NO" }
    );
    Ok(())
}

fn books_table(start: &[[i64; 4]; 2], end: &[[i64; 4]; 2]) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED).set_header(vec![
        "pool",
        "LP capital",
        "insurance fund",
        "insurance paid",
        "socialised to LPs",
    ]);
    for p in 0..2 {
        let cell = |i: usize| format!("{} -> {}", usdc(start[p][i]), usdc(end[p][i]));
        t.add_row(vec![
            if p == 0 {
                "0 blue chips"
            } else {
                "1 long tail"
            }
            .to_string(),
            cell(0),
            cell(1),
            cell(2),
            cell(3),
        ]);
    }
    t
}
