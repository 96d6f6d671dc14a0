//! Liquidity-pool instructions.

pub mod pool_deposit;
pub mod pool_request_withdraw;
pub mod pool_withdraw;

pub use pool_deposit::*;
pub use pool_request_withdraw::*;
pub use pool_withdraw::*;
