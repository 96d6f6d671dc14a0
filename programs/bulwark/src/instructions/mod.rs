//! One instruction a file: Args + Accounts + validate() + handler.

pub mod admin;
pub mod common;
pub mod governance;
pub mod guardian;
pub mod insurance;
pub mod keeper;
pub mod pool;
pub mod trader;

pub use admin::*;
pub use governance::*;
pub use guardian::*;
pub use insurance::*;
pub use keeper::*;
pub use pool::*;
pub use trader::*;
