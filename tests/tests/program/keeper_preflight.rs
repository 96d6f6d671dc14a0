//! Before its first cycle the keeper checks what it needs, over the JSON-RPC an operator runs
//! it against, and names what to fix: the venue on the node, a keypair that can pay fees, a
//! reward account that is a margin account.

use bulwark_keeper::preflight::{preflight, PreflightError};
use bulwark_keeper::RewardAccounts;
use bulwark_testkit::bank_rpc::{self, BankRpcControl};
use bulwark_tests::*;
use solana_sdk::signature::{Keypair, Signer};

/// The bank's JSON-RPC client.
fn client(w: &World) -> solana_rpc_client::nonblocking::rpc_client::RpcClient {
    bank_rpc::client(w.bank.banks_client(), BankRpcControl::default())
}

#[tokio::test]
async fn a_funded_keeper_with_its_margin_account_on_a_bootstrapped_venue_may_start() {
    let (w, _traders, keeper) = crash_scene().await;
    let key = keeper.key.pubkey();
    preflight(
        &client(&w),
        &key,
        &RewardAccounts::pool0(keeper.margin),
        1_000,
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn an_unfunded_keypair_or_a_missing_reward_account_is_named() {
    let (mut w, _traders, keeper) = crash_scene().await;
    let rpc = client(&w);
    let poor = Keypair::new();
    // Enough to exist (rent), too little to keep paying fees.
    w.bank.fund(&poor.pubkey(), 1_000_000).await;
    assert_eq!(
        preflight(
            &rpc,
            &poor.pubkey(),
            &RewardAccounts::pool0(keeper.margin),
            10_000_000
        )
        .await,
        Err(PreflightError::Unfunded {
            keeper: poor.pubkey(),
            have: 1_000_000,
            need: 10_000_000
        })
    );
    // A dry run (no minimum) may start with it.
    preflight(
        &rpc,
        &poor.pubkey(),
        &RewardAccounts::pool0(keeper.margin),
        0,
    )
    .await
    .unwrap();
    // Its own margin account 0 does not exist: rewards could not be credited.
    let missing = bulwark_sdk::pda::margin_account(&poor.pubkey(), 0).0;
    let e = preflight(
        &rpc,
        &keeper.key.pubkey(),
        &RewardAccounts::pool0(missing),
        0,
    )
    .await
    .unwrap_err();
    assert_eq!(
        e,
        PreflightError::RewardAccountMissing {
            pool: 0,
            key: missing
        }
    );
    assert!(e.to_string().contains("bulwark deposit"), "{e}");
    // An account that is not a margin account (the exchange) is refused the same way.
    let exchange = bulwark_sdk::pda::exchange().0;
    assert_eq!(
        preflight(
            &rpc,
            &keeper.key.pubkey(),
            &RewardAccounts::pool0(exchange),
            0
        )
        .await,
        Err(PreflightError::RewardAccountMissing {
            pool: 0,
            key: exchange
        })
    );
}
