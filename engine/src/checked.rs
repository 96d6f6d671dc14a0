//! Checked arithmetic and casts as one call that says where it failed: `a.plus(b)?`,
//! `a.minus(b)?`, `a.times(b)?`, `cast::<i64, _>(x)?`. A failure (overflow, underflow, a value
//! the target type cannot hold) is [`EngineError::Math`] carrying the caller's file and line
//! (`#[track_caller]`), so a money write is one line and its failure is located.

use crate::error::{EngineError, EngineResult};

/// Checked `+`, `-` and `*` that fail with the caller's location.
pub trait Checked: Sized + Copy {
    /// `self + rhs`.
    #[track_caller]
    fn plus(self, rhs: Self) -> EngineResult<Self>;
    /// `self - rhs`.
    #[track_caller]
    fn minus(self, rhs: Self) -> EngineResult<Self>;
    /// `self * rhs`.
    #[track_caller]
    fn times(self, rhs: Self) -> EngineResult<Self>;
}

macro_rules! checked_ops {
    ($($t:ty),*) => {$(
        impl Checked for $t {
            #[track_caller]
            #[inline]
            fn plus(self, rhs: Self) -> EngineResult<Self> {
                match self.checked_add(rhs) {
                    Some(v) => Ok(v),
                    None => Err(EngineError::math("add")),
                }
            }
            #[track_caller]
            #[inline]
            fn minus(self, rhs: Self) -> EngineResult<Self> {
                match self.checked_sub(rhs) {
                    Some(v) => Ok(v),
                    None => Err(EngineError::math("sub")),
                }
            }
            #[track_caller]
            #[inline]
            fn times(self, rhs: Self) -> EngineResult<Self> {
                match self.checked_mul(rhs) {
                    Some(v) => Ok(v),
                    None => Err(EngineError::math("mul")),
                }
            }
        }
    )*};
}

checked_ops!(u8, u16, u32, u64, u128, i32, i64, i128);

/// `value` as a `T`, or a math error at the caller's location when `T` cannot hold it.
#[track_caller]
#[inline]
pub fn cast<T: TryFrom<U>, U>(value: U) -> EngineResult<T> {
    match T::try_from(value) {
        Ok(v) => Ok(v),
        Err(_) => Err(EngineError::math("cast")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_names_the_operation_and_the_callers_line() {
        let line = line!() + 1;
        let e = u64::MAX.plus(1).unwrap_err();
        assert_eq!(
            e,
            EngineError::Math {
                op: "add",
                file: file!(),
                line
            }
        );
        assert!(matches!(
            0u64.minus(1),
            Err(EngineError::Math { op: "sub", .. })
        ));
        assert!(matches!(
            i64::MIN.times(-1),
            Err(EngineError::Math { op: "mul", .. })
        ));
        assert!(matches!(
            cast::<i64, u64>(u64::MAX),
            Err(EngineError::Math { op: "cast", .. })
        ));
    }

    #[test]
    fn in_range_results_are_exact() {
        assert_eq!(7i64.plus(-9), Ok(-2));
        assert_eq!(7u128.minus(7), Ok(0));
        assert_eq!((-3i128).times(4), Ok(-12));
        assert_eq!(cast::<u32, i64>(42), Ok(42u32));
    }
}
