//! The keeper over JSON-RPC: the real RPC chain (`RpcChain`) talking to the in-process bank
//! through a JSON-RPC endpoint, so account discovery, simulation, signing, sending,
//! confirmation and error classification are the code an operator runs against a cluster.

use std::time::Duration;

use bulwark_testkit::bank_rpc::{self, BankRpcControl};
use std::sync::atomic::Ordering;

use bulwark_keeper::rpc_chain::{PriorityFee, RpcChain, RpcSettings};
use bulwark_keeper::{run_cycle, ChainError, KeeperChain};
use bulwark_sdk::ix::liquidate;
use bulwark_sdk::ix::update_risk_ix;
use bulwark_testkit::world::Participant;
use bulwark_tests::*;
use solana_sdk::signature::Signer;

fn settings(dry_run: bool) -> RpcSettings {
    RpcSettings {
        dry_run,
        backoff: Duration::from_millis(5),
        priority_fee: PriorityFee::Percentile {
            percentile: 75,
            max: 10_000,
        },
        full_scan_every: 3,
        ..RpcSettings::default()
    }
}

/// An RPC chain for `keeper` over `w`'s bank; `getProgramAccounts` sees the world's margin
/// accounts.
pub(crate) fn rpc_chain(
    w: &World,
    keeper: &Participant,
    dry_run: bool,
) -> (RpcChain, BankRpcControl) {
    let control = BankRpcControl::default();
    *control.known.lock().unwrap() = w.margin_accounts.clone();
    let client = bank_rpc::client(w.bank.banks_client(), control.clone());
    (
        RpcChain::new(client, keeper.key.insecure_clone(), settings(dry_run)),
        control,
    )
}

#[tokio::test]
async fn the_rpc_keeper_alone_brings_every_account_above_maintenance_or_flat() {
    let (mut w, traders, keeper) = crash_scene().await;
    let (mut chain, _control) = rpc_chain(&w, &keeper, false);
    let config = keeper_config(&keeper, None);
    let (mut stages, mut checks) = (0, 0);
    for _ in 0..4 {
        let r = run_cycle(&mut chain, &config).await;
        assert!(r.failures.is_empty(), "{:?}", r.failures);
        assert_eq!(r.accounts_scanned as usize, w.margin_accounts.len());
        stages += r.liquidation_stages;
        checks += r.breaker_checks;
    }
    assert!(stages >= 6, "a real cascade over RPC: {stages} stages");
    // The keeper sends the coverage check only when the engine says the flag changes: it trips
    // when the fund falls short of the floor, lifts when penalties refill it, and trips again
    // once bankruptcies drain it; never while the flag would stay as it is.
    assert!(
        (1..4).contains(&checks),
        "{checks} breaker checks in 4 cycles"
    );
    let m = w.bank.market(SOL_PERP).await;
    assert_ne!(
        m.breaker_flags & bulwark_engine::breaker::flags::INSURANCE,
        0
    );
    assert_eq!(m.state(), bulwark_engine::state::MarketState::ReduceOnly);
    assert_none_below_maintenance(&mut w, &traders).await;
    let margins: Vec<_> = traders
        .iter()
        .map(|t| t.margin)
        .chain([keeper.margin])
        .collect();
    assert_books_balance(&mut w, &margins).await;
}

#[tokio::test]
async fn a_dry_run_simulates_every_stage_and_changes_nothing() {
    let (mut w, traders, keeper) = crash_scene().await;
    let mut keys: Vec<_> = traders.iter().map(|t| t.margin).collect();
    keys.push(bulwark_sdk::pda::market(SOL_PERP).0);
    let before = Snapshot::take(&mut w.bank, &keys).await;
    let (mut chain, _control) = rpc_chain(&w, &keeper, true);
    let r = run_cycle(&mut chain, &keeper_config(&keeper, None)).await;
    assert!(r.failures.is_empty(), "{:?}", r.failures);
    assert!(r.liquidatable > 0 && r.liquidation_stages > 0, "{r:?}");
    assert_eq!(
        chain.dry_run_simulated,
        r.markets_refreshed
            + r.breaker_checks
            + r.liquidation_transactions
            + r.bankruptcies_resolved
            + r.deleverages
            + r.positions_settled
            + r.sweeps
    );
    before.assert_unchanged(&mut w.bank).await;
}

#[tokio::test]
async fn an_rpc_keeper_whose_connection_drops_mid_cycle_reports_it_and_resumes() {
    let (mut w, traders, keeper) = crash_scene().await;
    let (mut chain, control) = rpc_chain(&w, &keeper, false);
    let config = keeper_config(&keeper, None);
    // The connection drops a few calls into the cycle, for longer than one cycle's reads.
    control.drop_calls(3, 200);
    let r = run_cycle(&mut chain, &config).await;
    assert!(
        r.failures
            .iter()
            .any(|f| f.contains("connection reset by peer")),
        "{:?}",
        r.failures
    );
    assert_eq!(r.liquidation_stages, 0);
    *control.outage.lock().unwrap() = None;
    let mut stages = 0;
    for _ in 0..4 {
        let r = run_cycle(&mut chain, &config).await;
        assert!(r.failures.is_empty(), "resumed cleanly: {:?}", r.failures);
        stages += r.liquidation_stages;
    }
    assert!(stages > 0);
    assert_none_below_maintenance(&mut w, &traders).await;
}

fn calls(control: &BankRpcControl) -> usize {
    control.calls.load(Ordering::SeqCst)
}

/// SOL-PERP's `update_risk`, built in this slot and due in the next (a new price published
/// there), as the keeper builds its refreshes.
pub(crate) async fn refresh_due(
    w: &mut World,
) -> anchor_lang::solana_program::instruction::Instruction {
    let slot = w.bank.clock().await.slot;
    let ix = update_risk_ix(
        &w.bank.exchange().await,
        &w.bank.market(SOL_PERP).await,
        slot,
    );
    w.bank.advance(1, 1).await;
    w.publish_all(139 * USD, USD).await;
    ix
}

/// A liquidation naming the keeper's own account as both target and reward account: the
/// program refuses it (SelfLiquidation, 6602).
pub(crate) fn self_liquidation(
    keeper: &Participant,
) -> anchor_lang::solana_program::instruction::Instruction {
    liquidate(
        keeper.key.pubkey(),
        keeper.margin,
        keeper.margin,
        SOL_PERP,
        u64::MAX,
        &[],
    )
}

/// SOL-PERP's stored price was judged in the current slot: the refresh landed.
pub(crate) async fn assert_refresh_landed(w: &mut World) {
    let m = w.bank.market(SOL_PERP).await;
    assert_eq!(
        m.aggregate.slot,
        w.bank.clock().await.slot,
        "the refresh landed"
    );
}

#[tokio::test]
async fn a_transport_failure_before_sending_is_retried_with_backoff() {
    let (mut w, _traders, keeper) = crash_scene().await;
    let (mut chain, control) = rpc_chain(&w, &keeper, false);
    let ix = refresh_due(&mut w).await;
    // Fee lookup (call 0) and simulation (1) pass; getLatestBlockhash fails twice (2, 3) as a
    // dropped connection would; the third attempt signs and sends.
    control.drop_calls(2, 4);
    chain.send(&[ix]).await.expect("retried until sent");
    assert_eq!(control.sent_transactions.load(Ordering::SeqCst), 1);
    assert_refresh_landed(&mut w).await;
}

#[tokio::test]
async fn a_connection_lost_after_sending_is_not_sent_twice() {
    let (mut w, _traders, keeper) = crash_scene().await;
    let (mut chain, control) = rpc_chain(&w, &keeper, false);
    let ix = refresh_due(&mut w).await;
    // Fee lookup (0), simulation (1), blockhash (2) and sendTransaction (3) pass; the first
    // status poll (4) fails: the keeper asks for the signature's status and finds it landed.
    control.drop_calls(4, 5);
    chain.send(&[ix]).await.expect("landed");
    assert_eq!(
        control.sent_transactions.load(Ordering::SeqCst),
        1,
        "sent once"
    );
    assert_refresh_landed(&mut w).await;
}

#[tokio::test]
async fn a_refused_transaction_over_rpc_is_named_by_its_program_error_and_not_retried() {
    let (mut w, _traders, keeper) = crash_scene().await;
    let (mut chain, control) = rpc_chain(&w, &keeper, false);
    let before_state = Snapshot::take(&mut w.bank, &[keeper.margin]).await;
    let ix = self_liquidation(&keeper);
    let before = calls(&control);
    let e = chain.send(&[ix]).await.unwrap_err();
    assert_eq!(e, ChainError::Program { code: 6602 });
    assert_eq!(e.to_string(), "SelfLiquidation (6602)");
    // Fee lookup and one simulation; no blockhash, no send, no retry.
    assert_eq!(calls(&control), before + 2);
    before_state.assert_unchanged(&mut w.bank).await;
}
