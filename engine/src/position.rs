//! A position's accounting: size in base atoms and a signed cost basis in collateral units.
//! Fills open, increase, reduce, close or flip it; every rounding favours the protocol.

use crate::error::EngineResult;
use crate::num::{add_i64, mul_div_ceil_i64, sub_i64, value_ceil, value_floor};

/// Size and cost basis of one position.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Position {
    /// Signed size in base atoms (1e-9 of a unit): positive long, negative short.
    pub base: i64,
    /// Signed cost basis in collateral units: what a long paid (positive), minus what a short
    /// received (negative). Zero when flat.
    pub cost: i64,
}

/// What a fill did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Fill {
    /// The position after the fill.
    pub position: Position,
    /// PnL realised by the reducing part, in collateral units, rounded down.
    pub realized_pnl: i64,
    /// Atoms of the old position closed (≥ 0).
    pub closed: i64,
    /// Atoms of new exposure opened (≥ 0), in the fill's direction.
    pub opened: i64,
}

impl Position {
    /// Unrealised PnL at `price`: value rounded down minus cost basis.
    pub fn unrealized_pnl(&self, price: u64, decimals: u8) -> EngineResult<i64> {
        sub_i64(value_floor(self.base, price, decimals)?, self.cost)
    }

    /// True when `delta` reduces this position (opposite sign, non-zero position).
    pub fn is_reduced_by(&self, delta: i64) -> bool {
        self.base != 0 && delta != 0 && (self.base > 0) != (delta > 0)
    }
}

/// Applies a fill of `delta` atoms at `price`. The reducing part realises
/// `value_floor(closed) − ceil(cost · closed / |base|)`; the opening part adds
/// `value_ceil(opened)` to the cost. Both round against the trader.
pub fn apply_fill(pos: Position, delta: i64, price: u64, decimals: u8) -> EngineResult<Fill> {
    let mut fill = Fill {
        position: pos,
        ..Default::default()
    };
    let mut remaining = delta;
    if pos.is_reduced_by(delta) {
        let closed = delta.unsigned_abs().min(pos.base.unsigned_abs()) as i64;
        let closed_signed = if pos.base > 0 { closed } else { -closed };
        let removed_cost = mul_div_ceil_i64(pos.cost, closed, pos.base.abs())?;
        fill.realized_pnl = sub_i64(value_floor(closed_signed, price, decimals)?, removed_cost)?;
        fill.position = Position {
            base: pos.base - closed_signed,
            cost: sub_i64(pos.cost, removed_cost)?,
        };
        fill.closed = closed;
        remaining = add_i64(delta, closed_signed)?;
    }
    if remaining != 0 {
        fill.position.base = add_i64(fill.position.base, remaining)?;
        fill.position.cost = add_i64(fill.position.cost, value_ceil(remaining, price, decimals)?)?;
        fill.opened = remaining.abs();
    }
    if fill.position.base == 0 {
        debug_assert_eq!(fill.position.cost, 0);
    }
    Ok(fill)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOL: i64 = 1_000_000_000;
    const P150: u64 = 150_000_000_000;
    const P160: u64 = 160_000_000_000;

    #[test]
    fn open_increase_reduce_close() {
        let f = apply_fill(Position::default(), 2 * SOL, P150, 6).unwrap();
        assert_eq!(
            f.position,
            Position {
                base: 2 * SOL,
                cost: 300_000_000
            }
        );
        assert_eq!((f.opened, f.closed, f.realized_pnl), (2 * SOL, 0, 0));
        let f = apply_fill(f.position, -SOL, P160, 6).unwrap();
        assert_eq!(f.realized_pnl, 10_000_000); // +$10 on 1 SOL
        assert_eq!(
            f.position,
            Position {
                base: SOL,
                cost: 150_000_000
            }
        );
        let f = apply_fill(f.position, -SOL, P150, 6).unwrap();
        assert_eq!(f.realized_pnl, 0);
        assert_eq!(f.position, Position::default());
    }

    #[test]
    fn a_short_profits_when_price_falls_and_flips_through_zero() {
        let f = apply_fill(Position::default(), -SOL, P160, 6).unwrap();
        assert_eq!(
            f.position,
            Position {
                base: -SOL,
                cost: -160_000_000
            }
        );
        assert_eq!(f.position.unrealized_pnl(P150, 6).unwrap(), 10_000_000);
        let f = apply_fill(f.position, 3 * SOL, P150, 6).unwrap();
        assert_eq!(f.realized_pnl, 10_000_000);
        assert_eq!((f.closed, f.opened), (SOL, 2 * SOL));
        assert_eq!(
            f.position,
            Position {
                base: 2 * SOL,
                cost: 300_000_000
            }
        );
    }

    #[test]
    fn partial_reduction_rounds_against_the_trader() {
        // 3 atoms long for a cost of 10 units: closing 1 removes ceil(10/3) = 4 of cost.
        let pos = Position { base: 3, cost: 10 };
        let f = apply_fill(pos, -1, 3_333_333_333_333_333_333, 0).unwrap();
        // value_floor(1 atom at 3.33e18/1e18) = 3; realised 3 - 4 = -1.
        assert_eq!(f.realized_pnl, -1);
        assert_eq!(f.position, Position { base: 2, cost: 6 });
    }
}
