//! Emergency settlement (SPEC section 7): a settlement price, and a payout ratio fixed at once
//! from the market's totals before any payout, so crank order cannot matter.

use crate::error::EngineResult;
use crate::num::{mul_div_floor_i64, sub_i64, value_floor};
use crate::trade::MarketBook;

/// The ratio winners are paid at: `num / den` (1 when the pool covers them).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PayoutRatio {
    pub num: u64,
    pub den: u64,
}

/// Fixes the ratio from the book at the settlement price: each side's net PnL; the winning
/// side is paid from what the pool has (`pool_available`, its capital plus what the market owes
/// it) plus what the losing side pays in; if that falls short, winners get it pro rata.
pub fn payout_ratio(
    book: &MarketBook,
    price: u64,
    decimals: u8,
    pool_available: i64,
) -> EngineResult<PayoutRatio> {
    let longs = sub_i64(
        value_floor(book.long_oi as i64, price, decimals)?,
        book.long_cost,
    )?;
    let shorts = sub_i64(
        value_floor(-(book.short_oi as i64), price, decimals)?,
        book.short_cost,
    )?;
    let owed = longs.max(0) as i128 + shorts.max(0) as i128;
    let paid_in = (-longs).max(0) as i128 + (-shorts).max(0) as i128;
    let available = (pool_available as i128 + paid_in).max(0);
    if owed == 0 || available >= owed {
        return Ok(PayoutRatio { num: 1, den: 1 });
    }
    Ok(PayoutRatio {
        num: available as u64,
        den: owed as u64,
    })
}

/// A settled position's realised PnL: profits scaled by the ratio (rounded down), losses whole.
pub fn settled_pnl(pnl: i64, r: &PayoutRatio) -> EngineResult<i64> {
    if pnl <= 0 || r.num >= r.den {
        return Ok(pnl);
    }
    mul_div_floor_i64(pnl, r.num as i64, r.den as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_pool_pays_winners_pro_rata() {
        // 10 SOL long from 100 (cost 1,000 USDC), settled at 150: +500 owed; the pool has 200.
        let book = MarketBook {
            long_oi: 10_000_000_000,
            long_cost: 1_000_000_000,
            ..Default::default()
        };
        let r = payout_ratio(&book, 150_000_000_000, 6, 200_000_000).unwrap();
        assert_eq!(
            r,
            PayoutRatio {
                num: 200_000_000,
                den: 500_000_000
            }
        );
        assert_eq!(settled_pnl(500_000_000, &r).unwrap(), 200_000_000);
        assert_eq!(settled_pnl(-7, &r).unwrap(), -7);
        let covered = payout_ratio(&book, 150_000_000_000, 6, 600_000_000).unwrap();
        assert_eq!(covered, PayoutRatio { num: 1, den: 1 });
    }
}
