//! Engine-backed previews for wallets and integrators: account health, liquidation price,
//! execution price for a size, and the largest trade the initial margin allows. Every number
//! comes from `bulwark-engine`, the same functions the program runs.

use bulwark::state::{LiquidityPool, MarginAccount, Market};
use bulwark_engine::execution::{execution_price, ExecutionPrice};
use bulwark_engine::margin::{health, liquidation_price, Health, HealthKind, MarketMargin};
use bulwark_engine::position::Position;
use bulwark_engine::trade::{is_increase, trade, TradeInput};
use bulwark_engine::EngineResult;

/// When and in which collateral a preview is computed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PreviewClock {
    pub slot: u64,
    pub unix_timestamp: i64,
    /// Collateral decimals (the exchange's).
    pub decimals: u8,
}

/// The account's positions paired with their markets at each market's stored price.
/// `markets` may hold any markets; positions whose market is missing are skipped.
pub fn positions_with_markets(
    account: &MarginAccount,
    markets: &[Market],
    decimals: u8,
) -> Vec<(Position, MarketMargin)> {
    account
        .positions
        .iter()
        .filter(|p| p.base != 0)
        .filter_map(|p| {
            markets
                .iter()
                .find(|m| m.index == p.market_index)
                .map(|m| (p.position(), m.margin(m.price, decimals)))
        })
        .collect()
}

/// Health of `account` at the markets' stored prices.
pub fn account_health(
    account: &MarginAccount,
    markets: &[Market],
    decimals: u8,
    kind: HealthKind,
) -> EngineResult<Health> {
    health(
        account.collateral,
        &positions_with_markets(account, markets, decimals),
        kind,
    )
}

/// The price of `market_index` at which the account becomes liquidatable, others held.
pub fn account_liquidation_price(
    account: &MarginAccount,
    markets: &[Market],
    decimals: u8,
    market_index: u16,
) -> EngineResult<Option<u64>> {
    liquidation_price(
        account.collateral,
        &positions_with_markets(account, markets, decimals),
        market_index,
    )
}

/// The execution price a trade of `delta` atoms would get against `position` now.
pub fn preview_execution_price(
    market: &Market,
    position: &Position,
    delta: i64,
    now: i64,
) -> EngineResult<ExecutionPrice> {
    execution_price(
        delta > 0,
        is_increase(position, delta),
        &market.price_inputs(market.price, now),
        &market.trade_params().spread,
    )
}

/// The largest size (atoms, a whole number of lots, in the direction of `buy`) the account
/// could trade in `market_index` now and still meet the initial margin and every cap; 0 when
/// none. Searches with the engine's own `trade` and `health`.
pub fn max_trade_size(
    account: &MarginAccount,
    markets: &[Market],
    pool: &LiquidityPool,
    at: &PreviewClock,
    market_index: u16,
    buy: bool,
) -> EngineResult<i64> {
    let decimals = at.decimals;
    let Some(m) = markets.iter().find(|m| m.index == market_index) else {
        return Ok(0);
    };
    let slot = account
        .positions
        .iter()
        .find(|p| p.base != 0 && p.market_index == market_index);
    let position = slot.map(|p| p.position()).unwrap_or_default();
    let last_increase = slot.map(|p| p.last_increase_slot).unwrap_or(0);
    let others: Vec<(Position, MarketMargin)> = positions_with_markets(account, markets, decimals)
        .into_iter()
        .filter(|(_, mm)| mm.market_index != market_index)
        .collect();
    let lot = m.lot_base.max(1) as i64;
    let (pool_value_min, profit_cap) = pool.trade_limits()?;
    let fits = |lots: i64| -> EngineResult<bool> {
        let delta = if buy { lots * lot } else { -lots * lot };
        let input = TradeInput {
            position,
            last_increase_slot: last_increase,
            delta,
            limit_price: if buy {
                u64::MAX - u64::MAX % m.tick_price.max(1)
            } else {
                0
            },
            now_slot: at.slot,
            prices: m.price_inputs(m.price, at.unix_timestamp),
            decimals,
            pool_value_min,
            profit_cap,
        };
        let Ok(out) = trade(&input, &m.book(), &m.trade_params())? else {
            return Ok(false);
        };
        let mut all = others.clone();
        all.push((out.fill.position, m.margin(m.price, decimals)));
        let collateral = account.collateral.saturating_add(out.collateral_delta);
        Ok(!out.increases || health(collateral, &all, HealthKind::Initial)?.is_healthy())
    };
    // Sizes below the minimum order fail for that reason alone: search from the minimum up.
    let min_lots = (m.min_order_base as i64 + lot - 1) / lot;
    let min_lots = min_lots.max(1);
    if !fits(min_lots)? {
        return Ok(0);
    }
    let (mut lo, mut hi) = (min_lots, min_lots * 2);
    while hi < (1 << 40) && fits(hi)? {
        lo = hi;
        hi *= 2;
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if fits(mid)? {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Ok(if buy { lo * lot } else { -lo * lot })
}
