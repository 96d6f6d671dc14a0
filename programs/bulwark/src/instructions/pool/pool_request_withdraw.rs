//! `pool_request_withdraw(shares)`: an LP asks to withdraw `shares`; `pool_withdraw` pays them
//! after the pool's delay. A new request replaces the pending one (and restarts the delay).

use anchor_lang::prelude::*;

use crate::constants::*;
use crate::error::BulwarkError;
use crate::events::PoolWithdrawRequested;
use crate::state::{LiquidityPool, LpAccount};

#[event_cpi]
#[derive(Accounts)]
pub struct PoolRequestWithdraw<'info> {
    pub owner: Signer<'info>,

    #[account(mut)]
    pub pool: AccountLoader<'info, LiquidityPool>,

    #[account(mut, seeds = [LP_SEED, &pool.load()?.index.to_le_bytes(), owner.key().as_ref()], bump = lp_account.load()?.bump, has_one = owner @ BulwarkError::NotOwner)]
    pub lp_account: AccountLoader<'info, LpAccount>,
}

pub fn pool_request_withdraw_handler(
    ctx: Context<PoolRequestWithdraw>,
    shares: u128,
) -> Result<()> {
    require!(shares > 0, BulwarkError::ZeroAmount);
    let now = Clock::get()?.unix_timestamp;
    let mut lp = ctx.accounts.lp_account.load_mut()?;
    require_gte!(lp.shares(), shares, BulwarkError::InsufficientShares);
    let mut pool = ctx.accounts.pool.load_mut()?;
    pool.sub_requested_shares(lp.requested_shares())?;
    pool.add_requested_shares(shares)?;
    lp.set_requested_shares(shares);
    lp.requested_at = now;
    emit_cpi!(PoolWithdrawRequested {
        pool_index: lp.pool,
        owner: lp.owner,
        shares,
        requested_at: now
    });
    Ok(())
}
