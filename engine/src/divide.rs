//! Division of 128-bit values by divisors that fit in 64 bits, built from 64-bit divisions.
//!
//! The SBF VM divides 64-bit integers in one instruction but has no 128-bit division: the
//! compiler's `__udivti3`/`__divti3` runtime calls are general and cost hundreds of compute
//! units each, and the engine's hottest paths (valuing a position, a fill, a requirement)
//! divide a 128-bit product by a price scale or a size. These functions give exactly the
//! results of `/` and `%` on `u128`/`i128` (truncating), with the 64-bit instruction doing the
//! work: schoolbook division in 32-bit digits with a normalised divisor (Knuth's algorithm D
//! for two digits, as in Hacker's Delight's `divlu`). The tests compare them with the
//! compiler's operators on edge and random values.

/// `(n / d, n % d)` for a divisor `d > 0` (panics on `d == 0`, as `/` does).
#[inline]
pub fn div_rem_u128_u64(n: u128, d: u64) -> (u128, u64) {
    let (hi, lo) = ((n >> 64) as u64, n as u64);
    if hi == 0 {
        return ((lo / d) as u128, lo % d);
    }
    let (q_hi, r_hi) = (hi / d, hi % d);
    let (q_lo, r) = div_two_words(r_hi, lo, d);
    (((q_hi as u128) << 64) | q_lo as u128, r)
}

/// `(n / d, n % d)` on signed `n`, truncating towards zero as `/` and `%` do, for a divisor
/// `d > 0`. The remainder has the sign of `n`.
#[inline]
pub fn div_rem_i128_u64(n: i128, d: u64) -> (i128, i128) {
    let (q, r) = div_rem_u128_u64(n.unsigned_abs(), d);
    // q <= |n| <= 2^127; wrapping negation maps 2^127 to i128::MIN exactly.
    if n < 0 {
        ((q as i128).wrapping_neg(), -(r as i128))
    } else {
        (q as i128, r as i128)
    }
}

/// `floor(a · b / d)` exactly, for any `a`, `b` and `d > 0`: the product is formed in 256
/// bits. `None` when the quotient does not fit `u128`. A product that fits 128 bits takes
/// [`div_rem_u128_u64`]'s path when `d` fits 64 bits; a wider one is divided bit by bit (128
/// steps: for share arithmetic, not hot paths).
pub fn mul_div_floor_u128(a: u128, b: u128, d: u128) -> Option<u128> {
    assert!(d != 0, "mul_div_floor_u128: division by zero");
    if let Some(n) = a.checked_mul(b) {
        return Some(match u64::try_from(d) {
            Ok(d64) => div_rem_u128_u64(n, d64).0,
            Err(_) => n / d,
        });
    }
    let (hi, lo) = mul_wide(a, b);
    if hi >= d {
        return None;
    }
    // Restoring division of hi·2^128 + lo by d, with hi < d: one quotient bit per step.
    let (mut r, mut q) = (hi, 0u128);
    for i in (0..128).rev() {
        let carry = r >> 127;
        r = (r << 1) | ((lo >> i) & 1);
        q <<= 1;
        if carry == 1 || r >= d {
            r = r.wrapping_sub(d);
            q |= 1;
        }
    }
    Some(q)
}

/// The 256-bit product of `a` and `b` as (high, low) 128-bit halves.
fn mul_wide(a: u128, b: u128) -> (u128, u128) {
    const LOW: u128 = u64::MAX as u128;
    let (a1, a0) = (a >> 64, a & LOW);
    let (b1, b0) = (b >> 64, b & LOW);
    let (p00, p01, p10, p11) = (a0 * b0, a0 * b1, a1 * b0, a1 * b1);
    // Middle column: the carries of p00's high half and the two cross products' low halves.
    let mid = (p00 >> 64) + (p01 & LOW) + (p10 & LOW);
    let lo = (mid << 64) | (p00 & LOW);
    let hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
    (hi, lo)
}

/// Divides the two-word value `hi·2^64 + lo` by `d`, given `hi < d` (so the quotient fits
/// one word): returns (quotient, remainder).
fn div_two_words(hi: u64, lo: u64, d: u64) -> (u64, u64) {
    const HALF: u64 = 1 << 32;
    const LOW: u64 = HALF - 1;
    // Normalise: the divisor's top bit set, the dividend shifted alike (no bits lost: hi < d).
    let s = d.leading_zeros();
    let d = d << s;
    let (d1, d0) = (d >> 32, d & LOW);
    let top = if s == 0 {
        hi
    } else {
        (hi << s) | (lo >> (64 - s))
    };
    let low = lo << s;
    let (l1, l0) = (low >> 32, low & LOW);
    let q1 = quotient_digit(top, l1, d1, d0);
    // The partial remainder fits one word: top·2^32 + l1 − q1·d < d.
    let mid = top
        .wrapping_shl(32)
        .wrapping_add(l1)
        .wrapping_sub(q1.wrapping_mul(d));
    let q0 = quotient_digit(mid, l0, d1, d0);
    let rem = mid
        .wrapping_shl(32)
        .wrapping_add(l0)
        .wrapping_sub(q0.wrapping_mul(d));
    ((q1 << 32) | q0, rem >> s)
}

/// One 32-bit digit of the quotient of `(num·2^32 + next) / (d1·2^32 + d0)`, with the divisor
/// normalised (`d1 >= 2^31`) and `num < d1·2^32 + d0`: the estimate `num / d1` is at most two
/// too large, and is corrected while it overshoots.
fn quotient_digit(num: u64, next: u64, d1: u64, d0: u64) -> u64 {
    const HALF: u64 = 1 << 32;
    let mut q = num / d1;
    let mut r = num - q * d1;
    while q >= HALF || q * d0 > (r << 32 | next) {
        q -= 1;
        r += d1;
        if r >= HALF {
            break;
        }
    }
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    /// splitmix64, so a failure replays.
    fn next(state: &mut u64) -> u64 {
        *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = *state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn check(n: u128, d: u64) {
        assert_eq!(
            div_rem_u128_u64(n, d),
            (n / d as u128, (n % d as u128) as u64),
            "{n} / {d}"
        );
        for s in [n as i128, (n as i128).wrapping_neg()] {
            assert_eq!(
                div_rem_i128_u64(s, d),
                (s / d as i128, s % d as i128),
                "{s} / {d}"
            );
        }
    }

    #[test]
    fn equals_the_compiler_s_division_on_edges() {
        let edges = [
            0u128,
            1,
            u64::MAX as u128,
            u64::MAX as u128 + 1,
            u128::MAX,
            u128::MAX - 1,
            1 << 127,
            (1 << 127) - 1,
            10u128.pow(38),
            (u64::MAX as u128) * (u64::MAX as u128),
        ];
        let divisors = [
            1u64,
            2,
            3,
            10,
            1 << 31,
            (1 << 32) - 1,
            1 << 32,
            (1 << 32) + 1,
            1_000_000,
            1_000_000_000_000,
            1 << 63,
            (1 << 63) - 1,
            u64::MAX,
            u64::MAX - 1,
        ];
        for n in edges {
            for d in divisors {
                check(n, d);
                check(n.wrapping_add(d as u128), d);
                check(n.wrapping_sub(d as u128), d);
            }
        }
    }

    /// `q·d + r == a·b` with `r < d`, checked in 256 bits: the wide division's own oracle.
    fn check_mul_div(a: u128, b: u128, d: u128) {
        let Some(q) = mul_div_floor_u128(a, b, d) else {
            // The quotient does not fit: a·b >= 2^128·d.
            let (hi, _) = mul_wide(a, b);
            assert!(hi >= d, "{a}·{b}/{d} refused");
            return;
        };
        let (qh, ql) = mul_wide(q, d);
        let (ph, pl) = mul_wide(a, b);
        // r = a·b − q·d, which must be in [0, d).
        let (rl, borrow) = pl.overflowing_sub(ql);
        let rh = ph.wrapping_sub(qh).wrapping_sub(borrow as u128);
        assert!(rh == 0 && rl < d, "{a}·{b}/{d} = {q}");
    }

    #[test]
    fn the_wide_mul_div_is_exact() {
        let mut state = 11u64;
        let edges = [
            0u128,
            1,
            2,
            u64::MAX as u128,
            1 << 64,
            u128::MAX,
            u128::MAX - 1,
            1 << 127,
        ];
        for a in edges {
            for b in edges {
                for d in [1u128, 3, u64::MAX as u128, 1 << 64, u128::MAX, 1 << 127] {
                    check_mul_div(a, b, d);
                }
            }
        }
        for _ in 0..50_000 {
            let mut wide = || {
                ((next(&mut state) as u128) << 64 | next(&mut state) as u128)
                    >> (next(&mut state) % 128)
            };
            let (a, b, d) = (wide(), wide(), wide().max(1));
            check_mul_div(a, b, d);
            if let Some(n) = a.checked_mul(b) {
                assert_eq!(mul_div_floor_u128(a, b, d), Some(n / d));
            }
        }
    }

    #[test]
    fn equals_the_compiler_s_division_on_random_values() {
        let mut state = 7u64;
        for _ in 0..200_000 {
            let n = ((next(&mut state) as u128) << 64 | next(&mut state) as u128)
                >> (next(&mut state) % 128);
            let d = (next(&mut state) >> (next(&mut state) % 64)).max(1);
            check(n, d);
        }
    }
}
