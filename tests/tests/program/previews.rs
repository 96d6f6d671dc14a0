//! SDK previews agree with the program: the previewed execution price is the price the
//! program fills at, and the previewed maximum trade is accepted while one lot more is not.

use bulwark::error::BulwarkError;
use bulwark_engine::margin::HealthKind;
use bulwark_sdk::preview::{
    account_health, account_liquidation_price, max_trade_size, preview_execution_price,
    PreviewClock,
};
use bulwark_tests::*;

#[tokio::test]
async fn the_previewed_execution_price_is_the_fill_price() {
    let (mut w, _lp) = venue().await;
    let t = trader(&mut w, 10_000 * USDC).await;
    w.refresh(150 * USD).await;
    let m = w.bank.market(SOL_PERP).await;
    let now = w.bank.clock().await.unix_timestamp;
    let preview = preview_execution_price(&m, &Default::default(), 4 * SOL, now).unwrap();
    w.trade(&t, 4 * SOL, 151 * PRICE).await.unwrap();
    let p = w.margin(&t.margin).await.positions[0];
    // cost = value_ceil(4 SOL at the fill price): 4 x preview price, in USDC units.
    assert_eq!(p.cost as u64, (4 * preview.price).div_ceil(1_000));
}

#[tokio::test]
async fn the_previewed_maximum_trade_is_accepted_and_one_lot_more_is_refused() {
    let (mut w, _lp) = venue().await;
    let t = trader(&mut w, 1_000 * USDC).await;
    w.refresh(150 * USD).await;
    let account = w.margin(&t.margin).await;
    let market = w.bank.market(SOL_PERP).await;
    let pool = w.pool().await;
    let clock = w.bank.clock().await;
    let at = PreviewClock {
        slot: clock.slot,
        unix_timestamp: clock.unix_timestamp,
        decimals: 6,
    };
    let max = max_trade_size(&account, &[market], &pool, &at, SOL_PERP, true).unwrap();
    assert!(
        max > 100 * SOL,
        "1,000 USDC at 5% initial margin buys well over 100 SOL: {max}"
    );
    let one_more = max + market.params.trade.lot_base as i64;
    assert_program_error(
        w.trade(&t, one_more, 1_000 * PRICE).await,
        BulwarkError::InitialMarginViolated,
    );
    w.trade(&t, max, 1_000 * PRICE).await.unwrap();

    let account = w.margin(&t.margin).await;
    let market = w.bank.market(SOL_PERP).await;
    let h = account_health(&account, &[market], &at, HealthKind::Initial).unwrap();
    assert!(h.is_healthy());
    let liq = account_liquidation_price(&account, &[market], &at, SOL_PERP)
        .unwrap()
        .unwrap();
    assert!(
        liq < market.aggregate.price && liq > market.aggregate.price / 2,
        "a long at ~19x liquidates a few % lower: {liq}"
    );
}

#[tokio::test]
async fn previewed_funding_is_what_the_program_settles_and_ratios_follow_the_ramp() {
    let (mut w, _lp) = venue().await;
    let t = trader(&mut w, 10_000 * USDC).await;
    w.refresh(150 * USD).await;
    w.trade(&t, 10 * SOL, 151 * PRICE).await.unwrap();
    w.bank.advance(1_000, 3_600).await;
    w.refresh(150 * USD).await;
    let clock = w.bank.clock().await;
    let at = PreviewClock {
        slot: clock.slot,
        unix_timestamp: clock.unix_timestamp,
        decimals: 6,
    };
    let m = w.bank.market(SOL_PERP).await;
    let owed = bulwark_sdk::preview::funding_owed_now(&w.margin(&t.margin).await, &m, &at).unwrap();
    // 10 SOL long skew: 15 ppm/day for 3,601 s -> index 93_776 -> ceil(937.76) = 938 units.
    assert_eq!(m.funding.index, 93_776);
    assert_eq!(owed, 938);
    // An increase realises nothing, so the pool's ledger moves by exactly the settled funding.
    let before = w.bank.market(SOL_PERP).await.ledgers.pnl_pending;
    w.trade(&t, SOL, 151 * PRICE).await.unwrap();
    assert_eq!(
        w.bank.market(SOL_PERP).await.ledgers.pnl_pending - before,
        owed
    );

    // A 10% jump re-aims the ratio at its cap; the preview shows it now and along the ramp.
    w.bank.advance(75, 30).await;
    w.publish_all(165 * USD, USD).await;
    w.update_risk().await.unwrap();
    let clock = w.bank.clock().await;
    let at = PreviewClock {
        slot: clock.slot,
        unix_timestamp: clock.unix_timestamp,
        decimals: 6,
    };
    let m = w.bank.market(SOL_PERP).await;
    let (now, target, in_100) = bulwark_sdk::preview::margin_ratios(&m, &at, 100);
    let d = bulwark_sdk::params::market_dynamics();
    assert_eq!(target, d.margin.max_mmr_ppm);
    let step = (d.margin.max_mmr_ppm - m.params.dynamics.margin.base_mmr_ppm)
        .div_ceil(d.margin.mmr_ramp_slots);
    assert_eq!(in_100, (now + 100 * step).min(target));
}

#[tokio::test]
async fn positions_for_an_action_are_valued_as_the_program_values_them_or_refused() {
    use bulwark::state::MarginViewError;
    use bulwark_engine::action::{Action, Refusal};
    use bulwark_sdk::preview::{positions_for_action_into, positions_into};
    let (mut w, _lp) = venue().await;
    let t = trader(&mut w, 1_000 * USDC).await;
    w.refresh(150 * USD).await;
    w.trade(&t, 2 * SOL, 152 * PRICE).await.unwrap();
    let account = w.margin(&t.margin).await;
    let markets = [w.bank.market(SOL_PERP).await];
    let at = preview_clock(&mut w).await;
    let mut stored = [Default::default(); 8];
    let mut for_liquidation = [Default::default(); 8];
    let n = positions_into(&account.positions, &markets, &at, &mut stored).unwrap();
    let k = positions_for_action_into(
        &account.positions,
        &markets,
        &at,
        Action::Liquidate,
        &mut for_liquidation,
    )
    .unwrap();
    assert_eq!((n, k), (1, 1));
    assert_eq!(
        stored[0], for_liquidation[0],
        "a fresh valid aggregate: the same view"
    );
    // 200 slots without news: liquidation may not use the stored price any more (the
    // program answers PriceTooOld); the stored-price preview still shows it.
    w.bank.advance(200, 80).await;
    let late = preview_clock(&mut w).await;
    assert!(positions_into(&account.positions, &markets, &late, &mut stored).is_ok());
    assert_eq!(
        positions_for_action_into(
            &account.positions,
            &markets,
            &late,
            Action::Liquidate,
            &mut for_liquidation
        ),
        Err(MarginViewError::Refused(Refusal::TooOld))
    );
}
