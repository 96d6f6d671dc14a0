//! States, breakers and the guardian against the real instructions: the state table row by
//! row for the states reachable today (Active, ReduceOnly, Halted), the velocity breaker at its
//! threshold and under oscillation with liquidations still running, the accounting-invariant
//! pause, and a guardian that can only tighten, whose pauses expire and are rate limited.

use anchor_spl::token::spl_token;
use bulwark::error::BulwarkError;
use bulwark_engine::state::{pause, MarketState};
use bulwark_sdk::params::{GUARDIAN_MAX_ACTIONS, MAX_PAUSE_SECS};
use bulwark_sdk::{ix, pda};
use bulwark_tests::*;
use solana_program_test::BanksClientError;
use solana_sdk::program_pack::Pack;
use solana_sdk::signature::{Keypair, Signer};

async fn state(w: &mut World) -> MarketState {
    MarketState::from_u8(w.bank.market(SOL_PERP).await.status)
}

fn code(r: &Result<(), BanksClientError>) -> Option<u32> {
    r.as_ref().err().and_then(custom_code)
}

#[tokio::test]
async fn the_state_table_row_by_row_against_the_instructions() {
    let (mut w, _lp) = venue().await;
    let long = trader(&mut w, 10_000 * USDC).await;
    let keeper = w.participant(0).await;
    w.refresh(150 * USD).await;
    w.trade(&long, 10 * SOL, 151 * PRICE).await.unwrap();
    assert_eq!(state(&mut w).await, MarketState::Active);
    let forbids: u32 = BulwarkError::MarketStateForbids.into();

    // ReduceOnly (the guardian's): increases refused, reductions and sweeps run, liquidation
    // is judged on health (this account is healthy), update_risk runs.
    let g = w.guardian.insecure_clone();
    w.bank
        .send(&[ix::guardian_reduce_only(g.pubkey(), SOL_PERP)], &[&g])
        .await
        .unwrap();
    assert_eq!(state(&mut w).await, MarketState::ReduceOnly);
    w.refresh(150 * USD).await;
    assert_eq!(code(&w.trade(&long, SOL, 151 * PRICE).await), Some(forbids));
    w.bank.advance(30, 12).await;
    w.refresh(150 * USD).await;
    w.trade(&long, -SOL, 0).await.unwrap();
    let liq = ix::liquidate(
        keeper.key.pubkey(),
        keeper.margin,
        long.margin,
        SOL_PERP,
        u64::MAX,
        &[],
    );
    let not_liquidatable: u32 = BulwarkError::NotLiquidatable.into();
    assert_eq!(
        code(
            &w.bank
                .send(std::slice::from_ref(&liq), &[&keeper.key])
                .await
        ),
        Some(not_liquidatable)
    );
    w.sweep().await.unwrap();

    // Halted (no price): nothing price-dependent runs; update_risk and sweeps do.
    w.bank.advance(1, 1).await;
    for f in [Feed::PythSol, Feed::SwitchboardSol, Feed::ChainlinkSol] {
        w.publish(f, 150 * USD).await;
    }
    w.set_feed_bytes(Feed::PythUsdc, anchor_lang::system_program::ID, vec![]);
    w.set_feed_bytes(Feed::ChainlinkUsdc, anchor_lang::system_program::ID, vec![]);
    w.update_risk().await.unwrap();
    assert_eq!(state(&mut w).await, MarketState::Halted);
    assert_eq!(code(&w.trade(&long, SOL, 151 * PRICE).await), Some(forbids));
    assert_eq!(code(&w.trade(&long, -SOL, 0).await), Some(forbids));
    assert_eq!(
        code(&w.bank.send(&[liq], &[&keeper.key]).await),
        Some(forbids)
    );
    assert_eq!(
        code(
            &w.bank
                .send(
                    &[ix::auto_deleverage(long.margin, SOL_PERP, SOL as u64)],
                    &[]
                )
                .await
        ),
        Some(forbids)
    );
    w.sweep().await.unwrap();
    // Price-free operations are not market operations: deposits still run.
    let mint = w.collateral_mint;
    w.bank.mint_to(&mint, &long.token, USDC).await;
    w.deposit(&long, USDC).await.unwrap();
    // The price returns: the market leaves Halted (the guardian's ReduceOnly stays).
    w.bank.advance(1, 1).await;
    w.publish_all(150 * USD, USD).await;
    w.update_risk().await.unwrap();
    assert_eq!(state(&mut w).await, MarketState::ReduceOnly);
}

#[tokio::test]
async fn velocity_trips_at_its_band_not_below_and_liquidations_run_during_the_trip() {
    let (mut w, _lp) = venue().await;
    let t = trader(&mut w, 1_000 * USDC).await;
    let keeper = w.participant(0).await;
    w.refresh(150 * USD).await;
    w.trade(&t, 100 * SOL, 151 * PRICE).await.unwrap();
    // 9.99% down within the window: no trip.
    w.bank.advance(5, 2).await;
    w.publish_all(135_015_000_000 / 10, USD).await;
    w.update_risk().await.unwrap();
    assert_eq!(state(&mut w).await, MarketState::Active);
    assert_eq!(w.bank.market(SOL_PERP).await.velocity.band, 0);
    // 10.00%: band 1 trips.
    w.bank.advance(5, 2).await;
    w.publish_all(135 * USD, USD).await;
    w.update_risk().await.unwrap();
    let m = w.bank.market(SOL_PERP).await;
    assert_eq!(
        (MarketState::from_u8(m.status), m.velocity.band),
        (MarketState::ReduceOnly, 1)
    );
    // The 100 SOL long is deep under water: liquidation runs in ReduceOnly.
    let liq = ix::liquidate(
        keeper.key.pubkey(),
        keeper.margin,
        t.margin,
        SOL_PERP,
        u64::MAX,
        &[],
    );
    w.bank.send(&[liq], &[&keeper.key]).await.unwrap();
    assert!(w.margin(&t.margin).await.positions[0].base < 100 * SOL);
    // Band 1 doubles the base spread.
    assert_eq!(
        m.trade_params_in_force().spread.base_spread_ppm,
        2 * m.params.trade.spread.base_spread_ppm
    );
}

#[tokio::test]
async fn oscillating_around_a_band_edge_trips_at_most_once_per_cooldown() {
    let mut w = World::with_sol_market().await;
    let mut trips = 0;
    let mut was = 0;
    for i in 0..1_000 {
        w.bank.advance(1, 1).await;
        let price = if i % 2 == 0 {
            165 * USD
        } else {
            164 * USD + 90_000_000
        };
        w.publish_all(price, USD).await;
        w.update_risk().await.unwrap();
        let band = w.bank.market(SOL_PERP).await.velocity.band;
        if band > 0 && was == 0 {
            trips += 1;
        }
        was = band;
    }
    // 1,000 s of oscillation across the 10% edge: one trip, never calm enough to lift.
    assert_eq!(trips, 1);
}

#[tokio::test]
async fn anyone_pauses_a_corrupted_exchange_and_nobody_a_healthy_one() {
    let (mut w, lp) = venue().await;
    let t = trader(&mut w, 1_000 * USDC).await;
    let count = w.bank.exchange().await.market_count;
    let refused = w.bank.send(&[ix::check_invariant(count, 1)], &[]).await;
    assert_program_error(refused, BulwarkError::InvariantHolds);
    assert_eq!(w.bank.exchange().await.invariant_pause_bits, 0);

    // Corrupt the books: the vault loses 1 unit behind the program's back.
    let vault = pda::vault().0;
    let mut acc = w.bank.account(&vault).await.unwrap();
    let mut token = spl_token::state::Account::unpack(&acc.data).unwrap();
    token.amount -= 1;
    spl_token::state::Account::pack(token, &mut acc.data).unwrap();
    w.bank.set_account(&vault, &spl_token::ID, acc.data);
    w.bank
        .send(&[ix::check_invariant(count, 1)], &[])
        .await
        .unwrap();
    assert_eq!(
        w.bank.exchange().await.invariant_pause_bits,
        pause::INVARIANT
    );
    // Value stops moving: no withdrawals, deposits, LP or insurance flows.
    assert_program_error(w.withdraw(&t, USDC).await, BulwarkError::ExchangePaused);
    assert_program_error(w.deposit(&lp, USDC).await, BulwarkError::ExchangePaused);
}

#[tokio::test]
async fn the_guardian_only_tightens_its_pauses_expire_and_its_rate_limit_holds() {
    let (mut w, _lp) = venue().await;
    let t = trader(&mut w, 1_000 * USDC).await;
    let g = w.guardian.insecure_clone();
    // Only the guardian.
    let impostor = Keypair::new();
    let r = w
        .bank
        .send(
            &[ix::guardian_pause(impostor.pubkey(), pause::WITHDRAW, 60)],
            &[&impostor],
        )
        .await;
    assert_program_error(r, BulwarkError::NotGuardian);
    // Longer than allowed, or unknown bits.
    let r = w
        .bank
        .send(
            &[ix::guardian_pause(
                g.pubkey(),
                pause::WITHDRAW,
                MAX_PAUSE_SECS + 1,
            )],
            &[&g],
        )
        .await;
    assert_program_error(r, BulwarkError::InvalidPause);
    let r = w
        .bank
        .send(&[ix::guardian_pause(g.pubkey(), 1 << 20, 60)], &[&g])
        .await;
    assert_program_error(r, BulwarkError::InvalidPause);

    w.bank
        .send(
            &[ix::guardian_pause(g.pubkey(), pause::WITHDRAW, 600)],
            &[&g],
        )
        .await
        .unwrap();
    assert_program_error(w.withdraw(&t, USDC).await, BulwarkError::ExchangePaused);
    // Another pause adds bits but cannot extend the running one.
    w.bank.advance(10, 300).await;
    w.bank
        .send(
            &[ix::guardian_pause(
                g.pubkey(),
                pause::DEPOSIT,
                MAX_PAUSE_SECS,
            )],
            &[&g],
        )
        .await
        .unwrap();
    let ex = w.bank.exchange().await;
    assert_eq!(ex.guardian_pause.bits, pause::WITHDRAW | pause::DEPOSIT);
    // It expires by itself on time.
    w.bank.advance(10, 299).await;
    assert_program_error(w.withdraw(&t, USDC).await, BulwarkError::ExchangePaused);
    w.bank.advance(1, 1).await;
    w.withdraw(&t, USDC).await.unwrap();
    // Rate limit: the window allows GUARDIAN_MAX_ACTIONS actions; two were used. (A new pause
    // waits out the last one's cool-off: as long as it lasted.)
    w.bank.advance(10, 600).await;
    for _ in 2..GUARDIAN_MAX_ACTIONS {
        w.bank
            .send(&[ix::guardian_pause(g.pubkey(), pause::STAKE, 60)], &[&g])
            .await
            .unwrap();
    }
    let r = w
        .bank
        .send(&[ix::guardian_reduce_only(g.pubkey(), SOL_PERP)], &[&g])
        .await;
    assert_program_error(r, BulwarkError::GuardianRateLimited);
}

#[tokio::test]
async fn oracle_health_and_divergence_restrict_the_market_and_a_valid_aggregate_lifts_it() {
    let mut w = World::with_sol_market().await;
    // Two of three providers stale: BelowQuorum -> ReduceOnly.
    w.bank.advance(160, 61).await;
    w.publish(Feed::ChainlinkSol, 150 * USD).await;
    w.publish(Feed::PythUsdc, USD).await;
    w.publish(Feed::ChainlinkUsdc, USD).await;
    w.update_risk().await.unwrap();
    assert_eq!(state(&mut w).await, MarketState::ReduceOnly);
    // Divergent providers (no two within 2% of each other): still ReduceOnly, for another
    // reason.
    w.bank.advance(5, 2).await;
    w.publish_all(150 * USD, USD).await;
    w.publish(Feed::ChainlinkSol, 158 * USD).await;
    w.publish(Feed::SwitchboardSol, 154 * USD).await;
    w.update_risk().await.unwrap();
    let m = w.bank.market(SOL_PERP).await;
    assert_eq!(m.breaker_flags, bulwark_engine::breaker::flags::DIVERGENCE);
    assert_eq!(state(&mut w).await, MarketState::ReduceOnly);
    // Agreement again: Active.
    w.bank.advance(5, 2).await;
    w.publish_all(150 * USD, USD).await;
    w.update_risk().await.unwrap();
    assert_eq!(state(&mut w).await, MarketState::Active);
}
