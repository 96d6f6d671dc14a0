//! `resolve_bankruptcy`: permissionless. An account with no positions and negative
//! collateral is made whole: the insurance fund pays min(deficit, the market's remaining
//! coverage in its window, the fund's balance); the rest is socialised to the pool's LPs (their
//! share value falls by exactly that). The account ends at zero. Coverage is attributed to
//! the market of the account's last liquidation. Never floored silently: every unit is
//! evented.

use anchor_lang::prelude::*;

use crate::events::BankruptcyResolved;
use crate::state::{InsuranceFund, LiquidityPool, MarginAccount, Market};

#[event_cpi]
#[derive(Accounts)]
pub struct ResolveBankruptcy<'info> {
    #[account(mut)]
    pub margin_account: AccountLoader<'info, MarginAccount>,

    /// The account's last liquidated market.
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,

    /// The account's risk pool's fund and pool (the market's too).
    #[account(mut)]
    pub insurance_fund: AccountLoader<'info, InsuranceFund>,

    #[account(mut)]
    pub pool: AccountLoader<'info, LiquidityPool>,
}

pub fn resolve_bankruptcy_handler(ctx: Context<ResolveBankruptcy>) -> Result<()> {
    let a = &ctx.accounts;
    let now = Clock::get()?.unix_timestamp;
    let mut acct = a.margin_account.load_mut()?;
    let mut m = a.market.load_mut()?;
    let mut fund = a.insurance_fund.load_mut()?;
    let mut pool = a.pool.load_mut()?;
    pool.require_pool(m.pool)?;
    fund.require_pool(m.pool)?;
    acct.require_pool(m.pool)?;
    let out = acct
        .resolve_bankruptcy(&mut m, fund.deficit_payers(&mut pool), now)
        .map_err(crate::error::engine_err)?;
    emit_cpi!(BankruptcyResolved {
        margin_account: a.margin_account.key(),
        market_index: m.index,
        deficit: out.deficit,
        insurance_paid: out.insurance_paid,
        socialized: out.socialized,
        window_remaining_after: out.window_remaining_after,
    });
    Ok(())
}
