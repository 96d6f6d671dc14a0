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
        }
    }
}

impl std::error::Error for EngineError {}
