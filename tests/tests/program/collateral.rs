//! Margin accounts and collateral: create, deposit, withdraw within initial margin, close
//! when empty, delegates that trade but never withdraw, and every rejection.

use anchor_lang::prelude::Pubkey;
use bulwark::error::BulwarkError;
use bulwark_sdk::{ix, pda};
use bulwark_testkit::world::Participant;
use bulwark_tests::*;
use solana_sdk::signature::{Keypair, Signer};

#[tokio::test]
async fn deposit_then_withdraw_moves_tokens_and_the_collateral_bucket_exactly() {
    let (mut w, lp) = venue().await;
    let t = w.participant(500 * USDC).await;
    let vault_before = w.vault_balance().await;
    w.deposit(&t, 300 * USDC).await.unwrap();
    assert_eq!(w.margin(&t.margin).await.collateral, (300 * USDC) as i64);
    assert_eq!(w.bank.token_balance(&t.token).await, 200 * USDC);
    assert_eq!(w.vault_balance().await, vault_before + 300 * USDC);
    w.withdraw(&t, 120 * USDC).await.unwrap();
    assert_eq!(w.margin(&t.margin).await.collateral, (180 * USDC) as i64);
    assert_eq!(w.bank.token_balance(&t.token).await, 320 * USDC);
    assert_eq!(w.pool().await.deposits_net, (180 * USDC) as i64);
    assert_books_balance(&mut w, &[t.margin, lp.margin]).await;
}

#[tokio::test]
async fn accounts_are_per_owner_and_index_and_close_empty_with_rent_back() {
    let (mut w, _lp) = venue().await;
    let t = w.participant(100 * USDC).await;
    // Isolation: a second account of the same owner.
    w.bank
        .send(
            &[ix::create_margin_account(t.key.pubkey(), 7, 0)],
            &[&t.key],
        )
        .await
        .unwrap();
    let second = pda::margin_account(&t.key.pubkey(), 7).0;
    let m = w.margin(&second).await;
    assert_eq!((m.owner, m.index, m.collateral), (t.key.pubkey(), 7, 0));
    // Creating it again fails.
    let again = w
        .bank
        .send(
            &[ix::create_margin_account(t.key.pubkey(), 7, 0)],
            &[&t.key],
        )
        .await;
    assert_program_error(again, BulwarkError::AccountAlreadyInitialized);

    w.deposit(&t, 10 * USDC).await.unwrap();
    let close = ix::close_margin_account(t.key.pubkey(), t.margin);
    assert_program_error(
        w.bank.send(std::slice::from_ref(&close), &[&t.key]).await,
        BulwarkError::AccountNotEmpty,
    );
    w.withdraw(&t, 10 * USDC).await.unwrap();
    let rent = w.bank.account(&t.margin).await.unwrap().lamports;
    let owner_before = w.bank.account(&t.key.pubkey()).await.unwrap().lamports;
    w.bank.send(&[close], &[&t.key]).await.unwrap();
    assert!(w.bank.account(&t.margin).await.is_none());
    // The bank's payer pays the fee; the owner gets the rent back.
    assert_eq!(
        w.bank.account(&t.key.pubkey()).await.unwrap().lamports,
        owner_before + rent
    );
}

#[tokio::test]
async fn a_delegate_trades_but_never_withdraws() {
    let (mut w, _lp) = venue().await;
    let t = trader(&mut w, 1_000 * USDC).await;
    let delegate = Keypair::new();
    w.bank
        .send(
            &[ix::set_delegate(
                t.key.pubkey(),
                t.margin,
                delegate.pubkey(),
            )],
            &[&t.key],
        )
        .await
        .unwrap();
    assert_eq!(w.margin(&t.margin).await.delegate, delegate.pubkey());
    w.refresh(150 * USD).await;
    let trade = ix::trade(delegate.pubkey(), t.margin, SOL_PERP, SOL, 151 * PRICE, &[]);
    w.bank.send(&[trade], &[&delegate]).await.unwrap();
    assert_eq!(w.margin(&t.margin).await.positions[0].base, SOL);

    let before = Snapshot::take(&mut w.bank, &[t.margin, pda::vault().0, t.token]).await;
    let withdraw = ix::withdraw(
        delegate.pubkey(),
        t.margin,
        t.token,
        USDC,
        &[pda::market(SOL_PERP).0],
    );
    assert_program_error(
        w.bank.send(&[withdraw], &[&delegate]).await,
        BulwarkError::NotOwner,
    );
    // Nor may the delegate move the delegation.
    let redelegate = ix::set_delegate(delegate.pubkey(), t.margin, delegate.pubkey());
    assert_program_error(
        w.bank.send(&[redelegate], &[&delegate]).await,
        BulwarkError::NotOwner,
    );
    before.assert_unchanged(&mut w.bank).await;

    // Removing the delegate ends its trading.
    w.bank
        .send(
            &[ix::set_delegate(
                t.key.pubkey(),
                t.margin,
                Pubkey::default(),
            )],
            &[&t.key],
        )
        .await
        .unwrap();
    let trade = ix::trade(delegate.pubkey(), t.margin, SOL_PERP, -SOL, 0, &[]);
    assert_program_error(
        w.bank.send(&[trade], &[&delegate]).await,
        BulwarkError::NotOwnerOrDelegate,
    );
}

#[tokio::test]
async fn withdrawing_beyond_initial_margin_is_refused() {
    let (mut w, _lp) = venue().await;
    let t = trader(&mut w, 100 * USDC).await;
    w.refresh(150 * USD).await;
    w.trade(&t, 4 * SOL, 151 * PRICE).await.unwrap();
    w.refresh(150 * USD).await;
    // 600 USDC of notional needs ~30 USDC of initial margin.
    let before = Snapshot::take(&mut w.bank, &[t.margin, pda::vault().0, t.token]).await;
    assert_program_error(
        w.withdraw(&t, 90 * USDC).await,
        BulwarkError::InitialMarginViolated,
    );
    before.assert_unchanged(&mut w.bank).await;
    w.withdraw(&t, 50 * USDC).await.unwrap();
    // A slot later the withdrawal is judged on this slot's prices only: refused bare, it lands
    // behind a refresh of the position's market in the same transaction (nothing new was
    // published; the stored readings are judged again at this slot).
    w.bank.advance(1, 1).await;
    assert_program_error(
        w.withdraw(&t, USDC).await,
        BulwarkError::NotRefreshedThisSlot,
    );
    let markets = w.health_markets(&t.margin, None).await;
    let withdraw = ix::withdraw(t.key.pubkey(), t.margin, t.token, USDC, &markets);
    let refresh = w.update_risk_ix();
    w.bank.send(&[refresh, withdraw], &[&t.key]).await.unwrap();
}

#[tokio::test]
async fn wrong_signers_accounts_mints_and_amounts_are_refused_and_change_nothing() {
    let (mut w, _lp) = venue().await;
    let t = trader(&mut w, 100 * USDC).await;
    let other = w.participant(100 * USDC).await;
    let before = Snapshot::take(
        &mut w.bank,
        &[t.margin, other.margin, pda::vault().0, t.token, other.token],
    )
    .await;

    refuse_another_owners_instructions(&mut w, &t, &other).await;

    // Zero and more-than-held amounts.
    assert_program_error(w.deposit(&t, 0).await, BulwarkError::ZeroAmount);
    assert_program_error(w.withdraw(&t, 0).await, BulwarkError::ZeroAmount);
    assert_program_error(
        w.withdraw(&t, 100 * USDC + 1).await,
        BulwarkError::InsufficientCollateral,
    );
    assert_program_error(w.withdraw(&t, u64::MAX).await, BulwarkError::AmountTooLarge);
    assert_program_error(w.deposit(&t, u64::MAX).await, BulwarkError::AmountTooLarge);
    // A deposit beyond the token balance fails in the token program (insufficient funds: 1).
    let err = w.deposit(&t, 100 * USDC + 1).await.unwrap_err();
    assert_eq!(custom_code(&err), Some(1));

    refuse_foreign_token_accounts(&mut w, &t).await;
    before.assert_unchanged(&mut w.bank).await;
}

/// Another owner's deposit, withdrawal, trade and close on `t`'s margin account are refused.
async fn refuse_another_owners_instructions(w: &mut World, t: &Participant, other: &Participant) {
    // Someone else's margin account, signed by the wrong owner.
    let deposit = ix::deposit(other.key.pubkey(), t.margin, other.token, USDC);
    assert_program_error(
        w.bank.send(&[deposit], &[&other.key]).await,
        BulwarkError::NotOwner,
    );
    let withdraw = ix::withdraw(other.key.pubkey(), t.margin, other.token, USDC, &[]);
    assert_program_error(
        w.bank.send(&[withdraw], &[&other.key]).await,
        BulwarkError::NotOwner,
    );
    let trade = ix::trade(
        other.key.pubkey(),
        t.margin,
        SOL_PERP,
        SOL,
        151 * PRICE,
        &[],
    );
    assert_program_error(
        w.bank.send(&[trade], &[&other.key]).await,
        BulwarkError::NotOwnerOrDelegate,
    );
    let close = ix::close_margin_account(other.key.pubkey(), t.margin);
    assert_program_error(
        w.bank.send(&[close], &[&other.key]).await,
        BulwarkError::NotOwner,
    );
}

/// A token account of another mint, a vault that is not the exchange's, and a Token-2022
/// account are refused for `t`'s deposit.
async fn refuse_foreign_token_accounts(w: &mut World, t: &Participant) {
    // A token account of another mint; a vault that is not the exchange's.
    let other_mint = w.bank.create_mint(6, &anchor_spl::token::ID).await;
    let foreign = w
        .bank
        .create_token_account(&other_mint, &t.key.pubkey())
        .await;
    w.bank.mint_to(&other_mint, &foreign, 10 * USDC).await;
    let deposit = ix::deposit(t.key.pubkey(), t.margin, foreign, USDC);
    assert_program_error(
        w.bank.send(&[deposit], &[&t.key]).await,
        BulwarkError::WrongMint,
    );
    let mut deposit = ix::deposit(t.key.pubkey(), t.margin, t.token, USDC);
    let vault = deposit
        .accounts
        .iter()
        .position(|a| a.pubkey == pda::vault().0)
        .unwrap();
    deposit.accounts[vault].pubkey = foreign;
    assert_program_error(
        w.bank.send(&[deposit], &[&t.key]).await,
        BulwarkError::WrongVault,
    );

    // A Token-2022 token account is not a classic SPL account (Anchor: owned by the wrong
    // program, 3007), whatever it holds.
    let t22_mint = w.bank.create_mint(6, &anchor_spl::token_2022::ID).await;
    let t22 = Keypair::new().pubkey();
    w.bank
        .set_account(&t22, &anchor_spl::token_2022::ID, vec![0; 165]);
    let deposit = ix::deposit(t.key.pubkey(), t.margin, t22, USDC);
    let err = w.bank.send(&[deposit], &[&t.key]).await.unwrap_err();
    assert_eq!(custom_code(&err), Some(3007), "{t22_mint} {err:?}");
}
