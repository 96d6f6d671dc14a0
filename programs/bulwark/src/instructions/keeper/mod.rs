//! Permissionless keeper instructions.

pub mod update_risk;

pub use update_risk::*;
