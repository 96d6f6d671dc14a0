//! `update_risk` account validation: the oracle accounts must be exactly the configured ones,
//! in order; the market must sit at its PDA. Each rejection changes nothing.

use anchor_lang::prelude::Pubkey;
use bulwark::error::BulwarkError;
use bulwark_sdk::{ix, pda};
use bulwark_tests::*;

fn sol_and_usdc(w: &World) -> (Vec<Pubkey>, Vec<Pubkey>) {
    (
        w.sol_sources().iter().map(|s| s.account).collect(),
        w.usdc_sources().iter().map(|s| s.account).collect(),
    )
}

async fn fresh_world() -> World {
    let mut w = World::with_sol_market().await;
    w.bank.advance(5, 2).await;
    w.publish_all(151 * USD, USD).await;
    w
}

async fn assert_rejected(w: &mut World, sol: &[Pubkey], usdc: &[Pubkey], expected: BulwarkError) {
    let before = Snapshot::take(&mut w.bank, &[pda::market(SOL_PERP).0, pda::exchange().0]).await;
    let result = w
        .bank
        .send(&[ix::update_risk(SOL_PERP, sol, usdc)], &[])
        .await;
    assert_program_error(result, expected);
    before.assert_unchanged(&mut w.bank).await;
}

#[tokio::test]
async fn oracle_accounts_in_the_wrong_order_are_refused() {
    let mut w = fresh_world().await;
    let (mut sol, usdc) = sol_and_usdc(&w);
    sol.swap(0, 2);
    assert_rejected(&mut w, &sol, &usdc, BulwarkError::WrongOracleAccount).await;
    let (sol, mut usdc) = sol_and_usdc(&w);
    usdc.swap(0, 1);
    assert_rejected(&mut w, &sol, &usdc, BulwarkError::WrongOracleAccount).await;
    // Collateral feeds passed first and the market's after: also wrong.
    let (sol, usdc) = sol_and_usdc(&w);
    let mut all: Vec<Pubkey> = usdc.iter().chain(sol.iter()).copied().collect();
    let tail = all.split_off(3);
    assert_rejected(&mut w, &all, &tail, BulwarkError::WrongOracleAccount).await;
}

#[tokio::test]
async fn a_foreign_account_in_a_source_position_is_refused() {
    let mut w = fresh_world().await;
    let (mut sol, usdc) = sol_and_usdc(&w);
    sol[1] = Pubkey::new_unique();
    assert_rejected(&mut w, &sol, &usdc, BulwarkError::WrongOracleAccount).await;
}

#[tokio::test]
async fn a_missing_oracle_account_is_refused() {
    let mut w = fresh_world().await;
    let (sol, mut usdc) = sol_and_usdc(&w);
    usdc.pop();
    assert_rejected(&mut w, &sol, &usdc, BulwarkError::MissingOracleAccount).await;
    assert_rejected(&mut w, &[], &[], BulwarkError::MissingOracleAccount).await;
}

#[tokio::test]
async fn an_extra_oracle_account_is_refused() {
    let mut w = fresh_world().await;
    let (sol, mut usdc) = sol_and_usdc(&w);
    usdc.push(w.feed(Feed::PythSol));
    assert_rejected(&mut w, &sol, &usdc, BulwarkError::ExtraOracleAccount).await;
}

#[tokio::test]
async fn a_market_copied_away_from_its_pda_is_refused() {
    let mut w = fresh_world().await;
    let real = w.bank.account(&pda::market(SOL_PERP).0).await.unwrap();
    let fake = Pubkey::new_unique();
    w.bank.set_account(&fake, &bulwark::ID, real.data.clone());
    let (sol, usdc) = sol_and_usdc(&w);
    let mut ix = ix::update_risk(SOL_PERP, &sol, &usdc);
    ix.accounts[1].pubkey = fake;
    let before = Snapshot::take(&mut w.bank, &[fake, pda::market(SOL_PERP).0]).await;
    assert_program_error(
        w.bank.send(&[ix], &[]).await,
        BulwarkError::MarketAddressMismatch,
    );
    before.assert_unchanged(&mut w.bank).await;
}

#[tokio::test]
async fn the_correct_accounts_are_accepted_after_the_rejections() {
    let mut w = fresh_world().await;
    let (sol, usdc) = sol_and_usdc(&w);
    w.bank
        .send(&[ix::update_risk(SOL_PERP, &sol, &usdc)], &[])
        .await
        .unwrap();
    assert_eq!(w.bank.market(SOL_PERP).await.aggregate.price, 151 * PRICE);
}
