//! Skew funding through a cumulative index per market (SPEC section 5). Longs pay shorts when
//! longs outweigh shorts (and the other way); the pool absorbs the imbalance, since each side
//! settles its own positions against the pool.

use crate::error::{EngineError, EngineResult};
use crate::num::{div_ceil_i128, div_trunc_i128, pow10, value_floor, PPM, PRICE_DECIMALS};

/// Seconds per funding period (rates are per day).
pub const FUNDING_PERIOD_SECS: i64 = 86_400;

stored_block! {
    /// Funding parameters.
    pub struct FundingParams {
        /// Skew notional (collateral units) at which the rate reaches `funding_k_ppm`.
        pub funding_depth: u64,
        /// Rate per day in ppm at a skew equal to `funding_depth`: rate = k · skew / depth.
        pub funding_k_ppm: u32,
        /// The rate's magnitude is capped at this, ppm per day.
        pub max_funding_rate_ppm: u32,
    }
}

stored_block! {
    /// A market's funding clock and cumulative index.
    pub struct FundingState {
        /// Cumulative index, 1e-9 collateral per whole base unit; longs pay as it rises.
        pub index: i64,
        /// Unix time of the last accrual.
        pub last_time: i64,
        /// The rate of the last accrual, ppm per day.
        pub rate_ppm: i64,
        /// Remainder the last accrual rounded off, in 1/(1e6 · 86_400) index units
        /// ([`index_step`]): frequent accruals lose nothing.
        pub carry: i64,
    }
}

impl FundingState {
    /// Accrues funding from `last_time` up to `now` at `price` (1e-9 collateral per base
    /// unit) on the book's skew; the clock moves to `now` in every case. Nothing accrues while
    /// `frozen` (no usable price, or the market settling: the elapsed time is skipped), for
    /// a zero price or a clock that did not advance. Returns the index delta (rounded by
    /// [`index_step`], its remainder carried).
    pub fn accrue(
        &mut self,
        now: i64,
        frozen: bool,
        price: u64,
        book: &crate::trade::MarketBook,
        decimals: u8,
        p: &FundingParams,
    ) -> EngineResult<i64> {
        let elapsed = now.saturating_sub(self.last_time);
        self.last_time = now;
        if frozen || elapsed <= 0 || price == 0 {
            return Ok(0);
        }
        let rate = funding_rate_ppm(book.long_oi, book.short_oi, price, decimals, p)?;
        let step = index_step(price, rate, elapsed, self.carry)?;
        self.carry = step.carry;
        self.rate_ppm = rate;
        self.index = crate::checked::Checked::plus(self.index, step.delta)?;
        Ok(step.delta)
    }
}

/// Funding rate in ppm per day for a skew of `long_oi − short_oi` atoms at `price`; positive:
/// longs pay. Rounded towards zero, then capped.
pub fn funding_rate_ppm(
    long_oi: u64,
    short_oi: u64,
    price: u64,
    decimals: u8,
    p: &FundingParams,
) -> EngineResult<i64> {
    if p.funding_depth == 0 {
        return Ok(0);
    }
    let skew = long_oi as i128 - short_oi as i128;
    let skew = i64::try_from(skew).map_err(|_| EngineError::math("skew"))?;
    let notional = value_floor(skew, price, decimals)? as i128;
    let rate = div_trunc_i128(notional * p.funding_k_ppm as i128, p.funding_depth as i128);
    let cap = p.max_funding_rate_ppm as i128;
    Ok(rate.clamp(-cap, cap) as i64)
}

/// Index increase for `elapsed` seconds at `rate_ppm` per day and `price`: collateral at 1e-9
/// per whole base unit (the price scale), rounded towards zero. One accrual with nothing
/// carried: markets accrue through [`index_step`], which carries what this drops.
pub fn index_delta(price: u64, rate_ppm: i64, elapsed: i64) -> EngineResult<i64> {
    Ok(index_step(price, rate_ppm, elapsed, 0)?.delta)
}

/// Denominator of an index step: ppm times seconds per period. The carried remainder is in
/// index units divided by this.
pub const INDEX_STEP_DENOMINATOR: i64 = PPM as i64 * FUNDING_PERIOD_SECS;

/// One accrual of the funding index, with the remainder to carry to the next.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IndexStep {
    /// Index increase (collateral at 1e-9 per whole base unit), rounded towards zero.
    pub delta: i64,
    /// What the rounding left, in 1/[`INDEX_STEP_DENOMINATOR`] index units;
    /// |carry| < [`INDEX_STEP_DENOMINATOR`].
    pub carry: i64,
}

/// Index increase for `elapsed` seconds at `rate_ppm` per day and `price`, with `carry` (the
/// remainder left by the previous step) added first:
/// delta = trunc((price · rate · elapsed + carry) / (1e6 · 86_400)), the rest carried on.
///
/// Path independence: whatever the split of an interval into accruals (and whatever the rate
/// does between them), Σ delta · D + last carry = Σ price · rate · elapsed exactly, so the
/// index after many accruals is within one unit of one accrual over the whole interval, and
/// equal to it while the rate keeps one sign. `elapsed ≤ 0` changes nothing.
pub fn index_step(price: u64, rate_ppm: i64, elapsed: i64, carry: i64) -> EngineResult<IndexStep> {
    if elapsed <= 0 {
        return Ok(IndexStep { delta: 0, carry });
    }
    let d = INDEX_STEP_DENOMINATOR as i128;
    let total = price as i128 * rate_ppm as i128 * elapsed as i128 + carry as i128;
    let delta = total / d;
    Ok(IndexStep {
        delta: i64::try_from(delta).map_err(|_| EngineError::math("index_step"))?,
        carry: (total - delta * d) as i64,
    })
}

/// Funding a position of `base` atoms owes between index `from` and `to` (collateral units;
/// positive = it pays), rounded up: payers pay the unit, receivers forgo it.
pub fn funding_owed(base: i64, from: i64, to: i64, decimals: u8) -> EngineResult<i64> {
    let delta = to as i128 - from as i128;
    let scale = pow10(
        (2 * PRICE_DECIMALS as u32)
            .checked_sub(decimals as u32)
            .ok_or_else(|| EngineError::math("decimals"))?,
    )? as i128;
    let owed = div_ceil_i128(base as i128 * delta, scale);
    i64::try_from(owed).map_err(|_| EngineError::math("funding_owed"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOL: u64 = 1_000_000_000;
    const P: FundingParams = FundingParams {
        funding_k_ppm: 1_000,
        funding_depth: 1_000_000_000_000,
        max_funding_rate_ppm: 3_000,
    };

    #[test]
    fn the_rate_follows_the_skew_and_is_capped() {
        // 1,000 SOL net long at 150 = 150,000 USDC = 1.5e11 units; 1000 ppm * 1.5e11 / 1e12 = 150 ppm/day.
        assert_eq!(
            funding_rate_ppm(1_000 * SOL, 0, 150_000_000_000, 6, &P).unwrap(),
            150
        );
        assert_eq!(
            funding_rate_ppm(0, 1_000 * SOL, 150_000_000_000, 6, &P).unwrap(),
            -150
        );
        assert_eq!(
            funding_rate_ppm(1_000_000 * SOL, 0, 150_000_000_000, 6, &P).unwrap(),
            3_000
        );
    }

    #[test]
    fn owed_rounds_against_the_position_on_both_sides() {
        // 150 ppm/day at 150 for one hour: 150e9 * 150 * 3600 / (1e6 * 86400) = 937_500 (1e-9 per SOL).
        let d = index_delta(150_000_000_000, 150, 3_600).unwrap();
        assert_eq!(d, 937_500);
        // A 10 SOL long pays 10 * 0.0009375 = 0.009375 USDC = 9_375 units exactly.
        assert_eq!(funding_owed(10 * SOL as i64, 0, d, 6).unwrap(), 9_375);
        assert_eq!(funding_owed(-10 * SOL as i64, 0, d, 6).unwrap(), -9_375);
        // 1 atom: the long pays a whole unit, the short receives nothing.
        assert_eq!(funding_owed(1, 0, d, 6).unwrap(), 1);
        assert_eq!(funding_owed(-1, 0, d, 6).unwrap(), 0);
    }

    #[test]
    fn second_by_second_accruals_carry_what_each_one_drops() {
        // $0.05, 500 ppm/day: 0.289 index units a second, 173.6 over 600 s.
        let (price, rate) = (50_000_000, 500);
        assert_eq!(index_delta(price, rate, 1).unwrap(), 0);
        assert_eq!(index_delta(price, rate, 600).unwrap(), 173);
        let mut step = IndexStep::default();
        let mut index = 0;
        for _ in 0..600 {
            step = index_step(price, rate, 1, step.carry).unwrap();
            index += step.delta;
        }
        assert_eq!(index, 173);
        assert_eq!(
            step.carry,
            50_000_000 * 500 * 600 - 173 * INDEX_STEP_DENOMINATOR
        );
        // Nothing elapsed: nothing moves, the carry stays.
        assert_eq!(
            index_step(price, rate, 0, 7).unwrap(),
            IndexStep { delta: 0, carry: 7 }
        );
    }
}
