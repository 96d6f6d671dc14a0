//! `auto_deleverage(max_base)`: permissionless, while a market's traders' unrealised profit
//! exceeds the trigger share of the pool's value (or the pool's value is not positive). Needs a
//! fresh price; the target must be profitable, on the stressed side, and levered above the ADL
//! episode's water level (leverage draining: the level falls from the market's maximum
//! leverage to zero over `adl_drain_slots` from the episode's start, so nobody chooses it).
//! Closes up to `max_base`, at most down to the level, at the aggregate with no fee or impact;
//! the ratio must strictly fall and not below the floor. The call that starts an episode
//! succeeds even when nothing is above the level yet (it records the start). When the pool is
//! insolvent the target's profit is cut pro rata to what the pool can pay.

use anchor_lang::prelude::*;

use crate::constants::*;
use crate::error::{engine_err, BulwarkError};
use crate::events::{AdlEpisodeStarted, Deleveraged};
use crate::instructions::common::op_clock;
use crate::state::{Exchange, LiquidityPool, MarginAccount, Market};

#[event_cpi]
#[derive(Accounts)]
pub struct AutoDeleverage<'info> {
    #[account(mut)]
    pub margin_account: AccountLoader<'info, MarginAccount>,

    #[account(mut)]
    pub market: AccountLoader<'info, Market>,

    /// The market's risk pool (the account's too).
    pub pool: AccountLoader<'info, LiquidityPool>,

    #[account(address = EXCHANGE_ADDRESS @ ErrorCode::ConstraintSeeds)]
    pub exchange: AccountLoader<'info, Exchange>,
}

pub fn auto_deleverage_handler(ctx: Context<AutoDeleverage>, max_base: u64) -> Result<()> {
    let a = &ctx.accounts;
    let clock = Clock::get()?;
    let decimals = a.exchange.load()?.collateral_decimals;
    let pool = a.pool.load()?;
    let mut acct = a.margin_account.load_mut()?;
    let mut m = a.market.load_mut()?;
    require_eq!(m.version, MARKET_VERSION, BulwarkError::UnsupportedVersion);
    pool.require_pool(m.pool)?;
    acct.require_pool(m.pool)?;
    let pool_capital = pool.capital;
    let out = acct
        .auto_deleverage(&mut m, pool_capital, max_base, op_clock(&clock), decimals)
        .map_err(engine_err)?;
    if out.closed_base == 0 {
        emit_cpi!(AdlEpisodeStarted {
            market_index: m.index,
            margin_account: a.margin_account.key(),
            start_slot: out.episode_start_slot,
            level_ppm: out.level_ppm,
        });
        return Ok(());
    }
    emit_cpi!(Deleveraged {
        margin_account: a.margin_account.key(),
        market_index: m.index,
        closed_base: out.closed_base,
        price: out.price,
        realized_pnl: out.realized_pnl,
        leverage_ppm: out.leverage_ppm,
        level_ppm: out.level_ppm,
        episode_start_slot: out.episode_start_slot,
        ratio_before_ppm: out.ratio_before_ppm,
        ratio_after_ppm: out.ratio_after_ppm,
    });
    Ok(())
}
