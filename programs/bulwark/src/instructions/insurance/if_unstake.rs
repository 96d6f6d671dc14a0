//! `if_unstake`: after the cooldown, pays the requested shares at the lower of their value at
//! the request and now, and burns them.

use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};
use bulwark_engine::insurance::unstake_payout;

use crate::constants::*;
use crate::error::{engine_err, BulwarkError};
use crate::events::Unstaked;
use crate::instructions::common::tokens::{check_user_token_account, out_of_vault};
use crate::state::{Exchange, InsuranceFund, StakeAccount};

#[derive(Accounts)]
pub struct IfUnstake<'info> {
    pub owner: Signer<'info>,

    #[account(mut, seeds = [STAKE_SEED, owner.key().as_ref()], bump = stake_account.load()?.bump, has_one = owner @ BulwarkError::NotOwner)]
    pub stake_account: AccountLoader<'info, StakeAccount>,

    #[account(mut, seeds = [INSURANCE_SEED], bump = insurance_fund.load()?.bump)]
    pub insurance_fund: AccountLoader<'info, InsuranceFund>,

    #[account(seeds = [EXCHANGE_SEED], bump = exchange.load()?.bump)]
    pub exchange: AccountLoader<'info, Exchange>,

    #[account(mut, address = exchange.load()?.vault @ BulwarkError::WrongVault)]
    pub vault: Account<'info, TokenAccount>,

    #[account(mut)]
    pub destination: Account<'info, TokenAccount>,

    pub token_program: Program<'info, Token>,
}

pub fn if_unstake_handler(ctx: Context<IfUnstake>) -> Result<()> {
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
    let (shares, amount) = {
        let s = a.stake_account.load()?;
        let fund = a.insurance_fund.load()?;
        require!(s.requested_shares > 0, BulwarkError::NoWithdrawalRequest);
        require!(
            now >= s
                .requested_at
                .saturating_add(fund.unstake_cooldown_secs as i64),
            BulwarkError::CooldownNotOver
        );
        let amount = unstake_payout(
            s.requested_shares,
            fund.total_shares,
            fund.balance,
            s.value_at_request,
        )
        .map_err(engine_err)?;
        require_gte!(fund.balance, amount, BulwarkError::InsufficientInsurance);
        (s.requested_shares, amount)
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
    s.shares = s
        .shares
        .checked_sub(shares)
        .ok_or(BulwarkError::MathError)?;
    s.requested_shares = 0;
    s.requested_at = 0;
    s.value_at_request = 0;
    fund.total_shares = fund
        .total_shares
        .checked_sub(shares)
        .ok_or(BulwarkError::MathError)?;
    fund.requested_shares = fund
        .requested_shares
        .checked_sub(shares)
        .ok_or(BulwarkError::MathError)?;
    fund.balance -= amount;
    emit!(Unstaked {
        owner: s.owner,
        shares,
        amount,
        total_shares: fund.total_shares
    });
    Ok(())
}
