//! One instruction a file: Args + Accounts + validate() + handler.

pub mod admin;
pub mod keeper;

pub use admin::*;
pub use keeper::*;
