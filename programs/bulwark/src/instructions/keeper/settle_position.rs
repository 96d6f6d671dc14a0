//! `settle_position`: permissionless crank while a market settles, closing positions at the
//! settlement price with no fee, in two passes whose result no crank order can change:
//! - the first visit of a loser charges its loss whole and declares the part its account
//!   cannot pay (equity below zero once charged, its other positions at liquidation prices
//!   and settling losses elsewhere left out) as expected bad debt; only the rest counts as
//!   paid in for the winners;
//! - the first visit of a winner records its profit as a claim and leaves the position open;
//! - once every position has been visited the ratio is fixed: the pool's funds when
//!   settlement began plus the losses paid in, against the claims (pro rata if short); then
//!   winners are paid at it. The visit that fixes it pays that winner at once.
//!
//! A loser's charge that leaves its collateral below zero attributes the account's bankruptcy
//! to this market. Remaining accounts: the markets of the account's other open positions,
//! ascending (read only for a loser). When the last position is settled the market is Settled.

use anchor_lang::prelude::*;
use bulwark_engine::account::AccountCore;
use bulwark_engine::action::Action;
use bulwark_engine::state::MarketState;

use crate::constants::*;
use crate::error::OpError;
use crate::events::{MarketStateChanged, PositionSettled, SettlementVisited};
use crate::instructions::common::health_markets::{load_health_markets_valued, SettlingLosses};
use crate::instructions::common::op_clock;
use crate::state::{Exchange, MarginAccount, Market};

#[event_cpi]
#[derive(Accounts)]
pub struct SettlePosition<'info> {
    #[account(mut)]
    pub margin_account: AccountLoader<'info, MarginAccount>,

    #[account(mut)]
    pub market: AccountLoader<'info, Market>,

    #[account(address = EXCHANGE_ADDRESS @ ErrorCode::ConstraintSeeds)]
    pub exchange: AccountLoader<'info, Exchange>,
}

pub fn settle_position_handler<'info>(ctx: Context<'info, SettlePosition<'info>>) -> Result<()> {
    let clock = Clock::get()?;
    let decimals = ctx.accounts.exchange.load()?.collateral_decimals;
    let key = ctx.accounts.margin_account.key();
    let mut acct = ctx.accounts.margin_account.load_mut()?;
    let mut m = ctx.accounts.market.load_mut()?;
    let index = m.index;
    let others = |a: &AccountCore| -> core::result::Result<_, OpError> {
        Ok(load_health_markets_valued(
            a,
            ctx.remaining_accounts,
            Some(index),
            Action::Liquidate,
            decimals,
            &clock,
            SettlingLosses::Ignored,
        )?)
    };
    let out = acct.settle_position(&mut m, others, op_clock(&clock), decimals)?;
    if let Some(visit) = out.first_visit.filter(|v| v.claim > 0 || v.bad_debt > 0) {
        emit_cpi!(SettlementVisited {
            margin_account: key,
            market_index: index,
            claim: visit.claim,
            bad_debt: visit.bad_debt,
            ratio_num: m.settlement.ratio.num,
            ratio_den: m.settlement.ratio.den,
        });
    }
    let Some(realized) = out.realized else {
        return Ok(());
    };
    emit_cpi!(PositionSettled {
        margin_account: key,
        market_index: index,
        price: m.settlement.price,
        realized_pnl: realized,
        funding_paid: out.funding_paid,
    });
    if out.market_settled {
        emit_cpi!(MarketStateChanged {
            market_index: index,
            state: MarketState::Settled,
            slot: clock.slot
        });
    }
    Ok(())
}
