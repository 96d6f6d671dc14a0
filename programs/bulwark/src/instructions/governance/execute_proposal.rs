//! `execute_proposal`: anyone executes a queued change inside `[eta, expires)`. A market
//! parameter is judged now: bounds, the window's step, the value in force (a loosening moves at
//! most one step from it, and is stale if a tightening of the parameter came after it was
//! queued) and the market's whole parameter set as it would stand. Remaining account: the
//! market, for a market parameter.

use crate::error::OrMath;
use anchor_lang::prelude::*;
use bulwark_engine::bounds::Param;
use bulwark_engine::checked::{cast, Checked};
use bulwark_engine::governance::{executable, MarketParam, Route, TimelockRefusal};
use bulwark_engine::pool::pool_value_seen_by_market;

use crate::constants::*;
use crate::error::{engine_err, BulwarkError};
use crate::events::{MarketStateChanged, ParamChanged, ProposalExecuted};
use crate::instructions::governance::apply_market_param;
use crate::state::{kind, status, Exchange, LiquidityPool, Market, OracleConfig, Proposal};
use bulwark_engine::settlement::{payout_ratio, PayoutRatio};
use bulwark_engine::state::MarketState;

#[event_cpi]
#[derive(Accounts)]
pub struct ExecuteProposal<'info> {
    #[account(mut, address = EXCHANGE_ADDRESS @ ErrorCode::ConstraintSeeds)]
    pub exchange: AccountLoader<'info, Exchange>,

    #[account(mut, seeds = [PROPOSAL_SEED, &proposal.load()?.id.to_le_bytes()], bump = proposal.load()?.bump)]
    pub proposal: AccountLoader<'info, Proposal>,
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
    m.accrue_funding(now, usable, decimals)?;
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

/// Runs a queued proposal inside `[eta, expires)`: the change its kind names, then marks it
/// executed.
pub fn execute_proposal_handler<'info>(ctx: Context<'info, ExecuteProposal<'info>>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let mut p = ctx.accounts.proposal.load_mut()?;
    require_eq!(p.status, status::QUEUED, BulwarkError::ProposalNotQueued);
    executable(now, p.eta, p.expires).map_err(|r| match r {
        TimelockRefusal::TooEarly => BulwarkError::TimelockNotElapsed,
        TimelockRefusal::Expired => BulwarkError::ProposalExpired,
    })?;
    let exchange = &ctx.accounts.exchange;
    let remaining = ctx.remaining_accounts;
    match p.kind {
        kind::MARKET_PARAM => {
            let changed = execute_market_param(&p, remaining, exchange, now)?;
            emit_cpi!(changed);
        }
        kind::SETTLE | kind::DELIST => {
            let changed = execute_settle_or_delist(&p, remaining, exchange, now)?;
            emit_cpi!(changed);
        }
        kind::ROTATE_SOURCE | kind::LIFT_REDUCE_ONLY => {
            if let Some(changed) = execute_rotation_or_lift(&p, remaining)? {
                emit_cpi!(changed);
            }
        }
        kind::CLEAR_INVARIANT_PAUSE => exchange.load_mut()?.invariant_pause_bits = 0,
        kind::EXTEND_PAUSE => {
            exchange.load_mut()?.guardian_pause.until = cast(p.value).or_math()?
        }
        kind::TIMELOCK => {
            Param::Timelock.check(p.value).map_err(engine_err)?;
            exchange.load_mut()?.timelock_secs = cast(p.value).or_math()?;
        }
        _ => return err!(BulwarkError::UnknownParameter),
    }
    p.status = status::EXECUTED;
    emit_cpi!(ProposalExecuted {
        id: p.id,
        cancelled: false
    });
    Ok(())
}

/// The market a market-level proposal acts on: the first remaining account.
fn proposal_market<'info>(
    remaining: &'info [AccountInfo<'info>],
) -> Result<AccountLoader<'info, Market>> {
    let info = remaining.first().ok_or(BulwarkError::MarketMismatch)?;
    AccountLoader::<Market>::try_from(info)
}

/// `MARKET_PARAM`: the queued value, judged now as any parameter change is
/// (`apply_market_param`).
fn execute_market_param<'info>(
    p: &Proposal,
    remaining: &'info [AccountInfo<'info>],
    exchange: &AccountLoader<'info, Exchange>,
    now: i64,
) -> Result<ParamChanged> {
    let loader = proposal_market(remaining)?;
    let mut m = loader.load_mut()?;
    require_eq!(m.index, p.market_index, BulwarkError::MarketMismatch);
    let param = MarketParam::from_u16(p.param).ok_or(BulwarkError::UnknownParameter)?;
    let next_proposal = exchange.load()?.proposal_count;
    let route = Route::Queued { id: p.id };
    apply_market_param(
        &mut m,
        loader.key(),
        param,
        p.value,
        now,
        route,
        next_proposal,
    )
}

/// `DELIST` (a settled market only) or `SETTLE` (`begin_settlement`, against the pool given as
/// the second remaining account); either way the market's state changes now (the event
/// returned).
fn execute_settle_or_delist<'info>(
    p: &Proposal,
    remaining: &'info [AccountInfo<'info>],
    exchange: &AccountLoader<'info, Exchange>,
    now: i64,
) -> Result<MarketStateChanged> {
    let loader = proposal_market(remaining)?;
    let mut m = loader.load_mut()?;
    require_eq!(m.index, p.market_index, BulwarkError::MarketMismatch);
    let slot = Clock::get()?.slot;
    if p.kind == kind::DELIST {
        require!(
            m.state() == MarketState::Settled,
            BulwarkError::MarketStateForbids
        );
        m.status = MarketState::Delisted as u8;
        let mut ex = exchange.load_mut()?;
        ex.delisted_count = ex.delisted_count.plus(1).or_math()?;
    } else {
        let pool_info = remaining.get(1).ok_or(BulwarkError::MarketMismatch)?;
        let pool_loader = AccountLoader::<LiquidityPool>::try_from(pool_info)?;
        require_keys_eq!(
            pool_loader.key(),
            POOL_ADDRESS,
            BulwarkError::MarketMismatch
        );
        let decimals = exchange.load()?.collateral_decimals;
        begin_settlement(&mut m, &*pool_loader.load()?, decimals, now, slot)?;
    }
    m.state_since_slot = slot;
    Ok(MarketStateChanged {
        market: loader.key(),
        state: m.status,
        slot,
    })
}

/// `ROTATE_SOURCE` (stages the new source, activating at the proposal's slot) or
/// `LIFT_REDUCE_ONLY` (clears the guardian's restriction and refreshes the market's state;
/// the event of a state change returned).
fn execute_rotation_or_lift<'info>(
    p: &Proposal,
    remaining: &'info [AccountInfo<'info>],
) -> Result<Option<MarketStateChanged>> {
    let loader = proposal_market(remaining)?;
    let mut m = loader.load_mut()?;
    require_eq!(m.index, p.market_index, BulwarkError::MarketMismatch);
    if p.kind == kind::ROTATE_SOURCE {
        // One rotation at a time, judged against the sources as they then stand: two
        // rotations each valid alone cannot combine into an invalid configuration.
        require_eq!(m.pending_source_slot, 0, BulwarkError::RotationPending);
        let mut next = m.oracle;
        next.sources[usize::from(p.param)] = p.source;
        OracleConfig::from_args(&next.to_args())?;
        m.pending_source = p.source;
        m.pending_source_index = p.param as u8;
        m.pending_source_slot = p.activation_slot.max(1);
    } else {
        m.guardian_reduce_only = 0;
        let slot = Clock::get()?.slot;
        if let Some(state) = m.refresh_state(slot) {
            return Ok(Some(MarketStateChanged {
                market: loader.key(),
                state: state as u8,
                slot,
            }));
        }
    }
    Ok(None)
}
