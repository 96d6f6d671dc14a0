//! A market's governable parameters: reading and writing them, the step window, the whole
//! parameter set and its one validation (run by `create_market` and every parameter change),
//! and judging a change against the value in force.

use anchor_lang::prelude::*;
use bulwark_engine::governance::{judge_change, ChangeRefusal, MarketParam, ParamRecord, Route};
use bulwark_engine::market_params::{validate_market_params, InvalidParamSet, MarketParamSet};

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
    /// Current value of a governable parameter.
    pub fn param_value(&self, p: MarketParam) -> u64 {
        match p {
            MarketParam::OpenInterestCapLong => self.open_interest_cap_long,
            MarketParam::OpenInterestCapShort => self.open_interest_cap_short,
            MarketParam::BaseImr => self.base_imr_ppm as u64,
            MarketParam::BaseMmr => self.base_mmr_ppm as u64,
            MarketParam::MaxMmr => self.max_mmr_ppm as u64,
            MarketParam::MaxLeverage => self.max_leverage as u64,
            MarketParam::MaxPositionNotional => self.max_position_notional,
            MarketParam::TakerFee => self.taker_fee_ppm as u64,
            MarketParam::InsuranceWindowCap => self.insurance_window_cap,
            MarketParam::ReserveFactor => self.reserve_factor_ppm as u64,
        }
    }

    /// Sets a governable parameter as is (see [`Market::change_param`] for the checked path).
    pub fn set_param_value(&mut self, p: MarketParam, v: u64) {
        let v32 = v.min(u32::MAX as u64) as u32;
        match p {
            MarketParam::OpenInterestCapLong => self.open_interest_cap_long = v,
            MarketParam::OpenInterestCapShort => self.open_interest_cap_short = v,
            MarketParam::BaseImr => self.base_imr_ppm = v32,
            MarketParam::BaseMmr => self.base_mmr_ppm = v32,
            MarketParam::MaxMmr => self.max_mmr_ppm = v32,
            MarketParam::MaxLeverage => self.max_leverage = v32,
            MarketParam::MaxPositionNotional => self.max_position_notional = v,
            MarketParam::TakerFee => self.taker_fee_ppm = v32,
            MarketParam::InsuranceWindowCap => self.insurance_window_cap = v,
            MarketParam::ReserveFactor => self.reserve_factor_ppm = v32,
        }
    }

    /// Opens a new governance window at `now` once `window_secs` have passed since the last
    /// one opened, re-baselining every parameter at its value in force.
    pub fn roll_gov_window(&mut self, now: i64, window_secs: i64) {
        if bulwark_engine::window::has_ended(self.gov_window_start, now, window_secs) {
            self.gov_window_start = now;
            for p in MarketParam::ALL {
                self.gov_baselines[p as usize] = self.param_value(p);
            }
        }
    }

    /// Every configurable parameter as stored (the base spread without breaker widening).
    pub fn param_set(&self) -> MarketParamSet {
        let mut trade = self.trade_params();
        trade.spread.base_spread_ppm = self.base_spread_ppm;
        let (velocity, _) = self.velocity();
        MarketParamSet {
            trade,
            margin: self.margin_params(),
            dynamics: self.dynamics(),
            liquidation: self.liquidation_params(),
            adl: self.adl_params(),
            insurance_window_cap: self.insurance_window_cap,
            insurance_window_secs: self.insurance_window_secs,
            velocity,
            insurance_floor_ppm: self.insurance_floor_ppm,
            insurance_hysteresis_ppm: self.insurance_hysteresis_ppm,
            oracle: self.oracle_limits(),
            ages: self.age_limits(),
        }
    }

    /// Validates the whole parameter set as stored: relations between parameters are
    /// `InvalidMarketParams` (oracle ones `InvalidOracleConfig`), bounds `ParameterOutOfBounds`.
    pub fn validate_param_set(&self) -> Result<()> {
        validate_market_params(&self.param_set()).map_err(|e| match e {
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
        self.roll_gov_window(now, GOV_WINDOW_SECS);
        let i = param as usize;
        let rec = ParamRecord {
            baseline: self.gov_baselines[i],
            in_force: self.param_value(param),
            tightened_before: self.gov_tightened_before[i],
        };
        let tightens = judge_change(param, &rec, value, route).map_err(change_refusal_err)?;
        self.set_param_value(param, value);
        self.validate_param_set()?;
        if tightens {
            self.gov_tightened_before[i] = next_proposal;
        }
        Ok(rec.in_force)
    }
}
