//! `withdraw(amount)`: the owner (never a delegate) takes collateral out, only if the
//! initial margin still holds afterwards. Remaining accounts: the markets of the account's
//! open positions, ascending; each needs a price valid for increasing risk.

use crate::error::OrMath;
use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};
use bulwark_engine::action::Action;
use bulwark_engine::checked::Checked;
use bulwark_engine::margin::collateral_after_withdrawal;

use crate::constants::*;
use crate::error::{engine_err, BulwarkError};
use crate::events::CollateralWithdrawn;
use crate::instructions::common::health_markets::load_health_markets;
use crate::instructions::common::tokens::{check_user_token_account, out_of_vault};
use crate::state::{Exchange, LiquidityPool, MarginAccount};

#[event_cpi]
#[derive(Accounts)]
pub struct Withdraw<'info> {
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

    /// Any token account of the collateral mint.
    #[account(mut)]
    pub destination: Account<'info, TokenAccount>,

    pub token_program: Program<'info, Token>,
}

pub fn withdraw_handler<'info>(ctx: Context<'info, Withdraw<'info>>, amount: u64) -> Result<()> {
    require!(amount > 0, BulwarkError::ZeroAmount);
    let a = &ctx.accounts;
    a.exchange.load()?.require_not_paused(
        bulwark_engine::state::pause::WITHDRAW,
        Clock::get()?.unix_timestamp,
    )?;
    let clock = Clock::get()?;
    let signed = i64::try_from(amount).map_err(|_| BulwarkError::AmountTooLarge)?;
    let (bump, decimals) = {
        let ex = a.exchange.load()?;
        check_user_token_account(&ex, &a.destination)?;
        (ex.bump, ex.collateral_decimals)
    };
    let collateral_after = {
        let m = a.margin_account.load()?;
        require_gte!(m.collateral, signed, BulwarkError::InsufficientCollateral);
        let positions = load_health_markets(
            &m,
            ctx.remaining_accounts,
            None,
            Action::IncreaseRisk,
            decimals,
            &clock,
        )?;
        collateral_after_withdrawal(m.collateral, signed, &positions).map_err(engine_err)?
    };
    out_of_vault(
        &a.token_program,
        &a.vault,
        &a.destination,
        &a.exchange.to_account_info(),
        bump,
        amount,
    )?;
    a.margin_account.load_mut()?.collateral = collateral_after;
    let mut pool = a.pool.load_mut()?;
    pool.deposits_net = pool.deposits_net.minus(signed).or_math()?;
    pool.tokens_out(amount)?;
    emit_cpi!(CollateralWithdrawn {
        margin_account: a.margin_account.key(),
        amount,
        collateral: collateral_after
    });
    Ok(())
}
