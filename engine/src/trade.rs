//! One trade against the pool in one market: sizes, slippage, caps, execution price, fill,
//! latency and profit caps, impact and fees (SPEC sections 3 and 5). The program calls this
//! and then checks the account's initial margin over all its markets.

use crate::error::EngineResult;
use crate::execution::{
    execution_price, skew_impact, ExecutionPrice, ImpactParams, PriceInputs, SpreadParams,
};
use crate::fees::{trading_fee, FeeParams, FeeSplit};
use crate::num::{add_i64, notional_ceil, sub_i64, value_floor};
use crate::pool::{capped_profit, reserve_allows, reserved_notional};
use crate::position::{apply_fill, Fill, Position};

stored_block! {
    /// A market's trading parameters.
    pub struct TradeParams {
        #[cfg_attr(feature = "serde", serde(flatten))]
        pub impact: ImpactParams,
        /// Smallest order, base atoms (an order closing a smaller position exactly is allowed).
        pub min_order_base: u64,
        /// Orders are whole multiples of this, base atoms.
        pub lot_base: u64,
        /// Limit prices are whole multiples of this (price scale).
        pub tick_price: u64,
        /// Largest position notional after an increase, collateral units.
        pub max_position_notional: u64,
        /// Smallest notional a trade may leave an open position at (collateral units, at the
        /// execution reference price, rounded down); closing whole is always allowed.
        pub min_position_notional: u64,
        /// Open-interest caps per side, base atoms: zero at listing, raised only through the
        /// timelock (so not part of a listing's or a parameter file's values).
        #[cfg_attr(feature = "serde", serde(skip))]
        pub open_interest_cap_long: u64,
        #[cfg_attr(feature = "serde", serde(skip))]
        pub open_interest_cap_short: u64,
        #[cfg_attr(feature = "serde", serde(flatten))]
        pub spread: SpreadParams,
        #[cfg_attr(feature = "serde", serde(flatten))]
        pub fees: FeeParams,
        /// Profit realised within this many slots of the last increase is capped at zero.
        pub min_hold_slots: u32,
        /// Open interest (larger side's notional) at most this share of the pool's minimum value.
        pub reserve_factor_ppm: u32,
        #[cfg_attr(feature = "serde", serde(skip))]
        pub _padding: u32,
    }
}

impl TradeParams {
    /// The parameters in force while the market's velocity breaker is in `band`: the spread
    /// widened by [`SpreadParams::in_velocity_band`], everything else as governance set it.
    pub fn in_velocity_band(self, band: u8) -> TradeParams {
        TradeParams {
            spread: self.spread.in_velocity_band(band),
            ..self
        }
    }
}

stored_block! {
    /// Margin parameters of a market as governance sets them.
    pub struct MarginParams {
        pub max_leverage: u32,
        pub base_imr_ppm: u32,
        pub imr_multiplier_ppm: u32,
        pub imf_factor: u32,
        pub health_conf_k_ppm: u32,
        #[cfg_attr(feature = "serde", serde(skip))]
        pub _padding: u32,
    }
}

/// Checks trading and margin parameters against the bounds table and their relations: fee
/// shares sum to one, the spread cap is not below the base spread, maintenance is below the
/// initial ratio, and the initial ratio allows the stated leverage. `base_mmr_ppm` is the
/// market's base maintenance ratio (`DynamicMarginParams::base_mmr_ppm`, the ramp's floor).
pub fn validate_params(p: &TradeParams, m: &MarginParams, base_mmr_ppm: u32) -> EngineResult<()> {
    use crate::bounds::Param::*;
    let s = &p.spread;
    BaseSpread.check(s.base_spread_ppm as u64)?;
    ConfSpreadK.check(s.conf_spread_k_ppm as u64)?;
    DispersionSpreadK.check(s.dispersion_spread_k_ppm as u64)?;
    LatencySpreadK.check(s.latency_spread_k_ppm as u64)?;
    MaxSpread.check(s.max_spread_ppm as u64)?;
    ImpactDepth.check(p.impact.impact_depth)?;
    MaxImpact.check(p.impact.max_impact_ppm as u64)?;
    TakerFee.check(p.fees.taker_fee_ppm as u64)?;
    PoolShare.check(p.fees.pool_share_ppm as u64)?;
    InsuranceShare.check(p.fees.insurance_share_ppm as u64)?;
    ProtocolShare.check(p.fees.protocol_share_ppm as u64)?;
    MinOrderBase.check(p.min_order_base)?;
    LotBase.check(p.lot_base)?;
    TickPrice.check(p.tick_price)?;
    MaxPositionNotional.check(p.max_position_notional)?;
    MinHoldSlots.check(p.min_hold_slots as u64)?;
    ReserveFactor.check(p.reserve_factor_ppm as u64)?;
    MaxLeverage.check(m.max_leverage as u64)?;
    BaseImr.check(m.base_imr_ppm as u64)?;
    BaseMmr.check(base_mmr_ppm as u64)?;
    ImrMultiplier.check(m.imr_multiplier_ppm as u64)?;
    ImfFactor.check(m.imf_factor as u64)?;
    HealthConfK.check(m.health_conf_k_ppm as u64)?;
    let invalid = |what| Err(crate::EngineError::InvalidConfig { what });
    if !crate::fees::shares_sum_to_one(&p.fees) {
        return invalid("fee shares must sum to 1_000_000");
    }
    if s.max_spread_ppm < s.base_spread_ppm {
        return invalid("max_spread_ppm below base_spread_ppm");
    }
    if base_mmr_ppm >= m.base_imr_ppm {
        return invalid("base_mmr_ppm must be below base_imr_ppm");
    }
    Ok(())
}

stored_block! {
    /// The market's book as a trade sees and changes it.
    pub struct MarketBook {
        /// Open interest, base atoms.
        pub long_oi: u64,
        pub short_oi: u64,
        /// Σ cost basis of long positions and of short positions (collateral units, signed).
        pub long_cost: i64,
        pub short_cost: i64,
        /// Balance of the impact sub-ledger.
        pub impact_ledger: u64,
        /// Harmful impact booked into the ledger during slot `impact_fresh_slot` (part of
        /// `impact_ledger`, never above it): helpful impact in that same slot may not draw on it.
        pub impact_fresh: u64,
        pub impact_fresh_slot: u64,
    }
}

impl MarketBook {
    /// Takes `old` out of the open interest and cost aggregates and puts `new` in.
    pub fn replace(&mut self, old: &Position, new: &Position) -> EngineResult<()> {
        remove(self, old)?;
        add(self, new)
    }

    /// The part of the impact ledger that may pay helpful impact in `now_slot`: the balance
    /// minus the harmful impact booked in this same slot (a trader cannot collect back, in
    /// the slot it was paid, impact that it or a second account of its own just paid).
    pub fn impact_matured(&self, now_slot: u64) -> u64 {
        self.impact_ledger
            .saturating_sub(self.impact_fresh_in(now_slot))
    }

    /// Harmful impact booked in `now_slot` (zero once the slot has passed).
    pub fn impact_fresh_in(&self, now_slot: u64) -> u64 {
        if self.impact_fresh_slot == now_slot {
            self.impact_fresh
        } else {
            0
        }
    }

    /// Traders' net unrealised PnL at `price` (rounded down): longs and shorts.
    pub fn trader_pnl(&self, price: u64, decimals: u8) -> EngineResult<i64> {
        add_i64(
            self.side_pnl(true, price, decimals)?,
            self.side_pnl(false, price, decimals)?,
        )
    }

    /// One side's unrealised PnL at `price` (longs when `long`, else shorts; collateral units,
    /// rounded down): its open interest valued at `price` less its cost.
    pub fn side_pnl(&self, long: bool, price: u64, decimals: u8) -> EngineResult<i64> {
        let (oi, cost) = if long {
            (
                crate::checked::cast::<i64, _>(self.long_oi)?,
                self.long_cost,
            )
        } else {
            (
                -crate::checked::cast::<i64, _>(self.short_oi)?,
                self.short_cost,
            )
        };
        sub_i64(value_floor(oi, price, decimals)?, cost)
    }
}

/// Inputs of a trade.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TradeInput {
    pub position: Position,
    /// Slot of the position's last increase.
    pub last_increase_slot: u64,
    /// Signed size to trade, base atoms.
    pub delta: i64,
    /// Worst acceptable price: a maximum for buys, a minimum for sells.
    pub limit_price: u64,
    pub now_slot: u64,
    /// Prices as the action may use them.
    pub prices: PriceInputs,
    pub decimals: u8,
    /// The market's part of the pool's value (its reserve cap is measured against it) and
    /// its part of the cap on traders' counted profit (`pool::market_trade_limits`).
    pub pool_value_part: u64,
    pub profit_cap: i64,
}

/// Why a trade is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TradeRejection {
    ZeroSize,
    LotSize,
    MinOrderSize,
    TickSize,
    Slippage,
    OpenInterestCap,
    PositionNotionalCap,
    ReserveCap,
    PositionBelowMinimum,
}

/// A trade's outcome: everything the program writes back.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TradeOutcome {
    pub fill: Fill,
    pub exec: ExecutionPrice,
    /// Whether new exposure was opened (the increase rules and initial margin apply).
    pub increases: bool,
    /// Realised PnL after the min-hold and pool-profit caps.
    pub realized_pnl: i64,
    pub fee: FeeSplit,
    /// Harmful impact the trader pays into the impact ledger.
    pub impact_paid: u64,
    /// Helpful impact the trader receives from the impact ledger (never above its balance).
    pub impact_received: u64,
    /// Net change of the trader's collateral.
    pub collateral_delta: i64,
    /// The market's book after the trade.
    pub book: MarketBook,
    /// The position's last-increase slot after the trade.
    pub last_increase_slot: u64,
    /// The price the action used (before TWAP and spread): the mark at which the trade's
    /// cost to the account is measured.
    pub mark_price: u64,
}

/// True when `delta` adds exposure to `position` (opens, increases, or flips through zero).
pub fn is_increase(position: &Position, delta: i64) -> bool {
    !position.is_reduced_by(delta) || delta.unsigned_abs() > position.base.unsigned_abs()
}

/// Runs a trade. `Err(Ok(rejection))`-style: the outer `Result` carries arithmetic errors,
/// the inner one business rejections.
pub fn trade(
    input: &TradeInput,
    book: &MarketBook,
    p: &TradeParams,
) -> EngineResult<Result<TradeOutcome, TradeRejection>> {
    if let Some(rejection) = order_shape_rejection(input, p) {
        return Ok(Err(rejection));
    }
    let d = input.delta;
    let buy = d > 0;
    let increases = is_increase(&input.position, d);
    let exec = execution_price(buy, increases, &input.prices, &p.spread)?;
    if (buy && exec.price > input.limit_price) || (!buy && exec.price < input.limit_price) {
        return Ok(Err(TradeRejection::Slippage));
    }
    let fill = apply_fill(input.position, d, exec.price, input.decimals)?;

    // Open interest and cost aggregates: take the old position out, put the new one in.
    let mut b = *book;
    b.replace(&input.position, &fill.position)?;
    if let Some(rejection) = exposure_rejection(input, book, &b, &fill, &exec, increases, p)? {
        return Ok(Err(rejection));
    }
    let realized = capped_realized_pnl(input, book, &fill, p)?;

    let trade_notional = notional_ceil(d, exec.reference, input.decimals)?;
    let (impact_paid, impact_received) =
        impact_split(input, book, &b, exec.reference, trade_notional, p)?;
    b.impact_ledger = b.impact_ledger + impact_paid - impact_received;
    b.impact_fresh = book.impact_fresh_in(input.now_slot) + impact_paid;
    b.impact_fresh_slot = input.now_slot;
    let fee = trading_fee(trade_notional, &p.fees)?;

    let collateral_delta = add_i64(
        sub_i64(sub_i64(realized, fee.total as i64)?, impact_paid as i64)?,
        impact_received as i64,
    )?;
    let last_increase_slot = if increases {
        input.now_slot
    } else {
        input.last_increase_slot
    };
    Ok(Ok(TradeOutcome {
        fill,
        exec,
        increases,
        realized_pnl: realized,
        fee,
        impact_paid,
        impact_received,
        collateral_delta,
        book: b,
        last_increase_slot,
        mark_price: input.prices.price,
    }))
}

/// The order's own shape, before any price: a zero size, a size off the lot, an order below
/// the minimum (unless it closes the position exactly), a limit off the tick.
fn order_shape_rejection(input: &TradeInput, p: &TradeParams) -> Option<TradeRejection> {
    let d = input.delta;
    if d == 0 {
        return Some(TradeRejection::ZeroSize);
    }
    let size = d.unsigned_abs();
    if p.lot_base > 0 && !size.is_multiple_of(p.lot_base) {
        return Some(TradeRejection::LotSize);
    }
    let closes_exactly = input.position.base == -d;
    if size < p.min_order_base && !closes_exactly {
        return Some(TradeRejection::MinOrderSize);
    }
    if p.tick_price > 0 && !input.limit_price.is_multiple_of(p.tick_price) {
        return Some(TradeRejection::TickSize);
    }
    None
}

/// The position and book the fill leaves: an open position below the minimum notional; for
/// an increase, a side's open interest grown past its cap, the position's notional past its
/// cap, or the reserve (the book `after` against the market's part of the pool) exceeded.
fn exposure_rejection(
    input: &TradeInput,
    before: &MarketBook,
    after: &MarketBook,
    fill: &Fill,
    exec: &ExecutionPrice,
    increases: bool,
    p: &TradeParams,
) -> EngineResult<Option<TradeRejection>> {
    if fill.position.base != 0
        && value_floor(fill.position.base.abs(), exec.reference, input.decimals)?
            < p.min_position_notional as i64
    {
        return Ok(Some(TradeRejection::PositionBelowMinimum));
    }
    if increases {
        let long_grows = after.long_oi > before.long_oi && after.long_oi > p.open_interest_cap_long;
        let short_grows =
            after.short_oi > before.short_oi && after.short_oi > p.open_interest_cap_short;
        if long_grows || short_grows {
            return Ok(Some(TradeRejection::OpenInterestCap));
        }
        if notional_ceil(fill.position.base, input.prices.price, input.decimals)?
            > p.max_position_notional
        {
            return Ok(Some(TradeRejection::PositionNotionalCap));
        }
        let reserved = reserved_notional(after, input.prices.price, input.decimals)?;
        if !reserve_allows(reserved, input.pool_value_part, p.reserve_factor_ppm)? {
            return Ok(Some(TradeRejection::ReserveCap));
        }
    }
    Ok(None)
}

/// The fill's realised PnL after the latency cap (profit realised too soon after an increase
/// is capped at zero) and the pool's cap on traders' counted profit.
fn capped_realized_pnl(
    input: &TradeInput,
    book: &MarketBook,
    fill: &Fill,
    p: &TradeParams,
) -> EngineResult<i64> {
    // Latency: profit realised too soon after an increase is capped at zero.
    let mut realized = fill.realized_pnl;
    if realized > 0
        && input.now_slot.saturating_sub(input.last_increase_slot) < p.min_hold_slots as u64
    {
        realized = 0;
    }
    let total_profit = book.trader_pnl(input.prices.price, input.decimals)?.max(0);
    capped_profit(realized, total_profit, input.profit_cap)
}

/// The skew impact of moving the book from `before` to `after`, as (paid into the impact
/// ledger, received from it); what is received never exceeds the ledger's matured balance.
fn impact_split(
    input: &TradeInput,
    before: &MarketBook,
    after: &MarketBook,
    reference: u64,
    trade_notional: u64,
    p: &TradeParams,
) -> EngineResult<(u64, u64)> {
    let skew_before = before.long_oi as i64 - before.short_oi as i64;
    let skew_after = after.long_oi as i64 - after.short_oi as i64;
    let impact = skew_impact(
        skew_before,
        skew_after,
        reference,
        input.decimals,
        trade_notional,
        &p.impact,
    )?;
    Ok(if impact >= 0 {
        (impact as u64, 0)
    } else {
        (
            0,
            impact
                .unsigned_abs()
                .min(before.impact_matured(input.now_slot)),
        )
    })
}

fn remove(b: &mut MarketBook, pos: &Position) -> EngineResult<()> {
    let short = || crate::EngineError::math("open interest below a position");
    if pos.base > 0 {
        b.long_oi = b.long_oi.checked_sub(pos.base as u64).ok_or_else(short)?;
        b.long_cost = sub_i64(b.long_cost, pos.cost)?;
    } else if pos.base < 0 {
        b.short_oi = b
            .short_oi
            .checked_sub(pos.base.unsigned_abs())
            .ok_or_else(short)?;
        b.short_cost = sub_i64(b.short_cost, pos.cost)?;
    }
    Ok(())
}

fn add(b: &mut MarketBook, pos: &Position) -> EngineResult<()> {
    if pos.base > 0 {
        b.long_oi = b
            .long_oi
            .checked_add(pos.base as u64)
            .ok_or_else(|| crate::EngineError::math("long oi"))?;
        b.long_cost = add_i64(b.long_cost, pos.cost)?;
    } else if pos.base < 0 {
        b.short_oi = b
            .short_oi
            .checked_add(pos.base.unsigned_abs())
            .ok_or_else(|| crate::EngineError::math("short oi"))?;
        b.short_cost = add_i64(b.short_cost, pos.cost)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
