//! A risk-increasing trade values the account's other positions at prices valid for new
//! risk: a market whose stored aggregate is stale (still inside the age a reduction may use)
//! cannot lend its old, better price to back new risk elsewhere.

use bulwark::error::BulwarkError;
use bulwark_sdk::{ix, pda};
use bulwark_testkit::world::Participant;
use bulwark_tests::*;

const M: u16 = 1;

/// SOL-PERP and market 1 share SOL's feeds; `t` holds 8 SOL long in SOL-PERP on 300 USDC,
/// opened at 150. SOL then slides to 125 in 6% steps, but only market 1 is refreshed:
/// SOL-PERP's stored aggregate still says 150 (stale, yet young enough for a reduction).
async fn setup() -> (World, Participant) {
    let (mut w, _lp) = venue().await;
    w.create_market_like_sol(M, |_| {}).await.unwrap();
    w.set_open_interest_caps_directly(M, 10_000 * SOL as u64, 10_000 * SOL as u64)
        .await;
    let t = trader(&mut w, 300 * USDC).await;
    w.refresh(150 * USD).await;
    w.trade(&t, 8 * SOL, 151 * PRICE).await.unwrap();
    let sol: Vec<_> = w.sol_sources().iter().map(|s| s.account).collect();
    let usdc: Vec<_> = w.usdc_sources().iter().map(|s| s.account).collect();
    for p in [141, 133, 125] {
        w.bank.advance(150, 301).await;
        w.publish_all(p * USD, USD).await;
        w.bank
            .send(&[ix::update_risk(M, &sol, &usdc)], &[])
            .await
            .unwrap();
    }
    (w, t)
}

#[tokio::test]
async fn stale_equity_in_one_market_cannot_back_new_risk_in_another() {
    let (mut w, t) = setup().await;
    let stale = w.bank.market(SOL_PERP).await;
    assert_eq!(
        stale.aggregate.price,
        150 * PRICE,
        "SOL-PERP still holds the old aggregate"
    );
    let keys = [t.margin, pda::market(SOL_PERP).0, pda::market(M).0];

    // 2 SOL long in market 1 (a generous limit: increases pay the worse of price and TWAP):
    // the stale 150 would count ~200 USDC of losses as nothing. Refused: SOL-PERP's price is not valid for new risk.
    let before = Snapshot::take(&mut w.bank, &keys).await;
    assert_program_error(
        w.trade_in(&t, M, 2 * SOL, 160 * PRICE).await,
        BulwarkError::PriceUnavailable,
    );
    before.assert_unchanged(&mut w.bank).await;

    // With both markets refreshed at 125 (calm long enough for SOL-PERP's TWAP to follow,
    // so its price is valid for new risk), the real equity (~100 USDC, already below its initial requirement) cannot carry it.
    for _ in 0..15 {
        w.bank.advance(30, 60).await;
        w.refresh(125 * USD).await;
    }
    let before = Snapshot::take(&mut w.bank, &keys).await;
    assert_program_error(
        w.trade_in(&t, M, 2 * SOL, 160 * PRICE).await,
        BulwarkError::InitialMarginViolated,
    );
    before.assert_unchanged(&mut w.bank).await;
}
