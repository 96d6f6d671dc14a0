//! What a trading delegate may do with an owner's account: the owner's limits and the cost
//! of a trade to the account it trades.
//!
//! A delegate may trade but never withdraw. "Never withdraw" holds in value, not only in
//! instruction names: every trade the delegate signs is measured by what it costs the
//! account at the trade's mark price (spread, TWAP gap, fees, harmful impact net of helpful
//! impact, profit forfeited to the hold and pool caps), the net sum since the appointment
//! may not exceed the owner's `max_loss`, a delegate's increase may not leave the account's
//! positions above `max_notional`, and a reduce-only delegate may not increase at all.

use crate::error::EngineResult;
use crate::num::{add_i64, notional_ceil, sub_i64, value_ceil, value_floor};
use crate::position::Position;
use crate::trade::TradeOutcome;

stored_block! {
    /// Limits the owner sets when naming a delegate (collateral units).
    pub struct DelegateLimits {
        /// Most the delegate's trades may cost the account, net, over one appointment.
        pub max_loss: u64,
        /// Largest total notional (Σ |base| · price, rounded up, over the account's
        /// positions) a delegate's increase may leave.
        pub max_notional: u64,
        /// 1: the delegate may only reduce positions (any other value counts as 1).
        pub reduce_only: u8,
        pub _padding: [u8; 7],
    }
}

impl DelegateLimits {
    /// Limits of a delegate named without explicit ones (the SDK's `set_delegate`): at most
    /// 100 whole units of cost and 10,000 of notional for a 6-decimal collateral such as USDC.
    pub const STANDARD: DelegateLimits = DelegateLimits {
        max_loss: 100_000_000,
        max_notional: 10_000_000_000,
        reduce_only: 0,
        _padding: [0; 7],
    };
}

/// Why a delegate's trade is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DelegateRejection {
    /// A reduce-only delegate tried to open or increase.
    ReduceOnly,
    /// The increase would leave the account's notional above `max_notional`.
    NotionalLimit,
    /// The trade would take the appointment's net cost above `max_loss`.
    LossLimit,
}

/// What a trade cost the account that made it, rounded up: its equity at the outcome's mark
/// price before the fill minus after (equity = collateral + the traded position's value minus
/// cost basis; the before-value rounded up, the after-value down). Positive = the account
/// lost. Funding settled before the fill is not part of it (it accrues whoever trades).
pub fn trade_cost_ceil(before: &Position, out: &TradeOutcome, decimals: u8) -> EngineResult<i64> {
    let mark = out.mark_price;
    let before_equity = sub_i64(value_ceil(before.base, mark, decimals)?, before.cost)?;
    let after = &out.fill.position;
    let after_equity = add_i64(
        sub_i64(value_floor(after.base, mark, decimals)?, after.cost)?,
        out.collateral_delta,
    )?;
    sub_i64(before_equity, after_equity)
}

/// Total notional of `positions` (size and mark price each), collateral units rounded up.
pub fn notional_total_ceil(positions: &[(i64, u64)], decimals: u8) -> EngineResult<u64> {
    positions.iter().try_fold(0u64, |sum, &(base, price)| {
        sum.checked_add(notional_ceil(base, price, decimals)?)
            .ok_or_else(|| crate::EngineError::math("notional total"))
    })
}

/// Checks one delegate trade against `limits`: `loss_used` is the appointment's net cost so
/// far, `cost` this trade's ([`trade_cost_ceil`]), `increases` whether it adds exposure and
/// `notional_after` the account's total notional after it (read only on increases). Returns
/// the new net cost, or why the trade is refused. Reductions are refused too once the cost
/// budget is spent: the bound holds for every delegate-signed sequence, and the owner can
/// always trade.
pub fn check_delegate_trade(
    limits: &DelegateLimits,
    loss_used: i64,
    cost: i64,
    increases: bool,
    notional_after: u64,
) -> EngineResult<Result<i64, DelegateRejection>> {
    if increases && limits.reduce_only != 0 {
        return Ok(Err(DelegateRejection::ReduceOnly));
    }
    if increases && notional_after > limits.max_notional {
        return Ok(Err(DelegateRejection::NotionalLimit));
    }
    let used = add_i64(loss_used, cost)?;
    if used > 0 && used as u64 > limits.max_loss {
        return Ok(Err(DelegateRejection::LossLimit));
    }
    Ok(Ok(used))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::execution::PriceInputs;
    use crate::trade::{trade, MarketBook, TradeInput, TradeParams};

    const SOL: i64 = 1_000_000_000;
    const P150: u64 = 150_000_000_000;

    fn params() -> TradeParams {
        let mut p = TradeParams {
            min_order_base: 1,
            lot_base: 1,
            tick_price: 1,
            max_position_notional: u64::MAX / 4,
            reserve_factor_ppm: 1_000_000,
            open_interest_cap_long: u64::MAX / 4,
            open_interest_cap_short: u64::MAX / 4,
            ..Default::default()
        };
        p.spread.base_spread_ppm = 1_000;
        p.spread.max_spread_ppm = 50_000;
        p.impact.impact_depth = 100_000_000_000_000;
        p.impact.max_impact_ppm = 10_000;
        p.fees.taker_fee_ppm = 1_000;
        p.fees.pool_share_ppm = 1_000_000;
        p
    }

    fn run(pos: Position, delta: i64, book: &MarketBook, slot: u64) -> TradeOutcome {
        let input = TradeInput {
            position: pos,
            delta,
            limit_price: if delta > 0 { u64::MAX / 2 } else { 0 },
            now_slot: slot,
            prices: PriceInputs {
                price: P150,
                ..Default::default()
            },
            decimals: 6,
            pool_value_part: u64::MAX / 4,
            profit_cap: i64::MAX,
            ..Default::default()
        };
        trade(&input, book, &params()).unwrap().unwrap()
    }

    #[test]
    fn a_round_trip_costs_spread_fees_and_impact_to_the_unit() {
        let open = run(Position::default(), 10 * SOL, &MarketBook::default(), 100);
        // Spread 0.1% of 1500 = 1.5 USDC, fee 1.5 USDC, impact 0.0225 USDC.
        let c1 = trade_cost_ceil(&Position::default(), &open, 6).unwrap();
        assert_eq!(c1, 1_500_000 + 1_500_000 + 22_500);
        let close = run(open.fill.position, -10 * SOL, &open.book, 100);
        let c2 = trade_cost_ceil(&open.fill.position, &close, 6).unwrap();
        // Closing in the same slot: spread and fee again; the impact booked this slot is not
        // paid back.
        assert_eq!(close.impact_received, 0);
        assert_eq!(c2, 1_500_000 + 1_500_000);
        // The two costs add up to exactly what the account lost.
        assert_eq!(c1 + c2, -(open.collateral_delta + close.collateral_delta));
    }

    #[test]
    fn each_limit_refuses_with_its_own_reason() {
        let l = DelegateLimits {
            max_loss: 100,
            max_notional: 1_000,
            reduce_only: 0,
            _padding: [0; 7],
        };
        assert_eq!(
            check_delegate_trade(&l, 0, 100, true, 1_000).unwrap(),
            Ok(100)
        );
        assert_eq!(
            check_delegate_trade(&l, 0, 101, false, 0).unwrap(),
            Err(DelegateRejection::LossLimit)
        );
        assert_eq!(
            check_delegate_trade(&l, 0, 1, true, 1_001).unwrap(),
            Err(DelegateRejection::NotionalLimit)
        );
        // A gain for the owner (helpful impact) nets against the budget.
        assert_eq!(
            check_delegate_trade(&l, 100, -40, false, 0).unwrap(),
            Ok(60)
        );
        let ro = DelegateLimits {
            reduce_only: 1,
            ..l
        };
        assert_eq!(
            check_delegate_trade(&ro, 0, 1, true, 0).unwrap(),
            Err(DelegateRejection::ReduceOnly)
        );
        assert_eq!(
            check_delegate_trade(&ro, 0, 1, false, 5_000).unwrap(),
            Ok(1)
        );
        let n = notional_total_ceil(&[(SOL, P150), (-2 * SOL, P150)], 6).unwrap();
        assert_eq!(n, 450_000_000);
    }
}
