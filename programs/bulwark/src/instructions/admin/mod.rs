//! Set-up and governance instructions.

pub mod create_market;
pub mod initialize_exchange;

pub use create_market::*;
pub use initialize_exchange::*;
