//! Governance: parameter changes under bounds, step limits and the timelock; role transfers;
//! protocol-fee withdrawal.

pub mod accept_role;
pub mod cancel_proposal;
pub mod execute_proposal;
pub mod queue_change;
pub mod queue_rotation;
pub mod set_market_param;
pub mod transfer_role;
pub mod withdraw_protocol_fees;

pub use accept_role::*;
pub use cancel_proposal::*;
pub use execute_proposal::*;
pub use queue_change::*;
pub use queue_rotation::*;
pub use set_market_param::*;
pub use transfer_role::*;
pub use withdraw_protocol_fees::*;

use anchor_lang::prelude::*;
use bulwark_engine::governance::{check_bounds, within_step, MarketParam};

use crate::constants::GOV_WINDOW_SECS;
use crate::error::{engine_err, BulwarkError};
use crate::events::ParamChanged;
use crate::state::Market;

/// Applies `value` to `param` of `m` at `now`: hard bounds, and the step limit measured from
/// the window's starting value (so chained changes in one transaction or window add up).
pub fn apply_market_param(
    m: &mut Market,
    market: Pubkey,
    param: MarketParam,
    value: u64,
    now: i64,
) -> Result<()> {
    let spec = param.spec();
    check_bounds(&spec, value).map_err(engine_err)?;
    m.roll_gov_window(now, GOV_WINDOW_SECS);
    let baseline = m.gov_baselines[param as usize];
    require!(
        within_step(baseline, value, &spec).map_err(engine_err)?,
        BulwarkError::StepLimitExceeded
    );
    let old = m.param_value(param);
    m.set_param_value(param, value);
    emit!(ParamChanged {
        market,
        param: param as u16,
        old,
        new: value
    });
    Ok(())
}
