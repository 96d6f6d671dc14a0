//! Permissionless keeper instructions.

pub mod sweep;
pub mod update_risk;

pub use sweep::*;
pub use update_risk::*;
