//! Sweeping a market's sub-ledgers to their owners and re-judging its insurance coverage:
//! the effects of `sweep` and `check_insurance_breaker`, shared by the program and the stress
//! simulator.

use crate::error::OrMath;
use anchor_lang::prelude::*;
use bulwark_engine::breaker::{committed_insurance, flags, market_insurance_coverage, Transition};
use bulwark_engine::checked::{cast, Checked};
use bulwark_engine::insurance::sweep_into_fund;
use bulwark_engine::state::MarketState;

use crate::error::engine_err;
use crate::state::{InsuranceFund, LiquidityPool, Market};

/// Where a sweep sent the market's sub-ledgers (collateral units).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SweepOutcome {
    /// To the pool: realised trader PnL and its fee share, less any insurance shortfall.
    pub to_pool: i64,
    /// The insurance fee share.
    pub to_insurance: u64,
    /// The protocol fee share and rounding dust.
    pub to_protocol: u64,
}

impl Market {
    /// Whether any sub-ledger holds something a sweep would move.
    pub fn has_unswept(&self) -> bool {
        self.ledgers.pnl_pending != 0
            || self.ledgers.fee_pool != 0
            || self.ledgers.fee_insurance != 0
            || self.ledgers.fee_protocol != 0
            || self.ledgers.dust != 0
            || self.ledgers.insurance_debt != 0
    }

    /// Moves realised trader PnL and the pool's fee share to `pool`, the insurance share to
    /// `fund` (which first repays what the market advanced for it; a shortfall falls on the
    /// pool), the protocol share and dust to `protocol_fees`; the sub-ledgers end at zero.
    /// Refused where the market's state does not allow sweeping.
    pub fn sweep_into(
        &mut self,
        pool: &mut LiquidityPool,
        fund: &mut InsuranceFund,
        protocol_fees: &mut u64,
    ) -> Result<SweepOutcome> {
        self.require_allowed(bulwark_engine::state::Op::Sweep)?;
        let fee_pool: i64 = cast(self.ledgers.fee_pool).or_math()?;
        let to_pool = self.ledgers.pnl_pending.plus(fee_pool).or_math()?;
        let to_protocol = self
            .ledgers
            .fee_protocol
            .plus(self.ledgers.dust)
            .or_math()?;
        let (balance, pool_shortfall) = sweep_into_fund(
            fund.balance,
            self.ledgers.fee_insurance,
            self.ledgers.insurance_debt,
        )
        .or_math()?;
        let to_pool_net = to_pool.minus(pool_shortfall).or_math()?;
        let capital = pool.capital.plus(to_pool_net).or_math()?;
        *protocol_fees = protocol_fees.plus(to_protocol).or_math()?;
        fund.balance = balance;
        pool.capital = capital;
        let out = SweepOutcome {
            to_pool: to_pool_net,
            to_insurance: self.ledgers.fee_insurance,
            to_protocol,
        };
        self.ledgers.clear_swept();
        Ok(out)
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
