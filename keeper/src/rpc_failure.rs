//! What the node reports, typed as a [`ChainError`]: a transaction's failure as
//! [`ChainError::from_transaction`] types it, the rest as transport.

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

/// A client error, typed: the transaction's own failure when the node reported one, else the
/// transport.
pub fn client_failure(e: &ClientError) -> ChainError {
    match e.get_transaction_error() {
        Some(te) => ChainError::from_transaction(&te),
        None => ChainError::Transport(e.to_string()),
    }
}
