//! `pool_withdraw`: pays an LP's pending request after the delay (and before it expires,
//! `REQUEST_VALID_SECS` later), at the pool's minimum value (net of unresolved bad debt),
//! never beyond the pool's capital or what open interest leaves unreserved.
//! Remaining accounts: every market, index 0 upwards.

use crate::error::OrMath;
use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};
use bulwark_engine::checked::{cast, Checked};
use bulwark_engine::pool::amount_for_shares;

use crate::constants::*;
use crate::error::{engine_err, BulwarkError};
use crate::events::PoolWithdrawn;
use crate::instructions::common::pool_value::{require_request_ready, value_pool};
use crate::instructions::common::tokens::{check_user_token_account, out_of_vault};
use crate::state::{Exchange, LiquidityPool, LpAccount};

#[event_cpi]
#[derive(Accounts)]
pub struct PoolWithdraw<'info> {
    pub owner: Signer<'info>,

    #[account(mut)]
    pub pool: AccountLoader<'info, LiquidityPool>,

    #[account(mut, seeds = [LP_SEED, &pool.load()?.index.to_le_bytes(), owner.key().as_ref()], bump = lp_account.load()?.bump, has_one = owner @ BulwarkError::NotOwner)]
    pub lp_account: AccountLoader<'info, LpAccount>,

    #[account(address = EXCHANGE_ADDRESS @ ErrorCode::ConstraintSeeds)]
    pub exchange: AccountLoader<'info, Exchange>,

    #[account(mut, address = exchange.load()?.vault @ BulwarkError::WrongVault)]
    pub vault: Account<'info, TokenAccount>,

    #[account(mut)]
    pub destination: Account<'info, TokenAccount>,

    pub token_program: Program<'info, Token>,
}

pub fn pool_withdraw_handler<'info>(ctx: Context<'info, PoolWithdraw<'info>>) -> Result<()> {
    let a = &ctx.accounts;
    a.exchange.load()?.require_not_paused(
        bulwark_engine::state::pause::POOL_WITHDRAW,
        Clock::get()?.unix_timestamp,
    )?;
    let clock = Clock::get()?;
    let (decimals, bump) = {
        let ex = a.exchange.load()?;
        check_user_token_account(&ex, &a.destination)?;
        (ex.collateral_decimals, ex.bump)
    };
    let (shares, amount) = {
        let lp = a.lp_account.load()?;
        let pool = a.pool.load()?;
        require!(lp.requested_shares() > 0, BulwarkError::NoWithdrawalRequest);
        require_request_ready(
            lp.requested_at,
            pool.withdraw_delay_secs,
            clock.unix_timestamp,
            BulwarkError::WithdrawalNotReady,
        )?;
        let view = value_pool(&pool, ctx.remaining_accounts, decimals, &clock)?;
        let amount = amount_for_shares(lp.requested_shares(), pool.total_shares(), view.value.min)
            .map_err(engine_err)?;
        require!(amount > 0, BulwarkError::ZeroAmount);
        require_gte!(
            pool.capital,
            cast::<i64, _>(amount).or_math()?,
            BulwarkError::InsufficientPoolCapital
        );
        require!(
            view.reserves_allow_withdrawal(amount)?,
            BulwarkError::WithdrawalExceedsUnreserved
        );
        (lp.requested_shares(), amount)
    };
    out_of_vault(
        &a.token_program,
        &a.vault,
        &a.destination,
        &a.exchange.to_account_info(),
        bump,
        amount,
    )?;
    let mut lp = a.lp_account.load_mut()?;
    let mut pool = a.pool.load_mut()?;
    lp.sub_shares(shares)?;
    lp.set_requested_shares(0);
    lp.requested_at = 0;
    pool.sub_total_shares(shares)?;
    pool.sub_requested_shares(shares)?;
    pool.capital = pool.capital.minus(cast(amount).or_math()?).or_math()?;
    pool.tokens_out(amount)?;
    emit_cpi!(PoolWithdrawn {
        pool_index: pool.index,
        owner: lp.owner,
        shares,
        amount,
        total_shares: pool.total_shares()
    });
    Ok(())
}
