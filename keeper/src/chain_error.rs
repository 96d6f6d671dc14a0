//! Why a chain call failed, typed: the keeper names a program refusal by its error (and never
//! retries it), a transport failure is the chain's to retry, and a missing or undecodable
//! account ends the cycle early.

use core::fmt;

use solana_instruction_error::InstructionError;
use solana_transaction_error::TransactionError;

/// A failed chain call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChainError {
    /// The program refused the transaction with error `code` (`bulwark::error`).
    Program { code: u32 },
    /// The transaction failed otherwise (the runtime, another program, too large to send), as
    /// reported.
    Transaction(String),
    /// The node could not be reached or did not answer (after the chain's own retries).
    Transport(String),
    /// An account the keeper reads is missing or is not what it should be.
    Account(String),
}

impl ChainError {
    /// From a failure known only as text: a `custom program error: 0x…` is the program's; the
    /// rest is a transaction failure.
    pub fn from_failure(text: &str) -> ChainError {
        match bulwark_sdk::errors::program_error_code(text) {
            Some(code) => ChainError::Program { code },
            None => ChainError::Transaction(text.to_string()),
        }
    }

    /// A failed transaction, typed: an instruction's custom error is the program's (by its
    /// code), the rest as reported. The one rule the RPC chain and the bank's chain share.
    pub fn from_transaction(e: &TransactionError) -> ChainError {
        match e {
            TransactionError::InstructionError(_, InstructionError::Custom(code)) => {
                ChainError::Program { code: *code }
            }
            other => ChainError::Transaction(other.to_string()),
        }
    }

    /// What failed, as a metrics label: the program error's name (`program_error_CODE` for a
    /// code the program does not know), else `transaction`, `transport` or `account`.
    pub fn label(&self) -> String {
        match self {
            ChainError::Program { code } => self
                .program_error()
                .unwrap_or_else(|| format!("program_error_{code}")),
            ChainError::Transaction(_) => "transaction".into(),
            ChainError::Transport(_) => "transport".into(),
            ChainError::Account(_) => "account".into(),
        }
    }

    /// The program error's name, when the program refused.
    pub fn program_error(&self) -> Option<String> {
        match self {
            ChainError::Program { code } => bulwark::error::error_name(*code),
            _ => None,
        }
    }
}

impl fmt::Display for ChainError {
    /// A program refusal reads as its error's name and code (`NotLiquidatable (6601)`), the
    /// rest as reported.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChainError::Program { code } => match bulwark::error::error_name(*code) {
                Some(name) => write!(f, "{name} ({code})"),
                None => write!(f, "program error {code}"),
            },
            ChainError::Transaction(e) => write!(f, "transaction failed: {e}"),
            ChainError::Transport(e) => write!(f, "node unreachable: {e}"),
            ChainError::Account(e) => write!(f, "account: {e}"),
        }
    }
}

impl std::error::Error for ChainError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_custom_program_error_in_a_failure_is_the_programs_and_reads_by_name() {
        let e = ChainError::from_failure(
            "Error processing Instruction 0: custom program error: 0x1839",
        );
        assert_eq!(e, ChainError::Program { code: 0x1839 });
        assert_eq!(e.program_error(), bulwark::error::error_name(0x1839));
        assert!(e.to_string().ends_with("(6201)"));
        let other = ChainError::from_failure("Blockhash not found");
        assert_eq!(other, ChainError::Transaction("Blockhash not found".into()));
        assert_eq!(other.program_error(), None);
        assert_eq!(e.label(), bulwark::error::error_name(6201).unwrap());
        assert_eq!(other.label(), "transaction");
        assert_eq!(ChainError::Program { code: 1 }.label(), "program_error_1");
    }

    #[test]
    fn an_instructions_custom_error_is_the_programs_and_the_rest_the_transactions() {
        let refused = TransactionError::InstructionError(2, InstructionError::Custom(6602));
        assert_eq!(
            ChainError::from_transaction(&refused),
            ChainError::Program { code: 6602 }
        );
        let other = TransactionError::InstructionError(0, InstructionError::InvalidAccountData);
        assert!(matches!(
            ChainError::from_transaction(&other),
            ChainError::Transaction(_)
        ));
        assert!(matches!(
            ChainError::from_transaction(&TransactionError::BlockhashNotFound),
            ChainError::Transaction(_)
        ));
    }
}
