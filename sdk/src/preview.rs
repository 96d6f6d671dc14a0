//! Engine-backed previews for wallets and integrators: account health, liquidation price,
//! execution price for a size, the largest trade the initial margin allows, maintenance
//! ratios now and along their ramp, and funding owed. Every number comes from
//! `bulwark-engine`, through the same `Market` views the program uses.

use bulwark::state::{
    LiquidityPool, MarginAccount, MarginViewError, Market, PositionSlot, SettlingLosses,
    MAX_POSITIONS,
};
use bulwark_engine::action::Action;
use bulwark_engine::execution::{execution_price, ExecutionPrice};
use bulwark_engine::funding::funding_owed;
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

/// The account's positions paired with their markets at each market's stored price, with
/// the maintenance ratio in force at `at.slot` and funding owed up to the stored index.
/// Positions whose market is not in `markets` are skipped.
pub fn positions_with_markets(
    account: &MarginAccount,
    markets: &[Market],
    at: &PreviewClock,
) -> EngineResult<Vec<(Position, MarketMargin)>> {
    let mut buf = [(Position::default(), MarketMargin::default()); MAX_POSITIONS];
    let n = positions_into(&account.positions, markets, at, &mut buf)?;
    Ok(buf[..n].to_vec())
}

/// As [`positions_with_markets`] for an account's position slots, into `out` without
/// allocating; returns how many.
pub fn positions_into(
    positions: &[PositionSlot],
    markets: &[Market],
    at: &PreviewClock,
    out: &mut [(Position, MarketMargin); MAX_POSITIONS],
) -> EngineResult<usize> {
    collect_into(positions, markets, out, |m, p| {
        if m.state() >= bulwark_engine::state::MarketState::Settling {
            // Worth what settlement will pay, as the program values it.
            m.settled_margin(p, at.decimals, at.slot, true)
        } else {
            Ok((
                p.position(),
                m.margin(p, m.aggregate.price, at.decimals, at.slot)?,
            ))
        }
    })
}

/// The account's positions valued exactly as the program values them for `action` at `at`
/// (`Market::margin_view`: the price the action may use, the divergence fallback included,
/// or a refusal), into `out`; returns how many. The keeper's liquidation decisions use it
/// with `Action::Liquidate`, so they are the program's.
pub fn positions_for_action_into(
    positions: &[PositionSlot],
    markets: &[Market],
    at: &PreviewClock,
    action: Action,
    out: &mut [(Position, MarketMargin); MAX_POSITIONS],
) -> Result<usize, MarginViewError> {
    collect_into(positions, markets, out, |m, p| {
        let (slot, now, decimals) = (at.slot, at.unix_timestamp, at.decimals);
        m.margin_view(p, action, slot, now, decimals, SettlingLosses::Counted)
    })
}

/// `account`'s positions outside `market` valued as the program reads its health markets for
/// `action` ([`positions_for_action_into`]); a refused price is the operation's refusal. What
/// an engine operation's `others` callback returns, off chain.
pub fn other_positions_for_action(
    account: &bulwark_engine::account::AccountCore,
    markets: &[Market],
    at: &PreviewClock,
    action: Action,
    market: u16,
) -> EngineResult<Vec<(Position, MarketMargin)>> {
    let rest: Vec<PositionSlot> = account
        .positions
        .iter()
        .filter(|p| p.market_index != market)
        .copied()
        .collect();
    let mut buf = [(Position::default(), MarketMargin::default()); MAX_POSITIONS];
    let n = positions_for_action_into(&rest, markets, at, action, &mut buf)?;
    Ok(buf[..n].to_vec())
}

/// Each open position paired with its market's view by `value`, into `out` (positions whose
/// market is not in `markets` skipped); returns how many.
fn collect_into<E>(
    positions: &[PositionSlot],
    markets: &[Market],
    out: &mut [(Position, MarketMargin); MAX_POSITIONS],
    value: impl Fn(&Market, &PositionSlot) -> Result<(Position, MarketMargin), E>,
) -> Result<usize, E> {
    let mut n = 0;
    for p in positions.iter().filter(|p| p.base != 0).take(MAX_POSITIONS) {
        if let Some(m) = markets.iter().find(|m| m.index == p.market_index) {
            out[n] = value(m, p)?;
            n += 1;
        }
    }
    Ok(n)
}

/// Health of `account` at the markets' stored prices.
pub fn account_health(
    account: &MarginAccount,
    markets: &[Market],
    at: &PreviewClock,
    kind: HealthKind,
) -> EngineResult<Health> {
    health(
        account.collateral,
        &positions_with_markets(account, markets, at)?,
        kind,
    )
}

/// The price of `market_index` at which the account becomes liquidatable, others held.
pub fn account_liquidation_price(
    account: &MarginAccount,
    markets: &[Market],
    at: &PreviewClock,
    market_index: u16,
) -> EngineResult<Option<u64>> {
    liquidation_price(
        account.collateral,
        &positions_with_markets(account, markets, at)?,
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
        &market.price_inputs(market.aggregate.price, now),
        &market.trade_params_for(is_increase(position, delta)).spread,
    )
}

/// Funding the account's position in `market` owes at `at` (collateral units, positive =
/// owes): accrued to then as the program would (`MarketCore::funding_index_at`: at the stored
/// price while it is usable, frozen while it is not and while the market settles).
pub fn funding_owed_now(
    account: &MarginAccount,
    market: &Market,
    at: &PreviewClock,
) -> EngineResult<i64> {
    let Some(p) = account
        .positions
        .iter()
        .find(|p| p.base != 0 && p.market_index == market.index)
    else {
        return Ok(0);
    };
    let index = market.funding_index_at(at.slot, at.unix_timestamp, at.decimals)?;
    funding_owed(p.base, p.funding_snapshot, index, at.decimals)
}

/// Maintenance ratios (ppm): in force at `at`, the target, and in force `slots` later.
pub fn margin_ratios(market: &Market, at: &PreviewClock, slots: u64) -> (u32, u32, u32) {
    (
        market.mmr_at(at.slot),
        market.ramp.target_ppm,
        market.mmr_at(at.slot + slots),
    )
}

/// The largest size (atoms, whole lots, in the direction of `buy`) the account could trade
/// in `market_index` at `at` and still meet the initial margin and every cap; 0 when none.
/// Searches with the engine's own `trade` and `health`. `pool` is the market's risk pool
/// (split evenly among its live markets: `LiquidityPool::live_market_count`).
pub fn max_trade_size(
    account: &MarginAccount,
    markets: &[Market],
    pool: &LiquidityPool,
    at: &PreviewClock,
    market_index: u16,
    buy: bool,
) -> EngineResult<i64> {
    let Some(m) = markets.iter().find(|m| m.index == market_index) else {
        return Ok(0);
    };
    let slot = account
        .positions
        .iter()
        .find(|p| p.base != 0 && p.market_index == market_index)
        .copied()
        .unwrap_or_default();
    let others: Vec<(Position, MarketMargin)> = positions_with_markets(account, markets, at)?
        .into_iter()
        .filter(|(_, mm)| mm.market_index != market_index)
        .collect();
    let lot = m.params.trade.lot_base.max(1) as i64;
    let (pool_value_part, profit_cap) = pool.trade_limits(pool.live_market_count())?;
    let owed = funding_owed(
        slot.base,
        slot.funding_snapshot,
        m.funding.index,
        at.decimals,
    )?;
    let fits = |lots: i64| -> EngineResult<bool> {
        let delta = if buy { lots * lot } else { -lots * lot };
        let input = TradeInput {
            position: slot.position(),
            last_increase_slot: slot.last_increase_slot,
            delta,
            limit_price: if buy {
                u64::MAX - u64::MAX % m.params.trade.tick_price.max(1)
            } else {
                0
            },
            now_slot: at.slot,
            prices: m.price_inputs(m.aggregate.price, at.unix_timestamp),
            decimals: at.decimals,
            pool_value_part,
            profit_cap,
        };
        let params = m.trade_params_for(is_increase(&input.position, input.delta));
        let Ok(out) = trade(&input, &m.book, &params)? else {
            return Ok(false);
        };
        let mut view = slot;
        view.base = out.fill.position.base;
        view.funding_snapshot = m.funding.index;
        let mut all = others.clone();
        all.push((
            out.fill.position,
            m.margin(&view, m.aggregate.price, at.decimals, at.slot)?,
        ));
        let collateral = account
            .collateral
            .saturating_add(out.collateral_delta)
            .saturating_sub(owed);
        Ok(!out.increases || health(collateral, &all, HealthKind::Initial)?.is_healthy())
    };
    // Sizes below the minimum order, or leaving the position below the minimum notional, fail
    // for that reason alone: search from the least size that clears both.
    let min_lots = ((m.params.trade.min_order_base as i64 + lot - 1) / lot)
        .max(lots_for_minimum_notional(m, slot.base, buy, at.decimals)?)
        .max(1);
    let lo = largest_fitting_lots(min_lots, fits)?;
    Ok(if buy { lo * lot } else { -lo * lot })
}

/// The largest count of lots that `fits`, searched upwards from `min_lots` (or from the count
/// after it, when `min_lots` itself does not fit) by doubling, then by halving the gap; 0
/// when neither fits.
fn largest_fitting_lots(
    min_lots: i64,
    fits: impl Fn(i64) -> EngineResult<bool>,
) -> EngineResult<i64> {
    let min_lots = if fits(min_lots)? {
        min_lots
    } else if fits(min_lots + 1)? {
        min_lots + 1
    } else {
        return Ok(0);
    };
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
    Ok(lo)
}

/// Lots an order in direction `buy` must at least have so that a position of `base` atoms ends
/// at or above the market's minimum notional (valued at the lower of price and TWAP, so the
/// count errs upwards).
fn lots_for_minimum_notional(m: &Market, base: i64, buy: bool, decimals: u8) -> EngineResult<i64> {
    let price = m.aggregate.price.min(m.twap.price.max(1)).max(1);
    let scale = bulwark_engine::num::pow10(
        (2 * bulwark_engine::num::PRICE_DECIMALS as u32).saturating_sub(decimals as u32),
    )? as i128;
    let needed =
        (m.params.trade.min_position_notional as i128 * scale + price as i128 - 1) / price as i128;
    let held = if (base > 0) == buy {
        base.unsigned_abs() as i128
    } else {
        0
    };
    let lot = m.params.trade.lot_base.max(1) as i128;
    let missing = (needed - held).max(0);
    i64::try_from((missing + lot - 1) / lot)
        .map_err(|_| bulwark_engine::EngineError::math("minimum notional lots"))
}

/// What a trade would do if sent at `at`, computed by the program's own operation
/// (`AccountCore::trade`) on copies of the account and the markets, as if the transaction's
/// refresh judged the stored readings again in this slot: the fill, and the account after it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TradePreview {
    pub fill: bulwark_engine::account::TradeFill,
    /// Collateral after the fill (collateral units).
    pub collateral_after: i64,
    /// Free initial and maintenance margin after it (collateral units, negative = short).
    pub initial_free_after: i64,
    pub maintenance_free_after: i64,
    /// The traded market's price at which the account would become liquidatable afterwards,
    /// others held (`None`: no such price).
    pub liquidation_price_after: Option<u64>,
}

/// The order a preview prices: `delta` base atoms in `market_index`, no worse than
/// `limit_price`, signed by the owner (`by_delegate` false) or its delegate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PreviewOrder {
    pub market_index: u16,
    pub delta: i64,
    pub limit_price: u64,
    pub by_delegate: bool,
}

/// [`TradePreview`] of `order` by `account` at `at`, against `venue` (the exchange and the
/// market's pool, `Exchange::trade_venue`); a refusal is the program's (`EngineError::Refused`).
pub fn preview_trade(
    account: &MarginAccount,
    markets: &[Market],
    venue: &bulwark_engine::account::TradeVenue,
    at: &PreviewClock,
    order: PreviewOrder,
) -> EngineResult<TradePreview> {
    use bulwark_engine::account::{trade::Order, OpClock};
    let mut markets = markets.to_vec();
    for m in &mut markets {
        m.core.aggregate.judged_slot = at.slot;
    }
    let i = markets
        .iter()
        .position(|m| m.index == order.market_index)
        .ok_or(bulwark_engine::Refused::NoPosition)?;
    let (mut after, mut market) = (*account, markets[i]);
    let others = |a: &bulwark_engine::account::AccountCore| {
        other_positions_for_action(a, &markets, at, Action::IncreaseRisk, order.market_index)
    };
    let o = Order {
        base_delta: order.delta,
        limit_price: order.limit_price,
    };
    let clock = OpClock {
        slot: at.slot,
        now: at.unix_timestamp,
    };
    let fill = after.core.trade(
        &mut market.core,
        venue,
        others,
        o,
        order.by_delegate,
        clock,
        at.decimals,
    )?;
    markets[i] = market;
    let free = |kind| account_health(&after, &markets, at, kind).map(|h| h.free());
    Ok(TradePreview {
        collateral_after: after.collateral,
        initial_free_after: free(HealthKind::Initial)?,
        maintenance_free_after: free(HealthKind::Maintenance)?,
        liquidation_price_after: account_liquidation_price(
            &after,
            &markets,
            at,
            order.market_index,
        )?,
        fill,
    })
}
