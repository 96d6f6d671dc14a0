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

/// The deployment with a second pool, `long-tail`, holding a second market priced like
/// SOL-PERP and led by it; `pools` replaces the `[[pools]]` tables.
fn with_pools(w: &World, pools: &str) -> String {
    let base = deployment(w, "");
    let sol = &base[base.find("[[markets]]").expect("a market")..];
    let second = sol
        .replace(
            "symbol = \"SOL-PERP\"",
            "symbol = \"SOL2-PERP\"\npool = \"long-tail\"",
        )
        .replace("open_interest_cap_long = 10000000000000\n", "");
    format!("{base}\n{second}\n{pools}")
}

const TWO_POOLS: &str = r#"
[[pools]]
name = "blue-chips"
[[pools]]
name = "long-tail"
withdraw_delay_secs = 7200
leaders = ["SOL-PERP"]
contagion_step_ppm = 30000
"#;

#[tokio::test]
async fn bootstrap_creates_the_pools_lists_each_market_into_its_own_and_sets_the_stress_signal() {
    let mut w = World::new().await;
    let d = parse(&with_pools(&w, TWO_POOLS), "deploy.toml").unwrap();
    let (auth, gov) = (
        w.bank.upgrade_authority.insecure_clone(),
        w.governance.insecure_clone(),
    );
    let r = apply(&client(&w), &d, &auth, &gov).await.unwrap();
    assert_eq!(
        r.created[..4],
        [
            "exchange",
            "pool 1 long-tail",
            "market 0 SOL-PERP",
            "market 1 SOL2-PERP"
        ]
    );
    assert!(
        r.created
            .iter()
            .any(|c| c == "pool 1 long-tail leader0 = 0"),
        "{r:?}"
    );
    assert_eq!(w.bank.market(1).await.pool, 1);
    let pool = w.pool_at(1).await;
    assert_eq!((pool.withdraw_delay_secs, pool.market_count), (7_200, 1));
    assert_eq!(pool.contagion.named_leaders().collect::<Vec<_>>(), [0]);
    assert_eq!(pool.contagion.step_ppm, 30_000);
    // Running it again sends nothing.
    let again = apply(&client(&w), &d, &auth, &gov).await.unwrap();
    assert!(again.created.is_empty(), "{again:?}");
    // A file that would loosen the signal is reported with the proposal, not written.
    let looser = TWO_POOLS.replace("contagion_step_ppm = 30000", "contagion_step_ppm = 10000");
    let d = parse(&with_pools(&w, &looser), "deploy.toml").unwrap();
    let r = apply(&client(&w), &d, &auth, &gov).await.unwrap();
    assert!(
        r.drift
            .iter()
            .any(|d| d.contains("pool-param --pool 1 --param contagion_step_ppm")),
        "{:?}",
        r.drift
    );
    assert_eq!(w.pool_at(1).await.contagion.step_ppm, 30_000);
}

#[tokio::test]
async fn a_malformed_pool_table_is_refused_naming_the_field() {
    let w = World::new().await;
    for (pools, names) in [
        (
            TWO_POOLS.replace("\"SOL-PERP\"", "\"BTC-PERP\""),
            "pools[1].leaders[0]",
        ),
        (
            TWO_POOLS.replace("name = \"long-tail\"", "name = \"other\""),
            "markets[1].pool",
        ),
        (
            TWO_POOLS.replace("name = \"long-tail\"", "name = \"blue-chips\""),
            "pools[1].name",
        ),
        (
            TWO_POOLS.replace(
                "name = \"blue-chips\"",
                "name = \"blue-chips\"\nwithdraw_delay_secs = 60",
            ),
            "pools[0].name",
        ),
        (
            TWO_POOLS.replace("contagion_step_ppm = 30000", "contagion_step_ppm = 300000"),
            "pools[1].contagion_step_ppm",
        ),
    ] {
        let e = parse(&with_pools(&w, &pools), "deploy.toml").unwrap_err();
        assert!(e.to_string().contains(names), "{names}: {e}");
    }
}
