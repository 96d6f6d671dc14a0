//! `deposit(amount)`: the owner moves collateral from a token account into the vault and
//! credits the margin account.

use crate::error::OrMath;
use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};
use bulwark_engine::checked::Checked;

use crate::constants::*;
use crate::error::BulwarkError;
use crate::events::CollateralDeposited;
use crate::instructions::common::tokens::{check_user_token_account, into_vault};
use crate::state::{Exchange, LiquidityPool, MarginAccount};

#[event_cpi]
#[derive(Accounts)]
pub struct Deposit<'info> {
    pub owner: Signer<'info>,

    #[account(mut, has_one = owner @ BulwarkError::NotOwner)]
    pub margin_account: AccountLoader<'info, MarginAccount>,

    /// The account's risk pool (its deposits bucket).
    #[account(mut, constraint = pool.load()?.index == margin_account.load()?.pool @ BulwarkError::PoolMismatch)]
    pub pool: AccountLoader<'info, LiquidityPool>,

    #[account(address = EXCHANGE_ADDRESS @ ErrorCode::ConstraintSeeds)]
    pub exchange: AccountLoader<'info, Exchange>,

    #[account(mut, address = exchange.load()?.vault @ BulwarkError::WrongVault)]
    pub vault: Account<'info, TokenAccount>,

    /// The owner's token account of the collateral mint.
    #[account(mut)]
    pub source: Account<'info, TokenAccount>,

    pub token_program: Program<'info, Token>,
}

pub fn deposit_handler(ctx: Context<Deposit>, amount: u64) -> Result<()> {
    require!(amount > 0, BulwarkError::ZeroAmount);
    let signed = i64::try_from(amount).map_err(|_| BulwarkError::AmountTooLarge)?;
    let a = &ctx.accounts;
    a.exchange.load()?.require_not_paused(
        bulwark_engine::state::pause::DEPOSIT,
        Clock::get()?.unix_timestamp,
    )?;
    {
        let ex = a.exchange.load()?;
        check_user_token_account(&ex, &a.source)?;
    }
    into_vault(&a.token_program, &a.source, &a.vault, &a.owner, amount)?;
    let mut m = a.margin_account.load_mut()?;
    m.collateral = m.collateral.plus(signed).or_math()?;
    let mut pool = a.pool.load_mut()?;
    pool.deposits_net = pool.deposits_net.plus(signed).or_math()?;
    pool.tokens_in(amount)?;
    emit_cpi!(CollateralDeposited {
        margin_account: a.margin_account.key(),
        amount,
        collateral: m.collateral
    });
    Ok(())
}
