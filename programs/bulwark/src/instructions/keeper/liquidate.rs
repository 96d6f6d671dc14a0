//! `liquidate(max_base)`: permissionless. Closes part of an account's position in `market`
//! against the pool at the stored aggregate (no spread, fee or impact), the least that
//! restores maintenance plus buffer (at most a fraction of the position unless dust, and at
//! most `max_base`), charging an escalating penalty split between the keeper (credited to a
//! margin account it names) and the insurance fund. An account under water pays what it
//! can; the keeper still gets the minimum reward, advanced by the market for the insurance
//! fund. Remaining accounts: the markets of the account's other open positions, ascending.

use anchor_lang::prelude::*;
use bulwark_engine::action::{price_for_action, Action};
use bulwark_engine::liquidation::{penalty_ppm, split_penalty, stage};
use bulwark_engine::margin::{health, HealthKind};
use bulwark_engine::position::apply_fill;

use crate::constants::*;
use crate::error::{engine_err, refusal_err, BulwarkError};
use crate::events::Liquidated;
use crate::instructions::common::funding::settle_funding;
use crate::instructions::common::health_markets::load_health_markets;
use crate::state::{Exchange, InsuranceFund, MarginAccount, Market};

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

    #[account(seeds = [EXCHANGE_SEED], bump = exchange.load()?.bump)]
    pub exchange: AccountLoader<'info, Exchange>,

    /// Read only: bounds the minimum reward it may owe.
    #[account(seeds = [INSURANCE_SEED], bump = insurance_fund.load()?.bump)]
    pub insurance_fund: AccountLoader<'info, InsuranceFund>,
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
    let fund_balance = a.insurance_fund.load()?.balance;
    let mut acct = a.margin_account.load_mut()?;
    let mut m = a.market.load_mut()?;
    require_eq!(m.version, MARKET_VERSION, BulwarkError::UnsupportedVersion);
    m.require_allowed(bulwark_engine::state::Op::Liquidate)?;
    let slot = acct.slot_of(m.index).ok_or(BulwarkError::NoPosition)?;
    let price = price_for_action(
        Action::Liquidate,
        &m.stored_price(),
        clock.slot,
        clock.unix_timestamp,
        &m.age_limits(),
    )
    .map_err(refusal_err)?;
    m.accrue_funding(clock.unix_timestamp, true, decimals)?;
    settle_funding(&mut acct, slot, &mut m, decimals)?;

    let mut positions = load_health_markets(
        &acct,
        ctx.remaining_accounts,
        Some(m.index),
        Action::Liquidate,
        decimals,
        &clock,
    )?;
    let index = positions.len();
    positions.push((
        acct.positions[slot].position(),
        m.margin(&acct.positions[slot], price, decimals, clock.slot)
            .map_err(engine_err)?,
    ));
    let h = health(acct.collateral, &positions, HealthKind::Maintenance).map_err(engine_err)?;
    require!(!h.is_healthy(), BulwarkError::NotLiquidatable);

    // Escalation runs on the market's priced-slot clock from the liquidation's start.
    let clock_now = m.priced_clock(clock.slot, true);
    let continuing = acct.in_liquidation == 1 && acct.liq_market == m.index;
    let start = if continuing {
        acct.liq_start_clock
    } else {
        clock_now
    };
    let params = m.liquidation_params();
    let rate = penalty_ppm(&params, clock_now.saturating_sub(start));
    let s = stage(
        acct.collateral,
        &positions,
        index,
        rate,
        m.lot_base,
        max_base,
        &params,
    )
    .map_err(engine_err)?;
    require!(s.close > 0, BulwarkError::ZeroSize);

    let p = acct.positions[slot];
    let delta = if p.base > 0 {
        -(s.close as i64)
    } else {
        s.close as i64
    };
    let fill = apply_fill(p.position(), delta, price, decimals).map_err(engine_err)?;
    let after_pnl = acct
        .collateral
        .checked_add(fill.realized_pnl)
        .ok_or(BulwarkError::MathError)?;
    // Waterfall: the penalty is waived beyond what the account still has.
    let charged = s.penalty.min(after_pnl.max(0) as u64);
    let (keeper_part, insurance_part) = split_penalty(charged, &params).map_err(engine_err)?;
    let available =
        (fund_balance + m.fee_insurance + insurance_part).saturating_sub(m.insurance_debt);
    let top_up = params
        .min_keeper_reward
        .saturating_sub(keeper_part)
        .min(available);
    let reward = keeper_part + top_up;

    let new = fill.position;
    let mut book = m.book();
    book.replace(&p.position(), &new).map_err(engine_err)?;
    m.set_book(&book);
    let slot_ref = &mut acct.positions[slot];
    slot_ref.base = new.base;
    slot_ref.cost = new.cost;
    if new.base == 0 {
        slot_ref.last_increase_slot = 0;
    }
    acct.collateral = after_pnl - charged as i64;
    m.pnl_pending = m
        .pnl_pending
        .checked_sub(fill.realized_pnl)
        .ok_or(BulwarkError::MathError)?;
    m.fee_insurance = m
        .fee_insurance
        .checked_add(insurance_part)
        .ok_or(BulwarkError::MathError)?;
    m.insurance_debt = m
        .insurance_debt
        .checked_add(top_up)
        .ok_or(BulwarkError::MathError)?;
    let flow = fill.realized_pnl - charged as i64 + reward as i64;
    m.trader_flow = m
        .trader_flow
        .checked_add(flow)
        .ok_or(BulwarkError::MathError)?;

    acct.last_liq_market = m.index;
    // Recovery (maintenance met again, buffer or not) ends the liquidation and its escalation.
    positions[index].0 = new;
    let recovered = health(acct.collateral, &positions, HealthKind::Maintenance)
        .map_err(engine_err)?
        .is_healthy();
    if s.restores || recovered || acct.positions.iter().all(|p| p.base == 0) {
        acct.in_liquidation = 0;
    } else {
        acct.in_liquidation = 1;
        acct.liq_market = m.index;
        acct.liq_start_clock = start;
    }
    let collateral_after = acct.collateral;
    drop(acct);
    let mut keeper = a.keeper_account.load_mut()?;
    keeper.collateral = keeper
        .collateral
        .checked_add(reward as i64)
        .ok_or(BulwarkError::MathError)?;
    emit!(Liquidated {
        margin_account: a.margin_account.key(),
        market_index: m.index,
        closed_base: s.close,
        price,
        realized_pnl: fill.realized_pnl,
        penalty_rate_ppm: rate,
        penalty_charged: charged,
        keeper_reward: reward,
        insurance_share: insurance_part,
        insurance_advanced: top_up,
        restored: s.restores,
        collateral_after,
    });
    Ok(())
}
