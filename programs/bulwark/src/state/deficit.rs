//! Pending bad debt: an account's negative collateral is recognised at once, in the market
//! whose instruction realised it, as a liability of the pool and the insurance fund (SPEC
//! section 5: "pending bad debt is recognised at once"), so no holder can exit between a loss
//! and its resolution at a value that still counts the uncollectable income.

use anchor_lang::prelude::*;

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
        let ledgers = &mut m.ledgers;
        let starts = ledgers
            .recognise_deficit(self.collateral, &mut self.deficit_booked)
            .map_err(engine_err)?;
        if starts {
            self.liquidation.last_market = m.index;
        }
        Ok(())
    }
}
