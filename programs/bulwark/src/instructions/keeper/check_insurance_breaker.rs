//! `check_insurance_breaker`: permissionless. Compares the insurance fund's committed balance
//! (net of the value of shares under an unstake request) with the market's floor share of its
//! open-interest notional; trips the market to ReduceOnly below it and lifts the flag only above
//! floor plus hysteresis.

use anchor_lang::prelude::*;
use bulwark_engine::breaker::{committed_insurance, flags, market_insurance_coverage};

use crate::constants::*;
use crate::error::engine_err;
use crate::events::{emit_breaker, MarketStateChanged};
use crate::state::{Exchange, InsuranceFund, Market};

#[derive(Accounts)]
pub struct CheckInsuranceBreaker<'info> {
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,

    #[account(seeds = [INSURANCE_SEED], bump = insurance_fund.load()?.bump)]
    pub insurance_fund: AccountLoader<'info, InsuranceFund>,

    #[account(seeds = [EXCHANGE_SEED], bump = exchange.load()?.bump)]
    pub exchange: AccountLoader<'info, Exchange>,
}

pub fn check_insurance_breaker_handler(ctx: Context<CheckInsuranceBreaker>) -> Result<()> {
    let clock = Clock::get()?;
    let decimals = ctx.accounts.exchange.load()?.collateral_decimals;
    let fund = ctx.accounts.insurance_fund.load()?;
    let committed = committed_insurance(fund.balance, fund.total_shares, fund.requested_shares)
        .map_err(engine_err)?;
    let mut m = ctx.accounts.market.load_mut()?;
    let oi = m
        .long_oi
        .checked_add(m.short_oi)
        .ok_or(crate::error::BulwarkError::MathError)?;
    let (tripped, t) = market_insurance_coverage(
        m.insurance_tripped != 0,
        committed,
        oi,
        m.price,
        decimals,
        m.insurance_floor_ppm,
        m.insurance_hysteresis_ppm,
    )
    .map_err(engine_err)?;
    m.insurance_tripped = tripped as u8;
    if tripped {
        m.breaker_flags |= flags::INSURANCE;
    } else {
        m.breaker_flags &= !flags::INSURANCE;
    }
    let key = ctx.accounts.market.key();
    if let Some(t) = t {
        emit_breaker(key, t, clock.slot);
    }
    if let Some(state) = m.refresh_state(clock.slot) {
        emit!(MarketStateChanged {
            market: key,
            state: state as u8,
            slot: clock.slot
        });
    }
    Ok(())
}
