//! Events are really logged by the program on the VM it ships to: an integrator or indexer
//! decodes them from the transaction's logs with `bulwark_sdk::events::decode`, and they say
//! what the accounts say. Only the SBF build logs (natively `solana-program-test` does not
//! collect a builtin's `sol_log_data`), so this file checks in the SBF tier of the test
//! command (`BULWARK_SBF_SO` set) and only runs the scene natively.

use bulwark::events::{CollateralDeposited, Liquidated, TradeExecuted};
use bulwark_sdk::bank::runs_sbf;
use bulwark_sdk::{events, ix};
use bulwark_tests::*;
use solana_sdk::signature::Signer;

#[tokio::test]
async fn a_deposit_a_trade_and_a_liquidation_log_events_that_match_the_accounts() {
    let (mut w, _lp) = venue().await;
    let t = w.participant(1_000 * USDC).await;
    let keeper = trader(&mut w, 0).await;
    let deposit = ix::deposit(t.key.pubkey(), t.margin, t.token, 1_000 * USDC);
    let logs = w.bank.send_logged(&[deposit], &[&t.key]).await.unwrap();
    if !runs_sbf() {
        return;
    }
    let deposited: Vec<CollateralDeposited> = events::decode(&logs);
    assert_eq!(deposited.len(), 1);
    assert_eq!(deposited[0].amount, 1_000 * USDC);

    w.refresh(150 * USD).await;
    let trade = ix::trade(
        t.key.pubkey(),
        t.margin,
        SOL_PERP,
        60 * SOL,
        151 * PRICE,
        &[],
    );
    let logs = w.bank.send_logged(&[trade], &[&t.key]).await.unwrap();
    let traded: Vec<TradeExecuted> = events::decode(&logs);
    let account = w.margin(&t.margin).await;
    assert_eq!(traded.len(), 1);
    assert_eq!(traded[0].margin_account, t.margin);
    assert_eq!(traded[0].base_after, 60 * SOL);
    assert_eq!(traded[0].collateral_after, account.collateral);

    walk_prices(&mut w, &[145, 140, 138, 136, 135]).await;
    let liquidate = ix::liquidate(
        keeper.key.pubkey(),
        keeper.margin,
        t.margin,
        SOL_PERP,
        u64::MAX,
        &[],
    );
    let logs = w
        .bank
        .send_logged(&[liquidate], &[&keeper.key])
        .await
        .unwrap();
    let stages: Vec<Liquidated> = events::decode(&logs);
    let account = w.margin(&t.margin).await;
    assert_eq!(stages.len(), 1);
    assert_eq!(stages[0].margin_account, t.margin);
    assert!(stages[0].closed_base > 0);
    assert_eq!(stages[0].collateral_after, account.collateral);
    assert!(
        events::decode::<TradeExecuted>(&logs).is_empty(),
        "a liquidation logs no trade"
    );
}
