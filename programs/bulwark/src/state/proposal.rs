//! A queued governance change.

use anchor_lang::prelude::*;

use super::OracleSource;

/// Proposal status codes.
pub mod status {
    pub const QUEUED: u8 = 0;
    pub const EXECUTED: u8 = 1;
    pub const CANCELLED: u8 = 2;
}

/// Proposal kinds: how [`ProposalAction`](super::ProposalAction)'s variants are stored.
pub mod kind {
    /// A market parameter (`param` is a `MarketParam` code).
    pub const MARKET_PARAM: u8 = 0;
    /// The exchange's timelock (the timelock changes only through itself).
    pub const TIMELOCK: u8 = 1;
    /// Emergency settlement of a market.
    pub const SETTLE: u8 = 2;
    /// Delisting a settled market.
    pub const DELIST: u8 = 3;
    /// Rotating one oracle source of a market (`param` = its position) at `activation_slot`.
    pub const ROTATE_SOURCE: u8 = 4;
    /// Lifting the guardian's ReduceOnly on a market.
    pub const LIFT_REDUCE_ONLY: u8 = 5;
    /// Clearing the accounting invariant's pause (after the books are mended).
    pub const CLEAR_INVARIANT_PAUSE: u8 = 6;
    /// Extending the guardian's pause until `value` (unix time).
    pub const EXTEND_PAUSE: u8 = 7;
    /// A risk pool's stress-signal parameter (`market_index` holds the pool index, `param` a
    /// `PoolParam` code).
    pub const POOL_PARAM: u8 = 8;
}

/// PDA `[PROPOSAL_SEED, seed le]`: the proposer chooses `seed`, so the address is known when a
/// DAO drafts the queueing transaction, whatever else is queued before it executes. `id` is the
/// queue order, assigned when it is queued (the staleness rule compares it).
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
    /// For a source rotation: the slot it takes effect, and the new source.
    pub activation_slot: u64,
    pub source: OracleSource,
    /// The proposer's seed of this proposal's address.
    pub seed: u64,
    pub reserved: [u8; 56],
}
const _: () = assert!(core::mem::size_of::<Proposal>() == 256);

impl Proposal {
    /// Account size including Anchor's discriminator.
    pub const SPACE: usize = 8 + core::mem::size_of::<Proposal>();
}
