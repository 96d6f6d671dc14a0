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

/// With two risk pools the keeper needs pool 0's reward account; a pool it has none in (or
/// whose named account belongs to another pool) is returned to be warned about, not refused.
#[tokio::test]
async fn a_pool_without_a_reward_account_is_named_not_refused() {
    use bulwark_testkit::two_pools::{TwoPools, LONG_TAIL};
    let mut v = TwoPools::new(1_000 * USDC).await;
    let keeper = v.trader_in(0, 0).await;
    let rpc = client(&v.w);
    let key = keeper.key.pubkey();
    let only_pool0 = RewardAccounts::pool0(keeper.margin);
    assert_eq!(
        preflight(&rpc, &key, &only_pool0, 0).await,
        Ok(vec![LONG_TAIL])
    );
    // Pool 0's account named for pool 1 does not count.
    let wrong = only_pool0.with(LONG_TAIL, keeper.margin);
    assert_eq!(preflight(&rpc, &key, &wrong, 0).await, Ok(vec![LONG_TAIL]));
    let tail = v.second_account(&keeper, LONG_TAIL, 0).await;
    let both = only_pool0.with(LONG_TAIL, tail.margin);
    assert_eq!(preflight(&client(&v.w), &key, &both, 0).await, Ok(vec![]));
}
