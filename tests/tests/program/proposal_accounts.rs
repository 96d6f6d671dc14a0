//! A proposal's accounts are named, and each is checked: its address is the PDA of its seed, a
//! taken seed is refused, and the market and pool an action needs must be the right ones. Every
//! refusal changes nothing.

use anchor_lang::prelude::Pubkey;
use bulwark::error::BulwarkError;
use bulwark::state::ProposalAction;
use bulwark_sdk::params::TIMELOCK_SECS;
use bulwark_sdk::{ix, pda};
use bulwark_tests::*;
use solana_sdk::signature::Signer;

/// QueueProposal's accounts: governance, payer, exchange, market, proposal, ...
const QUEUE_MARKET: usize = 3;
const QUEUE_PROPOSAL: usize = 4;
/// ExecuteProposal's accounts: exchange, proposal, market, pool, ...
const EXECUTE_POOL: usize = 3;

fn lift(market_index: u16) -> ProposalAction {
    ProposalAction::LiftReduceOnly { market_index }
}

#[tokio::test]
async fn a_proposal_elsewhere_than_its_seeds_pda_or_at_a_taken_seed_is_refused() {
    let mut w = World::with_sol_market().await;
    let gov = w.governance.insecure_clone();
    let payer = w.bank.payer().pubkey();
    let elsewhere = Pubkey::new_unique();
    let touched = [pda::exchange().0, pda::proposal(7).0, elsewhere];
    let before = Snapshot::take(&mut w.bank, &touched).await;
    let mut q = ix::queue_proposal(gov.pubkey(), payer, 7, lift(SOL_PERP));
    q.accounts[QUEUE_PROPOSAL].pubkey = elsewhere;
    let err = w.bank.send(&[q], &[&gov]).await.unwrap_err();
    assert_eq!(custom_code(&err), Some(2006), "Anchor ConstraintSeeds");
    before.assert_unchanged(&mut w.bank).await;

    // Seed 7 taken: queueing anything else there is refused; the first stands.
    let first = ix::queue_proposal(gov.pubkey(), payer, 7, lift(SOL_PERP));
    w.bank.send(&[first], &[&gov]).await.unwrap();
    let taken = Snapshot::take(&mut w.bank, &touched).await;
    let again = ix::queue_proposal(gov.pubkey(), payer, 7, ProposalAction::ClearInvariantPause);
    assert_program_error(
        w.bank.send(&[again], &[&gov]).await,
        BulwarkError::AccountAlreadyInitialized,
    );
    taken.assert_unchanged(&mut w.bank).await;
}

#[tokio::test]
async fn a_rotation_is_judged_against_its_own_market_named_at_queue() {
    let mut w = World::with_sol_market().await;
    w.create_market_like_sol(1, |_| {}).await.unwrap();
    let gov = w.governance.insecure_clone();
    let payer = w.bank.payer().pubkey();
    let mut source = w.sol_sources()[1].clone();
    source.account = Pubkey::new_unique();
    let rotate = ProposalAction::RotateSource {
        market_index: SOL_PERP,
        position: 1,
        source,
        activation_slot: w.bank.clock().await.slot + 20_000,
    };
    let touched = [pda::exchange().0, pda::proposal(9).0];
    let before = Snapshot::take(&mut w.bank, &touched).await;
    for market in [bulwark::ID, pda::market(1).0] {
        let mut q = ix::queue_proposal(gov.pubkey(), payer, 9, rotate.clone());
        q.accounts[QUEUE_MARKET].pubkey = market;
        assert_program_error(
            w.bank.send(&[q], &[&gov]).await,
            BulwarkError::MarketMismatch,
        );
        before.assert_unchanged(&mut w.bank).await;
    }
}

#[tokio::test]
async fn settlement_needs_the_pool_and_a_market_action_its_own_market() {
    let mut w = World::with_sol_market().await;
    w.create_market_like_sol(1, |_| {}).await.unwrap();
    let settle = w
        .queue_proposal(ProposalAction::Settle {
            market_index: SOL_PERP,
        })
        .await
        .unwrap();
    let lifted = w.queue_proposal(lift(SOL_PERP)).await.unwrap();
    w.bank.advance(10, TIMELOCK_SECS as i64).await;
    let touched = [
        pda::exchange().0,
        pda::market(SOL_PERP).0,
        pda::market(1).0,
        pda::proposal(settle).0,
        pda::proposal(lifted).0,
    ];
    let before = Snapshot::take(&mut w.bank, &touched).await;
    // No pool named.
    assert_program_error(
        w.bank
            .send(&[ix::execute_proposal(settle, Some(SOL_PERP))], &[])
            .await,
        BulwarkError::PoolMismatch,
    );
    // Another account where the pool goes: not a pool.
    let mut x = ix::execute_settlement(settle, SOL_PERP);
    x.accounts[EXECUTE_POOL].pubkey = pda::insurance_fund(0).0;
    let err = w.bank.send(&[x], &[]).await.unwrap_err();
    assert_eq!(
        custom_code(&err),
        Some(3002),
        "Anchor AccountDiscriminatorMismatch"
    );
    // Another market, or none, for a market action.
    for market in [Some(1), None] {
        assert_program_error(
            w.bank
                .send(&[ix::execute_proposal(lifted, market)], &[])
                .await,
            BulwarkError::MarketMismatch,
        );
    }
    before.assert_unchanged(&mut w.bank).await;
}
