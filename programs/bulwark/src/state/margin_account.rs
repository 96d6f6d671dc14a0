//! A trader's margin account: collateral and up to eight positions in one risk pool's markets
//! (cross margin inside one account; isolation by opening another index, in the same pool or
//! another).

use anchor_lang::prelude::*;
use bulwark_engine::account::AccountCore;
pub use bulwark_engine::account::{PositionSlot, MAX_POSITIONS};
use bulwark_engine::delegate::DelegateLimits;

/// PDA `[MARGIN_SEED, owner, index le]`: the owner's keys beside the engine-owned
/// [`AccountCore`], which it dereferences to.
#[account(zero_copy)]
#[derive(Debug)]
pub struct MarginAccount {
    pub version: u8,
    pub bump: u8,
    /// The risk pool the account belongs to, chosen at creation: it trades only that pool's
    /// markets, and its losses reach only that pool's insurance fund and LPs.
    pub pool: u16,
    pub _padding0: [u8; 2],
    /// The account number of this owner (isolation by index).
    pub index: u16,
    pub owner: Pubkey,
    /// May trade but never withdraw; default key = none.
    pub delegate: Pubkey,
    /// Collateral, positions, the liquidation episode, the booked deficit and the
    /// delegate's limits: everything the engine's operations read and write.
    pub core: AccountCore,
    pub reserved: [u8; 200],
}
const _: () = assert!(core::mem::size_of::<MarginAccount>() == 720);
const _: () = assert!(core::mem::size_of::<MarginAccount>().is_multiple_of(8));

impl core::ops::Deref for MarginAccount {
    type Target = AccountCore;
    #[inline]
    fn deref(&self) -> &AccountCore {
        &self.core
    }
}

impl core::ops::DerefMut for MarginAccount {
    #[inline]
    fn deref_mut(&mut self) -> &mut AccountCore {
        &mut self.core
    }
}

impl MarginAccount {
    /// Account size including Anchor's discriminator.
    pub const SPACE: usize = 8 + core::mem::size_of::<MarginAccount>();

    /// `key` is the owner or the delegate.
    pub fn may_trade(&self, key: &Pubkey) -> bool {
        *key == self.owner || self.is_delegate(key)
    }

    /// `key` is the delegate (and not the owner, who is never limited).
    pub fn is_delegate(&self, key: &Pubkey) -> bool {
        *key != self.owner && self.delegate != Pubkey::default() && *key == self.delegate
    }

    /// Refuses a market of another risk pool.
    pub fn require_pool(&self, market_pool: u16) -> Result<()> {
        require_eq!(
            self.pool,
            market_pool,
            crate::error::BulwarkError::PoolMismatch
        );
        Ok(())
    }

    /// Names `delegate` (the default key: none) with `limits`, starting a fresh cost count.
    pub fn appoint_delegate(&mut self, delegate: Pubkey, limits: &DelegateLimits) {
        let none = delegate == Pubkey::default();
        let l = if none {
            DelegateLimits::default()
        } else {
            *limits
        };
        self.delegate = delegate;
        self.delegate_limits = l;
        self.delegate_loss = 0;
    }
}
