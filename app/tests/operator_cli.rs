//! `bulwark market list|show` and `bulwark account show` on the bank-backed demo state print
//! the documented table and JSON; bad arguments exit non-zero naming the argument.

mod common;

use common::{assert_refused as refused, bulwark, ok_json as json};
use serde_json::Value;
use solana_sdk::signature::Signer;

/// The demo state's long (seed 2) and short (seed 3) owners.
fn owner(seed: u8) -> String {
    common::demo_owner(seed).pubkey().to_string()
}

fn decimal(v: &Value) -> f64 {
    v.as_str().unwrap().parse().unwrap()
}

#[test]
fn market_list_prints_a_table_and_json() {
    let out = bulwark(&["market", "list", "--demo-state"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    for col in [
        "index",
        "symbol",
        "state",
        "price",
        "long OI",
        "short OI",
        "maintenance now",
    ] {
        assert!(text.contains(col), "{col}: {text}");
    }
    assert!(
        text.contains("SOL-PERP") && text.contains("150.000000000"),
        "{text}"
    );
    assert!(
        !text.contains("Instruction:"),
        "program logs kept off stdout: {text}"
    );
    let v = json(&["market", "list", "--demo-state", "--json"]);
    let m = &v.as_array().unwrap()[0];
    assert_eq!(m["symbol"], "SOL-PERP");
    assert_eq!(m["state"], "Active");
    assert_eq!(m["long_oi"], "20.000000000");
    assert_eq!(m["short_oi"], "5.000000000");
}

#[test]
fn market_show_finds_a_market_by_symbol_or_index() {
    let by_symbol = json(&["market", "show", "sol-perp", "--demo-state", "--json"]);
    let by_index = json(&["market", "show", "0", "--demo-state", "--json"]);
    assert_eq!(by_symbol["index"], 0);
    assert_eq!(by_symbol["symbol"], by_index["symbol"]);
    assert_eq!(by_symbol["price"], "150.000000000");
    // No ADL episode yet: a deleverage now would be judged at the top, 20x.
    assert_eq!(by_symbol["adl_episode_start_slot"], 0);
    assert_eq!(by_symbol["adl_water_level_ppm"], 20_000_000);
}

#[test]
fn account_show_gives_health_positions_and_liquidation_prices() {
    let long = json(&["account", "show", &owner(2), "--demo-state", "--json"]);
    assert_eq!(long["healthy"], true);
    let p = &long["positions"][0];
    assert_eq!(p["base"], "20.000000000");
    assert!(decimal(&p["liquidation_price"]) < decimal(&p["mark_price"]));
    assert!(decimal(&long["equity"]) > decimal(&long["maintenance_requirement"]));
    let short = json(&["account", "show", &owner(3), "--demo-state", "--json"]);
    let p = &short["positions"][0];
    assert_eq!(p["base"], "-5.000000000");
    assert!(decimal(&p["liquidation_price"]) > decimal(&p["mark_price"]));
    let out = bulwark(&["account", "show", &owner(2), "--demo-state"]);
    let text = String::from_utf8_lossy(&out.stdout);
    for col in [
        "collateral",
        "equity",
        "maintenance_requirement",
        "liquidation price",
    ] {
        assert!(text.contains(col), "{col}: {text}");
    }
}

#[test]
fn bad_arguments_exit_non_zero_naming_the_argument() {
    refused(&["market", "show", "ETH-PERP", "--demo-state"], "MARKET");
    refused(&["account", "show", "not-a-key", "--demo-state"], "OWNER");
    refused(
        &["account", "show", &owner(2), "--index=-1", "--demo-state"],
        "--index",
    );
    refused(&["market", "list"], "--url");
    refused(
        &["account", "show", &owner(9), "--demo-state"],
        "margin account",
    );
}
