//! The Bulwark test kit: the in-process bank that runs the real program (natively through
//! `solana-program-test`, or its SBF build on LiteSVM with feature `vm`), the ready-made `World`
//! (a venue with participants, feeds and helpers), the keeper's chain over the bank, and (feature `rpc`) a JSON-RPC endpoint served by the bank. For tests, the
//! demo and the local cluster; integrators need only `bulwark-sdk`.

pub mod bank;
pub mod bank_keeper;
#[cfg(feature = "vm")]
pub mod bank_node;
#[cfg(feature = "rpc")]
pub mod bank_rpc;
#[cfg(feature = "vm")]
pub mod bank_vm;
pub mod quiet;
pub mod two_pools;
pub mod world;
mod world_more;
mod world_pools;

pub use bulwark_sdk::{engine, Pubkey};
