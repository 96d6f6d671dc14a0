//! `execute_proposal`: anyone executes a queued action inside `[eta, expires)`. A market
//! parameter is judged now: bounds, the window's step, the value in force (a loosening moves at
//! most one step from it, and is stale if a tightening of the parameter came after it was
//! queued) and the market's whole parameter set as it would stand. Named optional accounts: the
//! market (market actions) and the pool (settlement).

use crate::error::OrMath;
use anchor_lang::prelude::*;
use bulwark_engine::bounds::Param;
use bulwark_engine::checked::Checked;
use bulwark_engine::governance::{executable, Route, TimelockRefusal};
use bulwark_engine::pool::pool_value_seen_by_market;

use crate::constants::*;
use crate::error::{engine_err, BulwarkError};
use crate::events::{MarketStateChanged, ProposalExecuted};
use crate::instructions::governance::{apply_market_param, apply_pool_param};
use crate::state::{
    status, Exchange, LiquidityPool, Market, OracleConfig, Proposal, ProposalAction,
};
use bulwark_engine::settlement::{payout_ratio, PayoutRatio};
use bulwark_engine::state::MarketState;

#[event_cpi]
#[derive(Accounts)]
pub struct ExecuteProposal<'info> {
    #[account(mut, address = EXCHANGE_ADDRESS @ ErrorCode::ConstraintSeeds)]
    pub exchange: AccountLoader<'info, Exchange>,

    #[account(mut, seeds = [PROPOSAL_SEED, &proposal.load()?.seed.to_le_bytes()], bump = proposal.load()?.bump)]
    pub proposal: AccountLoader<'info, Proposal>,

    /// The market the action acts on (required by market actions, its index checked).
    #[account(mut)]
    pub market: Option<AccountLoader<'info, Market>>,

    /// The risk pool (`ProposalAction::needs_pool`): the market's for settlement (its funds
    /// for winners) and delisting (its live markets); the one named for pool parameters.
    #[account(mut)]
    pub pool: Option<AccountLoader<'info, LiquidityPool>>,
}

/// Starts emergency settlement: only from ReduceOnly or Halted held for `SETTLE_MIN_SLOTS`;
/// the settlement price is the market's TWAP; the pool's funds for winners are recorded now
/// (its capital plus what the market owes it) and every open position is left to visit: the
/// winners' ratio is fixed once all are (see `settle_position`). Funding accrues up to now,
/// then stops.
fn begin_settlement(
    m: &mut Market,
    pool: &LiquidityPool,
    decimals: u8,
    now: i64,
    slot: u64,
) -> Result<()> {
    let state = m.state();
    require!(
        (state == MarketState::ReduceOnly || state == MarketState::Halted)
            && slot.saturating_sub(m.state_since_slot) >= SETTLE_MIN_SLOTS,
        BulwarkError::SettlementNotAllowed
    );
    require!(m.twap.price > 0, BulwarkError::NoSettlementPrice);
    let usable = state != MarketState::Halted;
    m.accrue_funding(now, usable, decimals)
        .map_err(crate::error::engine_err)?;
    let available =
        pool_value_seen_by_market(pool.capital, m.ledgers.pnl_pending, m.ledgers.fee_pool, 0);
    m.settlement.price = m.twap.price;
    m.settlement.available = available.max(0).unsigned_abs();
    m.settlement.claims = 0;
    m.settlement.bad_debt = 0;
    m.settlement.unvisited_long = m.book.long_oi;
    m.settlement.unvisited_short = m.book.short_oi;
    let empty = m.book.long_oi == 0 && m.book.short_oi == 0;
    // Nothing to visit: the ratio is fixed at once (1, no claims).
    m.settlement.ratio = if empty {
        payout_ratio(0, 0)
    } else {
        PayoutRatio::default()
    };
    m.status = if empty {
        MarketState::Settled
    } else {
        MarketState::Settling
    } as u8;
    Ok(())
}

/// Runs a queued proposal inside `[eta, expires)`: its action, then marks it executed.
pub fn execute_proposal_handler(ctx: Context<ExecuteProposal>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let mut p = ctx.accounts.proposal.load_mut()?;
    require_eq!(p.status, status::QUEUED, BulwarkError::ProposalNotQueued);
    executable(now, p.eta, p.expires).map_err(|r| match r {
        TimelockRefusal::TooEarly => BulwarkError::TimelockNotElapsed,
        TimelockRefusal::Expired => BulwarkError::ProposalExpired,
    })?;
    let a = &ctx.accounts;
    let action = p.action()?;
    let market = match action.market_index() {
        Some(index) => Some(proposal_market(a.market.as_ref(), index)?),
        None => None,
    };
    match (action, market) {
        (ProposalAction::MarketParam { param, value, .. }, Some(mut m)) => {
            let next_proposal = a.exchange.load()?.proposal_count;
            let route = Route::Queued { id: p.id };
            let changed = apply_market_param(&mut m, param, value, now, route, next_proposal)?;
            emit_cpi!(changed);
        }
        (ProposalAction::Settle { .. }, Some(mut m)) => {
            let pool = proposal_pool(a.pool.as_ref(), m.pool)?;
            emit_cpi!(execute_settle(&mut m, &pool, &a.exchange, now)?);
        }
        (ProposalAction::Delist { .. }, Some(mut m)) => {
            let mut pool = proposal_pool(a.pool.as_ref(), m.pool)?;
            emit_cpi!(execute_delist(&mut m, &mut pool, &a.exchange)?)
        }
        (
            ProposalAction::PoolParam {
                pool_index,
                param,
                value,
            },
            _,
        ) => {
            let mut pool = proposal_pool(a.pool.as_ref(), pool_index)?;
            let ex = a.exchange.load()?;
            let route = Route::Queued { id: p.id };
            let (count, next) = (ex.market_count, ex.proposal_count);
            emit_cpi!(apply_pool_param(
                &mut pool,
                param,
                value,
                count,
                route,
                (next, now)
            )?);
        }
        (ProposalAction::RotateSource { position, .. }, Some(mut m)) => {
            stage_rotation(&p, &mut m, position)?
        }
        (ProposalAction::LiftReduceOnly { .. }, Some(mut m)) => {
            if let Some(changed) = lift_reduce_only(&mut m)? {
                emit_cpi!(changed);
            }
        }
        (ProposalAction::ClearInvariantPause, _) => a.exchange.load_mut()?.invariant_pause_bits = 0,
        (ProposalAction::ExtendPause { until }, _) => {
            a.exchange.load_mut()?.guardian_pause.until = until
        }
        (ProposalAction::Timelock { secs }, _) => {
            Param::Timelock.check(u64::from(secs)).map_err(engine_err)?;
            a.exchange.load_mut()?.timelock_secs = secs;
        }
        // A market action without its market: `proposal_market` has refused it already.
        _ => return err!(BulwarkError::MarketMismatch),
    }
    p.status = status::EXECUTED;
    emit_cpi!(ProposalExecuted {
        proposal: a.proposal.key(),
        id: p.id,
        cancelled: false
    });
    Ok(())
}

/// The market a market action acts on, loaded for writing: the named `market` account, which
/// must be market `index` (`MarketMismatch` when absent or another).
fn proposal_market<'a>(
    market: Option<&'a AccountLoader<Market>>,
    index: u16,
) -> Result<core::cell::RefMut<'a, Market>> {
    let m = market.ok_or(BulwarkError::MarketMismatch)?.load_mut()?;
    require_eq!(m.index, index, BulwarkError::MarketMismatch);
    Ok(m)
}

/// The risk pool an action needs, loaded for writing: the named `pool` account, which must be
/// pool `index` (`PoolMismatch` when absent or another).
fn proposal_pool<'a>(
    pool: Option<&'a AccountLoader<LiquidityPool>>,
    index: u16,
) -> Result<core::cell::RefMut<'a, LiquidityPool>> {
    let p = pool.ok_or(BulwarkError::PoolMismatch)?.load_mut()?;
    p.require_pool(index)?;
    Ok(p)
}

/// Settlement (`begin_settlement`) against `pool`; the market's state changes now.
fn execute_settle(
    m: &mut Market,
    pool: &LiquidityPool,
    exchange: &AccountLoader<Exchange>,
    now: i64,
) -> Result<MarketStateChanged> {
    let slot = Clock::get()?.slot;
    let decimals = exchange.load()?.collateral_decimals;
    begin_settlement(m, pool, decimals, now, slot)?;
    m.state_since_slot = slot;
    Ok(MarketStateChanged {
        market_index: m.index,
        state: m.state(),
        slot,
    })
}

/// Delisting: a settled market only; it stops counting among its pool's live markets.
fn execute_delist(
    m: &mut Market,
    pool: &mut LiquidityPool,
    exchange: &AccountLoader<Exchange>,
) -> Result<MarketStateChanged> {
    require!(
        m.state() == MarketState::Settled,
        BulwarkError::MarketStateForbids
    );
    let slot = Clock::get()?.slot;
    m.status = MarketState::Delisted as u8;
    m.state_since_slot = slot;
    let mut ex = exchange.load_mut()?;
    ex.delisted_count = ex.delisted_count.plus(1).or_math()?;
    pool.delisted_count = pool.delisted_count.plus(1).or_math()?;
    Ok(MarketStateChanged {
        market_index: m.index,
        state: m.state(),
        slot,
    })
}

/// Stages the proposal's new source at `position`, activating at its slot. One rotation at a
/// time, judged against the sources as they then stand: two rotations each valid alone cannot
/// combine into an invalid configuration.
fn stage_rotation(p: &Proposal, m: &mut Market, position: u8) -> Result<()> {
    require_eq!(m.pending_source_slot, 0, BulwarkError::RotationPending);
    let mut next = m.oracle;
    next.sources[usize::from(position)] = p.source;
    OracleConfig::from_args(&next.to_args())?;
    m.pending_source = p.source;
    m.pending_source_index = position;
    m.pending_source_slot = p.activation_slot.max(1);
    Ok(())
}

/// Clears the guardian's ReduceOnly and refreshes the market's state (the event of a state
/// change returned).
fn lift_reduce_only(m: &mut Market) -> Result<Option<MarketStateChanged>> {
    m.guardian_reduce_only = 0;
    let slot = Clock::get()?.slot;
    let index = m.index;
    Ok(m.refresh_state(slot).map(|state| MarketStateChanged {
        market_index: index,
        state,
        slot,
    }))
}
