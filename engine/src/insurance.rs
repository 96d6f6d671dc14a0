//! The insurance fund: staker shares (virtual offsets, internal balance), unstaking through a
//! cooldown that still bears losses, coverage capped per market per time window, and the
//! bankruptcy split between the fund and the pool's LPs (SPEC section 6).

use crate::checked::cast;
use crate::error::EngineResult;
use crate::market_params::InsuranceParams;
use crate::pool::amount_for_shares;

stored_block! {
    /// A market's insurance coverage window.
    pub struct CoverageWindow {
        /// Unix time the current window opened.
        pub start: i64,
        /// Covered so far in it, collateral units.
        pub covered: u64,
    }
}

impl CoverageWindow {
    /// What the fund may still cover for the market at `now` under `p` (the window rolls
    /// over once `insurance_window_secs` have passed), collateral units.
    pub fn remaining(&self, now: i64, p: &InsuranceParams) -> u64 {
        window_remaining(self, now, p.insurance_window_secs, p.insurance_window_cap).0
    }

    /// Counts `amount` (collateral units) covered at `now` against the window, rolling it
    /// first when it has run out. Checked.
    pub fn count(&mut self, amount: u64, now: i64, p: &InsuranceParams) -> EngineResult<()> {
        let (_, current) =
            window_remaining(self, now, p.insurance_window_secs, p.insurance_window_cap);
        *self = CoverageWindow {
            start: current.start,
            covered: crate::checked::Checked::plus(current.covered, amount)?,
        };
        Ok(())
    }
}

/// What the fund may still cover for a market at `now`: the window resets after
/// `window_secs`. Returns (remaining, window as of now).
pub fn window_remaining(
    w: &CoverageWindow,
    now: i64,
    window_secs: u32,
    cap: u64,
) -> (u64, CoverageWindow) {
    let current = if crate::window::has_ended(w.start, now, i64::from(window_secs)) {
        CoverageWindow {
            start: now,
            covered: 0,
        }
    } else {
        *w
    };
    (cap.saturating_sub(current.covered), current)
}

/// How a deficit is covered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cover {
    /// Paid by the insurance fund: min(deficit, window remaining, fund balance).
    pub insurance: u64,
    /// The rest, socialised to the pool's LPs.
    pub socialized: u64,
}

impl Cover {
    /// Pays the cover: the fund's `fund_balance` falls by the insurance part (its cumulative
    /// `fund_paid` rises by it), the pool's `pool_capital` by the socialised part (its
    /// cumulative `pool_socialized` rises by it). Checked; nothing written unless every step
    /// succeeds.
    pub fn pay(
        &self,
        fund_balance: &mut u64,
        fund_paid: &mut u64,
        pool_capital: &mut i64,
        pool_socialized: &mut u64,
    ) -> EngineResult<()> {
        use crate::checked::Checked;
        let balance = fund_balance.minus(self.insurance)?;
        let paid = fund_paid.plus(self.insurance)?;
        let capital = pool_capital.minus(cast(self.socialized)?)?;
        let socialized = pool_socialized.plus(self.socialized)?;
        (*fund_balance, *fund_paid) = (balance, paid);
        (*pool_capital, *pool_socialized) = (capital, socialized);
        Ok(())
    }
}

/// Splits a bankrupt account's deficit.
pub fn cover_deficit(deficit: u64, fund_balance: u64, window_remaining: u64) -> Cover {
    let insurance = deficit.min(fund_balance).min(window_remaining);
    Cover {
        insurance,
        socialized: deficit - insurance,
    }
}

/// Payout of an unstake: min(value of the shares at the request, value now), rounded down.
pub fn unstake_payout(
    shares: u128,
    total_shares: u128,
    balance_now: u64,
    value_at_request: u64,
) -> EngineResult<u64> {
    Ok(amount_for_shares(shares, total_shares, balance_now)?.min(value_at_request))
}

/// The insurance fund's value for stakers leaving (collateral units, floored at zero): its
/// balance less the minimum rewards markets advanced on its behalf (`advanced`) and every
/// account's unresolved negative collateral (`pending_bad_debt`, counted whole: the fund may
/// have to cover all of it), so nobody exits ahead of a loss the fund already owes.
pub fn fund_exit_value(balance: u64, advanced: u64, pending_bad_debt: u64) -> u64 {
    balance
        .saturating_sub(advanced)
        .saturating_sub(pending_bad_debt)
}

/// A market's sweep into the insurance fund: the fund's `balance` plus the market's insurance
/// fees (`fees`) less what the fund advanced for it (`advanced`, keeper rewards). Returns the
/// fund's new balance (floored at zero) and the shortfall below zero, which the pool pays
/// (collateral units; exact, no rounding).
pub fn sweep_into_fund(balance: u64, fees: u64, advanced: u64) -> EngineResult<(u64, i64)> {
    let after = i128::from(balance) + i128::from(fees) - i128::from(advanced);
    Ok((cast(after.max(0))?, cast((-after).max(0))?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sweep_floors_the_fund_at_zero_and_the_pool_pays_the_rest() {
        assert_eq!(sweep_into_fund(100, 20, 30), Ok((90, 0)));
        assert_eq!(sweep_into_fund(10, 5, 40), Ok((0, 25)));
        assert_eq!(sweep_into_fund(0, 0, 0), Ok((0, 0)));
        assert!(
            sweep_into_fund(0, 0, u64::MAX).is_err(),
            "a shortfall beyond i64 is refused"
        );
    }

    #[test]
    fn coverage_is_capped_per_window_and_the_window_resets() {
        let w = CoverageWindow {
            start: 1_000,
            covered: 700,
        };
        assert_eq!(window_remaining(&w, 1_500, 3_600, 1_000), (300, w));
        assert_eq!(
            window_remaining(&w, 4_600, 3_600, 1_000),
            (
                1_000,
                CoverageWindow {
                    start: 4_600,
                    covered: 0
                }
            )
        );
    }

    #[test]
    fn the_fund_pays_the_least_of_deficit_window_and_balance() {
        assert_eq!(
            cover_deficit(500, 10_000, 300),
            Cover {
                insurance: 300,
                socialized: 200
            }
        );
        assert_eq!(
            cover_deficit(500, 100, 300),
            Cover {
                insurance: 100,
                socialized: 400
            }
        );
        assert_eq!(
            cover_deficit(50, 100, 300),
            Cover {
                insurance: 50,
                socialized: 0
            }
        );
    }

    #[test]
    fn an_unstake_pays_the_lower_of_request_and_payout_value() {
        // 1e6 shares of 2e6 (+1e6 virtual) with the fund at 3,000: 1e6 * 3001 / 3e6 = 1000.
        assert_eq!(
            unstake_payout(1_000_000, 2_000_000, 3_000, 1_200).unwrap(),
            1_000
        );
        assert_eq!(
            unstake_payout(1_000_000, 2_000_000, 3_000, 800).unwrap(),
            800
        );
    }
}
