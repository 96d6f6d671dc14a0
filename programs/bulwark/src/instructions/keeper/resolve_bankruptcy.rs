//! `resolve_bankruptcy`: permissionless. An account with no positions and negative
//! collateral is made whole: the insurance fund pays min(deficit, the market's remaining
//! coverage in its window, the fund's balance); the rest is socialised to the pool's LPs (their
//! share value falls by exactly that). The account ends at zero. Coverage is attributed to
//! the market of the account's last liquidation. Never floored silently: every unit is
//! evented.

use anchor_lang::prelude::*;
use bulwark_engine::insurance::{cover_deficit, window_remaining, CoverageWindow};

use crate::constants::*;
use crate::error::BulwarkError;
use crate::events::BankruptcyResolved;
use crate::state::{InsuranceFund, LiquidityPool, MarginAccount, Market};

#[derive(Accounts)]
pub struct ResolveBankruptcy<'info> {
    #[account(mut)]
    pub margin_account: AccountLoader<'info, MarginAccount>,

    /// The account's last liquidated market.
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,

    #[account(mut, seeds = [INSURANCE_SEED], bump = insurance_fund.load()?.bump)]
    pub insurance_fund: AccountLoader<'info, InsuranceFund>,

    #[account(mut, seeds = [POOL_SEED], bump = pool.load()?.bump)]
    pub pool: AccountLoader<'info, LiquidityPool>,
}

pub fn resolve_bankruptcy_handler(ctx: Context<ResolveBankruptcy>) -> Result<()> {
    let a = &ctx.accounts;
    let now = Clock::get()?.unix_timestamp;
    let mut acct = a.margin_account.load_mut()?;
    let mut m = a.market.load_mut()?;
    require!(
        acct.positions.iter().all(|p| p.base == 0) && acct.collateral < 0,
        BulwarkError::NotBankrupt
    );
    require_eq!(
        acct.last_liq_market,
        m.index,
        BulwarkError::WrongBankruptcyMarket
    );
    m.require_allowed(bulwark_engine::state::Op::ResolveBankruptcy)?;
    let deficit = acct.collateral.unsigned_abs();
    let mut fund = a.insurance_fund.load_mut()?;
    let mut pool = a.pool.load_mut()?;
    let window = CoverageWindow {
        start: m.insurance_window_start,
        covered: m.insurance_window_covered,
    };
    let (remaining, window) = window_remaining(
        &window,
        now,
        m.insurance_window_secs,
        m.insurance_window_cap,
    );
    let cover = cover_deficit(deficit, fund.balance, remaining);

    fund.balance -= cover.insurance;
    fund.total_paid = fund
        .total_paid
        .checked_add(cover.insurance)
        .ok_or(BulwarkError::MathError)?;
    pool.capital = pool
        .capital
        .checked_sub(cover.socialized as i64)
        .ok_or(BulwarkError::MathError)?;
    pool.total_socialized = pool
        .total_socialized
        .checked_add(cover.socialized)
        .ok_or(BulwarkError::MathError)?;
    m.insurance_window_start = window.start;
    m.insurance_window_covered = window.covered + cover.insurance;
    m.trader_flow = m
        .trader_flow
        .checked_add(deficit as i64)
        .ok_or(BulwarkError::MathError)?;
    acct.collateral = 0;
    acct.in_liquidation = 0;
    emit!(BankruptcyResolved {
        margin_account: a.margin_account.key(),
        market_index: m.index,
        deficit,
        insurance_paid: cover.insurance,
        socialized: cover.socialized,
        window_remaining_after: remaining - cover.insurance,
    });
    Ok(())
}
