//! `trade(base_delta, limit_price)`: opens, increases, reduces, closes or flips a position in
//! `market` against the pool. Signed by the owner or the delegate. Remaining accounts: the
//! markets of the account's other open positions, ascending. Increases need a price valid for
//! increasing risk (same-slot aggregate, recent sources) and leave the initial margin intact;
//! reductions are always allowed at a price valid for reducing.

use anchor_lang::prelude::*;
use bulwark_engine::action::{price_for_action, Action};
use bulwark_engine::margin::{health, within_leverage, HealthKind};
use bulwark_engine::state::{pause, Op};
use bulwark_engine::trade::{is_increase, trade, TradeInput};

use crate::constants::*;
use crate::error::{engine_err, refusal_err, trade_rejection_err, BulwarkError};
use crate::events::TradeExecuted;
use crate::instructions::common::funding::settle_funding;
use crate::instructions::common::health_markets::load_health_markets;
use crate::state::{Exchange, LiquidityPool, MarginAccount, Market};

#[derive(Accounts)]
pub struct Trade<'info> {
    /// The owner or the delegate.
    pub trader: Signer<'info>,

    #[account(mut)]
    pub margin_account: AccountLoader<'info, MarginAccount>,

    #[account(mut)]
    pub market: AccountLoader<'info, Market>,

    #[account(seeds = [EXCHANGE_SEED], bump = exchange.load()?.bump)]
    pub exchange: AccountLoader<'info, Exchange>,

    #[account(seeds = [POOL_SEED], bump = pool.load()?.bump)]
    pub pool: AccountLoader<'info, LiquidityPool>,
}

pub fn trade_handler<'info>(
    ctx: Context<'info, Trade<'info>>,
    base_delta: i64,
    limit_price: u64,
) -> Result<()> {
    let a = &ctx.accounts;
    let clock = Clock::get()?;
    let decimals = a.exchange.load()?.collateral_decimals;
    let pool = a.pool.load()?;
    let mut acct = a.margin_account.load_mut()?;
    require!(
        acct.may_trade(a.trader.key),
        BulwarkError::NotOwnerOrDelegate
    );
    let mut m = a.market.load_mut()?;
    require_eq!(m.version, MARKET_VERSION, BulwarkError::UnsupportedVersion);

    let slot = match acct.slot_of(m.index) {
        Some(s) => s,
        None => acct.free_slot().ok_or(BulwarkError::TooManyPositions)?,
    };
    if acct.positions[slot].base == 0 {
        acct.positions[slot] = Default::default();
        acct.positions[slot].funding_snapshot = m.funding_index;
    }
    let increases = is_increase(&acct.positions[slot].position(), base_delta);
    m.require_allowed(if increases {
        Op::TradeIncrease
    } else {
        Op::TradeReduce
    })?;
    if increases {
        a.exchange
            .load()?
            .require_not_paused(pause::TRADE_INCREASE, clock.unix_timestamp)?;
    }
    let action = if increases {
        Action::IncreaseRisk
    } else {
        Action::ReduceRisk
    };
    let price = price_for_action(
        action,
        &m.stored_price(),
        clock.slot,
        clock.unix_timestamp,
        &m.age_limits(),
    )
    .map_err(refusal_err)?;

    // Funding accrues before open interest changes, and this position settles it first.
    m.accrue_funding(clock.unix_timestamp, true, decimals)?;
    let funding_paid = settle_funding(&mut acct, slot, &mut m, decimals)?;
    let current = acct.positions[slot];

    let (pool_value_min, profit_cap) = pool.trade_limits().map_err(engine_err)?;
    let input = TradeInput {
        position: current.position(),
        last_increase_slot: current.last_increase_slot,
        delta: base_delta,
        limit_price,
        now_slot: clock.slot,
        prices: m.price_inputs(price, clock.unix_timestamp),
        decimals,
        pool_value_min,
        profit_cap,
    };
    let out = trade(&input, &m.book(), &m.trade_params())
        .map_err(engine_err)?
        .map_err(trade_rejection_err)?;

    acct.apply_trade(&mut m, slot, &out)?;

    if out.increases {
        let mut positions = load_health_markets(
            &acct,
            ctx.remaining_accounts,
            Some(m.index),
            Action::ReduceRisk,
            decimals,
            &clock,
        )?;
        positions.push((
            out.fill.position,
            m.margin(&acct.positions[slot], price, decimals, clock.slot)
                .map_err(engine_err)?,
        ));
        let h = health(acct.collateral, &positions, HealthKind::Initial).map_err(engine_err)?;
        require!(h.is_healthy(), BulwarkError::InitialMarginViolated);
        require!(
            within_leverage(&h, m.max_leverage).map_err(engine_err)?,
            BulwarkError::LeverageCapExceeded
        );
    }
    emit!(TradeExecuted {
        margin_account: a.margin_account.key(),
        market_index: m.index,
        base_delta,
        price: out.exec.price,
        spread_ppm: out.exec.spread_ppm,
        realized_pnl: out.realized_pnl,
        fee: out.fee.total,
        impact_paid: out.impact_paid,
        impact_received: out.impact_received,
        base_after: out.fill.position.base,
        collateral_after: acct.collateral,
        funding_paid,
    });
    Ok(())
}
