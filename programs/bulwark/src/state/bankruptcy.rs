//! Resolving a bankruptcy: what `resolve_bankruptcy` does to a flat account below zero, its
//! market, the insurance fund and the pool, in one place the program and the stress
//! simulator share.

use crate::error::OrMath;
use anchor_lang::prelude::*;
use bulwark_engine::insurance::cover_deficit;

use crate::error::BulwarkError;
use crate::state::{InsuranceFund, LiquidityPool, MarginAccount, Market};

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

impl MarginAccount {
    /// Covers this flat account's negative collateral at `now`: from the insurance fund up to
    /// min(deficit, the market's remaining coverage in its window, the fund's balance), the rest
    /// socialised to the pool. Refuses an account that is not bankrupt or whose last
    /// liquidation was in another market.
    pub fn resolve_bankruptcy(
        &mut self,
        m: &mut Market,
        fund: &mut InsuranceFund,
        pool: &mut LiquidityPool,
        now: i64,
    ) -> Result<BankruptcyOutcome> {
        let flat = self.positions.iter().all(|p| p.base == 0);
        let repaid = flat && self.collateral >= 0 && self.deficit_booked > 0;
        require!(
            repaid || flat && self.collateral < 0,
            BulwarkError::NotBankrupt
        );
        require_eq!(
            self.liquidation.last_market,
            m.index,
            BulwarkError::WrongBankruptcyMarket
        );
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
        m.require_allowed(bulwark_engine::state::Op::ResolveBankruptcy)?;
        let deficit = self.collateral.unsigned_abs();
        let remaining = m.coverage_left(now);
        let cover = cover_deficit(deficit, fund.balance, remaining);

        cover
            .pay(
                &mut fund.balance,
                &mut fund.total_paid,
                &mut pool.capital,
                &mut pool.total_socialized,
            )
            .or_math()?;
        m.count_coverage(cover.insurance, now)?;
        m.ledgers.book_write_off(deficit).or_math()?;
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
