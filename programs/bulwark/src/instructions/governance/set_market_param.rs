//! `set_market_param(param, value)`: governance applies a change that only tightens risk, at
//! once (within bounds and the window's step, and leaving the market's whole parameter set
//! valid). Anything else must be queued. A tightening makes every loosening of the same
//! parameter queued so far stale.

use anchor_lang::prelude::*;
use bulwark_engine::governance::{MarketParam, Route};

use crate::constants::*;
use crate::error::BulwarkError;
use crate::instructions::governance::apply_market_param;
use crate::state::{Exchange, Market};

#[event_cpi]
#[derive(Accounts)]
pub struct SetMarketParam<'info> {
    pub governance: Signer<'info>,

    #[account(address = EXCHANGE_ADDRESS @ ErrorCode::ConstraintSeeds, has_one = governance @ BulwarkError::NotGovernance)]
    pub exchange: AccountLoader<'info, Exchange>,

    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
}

pub fn set_market_param_handler(
    ctx: Context<SetMarketParam>,
    param: MarketParam,
    value: u64,
) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let next_proposal = ctx.accounts.exchange.load()?.proposal_count;
    let mut m = ctx.accounts.market.load_mut()?;
    let changed = apply_market_param(&mut m, param, value, now, Route::AtOnce, next_proposal)?;
    emit_cpi!(changed);
    Ok(())
}
