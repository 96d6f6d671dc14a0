//! `bulwark localnet` end to end, as a user meets it: the binary started on free loopback
//! ports with the program's SBF build, slots moving in real time and feeds on their cadences;
//! a trader's, an LP's and a staker's CLI journeys; a price file crashing a market under a
//! leveraged long and `bulwark keeper run` liquidating it; the events read back with
//! `bulwark events`; the accounts read with Anchor's public TS client and `bulwark account
//! show`; a restart from `--state` keeping them. Needs `BULWARK_SBF_SO` (the README's test
//! command's second tier sets it) and Node.js with npm.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use solana_sdk::signature::{Keypair, Signer};

mod common;
use common::net::{keypair_file, Localnet};

const BIN: &str = env!("CARGO_BIN_EXE_bulwark");

/// This package's directory as cargo sets it for the run (not the compile-time path: a build
/// cached in a shared target directory may come from another clone).
fn manifest_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}

/// Runs `bulwark ARGS --url URL`; its stdout, or a panic with its stderr.
fn cli(url: &str, args: &[&str]) -> String {
    let out = Command::new(BIN)
        .args(args)
        .args(["--url", url])
        .output()
        .expect("bulwark runs");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "bulwark {args:?} failed: {}{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

fn account(url: &str, owner: &Keypair) -> Value {
    let out = cli(
        url,
        &["account", "show", &owner.pubkey().to_string(), "--json"],
    );
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{out}: {e}"))
}

fn base_in(account: &Value, market: &str) -> f64 {
    account["positions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["market"] == market)
        .map_or(0.0, |p| p["base"].as_str().unwrap().parse().unwrap())
}

/// CRASH-PERP's price file: $100 for 40 minutes, then 1% lower each minute for 15 minutes.
fn crash_file(dir: &Path) -> PathBuf {
    let path = dir.join("crash.csv");
    let mut f = std::fs::File::create(&path).unwrap();
    writeln!(f, "unix_ts,open,high,low,close").unwrap();
    let mut price = 100.0f64;
    for minute in 0..300i64 {
        if (40..55).contains(&minute) {
            price *= 0.99;
        }
        let p = format!("{price:.4}");
        writeln!(f, "{},{p},{p},{p},{p}", 1_700_000_000 + minute * 60).unwrap();
    }
    path
}

fn sleep_until(net: &Localnet, secs: u64) {
    let at = net.started + Duration::from_secs(secs);
    std::thread::sleep(at.saturating_duration_since(Instant::now()));
}

/// The journey's wallets: a keypair file and its key each.
struct Wallets {
    alice: (PathBuf, Keypair),
    bob: (PathBuf, Keypair),
    carol: (PathBuf, Keypair),
    keeper: (PathBuf, Keypair),
}

fn path(w: &(PathBuf, Keypair)) -> &str {
    w.0.to_str().unwrap()
}

/// Starts a localnet with SOL-PERP on a walk and CRASH-PERP on the crash file, every wallet
/// funded, state kept in `state`.
fn start_venue(dir: &Path, w: &Wallets, state: &Path) -> Localnet {
    let crash = format!("CRASH-PERP={}", crash_file(dir).display());
    let mut args: Vec<String> = [
        "--market",
        "SOL-PERP=150",
        "--market",
        &crash,
        "--speed",
        "60",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for k in [&w.alice, &w.bob, &w.carol, &w.keeper] {
        args.extend(["--fund".into(), path(k).into()]);
    }
    args.extend(["--state".into(), state.display().to_string()]);
    Localnet::start(&args)
}

/// Alice opens, increases, (holds,) reduces, closes and withdraws; Bob deposits in the pool,
/// requests, stakes, and withdraws after the delay. Returns Alice's account at the end.
fn trader_lp_and_staker_journeys(url: &str, w: &Wallets) -> Value {
    let (a, b) = (path(&w.alice), path(&w.bob));
    let trade = |size: &str, limit: &str| {
        cli(
            url,
            &[
                "trade",
                "--market",
                "SOL-PERP",
                &format!("--size={size}"),
                "--limit-price",
                limit,
                "--keypair",
                a,
            ],
        );
    };
    cli(url, &["deposit", "--amount", "1000", "--keypair", a]);
    let made = cli(url, &["lookup-table", "create", "--keypair", a, "--json"]);
    let table: Value = serde_json::from_str(&made).unwrap_or_else(|e| panic!("{made}: {e}"));
    let table = table["table"].as_str().unwrap().to_string();
    std::thread::sleep(Duration::from_secs(1)); // a table's new addresses serve from the next slot
    cli(
        url,
        &[
            "trade",
            "--market",
            "SOL-PERP",
            "--size",
            "2",
            "--limit-price",
            "200",
            "--lookup-table",
            &table,
            "--keypair",
            a,
        ],
    );
    trade("1", "200");
    assert_eq!(base_in(&account(url, &w.alice.1), "SOL-PERP"), 3.0);
    cli(
        url,
        &["pool", "deposit", "--amount", "1000", "--keypair", b],
    );
    cli(url, &["pool", "request-withdraw", "--all", "--keypair", b]);
    cli(
        url,
        &["insurance", "stake", "--amount", "100", "--keypair", b],
    );
    std::thread::sleep(Duration::from_secs(12)); // min hold (25 slots) and the pool's delay
    trade("-1", "100");
    trade("-2", "100");
    cli(url, &["withdraw", "--amount", "500", "--keypair", a]);
    let lp = cli(url, &["pool", "withdraw", "--keypair", b, "--json"]);
    assert!(lp.contains("\"shares\": \"0\""), "{lp}");
    let alice_now = account(url, &w.alice.1);
    assert_eq!(base_in(&alice_now, "SOL-PERP"), 0.0);
    let left: f64 = alice_now["collateral"].as_str().unwrap().parse().unwrap();
    assert!(left > 490.0 && left < 500.0, "fees and spread only: {left}");
    alice_now
}

/// Bob opens a margin account, trades, closes the position at market, names Alice as a
/// reduce-only delegate and revokes her, withdraws everything and closes the account.
fn bobs_margin_account_from_opening_to_closing(url: &str, w: &Wallets) {
    let b = path(&w.bob);
    cli(url, &["deposit", "--amount", "100", "--keypair", b]);
    let open = [
        "trade",
        "--market",
        "SOL-PERP",
        "--size",
        "1",
        "--limit-price",
        "200",
        "--keypair",
        b,
    ];
    cli(url, &open);
    assert_eq!(base_in(&account(url, &w.bob.1), "SOL-PERP"), 1.0);
    let close = ["close-position", "--market", "SOL-PERP", "--keypair", b];
    let dry = cli(url, &[&close[..], &["--dry-run", "--json"]].concat());
    assert!(dry.contains("\"base_after\": \"0.000000000\""), "{dry}");
    assert_eq!(
        base_in(&account(url, &w.bob.1), "SOL-PERP"),
        1.0,
        "a dry run sends nothing"
    );
    cli(url, &close);
    assert_eq!(base_in(&account(url, &w.bob.1), "SOL-PERP"), 0.0);
    let alice = w.alice.1.pubkey().to_string();
    let named = cli(
        url,
        &[
            "delegate",
            "--key",
            &alice,
            "--max-loss",
            "5",
            "--reduce-only",
            "--keypair",
            b,
            "--json",
        ],
    );
    let named: Value = serde_json::from_str(&named).unwrap();
    assert_eq!(named["delegate"]["key"], alice.as_str());
    assert_eq!(named["delegate"]["max_loss"], "5.000000");
    assert_eq!(named["delegate"]["reduce_only"], true);
    let revoked = cli(url, &["delegate", "--revoke", "--keypair", b, "--json"]);
    let revoked: Value = serde_json::from_str(&revoked).unwrap();
    assert!(revoked["delegate"].is_null(), "{revoked}");
    let left = account(url, &w.bob.1)["collateral"]
        .as_str()
        .unwrap()
        .to_string();
    cli(url, &["withdraw", "--amount", &left, "--keypair", b]);
    let closed = cli(url, &["close-account", "--keypair", b, "--json"]);
    assert!(closed.contains("closed"), "{closed}");
    let gone = Command::new(BIN)
        .args([
            "account",
            "show",
            &w.bob.1.pubkey().to_string(),
            "--url",
            url,
        ])
        .output()
        .unwrap();
    assert!(!gone.status.success(), "the account is closed");
}

/// A client of the node, Bob's signed transfer of 1 SOL to Alice, and Alice's balance before.
fn bob_pays_alice(
    url: &str,
    w: &Wallets,
) -> (
    solana_rpc_client::rpc_client::RpcClient,
    solana_sdk::transaction::Transaction,
    u64,
) {
    let client = solana_rpc_client::rpc_client::RpcClient::new(url.to_string());
    let (from, to) = (&w.bob.1, w.alice.1.pubkey());
    let before = client.get_balance(&to).unwrap();
    let ix = solana_system_interface::instruction::transfer(&from.pubkey(), &to, 1_000_000_000);
    let hash = client.get_latest_blockhash().unwrap();
    let tx = solana_sdk::transaction::Transaction::new_signed_with_payer(
        &[ix],
        Some(&from.pubkey()),
        &[from],
        hash,
    );
    (client, tx, before)
}

/// A signed transaction sent twice lands once (the second is AlreadyProcessed), as on a
/// cluster, however many transactions landed in between.
fn a_replayed_transaction_lands_once(url: &str, w: &Wallets) {
    let (client, tx, before) = bob_pays_alice(url, w);
    client.send_transaction(&tx).unwrap();
    // More transactions land in between than the VM's own signature history keeps (32).
    for _ in 0..40 {
        let someone = solana_sdk::pubkey::Pubkey::new_unique();
        client.request_airdrop(&someone, 1_000_000).unwrap();
    }
    let again = client.send_transaction(&tx).unwrap_err().to_string();
    assert!(again.contains("already been processed"), "{again}");
    // It lands with the slot's block.
    let until = Instant::now() + Duration::from_secs(5);
    while client
        .get_signature_status(&tx.signatures[0])
        .unwrap()
        .is_none()
    {
        assert!(Instant::now() < until, "the transaction never landed");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        client.send_transaction(&tx).is_err(),
        "and once landed, still not again"
    );
    let alice = w.alice.1.pubkey();
    assert_eq!(client.get_balance(&alice).unwrap(), before + 1_000_000_000);
}

/// A transaction whose signature does not verify, sent without preflight, never lands: no
/// status, nothing moved.
fn a_badly_signed_transaction_does_not_land(url: &str, w: &Wallets) {
    use solana_rpc_client_api::config::RpcSendTransactionConfig;
    let (client, mut tx, before) = bob_pays_alice(url, w);
    tx.signatures[0] = solana_sdk::signature::Signature::from([7u8; 64]);
    let config = RpcSendTransactionConfig {
        skip_preflight: true,
        ..RpcSendTransactionConfig::default()
    };
    // Taken (or refused) as a cluster's node takes it without preflight, but dropped when
    // the block is made: wait two slots.
    let _ = client.send_transaction_with_config(&tx, config);
    std::thread::sleep(Duration::from_millis(1_000));
    let status = client.get_signature_status(&tx.signatures[0]).unwrap();
    assert_eq!(status, None);
    assert_eq!(client.get_balance(&w.alice.1.pubkey()).unwrap(), before);
}

/// `bulwark keeper run` for `cycles` cycles 500 ms apart, logging at info.
fn keeper_run(url: &str, keypair: &str, cycles: u32) -> std::process::Output {
    let cycles = cycles.to_string();
    Command::new(BIN)
        .args(["keeper", "run", "--url", url, "--keypair", keypair])
        .args(["--cycles", &cycles, "--interval-ms", "500"])
        .env("RUST_LOG", "info")
        .output()
        .expect("bulwark runs")
}

/// After the crash, `bulwark keeper run` refreshes CRASH-PERP and liquidates Carol.
fn keeper_liquidates_carol(net: &Localnet, w: &Wallets) {
    let url = net.url();
    // (The stored price moves when someone refreshes the market: the keeper does, first.)
    sleep_until(net, 62);
    let k = path(&w.keeper);
    // The keeper's rewards are credited to its own margin account: without it, it will not
    // start, and says how to open it.
    let refused = keeper_run(&url, k, 1);
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        !refused.status.success() && said.contains("bulwark deposit"),
        "{said}"
    );
    cli(&url, &["deposit", "--amount", "1", "--keypair", k]);
    let out = keeper_run(&url, k, 4);
    assert!(
        out.status.success(),
        "keeper: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let carol_now = account(&url, &w.carol.1);
    assert!(
        base_in(&carol_now, "CRASH-PERP") < 5.0,
        "liquidated: {carol_now}\nkeeper: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Anchor's TS client reads what the CLI reads, and the websocket answers it.
fn ts_client_reads(net: &Localnet, alice: &Keypair, alice_now: &Value) {
    let ts = manifest_dir().join("tests/ts");
    let npm = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(&ts)
        .status()
        .expect("npm runs");
    assert!(npm.success());
    let idl = manifest_dir().join("../target/idl/bulwark.json");
    let ws = net.ready["ws_url"].as_str().unwrap();
    let out = Command::new("node")
        .arg("read.mjs")
        .args([
            &net.url(),
            ws,
            idl.to_str().unwrap(),
            &alice.pubkey().to_string(),
        ])
        .current_dir(&ts)
        .output()
        .expect("node runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let read: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        read["markets"],
        serde_json::json!(["CRASH-PERP", "SOL-PERP"])
    );
    let shown = alice_now["collateral"].as_str().unwrap().replace('.', "");
    assert_eq!(
        read["collateral"].as_str().unwrap(),
        shown.trim_start_matches('0')
    );
    assert_eq!(read["airdrop_err"], Value::Null);
    assert_eq!(read["airdrop_balance"], 1_000_000_000u64);
}

/// `bulwark events --follow` running, and a thread collecting what it prints.
fn follow_events(url: &str) -> (Child, std::thread::JoinHandle<String>) {
    let mut follow = Command::new(BIN)
        .args(["events", "--follow", "--limit", "1", "--url", url])
        .stdout(Stdio::piped())
        .spawn()
        .expect("events --follow starts");
    let out = follow.stdout.take().unwrap();
    let lines = std::thread::spawn(move || {
        BufReader::new(out)
            .lines()
            .map_while(Result::ok)
            .collect::<Vec<_>>()
            .join("\n")
    });
    (follow, lines)
}

#[test]
fn localnet_journey_cli_keeper_events_and_the_ts_client() {
    let dir = tempfile::tempdir().unwrap();
    let w = Wallets {
        alice: keypair_file(dir.path(), "alice"),
        bob: keypair_file(dir.path(), "bob"),
        carol: keypair_file(dir.path(), "carol"),
        keeper: keypair_file(dir.path(), "keeper"),
    };
    let state = dir.path().join("state");
    let net = start_venue(dir.path(), &w, &state);
    let url = net.url();
    let (mut follow, followed) = follow_events(&url);

    // Carol goes 8x long CRASH-PERP before its crash (minute 40 of the file = 40 s in).
    let c = path(&w.carol);
    cli(&url, &["deposit", "--amount", "60", "--keypair", c]);
    cli(
        &url,
        &[
            "trade",
            "--market",
            "CRASH-PERP",
            "--size",
            "5",
            "--limit-price",
            "110",
            "--keypair",
            c,
        ],
    );
    let alice_now = trader_lp_and_staker_journeys(&url, &w);
    a_replayed_transaction_lands_once(&url, &w);
    a_badly_signed_transaction_does_not_land(&url, &w);
    keeper_liquidates_carol(&net, &w);

    let events = cli(&url, &["events", "--limit", "1000"]);
    let market_list = cli(&url, &["market", "list", "--json"]);
    assert!(market_list.contains("CRASH-PERP"), "{market_list}");
    for name in [
        "TradeExecuted",
        "PoolWithdrawn",
        "Staked",
        "Liquidated",
        "CollateralWithdrawn",
    ] {
        assert!(
            events.contains(&format!("\"event\":\"{name}\"")),
            "{name} missing"
        );
    }
    ts_client_reads(&net, &w.alice.1, &alice_now);
    bobs_margin_account_from_opening_to_closing(&url, &w);
    std::thread::sleep(Duration::from_secs(2));
    follow.kill().unwrap();
    follow.wait().unwrap();
    let followed = followed.join().unwrap();
    for name in ["TradeExecuted", "Liquidated"] {
        assert!(
            followed.contains(&format!("\"event\":\"{name}\"")),
            "followed: {name}"
        );
    }

    // A restart from --state keeps the accounts.
    net.stop();
    let again = Localnet::start(&["--state".into(), state.display().to_string()]);
    assert_eq!(again.ready["restored"], true);
    assert_eq!(
        account(&again.url(), &w.alice.1)["collateral"],
        alice_now["collateral"]
    );
    again.stop();
}
