//! Trading fees and their split into the market's sub-ledgers.

use crate::error::EngineResult;
use crate::num::{apply_ppm_ceil, mul_div_floor, PPM};

stored_block! {
    /// Fee parameters of a market (ppm).
    pub struct FeeParams {
        /// Fee on traded notional.
        pub taker_fee_ppm: u32,
        /// Share of each fee to the pool.
        pub pool_share_ppm: u32,
        /// Share of each fee to the insurance fund.
        pub insurance_share_ppm: u32,
        /// Share of each fee to the protocol (the three shares sum to 1_000_000).
        pub protocol_share_ppm: u32,
    }
}

/// A fee split into its destinations.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FeeSplit {
    /// Whole fee charged to the trader, rounded up.
    pub total: u64,
    /// Pool's share, rounded down.
    pub pool: u64,
    /// Insurance fund's share, rounded down.
    pub insurance: u64,
    /// Protocol's share, rounded down.
    pub protocol: u64,
    /// What the three floors left over; kept in the market's dust ledger.
    pub dust: u64,
}

/// Fee on `notional` (rounded up) and its split (each share rounded down; the remainder is
/// dust, a named ledger, so `pool + insurance + protocol + dust == total` exactly).
pub fn trading_fee(notional: u64, p: &FeeParams) -> EngineResult<FeeSplit> {
    let total = apply_ppm_ceil(notional, p.taker_fee_ppm as u64)?;
    split(total, p)
}

/// Splits an amount by the fee shares.
pub fn split(total: u64, p: &FeeParams) -> EngineResult<FeeSplit> {
    let pool = mul_div_floor(total, p.pool_share_ppm as u64, PPM)?;
    let insurance = mul_div_floor(total, p.insurance_share_ppm as u64, PPM)?;
    let protocol = mul_div_floor(total, p.protocol_share_ppm as u64, PPM)?;
    let dust = total - pool - insurance - protocol;
    Ok(FeeSplit {
        total,
        pool,
        insurance,
        protocol,
        dust,
    })
}

/// True when the shares sum to exactly one.
pub fn shares_sum_to_one(p: &FeeParams) -> bool {
    p.pool_share_ppm as u64 + p.insurance_share_ppm as u64 + p.protocol_share_ppm as u64 == PPM
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fee_rounds_up_and_the_split_leaves_named_dust() {
        let p = FeeParams {
            taker_fee_ppm: 700,
            pool_share_ppm: 700_000,
            insurance_share_ppm: 200_000,
            protocol_share_ppm: 100_000,
        };
        // 1_234_567 * 0.0007 = 864.1969 -> 865
        let f = trading_fee(1_234_567, &p).unwrap();
        assert_eq!(f.total, 865);
        assert_eq!((f.pool, f.insurance, f.protocol), (605, 173, 86));
        assert_eq!(f.dust, 1);
        assert!(shares_sum_to_one(&p));
    }
}
