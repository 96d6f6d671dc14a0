//! Settling a position's funding into its account through the pool's ledger.

use crate::error::OrMath;
use anchor_lang::prelude::*;
use bulwark_engine::checked::Checked;
use bulwark_engine::funding::funding_owed;

use crate::error::engine_err;
use crate::state::{MarginAccount, Market};

/// Settles position `slot`'s funding since its snapshot: the account pays (or receives) the
/// pool through the market's PnL ledger. Returns what it paid (negative = received).
pub fn settle_funding(
    acct: &mut MarginAccount,
    slot: usize,
    m: &mut Market,
    decimals: u8,
) -> Result<i64> {
    let p = &mut acct.positions[slot];
    let owed =
        funding_owed(p.base, p.funding_snapshot, m.funding_index, decimals).map_err(engine_err)?;
    p.funding_snapshot = m.funding_index;
    acct.collateral = acct.collateral.minus(owed).or_math()?;
    m.pnl_pending = m.pnl_pending.plus(owed).or_math()?;
    m.trader_flow = m.trader_flow.minus(owed).or_math()?;
    Ok(owed)
}
