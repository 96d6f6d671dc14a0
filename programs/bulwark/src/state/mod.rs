//! Zero-copy account state: one account type a file, plus the plain-old-data parts they share.

pub mod exchange;
pub mod market;
pub mod oracle_config;

pub use exchange::*;
pub use market::*;
pub use oracle_config::*;
