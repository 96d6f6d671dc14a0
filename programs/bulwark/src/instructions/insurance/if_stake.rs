//! `if_stake(amount)`: a staker adds collateral to the insurance fund for shares priced at
//! its balance (internal, never the vault's), with virtual offsets. The staker's PDA is
//! created on the first stake.

use crate::error::OrMath;
use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};
use bulwark_engine::checked::Checked;
use bulwark_engine::pool::shares_for_deposit;

use crate::account_init::load_or_create;
use crate::constants::*;
use crate::error::{engine_err, BulwarkError};
use crate::events::Staked;
use crate::instructions::common::tokens::{check_user_token_account, into_vault};
use crate::state::{Exchange, InsuranceFund, LiquidityPool, StakeAccount};

#[event_cpi]
#[derive(Accounts)]
pub struct IfStake<'info> {
    #[account(mut)]
    pub owner: Signer<'info>,

    #[account(mut)]
    pub insurance_fund: AccountLoader<'info, InsuranceFund>,

    /// CHECK: the staker's PDA; created here on the first stake, else loaded and checked.
    #[account(mut, seeds = [STAKE_SEED, &insurance_fund.load()?.pool.to_le_bytes(), owner.key().as_ref()], bump)]
    pub stake_account: UncheckedAccount<'info>,

    /// The fund's pool (the vault's share of it).
    #[account(mut, constraint = pool.load()?.index == insurance_fund.load()?.pool @ BulwarkError::PoolMismatch)]
    pub pool: AccountLoader<'info, LiquidityPool>,

    #[account(address = EXCHANGE_ADDRESS @ ErrorCode::ConstraintSeeds)]
    pub exchange: AccountLoader<'info, Exchange>,

    #[account(mut, address = exchange.load()?.vault @ BulwarkError::WrongVault)]
    pub vault: Account<'info, TokenAccount>,

    #[account(mut)]
    pub source: Account<'info, TokenAccount>,

    pub token_program: Program<'info, Token>,
    pub system_program: Program<'info, System>,
}

pub fn if_stake_handler(ctx: Context<IfStake>, amount: u64) -> Result<()> {
    require!(amount > 0, BulwarkError::ZeroAmount);
    let a = &ctx.accounts;
    a.exchange.load()?.require_not_paused(
        bulwark_engine::state::pause::STAKE,
        Clock::get()?.unix_timestamp,
    )?;
    check_user_token_account(&*a.exchange.load()?, &a.source)?;
    let shares = {
        let fund = a.insurance_fund.load()?;
        shares_for_deposit(amount, fund.total_shares(), fund.balance).map_err(engine_err)?
    };
    require!(shares > 0, BulwarkError::ZeroAmount);
    let owner = a.owner.key();
    into_vault(&a.token_program, &a.source, &a.vault, &a.owner, amount)?;
    let bump = ctx.bumps.stake_account;
    let pool_index = a.insurance_fund.load()?.pool;
    let seeds: &[&[u8]] = &[
        STAKE_SEED,
        &pool_index.to_le_bytes(),
        owner.as_ref(),
        &[bump],
    ];
    let mut s = load_or_create::<StakeAccount>(
        &a.owner.to_account_info(),
        &a.stake_account,
        StakeAccount::SPACE,
        seeds,
        |x| {
            x.version = ACCOUNT_VERSION;
            x.bump = bump;
            x.owner = owner;
            x.pool = pool_index;
        },
    )?;
    require_keys_eq!(s.owner, owner, BulwarkError::NotOwner);
    s.add_shares(shares)?;
    let mut fund = a.insurance_fund.load_mut()?;
    fund.add_total_shares(shares)?;
    fund.balance = fund.balance.plus(amount).or_math()?;
    a.pool.load_mut()?.tokens_in(amount)?;
    emit_cpi!(Staked {
        pool_index: fund.pool,
        owner,
        amount,
        shares,
        total_shares: fund.total_shares()
    });
    Ok(())
}
