//! A deposit cannot dilute the LPs already in the pool. When traders' profit exceeds the
//! pool's cap, the counted liability is capped at a share of capital, so new capital lifts the
//! liability with it: a deposit priced at the old value would hand the depositor part of the
//! existing LPs' share. The deposit is credited only with what it adds to the pool's value.

use bulwark_testkit::world::Participant;
use bulwark_tests::*;

/// A 1,000 USDC pool (traders' profit capped at 50%: 500), a trader 3 SOL long from 150, SOL
/// at 450: the trader is 900 up, 500 of it counted. Returns the world and the first LP.
async fn profit_beyond_the_cap() -> (World, Participant) {
    let mut w = World::with_sol_market().await;
    w.set_open_interest_caps_directly(SOL_PERP, 10_000 * SOL as u64, 10_000 * SOL as u64)
        .await;
    let first = w.participant(1_000 * USDC).await;
    w.pool_deposit(&first, 1_000 * USDC).await.unwrap();
    let t = trader(&mut w, 10_000 * USDC).await;
    w.refresh(150 * USD).await;
    w.trade(&t, 3 * SOL, 151 * PRICE).await.unwrap();
    walk_prices(&mut w, &[200, 260, 330, 400, 450, 450, 450, 450]).await;
    (w, first)
}

/// What `lp`'s shares are worth at the pool's withdrawal value now, collateral units.
async fn withdrawal_value(w: &mut World, lp: &Participant) -> u128 {
    let value = pool_value_now(w).await.expect("pool value").min as u128;
    let shares = w.lp(lp).await.shares() as u128;
    value * shares / w.pool().await.total_shares() as u128
}

#[tokio::test]
async fn a_deposit_while_traders_profit_exceeds_the_cap_leaves_the_first_lp_whole() {
    let (mut w, first) = profit_beyond_the_cap().await;
    let value = pool_value_now(&mut w).await.unwrap();
    assert!(
        value.min < 600 * USDC,
        "the cap binds: the pool's withdrawal value is {}",
        value.min
    );
    let before = withdrawal_value(&mut w, &first).await;

    let second = w.participant(1_000 * USDC).await;
    w.pool_deposit(&second, 1_000 * USDC).await.unwrap();
    let after = withdrawal_value(&mut w, &first).await;
    assert!(
        after + 1 >= before,
        "the first LP's withdrawal value fell from {before} to {after}"
    );
    // The depositor is credited with what it added (the liability rises with the cap), not
    // with the 1,000 it paid in: its shares are worth less than that at once.
    let second_value = withdrawal_value(&mut w, &second).await;
    assert!(
        second_value < 1_000 * USDC as u128 * 9 / 10,
        "{second_value}"
    );
}
