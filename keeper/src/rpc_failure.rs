//! What the node reports, typed as a [`ChainError`]: the program's own refusals by their code,
//! other transaction failures as reported, the rest as transport.

use solana_rpc_client_api::client_error::Error as ClientError;

use crate::chain_error::ChainError;

/// Whether a client error is the program refusing the transaction (an instruction error: not
/// worth a retry) rather than the transport or an expired blockhash.
pub fn is_program_refusal(e: &ClientError) -> bool {
    matches!(
        e.get_transaction_error(),
        Some(solana_sdk::transaction::TransactionError::InstructionError(
            ..
        ))
    )
}

/// A failed transaction, typed: an instruction's custom error is the program's (by its code),
/// the rest as reported.
pub fn transaction_failure(e: &solana_sdk::transaction::TransactionError) -> ChainError {
    use solana_sdk::instruction::InstructionError;
    use solana_sdk::transaction::TransactionError;
    match e {
        TransactionError::InstructionError(_, InstructionError::Custom(code)) => {
            ChainError::Program { code: *code }
        }
        other => ChainError::Transaction(other.to_string()),
    }
}

/// A client error, typed: the transaction's own failure when the node reported one, else the
/// transport.
pub fn client_failure(e: &ClientError) -> ChainError {
    match e.get_transaction_error() {
        Some(te) => transaction_failure(&te),
        None => ChainError::Transport(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use solana_sdk::instruction::InstructionError;
    use solana_sdk::transaction::TransactionError;

    #[test]
    fn an_instructions_custom_error_is_the_programs_and_the_rest_the_transactions() {
        let refused = TransactionError::InstructionError(2, InstructionError::Custom(6602));
        assert_eq!(
            transaction_failure(&refused),
            ChainError::Program { code: 6602 }
        );
        let other = TransactionError::InstructionError(0, InstructionError::InvalidAccountData);
        assert!(matches!(
            transaction_failure(&other),
            ChainError::Transaction(_)
        ));
        assert!(matches!(
            transaction_failure(&TransactionError::BlockhashNotFound),
            ChainError::Transaction(_)
        ));
    }
}
