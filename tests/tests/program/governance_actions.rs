//! Governance actions beyond parameters: an oracle source rotation switching at its
//! activation slot, lifting the guardian's ReduceOnly and the invariant pause, extending a
//! guardian pause (governance only), and the insurance-coverage breaker.

use anchor_lang::prelude::Pubkey;
use bulwark::error::BulwarkError;
use bulwark::state::ProposalAction;
use bulwark_engine::state::{pause, MarketState};
use bulwark_sdk::ix;
use bulwark_sdk::params::TIMELOCK_SECS;
use bulwark_tests::*;
use solana_sdk::signature::Signer;

async fn queue(w: &mut World, action: ProposalAction) -> u64 {
    w.queue_proposal(action).await.unwrap()
}

#[tokio::test]
async fn an_oracle_rotation_switches_sources_at_its_activation_slot() {
    let mut w = World::with_sol_market().await;
    let new_feed = Pubkey::new_unique();
    let activation = w.bank.clock().await.slot + 20_000;
    let id = queue_rotation_to(&mut w, 1, new_feed, activation).await;
    w.bank.advance(10, TIMELOCK_SECS as i64).await;
    w.bank
        .send(&[ix::execute_proposal(id, Some(SOL_PERP))], &[])
        .await
        .unwrap();
    let m = w.bank.market(SOL_PERP).await;
    assert_eq!(
        (m.pending_source_slot, m.oracle.sources[1].account),
        (activation, w.feed(Feed::SwitchboardSol))
    );

    // Before the slot the old source is still the one required.
    w.refresh(150 * USD).await;
    // At the slot: the old accounts are refused, the new ones accepted; the new source starts
    // with fresh bookkeeping.
    let (old, usdc) = at_activation_with_new_feed(&mut w, activation, new_feed).await;
    let clock = w.bank.clock().await;
    let r = w
        .bank
        .send(&[ix::update_risk(SOL_PERP, &old, &usdc)], &[])
        .await;
    assert_program_error(r, BulwarkError::WrongOracleAccount);
    let new = vec![old[0], new_feed, old[2]];
    w.bank
        .send(&[ix::update_risk(SOL_PERP, &new, &usdc)], &[])
        .await
        .unwrap();
    let m = w.bank.market(SOL_PERP).await;
    assert_eq!(m.oracle.sources[1].account, new_feed);
    assert_eq!(m.pending_source_slot, 0);
    assert_eq!(m.source_states[1].last_publish_time, clock.unix_timestamp);
    assert_eq!(m.aggregate.price, 151 * PRICE);
}

#[tokio::test]
async fn only_governance_lifts_restrictions_and_extends_pauses_through_the_timelock() {
    let mut w = World::with_sol_market().await;
    let g = w.guardian.insecure_clone();
    w.bank
        .send(&[ix::guardian_reduce_only(g.pubkey(), SOL_PERP)], &[&g])
        .await
        .unwrap();
    w.bank
        .send(
            &[ix::guardian_pause(g.pubkey(), pause::WITHDRAW, 3_600)],
            &[&g],
        )
        .await
        .unwrap();
    let lift = queue(
        &mut w,
        ProposalAction::LiftReduceOnly {
            market_index: SOL_PERP,
        },
    )
    .await;
    let until = w.bank.clock().await.unix_timestamp + 3 * 86_400;
    let extend2 = queue(&mut w, ProposalAction::ExtendPause { until }).await;
    w.bank.advance(10, TIMELOCK_SECS as i64).await;
    w.bank
        .send(&[ix::execute_proposal(lift, Some(SOL_PERP))], &[])
        .await
        .unwrap();
    w.refresh(150 * USD).await;
    assert_eq!(
        MarketState::from_u8(w.bank.market(SOL_PERP).await.status),
        MarketState::Active
    );
    w.bank
        .send(&[ix::execute_proposal(extend2, None)], &[])
        .await
        .unwrap();
    assert_eq!(w.bank.exchange().await.guardian_pause.until, until);
}

#[tokio::test]
async fn a_pause_end_that_is_no_unix_time_cannot_be_queued() {
    let mut w = World::with_sol_market().await;
    let gov = w.governance.insecure_clone();
    let payer = w.bank.payer().pubkey();
    let id = w.bank.exchange().await.proposal_count;
    let before = Snapshot::take(&mut w.bank, &[bulwark_sdk::pda::exchange().0]).await;
    // Before 1970: no unix time the pause could run until.
    let q = ix::queue_proposal(
        gov.pubkey(),
        payer,
        id,
        ProposalAction::ExtendPause { until: -1 },
    );
    assert_program_error(
        w.bank.send(&[q], &[&gov]).await,
        BulwarkError::ParameterOutOfBounds,
    );
    before.assert_unchanged(&mut w.bank).await;
    assert!(w
        .bank
        .account(&bulwark_sdk::pda::proposal(id).0)
        .await
        .is_none());
}

#[tokio::test]
async fn the_insurance_breaker_trips_below_its_floor_and_lifts_with_hysteresis() {
    let (mut w, _lp) = venue().await;
    let t = trader(&mut w, 100_000 * USDC).await;
    w.refresh(150 * USD).await;
    w.trade(&t, 100 * SOL, 151 * PRICE).await.unwrap();
    // 15,000 USDC of open interest: the floor is 1% = 150 USDC; the fund is nearly empty.
    w.bank
        .send(&[ix::check_insurance_breaker(SOL_PERP)], &[])
        .await
        .unwrap();
    assert_eq!(
        MarketState::from_u8(w.bank.market(SOL_PERP).await.status),
        MarketState::ReduceOnly
    );
    let staker = w.participant(1_000 * USDC).await;
    // 170 USDC is above the floor but below floor + 20%: still tripped.
    w.bank
        .send(
            &[ix::if_stake(
                staker.key.pubkey(),
                staker.token,
                170 * USDC,
                0,
            )],
            &[&staker.key],
        )
        .await
        .unwrap();
    w.bank
        .send(&[ix::check_insurance_breaker(SOL_PERP)], &[])
        .await
        .unwrap();
    assert_eq!(w.bank.market(SOL_PERP).await.insurance_tripped, 1);
    w.bank
        .send(
            &[ix::if_stake(
                staker.key.pubkey(),
                staker.token,
                20 * USDC,
                0,
            )],
            &[&staker.key],
        )
        .await
        .unwrap();
    w.bank
        .send(&[ix::check_insurance_breaker(SOL_PERP)], &[])
        .await
        .unwrap();
    let m = w.bank.market(SOL_PERP).await;
    assert_eq!(m.insurance_tripped, 0);
    assert_eq!(MarketState::from_u8(m.status), MarketState::Active);
}

#[tokio::test]
async fn two_rotations_valid_alone_cannot_combine_into_an_invalid_oracle_configuration() {
    let mut w = World::with_sol_market().await;
    let shared = Pubkey::new_unique();
    let activation = w.bank.clock().await.slot + 20_000;
    // Each alone is valid against today's sources; together both positions read one account.
    let a = queue_rotation_to(&mut w, 1, shared, activation).await;
    let b = queue_rotation_to(&mut w, 2, shared, activation).await;
    w.bank.advance(10, TIMELOCK_SECS as i64).await;
    w.bank
        .send(&[ix::execute_proposal(a, Some(SOL_PERP))], &[])
        .await
        .unwrap();
    let market = bulwark_sdk::pda::market(SOL_PERP).0;
    let before = Snapshot::take(&mut w.bank, &[market]).await;
    // While the first is pending, the second waits its turn (it cannot overwrite it).
    assert_program_error(
        w.bank
            .send(&[ix::execute_proposal(b, Some(SOL_PERP))], &[])
            .await,
        BulwarkError::RotationPending,
    );
    before.assert_unchanged(&mut w.bank).await;
    // Once the first has activated, the second is judged against the sources then in force.
    let (old, usdc) = at_activation_with_new_feed(&mut w, activation, shared).await;
    w.bank
        .send(
            &[ix::update_risk(SOL_PERP, &[old[0], shared, old[2]], &usdc)],
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        w.bank.market(SOL_PERP).await.oracle.sources[1].account,
        shared
    );
    let before = Snapshot::take(&mut w.bank, &[market]).await;
    assert_program_error(
        w.bank
            .send(&[ix::execute_proposal(b, Some(SOL_PERP))], &[])
            .await,
        BulwarkError::DuplicateOracleAccount,
    );
    before.assert_unchanged(&mut w.bank).await;
}
