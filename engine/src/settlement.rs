//! Emergency settlement (SPEC section 7): a settlement price, and a payout ratio for winners
//! fixed at once, before any winner is paid, so crank order cannot matter.
//!
//! Settlement runs in two passes over the market's positions. The first visit of each
//! position settles a loser at once (its loss is charged whole; the part its account cannot
//! cover is declared as expected bad debt) and records a winner's profit as a claim. Once every
//! position has been visited the ratio is fixed from what the pool had at the start plus what
//! the losers can actually pay in, against the winners' claims; then winners are paid at it.

use crate::error::EngineResult;
use crate::margin::MarketMargin;
use crate::num::{mul_div_floor_i64, sub_i64, value_floor};
use crate::position::Position;

stored_block! {
    /// The ratio winners are paid at: `num / den` (1 when the pool covers them; `den` 0 while
    /// it is not fixed yet).
    pub struct PayoutRatio {
        pub num: u64,
        pub den: u64,
    }
}

stored_block! {
    /// A market's emergency settlement (collateral units unless stated).
    pub struct SettlementState {
        /// The settlement price (the TWAP when settlement began), 1e-9 collateral per base unit.
        pub price: u64,
        /// The winners' payout ratio, fixed when both unvisited sides reach zero.
        pub ratio: PayoutRatio,
        /// The pool's funds when settlement began plus the losses collected since, less
        /// their expected bad debt.
        pub available: u64,
        /// Σ winners' claims at the settlement price.
        pub claims: u64,
        /// Σ expected bad debt declared.
        pub bad_debt: u64,
        /// Open interest (base atoms) not visited yet, per side.
        pub unvisited_long: u64,
        pub unvisited_short: u64,
    }
}

impl SettlementState {
    /// A winner's first visit: its `claim` (profit at the settlement price) joins the claims.
    pub fn record_claim(&mut self, claim: u64) -> EngineResult<()> {
        use crate::checked::Checked;
        self.claims = self.claims.plus(claim)?;
        Ok(())
    }

    /// A loser's first visit: its `loss` is charged whole; the part its account cannot cover
    /// (`expected_bad_debt` at `equity_after`, its equity once charged) is declared as bad
    /// debt, the rest joins what winners are paid from. Returns the bad debt declared.
    pub fn record_loss(&mut self, loss: u64, equity_after: i64) -> EngineResult<u64> {
        use crate::checked::Checked;
        let bad_debt = expected_bad_debt(loss, equity_after);
        let paid_in = loss.minus(bad_debt)?;
        let total_bad_debt = self.bad_debt.plus(bad_debt)?;
        let available = self.available.plus(paid_in)?;
        (self.bad_debt, self.available) = (total_bad_debt, available);
        Ok(bad_debt)
    }

    /// A position of signed size `base` has been visited: its side's unvisited open interest
    /// falls by it, and once both sides reach zero the winners' ratio is fixed
    /// (`payout_ratio`).
    pub fn mark_visited(&mut self, base: i64) -> EngineResult<()> {
        use crate::checked::Checked;
        let unvisited = if base > 0 {
            &mut self.unvisited_long
        } else {
            &mut self.unvisited_short
        };
        *unvisited = unvisited.minus(base.unsigned_abs())?;
        if self.unvisited_long == 0 && self.unvisited_short == 0 {
            self.ratio = payout_ratio(self.available, self.claims);
        }
        Ok(())
    }
}

/// Fixes the ratio once every position has been visited: winners' `claims` (Σ profits at the
/// settlement price, collateral units) are paid from `available` (the pool's funds when
/// settlement began plus the losers' losses less their expected bad debt); if that falls
/// short, pro rata (`available / claims`, applied rounding down).
pub fn payout_ratio(available: u64, claims: u64) -> PayoutRatio {
    if claims == 0 || available >= claims {
        return PayoutRatio { num: 1, den: 1 };
    }
    PayoutRatio {
        num: available,
        den: claims,
    }
}

/// A settled position's realised PnL: profits scaled by the ratio (rounded down), losses whole.
pub fn settled_pnl(pnl: i64, r: &PayoutRatio) -> EngineResult<i64> {
    if pnl <= 0 || r.num >= r.den {
        return Ok(pnl);
    }
    mul_div_floor_i64(pnl, r.num as i64, r.den as i64)
}

/// The part of a loser's `loss` (collateral units, ≥ 0) its account cannot pay: what the
/// charge takes the account's equity below zero, at most the loss. `equity_after` is the
/// account's equity once the loss is charged (collateral plus its other positions).
pub fn expected_bad_debt(loss: u64, equity_after: i64) -> u64 {
    if equity_after >= 0 {
        return 0;
    }
    loss.min(equity_after.unsigned_abs())
}

/// What a position in a settling market will realise, collateral units: a loss whole; a
/// profit at the payout ratio once it is fixed (`None` while it is not: then 0, since the
/// winners' share is not known yet). Rounded down.
pub fn settlement_value(
    pos: Position,
    price: u64,
    decimals: u8,
    ratio: Option<PayoutRatio>,
) -> EngineResult<i64> {
    let pnl = pos.unrealized_pnl(price, decimals)?;
    match ratio {
        _ if pnl <= 0 => Ok(pnl),
        None => Ok(0),
        Some(r) => settled_pnl(pnl, &r),
    }
}

/// The health view of a position in a settling market: the position with its cost basis
/// moved so that its PnL at `price` is exactly `value`, and a margin view with no confidence
/// band and no requirement (the position carries no more risk; its notional still counts
/// toward leverage). `unsettled_funding` is what it still owes at the frozen index.
pub fn settled_view(
    pos: Position,
    market_index: u16,
    price: u64,
    decimals: u8,
    value: i64,
    unsettled_funding: i64,
) -> EngineResult<(Position, MarketMargin)> {
    let cost = sub_i64(value_floor(pos.base, price, decimals)?, value)?;
    Ok((
        Position {
            base: pos.base,
            cost,
        },
        MarketMargin {
            market_index,
            price,
            twap: price,
            decimals,
            unsettled_funding,
            ..Default::default()
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visits_fix_the_ratio_once_both_sides_are_visited() {
        let mut st = SettlementState {
            available: 100,
            unvisited_long: 3,
            unvisited_short: 2,
            ..Default::default()
        };
        st.record_claim(300).unwrap();
        st.mark_visited(3).unwrap();
        assert_eq!(st.ratio, PayoutRatio::default());
        // A loser of 80 whose equity once charged is -30: 30 is bad debt, 50 is paid in.
        assert_eq!(st.record_loss(80, -30), Ok(30));
        st.mark_visited(-2).unwrap();
        assert_eq!((st.bad_debt, st.available), (30, 150));
        assert_eq!(st.ratio, PayoutRatio { num: 150, den: 300 });
        assert!(st.mark_visited(1).is_err());
    }
    use crate::margin::{health, HealthKind};

    const SOL: i64 = 1_000_000_000;
    const P150: u64 = 150_000_000_000;

    #[test]
    fn a_short_pool_pays_winners_pro_rata() {
        // +500 owed; the pool and the losers have 200.
        let r = payout_ratio(200_000_000, 500_000_000);
        assert_eq!(
            r,
            PayoutRatio {
                num: 200_000_000,
                den: 500_000_000
            }
        );
        assert_eq!(settled_pnl(500_000_000, &r).unwrap(), 200_000_000);
        assert_eq!(settled_pnl(-7, &r).unwrap(), -7);
        assert_eq!(
            payout_ratio(600_000_000, 500_000_000),
            PayoutRatio { num: 1, den: 1 }
        );
        assert_eq!(payout_ratio(0, 0), PayoutRatio { num: 1, den: 1 });
    }

    #[test]
    fn bad_debt_is_the_part_of_a_loss_below_zero_equity() {
        assert_eq!(expected_bad_debt(100, 5), 0);
        assert_eq!(expected_bad_debt(100, 0), 0);
        assert_eq!(expected_bad_debt(100, -30), 30);
        // Equity already below zero before the charge: only the loss itself is this market's.
        assert_eq!(expected_bad_debt(100, -250), 100);
    }

    #[test]
    fn a_settling_position_is_worth_what_settlement_pays() {
        // 1 SOL long from 100 (cost 100 USDC): +50 at 150.
        let long = Position {
            base: SOL,
            cost: 100_000_000,
        };
        assert_eq!(settlement_value(long, P150, 6, None).unwrap(), 0);
        let half = PayoutRatio { num: 1, den: 2 };
        assert_eq!(
            settlement_value(long, P150, 6, Some(half)).unwrap(),
            25_000_000
        );
        let loser = Position {
            base: SOL,
            cost: 200_000_000,
        };
        assert_eq!(settlement_value(loser, P150, 6, None).unwrap(), -50_000_000);
        // Health sees exactly that value, with no requirement.
        let view = settled_view(loser, 3, P150, 6, -50_000_000, 1_000).unwrap();
        let h = health(70_000_000, &[view], HealthKind::Initial).unwrap();
        assert_eq!(h.equity, 70_000_000 - 50_000_000 - 1_000);
        assert_eq!(h.requirement, 0);
    }
}
