//! Money in and out of a market's ledgers: a liquidation stage's postings and the coverage
//! window they count against, the sweep of the sub-ledgers to their owners, and the insurance
//! coverage breaker judged against the fund.

use super::MarketCore;
use crate::breaker::{committed_insurance, flags, market_insurance_coverage, Transition};
use crate::checked::Checked;
use crate::conservation::SweepOutcome;
use crate::error::EngineResult;
use crate::liquidation::KeeperReward;
use crate::state::{MarketState, Op};

/// The insurance fund as a market's coverage breaker sees it (collateral units, shares).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FundCommitment {
    pub balance: u64,
    pub total_shares: u128,
    /// Shares under an unstake request (they may leave: not committed).
    pub requested_shares: u128,
}

impl MarketCore {
    /// Counts `amount` paid by the insurance fund for this market at `now` against its
    /// coverage window.
    pub fn count_coverage(&mut self, amount: u64, now: i64) -> EngineResult<()> {
        self.coverage.count(amount, now, &self.params.insurance)
    }

    /// Books a liquidation stage's money into the market's sub-ledgers
    /// (`MarketLedgers::book_liquidation`) and counts the fund's minimum-reward advance against
    /// the coverage window at `now`.
    pub fn book_liquidation(
        &mut self,
        realized_pnl: i64,
        charged: u64,
        r: &KeeperReward,
        now: i64,
    ) -> EngineResult<()> {
        self.ledgers.book_liquidation(realized_pnl, charged, r)?;
        self.count_coverage(r.from_insurance, now)
    }

    /// Moves the market's sub-ledgers to their owners (`MarketLedgers::sweep`): realised
    /// trader PnL and the pool's fee share to `pool_capital`, the insurance share to
    /// `fund_balance` (which first repays what the market advanced for it; a shortfall falls on
    /// the pool), the protocol share and dust to `protocol_fees`. Refused where the market's
    /// state does not allow sweeping.
    pub fn sweep(
        &mut self,
        pool_capital: &mut i64,
        fund_balance: &mut u64,
        protocol_fees: &mut u64,
    ) -> EngineResult<SweepOutcome> {
        self.require_allowed(Op::Sweep)?;
        self.ledgers
            .sweep(pool_capital, fund_balance, protocol_fees)
    }

    /// Re-judges the insurance coverage flag against `fund`'s committed balance (net of
    /// shares under an unstake request) and the open-interest notional: trips below the
    /// floor, lifts only above floor plus hysteresis; then the state follows. Returns the
    /// transition and the new state when they happened.
    pub fn apply_insurance_coverage(
        &mut self,
        fund: &FundCommitment,
        decimals: u8,
        now_slot: u64,
    ) -> EngineResult<(Option<Transition>, Option<MarketState>)> {
        let committed =
            committed_insurance(fund.balance, fund.total_shares, fund.requested_shares)?;
        let oi = self.book.long_oi.plus(self.book.short_oi)?;
        let (tripped, t) = market_insurance_coverage(
            self.insurance_tripped != 0,
            committed,
            oi,
            self.aggregate.price,
            decimals,
            self.params.insurance.insurance_floor_ppm,
            self.params.insurance.insurance_hysteresis_ppm,
        )?;
        self.insurance_tripped = tripped as u8;
        if tripped {
            self.breaker_flags |= flags::INSURANCE;
        } else {
            self.breaker_flags &= !flags::INSURANCE;
        }
        Ok((t, self.refresh_state(now_slot)))
    }
}
