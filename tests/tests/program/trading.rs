//! `trade`: execution price, fees, impact and PnL to the smallest unit; the latency rule;
//! every rejection with its code.

use bulwark::error::BulwarkError;
use bulwark_sdk::{ix, pda};
use bulwark_tests::*;

#[tokio::test]
async fn opening_a_long_pays_spread_fee_and_impact_to_the_smallest_unit() {
    let (mut w, _lp) = venue().await;
    let t = trader(&mut w, 10_000 * USDC).await;
    w.refresh(150 * USD).await;
    w.trade(&t, 10 * SOL, 151 * PRICE).await.unwrap();

    let a = w.margin(&t.margin).await;
    let p = a.positions[0];
    // Confidence 0.075 (median reading) + 150 x 0.001 (USDC's Chainlink floor) = 0.225 USDC:
    // 1500 ppm beats the 5 bps base spread. Buy at 150 x 1.0015 = 150.225.
    assert_eq!(
        (p.market_index, p.base, p.cost),
        (SOL_PERP, 10 * SOL, 1_502_250_000)
    );
    // Fee: 6 bps of 1500 USDC = 0.9 USDC. Impact: (1.5e9)^2 / 1e14 = 22_500 units.
    assert_eq!(a.collateral, (10_000 * USDC) as i64 - 900_000 - 22_500);
    let m = w.bank.market(SOL_PERP).await;
    assert_eq!(
        (
            m.ledgers.fee_pool,
            m.ledgers.fee_insurance,
            m.ledgers.fee_protocol,
            m.ledgers.dust
        ),
        (630_000, 180_000, 90_000, 0)
    );
    assert_eq!(m.book.impact_ledger, 22_500);
    assert_eq!(
        (m.book.long_oi, m.book.short_oi, m.book.long_cost),
        (10 * SOL as u64, 0, 1_502_250_000)
    );
    assert_eq!(m.ledgers.trader_flow, -922_500);
    assert_books_balance(&mut w, &[t.margin]).await;
}

#[tokio::test]
async fn closing_after_the_minimum_hold_realises_the_profit_to_the_smallest_unit() {
    let (mut w, _lp) = venue().await;
    let t = trader(&mut w, 10_000 * USDC).await;
    w.refresh(150 * USD).await;
    w.trade(&t, 10 * SOL, 151 * PRICE).await.unwrap();
    w.bank.advance(30, 12).await;
    w.refresh(160 * USD).await;
    let before = w.margin(&t.margin).await.collateral;
    w.trade(&t, -10 * SOL, 0).await.unwrap();
    let a = w.margin(&t.margin).await;
    // Sell at 160 x (1 - 0.0015) = 159.76: 1597.6 - 1502.25 = 95.35 USDC realised.
    // Fee 6 bps of 1600 = 0.96 USDC; the skew returns to zero and the impact ledger pays back
    // what it holds (22_500 units; 25_600 were due at 160).
    // Funding: 10 SOL long skew = 1500 USDC -> 15 ppm/day; over the 13 s since opening the
    // index rose 150e9 * 15 * 13 / 8.64e10 = 338 (1e-9 USDC/SOL): the long owes ceil(3.38) = 4.
    assert_eq!(a.collateral - before, 95_350_000 - 960_000 + 22_500 - 4);
    assert_eq!(a.positions[0].base, 0);
    let m = w.bank.market(SOL_PERP).await;
    assert_eq!(m.ledgers.pnl_pending, -95_350_000 + 4);
    assert_eq!(m.book.impact_ledger, 0);
    assert_eq!((m.book.long_oi, m.book.long_cost), (0, 0));
    assert_books_balance(&mut w, &[t.margin]).await;
}

#[tokio::test]
async fn a_scripted_front_run_realises_no_profit() {
    let (mut w, _lp) = venue().await;
    let t = trader(&mut w, 10_000 * USDC).await;
    // The trader knows SOL is about to print 160 and buys on the posted 150.
    w.refresh(150 * USD).await;
    let start = w.margin(&t.margin).await.collateral;
    w.trade(&t, 10 * SOL, 151 * PRICE).await.unwrap();
    // The newer price is posted in the next slot; the trader closes at once.
    w.refresh(160 * USD).await;
    w.trade(&t, -10 * SOL, 0).await.unwrap();
    let end = w.margin(&t.margin).await.collateral;
    assert!(
        end < start,
        "fees and spread lost, the 95 USDC move capped at zero: {start} -> {end}"
    );
    // Exactly the two fees and one second of funding (index +26: the long owes ceil(0.26) = 1).
    assert_eq!(
        start - end,
        900_000 + 22_500 + 960_000 - 22_500 + 1,
        "exactly the two fees and one unit of funding"
    );
    assert_books_balance(&mut w, &[t.margin]).await;
}

#[tokio::test]
async fn a_short_that_gains_is_paid_from_the_pool_and_books_balance_after_a_sweep() {
    let (mut w, lp) = venue().await;
    let t = trader(&mut w, 10_000 * USDC).await;
    w.refresh(150 * USD).await;
    w.trade(&t, -5 * SOL, 149 * PRICE).await.unwrap();
    w.bank.advance(30, 12).await;
    w.refresh(140 * USD).await;
    w.trade(&t, 5 * SOL, 141 * PRICE).await.unwrap();
    w.sweep().await.unwrap();
    let m = w.bank.market(SOL_PERP).await;
    assert_eq!(
        (
            m.ledgers.pnl_pending,
            m.ledgers.fee_pool,
            m.ledgers.fee_insurance,
            m.ledgers.fee_protocol,
            m.ledgers.dust
        ),
        (0, 0, 0, 0, 0)
    );
    assert!(w.margin(&t.margin).await.collateral > (10_000 * USDC) as i64);
    assert_books_balance(&mut w, &[t.margin, lp.margin]).await;
}

#[tokio::test]
async fn an_increase_needs_a_same_slot_aggregate_and_recent_sources() {
    let (mut w, _lp) = venue().await;
    let t = trader(&mut w, 10_000 * USDC).await;
    w.refresh(150 * USD).await;
    w.bank.advance(1, 0).await;
    let before = Snapshot::take(&mut w.bank, &[t.margin, pda::market(SOL_PERP).0]).await;
    assert_program_error(
        w.trade(&t, SOL, 151 * PRICE).await,
        BulwarkError::NotRefreshedThisSlot,
    );
    before.assert_unchanged(&mut w.bank).await;
    // Refreshed this slot, but from sources 11 s old (limit 10 s).
    w.bank.advance(1, 11).await;
    let clock = w.bank.clock().await;
    for f in Feed::ALL {
        let price = if matches!(f, Feed::PythUsdc | Feed::ChainlinkUsdc) {
            USD
        } else {
            150 * USD
        };
        w.publish_at(f, price, clock.unix_timestamp - 11, clock.slot);
    }
    w.update_risk().await.unwrap();
    let before = Snapshot::take(&mut w.bank, &[t.margin, pda::market(SOL_PERP).0]).await;
    assert_program_error(
        w.trade(&t, SOL, 151 * PRICE).await,
        BulwarkError::SourcesTooOld,
    );
    before.assert_unchanged(&mut w.bank).await;
}

#[tokio::test]
async fn order_rules_refuse_with_their_codes_and_change_nothing() {
    let (mut w, _lp) = venue().await;
    let t = trader(&mut w, 10_000 * USDC).await;
    w.refresh(150 * USD).await;
    let before = Snapshot::take(&mut w.bank, &[t.margin, pda::market(SOL_PERP).0]).await;
    let cases: [(i64, u64, BulwarkError); 6] = [
        (0, 151 * PRICE, BulwarkError::ZeroSize),
        (SOL + 1, 151 * PRICE, BulwarkError::LotSize),
        (1_000_000, 151 * PRICE, BulwarkError::MinOrderSize),
        (SOL, 151 * PRICE + 1, BulwarkError::TickSize),
        (SOL, 150 * PRICE, BulwarkError::Slippage),
        (-SOL, 150 * PRICE, BulwarkError::Slippage),
    ];
    for (delta, limit, err) in cases {
        assert_program_error(w.trade(&t, delta, limit).await, err);
    }
    before.assert_unchanged(&mut w.bank).await;
}

#[tokio::test]
async fn caps_refuse_with_their_codes() {
    let (mut w, _lp) = venue().await;
    // Market 1: max leverage 2x (its 5% initial margin alone would allow 20x).
    w.create_market_like_sol(1, |a| a.params.margin.max_leverage = 2)
        .await
        .unwrap();
    // Market 2: positions at most 1,000 USDC of notional.
    w.create_market_like_sol(2, |a| a.params.trade.max_position_notional = 1_000 * USDC)
        .await
        .unwrap();
    for i in 1..3 {
        w.set_open_interest_caps_directly(i, 10_000 * SOL as u64, 10_000 * SOL as u64)
            .await;
    }
    w.set_open_interest_caps_directly(SOL_PERP, 20 * SOL as u64, 20 * SOL as u64)
        .await;
    let t = trader(&mut w, 1_000 * USDC).await;
    let rich = trader(&mut w, 100_000 * USDC).await;
    let poor = trader(&mut w, 10 * USDC).await;
    w.refresh(150 * USD).await;
    let limit = 151 * PRICE;
    assert_program_error(
        w.trade(&rich, 21 * SOL, limit).await,
        BulwarkError::OpenInterestCap,
    );
    // 2 SOL = 300 USDC of notional needs 5% = 15 USDC of initial margin; 10 USDC is not enough.
    assert_program_error(
        w.trade(&poor, 2 * SOL, limit).await,
        BulwarkError::InitialMarginViolated,
    );
    w.trade(&poor, SOL, limit).await.unwrap();
    assert_program_error(
        w.trade_in(&t, 1, 15 * SOL, limit).await,
        BulwarkError::LeverageCapExceeded,
    );
    w.trade_in(&t, 1, 10 * SOL, limit).await.unwrap();
    assert_program_error(
        w.trade_in(&rich, 2, 7 * SOL, limit).await,
        BulwarkError::PositionNotionalCap,
    );
    w.trade_in(&rich, 2, 6 * SOL, limit).await.unwrap();
    assert_books_balance(&mut w, &[t.margin, rich.margin, poor.margin]).await;
}

#[tokio::test]
async fn the_pool_reserve_caps_open_interest() {
    let mut w = World::with_sol_market().await;
    w.set_open_interest_caps_directly(SOL_PERP, 10_000 * SOL as u64, 10_000 * SOL as u64)
        .await;
    let lp = w.participant(1_000 * USDC).await;
    w.pool_deposit(&lp, 1_000 * USDC).await.unwrap();
    let t = trader(&mut w, 10_000 * USDC).await;
    w.refresh(150 * USD).await;
    // 50% of a 1,000 USDC pool reserves 500 USDC: 3 SOL (450) fits, 4 SOL (600) does not.
    assert_program_error(
        w.trade(&t, 4 * SOL, 151 * PRICE).await,
        BulwarkError::ReserveCap,
    );
    w.trade(&t, 3 * SOL, 151 * PRICE).await.unwrap();
}

#[tokio::test]
async fn a_ninth_position_is_refused() {
    let (mut w, _lp) = venue().await;
    for i in 1..9 {
        w.create_market_like_sol(i, |_| {}).await.unwrap();
        w.set_open_interest_caps_directly(i, 10_000 * SOL as u64, 10_000 * SOL as u64)
            .await;
    }
    let t = trader(&mut w, 100_000 * USDC).await;
    w.refresh(150 * USD).await;
    for i in 0..8 {
        w.trade_in(&t, i, SOL, 151 * PRICE).await.unwrap();
    }
    assert_eq!(w.margin(&t.margin).await.open_markets().1, 8);
    assert_program_error(
        w.trade_in(&t, 8, SOL, 151 * PRICE).await,
        BulwarkError::TooManyPositions,
    );
}

#[tokio::test]
async fn the_health_check_takes_exactly_the_accounts_markets() {
    let (mut w, _lp) = venue().await;
    for i in 1..4 {
        w.create_market_like_sol(i, |_| {}).await.unwrap();
        w.set_open_interest_caps_directly(i, 10_000 * SOL as u64, 10_000 * SOL as u64)
            .await;
    }
    let t = trader(&mut w, 100_000 * USDC).await;
    w.refresh(150 * USD).await;
    w.trade_in(&t, 0, SOL, 151 * PRICE).await.unwrap();
    w.trade_in(&t, 1, SOL, 151 * PRICE).await.unwrap();
    let key = t.key.pubkey();
    let m = |i: u16| pda::market(i).0;
    let cases: [(Vec<_>, BulwarkError); 4] = [
        (vec![m(0)], BulwarkError::MissingHealthMarket),
        (vec![m(0), m(0), m(1)], BulwarkError::HealthMarketsUnsorted),
        (vec![m(1), m(0)], BulwarkError::HealthMarketsUnsorted),
        (vec![m(0), m(1), m(3)], BulwarkError::ForeignHealthMarket),
    ];
    let before = Snapshot::take(&mut w.bank, &[t.margin, m(2)]).await;
    for (markets, err) in cases {
        let trade = ix::trade(key, t.margin, 2, SOL, 151 * PRICE, &markets);
        assert_program_error(w.bank.send(&[trade], &[&t.key]).await, err);
        let withdraw = ix::withdraw(key, t.margin, t.token, USDC, &markets);
        assert_program_error(w.bank.send(&[withdraw], &[&t.key]).await, err);
    }
    before.assert_unchanged(&mut w.bank).await;
    w.trade_in(&t, 2, SOL, 151 * PRICE).await.unwrap();
}

use solana_sdk::signature::Signer;

#[tokio::test]
async fn a_trade_through_zero_flips_the_position_and_the_open_interest() {
    let (mut w, _lp) = venue().await;
    let t = trader(&mut w, 10_000 * USDC).await;
    w.refresh(150 * USD).await;
    w.trade(&t, 2 * SOL, 151 * PRICE).await.unwrap();
    w.bank.advance(30, 12).await;
    w.refresh(150 * USD).await;
    w.trade(&t, -5 * SOL, 149 * PRICE).await.unwrap();
    let p = w.margin(&t.margin).await.positions[0];
    assert_eq!(p.base, -3 * SOL);
    // Sold at 150 x (1 - 0.0015) = 149.775: the new 3 SOL short's cost is -449.325 USDC.
    assert_eq!(p.cost, -449_325_000);
    let m = w.bank.market(SOL_PERP).await;
    assert_eq!(
        (
            m.book.long_oi,
            m.book.short_oi,
            m.book.long_cost,
            m.book.short_cost
        ),
        (0, 3 * SOL as u64, 0, -449_325_000)
    );
    assert_books_balance(&mut w, &[t.margin]).await;
}
