//! One instruction a file: its Accounts, its handler, and its arguments with a `validate()` where
//! they need more than their types (`create_market`, `initialize_exchange`, `queue_proposal`'s
//! `ProposalAction`; `update_risk` validates its oracle accounts); every other argument is
//! whole by its type (typed enums for parameters and actions), and every check against state
//! happens in the handler.

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
