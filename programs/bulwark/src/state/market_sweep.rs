//! Sweeping a market's sub-ledgers to their owners and re-judging its insurance coverage:
//! the effects of `sweep` and `check_insurance_breaker`, shared by the program and the stress
//! simulator.

use crate::error::OrMath;
use anchor_lang::prelude::*;
use bulwark_engine::breaker::{committed_insurance, flags, market_insurance_coverage, Transition};
use bulwark_engine::checked::Checked;
pub use bulwark_engine::conservation::SweepOutcome;
use bulwark_engine::state::MarketState;

use crate::error::engine_err;
use crate::state::{InsuranceFund, LiquidityPool, Market};

impl Market {
    /// Moves the market's sub-ledgers to their owners (`MarketLedgers::sweep`): realised
    /// trader PnL and the pool's fee share to `pool`, the insurance share to `fund` (which
    /// first repays what the market advanced for it; a shortfall falls on the pool), the
    /// protocol share and dust to `protocol_fees`. Refused where the market's state does not
    /// allow sweeping.
    pub fn sweep_into(
        &mut self,
        pool: &mut LiquidityPool,
        fund: &mut InsuranceFund,
        protocol_fees: &mut u64,
    ) -> Result<SweepOutcome> {
        self.require_allowed(bulwark_engine::state::Op::Sweep)?;
        self.ledgers
            .sweep(&mut pool.capital, &mut fund.balance, protocol_fees)
            .or_math()
    }

    /// Re-judges the insurance coverage flag against `fund`'s committed balance (net of
    /// shares under an unstake request) and the open-interest notional: trips below the
    /// floor, lifts only above floor plus hysteresis; then the state follows. Returns the
    /// transition and the new state when they happened.
    pub fn apply_insurance_coverage(
        &mut self,
        fund: &InsuranceFund,
        decimals: u8,
        now_slot: u64,
    ) -> Result<(Option<Transition>, Option<MarketState>)> {
        let committed =
            committed_insurance(fund.balance, fund.total_shares(), fund.requested_shares())
                .map_err(engine_err)?;
        let oi = self.book.long_oi.plus(self.book.short_oi).or_math()?;
        let (tripped, t) = market_insurance_coverage(
            self.insurance_tripped != 0,
            committed,
            oi,
            self.aggregate.price,
            decimals,
            self.params.insurance.insurance_floor_ppm,
            self.params.insurance.insurance_hysteresis_ppm,
        )
        .map_err(engine_err)?;
        self.insurance_tripped = tripped as u8;
        if tripped {
            self.breaker_flags |= flags::INSURANCE;
        } else {
            self.breaker_flags &= !flags::INSURANCE;
        }
        Ok((t, self.refresh_state(now_slot)))
    }
}
