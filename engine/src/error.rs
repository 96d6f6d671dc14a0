//! Engine errors: arithmetic failures carry the source location where they happened.

use core::fmt;
use core::panic::Location;

/// Result type of every fallible engine function.
pub type EngineResult<T> = Result<T, EngineError>;

/// An engine failure. Arithmetic failures say which operation failed and where.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EngineError {
    /// Checked arithmetic overflowed, underflowed, divided by zero or could not cast.
    Math {
        /// The operation that failed (`"mul"`, `"div"`, `"cast"`, ...).
        op: &'static str,
        /// Source file of the caller that asked for the operation.
        file: &'static str,
        /// Line in that file.
        line: u32,
    },
    /// A parameter is outside its hard bounds (see [`crate::bounds`]).
    OutOfBounds {
        /// The parameter's name as in the bounds table.
        param: &'static str,
    },
    /// A configuration is inconsistent (e.g. quorum above the number of distinct providers).
    InvalidConfig {
        /// What is wrong, in a few words.
        what: &'static str,
    },
    /// The venue's rules refuse the operation (the program maps each reason to its own error
    /// code, one to one).
    Refused(Refused),
}

/// Why an engine operation refuses to run: the market's state, the exchange's pause, the
/// price, the order, the account's margin or position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    /// The market's state table forbids the operation.
    MarketState {
        op: crate::state::Op,
        state: crate::state::MarketState,
    },
    /// The exchange has paused the operation.
    Paused,
    /// The stored price may not be used for the action now.
    Price(crate::action::Refusal),
    /// The order breaks a trading rule.
    Trade(crate::trade::TradeRejection),
    /// A delegate's trade breaks the owner's limits.
    Delegate(crate::delegate::DelegateRejection),
    /// The account already holds a position in every slot.
    TooManyPositions,
    /// The account has no position in the market.
    NoPosition,
    /// The increase would leave the initial margin short.
    InitialMarginViolated,
    /// The increase would pass the market's leverage cap.
    LeverageCapExceeded,
    /// The account meets its maintenance requirement.
    NotLiquidatable,
    /// The size is zero.
    ZeroSize,
    /// A liquidation's `max_base` is below the least stage that restores maintenance.
    StageBelowMinimum,
    /// The account is not bankrupt (positions open, or collateral not negative).
    NotBankrupt,
    /// The bankruptcy belongs to the account's last liquidated market, not this one.
    WrongBankruptcyMarket,
    /// The market's auto-deleverage trigger does not hold.
    AdlNotTriggered,
    /// The target is not a profitable position on the stressed side with positive equity.
    AdlTargetNotEligible,
    /// The target's leverage is not above the ADL episode's water level (nothing to close).
    AdlBelowWaterLevel,
    /// The deleverage would not lower the profit ratio, or would pass its floor.
    AdlOverCorrects,
    /// A winner's claim is recorded; it is paid once every position has been visited.
    SettlementRatioPending,
}

impl Refused {
    /// This refusal as the caller's error type.
    pub fn into_err<E: From<EngineError>>(self) -> E {
        E::from(EngineError::Refused(self))
    }
}

impl From<Refused> for EngineError {
    fn from(r: Refused) -> Self {
        EngineError::Refused(r)
    }
}

impl EngineError {
    /// A math error at the caller's location.
    #[track_caller]
    pub fn math(op: &'static str) -> Self {
        let loc = Location::caller();
        EngineError::Math {
            op,
            file: loc.file(),
            line: loc.line(),
        }
    }
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EngineError::Math { op, file, line } => {
                write!(f, "math error in {op} at {file}:{line}")
            }
            EngineError::OutOfBounds { param } => write!(f, "parameter {param} is out of bounds"),
            EngineError::InvalidConfig { what } => write!(f, "invalid configuration: {what}"),
            EngineError::Refused(Refused::MarketState { op, state }) => {
                write!(f, "{op:?} not allowed while the market is {}", state.name())
            }
            EngineError::Refused(r) => write!(f, "refused: {r:?}"),
        }
    }
}

impl std::error::Error for EngineError {}
