//! Settling a position's funding into its account through the pool's ledger.

use anchor_lang::prelude::*;
use bulwark_engine::funding::funding_owed;

use crate::error::{engine_err, OrMath};
use crate::state::{MarginAccount, Market};

impl MarginAccount {
    /// Settles position `slot`'s funding since its snapshot: the account pays (or receives)
    /// the pool through the market's PnL ledger. Returns what it paid (collateral units;
    /// negative = received; the engine's `funding_owed` rounds in the pool's favour).
    pub fn settle_funding(&mut self, slot: usize, m: &mut Market, decimals: u8) -> Result<i64> {
        let p = &mut self.positions[slot];
        let owed = funding_owed(p.base, p.funding_snapshot, m.funding.index, decimals)
            .map_err(engine_err)?;
        p.funding_snapshot = m.funding.index;
        m.ledgers
            .book_funding(&mut self.collateral, owed)
            .or_math()?;
        Ok(owed)
    }
}
