//! Fixed-point quantities and checked arithmetic.
//!
//! One precision per quantity:
//!
//! | quantity | type | scale |
//! |---|---|---|
//! | price (quote per base unit, USD or collateral) and its confidence | `u64` | [`PRICE_SCALE`] = 1e9 |
//! | ratio, fraction, limit expressed relative to a price | `u32`/`u64` | [`PPM`] = 1e6 (parts per million) |
//! | base quantity (position size, open interest) | `i64`/`u64` | [`BASE_SCALE`] = 1e9 atoms per whole unit |
//! | collateral amount (balances, notional, PnL, fees) | `u64`/`i64` | the collateral token's smallest unit |
//! | time | `i64` | unix seconds |
//! | slots | `u64` | slots |
//!
//! Every operation that can fail returns [`EngineResult`] with the caller's location.
//! Rounding is part of each function's name (`_floor`, `_ceil`); callers pick the direction
//! that favours the protocol.

use crate::divide::{div_rem_i128_u64, div_rem_u128_u64};
use crate::error::{EngineError, EngineResult};

/// Scale of prices and confidences: 1.0 = 1_000_000_000.
pub const PRICE_SCALE: u64 = 1_000_000_000;
/// Decimal exponent of [`PRICE_SCALE`].
pub const PRICE_DECIMALS: i32 = 9;
/// Scale of ratios: 1.0 = 1_000_000 (parts per million).
pub const PPM: u64 = 1_000_000;
/// Base atoms per whole base unit: sizes are `i64` atoms, 1 SOL = 1_000_000_000.
pub const BASE_SCALE: u64 = 1_000_000_000;

/// Signed value of `base` atoms at `price` (1e-9 collateral per whole unit), in the
/// collateral's smallest unit (`decimals` of the mint), rounded towards negative infinity
/// (an asset is never overstated, a liability never understated).
#[track_caller]
pub fn value_floor(base: i64, price: u64, decimals: u8) -> EngineResult<i64> {
    value(base, price, decimals, false)
}

/// As [`value_floor`], rounded towards positive infinity.
#[track_caller]
pub fn value_ceil(base: i64, price: u64, decimals: u8) -> EngineResult<i64> {
    value(base, price, decimals, true)
}

/// Unsigned notional of `|base|` at `price`, rounded up (requirements, caps and fees are
/// never understated).
#[track_caller]
pub fn notional_ceil(base: i64, price: u64, decimals: u8) -> EngineResult<u64> {
    let v = value(
        base.checked_abs()
            .ok_or_else(|| EngineError::math("notional: abs"))?,
        price,
        decimals,
        true,
    )?;
    Ok(v as u64)
}

#[track_caller]
fn value(base: i64, price: u64, decimals: u8, ceil: bool) -> EngineResult<i64> {
    let prod = (base as i128)
        .checked_mul(price as i128)
        .ok_or_else(|| EngineError::math("value: mul"))?;
    let shift = (2 * PRICE_DECIMALS as u32)
        .checked_sub(decimals as u32)
        .ok_or_else(|| EngineError::math("value: decimals"))?;
    let d = pow10(shift)? as i128;
    let q = if ceil {
        div_ceil_i128(prod, d)
    } else {
        div_floor_i128(prod, d)
    };
    i64::try_from(q).map_err(|_| EngineError::math("value: cast"))
}

/// Signed division rounded towards negative infinity (`d > 0`).
pub fn div_floor_i128(n: i128, d: i128) -> i128 {
    let (q, r) = div_rem_i128(n, d);
    if r != 0 && n < 0 {
        q - 1
    } else {
        q
    }
}

/// `(n / d, n % d)`, truncating; divisors that fit 64 bits take the VM's 64-bit division
/// ([`crate::divide`]), the rest the compiler's.
fn div_rem_i128(n: i128, d: i128) -> (i128, i128) {
    match u64::try_from(d) {
        Ok(d64) if d64 > 0 => div_rem_i128_u64(n, d64),
        _ => (n / d, n % d),
    }
}

/// As [`div_rem_i128`], unsigned.
fn div_rem_u128(n: u128, d: u128) -> (u128, u128) {
    match u64::try_from(d) {
        Ok(d64) if d64 > 0 => {
            let (q, r) = div_rem_u128_u64(n, d64);
            (q, r as u128)
        }
        _ => (n / d, n % d),
    }
}

/// `n / d` truncating towards zero, exactly as `/` (panics on `d == 0`), cheaper on the VM
/// when `d` fits 64 bits.
pub fn div_trunc_i128(n: i128, d: i128) -> i128 {
    div_rem_i128(n, d).0
}

/// `n / d` rounded down, exactly as `/` (panics on `d == 0`), cheaper on the VM when `d`
/// fits 64 bits.
pub fn div_u128(n: u128, d: u128) -> u128 {
    div_rem_u128(n, d).0
}

/// `n / d` rounded up, exactly as `u128::div_ceil` (panics on `d == 0`), cheaper on the VM
/// when `d` fits 64 bits.
pub fn div_ceil_u128(n: u128, d: u128) -> u128 {
    let (q, r) = div_rem_u128(n, d);
    q + (r != 0) as u128
}

/// Signed division rounded towards positive infinity (`d > 0`).
pub fn div_ceil_i128(n: i128, d: i128) -> i128 {
    let (q, r) = div_rem_i128(n, d);
    if r != 0 && n > 0 {
        q + 1
    } else {
        q
    }
}

/// `a * b / d` on signed values, rounded towards negative infinity.
#[track_caller]
pub fn mul_div_floor_i64(a: i64, b: i64, d: i64) -> EngineResult<i64> {
    if d <= 0 {
        return Err(EngineError::math("mul_div_floor_i64: divisor"));
    }
    i64::try_from(div_floor_i128(a as i128 * b as i128, d as i128))
        .map_err(|_| EngineError::math("mul_div_floor_i64: cast"))
}

/// `a * b / d` on signed values, rounded towards positive infinity.
#[track_caller]
pub fn mul_div_ceil_i64(a: i64, b: i64, d: i64) -> EngineResult<i64> {
    if d <= 0 {
        return Err(EngineError::math("mul_div_ceil_i64: divisor"));
    }
    i64::try_from(div_ceil_i128(a as i128 * b as i128, d as i128))
        .map_err(|_| EngineError::math("mul_div_ceil_i64: cast"))
}

/// Checked signed addition.
#[track_caller]
pub fn add_i64(a: i64, b: i64) -> EngineResult<i64> {
    a.checked_add(b).ok_or_else(|| EngineError::math("add_i64"))
}

/// Checked signed subtraction.
#[track_caller]
pub fn sub_i64(a: i64, b: i64) -> EngineResult<i64> {
    a.checked_sub(b).ok_or_else(|| EngineError::math("sub_i64"))
}

/// Checked unsigned addition.
#[track_caller]
pub fn add_u64(a: u64, b: u64) -> EngineResult<u64> {
    a.checked_add(b).ok_or_else(|| EngineError::math("add_u64"))
}

/// Checked unsigned subtraction.
#[track_caller]
pub fn sub_u64(a: u64, b: u64) -> EngineResult<u64> {
    a.checked_sub(b).ok_or_else(|| EngineError::math("sub_u64"))
}

/// Checked cast of an unsigned amount to signed.
#[track_caller]
pub fn to_i64(a: u64) -> EngineResult<i64> {
    i64::try_from(a).map_err(|_| EngineError::math("to_i64"))
}

/// `a * b / d`, rounded down. Fails on division by zero or if the result exceeds `u64`.
#[track_caller]
pub fn mul_div_floor(a: u64, b: u64, d: u64) -> EngineResult<u64> {
    if d == 0 {
        return Err(EngineError::math("mul_div_floor: div by zero"));
    }
    let (q, _) = div_rem_u128_u64((a as u128) * (b as u128), d);
    u64::try_from(q).map_err(|_| EngineError::math("mul_div_floor: cast"))
}

/// `a * b / d`, rounded up. Fails on division by zero or if the result exceeds `u64`.
#[track_caller]
pub fn mul_div_ceil(a: u64, b: u64, d: u64) -> EngineResult<u64> {
    if d == 0 {
        return Err(EngineError::math("mul_div_ceil: div by zero"));
    }
    let (q, r) = div_rem_u128_u64((a as u128) * (b as u128), d);
    let q = q + (r != 0) as u128;
    u64::try_from(q).map_err(|_| EngineError::math("mul_div_ceil: cast"))
}

/// Checked addition.
#[track_caller]
pub fn add(a: u64, b: u64) -> EngineResult<u64> {
    a.checked_add(b).ok_or_else(|| EngineError::math("add"))
}

/// Checked subtraction.
#[track_caller]
pub fn sub(a: u64, b: u64) -> EngineResult<u64> {
    a.checked_sub(b).ok_or_else(|| EngineError::math("sub"))
}

/// `|a - b|`.
pub fn abs_diff(a: u64, b: u64) -> u64 {
    a.abs_diff(b)
}

/// `x * PPM / base` rounded up: how large `x` is relative to `base`, in ppm.
/// Rounding up makes a deviation or confidence look (slightly) worse, never better.
#[track_caller]
pub fn ratio_ppm_ceil(x: u64, base: u64) -> EngineResult<u64> {
    if base == 0 {
        return Err(EngineError::math("ratio_ppm_ceil: div by zero"));
    }
    let (q, r) = div_rem_u128_u64(x as u128 * PPM as u128, base);
    let q = q + (r != 0) as u128;
    Ok(u64::try_from(q).unwrap_or(u64::MAX))
}

/// `value * ppm / PPM` rounded up (a tolerance or floor derived from a price).
#[track_caller]
pub fn apply_ppm_ceil(value: u64, ppm: u64) -> EngineResult<u64> {
    mul_div_ceil(value, ppm, PPM)
}

/// `value * ppm / PPM` rounded down.
#[track_caller]
pub fn apply_ppm_floor(value: u64, ppm: u64) -> EngineResult<u64> {
    mul_div_floor(value, ppm, PPM)
}

/// Powers of ten that fit in `u128`, `10^0 ..= 10^38`.
#[track_caller]
pub fn pow10(exp: u32) -> EngineResult<u128> {
    POW10
        .get(exp as usize)
        .copied()
        .ok_or_else(|| EngineError::math("pow10"))
}

/// `10^0 ..= 10^38`, computed once at compile time (a table read instead of a loop of
/// 128-bit multiplications on the VM).
const POW10: [u128; 39] = {
    let mut t = [1u128; 39];
    let mut i = 1;
    while i < 39 {
        t[i] = t[i - 1] * 10;
        i += 1;
    }
    t
};

/// Rescales a non-negative `mantissa * 10^exponent` to [`PRICE_SCALE`], rounded down.
/// Fails when the mantissa is negative or the result exceeds `u64`.
#[track_caller]
pub fn to_price_floor(mantissa: i128, exponent: i32) -> EngineResult<u64> {
    rescale(mantissa, exponent, false)
}

/// Rescales a non-negative `mantissa * 10^exponent` to [`PRICE_SCALE`], rounded up
/// (used for confidences, so uncertainty is never understated).
#[track_caller]
pub fn to_price_ceil(mantissa: i128, exponent: i32) -> EngineResult<u64> {
    rescale(mantissa, exponent, true)
}

#[track_caller]
fn rescale(mantissa: i128, exponent: i32, round_up: bool) -> EngineResult<u64> {
    let m = u128::try_from(mantissa).map_err(|_| EngineError::math("rescale: negative"))?;
    let shift = exponent
        .checked_add(PRICE_DECIMALS)
        .ok_or_else(|| EngineError::math("rescale: exponent"))?;
    let scaled = if shift >= 0 {
        m.checked_mul(pow10(shift as u32)?)
            .ok_or_else(|| EngineError::math("rescale: mul"))?
    } else {
        let d = pow10(shift.unsigned_abs())?;
        if round_up {
            div_ceil_u128(m, d)
        } else {
            div_u128(m, d)
        }
    };
    u64::try_from(scaled).map_err(|_| EngineError::math("rescale: cast"))
}

/// Floor of the square root of `x` (integer Newton iteration; exact for every `u128`).
pub fn isqrt_floor(x: u128) -> u128 {
    if x < 2 {
        return x;
    }
    let mut r = 1u128 << ((128 - x.leading_zeros()).div_ceil(2));
    loop {
        let next = (r + div_u128(x, r)) / 2;
        if next >= r {
            return r;
        }
        r = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mul_div_rounds_as_named() {
        assert_eq!(mul_div_floor(10, 1, 3).unwrap(), 3);
        assert_eq!(mul_div_ceil(10, 1, 3).unwrap(), 4);
        assert_eq!(mul_div_ceil(9, 1, 3).unwrap(), 3);
    }

    #[test]
    fn math_errors_say_where() {
        let err = mul_div_floor(1, 1, 0).unwrap_err();
        match err {
            EngineError::Math { op, file, line } => {
                assert!(op.contains("div by zero"));
                assert!(file.ends_with("num.rs"));
                assert!(line > 0);
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(mul_div_floor(u64::MAX, u64::MAX, 1).is_err());
    }

    #[test]
    fn rescale_between_exponents() {
        // Pyth -8 -> 1e9: multiply by 10.
        assert_eq!(to_price_floor(14_061_593_700, -8).unwrap(), 140_615_937_000);
        // Switchboard 1e18 -> 1e9, rounding named.
        assert_eq!(
            to_price_floor(155_594_045_270_000_000_001, -18).unwrap(),
            155_594_045_270
        );
        assert_eq!(
            to_price_ceil(155_594_045_270_000_000_001, -18).unwrap(),
            155_594_045_271
        );
        assert!(to_price_floor(-1, -8).is_err());
        assert!(to_price_floor(1, 30).is_err());
    }

    #[test]
    fn value_rounds_as_named() {
        // 1.5 SOL at 150.000000001 USDC (6 decimals): 225.0000000015 -> 225_000_000 down, _001 up.
        let base = 1_500_000_000;
        let price = 150_000_000_001;
        assert_eq!(value_floor(base, price, 6).unwrap(), 225_000_000);
        assert_eq!(value_ceil(base, price, 6).unwrap(), 225_000_001);
        assert_eq!(value_floor(-base, price, 6).unwrap(), -225_000_001);
        assert_eq!(value_ceil(-base, price, 6).unwrap(), -225_000_000);
        assert_eq!(notional_ceil(-base, price, 6).unwrap(), 225_000_001);
        assert_eq!(mul_div_floor_i64(-7, 1, 2).unwrap(), -4);
        assert_eq!(mul_div_ceil_i64(-7, 1, 2).unwrap(), -3);
        assert!(value_floor(i64::MAX, u64::MAX, 6).is_err());
    }

    #[test]
    fn isqrt_is_floor() {
        for x in 0u128..2000 {
            let r = isqrt_floor(x);
            assert!(r * r <= x && (r + 1) * (r + 1) > x, "{x}");
        }
        assert_eq!(isqrt_floor(u128::MAX), u64::MAX as u128);
    }
}
