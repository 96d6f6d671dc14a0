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

use crate::error::OrMath;
use anchor_lang::prelude::*;
use bulwark_engine::action::Action;
use bulwark_engine::checked::Checked;
use bulwark_engine::margin::{health, HealthKind, MarketMargin};
use bulwark_engine::position::{apply_fill, Position};
use bulwark_engine::settlement::settled_pnl;
use bulwark_engine::state::{MarketState, Op};

use crate::constants::*;
use crate::error::{engine_err, BulwarkError};
use crate::events::{MarketStateChanged, PositionSettled, SettlementVisited};
use crate::instructions::common::health_markets::{load_health_markets_valued, SettlingLosses};
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

/// What a first visit recorded (collateral units).
#[derive(Clone, Copy, Debug, Default)]
struct Visit {
    claim: u64,
    bad_debt: u64,
}

pub fn settle_position_handler<'info>(ctx: Context<'info, SettlePosition<'info>>) -> Result<()> {
    let clock = Clock::get()?;
    let decimals = ctx.accounts.exchange.load()?.collateral_decimals;
    let key = ctx.accounts.margin_account.key();
    let mut acct = ctx.accounts.margin_account.load_mut()?;
    let mut m = ctx.accounts.market.load_mut()?;
    m.require_allowed(Op::SettlePosition)?;
    let index = m.index;
    let slot = acct.slot_of(index).ok_or(BulwarkError::NoPosition)?;
    let funding = acct.settle_funding(slot, &mut m, decimals)?;
    let p = acct.positions[slot].position();
    let pnl = apply_fill(p, -p.base, m.settlement.price, decimals)
        .map_err(engine_err)?
        .realized_pnl;
    let first = acct.positions[slot].settle_claimed == 0;
    let visit = if first {
        let others = |a: &MarginAccount| {
            load_health_markets_valued(
                a,
                ctx.remaining_accounts,
                Some(index),
                Action::Liquidate,
                decimals,
                &clock,
                SettlingLosses::Ignored,
            )
        };
        first_visit(&mut acct, slot, &mut m, pnl, others)?
    } else {
        Visit::default()
    };
    if first && (visit.claim > 0 || visit.bad_debt > 0) {
        emit_cpi!(SettlementVisited {
            margin_account: key,
            market_index: index,
            claim: visit.claim,
            bad_debt: visit.bad_debt,
            ratio_num: m.settlement.ratio.num,
            ratio_den: m.settlement.ratio.den,
        });
    }
    let realized = match m.settlement_ratio() {
        Some(r) => settled_pnl(pnl, &r).map_err(engine_err)?,
        // A loser settles at once; a winner's claim waits for the ratio.
        None if pnl <= 0 => pnl,
        None if first => return Ok(()),
        None => return err!(BulwarkError::SettlementRatioPending),
    };
    close_settled(&mut acct, slot, &mut m, p, realized, decimals)?;
    acct.recognise_deficit(&mut m)?;
    if realized < 0 && acct.collateral < 0 {
        // The deficit this charge leaves is this market's to cover (SPEC section 6).
        acct.liquidation.last_market = index;
    }
    emit_cpi!(PositionSettled {
        margin_account: key,
        market_index: index,
        price: m.settlement.price,
        realized_pnl: realized,
        funding_paid: funding,
    });
    if m.book.long_oi == 0 && m.book.short_oi == 0 {
        m.status = MarketState::Settled as u8;
        m.state_since_slot = clock.slot;
        emit_cpi!(MarketStateChanged {
            market_index: m.index,
            state: MarketState::Settled,
            slot: clock.slot
        });
    }
    Ok(())
}

/// Records a position's first visit: a winner's claim (marking it claimed), or a loser's
/// loss less its expected bad debt as paid in, the bad debt judged on the account's equity
/// once charged with `others` (its other positions). Fixes the ratio when it was the last
/// unvisited position.
fn first_visit(
    acct: &mut MarginAccount,
    slot: usize,
    m: &mut Market,
    pnl: i64,
    others: impl FnOnce(&MarginAccount) -> Result<Vec<(Position, MarketMargin)>>,
) -> Result<Visit> {
    let mut visit = Visit::default();
    if pnl > 0 {
        visit.claim = pnl.unsigned_abs();
        m.settlement.record_claim(visit.claim).or_math()?;
        acct.positions[slot].settle_claimed = 1;
    } else if pnl < 0 {
        let charged = acct.collateral.plus(pnl).or_math()?;
        let equity = health(charged, &others(acct)?, HealthKind::Maintenance)
            .map_err(engine_err)?
            .equity;
        visit.bad_debt = m
            .settlement
            .record_loss(pnl.unsigned_abs(), equity)
            .or_math()?;
    }
    m.settlement
        .mark_visited(acct.positions[slot].base)
        .or_math()?;
    Ok(visit)
}

/// Closes the position in `slot` (`p`) at the settlement price, crediting `realized`.
fn close_settled(
    acct: &mut MarginAccount,
    slot: usize,
    m: &mut Market,
    p: Position,
    realized: i64,
    decimals: u8,
) -> Result<()> {
    let fill = apply_fill(p, -p.base, m.settlement.price, decimals).map_err(engine_err)?;
    let mut book = m.book;
    book.replace(&p, &fill.position).map_err(engine_err)?;
    m.book = book;
    m.ledgers
        .book_settled_close(&mut acct.collateral, realized)
        .or_math()?;
    acct.positions[slot] = Default::default();
    Ok(())
}
