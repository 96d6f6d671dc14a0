//! `set_pool_param(pool, param, value)`: governance changes a risk pool's stress-signal
//! parameter at once when it only tightens risk (a larger step, spread or calm period, a lower
//! or first volatility trigger, a leader named where there was none: `PoolParam::tightens`).
//! Anything else (a leader replaced or removed, a smaller step, ...) must be queued
//! (`ProposalAction::PoolParam`) and is judged again at execution. A tightening makes every
//! change of the same parameter queued so far stale.

use anchor_lang::prelude::*;
use bulwark_engine::contagion::PoolParam;

use crate::constants::*;
use crate::error::BulwarkError;
use crate::state::{Exchange, LiquidityPool};

#[event_cpi]
#[derive(Accounts)]
pub struct SetPoolParam<'info> {
    pub governance: Signer<'info>,

    #[account(address = EXCHANGE_ADDRESS @ ErrorCode::ConstraintSeeds, has_one = governance @ BulwarkError::NotGovernance)]
    pub exchange: AccountLoader<'info, Exchange>,

    #[account(mut)]
    pub pool: AccountLoader<'info, LiquidityPool>,
}

pub fn set_pool_param_handler(
    ctx: Context<SetPoolParam>,
    param: PoolParam,
    value: u64,
) -> Result<()> {
    let ex = ctx.accounts.exchange.load()?;
    let mut pool = ctx.accounts.pool.load_mut()?;
    let route = bulwark_engine::governance::Route::AtOnce;
    let changed = super::apply_pool_param(
        &mut pool,
        param,
        value,
        ex.market_count,
        route,
        (ex.proposal_count, Clock::get()?.unix_timestamp),
    )?;
    emit_cpi!(changed);
    Ok(())
}
