//! What a liquidation stage pays, after its fill: the penalty the account can bear, the
//! collateral left, and the keeper's reward with the insurance fund's top-up bounded by what
//! the fund may advance for this market.

use super::{chargeable_penalty, keeper_reward, split_penalty, KeeperReward, LiquidationParams};
use crate::checked::{cast, Checked};
use crate::error::EngineResult;

/// What the insurance fund may advance for one market's keeper rewards (collateral units).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TopUpLimits {
    /// The market's share of the fund.
    pub fund_share: u64,
    /// Insurance income the market holds, not yet swept.
    pub fee_insurance: u64,
    /// What the fund already advanced for the market, not yet swept.
    pub advanced: u64,
    /// What the market's coverage window still allows.
    pub window_left: u64,
}

impl TopUpLimits {
    /// The fund's most for this stage: its share plus the insurance income held (with this
    /// stage's `insurance_share`) net of what it advanced, and no more than the window allows.
    pub fn available(&self, insurance_share: u64) -> u64 {
        let held = (u128::from(self.fund_share)
            + u128::from(self.fee_insurance)
            + u128::from(insurance_share))
        .saturating_sub(u128::from(self.advanced));
        u64::try_from(held)
            .unwrap_or(u64::MAX)
            .min(self.window_left)
    }
}

/// A stage's payments.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StagePayments {
    /// The penalty charged ([`chargeable_penalty`]).
    pub charged: u64,
    /// The account's collateral after the fill and the penalty (before its keeper top-up).
    pub left: i64,
    pub reward: KeeperReward,
}

/// The payments of a stage whose fill left the account `after_pnl` collateral and
/// `equity_after` maintenance equity: the penalty waived beyond both, then the keeper's reward
/// ([`keeper_reward`]), its floor (when `floor_due`) paid by the account only while its
/// collateral and equity last, the rest advanced by the fund within `limits`.
pub fn stage_payments(
    penalty: u64,
    after_pnl: i64,
    equity_after: i64,
    floor_due: bool,
    limits: &TopUpLimits,
    params: &LiquidationParams,
) -> EngineResult<StagePayments> {
    let charged = chargeable_penalty(penalty, after_pnl, equity_after);
    let charged_signed: i64 = cast(charged)?;
    let left = after_pnl.minus(charged_signed)?;
    let (_, insurance_share) = split_penalty(charged, params)?;
    let available = limits.available(insurance_share);
    let payable = left.min(equity_after.saturating_sub(charged_signed));
    let reward = keeper_reward(charged, payable, floor_due, available, params)?;
    Ok(StagePayments {
        charged,
        left,
        reward,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> LiquidationParams {
        LiquidationParams {
            keeper_share_ppm: 500_000,
            min_keeper_reward: 1_000,
            ..Default::default()
        }
    }

    #[test]
    fn a_solvent_account_pays_its_penalty_and_the_keepers_floor() {
        let limits = TopUpLimits {
            window_left: u64::MAX,
            ..Default::default()
        };
        let p = stage_payments(400, 10_000, 9_000, true, &limits, &params()).unwrap();
        assert_eq!((p.charged, p.left), (400, 9_600));
        assert_eq!(p.reward.penalty_share, 200);
        assert_eq!(p.reward.from_account, 800, "the account tops its keeper up");
        assert_eq!(p.reward.from_insurance, 0);
    }

    #[test]
    fn under_water_the_fund_tops_up_within_its_limits() {
        let limits = TopUpLimits {
            fund_share: 500,
            fee_insurance: 100,
            advanced: 200,
            window_left: 10_000,
        };
        let p = stage_payments(400, 50, -20, true, &limits, &params()).unwrap();
        assert_eq!(p.charged, 0, "no equity: penalty waived");
        assert_eq!(p.left, 50);
        assert_eq!(
            p.reward.from_account, 0,
            "its collateral belongs to its losses"
        );
        assert_eq!(p.reward.from_insurance, 400, "500 + 100 - 200 held");
        let tight = TopUpLimits {
            window_left: 150,
            ..limits
        };
        let p = stage_payments(400, 50, -20, true, &tight, &params()).unwrap();
        assert_eq!(p.reward.from_insurance, 150, "the window caps the advance");
    }
}
