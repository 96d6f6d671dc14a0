//! Governance rules (SPEC section 8): every governable parameter has hard bounds (the bounds
//! table), a direction that says which way tightens risk, and a step limit per time window
//! measured from the value at the window's start (not per call), re-checked when a queued change
//! executes. Tightening applies at once; loosening and redistributive changes wait out the
//! timelock, must execute before they expire, and can be cancelled.
//!
//! A queued change is judged when it executes against the value then in force, not only the
//! window's start: one that does not tighten may move at most one step from the value in force,
//! and one queued before its parameter's latest tightening is stale (see [`judge_change`]).

use crate::bounds::Param;
use crate::error::{EngineError, EngineResult};
use crate::market_params::MarketParamSet;
use crate::num::mul_div_floor;

/// Which way a parameter tightens risk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Raising it tightens (margins, penalties).
    HigherIsTighter,
    /// Lowering it tightens (caps, leverage, staleness).
    LowerIsTighter,
    /// Neither: it moves value between parties (fee shares, insurance caps): always queued.
    Redistributive,
}

/// A governable market parameter. On the wire (feature `anchor`) it is a Borsh enum whose tag
/// is its position in [`MarketParam::ALL`], which equals its code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "anchor",
    derive(anchor_lang::AnchorSerialize, anchor_lang::AnchorDeserialize),
    borsh(use_discriminant = false)
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[repr(u16)]
pub enum MarketParam {
    OpenInterestCapLong = 0,
    OpenInterestCapShort = 1,
    BaseImr = 2,
    BaseMmr = 3,
    MaxMmr = 4,
    MaxLeverage = 5,
    MaxPositionNotional = 6,
    TakerFee = 7,
    InsuranceWindowCap = 8,
    ReserveFactor = 9,
}

/// How a parameter is governed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GovSpec {
    /// Its bounds (None: only non-negative, e.g. open-interest caps).
    pub bound: Option<Param>,
    pub direction: Direction,
    /// Largest move per window, ppm of the window's starting value...
    pub step_ppm: u32,
    /// ...but at least this much (so a cap can rise from zero, step by step).
    pub min_step: u64,
}

impl MarketParam {
    /// Every governable market parameter, in code order.
    pub const ALL: [MarketParam; 10] = [
        MarketParam::OpenInterestCapLong,
        MarketParam::OpenInterestCapShort,
        MarketParam::BaseImr,
        MarketParam::BaseMmr,
        MarketParam::MaxMmr,
        MarketParam::MaxLeverage,
        MarketParam::MaxPositionNotional,
        MarketParam::TakerFee,
        MarketParam::InsuranceWindowCap,
        MarketParam::ReserveFactor,
    ];

    /// Its name in files and on the command line (snake case).
    pub fn name(self) -> &'static str {
        match self {
            MarketParam::OpenInterestCapLong => "open_interest_cap_long",
            MarketParam::OpenInterestCapShort => "open_interest_cap_short",
            MarketParam::BaseImr => "base_imr_ppm",
            MarketParam::BaseMmr => "base_mmr_ppm",
            MarketParam::MaxMmr => "max_mmr_ppm",
            MarketParam::MaxLeverage => "max_leverage",
            MarketParam::MaxPositionNotional => "max_position_notional",
            MarketParam::TakerFee => "taker_fee_ppm",
            MarketParam::InsuranceWindowCap => "insurance_window_cap",
            MarketParam::ReserveFactor => "reserve_factor_ppm",
        }
    }

    /// The parameter called `name` (see [`MarketParam::name`]).
    pub fn from_name(name: &str) -> Option<MarketParam> {
        MarketParam::ALL.into_iter().find(|p| p.name() == name)
    }

    /// Decodes a stored code.
    pub fn from_u16(v: u16) -> Option<MarketParam> {
        MarketParam::ALL.get(v as usize).copied()
    }

    /// How it is governed: caps may double per window (or rise 10,000 SOL from zero);
    /// margin ratios move at most 50% per window; fees and insurance caps 50%.
    pub fn spec(self) -> GovSpec {
        use Direction::*;
        let (bound, direction, step_ppm, min_step) = match self {
            MarketParam::OpenInterestCapLong | MarketParam::OpenInterestCapShort => {
                (None, LowerIsTighter, 1_000_000, 10_000_000_000_000)
            }
            MarketParam::BaseImr => (Some(Param::BaseImr), HigherIsTighter, 500_000, 1_000),
            MarketParam::BaseMmr => (Some(Param::BaseMmr), HigherIsTighter, 500_000, 1_000),
            MarketParam::MaxMmr => (Some(Param::MaxMmr), HigherIsTighter, 500_000, 1_000),
            MarketParam::MaxLeverage => (Some(Param::MaxLeverage), LowerIsTighter, 500_000, 1),
            MarketParam::MaxPositionNotional => (
                Some(Param::MaxPositionNotional),
                LowerIsTighter,
                1_000_000,
                1_000_000,
            ),
            MarketParam::TakerFee => (Some(Param::TakerFee), Redistributive, 500_000, 100),
            MarketParam::InsuranceWindowCap => (
                Some(Param::InsuranceWindowCap),
                Redistributive,
                500_000,
                1_000_000,
            ),
            MarketParam::ReserveFactor => {
                (Some(Param::ReserveFactor), LowerIsTighter, 500_000, 1_000)
            }
        };
        GovSpec {
            bound,
            direction,
            step_ppm,
            min_step,
        }
    }
}

/// True when moving from `old` to `new` only tightens risk (it may then apply at once).
pub fn is_tightening(direction: Direction, old: u64, new: u64) -> bool {
    match direction {
        Direction::HigherIsTighter => new >= old,
        Direction::LowerIsTighter => new <= old,
        Direction::Redistributive => false,
    }
}

/// True when `new` is within the step allowed from the window's starting value `baseline`.
pub fn within_step(baseline: u64, new: u64, spec: &GovSpec) -> EngineResult<bool> {
    let step = mul_div_floor(baseline, spec.step_ppm as u64, crate::num::PPM)?.max(spec.min_step);
    Ok(new.abs_diff(baseline) <= step)
}

/// Checks `new` against the parameter's hard bounds.
pub fn check_bounds(spec: &GovSpec, new: u64) -> EngineResult<()> {
    match spec.bound {
        Some(p) => p.check(new),
        None => Ok(()),
    }
}

/// A parameter's governance record when a change to it is judged.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ParamRecord {
    /// Its value when the current step window opened.
    pub baseline: u64,
    /// Its value in force now.
    pub in_force: u64,
    /// Proposals numbered below this were queued before its latest tightening (0 = none).
    pub tightened_before: u64,
}

stored_block! {
    /// A market's governance memory: the step window (when it opened and each governable
    /// parameter's value then) and, per parameter, the proposal number below which a queued
    /// loosening is stale. Arrays in [`MarketParam`] order.
    pub struct GovernanceRecord {
        /// Unix time the current step window opened.
        pub window_start: i64,
        pub baselines: [u64; 10],
        pub tightened_before: [u64; 10],
    }
}

impl GovernanceRecord {
    /// Opens a new step window at `now` once `window_secs` have passed since the last one
    /// opened, re-baselining every parameter at its value in `in_force`.
    pub fn roll(&mut self, now: i64, window_secs: i64, in_force: &MarketParamSet) {
        if crate::window::has_ended(self.window_start, now, window_secs) {
            self.window_start = now;
            for p in MarketParam::ALL {
                self.baselines[p as usize] = in_force.value(p);
            }
        }
    }

    /// `param`'s record for judging a change against the set `in_force`.
    pub fn record(&self, param: MarketParam, in_force: &MarketParamSet) -> ParamRecord {
        ParamRecord {
            baseline: self.baselines[param as usize],
            in_force: in_force.value(param),
            tightened_before: self.tightened_before[param as usize],
        }
    }

    /// After a strict tightening of `param`: every loosening of it queued so far (numbered
    /// below `next_proposal`) is stale.
    pub fn mark_tightened(&mut self, param: MarketParam, next_proposal: u64) {
        self.tightened_before[param as usize] = next_proposal;
    }
}

/// How a change arrives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// `set_market_param`: applies at once, so it must only tighten.
    AtOnce,
    /// A queued proposal executing now; `id` is its number (proposals are numbered in the
    /// order they are queued).
    Queued { id: u64 },
}

/// Why a change to a parameter is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeRefusal {
    /// Outside the hard bounds, or arithmetic failed.
    Engine(EngineError),
    /// It does not only tighten: it must be queued under the timelock.
    MustQueue,
    /// It moves more than one step from the value at the window's start.
    WindowStep,
    /// It does not tighten and moves more than one step from the value in force.
    StepFromInForce,
    /// It does not tighten and was queued before its parameter's latest tightening.
    Stale,
}

impl From<EngineError> for ChangeRefusal {
    fn from(e: EngineError) -> Self {
        ChangeRefusal::Engine(e)
    }
}

/// Judges setting `param` to `new`, arriving by `route`, given its record. In order: hard
/// bounds; a change at once must tighten (against the value in force); a queued change that
/// does not tighten (loosening or redistributive) is refused when it was queued before the
/// parameter's latest tightening, and when it moves more than one step from the value in
/// force; every change stays within one step of the window's starting value. Returns
/// whether the change strictly tightens (changes the value, in the tightening direction): the
/// caller then records the next proposal number as the parameter's `tightened_before`, which
/// makes every loosening queued so far stale.
pub fn judge_change(
    param: MarketParam,
    rec: &ParamRecord,
    new: u64,
    route: Route,
) -> Result<bool, ChangeRefusal> {
    let spec = param.spec();
    check_bounds(&spec, new)?;
    let tightens = is_tightening(spec.direction, rec.in_force, new);
    match route {
        Route::AtOnce if !tightens => return Err(ChangeRefusal::MustQueue),
        Route::Queued { id } if !tightens && id < rec.tightened_before => {
            return Err(ChangeRefusal::Stale)
        }
        _ => {}
    }
    if !tightens && !within_step(rec.in_force, new, &spec)? {
        return Err(ChangeRefusal::StepFromInForce);
    }
    if !within_step(rec.baseline, new, &spec)? {
        return Err(ChangeRefusal::WindowStep);
    }
    Ok(tightens && new != rec.in_force)
}

/// Why a queued change may not execute now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimelockRefusal {
    TooEarly,
    Expired,
}

/// The window `[eta, expires)` of a change queued at `now` (unix seconds): it waits out
/// `timelock_secs`, then may execute for `grace_secs`.
pub fn schedule(now: i64, timelock_secs: u32, grace_secs: u32) -> EngineResult<(i64, i64)> {
    use crate::checked::Checked;
    let eta = now.plus(i64::from(timelock_secs))?;
    Ok((eta, eta.plus(i64::from(grace_secs))?))
}

/// A queued change executes in `[eta, expires)`.
pub fn executable(now: i64, eta: i64, expires: i64) -> Result<(), TimelockRefusal> {
    if now < eta {
        Err(TimelockRefusal::TooEarly)
    } else if now >= expires {
        Err(TimelockRefusal::Expired)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_queued_change_waits_the_timelock_then_has_its_grace() {
        assert_eq!(schedule(1_000, 60, 30), Ok((1_060, 1_090)));
        assert_eq!(
            executable(1_059, 1_060, 1_090),
            Err(TimelockRefusal::TooEarly)
        );
        assert_eq!(executable(1_060, 1_060, 1_090), Ok(()));
        assert_eq!(
            executable(1_090, 1_060, 1_090),
            Err(TimelockRefusal::Expired)
        );
        assert!(schedule(i64::MAX - 10, 60, 0).is_err());
    }

    #[test]
    fn direction_decides_what_applies_at_once() {
        assert!(is_tightening(Direction::HigherIsTighter, 25_000, 30_000));
        assert!(!is_tightening(Direction::HigherIsTighter, 25_000, 20_000));
        assert!(is_tightening(Direction::LowerIsTighter, 100, 0));
        assert!(
            !is_tightening(Direction::LowerIsTighter, 0, 100),
            "raising caps is not tightening"
        );
        assert!(!is_tightening(Direction::Redistributive, 5, 5));
    }

    #[test]
    fn steps_are_measured_from_the_window_start() {
        let s = MarketParam::BaseMmr.spec();
        assert!(within_step(20_000, 30_000, &s).unwrap());
        assert!(!within_step(20_000, 30_001, &s).unwrap());
        let cap = MarketParam::OpenInterestCapLong.spec();
        assert!(
            within_step(0, 10_000_000_000_000, &cap).unwrap(),
            "from zero by the minimum step"
        );
        assert!(!within_step(0, 10_000_000_000_001, &cap).unwrap());
        assert!(check_bounds(&s, 4_000).is_err());
    }

    fn rec(baseline: u64, in_force: u64, tightened_before: u64) -> ParamRecord {
        ParamRecord {
            baseline,
            in_force,
            tightened_before,
        }
    }

    #[test]
    fn a_queued_loosening_is_judged_against_the_value_in_force() {
        use ChangeRefusal::*;
        let lev = MarketParam::MaxLeverage;
        // Queued 20 -> 25 as proposal 3; an emergency cut to 10 stamped `tightened_before` 4.
        assert_eq!(
            judge_change(lev, &rec(20, 10, 4), 25, Route::Queued { id: 3 }),
            Err(Stale)
        );
        // Queued after the cut (id 4): still more than one step (5x) from the 10x in force.
        assert_eq!(
            judge_change(lev, &rec(20, 10, 4), 25, Route::Queued { id: 4 }),
            Err(StepFromInForce)
        );
        assert_eq!(
            judge_change(lev, &rec(20, 10, 4), 15, Route::Queued { id: 4 }),
            Ok(false)
        );
        // A queued tightening is never stale and stamps the parameter.
        assert_eq!(
            judge_change(lev, &rec(20, 20, 4), 15, Route::Queued { id: 1 }),
            Ok(true)
        );
        // Redistributive: one step from the value in force (fee 600 -> 300 -> not 900).
        let fee = MarketParam::TakerFee;
        assert_eq!(
            judge_change(fee, &rec(600, 300, 0), 900, Route::Queued { id: 0 }),
            Err(StepFromInForce)
        );
        assert_eq!(
            judge_change(fee, &rec(600, 600, 0), 600, Route::AtOnce),
            Err(MustQueue)
        );
    }

    #[test]
    fn tightening_at_once_keeps_the_window_step_and_stamps_only_real_changes() {
        let mmr = MarketParam::BaseMmr;
        assert_eq!(
            judge_change(mmr, &rec(20_000, 20_000, 0), 30_000, Route::AtOnce),
            Ok(true)
        );
        assert_eq!(
            judge_change(mmr, &rec(20_000, 20_000, 0), 20_000, Route::AtOnce),
            Ok(false),
            "a no-op tightens nothing"
        );
        assert_eq!(
            judge_change(mmr, &rec(20_000, 25_000, 0), 30_001, Route::AtOnce),
            Err(ChangeRefusal::WindowStep)
        );
        assert_eq!(
            judge_change(mmr, &rec(20_000, 20_000, 0), 1, Route::AtOnce),
            Err(ChangeRefusal::Engine(EngineError::OutOfBounds {
                param: "base_mmr_ppm"
            }))
        );
    }

    #[test]
    fn the_timelock_window() {
        assert_eq!(executable(99, 100, 200), Err(TimelockRefusal::TooEarly));
        assert_eq!(executable(100, 100, 200), Ok(()));
        assert_eq!(executable(200, 100, 200), Err(TimelockRefusal::Expired));
        for p in MarketParam::ALL {
            assert_eq!(MarketParam::from_u16(p as u16), Some(p));
        }
    }
}
