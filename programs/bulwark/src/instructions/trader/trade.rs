//! `trade(base_delta, limit_price)`: opens, increases, reduces, closes or flips a position in
//! `market` against the pool. Signed by the owner or the delegate. Remaining accounts: the
//! markets of the account's other open positions, ascending. Increases need a price valid for
//! increasing risk (same-slot aggregate, recent sources) in this market and in every market
//! of the account's other positions (settling ones count at what settlement pays), and leave
//! the initial margin intact; reductions are always allowed at a price valid for reducing. A
//! delegate's trade is also held to the owner's limits (`MarginAccount::charge_delegate`).

use anchor_lang::prelude::*;
use bulwark_engine::action::Action;

use crate::constants::*;
use crate::error::{BulwarkError, OpError};
use crate::events::TradeExecuted;
use crate::instructions::common::health_markets::load_health_markets;
use crate::instructions::common::op_clock;
use crate::state::{Exchange, LiquidityPool, MarginAccount, Market};
use bulwark_engine::account::trade::Order;

#[event_cpi]
#[derive(Accounts)]
pub struct Trade<'info> {
    /// The owner or the delegate.
    pub trader: Signer<'info>,

    #[account(mut)]
    pub margin_account: AccountLoader<'info, MarginAccount>,

    #[account(mut)]
    pub market: AccountLoader<'info, Market>,

    #[account(address = EXCHANGE_ADDRESS @ ErrorCode::ConstraintSeeds)]
    pub exchange: AccountLoader<'info, Exchange>,

    /// The market's risk pool (the account's too).
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
    let by_delegate = acct.is_delegate(a.trader.key);
    let mut m = a.market.load_mut()?;
    require_eq!(m.version, MARKET_VERSION, BulwarkError::UnsupportedVersion);
    pool.require_pool(m.pool)?;
    acct.require_pool(m.pool)?;

    let venue = a.exchange.load()?.trade_venue(&pool, clock.unix_timestamp);
    let index = m.index;
    let order = Order {
        base_delta,
        limit_price,
    };
    let fill = acct.trade(
        &mut m,
        &venue,
        |acct| -> core::result::Result<_, OpError> {
            Ok(load_health_markets(
                acct,
                ctx.remaining_accounts,
                Some(index),
                // New risk is backed only by equity valued at prices valid for new risk: a
                // stale or divergent market's equity must not back it.
                Action::IncreaseRisk,
                decimals,
                &clock,
            )?)
        },
        order,
        by_delegate,
        op_clock(&clock),
        decimals,
    )?;
    let (out, funding_paid) = (fill.outcome, fill.funding_paid);
    emit_cpi!(TradeExecuted {
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
