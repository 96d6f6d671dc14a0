//! `initialize_exchange`: only the upgrade authority, only once, only a classic SPL mint.

use anchor_lang::prelude::Pubkey;
use bulwark::error::BulwarkError;
use bulwark_engine::bounds::Param;
use bulwark_sdk::{ix, pda};
use bulwark_tests::*;
use solana_sdk::program_pack::Pack;
use solana_sdk::signature::{Keypair, Signer};

#[tokio::test]
async fn the_upgrade_authority_creates_the_exchange_and_its_vault() {
    let mut w = World::new().await;
    let mint_before = Snapshot::take(&mut w.bank, &[w.collateral_mint, pda::program_data()]).await;
    let authority = w.bank.upgrade_authority.pubkey();
    let lamports_before = w.bank.account(&authority).await.unwrap().lamports;
    w.initialize_exchange().await.unwrap();
    mint_before.assert_unchanged(&mut w.bank).await;
    let mut rent = 0;
    for key in [
        pda::exchange().0,
        pda::vault().0,
        pda::pool(0).0,
        pda::insurance_fund(0).0,
    ] {
        rent += w.bank.account(&key).await.unwrap().lamports;
    }
    assert_eq!(
        w.bank.account(&authority).await.unwrap().lamports,
        lamports_before - rent,
        "the authority paid the four accounts' rent"
    );
    let pool =
        bulwark_sdk::accounts::pool(&w.bank.account(&pda::pool(0).0).await.unwrap().data).unwrap();
    assert_eq!(
        (pool.capital, pool.total_shares(), pool.requested_shares()),
        (0, 0, 0)
    );
    assert_eq!(
        pool.withdraw_delay_secs,
        bulwark_sdk::params::POOL_WITHDRAW_DELAY_SECS
    );
    assert_eq!(
        pool.max_pnl_to_pool_ppm,
        bulwark_sdk::params::MAX_PNL_TO_POOL_PPM
    );
    let fund = bulwark_sdk::accounts::insurance_fund(
        &w.bank
            .account(&pda::insurance_fund(0).0)
            .await
            .unwrap()
            .data,
    )
    .unwrap();
    assert_eq!(fund.balance, 0);

    let ex = w.bank.exchange().await;
    assert_eq!(ex.version, 1);
    assert_eq!(ex.governance, w.governance.pubkey());
    assert_eq!(ex.guardian, w.guardian.pubkey());
    assert_eq!(ex.collateral_mint, w.collateral_mint);
    assert_eq!(ex.vault, pda::vault().0);
    assert_eq!(ex.collateral_decimals, 6);
    assert_eq!(ex.market_count, 0);
    assert_eq!(ex.status, 0);
    assert_eq!((w.pool().await.deposits_net, ex.protocol_fees), (0, 0));
    assert_eq!(ex.pool_count, 1, "pool 0 comes with the exchange");
    let c = ex.collateral_oracle;
    assert_eq!(c.num_sources, 2);
    assert_eq!(c.min_quorum, 1);
    assert_eq!(c.sources[0].account, w.feed(Feed::PythUsdc));
    assert_eq!(c.sources[1].account, w.feed(Feed::ChainlinkUsdc));
    assert_eq!(
        c.sources[2],
        Default::default(),
        "unused source slots stay zero"
    );
    assert!(ex.reserved.iter().all(|b| *b == 0));

    let vault = w.bank.account(&pda::vault().0).await.expect("vault exists");
    assert_eq!(vault.owner, anchor_spl::token::ID);
    let token = anchor_spl::token::spl_token::state::Account::unpack(&vault.data).unwrap();
    assert_eq!(token.mint, w.collateral_mint);
    assert_eq!(
        token.owner,
        pda::exchange().0,
        "the exchange PDA is the vault's authority"
    );
    assert_eq!(token.amount, 0);
}

#[tokio::test]
async fn anyone_but_the_upgrade_authority_is_refused_and_nothing_is_created() {
    let mut w = World::new().await;
    let impostor = Keypair::new();
    w.bank.fund(&impostor.pubkey(), 10_000_000_000).await;
    let before = Snapshot::take(
        &mut w.bank,
        &[pda::exchange().0, pda::vault().0, impostor.pubkey()],
    )
    .await;
    let ix = ix::initialize_exchange(impostor.pubkey(), w.collateral_mint, w.exchange_args());
    assert_program_error(
        w.bank.send(&[ix], &[&impostor]).await,
        BulwarkError::NotUpgradeAuthority,
    );
    before.assert_unchanged(&mut w.bank).await;
    assert!(w.bank.account(&pda::exchange().0).await.is_none());
}

#[tokio::test]
async fn a_second_initialization_fails_and_leaves_the_exchange_as_it_was() {
    let mut w = World::new().await;
    w.initialize_exchange().await.unwrap();
    let before = Snapshot::take(&mut w.bank, &[pda::exchange().0, pda::vault().0]).await;
    let mut args = w.exchange_args();
    args.governance = Pubkey::new_unique();
    assert_program_error(
        w.initialize_exchange_with(args).await,
        BulwarkError::AccountAlreadyInitialized,
    );
    before.assert_unchanged(&mut w.bank).await;
    assert_eq!(w.bank.exchange().await.governance, w.governance.pubkey());
}

#[tokio::test]
async fn a_pre_funded_exchange_address_cannot_block_initialization() {
    let mut w = World::new().await;
    w.bank.fund(&pda::exchange().0, 1_000_000).await;
    w.bank.fund(&pda::vault().0, 1_000_000).await;
    w.initialize_exchange().await.unwrap();
    let acc = w.bank.account(&pda::exchange().0).await.unwrap();
    assert_eq!(acc.owner, bulwark::ID);
    assert_eq!(w.bank.exchange().await.governance, w.governance.pubkey());
    assert_eq!(
        w.bank.account(&pda::vault().0).await.unwrap().owner,
        anchor_spl::token::ID
    );
}

#[tokio::test]
async fn a_collateral_mint_account_that_is_not_a_mint_is_refused() {
    let mut w = World::new().await;
    let fake = Pubkey::new_unique();
    w.bank
        .set_account(&fake, &anchor_spl::token::ID, vec![0; 82]);
    w.collateral_mint = fake;
    assert_program_error(
        w.initialize_exchange().await,
        BulwarkError::InvalidCollateralMint,
    );
    assert!(w.bank.account(&pda::exchange().0).await.is_none());
}

#[tokio::test]
async fn a_token_2022_collateral_mint_is_refused() {
    let mut w = World::new().await;
    w.collateral_mint = w.bank.create_mint(6, &anchor_spl::token_2022::ID).await;
    let before = Snapshot::take(&mut w.bank, &[pda::exchange().0, pda::vault().0]).await;
    assert_program_error(
        w.initialize_exchange().await,
        BulwarkError::CollateralMintNotClassicToken,
    );
    before.assert_unchanged(&mut w.bank).await;
}

#[tokio::test]
async fn collateral_oracle_limits_outside_the_bounds_table_are_refused() {
    let mut w = World::new().await;
    let mut args = w.exchange_args();
    args.collateral_oracle.max_deviation_ppm = Param::OracleMaxDeviation.bound().max as u32 + 1;
    assert_program_error(
        w.initialize_exchange_with(args).await,
        BulwarkError::ParameterOutOfBounds,
    );
    let mut args = w.exchange_args();
    args.collateral_oracle.sources[0].max_staleness_secs = 0;
    assert_program_error(
        w.initialize_exchange_with(args).await,
        BulwarkError::ParameterOutOfBounds,
    );
    let mut args = w.exchange_args();
    args.governance = Pubkey::default();
    assert_program_error(
        w.initialize_exchange_with(args).await,
        BulwarkError::InvalidRoleKey,
    );
    assert!(w.bank.account(&pda::exchange().0).await.is_none());
}
