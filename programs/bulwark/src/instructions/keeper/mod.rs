//! Permissionless keeper instructions.

pub mod auto_deleverage;
pub mod check_insurance_breaker;
pub mod check_invariant;
pub mod liquidate;
pub mod propagate_stress;
pub mod resolve_bankruptcy;
pub mod settle_position;
pub mod sweep;
pub mod update_risk;

pub use auto_deleverage::*;
pub use check_insurance_breaker::*;
pub use check_invariant::*;
pub use liquidate::*;
pub use propagate_stress::*;
pub use resolve_bankruptcy::*;
pub use settle_position::*;
pub use sweep::*;
pub use update_risk::*;
