//! Governance races and invariants: a queued loosening is judged against the value in force
//! when it executes (and is stale once its parameter was tightened after it was queued); no
//! path changes a parameter into a combination `create_market` refuses; a guardian re-pausing
//! in a loop cannot keep withdrawals frozen beyond its bound, while governance can extend.

use anchor_lang::prelude::Pubkey;
use bulwark::error::BulwarkError;
use bulwark::state::ProposalAction;
use bulwark_engine::governance::MarketParam;
use bulwark_engine::state::pause;
use bulwark_sdk::params::{MAX_PAUSE_SECS, TIMELOCK_SECS};
use bulwark_sdk::{ix, pda};
use bulwark_testkit::world::Participant;
use bulwark_tests::*;
use solana_program_test::BanksClientError;
use solana_sdk::instruction::Instruction;
use solana_sdk::signature::Signer;

type Sent = Result<(), BanksClientError>;

/// The seed proposal `id` is queued at here: seeds fall as ids rise, so a rule that read the
/// seed where it needs the queue order (staleness) would fail these tests.
fn seed_of(id: u64) -> u64 {
    u64::MAX - id
}

/// `queue_proposal` of a SOL-PERP parameter as the `n`-th proposal from now (0 = the next);
/// returns its id (its seed is `seed_of(id)`).
async fn queue_ix(w: &mut World, n: u64, param: MarketParam, value: u64) -> (u64, Instruction) {
    let id = w.bank.exchange().await.proposal_count + n;
    let q = ix::queue_proposal(
        w.governance.pubkey(),
        w.bank.payer().pubkey(),
        seed_of(id),
        ProposalAction::MarketParam {
            market_index: SOL_PERP,
            param,
            value,
        },
    );
    (id, q)
}

async fn queue(w: &mut World, param: MarketParam, value: u64) -> u64 {
    let (id, q) = queue_ix(w, 0, param, value).await;
    let gov = w.governance.insecure_clone();
    w.bank.send(&[q], &[&gov]).await.unwrap();
    id
}

fn set_ix(w: &World, param: MarketParam, value: u64) -> Instruction {
    ix::set_market_param(w.governance.pubkey(), SOL_PERP, param, value)
}

async fn set(w: &mut World, param: MarketParam, value: u64) -> Sent {
    let (gov, i) = (w.governance.insecure_clone(), set_ix(w, param, value));
    w.bank.send(&[i], &[&gov]).await
}

async fn execute(w: &mut World, id: u64) -> Sent {
    w.bank
        .send(&[ix::execute_proposal(seed_of(id), Some(SOL_PERP))], &[])
        .await
}

/// Executing proposal `id` fails with `e` and changes neither the market nor the proposal.
async fn refused(w: &mut World, id: u64, e: BulwarkError) {
    let keys = [pda::market(SOL_PERP).0, pda::proposal(seed_of(id)).0];
    let before = Snapshot::take(&mut w.bank, &keys).await;
    assert_program_error(execute(w, id).await, e);
    before.assert_unchanged(&mut w.bank).await;
}

async fn value(w: &mut World, param: MarketParam) -> u64 {
    w.bank.market(SOL_PERP).await.params.value(param)
}

#[tokio::test]
async fn a_stale_loosening_cannot_undo_an_emergency_cut() {
    let mut w = World::with_sol_market().await;
    let lev = MarketParam::MaxLeverage;
    assert_eq!(value(&mut w, lev).await, 20);
    // Governance queues 20x -> 25x; later an emergency cuts leverage to 10x at once.
    let stale = queue(&mut w, lev, 25).await;
    w.bank.advance(10, 3_600).await;
    set(&mut w, lev, 10).await.unwrap();
    // Queued after the cut: straight back to 25x, and one step (10x -> 15x).
    let jump = queue(&mut w, lev, 25).await;
    let step = queue(&mut w, lev, 15).await;
    w.bank.advance(10, TIMELOCK_SECS as i64).await;

    // Anyone tries the stale 20 -> 25 proposal: refused, the market stays at 10x.
    refused(&mut w, stale, BulwarkError::ProposalStale).await;
    refused(&mut w, jump, BulwarkError::StepFromValueInForce).await;
    assert_eq!(value(&mut w, lev).await, 10);
    // One step from the value in force still goes through.
    execute(&mut w, step).await.unwrap();
    assert_eq!(value(&mut w, lev).await, 15);
    // The stale one stays refused for good (re-queue it instead); the guardian may cancel it.
    refused(&mut w, stale, BulwarkError::ProposalStale).await;
    let g = w.guardian.insecure_clone();
    w.bank
        .send(&[ix::cancel_proposal(g.pubkey(), seed_of(stale))], &[&g])
        .await
        .unwrap();
}

#[tokio::test]
async fn two_queued_changes_to_one_parameter_each_meet_the_value_in_force() {
    // A redistributive parameter: the fee cut to 300 first, then the stale rise to 900 would
    // have tripled it in one execution (900 is within a step of the window's 600).
    let mut w = World::with_sol_market().await;
    let fee = MarketParam::TakerFee;
    let up = queue(&mut w, fee, 900).await;
    let down = queue(&mut w, fee, 300).await;
    w.bank.advance(10, TIMELOCK_SECS as i64).await;
    execute(&mut w, down).await.unwrap();
    refused(&mut w, up, BulwarkError::StepFromValueInForce).await;
    assert_eq!(value(&mut w, fee).await, 300);

    // Leverage: a loosening and a queued tightening, executed in either order, end at the
    // tightening (the tightening executed first makes the loosening stale).
    for tightening_first in [true, false] {
        let mut w = World::with_sol_market().await;
        let lev = MarketParam::MaxLeverage;
        let loosen = queue(&mut w, lev, 25).await;
        let tighten = queue(&mut w, lev, 15).await;
        w.bank.advance(10, TIMELOCK_SECS as i64).await;
        if tightening_first {
            execute(&mut w, tighten).await.unwrap();
            refused(&mut w, loosen, BulwarkError::ProposalStale).await;
        } else {
            execute(&mut w, loosen).await.unwrap();
            assert_eq!(value(&mut w, lev).await, 25);
            execute(&mut w, tighten).await.unwrap();
        }
        assert_eq!(value(&mut w, lev).await, 15, "{tightening_first}");
    }
}

#[tokio::test]
async fn a_tightening_orders_exactly_against_changes_queued_in_the_same_transaction() {
    // One transaction: queue 25x, cut to 10x, queue 15x. The first was queued before the cut
    // (stale); the second after it (a step from 10x: executes).
    let mut w = World::with_sol_market().await;
    let lev = MarketParam::MaxLeverage;
    let (before, q1) = queue_ix(&mut w, 0, lev, 25).await;
    let (after, q2) = queue_ix(&mut w, 1, lev, 15).await;
    let cut = set_ix(&w, lev, 10);
    let gov = w.governance.insecure_clone();
    w.bank.send(&[q1, cut, q2], &[&gov]).await.unwrap();
    assert_eq!(
        w.bank.market(SOL_PERP).await.governance.tightened_before[lev as usize],
        after
    );
    w.bank.advance(10, TIMELOCK_SECS as i64).await;
    refused(&mut w, before, BulwarkError::ProposalStale).await;
    execute(&mut w, after).await.unwrap();
    assert_eq!(value(&mut w, lev).await, 15);
    // A later tightening in the same window makes the executed one's successors stale too,
    // and a loosening at once is still refused.
    let again = queue(&mut w, lev, 20).await;
    set(&mut w, lev, 12).await.unwrap();
    assert_program_error(set(&mut w, lev, 13).await, BulwarkError::MustQueue);
    w.bank.advance(10, TIMELOCK_SECS as i64).await;
    refused(&mut w, again, BulwarkError::ProposalStale).await;
    assert_eq!(value(&mut w, lev).await, 12);
}

#[tokio::test]
async fn a_change_breaking_the_parameter_set_is_refused_on_every_path() {
    // create_market: base maintenance 2% is not above max penalty 1.5% + buffer 0.5%.
    let mut w = World::new().await;
    w.initialize_exchange().await.unwrap();
    let mut args = w.sol_market_args();
    args.params.dynamics.margin.base_mmr_ppm = 20_000;
    let gov = w.governance.insecure_clone();
    assert_program_error(
        w.create_market_with(&gov, args).await,
        BulwarkError::InvalidMarketParams,
    );
    assert!(w.bank.account(&pda::market(SOL_PERP).0).await.is_none());

    // execute_proposal: the same maintenance through the queue (a step from 2.5%), and initial
    // margin lowered onto maintenance (a step from 5%). Each is within bounds and step alone.
    let mut w = World::with_sol_market().await;
    let low_mmr = queue(&mut w, MarketParam::BaseMmr, 20_000).await;
    let low_imr = queue(&mut w, MarketParam::BaseImr, 25_000).await;
    let ok_imr = queue(&mut w, MarketParam::BaseImr, 30_000).await;
    w.bank.advance(10, TIMELOCK_SECS as i64).await;
    refused(&mut w, low_mmr, BulwarkError::InvalidMarketParams).await;
    refused(&mut w, low_imr, BulwarkError::InvalidMarketParams).await;
    execute(&mut w, ok_imr).await.unwrap();

    // set_market_param: a tightening of maintenance up to initial margin (30,000) breaks the
    // set too; one just below it is fine.
    let market = Snapshot::take(&mut w.bank, &[pda::market(SOL_PERP).0]).await;
    assert_program_error(
        set(&mut w, MarketParam::BaseMmr, 30_000).await,
        BulwarkError::InvalidMarketParams,
    );
    market.assert_unchanged(&mut w.bank).await;
    set(&mut w, MarketParam::BaseMmr, 29_999).await.unwrap();
    let m = w.bank.market(SOL_PERP).await;
    assert_eq!(
        (
            m.params.margin.base_imr_ppm,
            m.params.dynamics.margin.base_mmr_ppm
        ),
        (30_000, 29_999)
    );
}

/// `guardian_pause(bits, secs)` by the guardian.
async fn guardian_pause(w: &mut World, bits: u32, secs: u32) -> Sent {
    let g = w.guardian.insecure_clone();
    w.bank
        .send(&[ix::guardian_pause(g.pubkey(), bits, secs)], &[&g])
        .await
}

/// Withdraws 1 USDC for `t` and asserts its tokens and collateral moved by exactly that.
async fn withdraw_moves(w: &mut World, t: &Participant) {
    let (tokens, collateral) = (
        w.bank.token_balance(&t.token).await,
        w.margin(&t.margin).await.collateral,
    );
    w.withdraw(t, USDC).await.unwrap();
    assert_eq!(w.bank.token_balance(&t.token).await, tokens + USDC);
    assert_eq!(
        w.margin(&t.margin).await.collateral,
        collateral - USDC as i64
    );
}

/// A withdrawal is refused as paused and moves nothing.
async fn withdraw_frozen(w: &mut World, t: &Participant) {
    let keys: [Pubkey; 3] = [t.token, t.margin, pda::vault().0];
    let before = Snapshot::take(&mut w.bank, &keys).await;
    assert_program_error(w.withdraw(t, USDC).await, BulwarkError::ExchangePaused);
    before.assert_unchanged(&mut w.bank).await;
}

#[tokio::test]
async fn a_guardian_re_pausing_cannot_freeze_withdrawals_beyond_its_bound() {
    let (mut w, _lp) = venue().await;
    let t = trader(&mut w, 1_000 * USDC).await;
    let max = MAX_PAUSE_SECS as i64;
    guardian_pause(&mut w, pause::WITHDRAW, MAX_PAUSE_SECS)
        .await
        .unwrap();
    w.bank.advance(10, max - 1).await;
    withdraw_frozen(&mut w, &t).await;
    // At the bound the pause has lapsed, and the guardian cannot renew it: not the same bits,
    // not other bits, not a short one.
    w.bank.advance(1, 1).await;
    let ex = Snapshot::take(&mut w.bank, &[pda::exchange().0]).await;
    for (bits, secs) in [
        (pause::WITHDRAW, MAX_PAUSE_SECS),
        (pause::DEPOSIT | pause::STAKE, 60),
        (pause::ALL, 1),
    ] {
        assert_program_error(
            guardian_pause(&mut w, bits, secs).await,
            BulwarkError::GuardianCoolingOff,
        );
    }
    ex.assert_unchanged(&mut w.bank).await;
    withdraw_moves(&mut w, &t).await;

    // A guardian that asks for the longest withdrawal pause every six hours for five days:
    // no frozen stretch exceeds the bound, and withdrawals go through between stretches.
    let step = max / 4;
    let (mut run, mut longest, mut frozen, mut open) = (0, 0, 0, 0);
    for _ in 0..20 {
        let _ = guardian_pause(&mut w, pause::WITHDRAW, MAX_PAUSE_SECS).await;
        let now = w.bank.clock().await.unix_timestamp;
        if w.bank.exchange().await.paused_bits(now) & pause::WITHDRAW != 0 {
            withdraw_frozen(&mut w, &t).await;
            (run, frozen) = (run + step, frozen + step);
            longest = longest.max(run);
        } else {
            withdraw_moves(&mut w, &t).await;
            (run, open) = (0, open + step);
        }
        w.bank.advance(10, step).await;
    }
    assert!(longest <= max, "longest frozen stretch {longest}s");
    assert!(open >= frozen - max, "open {open}s, frozen {frozen}s");
}

#[tokio::test]
async fn only_governance_extends_a_pause_and_the_cool_off_follows_its_end() {
    let (mut w, _lp) = venue().await;
    let t = trader(&mut w, 1_000 * USDC).await;
    let max = MAX_PAUSE_SECS as i64;
    let t0 = w.bank.clock().await.unix_timestamp;
    guardian_pause(&mut w, pause::WITHDRAW, MAX_PAUSE_SECS)
        .await
        .unwrap();
    // Governance decides the emergency needs three days: queued under the timelock.
    let gov = w.governance.insecure_clone();
    let id = w.bank.exchange().await.proposal_count;
    let until = t0 + 3 * max;
    let q = ix::queue_proposal(
        gov.pubkey(),
        w.bank.payer().pubkey(),
        id,
        ProposalAction::ExtendPause { until },
    );
    w.bank.send(&[q], &[&gov]).await.unwrap();
    w.bank.advance(10, TIMELOCK_SECS as i64).await;
    w.bank
        .send(&[ix::execute_proposal(id, None)], &[])
        .await
        .unwrap();
    // Past the guardian's own bound, withdrawals stay frozen by governance's decision.
    w.bank.advance(10, max).await;
    withdraw_frozen(&mut w, &t).await;
    let now = w.bank.clock().await.unix_timestamp;
    w.bank.advance(10, until - now).await;
    withdraw_moves(&mut w, &t).await;
    // The guardian's cool-off runs from the extended end.
    assert_program_error(
        guardian_pause(&mut w, pause::WITHDRAW, 60).await,
        BulwarkError::GuardianCoolingOff,
    );
    w.bank.advance(10, max).await;
    guardian_pause(&mut w, pause::WITHDRAW, 60).await.unwrap();
    withdraw_frozen(&mut w, &t).await;
}
