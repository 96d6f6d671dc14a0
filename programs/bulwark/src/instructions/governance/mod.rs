//! Governance: parameter changes under bounds, step limits and the timelock; role transfers;
//! protocol-fee withdrawal.

pub mod accept_role;
pub mod cancel_proposal;
pub mod execute_proposal;
pub mod queue_proposal;
pub mod set_market_param;
pub mod transfer_role;
pub mod withdraw_protocol_fees;

pub use accept_role::*;
pub use cancel_proposal::*;
pub use execute_proposal::*;
pub use queue_proposal::*;
pub use set_market_param::*;
pub use transfer_role::*;
pub use withdraw_protocol_fees::*;

use anchor_lang::prelude::*;
use bulwark_engine::governance::{MarketParam, Route};

use crate::events::ParamChanged;
use crate::state::Market;

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
