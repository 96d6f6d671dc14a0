//! `auto_deleverage` follows leverage draining: refused when the trigger does not hold, on a
//! stale price, on the wrong side, on a target not above the episode's water level (which
//! falls with slots alone from the market's maximum leverage), or when it would over-correct;
//! an allowed close stops at the level and lowers the ratio without fee or impact.

use bulwark::error::BulwarkError;
use bulwark::state::{MarginAccount, Market};
use bulwark_engine::account::DrainView;
use bulwark_sdk::ix;
use bulwark_testkit::world::Participant;
use bulwark_tests::*;

const M: u16 = 0;

/// Market 0 deleverages while traders' profit exceeds 10% of the pool (floor 5%), draining
/// from 20x to 0 over 300 slots; the pool has 10,000 USDC; a leveraged long (30 SOL on 1,000
/// USDC), a low-leverage long (3 SOL on 5,000) and a short (3 SOL on 1,000) open at 150, and
/// SOL runs to 200: 27 SOL of net long skew is ~1,300 USDC of profit, over 10% of the pool.
async fn setup() -> (World, Participant, Participant, Participant) {
    let mut w = World::with_one_market(|a| {
        a.params.adl.adl_trigger_ppm = 100_000;
        a.params.adl.adl_floor_ppm = 50_000;
        a.params.adl.adl_drain_slots = 300;
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

/// SOL runs 150 → 200 in steps, 30 slots apart.
async fn rally(w: &mut World) {
    for p in [170, 180, 190, 200] {
        w.bank.advance(30, 12).await;
        w.refresh(p * USD).await;
    }
}

async fn adl(
    w: &mut World,
    p: &Participant,
    max_base: u64,
) -> Result<(), solana_program_test::BanksClientError> {
    w.bank
        .send(&[ix::auto_deleverage(p.margin, M, max_base)], &[])
        .await
}

/// How the program sees `p`'s position for draining now.
async fn drain_view(w: &mut World, p: &Participant) -> DrainView {
    let (m, a): (Market, MarginAccount) = (w.bank.market(M).await, w.margin(&p.margin).await);
    let slot = w.bank.clock().await.slot;
    let pos = a.positions[a.slot_of(M).unwrap()];
    m.adl_drain_view(a.collateral, &pos, m.aggregate.price, slot, 6)
        .unwrap()
}

fn base(a: &MarginAccount) -> i64 {
    a.positions[a.slot_of(M).unwrap()].base
}

#[tokio::test]
async fn adl_refuses_without_trigger_on_the_wrong_side_below_the_level_and_on_stale_prices() {
    let (mut w, lev, calm, short) = setup().await;
    // At 160 the longs' profit is well under 10% of the pool.
    w.bank.advance(30, 12).await;
    w.refresh(160 * USD).await;
    assert_program_error(
        adl(&mut w, &lev, SOL as u64).await,
        BulwarkError::AdlNotTriggered,
    );
    rally(&mut w).await;
    let m = w.bank.market(M).await;
    assert!(m.book.trader_pnl(m.aggregate.price, 6).unwrap() > 1_000 * USDC as i64);
    assert_eq!(m.adl_episode.start_slot, 0, "no episode yet");
    // Wrong side: the short is losing (and starts nothing).
    assert_program_error(
        adl(&mut w, &short, SOL as u64).await,
        BulwarkError::AdlTargetNotEligible,
    );
    // The first call while triggered starts the episode: the level is at the top (20x), the
    // calm long far below it, so nothing closes.
    let calm_before = w.margin(&calm.margin).await;
    adl(&mut w, &calm, SOL as u64).await.unwrap();
    let now = w.bank.clock().await.slot;
    assert_eq!(w.bank.market(M).await.adl_episode.start_slot, now);
    assert_eq!(base(&w.margin(&calm.margin).await), base(&calm_before));
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
    // Neither long is above the level yet: a keeper cannot pick who pays.
    for p in [&calm, &lev] {
        assert_program_error(
            adl(&mut w, p, SOL as u64).await,
            BulwarkError::AdlBelowWaterLevel,
        );
    }
    before.assert_unchanged(&mut w.bank).await;
    // A stale price (beyond the freshness limit) is refused too.
    w.bank.advance(26, 10).await;
    assert_program_error(
        adl(&mut w, &lev, SOL as u64).await,
        BulwarkError::PriceTooOld,
    );
    before.assert_unchanged(&mut w.bank).await;
}

#[tokio::test]
async fn the_level_falls_with_slots_and_reaches_the_most_levered_first_only_down_to_it() {
    let (mut w, lev, calm, _short) = setup().await;
    rally(&mut w).await;
    adl(&mut w, &calm, SOL as u64).await.unwrap();
    // 270 slots on (with the refresh's one), the level is 20x × 29/300 ≈ 1.93x: the 2.4x long
    // is above it, the 0.12x long far below.
    w.bank.advance(270, 108).await;
    w.refresh(200 * USD).await;
    let (v_lev, v_calm) = (
        drain_view(&mut w, &lev).await,
        drain_view(&mut w, &calm).await,
    );
    assert_eq!(v_lev.level_ppm, 1_933_334);
    assert!(v_lev.leverage_ppm > v_lev.level_ppm && v_lev.cap_base > 0);
    assert!(v_calm.leverage_ppm < v_calm.level_ppm && v_calm.cap_base == 0);
    assert_program_error(
        adl(&mut w, &calm, SOL as u64).await,
        BulwarkError::AdlBelowWaterLevel,
    );
    // Asking for everything closes only down to the level.
    adl(&mut w, &lev, u64::MAX).await.unwrap();
    let after = w.margin(&lev.margin).await;
    // What the view promised, to the funding settled first.
    let closed = (30 * SOL - base(&after)) as u64;
    assert!(
        closed.abs_diff(v_lev.cap_base) <= v_lev.cap_base / 10_000,
        "{closed}"
    );
    let v_after = drain_view(&mut w, &lev).await;
    // At the level, to within rounding: equity is judged at the price the close uses, so the
    // close leaves it unchanged (funding settled first aside).
    let level = v_after.level_ppm;
    assert!(
        v_after.leverage_ppm.abs_diff(level) <= level / 10_000,
        "{v_after:?}"
    );
    assert_eq!(v_after.cap_base, 0);
    let before = Snapshot::take(&mut w.bank, &[lev.margin, bulwark_sdk::pda::market(M).0]).await;
    assert_program_error(
        adl(&mut w, &lev, SOL as u64).await,
        BulwarkError::AdlBelowWaterLevel,
    );
    before.assert_unchanged(&mut w.bank).await;
}

#[tokio::test]
async fn at_the_bottom_a_close_that_passes_the_floor_is_refused() {
    let (mut w, lev, _calm, _short) = setup().await;
    rally(&mut w).await;
    start_adl_and_drain(&mut w, lev.margin, M, 200 * USD).await;
    assert_eq!(drain_view(&mut w, &lev).await.level_ppm, 0);
    let before = Snapshot::take(&mut w.bank, &[lev.margin, bulwark_sdk::pda::market(M).0]).await;
    // Closing all 30 SOL takes the ratio below the 5% floor.
    assert_program_error(
        adl(&mut w, &lev, 30 * SOL as u64).await,
        BulwarkError::AdlOverCorrects,
    );
    before.assert_unchanged(&mut w.bank).await;
}

#[tokio::test]
async fn an_episode_ends_a_drain_and_a_gap_after_its_start_however_often_it_deleverages() {
    let (mut w, lev, _calm, _short) = setup().await;
    rally(&mut w).await;
    start_adl_and_drain(&mut w, lev.margin, M, 200 * USD).await;
    let start = w.bank.market(M).await.adl_episode.start_slot;
    // Small deleverages near the end keep nothing alive: at start + 300 + 150 the episode is
    // still at the bottom, one slot later the next call starts over at 20x.
    let now = w.bank.clock().await.slot;
    w.bank.advance(start + 449 - now, 50).await;
    w.refresh(200 * USD).await;
    assert_eq!(w.bank.clock().await.slot, start + 450);
    adl(&mut w, &lev, SOL as u64).await.unwrap();
    assert_eq!(w.bank.market(M).await.adl_episode.start_slot, start);
    w.refresh(200 * USD).await;
    let held = base(&w.margin(&lev.margin).await);
    adl(&mut w, &lev, SOL as u64).await.unwrap();
    let second = w.bank.market(M).await.adl_episode;
    assert_eq!(second.start_slot, start + 451);
    assert_eq!(
        base(&w.margin(&lev.margin).await),
        held,
        "nothing above the top"
    );
    assert_program_error(
        adl(&mut w, &lev, SOL as u64).await,
        BulwarkError::AdlBelowWaterLevel,
    );
}

#[tokio::test]
async fn every_account_above_the_level_is_closed_only_down_to_it() {
    let (mut w, lev, calm, _short) = setup().await;
    // A second levered long, 10 SOL on 400 USDC, with 5,000 USDC more in the pool to back it.
    let lp = w.participant(5_000 * USDC).await;
    w.pool_deposit(&lp, 5_000 * USDC).await.unwrap();
    let lev2 = trader(&mut w, 400 * USDC).await;
    w.trade_in(&lev2, M, 10 * SOL, 151 * PRICE).await.unwrap();
    rally(&mut w).await;
    adl(&mut w, &calm, SOL as u64).await.unwrap();
    // The level passes lev (~2.4x) first, then lev2 (~2.25x).
    w.bank.advance(259, 104).await;
    w.refresh(200 * USD).await;
    let (v1, v2) = (
        drain_view(&mut w, &lev).await,
        drain_view(&mut w, &lev2).await,
    );
    assert!(v2.leverage_ppm < v1.leverage_ppm, "{v1:?} {v2:?}");
    w.bank.advance(20, 8).await;
    w.refresh(200 * USD).await;
    let (v1, v2) = (
        drain_view(&mut w, &lev).await,
        drain_view(&mut w, &lev2).await,
    );
    assert!(
        v1.cap_base > 0 && v2.cap_base > 0,
        "both above: {v1:?} {v2:?}"
    );
    // The calm long is out of reach; either levered one may go first, each stops at the level.
    assert_program_error(
        adl(&mut w, &calm, SOL as u64).await,
        BulwarkError::AdlBelowWaterLevel,
    );
    for p in [&lev2, &lev] {
        adl(&mut w, p, u64::MAX).await.unwrap();
        let v = drain_view(&mut w, p).await;
        assert_eq!(v.cap_base, 0, "{v:?}");
        assert!(
            v.leverage_ppm.abs_diff(v.level_ppm) <= v.level_ppm / 10_000,
            "{v:?}"
        );
    }
}

#[tokio::test]
async fn an_allowed_deleverage_lowers_the_ratio_without_fee_or_impact() {
    let (mut w, lev, _calm, _short) = setup().await;
    rally(&mut w).await;
    start_adl_and_drain(&mut w, lev.margin, M, 200 * USD).await;
    let pool = w.pool().await.capital;
    let m = w.bank.market(M).await;
    let ratio = |m: &Market| {
        let profit = m.book.trader_pnl(m.aggregate.price, 6).unwrap();
        let pool_value = pool + m.ledgers.pnl_pending + m.ledgers.fee_pool as i64;
        bulwark_engine::adl::profit_ratio_ppm(profit, pool_value)
    };
    let r0 = ratio(&m);
    let a0 = w.margin(&lev.margin).await;
    adl(&mut w, &lev, 10 * SOL as u64).await.unwrap();
    let m1 = w.bank.market(M).await;
    let r1 = ratio(&m1);
    assert!(r1 < r0 && r1 >= 50_000, "{r0} -> {r1}");
    let a1 = w.margin(&lev.margin).await;
    assert_eq!(base(&a1), 20 * SOL);
    // Closed at the aggregate with no fee and no impact: the gain equals the realised PnL
    // (value at 200 minus a third of the cost basis), less the funding settled first.
    let p0 = a0.positions[a0.slot_of(M).unwrap()];
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

/// The keeper's pick (`bulwark_keeper::rules::adl_candidate`) over the three accounts now.
async fn keeper_pick(
    w: &mut World,
    accounts: &[&Participant],
) -> Option<(solana_sdk::pubkey::Pubkey, u64, bool)> {
    let m = w.bank.market(M).await;
    let capital = w.pool().await.capital;
    let clock = w.bank.clock().await;
    let mut held = Vec::new();
    for p in accounts {
        held.push((p.margin, w.margin(&p.margin).await));
    }
    bulwark_keeper::rules::adl_candidate(
        &m,
        held.iter().map(|(k, a)| (*k, a)),
        capital,
        clock.slot,
        clock.unix_timestamp,
        6,
    )
}

#[tokio::test]
async fn the_keeper_starts_the_episode_then_waits_for_the_level_and_drains_the_most_levered() {
    let (mut w, lev, calm, short) = setup().await;
    rally(&mut w).await;
    let all = [&short, &calm, &lev];
    // No episode: the most levered winner, only to start it (nothing closes).
    assert_eq!(
        keeper_pick(&mut w, &all).await,
        Some((lev.margin, 30 * SOL as u64, false))
    );
    adl(&mut w, &lev, 30 * SOL as u64).await.unwrap();
    assert_eq!(base(&w.margin(&lev.margin).await), 30 * SOL);
    // While nobody is above the level the keeper sends nothing.
    assert_eq!(keeper_pick(&mut w, &all).await, None);
    w.bank.advance(270, 108).await;
    w.refresh(200 * USD).await;
    let cap = drain_view(&mut w, &lev).await.cap_base;
    assert_eq!(
        keeper_pick(&mut w, &all).await,
        Some((lev.margin, cap, true))
    );
}
