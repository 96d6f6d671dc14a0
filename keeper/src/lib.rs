//! The Bulwark keeper: one cycle refreshes markets, checks breakers, carries each risk pool's
//! stress signal from its leaders to its followers (`stress_signal`), liquidates in stages
//! (`liquidation`: several accounts a transaction, `packing`, and several transactions in flight),
//! resolves bankruptcies, deleverages, cranks settlement and sweeps (`cycle`), judging each
//! account with the rules the program applies (`rules`), and gives up when it cannot do its job
//! (`watchdog`); (feature `rpc`) its chain over Solana JSON-RPC (`rpc_chain`, what `bulwark
//! keeper run` and the operator commands send through) and its start-up checks (`preflight`).

pub mod chain_error;
pub mod cycle;
pub mod liquidation;
pub mod packing;
pub mod rules;
pub mod stage_plan;
pub mod stress_signal;
pub mod watchdog;

#[cfg(feature = "rpc")]
pub mod preflight;
#[cfg(feature = "rpc")]
pub mod rpc_chain;
#[cfg(feature = "rpc")]
pub mod rpc_failure;

pub use chain_error::ChainError;
pub use cycle::*;
