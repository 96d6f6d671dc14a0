//! `guardian_reduce_only`: the guardian puts a market in ReduceOnly (tightening only: there is
//! no guardian instruction to lift it). Counts against the guardian's rate limit.

use anchor_lang::prelude::*;

use crate::constants::*;
use crate::error::BulwarkError;
use crate::events::MarketStateChanged;
use crate::instructions::guardian::guardian_pause::count_guardian_action;
use crate::state::{Exchange, Market};

#[event_cpi]
#[derive(Accounts)]
pub struct GuardianReduceOnly<'info> {
    pub guardian: Signer<'info>,

    #[account(mut, address = EXCHANGE_ADDRESS @ ErrorCode::ConstraintSeeds, has_one = guardian @ BulwarkError::NotGuardian)]
    pub exchange: AccountLoader<'info, Exchange>,

    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
}

pub fn guardian_reduce_only_handler(ctx: Context<GuardianReduceOnly>) -> Result<()> {
    let clock = Clock::get()?;
    count_guardian_action(
        &mut *ctx.accounts.exchange.load_mut()?,
        clock.unix_timestamp,
    )?;
    let mut m = ctx.accounts.market.load_mut()?;
    m.guardian_reduce_only = 1;
    if let Some(state) = m.refresh_state(clock.slot) {
        emit_cpi!(MarketStateChanged {
            market_index: m.index,
            state,
            slot: clock.slot
        });
    }
    Ok(())
}
