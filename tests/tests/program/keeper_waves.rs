//! The keeper's transactions in flight over JSON-RPC (`RpcChain::send_wave` through the bank's
//! node): a wave is sent whole before its statuses are read together; a transaction the
//! cluster drops is rebroadcast as signed and, once its blockhash has expired, signed afresh
//! at a higher priority price, landing once; a refusal ends only its own transaction.

use std::sync::atomic::Ordering;

use bulwark_keeper::{run_cycle, ChainError, KeeperChain};
use bulwark_tests::*;
use solana_sdk::signature::Signer;

use crate::keeper_rpc::{assert_refresh_landed, refresh_due, rpc_chain, self_liquidation};

#[tokio::test]
async fn a_wave_is_sent_whole_and_confirmed_with_one_status_poll() {
    let (w, _traders, keeper) = crash_scene().await;
    let (mut chain, control) = rpc_chain(&w, &keeper, false);
    let to = solana_sdk::pubkey::Pubkey::new_unique();
    let wave: Vec<Vec<_>> = (1..=5u64)
        .map(|lamports| {
            vec![solana_system_interface::instruction::transfer(
                &keeper.key.pubkey(),
                &to,
                1_000_000 + lamports,
            )]
        })
        .collect();
    let outcomes = chain.send_wave(&wave).await;
    assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}");
    assert_eq!(control.sent_transactions.load(Ordering::SeqCst), 5);
    assert_eq!(
        control.status_polls.load(Ordering::SeqCst),
        1,
        "confirmed together"
    );
    let mut w = w;
    let got = w.bank.account(&to).await.expect("funded").lamports;
    assert_eq!(got, 5 * 1_000_000 + 15, "each landed once");
}

#[tokio::test]
async fn an_rpc_keeper_packs_accounts_into_waves_and_clears_the_cascade() {
    let (mut w, traders, keeper) = crash_scene().await;
    let (mut chain, _control) = rpc_chain(&w, &keeper, false);
    let config = keeper_config(&keeper, None);
    let (mut transactions, mut accounts) = (0, std::collections::BTreeSet::new());
    for _ in 0..3 {
        let r = run_cycle(&mut chain, &config).await;
        assert!(r.failures.is_empty(), "{:?}", r.failures);
        transactions += r.liquidation_transactions;
        accounts.extend(r.liquidated_accounts);
    }
    assert!(
        (transactions as usize) < accounts.len(),
        "{transactions} transactions for {} accounts",
        accounts.len()
    );
    assert_none_below_maintenance(&mut w, &traders).await;
}

#[tokio::test]
async fn a_dropped_transaction_is_signed_afresh_at_a_higher_price_once_expired_and_lands_once() {
    let (mut w, _traders, keeper) = crash_scene().await;
    let (mut chain, control) = rpc_chain(&w, &keeper, false);
    let ix = refresh_due(&mut w).await;
    // The cluster drops the first send, and has moved on past its blockhash by the first
    // status poll.
    control.drop_sends.store(1, Ordering::SeqCst);
    control.block_height_lead.store(1_000, Ordering::SeqCst);
    let outcomes = chain.send_wave(&[vec![ix]]).await;
    assert_eq!(outcomes, vec![Ok(())]);
    let prices = control.sent_prices.lock().unwrap().clone();
    assert_eq!(
        prices.len(),
        2,
        "dropped once, signed afresh once: {prices:?}"
    );
    assert!(prices[1] > prices[0], "the price rose: {prices:?}");
    assert_refresh_landed(&mut w).await;
}

#[tokio::test]
async fn a_transaction_dropped_until_its_retries_run_out_is_reported_not_landed() {
    let (mut w, _traders, keeper) = crash_scene().await;
    let (mut chain, control) = rpc_chain(&w, &keeper, false);
    let ix = refresh_due(&mut w).await;
    let before = w.bank.market(SOL_PERP).await.aggregate.slot;
    control.drop_sends.store(usize::MAX, Ordering::SeqCst);
    control.block_height_lead.store(1_000, Ordering::SeqCst);
    let outcomes = chain.send_wave(&[vec![ix]]).await;
    assert!(
        matches!(&outcomes[0], Err(ChainError::Transport(why)) if why.contains("not landed")),
        "{outcomes:?}"
    );
    // Signed 1 + max_retries times, never landed.
    let retries = chain.settings.max_retries as usize;
    assert_eq!(control.sent_prices.lock().unwrap().len(), 1 + retries);
    assert_eq!(w.bank.market(SOL_PERP).await.aggregate.slot, before);
}

#[tokio::test]
async fn a_refusal_in_a_wave_ends_only_its_own_transaction() {
    let (mut w, _traders, keeper) = crash_scene().await;
    let (mut chain, control) = rpc_chain(&w, &keeper, false);
    let refresh = refresh_due(&mut w).await;
    let before = Snapshot::take(&mut w.bank, &[keeper.margin]).await;
    let own = self_liquidation(&keeper);
    let outcomes = chain.send_wave(&[vec![own], vec![refresh]]).await;
    assert_eq!(outcomes[0], Err(ChainError::Program { code: 6602 }));
    assert_eq!(outcomes[1], Ok(()));
    assert_eq!(
        control.sent_transactions.load(Ordering::SeqCst),
        1,
        "only the refresh sent"
    );
    before.assert_unchanged(&mut w.bank).await;
}

#[tokio::test]
async fn a_transaction_without_any_outcome_is_given_up_after_its_lifetime() {
    let (mut w, _traders, keeper) = crash_scene().await;
    let (mut chain, control) = rpc_chain(&w, &keeper, false);
    chain.settings.max_retries = 0;
    chain.settings.signing_lifetime = std::time::Duration::from_millis(1_500);
    let ix = refresh_due(&mut w).await;
    let before = w.bank.market(SOL_PERP).await.aggregate.slot;
    // Dropped, and the chain never moves past its blockhash: no status and no expiry to see.
    control.drop_sends.store(usize::MAX, Ordering::SeqCst);
    let outcomes = chain.send_wave(&[vec![ix]]).await;
    assert!(
        matches!(&outcomes[0], Err(ChainError::Transport(why)) if why.contains("no outcome")),
        "{outcomes:?}"
    );
    assert!(
        control.sent_prices.lock().unwrap().len() >= 2,
        "rebroadcast while waiting"
    );
    assert_eq!(w.bank.market(SOL_PERP).await.aggregate.slot, before);
}

#[tokio::test]
async fn with_the_websocket_down_the_keeper_polls_and_still_clears_the_cascade() {
    let (mut w, traders, keeper) = crash_scene().await;
    let (mut chain, _control) = rpc_chain(&w, &keeper, false);
    // Nothing listens there: the watch never comes up.
    chain.watch_accounts("ws://127.0.0.1:9".into());
    let watch_live = chain
        .watch()
        .unwrap()
        .wait_live(std::time::Duration::from_millis(300));
    assert!(!watch_live.await);
    let config = keeper_config(&keeper, None);
    for _ in 0..3 {
        let r = run_cycle(&mut chain, &config).await;
        assert!(r.failures.is_empty(), "{:?}", r.failures);
    }
    assert_eq!(chain.reads.watched, 0);
    assert!(chain.reads.polls > 0, "{:?}", chain.reads);
    assert_none_below_maintenance(&mut w, &traders).await;
}

#[tokio::test]
async fn an_expired_transaction_the_program_now_refuses_is_not_signed_again() {
    let (w, _traders, keeper) = crash_scene().await;
    let (mut chain, control) = rpc_chain(&w, &keeper, false);
    // The same account opened twice: both simulate, the first is dropped, the second lands;
    // once the first's blockhash has expired its new simulation is refused (already open).
    let open = bulwark_sdk::ix::create_margin_account(keeper.key.pubkey(), 7, 0);
    control.drop_sends.store(1, Ordering::SeqCst);
    control.block_height_lead.store(1_000, Ordering::SeqCst);
    let outcomes = chain.send_wave(&[vec![open.clone()], vec![open]]).await;
    assert!(
        matches!(outcomes[0], Err(ChainError::Program { .. })),
        "{outcomes:?}"
    );
    assert_eq!(outcomes[1], Ok(()));
    assert_eq!(
        control.sent_prices.lock().unwrap().len(),
        2,
        "not signed again"
    );
}
