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

/// A market's trading parameters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TradeParams {
    pub spread: SpreadParams,
    pub impact: ImpactParams,
    pub fees: FeeParams,
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
    /// Profit realised within this many slots of the last increase is capped at zero.
    pub min_hold_slots: u32,
    /// Open interest (larger side's notional) at most this share of the pool's minimum value.
    pub reserve_factor_ppm: u32,
    /// Open-interest caps per side, base atoms.
    pub oi_cap_long: u64,
    pub oi_cap_short: u64,
}

/// Margin parameters of a market as governance sets them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MarginParams {
    pub max_leverage: u32,
    pub base_imr_ppm: u32,
    pub base_mmr_ppm: u32,
    pub imr_multiplier_ppm: u32,
    pub imf_factor: u32,
    pub health_conf_k_ppm: u32,
}

/// Checks trading and margin parameters against the bounds table and their relations: fee
/// shares sum to one, the spread cap is not below the base spread, maintenance is below the
/// initial ratio, and the initial ratio allows the stated leverage.
pub fn validate_params(p: &TradeParams, m: &MarginParams) -> EngineResult<()> {
    use crate::bounds::Param::*;
    let s = &p.spread;
    BaseSpread.check(s.base_spread_ppm as u64)?;
    ConfSpreadK.check(s.conf_k_ppm as u64)?;
    DispersionSpreadK.check(s.dispersion_k_ppm as u64)?;
    LatencySpreadK.check(s.latency_k_ppm as u64)?;
    MaxSpread.check(s.max_spread_ppm as u64)?;
    ImpactDepth.check(p.impact.depth)?;
    MaxImpact.check(p.impact.max_impact_ppm as u64)?;
    TakerFee.check(p.fees.taker_fee_ppm as u64)?;
    for share in [
        p.fees.pool_share_ppm,
        p.fees.insurance_share_ppm,
        p.fees.protocol_share_ppm,
    ] {
        FeeShare.check(share as u64)?;
    }
    MinOrderBase.check(p.min_order_base)?;
    LotBase.check(p.lot_base)?;
    TickPrice.check(p.tick_price)?;
    MaxPositionNotional.check(p.max_position_notional)?;
    MinHoldSlots.check(p.min_hold_slots as u64)?;
    ReserveFactor.check(p.reserve_factor_ppm as u64)?;
    MaxLeverage.check(m.max_leverage as u64)?;
    BaseImr.check(m.base_imr_ppm as u64)?;
    BaseMmr.check(m.base_mmr_ppm as u64)?;
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
    if m.base_mmr_ppm >= m.base_imr_ppm {
        return invalid("base_mmr_ppm must be below base_imr_ppm");
    }
    Ok(())
}

/// The market's book as a trade sees and changes it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
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
        let longs = sub_i64(
            value_floor(self.long_oi as i64, price, decimals)?,
            self.long_cost,
        )?;
        let shorts = sub_i64(
            value_floor(-(self.short_oi as i64), price, decimals)?,
            self.short_cost,
        )?;
        add_i64(longs, shorts)
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
    /// The pool's minimum value (reserve cap) and the cap on traders' counted profit.
    pub pool_value_min: u64,
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
    let d = input.delta;
    if d == 0 {
        return Ok(Err(TradeRejection::ZeroSize));
    }
    let size = d.unsigned_abs();
    if p.lot_base > 0 && !size.is_multiple_of(p.lot_base) {
        return Ok(Err(TradeRejection::LotSize));
    }
    let closes_exactly = input.position.base == -d;
    if size < p.min_order_base && !closes_exactly {
        return Ok(Err(TradeRejection::MinOrderSize));
    }
    if p.tick_price > 0 && !input.limit_price.is_multiple_of(p.tick_price) {
        return Ok(Err(TradeRejection::TickSize));
    }
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
    if fill.position.base != 0
        && value_floor(fill.position.base.abs(), exec.reference, input.decimals)?
            < p.min_position_notional as i64
    {
        return Ok(Err(TradeRejection::PositionBelowMinimum));
    }
    if increases {
        let long_grows = b.long_oi > book.long_oi && b.long_oi > p.oi_cap_long;
        let short_grows = b.short_oi > book.short_oi && b.short_oi > p.oi_cap_short;
        if long_grows || short_grows {
            return Ok(Err(TradeRejection::OpenInterestCap));
        }
        if notional_ceil(fill.position.base, input.prices.price, input.decimals)?
            > p.max_position_notional
        {
            return Ok(Err(TradeRejection::PositionNotionalCap));
        }
        let reserved = reserved_notional(&b, input.prices.price, input.decimals)?;
        if !reserve_allows(reserved, input.pool_value_min, p.reserve_factor_ppm)? {
            return Ok(Err(TradeRejection::ReserveCap));
        }
    }

    // Latency: profit realised too soon after an increase is capped at zero.
    let mut realized = fill.realized_pnl;
    if realized > 0
        && input.now_slot.saturating_sub(input.last_increase_slot) < p.min_hold_slots as u64
    {
        realized = 0;
    }
    let total_profit = book.trader_pnl(input.prices.price, input.decimals)?.max(0);
    realized = capped_profit(realized, total_profit, input.profit_cap)?;

    let trade_notional = notional_ceil(d, exec.reference, input.decimals)?;
    let skew_before = book.long_oi as i64 - book.short_oi as i64;
    let skew_after = b.long_oi as i64 - b.short_oi as i64;
    let impact = skew_impact(
        skew_before,
        skew_after,
        exec.reference,
        input.decimals,
        trade_notional,
        &p.impact,
    )?;
    let (impact_paid, impact_received) = if impact >= 0 {
        (impact as u64, 0)
    } else {
        (
            0,
            impact
                .unsigned_abs()
                .min(book.impact_matured(input.now_slot)),
        )
    };
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
mod tests {
    use super::*;

    const SOL: i64 = 1_000_000_000;
    const P150: u64 = 150_000_000_000;

    fn params() -> TradeParams {
        TradeParams {
            spread: SpreadParams {
                base_spread_ppm: 1_000,
                conf_k_ppm: 1_000_000,
                dispersion_k_ppm: 0,
                latency_k_ppm: 0,
                max_spread_ppm: 50_000,
            },
            impact: ImpactParams {
                depth: 100_000_000_000_000,
                max_impact_ppm: 10_000,
            },
            fees: FeeParams {
                taker_fee_ppm: 1_000,
                pool_share_ppm: 700_000,
                insurance_share_ppm: 200_000,
                protocol_share_ppm: 100_000,
            },
            min_order_base: 10_000_000,
            lot_base: 1_000_000,
            tick_price: 1_000,
            max_position_notional: 1_000_000_000_000,
            min_position_notional: 0,
            min_hold_slots: 10,
            reserve_factor_ppm: 500_000,
            oi_cap_long: 10_000 * SOL as u64,
            oi_cap_short: 10_000 * SOL as u64,
        }
    }

    fn input(position: Position, delta: i64, limit_price: u64, now_slot: u64) -> TradeInput {
        TradeInput {
            position,
            last_increase_slot: 100,
            delta,
            limit_price,
            now_slot,
            prices: PriceInputs {
                price: P150,
                twap: P150,
                conf: 0,
                dispersion: 0,
                sigma_ppm: 0,
                source_age_secs: 0,
            },
            decimals: 6,
            pool_value_min: 10_000_000_000_000,
            profit_cap: i64::MAX,
        }
    }

    #[test]
    fn opening_a_long_pays_spread_fee_and_impact_to_the_smallest_unit() {
        let o = trade(
            &input(Position::default(), 10 * SOL, 151_000_000_000, 100),
            &MarketBook::default(),
            &params(),
        )
        .unwrap()
        .unwrap();
        // 150 * 1.001 = 150.15 per SOL; 10 SOL cost 1501.5 USDC.
        assert_eq!(o.exec.price, 150_150_000_000);
        assert_eq!(
            o.fill.position,
            Position {
                base: 10 * SOL,
                cost: 1_501_500_000
            }
        );
        // Fee 0.1% of notional at the reference price (1500 USDC): 1.5 USDC.
        assert_eq!(o.fee.total, 1_500_000);
        assert_eq!(
            (o.fee.pool, o.fee.insurance, o.fee.protocol, o.fee.dust),
            (1_050_000, 300_000, 150_000, 0)
        );
        // Impact: (1.5e9)^2 / 1e14 = 22_500 units (0.0225 USDC), under the 1% cap.
        assert_eq!(o.impact_paid, 22_500);
        assert_eq!(o.collateral_delta, -1_522_500);
        assert_eq!(
            o.book,
            MarketBook {
                long_oi: 10 * SOL as u64,
                short_oi: 0,
                long_cost: 1_501_500_000,
                short_cost: 0,
                impact_ledger: 22_500,
                impact_fresh: 22_500,
                impact_fresh_slot: 100,
            }
        );
        assert!(o.increases);
        assert_eq!(o.last_increase_slot, 100);
    }

    #[test]
    fn profit_inside_the_minimum_hold_is_capped_at_zero_but_losses_count() {
        let pos = Position {
            base: 10 * SOL,
            cost: 1_400_000_000,
        };
        let book = MarketBook {
            long_oi: 10 * SOL as u64,
            long_cost: 1_400_000_000,
            ..Default::default()
        };
        let early = trade(&input(pos, -10 * SOL, 0, 105), &book, &params())
            .unwrap()
            .unwrap();
        assert!(early.fill.realized_pnl > 0);
        assert_eq!(early.realized_pnl, 0);
        let late = trade(&input(pos, -10 * SOL, 0, 110), &book, &params())
            .unwrap()
            .unwrap();
        // Sold at 150 * 0.999 = 149.85: 1498.5 - 1400 = 98.5 USDC.
        assert_eq!(late.realized_pnl, 98_500_000);
        let losing = Position {
            base: 10 * SOL,
            cost: 1_600_000_000,
        };
        let book = MarketBook {
            long_cost: 1_600_000_000,
            ..book
        };
        let loss = trade(&input(losing, -10 * SOL, 0, 105), &book, &params())
            .unwrap()
            .unwrap();
        assert_eq!(loss.realized_pnl, -101_500_000);
        assert!(!loss.increases);
        // Closing skew back to zero earns the impact back only up to the ledger (empty here).
        assert_eq!(loss.impact_received, 0);
    }

    #[test]
    fn each_rule_refuses_with_its_own_reason() {
        let p = params();
        let book = MarketBook::default();
        let r = |i: TradeInput, p: &TradeParams| trade(&i, &book, p).unwrap().err();
        let flat = Position::default();
        assert_eq!(
            r(input(flat, 0, P150, 100), &p),
            Some(TradeRejection::ZeroSize)
        );
        assert_eq!(
            r(input(flat, 10 * SOL + 1, 151_000_000_000, 100), &p),
            Some(TradeRejection::LotSize)
        );
        assert_eq!(
            r(input(flat, 1_000_000, 151_000_000_000, 100), &p),
            Some(TradeRejection::MinOrderSize)
        );
        assert_eq!(
            r(input(flat, SOL, 151_000_000_001, 100), &p),
            Some(TradeRejection::TickSize)
        );
        assert_eq!(
            r(input(flat, SOL, 150_100_000_000, 100), &p),
            Some(TradeRejection::Slippage)
        );
        assert_eq!(
            r(input(flat, -SOL, 149_900_000_000, 100), &p),
            Some(TradeRejection::Slippage)
        );
        let capped = TradeParams {
            oi_cap_long: SOL as u64,
            ..p
        };
        assert_eq!(
            r(input(flat, 2 * SOL, 151_000_000_000, 100), &capped),
            Some(TradeRejection::OpenInterestCap)
        );
        let capped = TradeParams {
            max_position_notional: 100_000_000,
            ..p
        };
        assert_eq!(
            r(input(flat, SOL, 151_000_000_000, 100), &capped),
            Some(TradeRejection::PositionNotionalCap)
        );
        let mut small_pool = input(flat, 100 * SOL, 151_000_000_000, 100);
        small_pool.pool_value_min = 20_000_000_000;
        assert_eq!(r(small_pool, &p), Some(TradeRejection::ReserveCap));
        // A position smaller than the minimum order may still be closed exactly.
        let dust = Position {
            base: 1_000_000,
            cost: 150_000,
        };
        let b = MarketBook {
            long_oi: 1_000_000,
            long_cost: 150_000,
            ..Default::default()
        };
        assert!(trade(&input(dust, -1_000_000, 0, 200), &b, &p)
            .unwrap()
            .is_ok());
    }

    #[test]
    fn no_trade_leaves_a_position_below_the_minimum_notional_but_closing_whole_is_allowed() {
        let p = TradeParams {
            min_position_notional: 100_000_000, // 100 USDC
            ..params()
        };
        let flat = Position::default();
        let r = |i: TradeInput, b: &MarketBook| trade(&i, b, &p).unwrap().err();
        let empty = MarketBook::default();
        // 0.5 SOL at ~150 = 75 USDC: too small to open.
        assert_eq!(
            r(input(flat, SOL / 2, 151_000_000_000, 100), &empty),
            Some(TradeRejection::PositionBelowMinimum)
        );
        // 1 SOL (150 USDC) opens; reducing it to 0.5 SOL is refused, closing it whole is not.
        let one = Position {
            base: SOL,
            cost: 150_000_000,
        };
        let b = MarketBook {
            long_oi: SOL as u64,
            long_cost: 150_000_000,
            ..Default::default()
        };
        assert_eq!(r(input(flat, SOL, 151_000_000_000, 100), &empty), None);
        assert_eq!(
            r(input(one, -SOL / 2, 0, 200), &b),
            Some(TradeRejection::PositionBelowMinimum)
        );
        assert_eq!(r(input(one, -SOL, 0, 200), &b), None);
    }

    #[test]
    fn helpful_impact_never_draws_on_impact_booked_in_the_same_slot() {
        let open = trade(
            &input(Position::default(), 10 * SOL, 151_000_000_000, 100),
            &MarketBook::default(),
            &params(),
        )
        .unwrap()
        .unwrap();
        assert_eq!((open.book.impact_fresh, open.impact_paid), (22_500, 22_500));
        // A second account sells the skew back to zero in the same slot: nothing is paid out.
        let flat = Position::default();
        let same = trade(&input(flat, -10 * SOL, 0, 100), &open.book, &params())
            .unwrap()
            .unwrap();
        assert_eq!(same.impact_received, 0);
        assert_eq!(same.book.impact_ledger, 22_500);
        // One slot later the impact has matured and pays the helpful trade.
        let next = trade(&input(flat, -10 * SOL, 0, 101), &open.book, &params())
            .unwrap()
            .unwrap();
        assert_eq!(next.impact_received, 22_500);
        assert_eq!((next.book.impact_ledger, next.book.impact_fresh), (0, 0));
    }
}
