//! The liquidity pool: shares priced at maximum value in and minimum value out, withdrawals
//! after a request and a delay, never beyond capital or the open-interest reserve; donations
//! change nothing; no value is extracted around a price move.

use anchor_spl::token::spl_token;
use bulwark::error::BulwarkError;
use bulwark_sdk::params::POOL_WITHDRAW_DELAY_SECS;
use bulwark_sdk::{ix, pda};
use bulwark_tests::*;
use solana_sdk::signature::Signer;

#[tokio::test]
async fn an_lp_deposits_requests_and_withdraws_after_the_delay() {
    let mut w = World::with_sol_market().await;
    let lp = w.participant(1_000 * USDC).await;
    w.pool_deposit(&lp, 1_000 * USDC).await.unwrap();
    // First deposit: 1:1 up to the virtual offset of 1e6 shares per unit.
    let shares = w.lp(&lp).await.shares();
    assert_eq!(shares, 1_000 * USDC as u128 * 1_000_000);
    assert_eq!(w.pool().await.capital, (1_000 * USDC) as i64);

    assert_program_error(
        w.pool_withdraw(&lp).await,
        BulwarkError::NoWithdrawalRequest,
    );
    assert_program_error(
        w.pool_request_withdraw(&lp, shares + 1).await,
        BulwarkError::InsufficientShares,
    );
    w.pool_request_withdraw(&lp, shares).await.unwrap();
    assert_eq!(w.pool().await.requested_shares(), shares);
    assert_program_error(w.pool_withdraw(&lp).await, BulwarkError::WithdrawalNotReady);
    w.bank.advance(10, POOL_WITHDRAW_DELAY_SECS as i64).await;
    w.pool_withdraw(&lp).await.unwrap();
    assert_eq!(w.bank.token_balance(&lp.token).await, 1_000 * USDC);
    let pool = w.pool().await;
    assert_eq!(
        (pool.capital, pool.total_shares(), pool.requested_shares()),
        (0, 0, 0)
    );
    assert_books_balance(&mut w, &[]).await;
}

#[tokio::test]
async fn a_donation_to_the_vault_does_not_change_share_value() {
    let (mut w, lp) = venue().await;
    let value_of = |shares: u128, total: u128, capital: i64| {
        bulwark_engine::pool::amount_for_shares(shares, total, capital as u64).unwrap()
    };
    let pool = w.pool().await;
    let before = value_of(w.lp(&lp).await.shares(), pool.total_shares(), pool.capital);
    // Someone sends 500,000 USDC straight into the vault.
    let donor = w.participant(500_000 * USDC).await;
    let transfer = spl_token::instruction::transfer(
        &spl_token::ID,
        &donor.token,
        &pda::vault().0,
        &donor.key.pubkey(),
        &[],
        500_000 * USDC,
    )
    .unwrap();
    w.bank.send(&[transfer], &[&donor.key]).await.unwrap();
    let pool = w.pool().await;
    assert_eq!(
        value_of(w.lp(&lp).await.shares(), pool.total_shares(), pool.capital),
        before
    );
    // A new LP gets the same shares per unit as before the donation.
    let second = w.participant(1_000 * USDC).await;
    w.pool_deposit(&second, 1_000 * USDC).await.unwrap();
    assert_eq!(
        w.lp(&second).await.shares(),
        1_000 * USDC as u128 * 1_000_000
    );
    // The vault holds the buckets plus the donation, never less.
    assert_eq!(
        w.vault_balance().await as i128,
        w.bucket_total().await + (500_000 * USDC) as i128
    );
}

#[tokio::test]
async fn depositing_before_and_withdrawing_after_a_price_move_extracts_nothing() {
    let (mut w, _lp) = venue().await;
    let t = trader(&mut w, 10_000 * USDC).await;
    w.refresh(150 * USD).await;
    w.trade(&t, 20 * SOL, 151 * PRICE).await.unwrap();
    // Price falls: the long's unrealised loss would be the pool's gain.
    w.bank.advance(30, 12).await;
    w.refresh(140 * USD).await;
    let lp2 = w.participant(10_000 * USDC).await;
    w.pool_deposit(&lp2, 10_000 * USDC).await.unwrap();
    let shares = w.lp(&lp2).await.shares();
    w.pool_request_withdraw(&lp2, shares).await.unwrap();
    w.bank.advance(10, POOL_WITHDRAW_DELAY_SECS as i64).await;
    w.refresh(140 * USD).await;
    w.pool_withdraw(&lp2).await.unwrap();
    let back = w.bank.token_balance(&lp2.token).await;
    assert!(
        back < 10_000 * USDC,
        "paid the loss in at max value, not paid it out at min: {back}"
    );
    // And with no move at all, a round trip never returns more than it put in.
    let lp3 = w.participant(10_000 * USDC).await;
    w.pool_deposit(&lp3, 10_000 * USDC).await.unwrap();
    let shares = w.lp(&lp3).await.shares();
    w.pool_request_withdraw(&lp3, shares).await.unwrap();
    w.bank.advance(10, POOL_WITHDRAW_DELAY_SECS as i64).await;
    w.refresh(140 * USD).await;
    w.pool_withdraw(&lp3).await.unwrap();
    assert!(w.bank.token_balance(&lp3.token).await <= 10_000 * USDC);
    assert_books_balance(&mut w, &[t.margin]).await;
}

#[tokio::test]
async fn withdrawals_never_go_beyond_the_open_interest_reserve() {
    let mut w = World::with_sol_market().await;
    w.set_open_interest_caps_directly(SOL_PERP, 10_000 * SOL as u64, 10_000 * SOL as u64)
        .await;
    let lp = w.participant(1_000 * USDC).await;
    w.pool_deposit(&lp, 1_000 * USDC).await.unwrap();
    let t = trader(&mut w, 1_000 * USDC).await;
    w.refresh(150 * USD).await;
    // 3 SOL long reserves 450 USDC: 50% of the pool must stay >= 450, so the pool keeps 900.
    w.trade(&t, 3 * SOL, 151 * PRICE).await.unwrap();
    let shares = w.lp(&lp).await.shares();
    w.pool_request_withdraw(&lp, shares).await.unwrap();
    w.bank.advance(10, POOL_WITHDRAW_DELAY_SECS as i64).await;
    w.refresh(150 * USD).await;
    // Sweep first so the fees owed to the pool are capital (else capital is the limit).
    w.sweep().await.unwrap();
    let before = Snapshot::take(
        &mut w.bank,
        &[
            pda::pool(0).0,
            pda::lp_account(0, &lp.key.pubkey()).0,
            pda::vault().0,
        ],
    )
    .await;
    assert_program_error(
        w.pool_withdraw(&lp).await,
        BulwarkError::WithdrawalExceedsUnreserved,
    );
    before.assert_unchanged(&mut w.bank).await;
    w.pool_request_withdraw(&lp, shares / 20).await.unwrap();
    w.bank.advance(10, POOL_WITHDRAW_DELAY_SECS as i64).await;
    w.refresh(150 * USD).await;
    w.pool_withdraw(&lp).await.unwrap();
}

#[tokio::test]
async fn pool_operations_need_every_market_in_order_and_the_lp_s_own_account() {
    let (mut w, lp) = venue().await;
    w.create_market_like_sol(1, |_| {}).await.unwrap();
    let key = lp.key.pubkey();
    let before = Snapshot::take(&mut w.bank, &[pda::pool(0).0, pda::vault().0]).await;
    let mut missing = ix::pool_deposit(key, lp.token, USDC, 0, 2);
    missing.accounts.pop();
    assert_program_error(
        w.bank.send(&[missing], &[&lp.key]).await,
        BulwarkError::MarketListMismatch,
    );
    let mut swapped = ix::pool_deposit(key, lp.token, USDC, 0, 2);
    let n = swapped.accounts.len();
    swapped.accounts.swap(n - 1, n - 2);
    assert_program_error(
        w.bank.send(&[swapped], &[&lp.key]).await,
        BulwarkError::MarketListMismatch,
    );
    assert_program_error(w.pool_deposit(&lp, 0).await, BulwarkError::ZeroAmount);
    // Another signer cannot act on this LP's account: its PDA is derived from the signer.
    let other = w.participant(0).await;
    let mut foreign = ix::pool_request_withdraw(other.key.pubkey(), 1, 0);
    let own = pda::lp_account(0, &other.key.pubkey()).0;
    let slot = foreign
        .accounts
        .iter()
        .position(|a| a.pubkey == own)
        .unwrap();
    foreign.accounts[slot].pubkey = pda::lp_account(0, &key).0;
    let err = w.bank.send(&[foreign], &[&other.key]).await.unwrap_err();
    assert_eq!(custom_code(&err), Some(2006), "Anchor ConstraintSeeds");
    before.assert_unchanged(&mut w.bank).await;
}

#[tokio::test]
async fn a_deposit_that_would_mint_fewer_shares_than_the_depositor_asked_is_refused() {
    let mut w = World::with_sol_market().await;
    let lp = w.participant(2_000 * USDC).await;
    w.pool_deposit(&lp, 1_000 * USDC).await.unwrap();
    let key = lp.key.pubkey();
    // At an unchanged pool value the next 1,000 USDC mints exactly the first one's shares.
    let expected = w.lp(&lp).await.shares();
    let keys = [pda::pool(0).0, pda::lp_account(0, &key).0, lp.token];
    let before = Snapshot::take(&mut w.bank, &keys).await;
    let greedy = ix::pool_deposit(key, lp.token, 1_000 * USDC, expected + 1, 1);
    assert_program_error(
        w.bank.send(&[greedy], &[&lp.key]).await,
        BulwarkError::SharesBelowMinimum,
    );
    before.assert_unchanged(&mut w.bank).await;
    let exact = ix::pool_deposit(key, lp.token, 1_000 * USDC, expected, 1);
    w.bank.send(&[exact], &[&lp.key]).await.unwrap();
    assert_eq!(w.lp(&lp).await.shares(), 2 * expected);
}
