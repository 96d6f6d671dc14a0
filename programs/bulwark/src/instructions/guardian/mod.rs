//! The guardian: it can only tighten.

pub mod guardian_pause;
pub mod guardian_reduce_only;

pub use guardian_pause::*;
pub use guardian_reduce_only::*;
