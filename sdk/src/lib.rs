//! Bulwark SDK for integrators: PDAs, instruction builders, account and event decoders, oracle
//! account encoders, the recorded oracle accounts and price paths (`fixtures`), default parameters and parameter files, previews and quotes of what the
//! program would do, the wallet's transaction plans, program errors by name, and (feature `rpc`)
//! bootstrapping a deployment over JSON-RPC. Every formula comes from `bulwark-engine`;
//! nothing here re-implements one.
//!
//! The keeper is `bulwark-keeper`; the in-process bank and the ready-made `World` that tests
//! and the demo use are `bulwark-testkit`.

pub mod accounts;
pub mod dao_forms;
pub mod errors;
pub mod events;
pub mod file_error;
pub mod fixtures;
pub mod ix;
pub mod lookup;
pub mod oracle_accounts;
pub mod params;
pub mod params_file;
pub mod pda;
pub mod preview;
pub mod quote;
pub mod wallet;

#[cfg(feature = "rpc")]
pub mod bootstrap;
#[cfg(feature = "rpc")]
mod bootstrap_compare;
#[cfg(feature = "rpc")]
pub mod bootstrap_pools;

pub use anchor_lang::prelude::Pubkey;
pub use bulwark;
pub use bulwark_engine as engine;
