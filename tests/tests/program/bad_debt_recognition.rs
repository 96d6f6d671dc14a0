//! Pending bad debt is recognised at once: an LP or a staker who exits between the loss that
//! took an account below zero and its resolution gets no more than one who stays; requests
//! expire so nobody holds a free option to pick that moment.

use bulwark::error::BulwarkError;
use bulwark_sdk::params::{POOL_WITHDRAW_DELAY_SECS, UNSTAKE_COOLDOWN_SECS};
use bulwark_sdk::{accounts, ix, pda};
use bulwark_testkit::world::Participant;
use bulwark_tests::*;
use solana_sdk::signature::Signer;

/// A trader 100 SOL long from 150 with 1,000 USDC, liquidated flat at 130: about 1,000 USDC
/// below zero, not yet resolved. Returns the trader.
async fn account_below_zero(w: &mut World) -> Participant {
    let t = trader(w, 1_000 * USDC).await;
    let keeper = w.participant(0).await;
    w.refresh(150 * USD).await;
    w.trade(&t, 100 * SOL, 151 * PRICE).await.unwrap();
    w.bank.advance(30, 12).await;
    w.refresh(130 * USD).await;
    while w.margin(&t.margin).await.positions[0].base != 0 {
        w.liquidate(&keeper, &t, SOL_PERP, u64::MAX).await.unwrap();
    }
    let a = w.margin(&t.margin).await;
    assert!(a.collateral < -900 * USDC as i64, "{}", a.collateral);
    assert_eq!(a.deficit_booked, a.collateral.unsigned_abs());
    assert_eq!(
        w.bank.market(SOL_PERP).await.ledgers.bad_debt_pending,
        a.deficit_booked,
        "recognised in the market at once"
    );
    t
}

async fn resolve(w: &mut World, t: &Participant) {
    w.bank
        .send(&[ix::resolve_bankruptcy(t.margin, SOL_PERP)], &[])
        .await
        .unwrap();
    assert_eq!(w.bank.market(SOL_PERP).await.ledgers.bad_debt_pending, 0);
    assert_eq!(w.margin(&t.margin).await.deficit_booked, 0);
}

#[tokio::test]
async fn an_lp_leaving_before_the_bankruptcy_is_resolved_gets_no_more_than_one_who_stays() {
    let (mut w, lp1) = venue().await;
    let lp2 = w.participant(1_000_000 * USDC).await;
    w.pool_deposit(&lp2, 1_000_000 * USDC).await.unwrap();
    for lp in [&lp1, &lp2] {
        let shares = w.lp(lp).await.shares();
        w.pool_request_withdraw(lp, shares).await.unwrap();
    }
    w.bank.advance(10, POOL_WITHDRAW_DELAY_SECS as i64).await;
    let t = account_below_zero(&mut w).await;
    w.refresh(130 * USD).await;

    // LP 1 exits in between; LP 2 after the deficit is resolved.
    w.pool_withdraw(&lp1).await.unwrap();
    let early = w.bank.token_balance(&lp1.token).await;
    resolve(&mut w, &t).await;
    w.refresh(130 * USD).await;
    w.sweep().await.unwrap(); // the collected losses reach the pool's capital
    w.pool_withdraw(&lp2).await.unwrap();
    let late = w.bank.token_balance(&lp2.token).await;
    assert!(
        early <= late,
        "the early LP shifted part of the deficit: {early} vs {late}"
    );
}

#[tokio::test]
async fn a_staker_leaving_before_the_bankruptcy_is_resolved_gets_no_more_than_one_who_stays() {
    let (mut w, _lp) = venue().await;
    let stakers = [
        w.participant(1_000 * USDC).await,
        w.participant(1_000 * USDC).await,
    ];
    for s in &stakers {
        let k = s.key.pubkey();
        w.bank
            .send(&[ix::if_stake(k, s.token, 1_000 * USDC, 0)], &[&s.key])
            .await
            .unwrap();
        let shares = stake(&mut w, s).await.shares();
        w.bank
            .send(&[ix::if_request_unstake(k, shares, 0)], &[&s.key])
            .await
            .unwrap();
    }
    w.bank.advance(10, UNSTAKE_COOLDOWN_SECS as i64).await;
    let t = account_below_zero(&mut w).await;

    let unstake = |s: &Participant| ix::if_unstake(s.key.pubkey(), s.token, 1);
    w.bank
        .send(&[unstake(&stakers[0])], &[&stakers[0].key])
        .await
        .unwrap();
    let early = w.bank.token_balance(&stakers[0].token).await;
    resolve(&mut w, &t).await;
    w.bank
        .send(&[unstake(&stakers[1])], &[&stakers[1].key])
        .await
        .unwrap();
    let late = w.bank.token_balance(&stakers[1].token).await;
    assert!(
        early <= late,
        "the early staker shifted part of the deficit: {early} vs {late}"
    );
    assert!(
        early < 1_000 * USDC,
        "the early staker bore the loss: {early}"
    );
}

#[tokio::test]
async fn requests_expire_a_day_after_they_mature() {
    let (mut w, lp) = venue().await;
    let shares = w.lp(&lp).await.shares();
    w.pool_request_withdraw(&lp, shares).await.unwrap();
    w.bank
        .advance(10, POOL_WITHDRAW_DELAY_SECS as i64 + 86_400 + 1)
        .await;
    w.refresh(150 * USD).await;
    let before = Snapshot::take(
        &mut w.bank,
        &[pda::pool(0).0, pda::lp_account(0, &lp.key.pubkey()).0],
    )
    .await;
    assert_program_error(w.pool_withdraw(&lp).await, BulwarkError::RequestExpired);
    before.assert_unchanged(&mut w.bank).await;
    // Asking again starts a new delay, after which it pays.
    w.pool_request_withdraw(&lp, shares).await.unwrap();
    w.bank.advance(10, POOL_WITHDRAW_DELAY_SECS as i64).await;
    w.refresh(150 * USD).await;
    w.pool_withdraw(&lp).await.unwrap();
    assert_eq!(w.bank.token_balance(&lp.token).await, 1_000_000 * USDC);
}

#[tokio::test]
async fn a_deficit_repaid_by_a_deposit_is_released_and_the_account_can_close() {
    let (mut w, _lp) = venue().await;
    let t = account_below_zero(&mut w).await;
    let owed = w.margin(&t.margin).await.collateral.unsigned_abs();
    let mint = w.collateral_mint;
    w.bank.mint_to(&mint, &t.token, owed).await;
    w.deposit(&t, owed).await.unwrap();
    assert_eq!(w.margin(&t.margin).await.collateral, 0);
    // Still recognised until someone releases it (permissionless).
    assert_eq!(w.bank.market(SOL_PERP).await.ledgers.bad_debt_pending, owed);
    resolve(&mut w, &t).await;
}

#[tokio::test]
async fn a_repaid_deficit_is_released_only_where_it_was_recognised() {
    let (mut w, _lp) = venue().await;
    let t = account_below_zero(&mut w).await;
    let owed = w.margin(&t.margin).await.collateral.unsigned_abs();
    let mint = w.collateral_mint;
    w.bank.mint_to(&mint, &t.token, owed).await;
    w.deposit(&t, owed).await.unwrap();
    // Another market's pending bad debt cannot absorb it (it would strand this account's
    // recognition in SOL-PERP and release someone else's in market 1).
    w.create_market_like_sol(1, |_| {}).await.unwrap();
    let watched = [t.margin, pda::market(SOL_PERP).0, pda::market(1).0];
    let before = Snapshot::take(&mut w.bank, &watched).await;
    assert_program_error(
        w.bank
            .send(&[ix::resolve_bankruptcy(t.margin, 1)], &[])
            .await,
        BulwarkError::WrongBankruptcyMarket,
    );
    before.assert_unchanged(&mut w.bank).await;
    resolve(&mut w, &t).await;
}

async fn stake(w: &mut World, s: &Participant) -> bulwark::state::StakeAccount {
    let key = pda::stake_account(0, &s.key.pubkey()).0;
    accounts::stake_account(&w.bank.account(&key).await.unwrap().data).unwrap()
}
