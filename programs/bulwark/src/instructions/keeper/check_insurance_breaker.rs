//! `check_insurance_breaker`: permissionless. Compares the insurance fund's committed balance
//! (net of the value of shares under an unstake request) with the market's floor share of its
//! open-interest notional; trips the market to ReduceOnly below it and lifts the flag only above
//! floor plus hysteresis.

use anchor_lang::prelude::*;

use crate::constants::*;
use crate::events::{breaker_event, MarketStateChanged};
use crate::state::{Exchange, InsuranceFund, Market};

#[event_cpi]
#[derive(Accounts)]
pub struct CheckInsuranceBreaker<'info> {
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,

    /// The market's risk pool's fund.
    pub insurance_fund: AccountLoader<'info, InsuranceFund>,

    #[account(address = EXCHANGE_ADDRESS @ ErrorCode::ConstraintSeeds)]
    pub exchange: AccountLoader<'info, Exchange>,
}

pub fn check_insurance_breaker_handler(ctx: Context<CheckInsuranceBreaker>) -> Result<()> {
    let clock = Clock::get()?;
    let decimals = ctx.accounts.exchange.load()?.collateral_decimals;
    let fund = ctx.accounts.insurance_fund.load()?;
    let mut m = ctx.accounts.market.load_mut()?;
    fund.require_pool(m.pool)?;
    let (t, new_state) = m
        .apply_insurance_coverage(&fund.commitment(), decimals, clock.slot)
        .map_err(crate::error::engine_err)?;
    if let Some(t) = t {
        emit_cpi!(breaker_event(m.index, t, clock.slot));
    }
    if let Some(state) = new_state {
        emit_cpi!(MarketStateChanged {
            market_index: m.index,
            state,
            slot: clock.slot
        });
    }
    Ok(())
}
