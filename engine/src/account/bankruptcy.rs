//! Resolving a bankruptcy: a flat account below zero is covered by the insurance fund up to
//! min(deficit, the market's remaining coverage in its window, the fund's balance), the rest
//! socialised to the pool.

use super::AccountCore;
use crate::error::{EngineResult, Refused};
use crate::insurance::cover_deficit;
use crate::market::MarketCore;
use crate::state::Op;

/// What a resolution did, collateral units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BankruptcyOutcome {
    pub deficit: u64,
    pub insurance_paid: u64,
    /// Socialised to LPs (pool capital falls by exactly this).
    pub socialized: u64,
    /// The market's coverage left in its window afterwards.
    pub window_remaining_after: u64,
}

/// Who pays a deficit: the insurance fund's balance and cumulative payouts, the pool's capital
/// and cumulative socialised losses (collateral units).
pub struct DeficitPayers<'a> {
    pub fund_balance: &'a mut u64,
    pub fund_paid: &'a mut u64,
    pub pool_capital: &'a mut i64,
    pub pool_socialized: &'a mut u64,
}

impl AccountCore {
    /// Covers this flat account's negative collateral at `now` (see the module doc). An
    /// account repaid by a deposit only has its recognition released. Refuses an account that
    /// is not bankrupt or whose last liquidation was in another market.
    pub fn resolve_bankruptcy(
        &mut self,
        m: &mut MarketCore,
        payers: DeficitPayers<'_>,
        now: i64,
    ) -> EngineResult<BankruptcyOutcome> {
        let flat = self.is_flat();
        let repaid = flat && self.collateral >= 0 && self.deficit_booked > 0;
        if !(repaid || flat && self.collateral < 0) {
            return Err(Refused::NotBankrupt.into());
        }
        if self.liquidation.last_market != m.index {
            return Err(Refused::WrongBankruptcyMarket.into());
        }
        if repaid {
            // Repaid by a deposit: nothing to cover, only the recognition to release.
            self.recognise_deficit(m)?;
            return Ok(BankruptcyOutcome {
                deficit: 0,
                insurance_paid: 0,
                socialized: 0,
                window_remaining_after: 0,
            });
        }
        m.require_allowed(Op::ResolveBankruptcy)?;
        let deficit = self.collateral.unsigned_abs();
        let cover = cover_deficit(deficit, *payers.fund_balance, m.coverage_left(now));
        cover.pay(
            payers.fund_balance,
            payers.fund_paid,
            payers.pool_capital,
            payers.pool_socialized,
        )?;
        m.count_coverage(cover.insurance, now)?;
        m.ledgers.book_write_off(deficit)?;
        self.collateral = 0;
        self.liquidation.active = 0;
        self.recognise_deficit(m)?;
        Ok(BankruptcyOutcome {
            deficit,
            insurance_paid: cover.insurance,
            socialized: cover.socialized,
            window_remaining_after: m.coverage_left(now),
        })
    }
}
