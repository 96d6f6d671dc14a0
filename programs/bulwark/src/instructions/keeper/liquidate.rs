//! `liquidate(max_base)`: permissionless. Closes part of an account's position in `market`
//! against the pool at the stored aggregate (no spread, fee or impact), the least that
//! restores maintenance plus buffer (at most a fraction of the position unless dust, and at
//! most `max_base`), charging an escalating penalty split between the keeper (credited to a
//! margin account it names) and the insurance fund. `max_base` may trim a stage only down to
//! the least that restores maintenance (`StageBelowMinimum` below it). The keeper's minimum
//! reward is guaranteed once per liquidation episode: paid by the account while its
//! collateral lasts, and only for an account under water advanced for the insurance fund
//! (counted against the market's coverage window, within the market's share of the fund).
//! Remaining accounts: the markets of the account's other open positions, ascending.

use crate::error::OrMath;
use anchor_lang::prelude::*;
use bulwark_engine::action::Action;
use bulwark_engine::checked::{cast, Checked};

use crate::constants::*;
use crate::error::{BulwarkError, OpError};
use crate::events::Liquidated;
use crate::instructions::common::health_markets::load_health_markets;
use crate::instructions::common::op_clock;
use crate::state::{Exchange, InsuranceFund, LiquidityPool, MarginAccount, Market};
use bulwark_engine::account::StageLimits;

#[event_cpi]
#[derive(Accounts)]
pub struct Liquidate<'info> {
    pub keeper: Signer<'info>,

    /// Credited with the keeper's reward (any margin account the keeper names).
    #[account(mut)]
    pub keeper_account: AccountLoader<'info, MarginAccount>,

    #[account(mut)]
    pub margin_account: AccountLoader<'info, MarginAccount>,

    #[account(mut)]
    pub market: AccountLoader<'info, Market>,

    #[account(address = EXCHANGE_ADDRESS @ ErrorCode::ConstraintSeeds)]
    pub exchange: AccountLoader<'info, Exchange>,

    /// Read only: bounds the minimum reward it may owe.
    /// The market's risk pool's fund (its share backs minimum keeper rewards).
    pub insurance_fund: AccountLoader<'info, InsuranceFund>,

    /// The market's risk pool (how many live markets share the fund).
    pub pool: AccountLoader<'info, LiquidityPool>,
}

pub fn liquidate_handler<'info>(
    ctx: Context<'info, Liquidate<'info>>,
    max_base: u64,
) -> Result<()> {
    let a = &ctx.accounts;
    require_keys_neq!(
        a.keeper_account.key(),
        a.margin_account.key(),
        BulwarkError::SelfLiquidation
    );
    let clock = Clock::get()?;
    let decimals = a.exchange.load()?.collateral_decimals;
    let mut acct = a.margin_account.load_mut()?;
    let mut m = a.market.load_mut()?;
    require_eq!(m.version, MARKET_VERSION, BulwarkError::UnsupportedVersion);
    // Each market may advance minimum rewards against its share of its pool's fund only, so
    // a pool's markets together never advance more than its fund holds.
    let fund_share = {
        let (pool, fund) = (a.pool.load()?, a.insurance_fund.load()?);
        pool.require_pool(m.pool)?;
        fund.require_pool(m.pool)?;
        acct.require_pool(m.pool)?;
        // The keeper's reward stays inside the pool (its account is of the same pool).
        a.keeper_account.load()?.require_pool(m.pool)?;
        fund.balance / u64::from(pool.live_market_count().max(1))
    };
    let index = m.index;
    let limits = StageLimits {
        max_base,
        fund_share,
    };
    let out = acct.liquidate(
        &mut m,
        |acct| -> core::result::Result<_, OpError> {
            Ok(load_health_markets(
                acct,
                ctx.remaining_accounts,
                Some(index),
                Action::Liquidate,
                decimals,
                &clock,
            )?)
        },
        limits,
        op_clock(&clock),
        decimals,
    )?;
    let collateral_after = acct.collateral;
    drop(acct);
    let mut keeper = a.keeper_account.load_mut()?;
    keeper.collateral = keeper
        .collateral
        .plus(cast(out.reward).or_math()?)
        .or_math()?;
    emit_cpi!(Liquidated {
        margin_account: a.margin_account.key(),
        market_index: m.index,
        closed_base: out.closed_base,
        price: out.price,
        realized_pnl: out.realized_pnl,
        penalty_rate_ppm: out.penalty_rate_ppm,
        penalty_charged: out.penalty_charged,
        keeper_reward: out.reward,
        insurance_share: out.insurance_share,
        insurance_advanced: out.insurance_advanced,
        restored: out.restored,
        collateral_after,
    });
    Ok(())
}
