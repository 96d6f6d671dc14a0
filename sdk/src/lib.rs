//! Bulwark SDK: PDAs, instruction builders, account decoders, oracle account encoders and
//! (feature `bank`) the in-process bank that runs the real program for tests and the demo;
//! (feature `rpc`) the keeper's chain over Solana JSON-RPC.
//! Every formula comes from `bulwark-engine`; nothing here re-implements one.

pub mod accounts;
pub mod fixtures;
pub mod ix;
pub mod keeper;
pub mod keeper_rules;
pub mod lookup;
pub mod oracle_accounts;
pub mod params;
pub mod params_file;
pub mod pda;
pub mod preview;
pub mod quote;
pub mod wallet;

#[cfg(feature = "bank")]
pub mod bank;
#[cfg(feature = "bank")]
pub mod bank_keeper;
#[cfg(feature = "vm")]
pub mod bank_node;
#[cfg(all(feature = "bank", feature = "rpc"))]
pub mod bank_rpc;
#[cfg(feature = "vm")]
pub mod bank_vm;
#[cfg(feature = "rpc")]
pub mod bootstrap;
#[cfg(feature = "bank")]
pub mod events;
#[cfg(feature = "rpc")]
pub mod rpc_chain;
#[cfg(feature = "bank")]
pub mod world;
#[cfg(feature = "bank")]
mod world_more;

pub use anchor_lang::prelude::Pubkey;
pub use bulwark;
pub use bulwark_engine as engine;
