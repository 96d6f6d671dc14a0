//! ADL with an insolvent pool: once the pool's value is at or below zero the profit ratio is
//! unbounded before and after a close, and the old strict-fall check compared it with itself,
//! so deleveraging could never run exactly when it is needed most. Now a close that lowers
//! the traders' profit runs, and the closed profit is cut to what the pool can pay (nothing).

use bulwark_sdk::ix;
use bulwark_testkit::world::Participant;
use bulwark_tests::*;
use solana_sdk::signature::Signer;

const W: u16 = 1;
const L: u16 = 2;

/// SOL's price after the run.
const TOP: i64 = 750;

/// A 900 USDC pool over three markets (each may reserve up to its third: 300 USDC). Market 1:
/// `winner` 1 SOL long with 100 USDC. Market 2: `loser` 1.9 SOL short with 25 USDC. SOL runs
/// 150 → 750; the loser is liquidated flat and its ~1,100 USDC deficit socialised: the pool's
/// capital goes below zero.
async fn setup() -> (World, Participant, Participant) {
    let mut w = World::with_sol_market().await;
    for i in [W, L] {
        w.create_market_like_sol(i, |a| {
            a.params.oracle.twap.twap_window_secs = 60;
            a.params.oracle.twap.twap_max_step_ppm = 200_000;
            a.params.trade.reserve_factor_ppm = 1_000_000;
        })
        .await
        .unwrap();
        w.set_open_interest_caps_directly(i, 10_000 * SOL as u64, 10_000 * SOL as u64)
            .await;
    }
    let lp = w.participant(900 * USDC).await;
    w.pool_deposit(&lp, 900 * USDC).await.unwrap();
    let winner = trader(&mut w, 100 * USDC).await;
    let loser = trader(&mut w, 25 * USDC).await;
    let keeper = w.participant(0).await;
    w.refresh(150 * USD).await;
    w.trade_in(&winner, W, SOL, 151 * PRICE).await.unwrap();
    w.trade_in(&loser, L, -19 * SOL / 10, 149 * PRICE)
        .await
        .unwrap();
    walk_prices(
        &mut w,
        &[
            200, 260, 330, 400, 480, 580, 700, TOP, TOP, TOP, TOP, TOP, TOP,
        ],
    )
    .await;
    for _ in 0..30 {
        if w.margin(&loser.margin).await.slot_of(L).is_none() {
            break;
        }
        w.refresh(TOP * USD).await;
        let ix = ix::liquidate(
            keeper.key.pubkey(),
            keeper.margin,
            loser.margin,
            L,
            u64::MAX,
            &[],
        );
        w.bank.send(&[ix], &[&keeper.key]).await.unwrap();
    }
    assert!(w.margin(&loser.margin).await.slot_of(L).is_none());
    w.bank
        .send(&[ix::resolve_bankruptcy(loser.margin, L)], &[])
        .await
        .unwrap();
    (w, winner, loser)
}

#[tokio::test]
async fn an_insolvent_pool_still_deleverages_and_haircuts_the_closed_profit() {
    let (mut w, winner, _loser) = setup().await;
    start_adl_and_drain(&mut w, winner.margin, W, TOP * USD).await;
    let capital = w.pool().await.capital;
    let m = w.bank.market(W).await;
    let pool_value = capital + m.ledgers.pnl_pending + m.ledgers.fee_pool as i64;
    assert!(pool_value <= 0, "the pool is insolvent: {pool_value}");
    let profit = m.book.trader_pnl(m.aggregate.price, 6).unwrap();
    assert!(profit > 250 * USDC as i64);

    let before = w.margin(&winner.margin).await;
    let slot = before.slot_of(W).unwrap();
    let funding = bulwark_engine::funding::funding_owed(
        before.positions[slot].base,
        before.positions[slot].funding_snapshot,
        m.funding.index,
        6,
    )
    .unwrap();
    w.bank
        .send(
            &[ix::auto_deleverage(winner.margin, W, SOL as u64 / 2)],
            &[],
        )
        .await
        .unwrap();

    // Half the position closed; the pool had nothing to pay, so the closed profit is cut to
    // zero: the winner's collateral moves only by the funding settled first, and nothing
    // leaves the pool's ledger for it.
    let after = w.margin(&winner.margin).await;
    assert_eq!(after.positions[after.slot_of(W).unwrap()].base, SOL / 2);
    assert_eq!(after.collateral, before.collateral - funding);
    let m1 = w.bank.market(W).await;
    assert_eq!(m1.ledgers.pnl_pending, m.ledgers.pnl_pending + funding);
    assert_eq!(w.pool().await.capital, capital);
    let profit_after = m1.book.trader_pnl(m1.aggregate.price, 6).unwrap();
    assert!(profit_after < profit, "{profit} -> {profit_after}");
}
