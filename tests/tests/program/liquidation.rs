//! `liquidate`: stage sizing against the engine, the exact penalty split, escalation with its
//! cap and reset, and every refusal.

use bulwark::error::BulwarkError;
use bulwark_engine::liquidation::{penalty_ppm, stage};
use bulwark_engine::margin::{health, HealthKind};
use bulwark_engine::num::{apply_ppm_ceil, notional_ceil};
use bulwark_engine::position::apply_fill;
use bulwark_sdk::preview::{positions_with_markets, PreviewClock};
use bulwark_sdk::{ix, pda};
use bulwark_testkit::world::Participant;
use bulwark_tests::*;
use solana_sdk::signature::Signer;

/// A trader 100 SOL long from 150 with 1,000 USDC, then SOL at `drop_to`.
async fn underwater(drop_to: i64) -> (World, Participant, Participant) {
    let (mut w, _lp) = venue().await;
    let t = trader(&mut w, 1_000 * USDC).await;
    let keeper = w.participant(0).await;
    w.refresh(150 * USD).await;
    w.trade(&t, 100 * SOL, 151 * PRICE).await.unwrap();
    w.bank.advance(30, 12).await;
    w.refresh(drop_to).await;
    (w, t, keeper)
}

async fn liquidate(
    w: &mut World,
    keeper: &Participant,
    t: &Participant,
    max_base: u64,
) -> Result<(), solana_program_test::BanksClientError> {
    let ix = ix::liquidate(
        keeper.key.pubkey(),
        keeper.margin,
        t.margin,
        SOL_PERP,
        max_base,
        &[],
    );
    w.bank.send(&[ix], &[&keeper.key]).await
}

async fn at(w: &mut World) -> PreviewClock {
    let c = w.bank.clock().await;
    PreviewClock {
        slot: c.slot,
        unix_timestamp: c.unix_timestamp,
        decimals: 6,
    }
}

#[tokio::test]
async fn a_stage_restores_maintenance_plus_buffer_closing_no_more_than_needed_and_splits_the_penalty_exactly(
) {
    let (mut w, t, keeper) = underwater(144 * USD).await;
    let m = w.bank.market(SOL_PERP).await;
    let before = w.margin(&t.margin).await;
    let clock = at(&mut w).await;
    let positions = positions_with_markets(&before, &[m], &clock).unwrap();
    assert!(
        !health(before.collateral, &positions, HealthKind::Maintenance)
            .unwrap()
            .is_healthy()
    );
    let params = m.params.liquidation;
    let rate = penalty_ppm(&params, 0);
    let expected = stage(
        before.collateral,
        &positions,
        0,
        rate,
        m.params.trade.lot_base,
        u64::MAX,
        &params,
    )
    .unwrap();

    liquidate(&mut w, &keeper, &t, u64::MAX).await.unwrap();
    let after = w.margin(&t.margin).await;
    let closed = (before.positions[0].base - after.positions[0].base) as u64;
    assert_eq!(closed, expected.close);
    assert!(expected.restores);
    // At or above maintenance plus buffer now...
    let m_after = w.bank.market(SOL_PERP).await;
    let h = health(
        after.collateral,
        &positions_with_markets(&after, &[m_after], &clock).unwrap(),
        HealthKind::Maintenance,
    )
    .unwrap();
    let need = h.requirement as i64
        + apply_ppm_ceil(h.notional, params.liq_buffer_ppm as u64).unwrap() as i64;
    assert!(h.equity >= need, "{h:?} vs {need}");
    // ...and one lot less would not have been enough.
    let less = closed - m.params.trade.lot_base;
    let fill = apply_fill(positions[0].0, -(less as i64), m.aggregate.price, 6).unwrap();
    let penalty = apply_ppm_ceil(
        notional_ceil(less as i64, m.aggregate.price, 6).unwrap(),
        rate,
    )
    .unwrap();
    let mut v = positions.clone();
    v[0].0 = fill.position;
    let h_less = health(
        before.collateral + fill.realized_pnl - penalty as i64,
        &v,
        HealthKind::Maintenance,
    )
    .unwrap();
    assert!(
        h_less.equity
            < h_less.requirement as i64
                + apply_ppm_ceil(h_less.notional, params.liq_buffer_ppm as u64).unwrap() as i64
    );

    // Penalty: 0.5% of the closed notional, rounded up; half to the keeper (down), half to
    // the insurance ledger.
    let penalty = apply_ppm_ceil(
        notional_ceil(closed as i64, m.aggregate.price, 6).unwrap(),
        rate,
    )
    .unwrap();
    assert_eq!(
        w.margin(&keeper.margin).await.collateral,
        (penalty / 2) as i64
    );
    assert_eq!(
        m_after.ledgers.fee_insurance - m.ledgers.fee_insurance,
        penalty - penalty / 2
    );
    assert_eq!(
        after.liquidation.active, 0,
        "restored: the liquidation is over"
    );
    assert_books_balance(&mut w, &[t.margin, keeper.margin]).await;
}

#[tokio::test]
async fn the_penalty_escalates_on_priced_slots_to_its_cap_and_resets_on_recovery() {
    // At 142.50 the fraction cap binds: half the position does not restore maintenance, and
    // the account still has collateral to pay the penalty with.
    let (mut w, t, keeper) = underwater(14_250_000_000).await;
    liquidate(&mut w, &keeper, &t, u64::MAX).await.unwrap();
    let a = w.margin(&t.margin).await;
    assert_eq!(
        a.liquidation.active, 1,
        "half the position did not restore it"
    );
    let start = a.liquidation.start_clock;
    // 500 priced slots later the rate is 0.5% + 500 x 1 ppm = 0.55%.
    w.bank.advance(499, 100).await;
    w.refresh(14_250_000_000).await;
    let m = w.bank.market(SOL_PERP).await;
    let slot = w.bank.clock().await.slot;
    assert_eq!(m.priced_clock(slot, true) - start, 500);
    let ins_before = m.ledgers.fee_insurance;
    let keeper_before = w.margin(&keeper.margin).await.collateral;
    let base_before = w.margin(&t.margin).await.positions[0].base;
    liquidate(&mut w, &keeper, &t, u64::MAX).await.unwrap();
    let closed = base_before - w.margin(&t.margin).await.positions[0].base;
    let notional = notional_ceil(closed, m.aggregate.price, 6).unwrap();
    let penalty = apply_ppm_ceil(notional, 5_500).unwrap();
    let paid = (w.margin(&keeper.margin).await.collateral - keeper_before) as u64
        + w.bank.market(SOL_PERP).await.ledgers.fee_insurance
        - ins_before;
    assert_eq!(paid, penalty);
    // The rate is capped at 1.5% however long it runs.
    assert_eq!(penalty_ppm(&m.params.liquidation, 1_000_000), 15_000);
    // Letting it finish resets the state.
    for _ in 0..10 {
        if w.margin(&t.margin).await.liquidation.active == 0 {
            break;
        }
        liquidate(&mut w, &keeper, &t, u64::MAX).await.unwrap();
    }
    assert_eq!(w.margin(&t.margin).await.liquidation.active, 0);
    assert_books_balance(&mut w, &[t.margin, keeper.margin]).await;
}

#[tokio::test]
async fn refusals_healthy_no_price_stale_and_self_each_with_its_error() {
    let (mut w, _lp) = venue().await;
    let t = trader(&mut w, 1_000 * USDC).await;
    let keeper = w.participant(0).await;
    w.refresh(150 * USD).await;
    w.trade(&t, 10 * SOL, 151 * PRICE).await.unwrap();
    let before = Snapshot::take(
        &mut w.bank,
        &[t.margin, keeper.margin, pda::market(SOL_PERP).0],
    )
    .await;
    assert_program_error(
        liquidate(&mut w, &keeper, &t, u64::MAX).await,
        BulwarkError::NotLiquidatable,
    );
    let own = ix::liquidate(t.key.pubkey(), t.margin, t.margin, SOL_PERP, u64::MAX, &[]);
    assert_program_error(
        w.bank.send(&[own], &[&t.key]).await,
        BulwarkError::SelfLiquidation,
    );
    // A stale aggregate (older than the 150-slot liquidation limit).
    w.bank.advance(151, 60).await;
    assert_program_error(
        liquidate(&mut w, &keeper, &t, u64::MAX).await,
        BulwarkError::PriceTooOld,
    );
    before.assert_unchanged(&mut w.bank).await;
    // No price valid for liquidation: the collateral's feeds are gone, so the market halts and
    // the state table refuses every price-dependent operation.
    for f in [Feed::PythSol, Feed::SwitchboardSol, Feed::ChainlinkSol] {
        w.publish(f, 100 * USD).await;
    }
    w.set_feed_bytes(Feed::PythUsdc, anchor_lang::system_program::ID, vec![]);
    w.set_feed_bytes(Feed::ChainlinkUsdc, anchor_lang::system_program::ID, vec![]);
    w.update_risk().await.unwrap();
    let before = Snapshot::take(&mut w.bank, &[t.margin, keeper.margin]).await;
    assert_program_error(
        liquidate(&mut w, &keeper, &t, u64::MAX).await,
        BulwarkError::MarketStateForbids,
    );
    before.assert_unchanged(&mut w.bank).await;
}

#[tokio::test]
async fn escalation_freezes_while_the_price_is_unusable() {
    let (mut w, _t, _keeper) = underwater(144 * USD).await;
    let m0 = w.bank.market(SOL_PERP).await;
    // 100 slots with a usable price count...
    w.bank.advance(99, 40).await;
    w.refresh(144 * USD).await;
    let m1 = w.bank.market(SOL_PERP).await;
    assert_eq!(m1.priced_slots - m0.priced_slots, 100);
    // ...2,000 slots without any update (beyond the 1,500-slot limit for using the stored
    // price at all) do not.
    w.bank.advance(1_999, 800).await;
    w.refresh(144 * USD).await;
    let m2 = w.bank.market(SOL_PERP).await;
    assert_eq!(m2.priced_slots, m1.priced_slots);
}
