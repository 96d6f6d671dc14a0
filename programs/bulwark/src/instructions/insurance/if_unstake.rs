//! `if_unstake`: after the cooldown (and before the request expires, `REQUEST_VALID_SECS`
//! later), pays the requested shares at the lower of their value at the request and now, and
//! burns them. "Now" is the fund's exit value: its balance less what every market advanced on
//! its behalf and every unresolved negative collateral. Remaining accounts: every market,
//! index 0 upwards.

use crate::error::OrMath;
use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};
use bulwark_engine::checked::Checked;
use bulwark_engine::insurance::{fund_exit_value, unstake_payout};

use crate::constants::*;
use crate::error::{engine_err, BulwarkError};
use crate::events::Unstaked;
use crate::instructions::common::pool_value::{fund_liabilities, require_request_ready};
use crate::instructions::common::tokens::{check_user_token_account, out_of_vault};
use crate::state::{Exchange, InsuranceFund, LiquidityPool, StakeAccount};

#[event_cpi]
#[derive(Accounts)]
pub struct IfUnstake<'info> {
    pub owner: Signer<'info>,

    #[account(mut)]
    pub insurance_fund: AccountLoader<'info, InsuranceFund>,

    #[account(mut, seeds = [STAKE_SEED, &insurance_fund.load()?.pool.to_le_bytes(), owner.key().as_ref()], bump = stake_account.load()?.bump, has_one = owner @ BulwarkError::NotOwner)]
    pub stake_account: AccountLoader<'info, StakeAccount>,

    /// The fund's pool (its markets' liabilities to the fund are read).
    #[account(mut, constraint = pool.load()?.index == insurance_fund.load()?.pool @ BulwarkError::PoolMismatch)]
    pub pool: AccountLoader<'info, LiquidityPool>,

    #[account(address = EXCHANGE_ADDRESS @ ErrorCode::ConstraintSeeds)]
    pub exchange: AccountLoader<'info, Exchange>,

    #[account(mut, address = exchange.load()?.vault @ BulwarkError::WrongVault)]
    pub vault: Account<'info, TokenAccount>,

    #[account(mut)]
    pub destination: Account<'info, TokenAccount>,

    pub token_program: Program<'info, Token>,
}

pub fn if_unstake_handler<'info>(ctx: Context<'info, IfUnstake<'info>>) -> Result<()> {
    let a = &ctx.accounts;
    a.exchange.load()?.require_not_paused(
        bulwark_engine::state::pause::UNSTAKE,
        Clock::get()?.unix_timestamp,
    )?;
    let now = Clock::get()?.unix_timestamp;
    let bump = {
        let ex = a.exchange.load()?;
        check_user_token_account(&ex, &a.destination)?;
        ex.bump
    };
    let (advanced, bad_debt) = fund_liabilities(ctx.remaining_accounts, &*a.pool.load()?)?;
    let (shares, amount) = {
        let s = a.stake_account.load()?;
        let fund = a.insurance_fund.load()?;
        require!(s.requested_shares() > 0, BulwarkError::NoWithdrawalRequest);
        require_request_ready(
            s.requested_at,
            fund.unstake_cooldown_secs,
            now,
            BulwarkError::CooldownNotOver,
        )?;
        let amount = unstake_payout(
            s.requested_shares(),
            fund.total_shares(),
            fund_exit_value(fund.balance, advanced, bad_debt),
            s.value_at_request,
        )
        .map_err(engine_err)?;
        require_gte!(fund.balance, amount, BulwarkError::InsufficientInsurance);
        (s.requested_shares(), amount)
    };
    if amount > 0 {
        out_of_vault(
            &a.token_program,
            &a.vault,
            &a.destination,
            &a.exchange.to_account_info(),
            bump,
            amount,
        )?;
    }
    let mut s = a.stake_account.load_mut()?;
    let mut fund = a.insurance_fund.load_mut()?;
    s.sub_shares(shares)?;
    s.set_requested_shares(0);
    s.requested_at = 0;
    s.value_at_request = 0;
    fund.sub_total_shares(shares)?;
    fund.sub_requested_shares(shares)?;
    fund.balance = fund.balance.minus(amount).or_math()?;
    a.pool.load_mut()?.tokens_out(amount)?;
    emit_cpi!(Unstaked {
        pool_index: fund.pool,
        owner: s.owner,
        shares,
        amount,
        total_shares: fund.total_shares()
    });
    Ok(())
}
