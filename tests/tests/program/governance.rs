//! Governance: tightening at once, loosening only through the timelock (executable by anyone
//! after it, refused after expiry), step limits that chained changes cannot beat, bounds,
//! cancellation, the timelock changing only through itself, two-step role transfers, protocol
//! fees, and a non-governance signer refused everywhere.

use bulwark::error::BulwarkError;
use bulwark::state::{ProposalAction, Role};
use bulwark_engine::governance::MarketParam;
use bulwark_sdk::params::{GRACE_SECS, TIMELOCK_SECS};
use bulwark_sdk::{ix, pda};
use bulwark_tests::*;
use solana_sdk::signature::{Keypair, Signer};

async fn queue(
    w: &mut World,
    param: MarketParam,
    value: u64,
) -> Result<u64, solana_program_test::BanksClientError> {
    w.queue_proposal(ProposalAction::MarketParam {
        market_index: SOL_PERP,
        param,
        value,
    })
    .await
}

async fn execute(w: &mut World, id: u64) -> Result<(), solana_program_test::BanksClientError> {
    w.bank
        .send(&[ix::execute_proposal(id, Some(SOL_PERP))], &[])
        .await
}

#[tokio::test]
async fn tightening_applies_at_once_and_loosening_must_queue() {
    let mut w = World::with_sol_market().await;
    let gov = w.governance.insecure_clone();
    let mmr = w
        .bank
        .market(SOL_PERP)
        .await
        .params
        .value(MarketParam::BaseMmr);
    w.bank
        .send(
            &[ix::set_market_param(
                gov.pubkey(),
                SOL_PERP,
                MarketParam::BaseMmr,
                mmr + 5_000,
            )],
            &[&gov],
        )
        .await
        .unwrap();
    assert_eq!(
        w.bank
            .market(SOL_PERP)
            .await
            .params
            .value(MarketParam::BaseMmr),
        mmr + 5_000
    );
    let r = w
        .bank
        .send(
            &[ix::set_market_param(
                gov.pubkey(),
                SOL_PERP,
                MarketParam::BaseMmr,
                mmr,
            )],
            &[&gov],
        )
        .await;
    assert_program_error(r, BulwarkError::MustQueue);
    // Raising open-interest caps is loosening: queued.
    let r = w
        .bank
        .send(
            &[ix::set_market_param(
                gov.pubkey(),
                SOL_PERP,
                MarketParam::OpenInterestCapLong,
                1,
            )],
            &[&gov],
        )
        .await;
    assert_program_error(r, BulwarkError::MustQueue);
}

#[tokio::test]
async fn a_queued_change_waits_for_the_timelock_runs_for_anyone_then_expires() {
    let mut w = World::with_sol_market().await;
    let cap = 1_000 * SOL as u64;
    let id = queue(&mut w, MarketParam::OpenInterestCapLong, cap)
        .await
        .unwrap();
    let before = Snapshot::take(&mut w.bank, &[pda::market(SOL_PERP).0, pda::proposal(id).0]).await;
    assert_program_error(execute(&mut w, id).await, BulwarkError::TimelockNotElapsed);
    w.bank.advance(10, TIMELOCK_SECS as i64 - 1).await;
    assert_program_error(execute(&mut w, id).await, BulwarkError::TimelockNotElapsed);
    before.assert_unchanged(&mut w.bank).await;
    w.bank.advance(1, 1).await;
    execute(&mut w, id).await.unwrap();
    assert_eq!(
        w.bank
            .market(SOL_PERP)
            .await
            .params
            .value(MarketParam::OpenInterestCapLong),
        cap
    );
    assert_program_error(execute(&mut w, id).await, BulwarkError::ProposalNotQueued);

    // Another one left past its grace period expires.
    let id = queue(&mut w, MarketParam::OpenInterestCapShort, cap)
        .await
        .unwrap();
    w.bank
        .advance(10, (TIMELOCK_SECS + GRACE_SECS) as i64)
        .await;
    assert_program_error(execute(&mut w, id).await, BulwarkError::ProposalExpired);
    assert_eq!(
        w.bank
            .market(SOL_PERP)
            .await
            .params
            .value(MarketParam::OpenInterestCapShort),
        0
    );
}

#[tokio::test]
async fn chained_changes_in_one_window_cannot_beat_the_step_and_bounds_hold() {
    let mut w = World::with_sol_market().await;
    let mmr = w
        .bank
        .market(SOL_PERP)
        .await
        .params
        .value(MarketParam::MaxMmr);
    // Each lowers the maintenance ceiling by 30% of the window's starting value; together
    // 60% > 50%.
    let a = queue(&mut w, MarketParam::MaxMmr, mmr * 7 / 10)
        .await
        .unwrap();
    let b = queue(&mut w, MarketParam::MaxMmr, mmr * 4 / 10)
        .await
        .unwrap();
    w.bank.advance(10, TIMELOCK_SECS as i64).await;
    execute(&mut w, a).await.unwrap();
    assert_program_error(execute(&mut w, b).await, BulwarkError::StepLimitExceeded);
    // Out of bounds at queue time.
    let oob = queue(&mut w, MarketParam::BaseMmr, 1).await;
    assert_program_error(oob, BulwarkError::ParameterOutOfBounds);
}

#[tokio::test]
async fn cancelled_changes_never_execute_and_the_timelock_changes_only_through_itself() {
    let mut w = World::with_sol_market().await;
    let id = queue(&mut w, MarketParam::OpenInterestCapLong, SOL as u64)
        .await
        .unwrap();
    let g = w.guardian.insecure_clone();
    w.bank
        .send(&[ix::cancel_proposal(g.pubkey(), id)], &[&g])
        .await
        .unwrap();
    w.bank.advance(10, TIMELOCK_SECS as i64).await;
    assert_program_error(execute(&mut w, id).await, BulwarkError::ProposalNotQueued);
    let stranger = Keypair::new();
    w.bank.fund(&stranger.pubkey(), 1_000_000_000).await;
    let id2 = queue(&mut w, MarketParam::OpenInterestCapLong, SOL as u64)
        .await
        .unwrap();
    let r = w
        .bank
        .send(&[ix::cancel_proposal(stranger.pubkey(), id2)], &[&stranger])
        .await;
    assert_program_error(r, BulwarkError::NotGovernanceOrGuardian);

    // The timelock: queued like any loosening change.
    let gov = w.governance.insecure_clone();
    let payer = w.bank.payer().pubkey();
    let id = w.bank.exchange().await.proposal_count;
    w.bank
        .send(
            &[ix::queue_proposal(
                gov.pubkey(),
                payer,
                id,
                ProposalAction::Timelock { secs: 3_600 },
            )],
            &[&gov],
        )
        .await
        .unwrap();
    assert_eq!(w.bank.exchange().await.timelock_secs, TIMELOCK_SECS);
    w.bank.advance(10, TIMELOCK_SECS as i64).await;
    w.bank
        .send(&[ix::execute_proposal(id, None)], &[])
        .await
        .unwrap();
    assert_eq!(w.bank.exchange().await.timelock_secs, 3_600);
}

#[tokio::test]
async fn roles_move_in_two_steps_and_strangers_are_refused_everywhere() {
    let mut w = World::with_sol_market().await;
    let gov = w.governance.insecure_clone();
    let next = Keypair::new();
    w.bank.fund(&next.pubkey(), 1_000_000_000).await;
    w.bank
        .send(
            &[ix::transfer_role(
                gov.pubkey(),
                Role::Governance,
                next.pubkey(),
            )],
            &[&gov],
        )
        .await
        .unwrap();
    assert_eq!(
        w.bank.exchange().await.governance,
        gov.pubkey(),
        "nothing moves before the accept"
    );
    let r = w
        .bank
        .send(&[ix::accept_role(gov.pubkey(), Role::Governance)], &[&gov])
        .await;
    assert_program_error(r, BulwarkError::NotPendingRole);
    w.bank
        .send(
            &[ix::accept_role(next.pubkey(), Role::Governance)],
            &[&next],
        )
        .await
        .unwrap();
    assert_eq!(w.bank.exchange().await.governance, next.pubkey());

    // The old governance is now a stranger: refused everywhere.
    let payer = w.bank.payer().pubkey();
    let id = w.bank.exchange().await.proposal_count;
    let mint = w.collateral_mint;
    let dest = w.bank.create_token_account(&mint, &gov.pubkey()).await;
    let tries = [
        ix::set_market_param(gov.pubkey(), SOL_PERP, MarketParam::BaseMmr, 30_000),
        ix::queue_proposal(
            gov.pubkey(),
            payer,
            id,
            ProposalAction::MarketParam {
                market_index: SOL_PERP,
                param: MarketParam::OpenInterestCapLong,
                value: 1,
            },
        ),
        ix::transfer_role(gov.pubkey(), Role::Guardian, gov.pubkey()),
        ix::withdraw_protocol_fees(gov.pubkey(), dest, 1),
    ];
    for t in tries {
        assert_program_error(
            w.bank.send(&[t], &[&gov]).await,
            BulwarkError::NotGovernance,
        );
    }
}

#[tokio::test]
async fn governance_withdraws_protocol_fees_and_no_more() {
    let (mut w, _lp) = venue().await;
    let t = trader(&mut w, 1_000 * USDC).await;
    w.refresh(150 * USD).await;
    w.trade(&t, SOL, 151 * PRICE).await.unwrap();
    w.sweep().await.unwrap();
    let fees = w.bank.exchange().await.protocol_fees;
    assert!(fees > 0);
    let gov = w.governance.insecure_clone();
    let mint = w.collateral_mint;
    let dest = w.bank.create_token_account(&mint, &gov.pubkey()).await;
    let r = w
        .bank
        .send(
            &[ix::withdraw_protocol_fees(gov.pubkey(), dest, fees + 1)],
            &[&gov],
        )
        .await;
    assert_program_error(r, BulwarkError::InsufficientProtocolFees);
    w.bank
        .send(
            &[ix::withdraw_protocol_fees(gov.pubkey(), dest, fees)],
            &[&gov],
        )
        .await
        .unwrap();
    assert_eq!(w.bank.token_balance(&dest).await, fees);
    assert_eq!(w.bank.exchange().await.protocol_fees, 0);
    assert_books_balance(&mut w, &[t.margin]).await;
}
