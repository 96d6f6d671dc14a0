//! `auto_deleverage(max_base)`: permissionless, while a market's traders' unrealised profit
//! exceeds the trigger share of the pool's value (or the pool's value is not positive). Needs a
//! fresh price; the target must be profitable, on the stressed side, with a score
//! (profit % × leverage) at or above the threshold. Closes up to `max_base` at the aggregate
//! with no fee or impact; the ratio must strictly fall and not below the floor. When the pool
//! is insolvent the target's profit is cut pro rata to what the pool can pay.

use anchor_lang::prelude::*;
use bulwark_engine::action::{price_for_action, Action};
use bulwark_engine::adl::{adl_result_ok, adl_score_ppm, adl_triggered, profit_ratio_ppm};
use bulwark_engine::margin::{health, HealthKind};
use bulwark_engine::pool::capped_profit;
use bulwark_engine::position::apply_fill;

use crate::constants::*;
use crate::error::{engine_err, refusal_err, BulwarkError};
use crate::events::Deleveraged;
use crate::instructions::common::funding::settle_funding;
use crate::state::{Exchange, LiquidityPool, MarginAccount, Market};

#[derive(Accounts)]
pub struct AutoDeleverage<'info> {
    #[account(mut)]
    pub margin_account: AccountLoader<'info, MarginAccount>,

    #[account(mut)]
    pub market: AccountLoader<'info, Market>,

    #[account(seeds = [POOL_SEED], bump = pool.load()?.bump)]
    pub pool: AccountLoader<'info, LiquidityPool>,

    #[account(seeds = [EXCHANGE_SEED], bump = exchange.load()?.bump)]
    pub exchange: AccountLoader<'info, Exchange>,
}

pub fn auto_deleverage_handler(ctx: Context<AutoDeleverage>, max_base: u64) -> Result<()> {
    let a = &ctx.accounts;
    let clock = Clock::get()?;
    let decimals = a.exchange.load()?.collateral_decimals;
    let pool_capital = a.pool.load()?.capital;
    let mut acct = a.margin_account.load_mut()?;
    let mut m = a.market.load_mut()?;
    require_eq!(m.version, MARKET_VERSION, BulwarkError::UnsupportedVersion);
    m.require_allowed(bulwark_engine::state::Op::Deleverage)?;
    require!(max_base > 0, BulwarkError::ZeroSize);
    let price = price_for_action(
        Action::Deleverage,
        &m.stored_price(),
        clock.slot,
        clock.unix_timestamp,
        &m.age_limits(),
    )
    .map_err(refusal_err)?;
    let params = m.adl_params();
    // The pool's value here: its capital plus what this market owes it.
    let pool_value = pool_capital
        .saturating_add(m.pnl_pending)
        .saturating_add(m.fee_pool as i64);
    let book = m.book();
    let profit = book.trader_pnl(price, decimals).map_err(engine_err)?;
    require!(
        adl_triggered(profit, pool_value, &params),
        BulwarkError::AdlNotTriggered
    );

    let slot = acct.slot_of(m.index).ok_or(BulwarkError::NoPosition)?;
    m.accrue_funding(clock.unix_timestamp, true, decimals)?;
    settle_funding(&mut acct, slot, &mut m, decimals)?;
    let p = acct.positions[slot];
    let pos = p.position();
    let pnl = pos.unrealized_pnl(price, decimals).map_err(engine_err)?;
    // The stressed side is the side whose traders are in profit.
    let side_profit = if pos.base > 0 {
        bulwark_engine::num::value_floor(book.long_oi as i64, price, decimals)
            .map_err(engine_err)?
            - book.long_cost
    } else {
        bulwark_engine::num::value_floor(-(book.short_oi as i64), price, decimals)
            .map_err(engine_err)?
            - book.short_cost
    };
    let margin = m
        .margin(&p, price, decimals, clock.slot)
        .map_err(engine_err)?;
    let h =
        health(acct.collateral, &[(pos, margin)], HealthKind::Maintenance).map_err(engine_err)?;
    let score =
        adl_score_ppm(pnl, pos.cost.unsigned_abs(), h.notional, h.equity).map_err(engine_err)?;
    require!(
        pnl > 0 && side_profit > 0 && score >= params.min_score_ppm,
        BulwarkError::AdlTargetNotEligible
    );

    let close = max_base.min(pos.base.unsigned_abs());
    let delta = if pos.base > 0 {
        -(close as i64)
    } else {
        close as i64
    };
    let fill = apply_fill(pos, delta, price, decimals).map_err(engine_err)?;
    // An insolvent pool pays winners pro rata to what it has.
    let realized =
        capped_profit(fill.realized_pnl, profit, pool_value.max(0)).map_err(engine_err)?;
    let mut after = book;
    after.replace(&pos, &fill.position).map_err(engine_err)?;
    let profit_after = after.trader_pnl(price, decimals).map_err(engine_err)?;
    let before_ppm = profit_ratio_ppm(profit, pool_value);
    let after_ppm = profit_ratio_ppm(profit_after, pool_value - realized);
    require!(
        adl_result_ok(before_ppm, after_ppm, &params),
        BulwarkError::AdlOverCorrects
    );

    m.set_book(&after);
    m.pnl_pending = m
        .pnl_pending
        .checked_sub(realized)
        .ok_or(BulwarkError::MathError)?;
    m.trader_flow = m
        .trader_flow
        .checked_add(realized)
        .ok_or(BulwarkError::MathError)?;
    let s = &mut acct.positions[slot];
    s.base = fill.position.base;
    s.cost = fill.position.cost;
    acct.collateral = acct
        .collateral
        .checked_add(realized)
        .ok_or(BulwarkError::MathError)?;
    emit!(Deleveraged {
        margin_account: a.margin_account.key(),
        market_index: m.index,
        closed_base: close,
        price,
        realized_pnl: realized,
        score_ppm: score,
        ratio_before_ppm: before_ppm,
        ratio_after_ppm: after_ppm,
    });
    Ok(())
}
