//! Bulwark's risk engine: every formula the program, SDK, keeper and simulator share.
//!
//! Pure functions on plain structs; no Anchor or Solana dependency, no floats, checked
//! arithmetic everywhere. Precisions are documented once, in [`num`], and each quantity
//! has exactly one.

pub mod action;
pub mod adl;
pub mod bounds;
pub mod breaker;
pub mod checked;
pub mod conservation;
pub mod delegate;
pub mod divide;
pub mod dynamic_margin;
pub mod error;
pub mod execution;
pub mod fees;
pub mod funding;
pub mod governance;
pub mod guardian;
pub mod insurance;
pub mod liquidation;
pub mod margin;
pub mod market_params;
pub mod num;
pub mod oracle;
pub mod pool;
pub mod position;
pub mod settlement;
pub mod state;
pub mod trade;
pub mod volatility;
pub mod window;

pub use error::{EngineError, EngineResult};
