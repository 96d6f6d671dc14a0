//! The keeper against a crash on `bulwark localnet` (the program's SBF build on the VM, slots
//! every 400 ms, feeds on their cadences): N accounts each long CRASH-PERP at about 6x, the
//! price file steps down 15% in one bar, and the keeper core runs over the same `RpcChain`
//! `bulwark keeper run` uses (its websocket watch, packed transactions, waves in flight),
//! cycle after cycle with no pause while it makes progress, until no account is liquidatable.
//! Prints stages per second and the seconds until none is liquidatable, as JSON.
//!
//! `localnet_keeper_clears_a_crash_of_many_accounts` (60 accounts) runs in the second
//! tier; the README's measurement is the ignored one:
//! `BULWARK_SBF_SO=$so cargo test --release -p bulwark-app --test keeper_throughput -- --ignored --nocapture`
//! (`BULWARK_KEEPER_BENCH_ACCOUNTS`, default 1,000; `BULWARK_KEEPER_BENCH_IN_FLIGHT`, default
//! the keeper's).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use bulwark_keeper::rpc_chain::{RpcChain, RpcSettings};
use bulwark_keeper::{run_cycle, KeeperConfig};
use bulwark_sdk::{accounts, ix, pda};
use serde_json::{json, Value};
use solana_commitment_config::CommitmentConfig;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_rpc_client_api::config::RpcSendTransactionConfig;
use solana_sdk::signature::{Keypair, Signature, Signer};
use solana_sdk::transaction::Transaction;

mod common;
use common::net::{keypair_file, Localnet};

/// Seconds of flat price before the crash bar (at `--speed 60`: one bar a second).
const FLAT_BARS: i64 = 60;
/// Collateral per account, USDC units (6 decimals): 50 USDC.
const COLLATERAL: u64 = 50_000_000;
/// Each account's long, base units (1e-9): 3 CRASH at $100, about 6x.
const LONG: i64 = 3_000_000_000;

/// CRASH-PERP's price file: $100 for `FLAT_BARS` one-minute bars, then $85 from one bar on.
fn step_file(dir: &Path) -> PathBuf {
    let path = dir.join("step.csv");
    let mut f = std::fs::File::create(&path).unwrap();
    writeln!(f, "unix_ts,open,high,low,close").unwrap();
    for bar in 0..FLAT_BARS + 600 {
        let p = if bar < FLAT_BARS { "100" } else { "85" };
        writeln!(f, "{},{p},{p},{p},{p}", 1_700_000_000 + bar * 60).unwrap();
    }
    path
}

/// Sends `txs` without waiting, then waits for every one; how many landed without error.
async fn send_all(client: &RpcClient, txs: Vec<Transaction>) -> usize {
    let config = RpcSendTransactionConfig {
        skip_preflight: true,
        ..RpcSendTransactionConfig::default()
    };
    let mut pending: Vec<Signature> = Vec::new();
    for tx in &txs {
        pending.push(
            client
                .send_transaction_with_config(tx, config)
                .await
                .unwrap(),
        );
    }
    let mut ok = 0;
    let until = Instant::now() + Duration::from_secs(120);
    while !pending.is_empty() && Instant::now() < until {
        let mut still = Vec::new();
        for chunk in pending.chunks(256) {
            let got = client.get_signature_statuses(chunk).await.unwrap().value;
            for (sig, status) in chunk.iter().zip(got) {
                match status {
                    Some(s) => {
                        if let Some(e) = &s.err {
                            eprintln!("setup transaction failed: {e}");
                        }
                        ok += usize::from(s.err.is_none())
                    }
                    None => still.push(*sig),
                }
            }
        }
        pending = still;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    ok
}

/// `n` margin accounts of `owner` (indices 0..n), each funded, then long (the trade behind the
/// market's refresh, as a wallet sends it); how many longs opened.
async fn open_longs(client: &RpcClient, owner: &Keypair, mint: &Pubkey, n: u16) -> usize {
    let source = pda::associated_token_account(&owner.pubkey(), mint);
    let blockhash = client.get_latest_blockhash().await.unwrap();
    let sign = |ixs: &[Instruction]| {
        Transaction::new_signed_with_payer(ixs, Some(&owner.pubkey()), &[owner], blockhash)
    };
    let funded = (0..n)
        .map(|i| {
            let margin = pda::margin_account(&owner.pubkey(), i).0;
            sign(&[
                ix::create_margin_account(owner.pubkey(), i, 0),
                ix::deposit(owner.pubkey(), margin, source, COLLATERAL),
            ])
        })
        .collect();
    assert_eq!(
        send_all(client, funded).await,
        n as usize,
        "accounts funded"
    );
    let read = |key: Pubkey| async move { client.get_account_data(&key).await.unwrap() };
    let exchange = accounts::exchange(&read(pda::exchange().0).await).unwrap();
    let market = accounts::market(&read(pda::market(0).0).await).unwrap();
    let slot = client.get_slot().await.unwrap();
    let longs = (0..n)
        .map(|i| {
            let margin = pda::margin_account(&owner.pubkey(), i).0;
            sign(&[
                ix::update_risk_ix(&exchange, &market, slot),
                ix::trade(owner.pubkey(), margin, 0, LONG, 200_000_000_000, &[]),
            ])
        })
        .collect();
    send_all(client, longs).await
}

/// The keeper's reward account: its margin account 0 with 1 USDC.
async fn open_reward_account(client: &RpcClient, keeper: &Keypair, mint: &Pubkey) -> Pubkey {
    let margin = pda::margin_account(&keeper.pubkey(), 0).0;
    let source = pda::associated_token_account(&keeper.pubkey(), mint);
    let ixs = [
        ix::create_margin_account(keeper.pubkey(), 0, 0),
        ix::deposit(keeper.pubkey(), margin, source, 1_000_000),
    ];
    let blockhash = client.get_latest_blockhash().await.unwrap();
    let tx = Transaction::new_signed_with_payer(&ixs, Some(&keeper.pubkey()), &[keeper], blockhash);
    assert_eq!(send_all(client, vec![tx]).await, 1, "reward account opened");
    margin
}

/// What the keeper did from its first cycle after the crash until none was liquidatable.
struct Clearing {
    stages: u32,
    transactions: u32,
    cycles: u32,
    /// Seconds from the first cycle's start to the end of the last one with liquidations.
    secs: f64,
    failures: Vec<String>,
}

/// Runs keeper cycles (no pause while they liquidate) until one finds nothing liquidatable
/// after liquidations happened, or `limit` passes.
async fn clear(chain: &mut RpcChain, config: &KeeperConfig, limit: Duration) -> Clearing {
    let started = Instant::now();
    let mut c = Clearing {
        stages: 0,
        transactions: 0,
        cycles: 0,
        secs: 0.0,
        failures: Vec::new(),
    };
    while started.elapsed() < limit {
        let r = run_cycle(chain, config).await;
        eprintln!(
            "cycle {}: {} liquidatable, {} stages in {} transactions, {} failures, {:.1} s",
            c.cycles,
            r.liquidatable,
            r.liquidation_stages,
            r.liquidation_transactions,
            r.failures.len(),
            started.elapsed().as_secs_f64()
        );
        c.cycles += 1;
        c.stages += r.liquidation_stages;
        c.transactions += r.liquidation_transactions;
        c.failures.extend(r.failures);
        if r.liquidation_stages > 0 {
            c.secs = started.elapsed().as_secs_f64();
        } else if r.liquidatable == 0 && c.stages > 0 {
            break;
        } else {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    c
}

/// The whole measurement with `n` accounts; its JSON summary.
async fn crash_and_clear(n: u16, in_flight: u32) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let (owner_file, owner) = keypair_file(dir.path(), "owner");
    let (keeper_file, keeper) = keypair_file(dir.path(), "keeper");
    let market = format!("CRASH-PERP={}", step_file(dir.path()).display());
    let args: Vec<String> = [
        "--market",
        &market,
        "--speed",
        "60",
        "--fund",
        owner_file.to_str().unwrap(),
        "--fund",
        keeper_file.to_str().unwrap(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let net = Localnet::start(&args);
    let url = net.url();
    let mint: Pubkey = net.ready["collateral_mint"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let client = RpcClient::new_with_commitment(url.clone(), CommitmentConfig::confirmed());
    let opened = open_longs(&client, &owner, &mint, n).await;
    eprintln!(
        "{opened} of {n} opened after {:.1} s",
        net.started.elapsed().as_secs_f64()
    );
    let reward_account = open_reward_account(&client, &keeper, &mint).await;
    let setup_secs = net.started.elapsed().as_secs_f64();
    assert!(
        setup_secs < FLAT_BARS as f64 - 5.0,
        "setup took {setup_secs:.1} s, past the crash"
    );
    // The crash bar, and a few seconds for every feed to publish it.
    let crash = net.started + Duration::from_secs(FLAT_BARS as u64 + 4);
    tokio::time::sleep(crash.saturating_duration_since(Instant::now())).await;

    let rpc = RpcClient::new_with_commitment(url, CommitmentConfig::confirmed());
    let mut chain = RpcChain::new(rpc, keeper.insecure_clone(), RpcSettings::default());
    chain.watch_accounts(net.ready["ws_url"].as_str().unwrap().to_string());
    let watching = chain
        .watch()
        .unwrap()
        .wait_live(Duration::from_secs(5))
        .await;
    let config = KeeperConfig {
        reward_accounts: bulwark_keeper::RewardAccounts::pool0(reward_account),
        max_stages_per_account: 8,
        stages_per_transaction: bulwark_keeper::stage_plan::STAGES_PER_TRANSACTION,
        max_in_flight: in_flight,
        shard: None,
    };
    let c = clear(&mut chain, &config, Duration::from_secs(240)).await;
    let left = run_cycle(&mut chain, &config).await.liquidatable;
    json!({
        "accounts": n, "opened": opened, "setup_secs": setup_secs, "watching": watching,
        "max_in_flight": in_flight,
        "stages": c.stages, "transactions": c.transactions, "cycles": c.cycles,
        "secs_until_none_liquidatable": c.secs,
        "stages_per_sec": c.stages as f64 / c.secs.max(1e-9),
        "liquidatable_after": left, "failures": c.failures.len(),
        "first_failures": c.failures.iter().take(5).collect::<Vec<_>>(),
        "full_scans": chain.reads.full_scans, "polls": chain.reads.polls,
        "watched_reads": chain.reads.watched, "accounts_heard": chain.reads.heard,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn localnet_keeper_clears_a_crash_of_many_accounts() {
    let s = crash_and_clear(60, bulwark_keeper::MAX_IN_FLIGHT).await;
    println!("{s}");
    assert!(s["opened"].as_u64().unwrap() >= 50, "{s}");
    assert_eq!(s["watching"], true, "{s}");
    assert!(
        s["watched_reads"].as_u64().unwrap() > 0,
        "reads from the watch: {s}"
    );
    assert_eq!(s["liquidatable_after"], 0, "{s}");
    assert!(s["stages"].as_u64().unwrap() >= 50, "{s}");
    assert!(
        s["transactions"].as_u64().unwrap() < s["stages"].as_u64().unwrap(),
        "several stages a transaction: {s}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "the README's measurement: minutes, run by hand"]
async fn keeper_throughput_on_localnet() {
    let n = std::env::var("BULWARK_KEEPER_BENCH_ACCOUNTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000);
    let in_flight = std::env::var("BULWARK_KEEPER_BENCH_IN_FLIGHT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(bulwark_keeper::MAX_IN_FLIGHT);
    let s = crash_and_clear(n, in_flight).await;
    println!("{s}");
    assert_eq!(s["liquidatable_after"], 0, "{s}");
}
