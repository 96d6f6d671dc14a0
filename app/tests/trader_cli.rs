//! `bulwark deposit|withdraw|trade` for a keypair on the bank-backed demo state: each moves the
//! account as asked and prints it; a refusal is named by its program error; bad arguments exit
//! non-zero naming the argument.

mod common;

use common::{bulwark, demo_owner, ok_json};
use serde_json::Value;

/// The demo state's long (seed 2), written as a Solana CLI keypair file.
fn long_keypair(dir: &tempfile::TempDir) -> String {
    let path = dir.path().join("long.json");
    let bytes = demo_owner(2).to_bytes().to_vec();
    std::fs::write(&path, serde_json::to_string(&bytes).unwrap()).unwrap();
    path.to_str().unwrap().to_string()
}

fn units(v: &Value) -> i64 {
    let s = v.as_str().unwrap();
    let (w, f) = s.split_once('.').unwrap();
    let sign = if w.starts_with('-') { -1 } else { 1 };
    w.parse::<i64>().unwrap() * 1_000_000 + sign * f.parse::<i64>().unwrap()
}

#[test]
fn deposit_adds_exactly_the_amount_and_prints_the_account() {
    let dir = tempfile::tempdir().unwrap();
    let kp = long_keypair(&dir);
    let owner = "9hSR6S7WPtxmTojgo6GG3k4yDPecgJY292j7xrsUGWBu";
    let before = ok_json(&["account", "show", owner, "--demo-state", "--json"]);
    let after = ok_json(&[
        "deposit",
        "--amount",
        "100.5",
        "--keypair",
        &kp,
        "--demo-state",
        "--json",
    ]);
    assert_eq!(
        units(&after["collateral"]) - units(&before["collateral"]),
        100_500_000
    );
    // The landed transaction's signature goes to standard error (the JSON stays one document).
    let out = bulwark(&[
        "deposit",
        "--amount",
        "1",
        "--keypair",
        &kp,
        "--demo-state",
        "--json",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    let sig = err
        .lines()
        .find_map(|l| l.strip_prefix("signature: "))
        .unwrap_or_else(|| panic!("no signature in: {err}"));
    assert!(
        sig.parse::<solana_sdk::signature::Signature>().is_ok(),
        "{sig}"
    );
    serde_json::from_slice::<serde_json::Value>(&out.stdout).expect("stdout stays JSON");
}

#[test]
fn a_sell_reduces_the_long_and_lowers_its_requirement() {
    let dir = tempfile::tempdir().unwrap();
    let kp = long_keypair(&dir);
    let after = ok_json(&[
        "trade",
        "--market",
        "sol-perp",
        "--size=-5",
        "--limit-price",
        "148",
        "--keypair",
        &kp,
        "--demo-state",
        "--json",
    ]);
    assert_eq!(after["positions"][0]["base"], "15.000000000");
    assert_eq!(after["healthy"], true);
}

/// `trade` with the long's keypair on the demo state, selling 5 SOL no lower than 148.
fn sell_five(kp: &str, extra: &[&'static str]) -> Vec<String> {
    let mut args: Vec<String> = [
        "trade",
        "--market",
        "sol-perp",
        "--size=-5",
        "--limit-price",
        "148",
        "--keypair",
        kp,
        "--demo-state",
        "--json",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

#[test]
fn a_dry_run_previews_exactly_what_the_trade_then_does_and_sends_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let kp = long_keypair(&dir);
    let dry = sell_five(&kp, &["--dry-run"]);
    let out = bulwark(&dry.iter().map(String::as_str).collect::<Vec<_>>());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("simulated: the program would accept it (nothing sent)"),
        "{err}"
    );
    assert!(
        !err.contains("signature:"),
        "a dry run sends nothing: {err}"
    );
    let preview: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(preview["dry_run"], true);
    assert_eq!(preview["base_after"], "15.000000000");
    assert!(units(&preview["fee"]) > 0, "{preview}");
    let fill: f64 = preview["fill_price"].as_str().unwrap().parse().unwrap();
    assert!(fill >= 148.0, "a sell no lower than its limit: {preview}");
    assert!(preview["liquidation_price_after"].is_string(), "{preview}");
    // The same order sent: the account ends where the preview said (the program's own
    // operation computed both).
    let sent = sell_five(&kp, &[]);
    let after = ok_json(&sent.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(after["collateral"], preview["collateral_after"]);
    assert_eq!(after["positions"][0]["base"], preview["base_after"]);
}

#[test]
fn a_dry_run_the_program_would_refuse_names_its_error_and_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let kp = long_keypair(&dir);
    // A buy limited to 100 while SOL trades at 150.
    let out = bulwark(&[
        "trade",
        "--market",
        "sol-perp",
        "--size",
        "1",
        "--limit-price",
        "100",
        "--keypair",
        &kp,
        "--demo-state",
        "--dry-run",
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("the program would refuse this trade: Slippage (6303)"),
        "{err}"
    );
}

#[test]
fn a_withdrawal_beyond_the_collateral_is_refused_by_its_program_error() {
    let dir = tempfile::tempdir().unwrap();
    let kp = long_keypair(&dir);
    let out = bulwark(&[
        "withdraw",
        "--amount",
        "5000",
        "--keypair",
        &kp,
        "--demo-state",
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("InsufficientCollateral (6400)"), "{err}");
    // With what the error tells its user, not only its name.
    let message = bulwark::error::error_message(6_400).unwrap();
    assert!(err.contains(&message), "{err}");
}

#[test]
fn bad_arguments_exit_non_zero_naming_the_argument() {
    let dir = tempfile::tempdir().unwrap();
    let kp = long_keypair(&dir);
    for (args, names) in bad_argument_cases() {
        let mut all = args.clone();
        all.extend(["--keypair", kp.as_str(), "--demo-state"]);
        let out = bulwark(&all);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && err.contains(names),
            "{args:?}: {err}"
        );
    }
}

/// Bad arguments, each with the flag or argument its error must name.
fn bad_argument_cases() -> Vec<(Vec<&'static str>, &'static str)> {
    vec![
        (vec!["deposit", "--amount", "-3"], "--amount"),
        (
            vec![
                "withdraw",
                "--amount",
                "1",
                "--owner",
                "GyGKxMyg1p9SsHfm15MkNUu1u9TN2JtTspcdmrtGUdse",
            ],
            "--owner",
        ),
        (
            vec![
                "trade",
                "--market",
                "0",
                "--size",
                "1",
                "--limit-price",
                "1",
                "--owner",
                "x",
            ],
            "--owner",
        ),
        (vec!["deposit", "--amount", "1.0000001"], "--amount"),
        (
            vec!["deposit", "--amount", "1", "--token-account", "nope"],
            "--token-account",
        ),
        (
            vec![
                "trade",
                "--market",
                "ETH-PERP",
                "--size",
                "1",
                "--limit-price",
                "1",
            ],
            "MARKET",
        ),
        (
            vec![
                "trade",
                "--market",
                "0",
                "--size",
                "0",
                "--limit-price",
                "1",
            ],
            "--size",
        ),
        (
            vec![
                "trade",
                "--market",
                "0",
                "--size",
                "1",
                "--limit-price",
                "-1",
            ],
            "--limit-price",
        ),
    ]
}

#[test]
fn the_venue_lookup_table_is_created_with_every_venue_address() {
    let dir = tempfile::tempdir().unwrap();
    let kp = long_keypair(&dir);
    let out = ok_json(&[
        "lookup-table",
        "create",
        "--keypair",
        &kp,
        "--demo-state",
        "--json",
    ]);
    // The exchange, pool, fund, vault, event authority and token program; SOL-PERP and its
    // three sources; the collateral's two.
    assert_eq!(out["addresses"], 12, "{out}");
    assert!(out["table"].as_str().unwrap().len() >= 32);
}

#[test]
fn a_fixed_priority_fee_is_taken_and_a_malformed_one_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let kp = long_keypair(&dir);
    let after = ok_json(&[
        "deposit",
        "--amount",
        "2",
        "--priority-fee",
        "5000",
        "--keypair",
        &kp,
        "--demo-state",
        "--json",
    ]);
    assert!(units(&after["collateral"]) > 0);
    let out = bulwark(&[
        "deposit",
        "--amount",
        "2",
        "--priority-fee",
        "fast",
        "--keypair",
        &kp,
        "--demo-state",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("--priority-fee"),
        "{err}"
    );
}

#[test]
fn a_keypair_given_on_standard_input_signs_as_its_file_would() {
    use std::io::Write;
    let bytes = serde_json::to_string(&demo_owner(2).to_bytes().to_vec()).unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args([
            "deposit",
            "--amount",
            "1",
            "--keypair",
            "stdin",
            "--demo-state",
            "--json",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(bytes.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let shown: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        shown["owner"], "9hSR6S7WPtxmTojgo6GG3k4yDPecgJY292j7xrsUGWBu",
        "{shown}"
    );
}

#[test]
fn a_hardware_wallet_source_is_refused_naming_what_works() {
    let out = bulwark(&[
        "deposit",
        "--amount",
        "1",
        "--keypair",
        "usb://ledger",
        "--demo-state",
    ]);
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("hardware wallets") && said.contains("prompt://"),
        "{said}"
    );
}
