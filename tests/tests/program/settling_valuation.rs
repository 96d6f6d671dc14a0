//! A position in a settling market is worth what settlement will pay, not the live price:
//! a loser cannot withdraw, or open risk elsewhere, on a live price that has moved its way
//! since the settlement price was fixed; after settlement it is left at exactly zero, not in
//! deficit.

use bulwark::error::BulwarkError;
use bulwark::state::ProposalAction;
use bulwark_engine::state::MarketState;
use bulwark_sdk::params::TIMELOCK_SECS;
use bulwark_sdk::{ix, pda};
use bulwark_testkit::world::Participant;
use bulwark_tests::*;
use solana_sdk::signature::Signer;

const M: u16 = 1;

/// Market 1 (fast TWAP, a 3,000 USDC pool); `holder` 1 SOL short with 500 USDC and a 1 SOL
/// long with 500, both at 150. SOL runs to 450 (the short loses ~300), market 1 goes
/// ReduceOnly and settles at its TWAP; then the live price falls back to 150.
async fn scene() -> (World, Participant, Participant) {
    let mut w = World::with_sol_market().await;
    w.create_market_like_sol(M, |a| {
        a.params.oracle.twap.twap_window_secs = 60;
        a.params.oracle.twap.twap_max_step_ppm = 200_000;
        a.params.trade.reserve_factor_ppm = 1_000_000;
    })
    .await
    .unwrap();
    for i in [SOL_PERP, M] {
        w.set_open_interest_caps_directly(i, 10_000 * SOL as u64, 10_000 * SOL as u64)
            .await;
    }
    let lp = w.participant(3_000 * USDC).await;
    w.pool_deposit(&lp, 3_000 * USDC).await.unwrap();
    let holder = trader(&mut w, 500 * USDC).await;
    let long = trader(&mut w, 500 * USDC).await;
    w.refresh(150 * USD).await;
    w.trade_in(&holder, M, -SOL, 149 * PRICE).await.unwrap();
    w.trade_in(&long, M, SOL, 151 * PRICE).await.unwrap();
    walk_prices(
        &mut w,
        &[200, 260, 330, 400, 450, 450, 450, 450, 450, 450, 450, 450],
    )
    .await;
    let g = w.guardian.insecure_clone();
    w.bank
        .send(&[ix::guardian_reduce_only(g.pubkey(), M)], &[&g])
        .await
        .unwrap();
    let gov = w.governance.insecure_clone();
    let payer = w.bank.payer().pubkey();
    let id = w.bank.exchange().await.proposal_count;
    let q = ix::queue_proposal(
        gov.pubkey(),
        payer,
        id,
        ProposalAction::Settle { market_index: M },
    );
    w.bank.send(&[q], &[&gov]).await.unwrap();
    w.bank.advance(9_000, TIMELOCK_SECS as i64).await;
    w.bank
        .send(&[ix::execute_settlement(id, M)], &[])
        .await
        .unwrap();
    assert_eq!(
        MarketState::from_u8(w.bank.market(M).await.status),
        MarketState::Settling
    );
    // The live price walks back to 150 (update_risk still runs on a settling market) and
    // stays calm long enough for SOL-PERP's velocity trip to lift.
    walk_prices(
        &mut w,
        &[
            400, 330, 260, 200, 150, 150, 150, 150, 150, 150, 150, 150, 150, 150, 150, 150,
        ],
    )
    .await;
    (w, holder, long)
}

/// The holder's equity as settlement will leave it: collateral, less the loss at the
/// settlement price, less the funding it still owes.
async fn equity_at_settlement(w: &mut World, p: &Participant) -> i64 {
    let m = w.bank.market(M).await;
    let a = w.margin(&p.margin).await;
    let s = a.positions[a.slot_of(M).unwrap()];
    let pnl = bulwark_engine::num::value_floor(s.base, m.settlement.price, 6).unwrap() - s.cost;
    let funding =
        bulwark_engine::funding::funding_owed(s.base, s.funding_snapshot, m.funding.index, 6)
            .unwrap();
    a.collateral + pnl - funding
}

#[tokio::test]
async fn a_settling_loser_withdraws_and_trades_only_on_what_settlement_leaves() {
    let (mut w, holder, long) = scene().await;
    let m = w.bank.market(M).await;
    assert!(
        m.aggregate.price < m.settlement.price / 2,
        "the live price fell away"
    );
    let equity = equity_at_settlement(&mut w, &holder).await;
    let collateral = w.margin(&holder.margin).await.collateral;
    assert!(
        equity > 100 * USDC as i64 && equity < collateral - 250 * USDC as i64,
        "settlement takes ~300 of {collateral}: {equity}"
    );

    // Withdrawing one unit more than settlement leaves is refused, and changes nothing.
    let before = Snapshot::take(&mut w.bank, &[holder.margin, pda::vault().0, holder.token]).await;
    assert_program_error(
        w.withdraw(&holder, equity as u64 + 1).await,
        BulwarkError::InitialMarginViolated,
    );
    before.assert_unchanged(&mut w.bank).await;

    // Exactly what settlement leaves can be withdrawn.
    let tokens = w.bank.token_balance(&holder.token).await;
    w.withdraw(&holder, equity as u64).await.unwrap();
    assert_eq!(
        w.bank.token_balance(&holder.token).await,
        tokens + equity as u64
    );

    // Nor can the settling loss's live-price mirage back new risk in another market.
    w.refresh(150 * USD).await;
    let before = Snapshot::take(&mut w.bank, &[holder.margin, pda::market(SOL_PERP).0]).await;
    assert_program_error(
        w.trade_in(&holder, SOL_PERP, SOL, 400 * PRICE).await,
        BulwarkError::InitialMarginViolated,
    );
    before.assert_unchanged(&mut w.bank).await;

    // Settlement leaves the holder at exactly zero: no deficit for anyone to cover.
    for p in [&holder, &long, &long] {
        if w.margin(&p.margin).await.slot_of(M).is_some() {
            w.bank
                .send(&[ix::settle_position(p.margin, M)], &[])
                .await
                .unwrap();
        }
    }
    assert_eq!(w.margin(&holder.margin).await.collateral, 0);
    assert_program_error(
        w.bank
            .send(&[ix::resolve_bankruptcy(holder.margin, M)], &[])
            .await,
        BulwarkError::NotBankrupt,
    );
    let all = [holder.margin, long.margin];
    assert_books_balance(&mut w, &all).await;
}
