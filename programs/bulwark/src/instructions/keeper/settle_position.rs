//! `settle_position`: permissionless crank while a market settles. Closes the account's
//! position at the settlement price with no fee: losses whole, profits at the payout ratio
//! fixed when settlement began (so crank order changes nobody's payout). When the last position
//! is settled the market is Settled.

use anchor_lang::prelude::*;
use bulwark_engine::position::apply_fill;
use bulwark_engine::settlement::{settled_pnl, PayoutRatio};
use bulwark_engine::state::{MarketState, Op};

use crate::constants::*;
use crate::error::{engine_err, BulwarkError};
use crate::events::{MarketStateChanged, PositionSettled};
use crate::instructions::common::funding::settle_funding;
use crate::state::{Exchange, MarginAccount, Market};

#[derive(Accounts)]
pub struct SettlePosition<'info> {
    #[account(mut)]
    pub margin_account: AccountLoader<'info, MarginAccount>,

    #[account(mut)]
    pub market: AccountLoader<'info, Market>,

    #[account(seeds = [EXCHANGE_SEED], bump = exchange.load()?.bump)]
    pub exchange: AccountLoader<'info, Exchange>,
}

pub fn settle_position_handler(ctx: Context<SettlePosition>) -> Result<()> {
    let slot_now = Clock::get()?.slot;
    let decimals = ctx.accounts.exchange.load()?.collateral_decimals;
    let mut acct = ctx.accounts.margin_account.load_mut()?;
    let mut m = ctx.accounts.market.load_mut()?;
    m.require_allowed(Op::SettlePosition)?;
    let slot = acct.slot_of(m.index).ok_or(BulwarkError::NoPosition)?;
    let funding = settle_funding(&mut acct, slot, &mut m, decimals)?;
    let p = acct.positions[slot].position();
    let fill = apply_fill(p, -p.base, m.settlement_price, decimals).map_err(engine_err)?;
    let ratio = PayoutRatio {
        num: m.settlement_ratio_num,
        den: m.settlement_ratio_den,
    };
    let realized = settled_pnl(fill.realized_pnl, &ratio).map_err(engine_err)?;
    let mut book = m.book();
    book.replace(&p, &fill.position).map_err(engine_err)?;
    m.set_book(&book);
    m.pnl_pending = m
        .pnl_pending
        .checked_sub(realized)
        .ok_or(BulwarkError::MathError)?;
    m.trader_flow = m
        .trader_flow
        .checked_add(realized)
        .ok_or(BulwarkError::MathError)?;
    acct.collateral = acct
        .collateral
        .checked_add(realized)
        .ok_or(BulwarkError::MathError)?;
    let s = &mut acct.positions[slot];
    s.base = 0;
    s.cost = 0;
    s.last_increase_slot = 0;
    acct.recognise_deficit(&mut m)?;
    emit!(PositionSettled {
        margin_account: ctx.accounts.margin_account.key(),
        market_index: m.index,
        price: m.settlement_price,
        realized_pnl: realized,
        funding_paid: funding,
    });
    if m.long_oi == 0 && m.short_oi == 0 {
        m.status = MarketState::Settled as u8;
        m.state_since_slot = slot_now;
        emit!(MarketStateChanged {
            market: ctx.accounts.market.key(),
            state: m.status,
            slot: slot_now
        });
    }
    Ok(())
}
