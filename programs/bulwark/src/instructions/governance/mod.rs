//! Governance: parameter changes under bounds, step limits and the timelock; role transfers;
//! protocol-fee withdrawal.

pub mod accept_role;
pub mod cancel_proposal;
pub mod execute_proposal;
pub mod queue_proposal;
pub mod set_market_param;
pub mod set_pool_param;
pub mod transfer_role;
pub mod withdraw_protocol_fees;

pub use accept_role::*;
pub use cancel_proposal::*;
pub use execute_proposal::*;
pub use queue_proposal::*;
pub use set_market_param::*;
pub use set_pool_param::*;
pub use transfer_role::*;
pub use withdraw_protocol_fees::*;

use anchor_lang::prelude::*;
use bulwark_engine::governance::{MarketParam, Route};

use crate::error::BulwarkError;
use crate::events::{ParamChanged, PoolParamChanged};
use crate::state::{LiquidityPool, Market};
use bulwark_engine::contagion::PoolParam;

/// Counts a move of `by` of `param` against its step limit in `pool`'s current governance window
/// (a new window after `GOV_WINDOW_SECS`); refused (`StepLimitExceeded`) beyond it.
fn charge_step(pool: &mut LiquidityPool, param: PoolParam, by: u64, now: i64) -> Result<()> {
    let Some(limit) = param.step_limit() else {
        return Ok(());
    };
    if now.saturating_sub(pool.step_window_start) >= crate::constants::GOV_WINDOW_SECS {
        pool.step_window_start = now;
        pool.step_moved = [0; 4];
    }
    let slot = &mut pool.step_moved[param as usize - PoolParam::StepPpm as usize];
    let moved = slot.saturating_add(by);
    require!(moved <= limit, BulwarkError::StepLimitExceeded);
    *slot = moved;
    Ok(())
}

/// Sets `pool`'s stress-signal `param` to `value`: within its bounds (a leader must be one of
/// the `market_count` markets listed). At once (`route` `AtOnce`): only a tightening, and every
/// loosening of it queued so far (ids below `next_proposal`) becomes stale. Queued (`Queued {
/// id }`): refused as stale when a tightening came after it was queued. Either way within the
/// parameter's step limit for the window at `now`. Returns the event.
pub fn apply_pool_param(
    pool: &mut LiquidityPool,
    param: PoolParam,
    value: u64,
    market_count: u16,
    route: Route,
    (next_proposal, now): (u64, i64),
) -> Result<PoolParamChanged> {
    require!(
        param.check(value, market_count).is_ok(),
        BulwarkError::ParameterOutOfBounds
    );
    let old = param.get(&pool.contagion);
    let slot = &mut pool.tightened_at[param as usize];
    let queued = match route {
        Route::AtOnce => {
            require!(param.tightens(old, value), BulwarkError::MustQueue);
            *slot = next_proposal;
            false
        }
        Route::Queued { id } => {
            require!(id >= *slot, BulwarkError::ProposalStale);
            true
        }
    };
    charge_step(pool, param, old.abs_diff(value), now)?;
    param
        .set(&mut pool.contagion, value)
        .map_err(|_| BulwarkError::InvalidMarketParams)?;
    Ok(PoolParamChanged {
        pool_index: pool.index,
        param,
        old_value: old,
        new_value: value,
        queued,
    })
}

/// Applies `value` to `param` of `m` at `now`, arriving by `route`, with
/// `next_proposal` the number the next queued proposal will get: hard bounds, the window's
/// step, the value in force (a loosening moves at most one step from it and is stale if
/// queued before the parameter's latest tightening), then the whole parameter set as it would
/// stand (see [`Market::change_param`]). Returns the event the caller emits.
pub fn apply_market_param(
    m: &mut Market,
    param: MarketParam,
    value: u64,
    now: i64,
    route: Route,
    next_proposal: u64,
) -> Result<ParamChanged> {
    let old = m.change_param(param, value, now, route, next_proposal)?;
    Ok(ParamChanged {
        market_index: m.index,
        param,
        old,
        new: value,
    })
}
