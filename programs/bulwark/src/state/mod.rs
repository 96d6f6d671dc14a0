//! Zero-copy account state: one account type a file, plus the plain-old-data parts they share.

/// Getter, setter and checked add/subtract (`MathError` with its location on overflow) for `u128` quantities
/// kept as little-endian byte arrays in zero-copy accounts (SPEC section 2: a `u128` field's
/// alignment differs between the host and SBF, so the layout stores bytes).
macro_rules! le_u128 {
    ($ty:ty { $($field:ident / $set:ident / $add:ident / $sub:ident),+ $(,)? }) => {
        impl $ty {
            $(
                #[doc = concat!("`", stringify!($field), "` as a number.")]
                pub fn $field(&self) -> u128 {
                    u128::from_le_bytes(self.$field)
                }
                #[doc = concat!("Stores `", stringify!($field), "`.")]
                pub fn $set(&mut self, value: u128) {
                    self.$field = value.to_le_bytes();
                }
                #[doc = concat!("Adds `n` to `", stringify!($field), "` (checked).")]
                pub fn $add(&mut self, n: u128) -> anchor_lang::Result<()> {
                    let v = bulwark_engine::checked::Checked::plus(self.$field(), n);
                    let v = crate::error::OrMath::or_math(v)?;
                    self.$set(v);
                    Ok(())
                }
                #[doc = concat!("Subtracts `n` from `", stringify!($field), "` (checked).")]
                pub fn $sub(&mut self, n: u128) -> anchor_lang::Result<()> {
                    let v = bulwark_engine::checked::Checked::minus(self.$field(), n);
                    let v = crate::error::OrMath::or_math(v)?;
                    self.$set(v);
                    Ok(())
                }
            )+
        }
    };
}

pub mod exchange;
pub mod insurance_fund;
pub mod liquidity_pool;
pub mod margin_account;
pub mod market;
pub mod market_args;
pub mod market_governance;
pub mod market_listing;
pub mod oracle_config;
pub mod proposal;
pub mod proposal_action;
pub mod role;

pub use bulwark_engine::account::{
    BankruptcyOutcome, DeleverageOutcome, LiquidationOutcome, OpClock,
};
pub use bulwark_engine::conservation::SweepOutcome;
pub use bulwark_engine::market::RiskUpdate;
pub use bulwark_engine::market::{MarginViewError, SettlingLosses};
pub use bulwark_engine::oracle::{judge_side, SideReadings};
pub use exchange::*;
pub use insurance_fund::*;
pub use liquidity_pool::*;
pub use margin_account::*;
pub use market::*;
pub use market_args::*;
pub use oracle_config::*;
pub use proposal::*;
pub use proposal_action::ProposalAction;
pub use role::Role;
