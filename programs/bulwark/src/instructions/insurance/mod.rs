//! Insurance-fund staking.

pub mod if_request_unstake;
pub mod if_stake;
pub mod if_unstake;

pub use if_request_unstake::*;
pub use if_stake::*;
pub use if_unstake::*;
