//! `auto_deleverage`: refused when the trigger does not hold, on a stale price, on a target
//! below the score threshold or on the wrong side, or when it would over-correct; allowed
//! cases lower the ratio.

use bulwark::error::BulwarkError;
use bulwark_sdk::ix;
use bulwark_testkit::world::Participant;
use bulwark_tests::*;

const M: u16 = 0;

/// Market 1 deleverages while traders' profit exceeds 10% of the pool (floor 5%); the pool has
/// 10,000 USDC; a leveraged long (30 SOL on 1,000 USDC), a low-leverage long (3 SOL on 5,000)
/// and a short (3 SOL on 1,000) open at 150.
async fn setup() -> (World, Participant, Participant, Participant) {
    let mut w = World::with_one_market(|a| {
        a.params.adl.adl_trigger_ppm = 100_000;
        a.params.adl.adl_floor_ppm = 50_000;
    })
    .await;
    w.set_open_interest_caps_directly(M, 10_000 * SOL as u64, 10_000 * SOL as u64)
        .await;
    let lp = w.participant(10_000 * USDC).await;
    w.pool_deposit(&lp, 10_000 * USDC).await.unwrap();
    let lev = trader(&mut w, 1_000 * USDC).await;
    let calm = trader(&mut w, 5_000 * USDC).await;
    let short = trader(&mut w, 1_000 * USDC).await;
    w.refresh(150 * USD).await;
    w.trade_in(&lev, M, 30 * SOL, 151 * PRICE).await.unwrap();
    w.trade_in(&calm, M, 3 * SOL, 151 * PRICE).await.unwrap();
    w.trade_in(&short, M, -3 * SOL, 149 * PRICE).await.unwrap();
    (w, lev, calm, short)
}

async fn adl(
    w: &mut World,
    p: &Participant,
    max_base: i64,
) -> Result<(), solana_program_test::BanksClientError> {
    w.bank
        .send(&[ix::auto_deleverage(p.margin, M, max_base as u64)], &[])
        .await
}

#[tokio::test]
async fn adl_refuses_without_trigger_on_stale_prices_ineligible_targets_and_over_correction() {
    let (mut w, lev, calm, short) = setup().await;
    // At 160 the longs' profit is well under 10% of the pool.
    w.bank.advance(30, 12).await;
    w.refresh(160 * USD).await;
    assert_program_error(adl(&mut w, &lev, SOL).await, BulwarkError::AdlNotTriggered);
    // SOL runs to 200 in steps: 27 SOL of net long skew is ~1,300 USDC of profit, >10% of 10,000.
    for p in [170, 180, 190, 200] {
        w.bank.advance(30, 12).await;
        w.refresh(p * USD).await;
    }
    let m = w.bank.market(M).await;
    assert!(m.book.trader_pnl(m.aggregate.price, 6).unwrap() > 1_000 * USDC as i64);
    let before = Snapshot::take(
        &mut w.bank,
        &[
            lev.margin,
            calm.margin,
            short.margin,
            bulwark_sdk::pda::market(M).0,
        ],
    )
    .await;
    // Wrong side: the short is losing.
    assert_program_error(
        adl(&mut w, &short, SOL).await,
        BulwarkError::AdlTargetNotEligible,
    );
    // Below the threshold: 3 SOL on 5,000 USDC is barely leveraged.
    assert_program_error(
        adl(&mut w, &calm, SOL).await,
        BulwarkError::AdlTargetNotEligible,
    );
    // Over-correction: closing all 30 SOL takes the ratio below the 5% floor.
    assert_program_error(
        adl(&mut w, &lev, 30 * SOL).await,
        BulwarkError::AdlOverCorrects,
    );
    before.assert_unchanged(&mut w.bank).await;
    // A stale price (beyond the freshness limit) is refused too.
    w.bank.advance(26, 10).await;
    assert_program_error(adl(&mut w, &lev, SOL).await, BulwarkError::PriceTooOld);
    before.assert_unchanged(&mut w.bank).await;
}

#[tokio::test]
async fn an_allowed_deleverage_lowers_the_ratio_without_fee_or_impact() {
    let (mut w, lev, _calm, _short) = setup().await;
    for p in [170, 180, 190, 200] {
        w.bank.advance(30, 12).await;
        w.refresh(p * USD).await;
    }
    let pool = w.pool().await.capital;
    let m = w.bank.market(M).await;
    let ratio = |m: &bulwark::state::Market| {
        let profit = m.book.trader_pnl(m.aggregate.price, 6).unwrap();
        let pool_value = pool + m.ledgers.pnl_pending + m.ledgers.fee_pool as i64;
        bulwark_engine::adl::profit_ratio_ppm(profit, pool_value)
    };
    let r0 = ratio(&m);
    let a0 = w.margin(&lev.margin).await;
    adl(&mut w, &lev, 10 * SOL).await.unwrap();
    let m1 = w.bank.market(M).await;
    let r1 = ratio(&m1);
    assert!(r1 < r0 && r1 >= 50_000, "{r0} -> {r1}");
    let a1 = w.margin(&lev.margin).await;
    assert_eq!(
        a1.positions
            .iter()
            .find(|p| p.market_index == M)
            .unwrap()
            .base,
        20 * SOL
    );
    // Closed at the aggregate with no fee and no impact: the gain equals the realised PnL
    // (value at 200 minus a third of the cost basis), less the funding settled first.
    let p0 = a0.positions.iter().find(|p| p.market_index == M).unwrap();
    let removed = bulwark_engine::num::mul_div_ceil_i64(p0.cost, 10, 30).unwrap();
    let realized = 10 * 200 * USDC as i64 - removed;
    let funding = a0.collateral + realized - a1.collateral;
    assert!(
        (0..1_000).contains(&funding),
        "only a little funding: {funding}"
    );
    assert_eq!(m1.ledgers.fee_pool, m.ledgers.fee_pool);
    assert_eq!(m1.book.impact_ledger, m.book.impact_ledger);
}
