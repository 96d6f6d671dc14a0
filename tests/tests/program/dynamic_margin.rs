//! Volatility-scaled margin that cannot be gamed: it rises along its ramp through a violent
//! stretch and never above its cap (the LUNA collapse hits the cap), relaxes after calm,
//! cannot be moved by calls inside a slot or an interval, and never makes an account
//! liquidatable in the slot the volatility arrived.

use bulwark_engine::margin::HealthKind;
use bulwark_sdk::fixtures::read_price_path;
use bulwark_sdk::params::market_dynamics;
use bulwark_sdk::preview::{account_health, PreviewClock};
use bulwark_tests::*;

/// Moves the clock and publishes SOL at `sol_e8` everywhere (USDC $1), then update_risk.
async fn step(w: &mut World, sol_e8: i64, slots: u64, secs: i64) {
    w.bank.advance(slots, secs).await;
    w.publish_all(sol_e8, USD).await;
    w.update_risk().await.unwrap();
}

async fn mmr_now(w: &mut World) -> u32 {
    let slot = w.bank.clock().await.slot;
    w.bank.market(SOL_PERP).await.mmr_at(slot)
}

#[tokio::test]
async fn a_violent_stretch_raises_the_ratio_along_its_ramp_and_calm_brings_it_down() {
    let mut w = World::with_sol_market().await;
    let d = market_dynamics();
    let base = w
        .bank
        .market(SOL_PERP)
        .await
        .params
        .dynamics
        .margin
        .base_mmr_ppm;
    assert_eq!(mmr_now(&mut w).await, base);
    // ±4% every minute for 30 minutes: sigma climbs, so the target does.
    let mut seen = vec![base];
    for i in 0..30 {
        let price = if i % 2 == 0 { 156 * USD } else { 150 * USD };
        step(&mut w, price, 150, 60).await;
        let now = mmr_now(&mut w).await;
        assert!(
            now >= *seen.last().unwrap(),
            "never falls during the stretch"
        );
        assert!(now <= d.margin.max_mmr_ppm, "never above the cap");
        // At most one ramp step per slot: (max - base) / ramp_slots, rounded up.
        let step_ppm = (d.margin.max_mmr_ppm - base).div_ceil(d.margin.mmr_ramp_slots) as u64;
        assert!((now - seen.last().unwrap()) as u64 <= step_ppm * 150);
        seen.push(now);
    }
    let m = w.bank.market(SOL_PERP).await;
    eprintln!(
        "mmr through the stretch (ppm): {seen:?}; sigma {} ppm/sqrt(s), target {}",
        m.sigma_ppm, m.ramp.target_ppm
    );
    let peak = *seen.last().unwrap();
    assert!(peak > base * 2, "the ratio rose well above base: {peak}");
    // Calm: the same price for five hours, one update a minute. The one-hour EWMA lets sigma
    // decay by 59/60 a minute; once the target is below the ratio for the calm period
    // (9,000 slots) the ratio descends along the ramp.
    for _ in 0..300 {
        step(&mut w, 150 * USD, 150, 60).await;
    }
    let relaxed = mmr_now(&mut w).await;
    eprintln!(
        "after five calm hours: {relaxed} ppm (sigma {})",
        w.bank.market(SOL_PERP).await.sigma_ppm
    );
    assert!(
        relaxed < peak / 2,
        "calm brings the ratio back down: {relaxed}"
    );
}

#[tokio::test]
async fn the_luna_collapse_hits_the_cap_and_never_exceeds_it() {
    let Some(bars) = read_price_path("luna_2022-05_LUNAUSDT_binance.csv") else {
        return;
    };
    // A market whose first price is LUNA's first close (no artificial first return).
    let mut w = World::new().await;
    w.initialize_exchange().await.unwrap();
    w.create_sol_market().await.unwrap();
    w.publish_all(bars[0].close, USD).await;
    w.update_risk().await.unwrap();
    let cap = market_dynamics().margin.max_mmr_ppm;
    let mut peak = 0;
    let mut first_at_cap = None;
    // One update per 1-minute bar (every second bar: 4,340 updates), 150 slots a minute.
    for (i, bar) in bars.iter().enumerate().step_by(2) {
        step(&mut w, bar.close.max(1), 300, 120).await;
        let now = mmr_now(&mut w).await;
        assert!(now <= cap, "bar {i}: {now} above the cap {cap}");
        if now == cap && first_at_cap.is_none() {
            first_at_cap = Some(i);
        }
        peak = peak.max(now);
    }
    eprintln!(
        "LUNA: peak mmr {peak} ppm, cap {cap}, first at cap on bar {first_at_cap:?} of {}",
        bars.len()
    );
    assert_eq!(peak, cap, "the collapse drives the ratio to its cap");
}

#[tokio::test]
async fn calls_within_a_slot_or_an_interval_move_sigma_no_more_than_one_honest_update() {
    // Two identical venues: one honest keeper, one manipulator.
    let mut honest = World::with_sol_market().await;
    let mut gamer = World::with_sol_market().await;
    for w in [&mut honest, &mut gamer] {
        step(w, 150 * USD, 75, 30).await;
    }
    assert_eq!(
        honest.bank.market(SOL_PERP).await.vol.variance,
        gamer.bank.market(SOL_PERP).await.vol.variance
    );

    // The manipulator updates at chosen moments inside the next 30 s interval (spikes to 165
    // and 135), and many times within one slot with fresh publishes.
    for (price, secs) in [(165, 10), (135, 10)] {
        step(&mut gamer, price * USD, 25, secs).await;
    }
    for i in 0..10 {
        gamer.bank.advance(0, 0).await;
        gamer.publish_all((140 + i) * USD, USD).await;
        gamer.update_risk().await.unwrap();
    }
    let within = gamer.bank.market(SOL_PERP).await;
    let before = honest.bank.market(SOL_PERP).await;
    assert_eq!(
        (within.vol.variance, within.vol.anchor_price),
        (before.vol.variance, before.vol.anchor_price),
        "nothing folded inside the interval"
    );

    // Both then update once at the end of the interval at the same price.
    step(&mut honest, 152 * USD, 75, 30).await;
    step(&mut gamer, 152 * USD, 25, 10).await;
    let h = honest.bank.market(SOL_PERP).await;
    let g = gamer.bank.market(SOL_PERP).await;
    eprintln!(
        "sigma honest {} vs manipulated {} (variance {} vs {})",
        h.sigma_ppm, g.sigma_ppm, h.vol.variance, g.vol.variance
    );
    assert_eq!(g.vol.variance, h.vol.variance);
    assert_eq!(g.sigma_ppm, h.sigma_ppm);
    assert!(
        h.sigma_ppm > 0,
        "the honest update itself did register the move"
    );
}

#[tokio::test]
async fn a_jump_to_the_maximum_ratio_never_liquidates_in_the_slot_it_arrives() {
    let (mut w, _lp) = venue().await;
    let t = trader(&mut w, 1_000 * USDC).await;
    w.refresh(150 * USD).await;
    w.trade(&t, 100 * SOL, 151 * PRICE).await.unwrap();
    step(&mut w, 150 * USD, 75, 30).await;
    // SOL jumps 10% in 30 s: one fold puts the target at the cap.
    let before = w.bank.market(SOL_PERP).await;
    step(&mut w, 165 * USD, 75, 30).await;
    let m = w.bank.market(SOL_PERP).await;
    assert_eq!(m.ramp.target_ppm, market_dynamics().margin.max_mmr_ppm);
    let clock = w.bank.clock().await;
    let at = PreviewClock {
        slot: clock.slot,
        unix_timestamp: clock.unix_timestamp,
        decimals: 6,
    };
    let account = w.margin(&t.margin).await;
    let now = account_health(&account, &[m], &at, HealthKind::Maintenance).unwrap();
    assert!(before.ramp.target_ppm < m.ramp.target_ppm);
    assert_eq!(
        m.mmr_at(clock.slot),
        before.mmr_at(clock.slot),
        "the jump moves nothing in the slot it arrives"
    );
    assert!(m.mmr_at(clock.slot) < 30_000);
    assert!(now.is_healthy(), "safe before, safe in this slot: {now:?}");
    // The same account at the full ratio (after the ramp's slots) would be liquidatable: the
    // ramp is what gives it time to act.
    let later = PreviewClock {
        slot: clock.slot + market_dynamics().margin.mmr_ramp_slots as u64,
        ..at
    };
    assert_eq!(m.mmr_at(later.slot), market_dynamics().margin.max_mmr_ppm);
    let then = account_health(&account, &[m], &later, HealthKind::Maintenance).unwrap();
    assert!(
        !then.is_healthy(),
        "at the cap the position is under-margined: {then:?}"
    );
}
