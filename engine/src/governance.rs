//! Governance rules (SPEC section 8): every governable parameter has hard bounds (the bounds
//! table), a direction that says which way tightens risk, and a step limit per time window
//! measured from the value at the window's start (not per call), re-checked when a queued change
//! executes. Tightening applies at once; loosening and redistributive changes wait out the
//! timelock, must execute before they expire, and can be cancelled.

use crate::bounds::Param;
use crate::error::EngineResult;
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

/// A governable market parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
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
            MarketParam::BaseImr => "base_imr",
            MarketParam::BaseMmr => "base_mmr",
            MarketParam::MaxMmr => "max_mmr",
            MarketParam::MaxLeverage => "max_leverage",
            MarketParam::MaxPositionNotional => "max_position_notional",
            MarketParam::TakerFee => "taker_fee",
            MarketParam::InsuranceWindowCap => "insurance_window_cap",
            MarketParam::ReserveFactor => "reserve_factor",
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

/// Why a queued change may not execute now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimelockRefusal {
    TooEarly,
    Expired,
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
