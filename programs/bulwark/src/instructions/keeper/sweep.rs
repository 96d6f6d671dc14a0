//! `sweep(market)`: permissionless. Moves a market's sub-ledgers to their owners: realised
//! trader PnL and the pool's fee share to the pool, the insurance share to the insurance fund,
//! the protocol share and rounding dust to the protocol's fees.

use anchor_lang::prelude::*;

use crate::constants::*;
use crate::error::BulwarkError;
use crate::events::Swept;
use crate::state::{Exchange, InsuranceFund, LiquidityPool, Market};

#[derive(Accounts)]
pub struct Sweep<'info> {
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,

    #[account(mut, seeds = [POOL_SEED], bump = pool.load()?.bump)]
    pub pool: AccountLoader<'info, LiquidityPool>,

    #[account(mut, seeds = [INSURANCE_SEED], bump = insurance_fund.load()?.bump)]
    pub insurance_fund: AccountLoader<'info, InsuranceFund>,

    #[account(mut, seeds = [EXCHANGE_SEED], bump = exchange.load()?.bump)]
    pub exchange: AccountLoader<'info, Exchange>,
}

pub fn sweep_handler(ctx: Context<Sweep>) -> Result<()> {
    let a = &ctx.accounts;
    let mut m = a.market.load_mut()?;
    m.require_allowed(bulwark_engine::state::Op::Sweep)?;
    let mut pool = a.pool.load_mut()?;
    let mut fund = a.insurance_fund.load_mut()?;
    let mut ex = a.exchange.load_mut()?;
    let to_pool = m
        .pnl_pending
        .checked_add(m.fee_pool as i64)
        .ok_or(BulwarkError::MathError)?;
    let to_protocol = m
        .fee_protocol
        .checked_add(m.dust)
        .ok_or(BulwarkError::MathError)?;
    // The insurance fund repays what the market advanced for it (minimum keeper rewards);
    // should its balance fall short, the pool bears the rest.
    let insurance_in = fund.balance as i128 + m.fee_insurance as i128 - m.insurance_debt as i128;
    let pool_shortfall = (-insurance_in).max(0) as i64;
    fund.balance = insurance_in.max(0) as u64;
    pool.capital = pool
        .capital
        .checked_add(to_pool)
        .and_then(|c| c.checked_sub(pool_shortfall))
        .ok_or(BulwarkError::MathError)?;
    ex.protocol_fees = ex
        .protocol_fees
        .checked_add(to_protocol)
        .ok_or(BulwarkError::MathError)?;
    emit!(Swept {
        market_index: m.index,
        to_pool: to_pool - pool_shortfall,
        to_insurance: m.fee_insurance,
        to_protocol
    });
    m.pnl_pending = 0;
    m.fee_pool = 0;
    m.fee_insurance = 0;
    m.fee_protocol = 0;
    m.dust = 0;
    m.insurance_debt = 0;
    Ok(())
}
