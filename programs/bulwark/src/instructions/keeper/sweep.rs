//! `sweep(market)`: permissionless. Moves a market's sub-ledgers to their owners: realised
//! trader PnL and the pool's fee share to the pool, the insurance share to the insurance fund,
//! the protocol share and rounding dust to the protocol's fees.

use anchor_lang::prelude::*;

use crate::constants::*;
use crate::events::Swept;
use crate::state::{Exchange, InsuranceFund, LiquidityPool, Market};

#[event_cpi]
#[derive(Accounts)]
pub struct Sweep<'info> {
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,

    /// The market's risk pool and its fund.
    #[account(mut)]
    pub pool: AccountLoader<'info, LiquidityPool>,

    #[account(mut)]
    pub insurance_fund: AccountLoader<'info, InsuranceFund>,

    #[account(mut, address = EXCHANGE_ADDRESS @ ErrorCode::ConstraintSeeds)]
    pub exchange: AccountLoader<'info, Exchange>,
}

pub fn sweep_handler(ctx: Context<Sweep>) -> Result<()> {
    let a = &ctx.accounts;
    let mut m = a.market.load_mut()?;
    let mut pool = a.pool.load_mut()?;
    let mut fund = a.insurance_fund.load_mut()?;
    let mut ex = a.exchange.load_mut()?;
    pool.require_pool(m.pool)?;
    fund.require_pool(m.pool)?;
    let out = m
        .sweep(&mut pool.capital, &mut fund.balance, &mut ex.protocol_fees)
        .map_err(crate::error::engine_err)?;
    // The protocol's fees leave the pool's share of the vault.
    pool.tokens_out(out.to_protocol)?;
    emit_cpi!(Swept {
        market_index: m.index,
        to_pool: out.to_pool,
        to_insurance: out.to_insurance,
        to_protocol: out.to_protocol
    });
    Ok(())
}
