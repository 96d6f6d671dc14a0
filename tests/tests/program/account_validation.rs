//! Account relations of the loss-waterfall, breaker and governance instructions: each wrong
//! account is refused with its own error and changes nothing.

use anchor_lang::prelude::Pubkey;
use bulwark::error::BulwarkError;
use bulwark::state::{ProposalAction, Role};
use bulwark_engine::governance::MarketParam;
use bulwark_sdk::{ix, pda};
use bulwark_tests::*;
use solana_sdk::signature::{Keypair, Signer};

#[tokio::test]
async fn keeper_instructions_refuse_accounts_that_do_not_belong() {
    let (mut w, _lp) = venue().await;
    w.create_market_like_sol(1, |_| {}).await.unwrap();
    let t = trader(&mut w, 1_000 * USDC).await;
    let keeper = w.participant(0).await;
    w.refresh(150 * USD).await;
    w.trade(&t, SOL, 151 * PRICE).await.unwrap();
    let before = Snapshot::take(
        &mut w.bank,
        &[t.margin, keeper.margin, pda::market(0).0, pda::market(1).0],
    )
    .await;
    // No position in market 1.
    let liq = ix::liquidate(
        keeper.key.pubkey(),
        keeper.margin,
        t.margin,
        1,
        u64::MAX,
        &[],
    );
    assert_program_error(
        w.bank.send(&[liq], &[&keeper.key]).await,
        BulwarkError::NoPosition,
    );
    // Not bankrupt (a position is open); and coverage must go to the last liquidated market.
    assert_program_error(
        w.bank
            .send(&[ix::resolve_bankruptcy(t.margin, 0)], &[])
            .await,
        BulwarkError::NotBankrupt,
    );
    // The vault must be the exchange's; every market must be passed.
    let mut inv = ix::check_invariant(2, 1);
    inv.accounts[1].pubkey = t.token;
    assert_program_error(w.bank.send(&[inv], &[]).await, BulwarkError::WrongVault);
    let mut inv = ix::check_invariant(2, 1);
    inv.accounts.pop();
    assert_program_error(
        w.bank.send(&[inv], &[]).await,
        BulwarkError::MarketListMismatch,
    );
    before.assert_unchanged(&mut w.bank).await;
}

#[tokio::test]
async fn bankruptcy_coverage_goes_to_the_last_liquidated_market_only() {
    let (mut w, _lp) = venue().await;
    w.create_market_like_sol(1, |_| {}).await.unwrap();
    let t = trader(&mut w, 200 * USDC).await;
    let keeper = w.participant(0).await;
    w.refresh(150 * USD).await;
    w.trade(&t, 24 * SOL, 151 * PRICE).await.unwrap();
    w.bank.advance(30, 12).await;
    w.refresh(139 * USD).await;
    for _ in 0..20 {
        if w.margin(&t.margin)
            .await
            .positions
            .iter()
            .all(|p| p.base == 0)
        {
            break;
        }
        let liq = ix::liquidate(
            keeper.key.pubkey(),
            keeper.margin,
            t.margin,
            SOL_PERP,
            u64::MAX,
            &[],
        );
        w.bank.send(&[liq], &[&keeper.key]).await.unwrap();
    }
    assert!(w.margin(&t.margin).await.collateral < 0);
    let before = Snapshot::take(
        &mut w.bank,
        &[
            t.margin,
            pda::market(1).0,
            pda::insurance_fund(0).0,
            pda::pool(0).0,
        ],
    )
    .await;
    assert_program_error(
        w.bank
            .send(&[ix::resolve_bankruptcy(t.margin, 1)], &[])
            .await,
        BulwarkError::WrongBankruptcyMarket,
    );
    before.assert_unchanged(&mut w.bank).await;
    w.bank
        .send(&[ix::resolve_bankruptcy(t.margin, SOL_PERP)], &[])
        .await
        .unwrap();
}

#[tokio::test]
async fn governance_and_guardian_instructions_refuse_wrong_accounts_and_arguments() {
    let mut w = World::with_sol_market().await;
    w.create_market_like_sol(1, |_| {}).await.unwrap();
    let stranger = Keypair::new();
    w.bank.fund(&stranger.pubkey(), 1_000_000_000).await;
    let id = w.bank.exchange().await.proposal_count;
    refuse_unknown_kinds_parameters_and_roles(&mut w, id, &stranger).await;
    refuse_a_queued_change_against_another_market(&mut w, id).await;
    // The guardian's instructions are the guardian's.
    let r = w
        .bank
        .send(
            &[ix::guardian_reduce_only(stranger.pubkey(), SOL_PERP)],
            &[&stranger],
        )
        .await;
    assert_program_error(r, BulwarkError::NotGuardian);
    // A staker's account is derived from its signer: another signer cannot use it.
    let staker = w.participant(10 * USDC).await;
    w.bank
        .send(
            &[ix::if_stake(
                staker.key.pubkey(),
                staker.token,
                10 * USDC,
                0,
            )],
            &[&staker.key],
        )
        .await
        .unwrap();
    let mut r = ix::if_request_unstake(stranger.pubkey(), 1, 0);
    let own = pda::stake_account(0, &stranger.pubkey()).0;
    let slot = r.accounts.iter().position(|a| a.pubkey == own).unwrap();
    r.accounts[slot].pubkey = pda::stake_account(0, &staker.key.pubkey()).0;
    let err = w.bank.send(&[r], &[&stranger]).await.unwrap_err();
    assert_eq!(custom_code(&err), Some(2006), "Anchor ConstraintSeeds");
}

/// Unknown proposal actions, parameters and roles are refused, queued (at seed `id`) or
/// direct, as is a role given to the default key.
async fn refuse_unknown_kinds_parameters_and_roles(w: &mut World, id: u64, stranger: &Keypair) {
    let gov = w.governance.insecure_clone();
    let payer = w.bank.payer().pubkey();
    // Actions and parameters are typed: an action tag or a parameter the program does not know
    // does not deserialize (data: discriminator 8, seed 8, action tag 1, market 2, parameter 1).
    let touched = [
        pda::exchange().0,
        pda::proposal(id).0,
        pda::market(SOL_PERP).0,
    ];
    let before = Snapshot::take(&mut w.bank, &touched).await;
    let action = ProposalAction::MarketParam {
        market_index: 0,
        param: MarketParam::BaseMmr,
        value: 1,
    };
    for (offset, byte) in [(16, 99u8), (19, 200u8)] {
        let mut q = ix::queue_proposal(gov.pubkey(), payer, id, action.clone());
        q.data[offset] = byte;
        assert_does_not_deserialize(w.bank.send(&[q], &[&gov]).await);
    }
    before.assert_unchanged(&mut w.bank).await;
    let mut set = ix::set_market_param(gov.pubkey(), SOL_PERP, MarketParam::BaseMmr, 1);
    set.data[8] = 200;
    assert_does_not_deserialize(w.bank.send(&[set], &[&gov]).await);
    before.assert_unchanged(&mut w.bank).await;
    // Roles are typed too: a role the program does not know does not deserialize.
    let mut accept = ix::accept_role(stranger.pubkey(), Role::Guardian);
    accept.data[8] = 7;
    assert_does_not_deserialize(w.bank.send(&[accept], &[stranger]).await);
    let r = w
        .bank
        .send(
            &[ix::transfer_role(
                gov.pubkey(),
                Role::Governance,
                Pubkey::default(),
            )],
            &[&gov],
        )
        .await;
    assert_program_error(r, BulwarkError::InvalidRoleKey);
}

/// A market change queued (at seed `id`) for market 0 and executed against market 1, or
/// with no market, is refused and changes nothing.
async fn refuse_a_queued_change_against_another_market(w: &mut World, id: u64) {
    let gov = w.governance.insecure_clone();
    let payer = w.bank.payer().pubkey();
    w.bank
        .send(
            &[ix::queue_proposal(
                gov.pubkey(),
                payer,
                id,
                ProposalAction::MarketParam {
                    market_index: 0,
                    param: MarketParam::OpenInterestCapLong,
                    value: SOL as u64,
                },
            )],
            &[&gov],
        )
        .await
        .unwrap();
    let timelock = w.bank.exchange().await.timelock_secs as i64;
    w.bank.advance(10, timelock).await;
    let before = Snapshot::take(
        &mut w.bank,
        &[pda::market(0).0, pda::market(1).0, pda::proposal(id).0],
    )
    .await;
    assert_program_error(
        w.bank.send(&[ix::execute_proposal(id, Some(1))], &[]).await,
        BulwarkError::MarketMismatch,
    );
    assert_program_error(
        w.bank.send(&[ix::execute_proposal(id, None)], &[]).await,
        BulwarkError::MarketMismatch,
    );
    before.assert_unchanged(&mut w.bank).await;
}
