//! Set-up and governance instructions.

pub mod create_market;
pub mod create_pool;
pub mod initialize_exchange;

pub use create_market::*;
pub use create_pool::*;
pub use initialize_exchange::*;
