//! Skew funding: hand-computed amounts to the smallest unit for both sides and the pool,
//! across an open-interest change in the same slot as the accrual.

use bulwark_tests::*;

#[tokio::test]
async fn funding_pays_both_sides_and_the_pool_exactly_across_an_oi_change_in_the_accrual_slot() {
    let (mut w, _lp) = venue().await;
    let long = trader(&mut w, 10_000 * USDC).await;
    let short = trader(&mut w, 10_000 * USDC).await;
    w.refresh(150 * USD).await;
    let t0 = w.bank.clock().await.unix_timestamp;
    w.trade(&long, 10 * SOL, 151 * PRICE).await.unwrap();
    w.trade(&short, -4 * SOL, 149 * PRICE).await.unwrap();
    let m = w.bank.market(SOL_PERP).await;
    assert_eq!(
        (m.book.long_oi, m.book.short_oi, m.funding.index),
        (10 * SOL as u64, 4 * SOL as u64, 0)
    );

    // One hour and one second later (1,001 slots: the stored price stays usable for
    // reductions, so the clock runs), update_risk accrues at the stored price (150):
    // skew 6 SOL = 900 USDC = 9e8 units; rate = 1000 ppm/day * 9e8 / 1e11 = 9 ppm/day;
    // index += 150e9 * 9 * 3601 / (1e6 * 86400) = 56_265.625 -> 56_265 (1e-9 USDC per SOL).
    w.bank.advance(1_000, 3_600).await;
    w.refresh(150 * USD).await;
    assert_eq!(w.bank.clock().await.unix_timestamp - t0, 3_601);
    let m = w.bank.market(SOL_PERP).await;
    assert_eq!(m.funding.rate_ppm, 9);
    assert_eq!(m.funding.index, 56_265);
    let pool_owed_before = m.ledgers.pnl_pending;

    // In the same slot the short grows by 6 SOL: it first settles, receiving
    // ceil(-4e9 * 56_265 / 1e12) = ceil(-225.06) = -225 units (rounding against it). Its
    // collateral also pays the fee (6 bps of 900 USDC = 540_000) and receives the helpful
    // impact of taking the skew from 6 SOL to 0 ((9e8)^2 / 1e14 = 8_100, all the ledger holds).
    let before = w.margin(&short.margin).await.collateral;
    w.trade(&short, -6 * SOL, 149 * PRICE).await.unwrap();
    assert_eq!(
        w.margin(&short.margin).await.collateral - before,
        225 - 540_000 + 8_100
    );
    let p = w.margin(&short.margin).await.positions[0];
    assert_eq!(p.funding_snapshot, 56_265);
    let m = w.bank.market(SOL_PERP).await;
    assert_eq!(m.funding.index, 56_265, "no time passed: no accrual");
    assert_eq!(
        m.ledgers.pnl_pending - pool_owed_before,
        -225,
        "the pool pays the short"
    );
    // Skew is now zero, so the index stops.
    w.bank.advance(1_000, 3_600).await;
    w.refresh(150 * USD).await;
    assert_eq!(w.bank.market(SOL_PERP).await.funding.index, 56_265);

    // The long settles when it next trades: ceil(10e9 * 56_265 / 1e12) = ceil(562.65) = 563.
    // It sells 1 SOL at 150 x 0.9985 = 149.775 against a cost of ceil(1502.25 / 10) = 150.225:
    // realised -0.45 USDC; fee 6 bps of 150 = 90_000; impact of skew 0 -> -1 SOL
    // ((1.5e8)^2 / 1e14 = 225).
    let pool_before = w.bank.market(SOL_PERP).await.ledgers.pnl_pending;
    let before = w.margin(&long.margin).await.collateral;
    w.trade(&long, -SOL, 0).await.unwrap();
    assert_eq!(
        w.margin(&long.margin).await.collateral - before,
        -563 - 450_000 - 90_000 - 225
    );
    let pool_after = w.bank.market(SOL_PERP).await.ledgers.pnl_pending;
    assert_eq!(
        pool_after - pool_before,
        563 + 450_000,
        "the pool receives the funding and the loss"
    );
    // Pool net: +563 - 225 = +338 units: it absorbed the imbalance.
    assert_books_balance(&mut w, &[long.margin, short.margin]).await;
}

#[tokio::test]
async fn funding_freezes_while_the_market_has_no_usable_price() {
    let (mut w, _lp) = venue().await;
    let t = trader(&mut w, 10_000 * USDC).await;
    w.refresh(150 * USD).await;
    w.trade(&t, 10 * SOL, 151 * PRICE).await.unwrap();
    // No update for 2,000 slots: the stored price is too old even for reductions.
    w.bank.advance(2_000, 800).await;
    // The collateral feeds die; SOL still publishes: update_risk stores NoPrice and accrues
    // nothing for the 800 s its old price was unusable.
    for f in [Feed::PythSol, Feed::SwitchboardSol, Feed::ChainlinkSol] {
        w.publish(f, 150 * USD).await;
    }
    w.set_feed_bytes(Feed::PythUsdc, anchor_lang::system_program::ID, vec![]);
    w.set_feed_bytes(Feed::ChainlinkUsdc, anchor_lang::system_program::ID, vec![]);
    w.update_risk().await.unwrap();
    assert_eq!(w.bank.market(SOL_PERP).await.funding.index, 0);
}
