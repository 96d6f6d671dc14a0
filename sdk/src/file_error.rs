//! Why a file (a deployment, stress parameters) cannot be used: the field it names and what is
//! wrong with it, as values a caller can match on; `Display` reads as what to fix.

use core::fmt;

/// A file's field that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileError {
    /// Where: the file and the field's path (`deploy.toml: markets[0].trading.lot_base`).
    pub field: String,
    pub problem: FileProblem,
}

/// What is wrong with a field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileProblem {
    /// The value is outside its parameter's hard bounds (the engine's bounds table).
    OutOfBounds {
        value: u64,
        min: u64,
        max: u64,
        unit: &'static str,
    },
    /// No parameter has this name.
    UnknownParameter { known: Vec<String> },
    /// A parameter's value must be a non-negative integer.
    NotANonNegativeInteger,
    /// The parameter is set in two tables.
    SetTwice { also_in: String },
    /// Not a base58 public key.
    NotAPublicKey { value: String },
    /// The program would refuse the listing these arguments make.
    ListingRefused(ProgramRefusal),
    /// The file does not parse, or breaks a rule stated in the message.
    Invalid(String),
}

/// A program error by name and message (what the program would answer).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgramRefusal {
    pub name: String,
    pub message: String,
}

impl FileError {
    /// `problem` at `field`.
    pub fn new(field: impl Into<String>, problem: FileProblem) -> Self {
        FileError {
            field: field.into(),
            problem,
        }
    }

    /// A rule stated in words, at `field`.
    pub fn invalid(field: impl Into<String>, why: impl Into<String>) -> Self {
        FileError::new(field, FileProblem::Invalid(why.into()))
    }
}

impl fmt::Display for ProgramRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name, self.message)
    }
}

impl fmt::Display for FileProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileProblem::OutOfBounds {
                value,
                min,
                max,
                unit,
            } => write!(f, "{value} is outside [{min}, {max}] {unit}"),
            FileProblem::UnknownParameter { known } => {
                write!(f, "unknown parameter (known: {})", known.join(", "))
            }
            FileProblem::NotANonNegativeInteger => write!(f, "expected a non-negative integer"),
            FileProblem::SetTwice { also_in } => write!(f, "also set in {also_in}"),
            FileProblem::NotAPublicKey { value } => {
                write!(f, "{value:?} is not a base58 public key")
            }
            FileProblem::ListingRefused(r) => {
                write!(f, "the program would refuse this listing: {r}")
            }
            FileProblem::Invalid(why) => f.write_str(why),
        }
    }
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.problem)
    }
}

impl std::error::Error for FileError {}
