//! Pieces several instructions share: the health-market set, pool valuation, token moves.

pub mod health_markets;
pub mod pool_value;
pub mod tokens;
