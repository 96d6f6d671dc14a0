//! A market's governable parameters: reading and writing them, the step window, the whole
//! parameter set and its one validation (run by `create_market` and every parameter change),
//! and judging a change against the value in force.

use anchor_lang::prelude::*;
use bulwark_engine::governance::{judge_change, ChangeRefusal, MarketParam, Route};
use bulwark_engine::market_params::{validate_market_params, InvalidParamSet};

use crate::constants::GOV_WINDOW_SECS;
use crate::error::{engine_err, market_params_err, BulwarkError};
use crate::state::Market;

/// Maps a refused change to its program error.
pub fn change_refusal_err(r: ChangeRefusal) -> Error {
    match r {
        ChangeRefusal::Engine(e) => engine_err(e),
        ChangeRefusal::MustQueue => BulwarkError::MustQueue.into(),
        ChangeRefusal::WindowStep => BulwarkError::StepLimitExceeded.into(),
        ChangeRefusal::StepFromInForce => BulwarkError::StepFromValueInForce.into(),
        ChangeRefusal::Stale => BulwarkError::ProposalStale.into(),
    }
}

impl Market {
    /// Validates the whole parameter set as stored: relations between parameters are
    /// `InvalidMarketParams` (oracle ones `InvalidOracleConfig`), bounds `ParameterOutOfBounds`.
    pub fn validate_param_set(&self) -> Result<()> {
        validate_market_params(&self.params).map_err(|e| match e {
            InvalidParamSet::Market(e) => market_params_err(e),
            InvalidParamSet::Oracle(e) => engine_err(e),
        })
    }

    /// Sets `param` to `value` at `now` arriving by `route`, `next_proposal` being the number
    /// the next queued proposal will get: judged against the window's start and the value in
    /// force (see `bulwark_engine::governance::judge_change`), then the whole set is validated
    /// as it would stand. A strict tightening makes every loosening queued so far stale.
    /// Returns the old value.
    pub fn change_param(
        &mut self,
        param: MarketParam,
        value: u64,
        now: i64,
        route: Route,
        next_proposal: u64,
    ) -> Result<u64> {
        let core = &mut self.core;
        core.governance.roll(now, GOV_WINDOW_SECS, &core.params);
        let rec = core.governance.record(param, &core.params);
        let tightens = judge_change(param, &rec, value, route).map_err(change_refusal_err)?;
        self.params.set_value(param, value);
        self.validate_param_set()?;
        if tightens {
            self.governance.mark_tightened(param, next_proposal);
        }
        Ok(rec.in_force)
    }
}
