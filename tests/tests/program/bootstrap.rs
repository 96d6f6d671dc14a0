//! The deployment bootstrap (`bulwark_sdk::bootstrap`) over JSON-RPC against the real program:
//! it creates the exchange and markets a file describes, a second run changes nothing, a file
//! that differs from the chain is reported (never written over), and a malformed file is
//! refused naming the field.

use bulwark_sdk::bootstrap::{apply, parse};
use bulwark_testkit::bank_rpc::{self, BankRpcControl};
use bulwark_testkit::world::{Feed, PYTH_SOL_FEED, PYTH_USDC_FEED, SWITCHBOARD_SOL_FEED};
use bulwark_tests::*;
use solana_sdk::signature::Signer;

fn hex(b: &[u8; 32]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A deployment of the world's exchange and SOL-PERP, with `extra` appended to the market's
/// trading table.
fn deployment(w: &World, trading: &str) -> String {
    format!(
        r#"
[exchange]
governance = "{gov}"
guardian = "{guardian}"
collateral_mint = "{mint}"
timelock_secs = 86400

[exchange.collateral_oracle]
min_quorum = 1
[[exchange.collateral_oracle.sources]]
kind = "pyth"
account = "{pyth_usdc}"
feed_id = "{pyth_usdc_id}"
[[exchange.collateral_oracle.sources]]
kind = "chainlink"
account = "{cl_usdc}"

[[markets]]
symbol = "SOL-PERP"
open_interest_cap_long = 10000000000000
[markets.oracle]
min_quorum = 2
[[markets.oracle.sources]]
kind = "pyth"
account = "{pyth_sol}"
feed_id = "{pyth_sol_id}"
[[markets.oracle.sources]]
kind = "switchboard"
account = "{sb_sol}"
feed_id = "{sb_sol_id}"
[[markets.oracle.sources]]
kind = "chainlink"
account = "{cl_sol}"
[markets.trading]
{trading}
"#,
        gov = w.governance.pubkey(),
        guardian = w.guardian.pubkey(),
        mint = w.collateral_mint,
        pyth_usdc = w.feed(Feed::PythUsdc),
        pyth_usdc_id = hex(&PYTH_USDC_FEED),
        cl_usdc = w.feed(Feed::ChainlinkUsdc),
        pyth_sol = w.feed(Feed::PythSol),
        pyth_sol_id = hex(&PYTH_SOL_FEED),
        sb_sol = w.feed(Feed::SwitchboardSol),
        sb_sol_id = hex(&SWITCHBOARD_SOL_FEED),
        cl_sol = w.feed(Feed::ChainlinkSol),
    )
}

fn client(w: &World) -> solana_rpc_client::nonblocking::rpc_client::RpcClient {
    bank_rpc::client(w.bank.banks_client(), BankRpcControl::default())
}

#[tokio::test]
async fn bootstrap_creates_what_is_missing_and_a_second_run_changes_nothing() {
    let mut w = World::new().await;
    let d = parse(&deployment(&w, "base_mmr_ppm = 30000"), "deploy.toml").unwrap();
    let (auth, gov) = (
        w.bank.upgrade_authority.insecure_clone(),
        w.governance.insecure_clone(),
    );
    let r = apply(&client(&w), &d, &auth, &gov).await.unwrap();
    assert_eq!(r.created, vec!["exchange", "market 0 SOL-PERP"]);
    // The cap the file asks for goes through governance: reported with the proposal to queue.
    assert_eq!(r.drift.len(), 1, "{:?}", r.drift);
    assert!(
        r.drift[0].contains("open_interest_cap_long"),
        "{}",
        r.drift[0]
    );
    let m = w.bank.market(SOL_PERP).await;
    assert_eq!(m.params.dynamics.margin.base_mmr_ppm, 30_000);
    assert_eq!(w.bank.exchange().await.governance, w.governance.pubkey());

    let keys = [
        bulwark_sdk::pda::exchange().0,
        bulwark_sdk::pda::market(SOL_PERP).0,
    ];
    let before = Snapshot::take(&mut w.bank, &keys).await;
    let again = apply(&client(&w), &d, &auth, &gov).await.unwrap();
    assert!(again.created.is_empty(), "{again:?}");
    assert_eq!(again.unchanged, vec!["exchange"]);
    before.assert_unchanged(&mut w.bank).await;

    // The market it listed works: fresh prices, then update_risk.
    w.publish_all(150 * USD, USD).await;
    w.update_risk()
        .await
        .expect("the bootstrapped oracles aggregate");
}

#[tokio::test]
async fn a_file_that_differs_from_the_chain_is_reported_with_the_proposal_not_written() {
    let mut w = World::new().await;
    let (auth, gov) = (
        w.bank.upgrade_authority.insecure_clone(),
        w.governance.insecure_clone(),
    );
    let first = parse(&deployment(&w, ""), "deploy.toml").unwrap();
    apply(&client(&w), &first, &auth, &gov).await.unwrap();
    let changed = parse(&deployment(&w, "taker_fee_ppm = 900"), "deploy.toml").unwrap();
    let keys = [bulwark_sdk::pda::market(SOL_PERP).0];
    let before = Snapshot::take(&mut w.bank, &keys).await;
    let r = apply(&client(&w), &changed, &auth, &gov).await.unwrap();
    assert!(r.created.is_empty());
    assert!(
        r.drift
            .iter()
            .any(|d| d.contains("taker_fee") && d.contains("--value 900")),
        "{:?}",
        r.drift
    );
    before.assert_unchanged(&mut w.bank).await;
}

#[tokio::test]
async fn a_malformed_file_is_refused_naming_the_field() {
    let w = World::new().await;
    let good = deployment(&w, "");
    for (edit, names) in [
        (
            good.replace("min_quorum = 2", "min_quorum = 2\nquorum_size = 3"),
            "quorum_size",
        ),
        (
            good.replace(&hex(&PYTH_SOL_FEED), &"é".repeat(32)),
            "markets[0].oracle.sources[0].feed_id",
        ),
        (
            good.replace("timelock_secs = 86400", "timelock_secs = 60"),
            "exchange.timelock_secs",
        ),
        (
            good.replace(&w.guardian.pubkey().to_string(), "not-a-key"),
            "exchange.guardian",
        ),
        (
            good.replace("kind = \"switchboard\"", "kind = \"band\""),
            "markets[0].oracle.sources[1].kind",
        ),
        (
            good.replace("min_quorum = 2", "min_quorum = 4"),
            "markets[0].oracle.min_quorum",
        ),
        (
            deployment(&w, "taker_fee_ppm = 20000"),
            "markets[0].trading.taker_fee_ppm",
        ),
        (
            deployment(&w, "taker_fees = 1"),
            "markets[0].trading.taker_fees",
        ),
        (
            deployment(&w, "pool_share_ppm = 900000"),
            "markets[0]: the program would refuse this listing",
        ),
        (
            deployment(&w, "lot_base = -1"),
            "markets[0].trading.lot_base",
        ),
    ] {
        let e = parse(&edit, "deploy.toml").unwrap_err().to_string();
        assert!(e.starts_with("deploy.toml"), "{e}");
        assert!(e.contains(names), "{names}: {e}");
    }
}
