//! Bulwark's risk engine: every formula the program, SDK, keeper and simulator share.
//!
//! Pure functions on plain structs; no Anchor or Solana dependency by default (feature
//! `anchor` only derives Borsh and IDL traits on the stored blocks), no floats, checked
//! arithmetic everywhere. Precisions are documented once, in [`num`], and each quantity
//! has exactly one.

/// Declares a stored block: a parameter group or runtime state the program's zero-copy
/// accounts embed as is. `#[repr(C)]` and Pod (so no implicit padding: a block states its
/// padding as `_padding` fields), with the Borsh/IDL derives under feature `anchor` and serde
/// under feature `serde`.
macro_rules! stored_block {
    ($(#[$meta:meta])* $vis:vis struct $name:ident $body:tt) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
        #[cfg_attr(
            feature = "anchor",
            derive(anchor_lang::AnchorSerialize, anchor_lang::AnchorDeserialize)
        )]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        #[repr(C)]
        $vis struct $name $body
    };
}

pub mod account;
pub mod action;
pub mod adl;
pub mod adl_policy;
pub mod bounds;
pub mod breaker;
pub mod checked;
pub mod conservation;
pub mod contagion;
pub mod delegate;
pub mod divide;
pub mod dynamic_margin;
pub mod error;
pub mod execution;
pub mod fees;
pub mod funding;
pub mod governance;
pub mod guardian;
pub mod insurance;
pub mod liquidation;
pub mod margin;
pub mod market;
pub mod market_params;
pub mod num;
pub mod oracle;
pub mod pool;
pub mod position;
pub mod settlement;
pub mod state;
pub mod trade;
pub mod volatility;
pub mod window;

pub use error::{EngineError, EngineResult, Refused};
