//! `if_request_unstake(shares)`: starts the cooldown for `shares`, recording their value now;
//! the payout will be the lower of that and their value when paid (shares under cooldown
//! still bear losses). A new request replaces the pending one.

use anchor_lang::prelude::*;
use bulwark_engine::pool::amount_for_shares;

use crate::constants::*;
use crate::error::{engine_err, BulwarkError};
use crate::events::UnstakeRequested;
use crate::state::{InsuranceFund, StakeAccount};

#[event_cpi]
#[derive(Accounts)]
pub struct IfRequestUnstake<'info> {
    pub owner: Signer<'info>,

    #[account(mut)]
    pub insurance_fund: AccountLoader<'info, InsuranceFund>,

    #[account(mut, seeds = [STAKE_SEED, &insurance_fund.load()?.pool.to_le_bytes(), owner.key().as_ref()], bump = stake_account.load()?.bump, has_one = owner @ BulwarkError::NotOwner)]
    pub stake_account: AccountLoader<'info, StakeAccount>,
}

pub fn if_request_unstake_handler(ctx: Context<IfRequestUnstake>, shares: u128) -> Result<()> {
    require!(shares > 0, BulwarkError::ZeroAmount);
    let now = Clock::get()?.unix_timestamp;
    let mut s = ctx.accounts.stake_account.load_mut()?;
    require_gte!(s.shares(), shares, BulwarkError::InsufficientShares);
    let mut fund = ctx.accounts.insurance_fund.load_mut()?;
    let value = amount_for_shares(shares, fund.total_shares(), fund.balance).map_err(engine_err)?;
    fund.sub_requested_shares(s.requested_shares())?;
    fund.add_requested_shares(shares)?;
    s.set_requested_shares(shares);
    s.requested_at = now;
    s.value_at_request = value;
    emit_cpi!(UnstakeRequested {
        pool_index: s.pool,
        owner: s.owner,
        shares,
        value_at_request: value,
        requested_at: now
    });
    Ok(())
}
