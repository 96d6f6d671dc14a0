//! Fourth act of `bulwark demo`: the loss waterfall. A fresh venue with a small pool, a small
//! insurance fund and a tight coverage window; leveraged longs, one big short; SOL crashes in
//! steps and gaps. Only the keeper core acts. Per step: what it did and where losses landed.

use anyhow::{anyhow, Result};
use bulwark::state::ProposalAction;
use bulwark_keeper::rpc_chain::{RpcChain, RpcSettings};
use bulwark_keeper::{run_cycle, KeeperConfig};
use bulwark_sdk::{accounts, ix, pda};
use bulwark_testkit::bank_rpc::{self, BankRpcControl};
use bulwark_testkit::world::{Participant, World, SOL_PERP};
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use solana_sdk::signature::Signer;

use crate::demo_trading::usdc;

const USDC: u64 = 1_000_000;
const SOL: i64 = 1_000_000_000;
const USD_E8: i64 = 100_000_000;
const PRICE: u64 = 1_000_000_000;

/// The market's state and why (breaker flags, velocity band).
fn state_label(m: &bulwark::state::Market) -> String {
    use bulwark_engine::breaker::flags;
    let mut why = Vec::new();
    if m.breaker_flags & flags::VELOCITY != 0 {
        why.push(format!("velocity band {}", m.velocity.band));
    }
    if m.breaker_flags & flags::ORACLE_HEALTH != 0 {
        why.push("oracle quorum".to_string());
    }
    if m.breaker_flags & flags::DIVERGENCE != 0 {
        why.push("divergence".to_string());
    }
    if m.breaker_flags & flags::INSURANCE != 0 {
        why.push("insurance coverage".to_string());
    }
    if m.guardian_reduce_only != 0 {
        why.push("guardian".to_string());
    }
    let name = bulwark_engine::state::MarketState::from_u8(m.status).name();
    if why.is_empty() {
        name.to_string()
    } else {
        format!("{name} ({})", why.join(", "))
    }
}

struct Ledger {
    insurance_balance: u64,
    insurance_paid: u64,
    socialized: u64,
    pool_capital: i64,
}

async fn ledger(w: &mut World) -> Ledger {
    let fund = accounts::insurance_fund(
        &w.bank
            .account(&pda::insurance_fund(0).0)
            .await
            .expect("fund")
            .data,
    )
    .expect("fund");
    let pool = w.pool().await;
    Ledger {
        insurance_balance: fund.balance,
        insurance_paid: fund.total_paid,
        socialized: pool.total_socialized,
        pool_capital: pool.capital,
    }
}

/// Runs the fourth act on a fresh world.
pub async fn run() -> Result<()> {
    println!("━━ The loss waterfall: a crash, and only the keeper acts ━━");
    let mut w = World::new().await;
    let keeper = open_small_venue(&mut w).await?;
    println!("Pool 10,000 USDC; insurance fund 100 USDC, covering at most 60 USDC a day for this market;");
    println!("ADL once traders' profit passes 10% of the pool, draining leverage from 20x to 0 over 150 slots. Four longs at 8x..14x leverage, one 33 SOL short.\n");
    let traders = open_crash_positions(&mut w).await?;
    let cfg = KeeperConfig {
        reward_accounts: bulwark_keeper::RewardAccounts::pool0(keeper.margin),
        max_stages_per_account: 6,
        stages_per_transaction: bulwark_keeper::stage_plan::STAGES_PER_TRANSACTION,
        max_in_flight: bulwark_keeper::MAX_IN_FLIGHT,
        shard: None,
    };
    let mut bot = keeper_bot(&w, &keeper);
    crash(&mut w, &mut bot, &cfg).await?;
    print_accounts(&mut w, &traders, &keeper).await;
    let l = ledger(&mut w).await;
    println!("Waterfall: collateral first, penalties waived beyond it, then the insurance fund ({} USDC paid,", usdc(l.insurance_paid as i64));
    println!("capped at 60 a day), then LPs ({} USDC socialised); ADL trimmed the short while the pool was stretched.\n", usdc(l.socialized as i64));
    settle_and_delist(&mut w, &keeper, &cfg, &traders).await
}

/// The act's venue: SOL-PERP with a tight insurance window and an early ADL trigger, caps
/// raised, priced; a 10,000 USDC pool and a 100 USDC insurance fund. Returns the keeper.
async fn open_small_venue(w: &mut World) -> Result<Participant> {
    w.initialize_exchange()
        .await
        .map_err(|e| anyhow!("initialize_exchange: {e}"))?;
    let mut args = w.sol_market_args();
    args.params.insurance.insurance_window_cap = 60 * USDC;
    args.params.adl.adl_trigger_ppm = 100_000;
    args.params.adl.adl_floor_ppm = 50_000;
    args.params.adl.adl_drain_slots = 150;
    let gov = w.governance.insecure_clone();
    w.create_market_with(&gov, args)
        .await
        .map_err(|e| anyhow!("create_market: {e}"))?;
    w.raise_caps_through_governance(SOL_PERP, 10_000 * SOL as u64, 10_000 * SOL as u64)
        .await
        .map_err(|e| anyhow!("caps: {e}"))?;
    w.publish_all(150 * USD_E8, USD_E8).await;
    w.update_risk()
        .await
        .map_err(|e| anyhow!("update_risk: {e}"))?;
    let lp = w.participant(10_000 * USDC).await;
    w.pool_deposit(&lp, 10_000 * USDC)
        .await
        .map_err(|e| anyhow!("pool_deposit: {e}"))?;
    let staker = w.participant(100 * USDC).await;
    w.bank
        .send(
            &[ix::if_stake(
                staker.key.pubkey(),
                staker.token,
                100 * USDC,
                0,
            )],
            &[&staker.key],
        )
        .await
        .map_err(|e| anyhow!("if_stake: {e}"))?;
    Ok(w.participant(0).await)
}

/// Four leveraged longs (8x to 14x, 100 USDC each) and one 33 SOL short, at 150, with their
/// names.
async fn open_crash_positions(w: &mut World) -> Result<Vec<(String, Participant)>> {
    w.refresh(150 * USD_E8).await;
    let mut traders: Vec<(String, Participant)> = Vec::new();
    for (i, lev) in [8i64, 10, 12, 14].iter().enumerate() {
        let p = w.participant(100 * USDC).await;
        w.deposit(&p, 100 * USDC)
            .await
            .map_err(|e| anyhow!("deposit: {e}"))?;
        let lots = lev * 100 * 1_000 / 150;
        w.trade(&p, lots * 1_000_000, 151 * PRICE)
            .await
            .map_err(|e| anyhow!("long: {e}"))?;
        traders.push((format!("long{} {lev}x", i + 1), p));
    }
    let short = w.participant(2_000 * USDC).await;
    w.deposit(&short, 2_000 * USDC)
        .await
        .map_err(|e| anyhow!("deposit: {e}"))?;
    w.trade(&short, -33 * SOL, 149 * PRICE)
        .await
        .map_err(|e| anyhow!("short: {e}"))?;
    traders.push(("short 33 SOL".into(), short));
    Ok(traders)
}

/// The crash: four steps 30 s apart, then SOL holds at 114 until the breaker lifts; after
/// each the keeper alone acts. Prints a row a step; refuses books that stop balancing.
async fn crash(w: &mut World, bot: &mut RpcChain, cfg: &KeeperConfig) -> Result<()> {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED).set_header(vec![
        "SOL",
        "market state",
        "stages",
        "bankruptcies",
        "ADL",
        "insurance paid",
        "socialised to LPs",
        "insurance left",
        "pool capital",
        "vault = buckets",
    ]);
    // Four crash steps 30 s apart, then SOL holds at 114 until the breaker lifts.
    let steps: Vec<(i64, u64, i64, String)> = [144, 138, 126, 114]
        .into_iter()
        .map(|p| (p, 75, 30, p.to_string()))
        .chain((1..=15).map(|i| (114, 150, 60, format!("114 (+{i} min)"))))
        .collect();
    for (price, slots, secs, label) in steps {
        if label.contains("min")
            && w.bank.market(SOL_PERP).await.status
                == bulwark_engine::state::MarketState::Active as u8
        {
            break;
        }
        w.bank.advance(slots, secs).await;
        w.publish_all(price * USD_E8, USD_E8).await;
        let before = ledger(w).await;
        let (stages, bankrupt, adl) = keeper_until_idle(bot, cfg).await;
        let after = ledger(w).await;
        let balanced = w.vault_balance().await as i128 == w.bucket_total().await;
        let state = state_label(&w.bank.market(SOL_PERP).await);
        t.add_row(vec![
            label,
            state,
            stages.to_string(),
            bankrupt.to_string(),
            adl.to_string(),
            usdc((after.insurance_paid - before.insurance_paid) as i64),
            usdc((after.socialized - before.socialized) as i64),
            usdc(after.insurance_balance as i64),
            usdc(after.pool_capital),
            if balanced { "yes".into() } else { "NO".into() },
        ]);
        if !balanced {
            println!("{t}");
            return Err(anyhow!("books do not balance at {price}"));
        }
    }
    println!("{t}");
    Ok(())
}

/// Up to six keeper cycles, stopping at the first that does nothing; the liquidation stages,
/// bankruptcies and deleverages they made.
async fn keeper_until_idle(bot: &mut RpcChain, cfg: &KeeperConfig) -> (u32, u32, u32) {
    let (mut stages, mut bankrupt, mut adl) = (0, 0, 0);
    for _ in 0..6 {
        let r = run_cycle(bot, cfg).await;
        stages += r.liquidation_stages;
        bankrupt += r.bankruptcies_resolved;
        adl += r.deleverages;
        if r.liquidation_stages + r.bankruptcies_resolved + r.deleverages == 0 {
            break;
        }
    }
    (stages, bankrupt, adl)
}

/// Where the crash left each trader (position, collateral) and the keeper's rewards.
async fn print_accounts(w: &mut World, traders: &[(String, Participant)], keeper: &Participant) {
    let mut end = Table::new();
    end.load_preset(UTF8_FULL_CONDENSED).set_header(vec![
        "account",
        "position",
        "collateral (USDC)",
    ]);
    for (name, p) in traders {
        let a = w.margin(&p.margin).await;
        let base = a
            .positions
            .iter()
            .find(|s| s.base != 0)
            .map(|s| s.base)
            .unwrap_or(0);
        end.add_row(vec![
            name.clone(),
            format!("{:+}.{:03} SOL", base / SOL, (base.abs() % SOL) / 1_000_000),
            usdc(a.collateral),
        ]);
    }
    let k = w.margin(&keeper.margin).await;
    end.add_row(vec![
        "keeper (rewards)".into(),
        "flat".into(),
        usdc(k.collateral),
    ]);
    println!("{end}");
}

/// The keeper bot of `bulwark keeper run` (its RPC chain), talking JSON-RPC to the bank.
fn keeper_bot(w: &World, keeper: &Participant) -> RpcChain {
    let control = BankRpcControl::default();
    *control.known.lock().expect("known lock") = w.margin_accounts.clone();
    RpcChain::new(
        bank_rpc::client(w.bank.banks_client(), control),
        keeper.key.insecure_clone(),
        RpcSettings::default(),
    )
}

/// Fifth act: the guardian restricts the market, governance settles it (timelocked) at the
/// TWAP, the keeper cranks every position out at the fixed ratio, and governance delists it.
async fn settle_and_delist(
    w: &mut World,
    keeper: &Participant,
    cfg: &KeeperConfig,
    traders: &[(String, Participant)],
) -> Result<()> {
    use bulwark_engine::state::MarketState;
    println!("━━ Emergency settlement and delisting ━━");
    let g = w.guardian.insecure_clone();
    w.bank
        .send(&[ix::guardian_reduce_only(g.pubkey(), SOL_PERP)], &[&g])
        .await
        .map_err(|e| anyhow!("guardian: {e}"))?;
    println!(
        "  the guardian puts SOL-PERP in ReduceOnly: {}",
        state_label(&w.bank.market(SOL_PERP).await)
    );
    let timelock = settle_through_governance(w).await?;
    let mut bot = keeper_bot(w, keeper);
    let r = run_cycle(&mut bot, cfg).await;
    println!(
        "  the keeper cranks {} position(s) out: {}",
        r.positions_settled,
        MarketState::from_u8(w.bank.market(SOL_PERP).await.status).name()
    );
    for (name, p) in traders {
        let c = w.margin(&p.margin).await.collateral;
        if c > 0 {
            w.withdraw(p, c as u64)
                .await
                .map_err(|e| anyhow!("withdraw: {e}"))?;
            println!("  {name} withdraws {} USDC", usdc(c));
        }
    }
    let delist = ProposalAction::Delist {
        market_index: SOL_PERP,
    };
    let id = queue_market_change(w, delist.clone(), "queue delist").await?;
    w.bank.advance(10, timelock).await;
    w.bank
        .send(&[ix::execute_action(id, &delist)], &[])
        .await
        .map_err(|e| anyhow!("delist: {e}"))?;
    println!(
        "  governance delists it: {}",
        MarketState::from_u8(w.bank.market(SOL_PERP).await.status).name()
    );
    let balanced = w.vault_balance().await as i128 == w.bucket_total().await;
    println!(
        "  vault = buckets: {}\n",
        if balanced { "yes" } else { "NO" }
    );
    if !balanced {
        return Err(anyhow!("books do not balance after settlement"));
    }
    Ok(())
}

/// Governance queues SOL-PERP's settlement; once the timelock has run (keepers keeping the
/// price and its TWAP current through its last hour) anyone executes it. Returns the
/// timelock (seconds).
async fn settle_through_governance(w: &mut World) -> Result<i64> {
    use bulwark_engine::state::MarketState;
    let settle = ProposalAction::Settle {
        market_index: SOL_PERP,
    };
    let id = queue_market_change(w, settle, "queue settle").await?;
    let timelock = w.bank.exchange().await.timelock_secs as i64;
    println!(
        "  governance queues settlement (proposal seed {id}); the timelock is {} h",
        timelock / 3_600
    );
    w.bank
        .advance(bulwark::constants::SETTLE_MIN_SLOTS, timelock - 3_600)
        .await;
    // The last hour before execution: keepers keep the price and its TWAP current.
    for _ in 0..60 {
        w.bank.advance(150, 60).await;
        w.publish_all(114 * USD_E8, USD_E8).await;
        w.update_risk()
            .await
            .map_err(|e| anyhow!("update_risk: {e}"))?;
    }
    w.bank
        .send(&[ix::execute_settlement(id, SOL_PERP)], &[])
        .await
        .map_err(|e| anyhow!("settle: {e}"))?;
    let m = w.bank.market(SOL_PERP).await;
    let ratio = match m.settlement.ratio {
        r if r.den == 0 => "fixed once every open position is visited".to_string(),
        r => format!("{}/{} of their profit", r.num, r.den),
    };
    println!(
        "  anyone executes it: {} at the TWAP {} USDC; winners' payout ratio: {ratio}",
        MarketState::from_u8(m.status).name(),
        crate::demo::fmt_price(m.settlement.price),
    );
    Ok(timelock)
}

/// Governance queues `change`; returns its seed; `what` names the step in errors.
async fn queue_market_change(w: &mut World, change: ProposalAction, what: &str) -> Result<u64> {
    w.queue_proposal(change)
        .await
        .map_err(|e| anyhow!("{what}: {e}"))
}
