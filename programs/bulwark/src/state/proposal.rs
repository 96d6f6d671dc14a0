//! A queued governance change.

use anchor_lang::prelude::*;

/// Proposal status codes.
pub mod status {
    pub const QUEUED: u8 = 0;
    pub const EXECUTED: u8 = 1;
    pub const CANCELLED: u8 = 2;
}

/// Proposal kinds.
pub mod kind {
    /// A market parameter (`param` is a `MarketParam` code).
    pub const MARKET_PARAM: u8 = 0;
    /// The exchange's timelock (the timelock changes only through itself).
    pub const TIMELOCK: u8 = 1;
    /// Emergency settlement of a market.
    pub const SETTLE: u8 = 2;
    /// Delisting a settled market.
    pub const DELIST: u8 = 3;
}

/// PDA `[PROPOSAL_SEED, id le]`.
#[account(zero_copy)]
#[derive(Debug)]
pub struct Proposal {
    pub version: u8,
    pub bump: u8,
    pub status: u8,
    pub kind: u8,
    pub market_index: u16,
    pub param: u16,
    pub id: u64,
    pub value: u64,
    pub created_at: i64,
    /// Executable from this time...
    pub eta: i64,
    /// ...until this one.
    pub expires: i64,
    pub reserved: [u8; 64],
}
const _: () = assert!(core::mem::size_of::<Proposal>() == 112);

impl Proposal {
    /// Account size including Anchor's discriminator.
    pub const SPACE: usize = 8 + core::mem::size_of::<Proposal>();
}
