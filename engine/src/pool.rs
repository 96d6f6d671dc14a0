//! The liquidity pool: its value bounds, LP shares with virtual offsets, the trader-profit
//! liability and its cap (SPEC section 5).

use crate::divide::mul_div_floor_u128;
use crate::error::{EngineError, EngineResult};
use crate::num::{
    add_i64, apply_ppm_floor, div_ceil_u128, div_trunc_i128, mul_div_ceil, mul_div_floor,
    notional_ceil, sub_i64, to_i64, PPM,
};
use crate::trade::MarketBook;

/// Virtual shares added to the supply in share pricing: a donation cannot inflate shares.
pub const VIRTUAL_SHARES: u64 = 1_000_000;
/// Virtual collateral units added to the value in share pricing.
pub const VIRTUAL_ASSETS: u64 = 1;

/// What the pool's value is made of, in collateral units.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolBook {
    /// Capital held by the pool (deposits, swept PnL and fees), signed.
    pub capital: i64,
    /// Owed to the pool but still in market sub-ledgers (realised trader PnL, fee share).
    pub pending: i64,
    /// Traders' net unrealised PnL at prices worst for the pool (positive = traders win).
    pub trader_pnl_worst: i64,
    /// Traders' net unrealised PnL at prices best for the pool.
    pub trader_pnl_best: i64,
    /// Traders' counted profit is capped at this share of capital + pending (ppm).
    pub max_pnl_to_pool_ppm: u32,
    /// Accounts' negative collateral not yet resolved (collateral units): `pending` counts
    /// their losses in full, so the minimum value takes it out at once (the maximum, which
    /// deposits pay, keeps it: in the existing holders' favour).
    pub bad_debt: u64,
}

impl PoolBook {
    /// Adds one market's part: what it owes the pool and has not swept (realised PnL and the
    /// pool's fee share), its unresolved bad debt, and its traders' unrealised PnL at prices
    /// worst (`trader_pnl_worst`) and best (`trader_pnl_best`) for the pool. Checked.
    pub fn add_market(
        &mut self,
        ledgers: &crate::conservation::MarketLedgers,
        trader_pnl_worst: i64,
        trader_pnl_best: i64,
    ) -> EngineResult<()> {
        use crate::checked::{cast, Checked};
        let owed = ledgers.pnl_pending.plus(cast(ledgers.fee_pool)?)?;
        *self = PoolBook {
            bad_debt: self.bad_debt.plus(ledgers.bad_debt_pending)?,
            pending: self.pending.plus(owed)?,
            trader_pnl_worst: self.trader_pnl_worst.plus(trader_pnl_worst)?,
            trader_pnl_best: self.trader_pnl_best.plus(trader_pnl_best)?,
            ..*self
        };
        Ok(())
    }
}

/// The pool's value bounds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolValue {
    /// For withdrawals: trader profit counted at once (capped), trader losses not counted.
    pub min: u64,
    /// For deposits: trader profit counted (capped) and trader losses counted as the pool's.
    pub max: u64,
}

/// Value bounds of the pool, floored at zero.
pub fn pool_value(b: &PoolBook) -> EngineResult<PoolValue> {
    let base = b
        .capital
        .checked_add(b.pending)
        .ok_or_else(|| EngineError::math("pool base"))?;
    let cap = mul_div_floor(base.max(0) as u64, b.max_pnl_to_pool_ppm as u64, PPM)? as i64;
    let bad_debt = i64::try_from(b.bad_debt).map_err(|_| EngineError::math("bad debt"))?;
    let min = sub_i64(sub_i64(base, b.trader_pnl_worst.clamp(0, cap))?, bad_debt)?;
    let max = base - b.trader_pnl_best.min(cap);
    Ok(PoolValue {
        min: min.max(0) as u64,
        max: max.max(0) as u64,
    })
}

/// Traders' net unrealised PnL in one market at the prices worst and best for the pool:
/// longs at `price ± k·conf`, shorts the other way (`conf_k_ppm`, 1e6 = 1x), rounded down.
pub fn trader_pnl_bounds(
    book: &MarketBook,
    price: u64,
    conf: u64,
    conf_k_ppm: u32,
    decimals: u8,
) -> EngineResult<(i64, i64)> {
    let band = mul_div_ceil(conf, conf_k_ppm as u64, PPM)?;
    let (hi, lo) = (price.saturating_add(band), price.saturating_sub(band));
    let at = |long_price: u64, short_price: u64| -> EngineResult<i64> {
        add_i64(
            book.side_pnl(true, long_price, decimals)?,
            book.side_pnl(false, short_price, decimals)?,
        )
    };
    Ok((at(hi, lo)?, at(lo, hi)?))
}

/// Notional the pool reserves for a market: its larger side's open interest at `price`.
pub fn reserved_notional(book: &MarketBook, price: u64, decimals: u8) -> EngineResult<u64> {
    notional_ceil(book.long_oi.max(book.short_oi) as i64, price, decimals)
}

/// True when `reserved` fits within `reserve_factor_ppm` of the pool's minimum value.
pub fn reserve_allows(
    reserved: u64,
    pool_value_part: u64,
    reserve_factor_ppm: u32,
) -> EngineResult<bool> {
    Ok(reserved <= apply_ppm_floor(pool_value_part, reserve_factor_ppm as u64)?)
}

/// True when every market's reservation fits the pool at once: Σ reservedᵢ / factorᵢ (the
/// value each market's reserve needs behind it, rounded up) ≤ `pool_value_min`. Withdrawals
/// read every market, so they judge the whole pool rather than each market's even part: one
/// market at its part's cap does not block a withdrawal the pool as a whole can afford.
/// `reserves`: (reserved notional, reserve factor ppm) per market.
pub fn pool_reserves_allow(reserves: &[(u64, u32)], pool_value_min: u64) -> EngineResult<bool> {
    let mut needed: u128 = 0;
    for &(reserved, factor_ppm) in reserves {
        if reserved == 0 {
            continue;
        }
        let factor = factor_ppm.max(1) as u128;
        needed = needed
            .checked_add(div_ceil_u128(reserved as u128 * PPM as u128, factor))
            .ok_or_else(|| EngineError::math("pool reserves"))?;
    }
    Ok(needed <= pool_value_min as u128)
}

/// Shares minted for depositing `amount` at the pool's maximum value, rounded down. Shares
/// are `u128` (1e6 per collateral unit at the start: a supply good for far beyond any pool;
/// the product is formed in 256 bits).
pub fn shares_for_deposit(amount: u64, total_shares: u128, value_max: u64) -> EngineResult<u128> {
    let supply = total_shares
        .checked_add(VIRTUAL_SHARES as u128)
        .ok_or_else(|| EngineError::math("shares_for_deposit: supply"))?;
    mul_div_floor_u128(
        amount as u128,
        supply,
        value_max as u128 + VIRTUAL_ASSETS as u128,
    )
    .ok_or_else(|| EngineError::math("shares_for_deposit"))
}

/// Shares minted for depositing `amount` into a pool whose book is `b`, with `total_shares`
/// outstanding, rounded down. The deposit is credited only with what it adds to both value
/// bounds (never more than `amount`): a deposit raises the traders'-profit cap with the
/// capital, and when traders' profit exceeds the cap, the liability grows with it; that
/// growth is the depositor's, not the existing holders'. Priced at the maximum value, so
/// neither bound of an existing share falls because of a deposit.
pub fn shares_for_deposit_into(
    b: &PoolBook,
    amount: u64,
    total_shares: u128,
) -> EngineResult<u128> {
    let before = pool_value(b)?;
    let after = pool_value(&PoolBook {
        capital: add_i64(b.capital, to_i64(amount)?)?,
        ..*b
    })?;
    let added = amount
        .min(after.min.saturating_sub(before.min))
        .min(after.max.saturating_sub(before.max));
    shares_for_deposit(added, total_shares, before.max)
}

/// Collateral paid for burning `shares` at the pool's minimum value, rounded down.
pub fn amount_for_shares(shares: u128, total_shares: u128, value_min: u64) -> EngineResult<u64> {
    let supply = total_shares
        .checked_add(VIRTUAL_SHARES as u128)
        .ok_or_else(|| EngineError::math("amount_for_shares: supply"))?;
    let a = mul_div_floor_u128(shares, value_min as u128 + VIRTUAL_ASSETS as u128, supply)
        .ok_or_else(|| EngineError::math("amount_for_shares"))?;
    u64::try_from(a).map_err(|_| EngineError::math("amount_for_shares"))
}

/// A trader's realised profit after the pro-rata cut when the market's traders' total profit
/// exceeds `cap`: `profit · cap / total`, rounded down. Losses pass unchanged.
pub fn capped_profit(profit: i64, total_trader_profit: i64, cap: i64) -> EngineResult<i64> {
    if profit <= 0 || total_trader_profit <= cap || total_trader_profit <= 0 {
        return Ok(profit);
    }
    let cut = div_trunc_i128(
        (profit as i128) * (cap.max(0) as i128),
        total_trader_profit as i128,
    );
    i64::try_from(cut).map_err(|_| EngineError::math("capped_profit"))
}

/// The pool's value as one market sees it (collateral units, saturating at the `i64`
/// range): its swept `capital` plus what the market owes it and has not swept yet (realised
/// PnL `pnl_pending` and the pool's fee share `fee_pool`), less the market's unresolved bad
/// debt `bad_debt` (counted whole: the pool may have to absorb all of it). ADL's trigger and
/// the keeper's prediction of it read this one value; settlement's budget counts no bad debt
/// (it is settled through the claims).
pub fn pool_value_seen_by_market(
    capital: i64,
    pnl_pending: i64,
    fee_pool: u64,
    bad_debt: u64,
) -> i64 {
    let fee_pool = i64::try_from(fee_pool).unwrap_or(i64::MAX);
    let bad_debt = i64::try_from(bad_debt).unwrap_or(i64::MAX);
    capital
        .saturating_add(pnl_pending)
        .saturating_add(fee_pool)
        .saturating_sub(bad_debt)
}

/// One market's part of a pool value shared by `market_count` markets: `value / count`,
/// rounded down. Every bound the pool states for itself (the reserve, the traders'-profit
/// cap) is applied to each market against its part, so all markets together stay within
/// the bound at once without any market reading the others.
pub fn market_part(value: u64, market_count: u16) -> u64 {
    value / market_count.max(1) as u64
}

/// What one of `market_count` markets measures a trade against: its part of the pool's swept
/// capital (floored at zero) as the value for its reserve cap, and its part of the pool-wide
/// traders'-profit cap (`max_pnl_to_pool` of the capital, split over the markets, rounded
/// down), so all markets together never reserve more than the reserve factor of the pool nor
/// pay out more counted profit than the pool-wide cap.
pub fn market_trade_limits(
    capital: i64,
    max_pnl_to_pool_ppm: u32,
    market_count: u16,
) -> EngineResult<(u64, i64)> {
    let value = capital.max(0) as u64;
    let cap = market_part(
        mul_div_floor(value, max_pnl_to_pool_ppm as u64, PPM)?,
        market_count,
    );
    Ok((market_part(value, market_count), to_i64(cap)?))
}

/// How long a matured withdrawal or unstake request stays valid, seconds: a request is no
/// free option to exit at a chosen moment later (for example between a loss and its
/// resolution); after this it must be made again and wait again.
pub const REQUEST_VALID_SECS: i64 = 86_400;

/// Where a withdrawal or unstake request made at `requested_at` stands at `now`, given its
/// delay.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestState {
    /// The delay has not passed.
    Waiting,
    /// Payable.
    Ready,
    /// More than [`REQUEST_VALID_SECS`] past its maturity.
    Expired,
}

/// The state of a request made at `requested_at` with `delay_secs` at `now`.
pub fn request_state(requested_at: i64, delay_secs: u32, now: i64) -> RequestState {
    let ready_at = requested_at.saturating_add(delay_secs as i64);
    if now < ready_at {
        RequestState::Waiting
    } else if now > ready_at.saturating_add(REQUEST_VALID_SECS) {
        RequestState::Expired
    } else {
        RequestState::Ready
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_market_sees_the_pool_with_what_it_owes_and_less_its_bad_debt() {
        assert_eq!(pool_value_seen_by_market(1_000, -200, 50, 30), 820);
        assert_eq!(
            pool_value_seen_by_market(i64::MAX, 1, u64::MAX, 0),
            i64::MAX
        );
        assert_eq!(pool_value_seen_by_market(0, 0, 0, u64::MAX), -i64::MAX);
    }

    #[test]
    fn profit_is_a_liability_at_once_and_losses_only_raise_the_deposit_price() {
        let b = PoolBook {
            capital: 1_000_000,
            pending: 0,
            trader_pnl_worst: 50_000,
            trader_pnl_best: -20_000,
            max_pnl_to_pool_ppm: 300_000,
            bad_debt: 0,
        };
        assert_eq!(
            pool_value(&b).unwrap(),
            PoolValue {
                min: 950_000,
                max: 1_020_000
            }
        );
        let capped = PoolBook {
            trader_pnl_worst: 900_000,
            ..b
        };
        assert_eq!(
            pool_value(&capped).unwrap().min,
            700_000,
            "liability capped at 30%"
        );
        // Unresolved bad debt leaves the withdrawal value at once, not the deposit price.
        let owed = PoolBook {
            bad_debt: 30_000,
            ..b
        };
        assert_eq!(
            pool_value(&owed).unwrap(),
            PoolValue {
                min: 920_000,
                max: 1_020_000
            }
        );
    }

    #[test]
    fn each_market_measures_reserve_and_profit_against_its_even_part_of_the_pool() {
        assert_eq!(
            market_trade_limits(1_000_000, 500_000, 1).unwrap(),
            (1_000_000, 500_000)
        );
        assert_eq!(
            market_trade_limits(1_000_000, 500_000, 3).unwrap(),
            (333_333, 166_666)
        );
        // Three markets each filling its reserve at a 50% factor reserve at most half the pool.
        let (part, _) = market_trade_limits(1_000_000, 500_000, 3).unwrap();
        let each = apply_ppm_floor(part, 500_000).unwrap();
        assert!(reserve_allows(each, part, 500_000).unwrap());
        assert!(!reserve_allows(each + 1, part, 500_000).unwrap());
        assert!(3 * each <= 500_000);
        assert_eq!(market_trade_limits(-5, 500_000, 2).unwrap(), (0, 0));
    }

    #[test]
    fn a_request_waits_its_delay_then_is_valid_for_a_day() {
        assert_eq!(request_state(100, 50, 149), RequestState::Waiting);
        assert_eq!(request_state(100, 50, 150), RequestState::Ready);
        assert_eq!(
            request_state(100, 50, 150 + REQUEST_VALID_SECS),
            RequestState::Ready
        );
        assert_eq!(
            request_state(100, 50, 151 + REQUEST_VALID_SECS),
            RequestState::Expired
        );
    }

    #[test]
    fn the_first_deposit_prices_one_to_one_and_a_tiny_first_deposit_cannot_grief_the_next() {
        let s = shares_for_deposit(1_000_000, 0, 0).unwrap();
        assert_eq!(s, 1_000_000_000_000);
        assert_eq!(amount_for_shares(s, s, 1_000_000).unwrap(), 1_000_000);
        // An attacker holding 1 unit's shares when the value jumps by 1_000_000 (had it been
        // countable) still leaves the next depositor almost all of their value.
        let attacker = shares_for_deposit(1, 0, 0).unwrap();
        let victim = shares_for_deposit(1_000_000, attacker, 1_000_001).unwrap();
        let back = amount_for_shares(victim, attacker + victim, 2_000_001).unwrap();
        assert!(back >= 999_000, "{back}");
    }

    #[test]
    fn profit_beyond_the_cap_is_scaled_down_pro_rata() {
        assert_eq!(capped_profit(100, 400, 200).unwrap(), 50);
        assert_eq!(capped_profit(100, 150, 200).unwrap(), 100);
        assert_eq!(capped_profit(-100, 400, 200).unwrap(), -100);
    }

    #[test]
    fn a_deposit_that_raises_the_profit_cap_pays_for_the_liability_it_adds() {
        // Traders are 900 up against a 50% cap on a 1,000 pool: 500 is counted.
        let b = PoolBook {
            capital: 1_000_000,
            trader_pnl_worst: 900_000,
            trader_pnl_best: 900_000,
            max_pnl_to_pool_ppm: 500_000,
            ..Default::default()
        };
        let shares = 1_000_000_000;
        let minted = shares_for_deposit_into(&b, 1_000_000, shares).unwrap();
        // The deposit lifts the counted liability from 500 to 900: it adds 600, not 1,000.
        assert_eq!(
            minted,
            shares_for_deposit(600_000, shares, 500_000).unwrap()
        );
    }

    #[test]
    fn no_deposit_lowers_an_existing_share_of_either_bound() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        for _ in 0..20_000 {
            let b = PoolBook {
                capital: next(10_000_000_000) as i64,
                pending: next(1_000_000_000) as i64 - 500_000_000,
                trader_pnl_worst: next(8_000_000_000) as i64 - 2_000_000_000,
                trader_pnl_best: 0,
                max_pnl_to_pool_ppm: 1 + next(1_000_000) as u32,
                bad_debt: next(500_000_000),
            };
            let b = PoolBook {
                trader_pnl_best: b.trader_pnl_worst - next(1_000_000_000) as i64,
                ..b
            };
            let shares = 1 + next(10_000_000_000_000) as u128;
            let amount = next(5_000_000_000);
            let before = pool_value(&b).unwrap();
            if before.min == 0 {
                continue;
            }
            let minted = shares_for_deposit_into(&b, amount, shares).unwrap();
            let after = pool_value(&PoolBook {
                capital: b.capital + amount as i64,
                ..b
            })
            .unwrap();
            // value per share with the virtual offsets, as the pricing uses them
            let per = |v: u64, s: u128| {
                (
                    v as u128 + VIRTUAL_ASSETS as u128,
                    s + VIRTUAL_SHARES as u128,
                )
            };
            for (v0, v1) in [(before.min, after.min), (before.max, after.max)] {
                let (a0, s0) = per(v0, shares);
                let (a1, s1) = per(v1, shares + minted);
                assert!(
                    a1 * s0 >= a0 * s1,
                    "{b:?} deposit {amount}: {v0}/{shares} -> {v1}/{}",
                    shares + minted
                );
            }
        }
    }

    #[test]
    fn withdrawals_judge_the_reserve_over_the_whole_pool() {
        // Two 50% markets on a 1,000 pool: one holding 250 of reserve needs 500 behind it.
        assert!(pool_reserves_allow(&[(250, 500_000), (0, 500_000)], 500).unwrap());
        assert!(!pool_reserves_allow(&[(250, 500_000), (0, 500_000)], 499).unwrap());
        // Both markets full: the whole 1,000 is needed.
        assert!(pool_reserves_allow(&[(250, 500_000), (250, 500_000)], 1_000).unwrap());
        assert!(!pool_reserves_allow(&[(250, 500_000), (250, 500_000)], 999).unwrap());
        assert!(pool_reserves_allow(&[], 0).unwrap());
    }
}
