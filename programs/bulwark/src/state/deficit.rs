//! Pending bad debt: an account's negative collateral is recognised at once, in the market
//! whose instruction realised it, as a liability of the pool and the insurance fund (SPEC
//! section 5: "pending bad debt is recognised at once"), so no holder can exit between a loss
//! and its resolution at a value that still counts the uncollectable income.

use anchor_lang::prelude::*;
use bulwark_engine::num::{add_u64, sub_u64};

use crate::error::engine_err;
use crate::state::{MarginAccount, Market};

impl MarginAccount {
    /// Brings this account's booked deficit to max(0, −collateral), booking the increase in
    /// `m` or releasing the decrease from it. A release larger than what `m` holds (the
    /// deficit was booked in another market) releases what `m` holds and keeps the rest booked
    /// on the account, to be released where it sits; so the markets' `bad_debt_pending` always
    /// sums to the accounts' `deficit_booked`, exactly. A deficit that starts here is
    /// attributed to `m` (`liquidation.last_market`): its resolution, or release once repaid, happens
    /// there and nowhere else.
    pub fn recognise_deficit(&mut self, m: &mut Market) -> Result<()> {
        let target = self.collateral.min(0).unsigned_abs();
        if self.deficit_booked == 0 && target > 0 {
            self.liquidation.last_market = m.index;
        }
        if target >= self.deficit_booked {
            let more = target - self.deficit_booked;
            m.ledgers.bad_debt_pending =
                add_u64(m.ledgers.bad_debt_pending, more).map_err(engine_err)?;
            self.deficit_booked = target;
        } else {
            let release = (self.deficit_booked - target).min(m.ledgers.bad_debt_pending);
            m.ledgers.bad_debt_pending =
                sub_u64(m.ledgers.bad_debt_pending, release).map_err(engine_err)?;
            self.deficit_booked = sub_u64(self.deficit_booked, release).map_err(engine_err)?;
        }
        Ok(())
    }
}
