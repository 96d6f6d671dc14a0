//! One liquidation stage: refused unless the market's state allows liquidation, the account
//! has a position there and the stored price is usable for it; then funding accrues and
//! settles, and part of the position closes at that price with the escalating penalty, the
//! waterfall (the penalty is waived beyond what the account still has) and the keeper's
//! reward, topped up by the insurance fund to the minimum at most once an episode.

use super::{AccountCore, OpClock};
use crate::action::Action;
use crate::checked::{cast, Checked};
use crate::error::{EngineError, EngineResult, Refused};
use crate::liquidation::{
    penalty_ppm, stage_of, stage_payments, KeeperReward, LiquidationParams, StagePosition,
    TopUpLimits,
};
use crate::margin::{health, Health, HealthKind, MarketMargin};
use crate::market::MarketCore;
use crate::position::{apply_fill, Position};
use crate::state::Op;

/// What a stage did (collateral units unless said).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LiquidationOutcome {
    /// The price it closed at (1e-9 collateral per unit).
    pub price: u64,
    /// Base atoms closed.
    pub closed_base: u64,
    pub realized_pnl: i64,
    pub penalty_rate_ppm: u64,
    pub penalty_charged: u64,
    /// Owed to the keeper's account (its share plus any advanced top-up).
    pub reward: u64,
    pub insurance_share: u64,
    /// Advanced by the market for the insurance fund to reach the minimum reward.
    pub insurance_advanced: u64,
    /// The stage restored maintenance plus buffer.
    pub restored: bool,
}

/// A stage's bounds: the most it may close, and the part of the insurance fund's balance
/// this market may advance against (balance / market count, so every market together never
/// advances more than the fund holds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StageLimits {
    pub max_base: u64,
    pub fund_share: u64,
}

impl AccountCore {
    /// `liquidate`'s whole effect on the account and `m` (see the module doc). `others` gives
    /// the account's positions in other markets with their margin views, read after funding
    /// settles. The keeper's reward is returned, not credited (the caller owns the keeper's
    /// account).
    pub fn liquidate<E: From<EngineError>>(
        &mut self,
        m: &mut MarketCore,
        others: impl FnOnce(&AccountCore) -> Result<Vec<(Position, MarketMargin)>, E>,
        limits: StageLimits,
        at: OpClock,
        decimals: u8,
    ) -> Result<LiquidationOutcome, E> {
        let (slot, price) = self.begin_stage(m, at, decimals)?;
        let others = others(self)?;
        self.liquidation_stage(m, slot, &others, price, limits, at, decimals)
    }

    /// The state, the position and the price allow a stage; funding accrues and settles.
    /// Returns the position's slot and the price.
    fn begin_stage(
        &mut self,
        m: &mut MarketCore,
        at: OpClock,
        decimals: u8,
    ) -> EngineResult<(usize, u64)> {
        m.require_allowed(Op::Liquidate)?;
        let slot = self.slot_of(m.index).ok_or(Refused::NoPosition)?;
        let price = m.price_for(Action::Liquidate, at.slot, at.now)?;
        m.accrue_funding(at.now, true, decimals)?;
        self.settle_funding(slot, m, decimals)?;
        Ok((slot, price))
    }

    /// Liquidates part of the position in `slot` at `price`: `positions` are the account's
    /// other markets' positions with their margin views. Refuses a healthy account and a
    /// `max_base` below the stage's minimum (the least that restores maintenance). Generic in
    /// the caller's error type so the outcome is built in place (no copy converting it).
    #[allow(clippy::too_many_arguments)]
    fn liquidation_stage<E: From<EngineError>>(
        &mut self,
        m: &mut MarketCore,
        slot: usize,
        positions: &[(Position, MarketMargin)],
        price: u64,
        limits: StageLimits,
        at: OpClock,
        decimals: u8,
    ) -> Result<LiquidationOutcome, E> {
        // Health is a sum over positions: the others are valued once, the liquidated
        // position before, during and after the stage.
        let others = health(0, positions, HealthKind::Maintenance)?;
        let position = self.positions[slot].position();
        let market = m.margin(&self.positions[slot], price, decimals, at.slot)?;
        let on = StagePosition {
            position,
            market: &market,
            others: &others,
        };
        if on.health_at(self.collateral, &position)?.is_healthy() {
            return Err(Refused::NotLiquidatable.into_err());
        }
        let params = m.params.liquidation;
        let (start, rate) = self.escalation(m, &params, at.slot);
        let s = stage_of(
            self.collateral,
            on,
            rate,
            m.params.trade.lot_base,
            limits.max_base,
            &params,
        )?;
        if s.close == 0 {
            return Err(Refused::ZeroSize.into_err());
        }
        if limits.max_base < s.min_close {
            return Err(Refused::StageBelowMinimum.into_err());
        }
        let close: i64 = cast(s.close)?;
        let delta = if position.base > 0 { -close } else { close };
        let fill = apply_fill(position, delta, price, decimals)?;
        let after_pnl = self.collateral.plus(fill.realized_pnl)?;
        // Waterfall: the penalty is waived beyond what the account still has. One health of the
        // account after the fill serves the waterfall and the recovery test
        // (`end_or_continue_episode`; equity is linear in collateral, the requirement does not
        // depend on it).
        let h_after = on.health_at(after_pnl, &fill.position)?;
        let (charged, left, r) = self.stage_payments(
            m,
            limits.fund_share,
            s.penalty,
            after_pnl,
            h_after.equity,
            at.now,
        )?;
        self.liquidation.floor_paid = 1;

        self.set_liquidated_position(m, slot, fill.position)?;
        self.collateral = left.minus(cast(r.from_account)?)?;
        m.book_liquidation(fill.realized_pnl, charged, &r, at.now)?;

        self.recognise_deficit(m)?;
        self.liquidation.last_market = m.index;
        self.end_or_continue_episode(m.index, s.restores, h_after, after_pnl, start)?;
        Ok(LiquidationOutcome {
            price,
            closed_base: s.close,
            realized_pnl: fill.realized_pnl,
            penalty_rate_ppm: rate,
            penalty_charged: charged,
            reward: r.total(),
            insurance_share: r.insurance_share,
            insurance_advanced: r.from_insurance,
            restored: s.restores,
        })
    }

    /// The liquidation episode's escalation clock start and the penalty rate it has reached
    /// at `now_slot`.
    fn escalation(
        &mut self,
        m: &MarketCore,
        params: &LiquidationParams,
        now_slot: u64,
    ) -> (u64, u64) {
        // A new episode starts when no liquidation is in progress: its escalation clock and
        // its one minimum-reward floor.
        let clock_now = m.priced_clock(now_slot, true);
        let continuing = self.liquidation.active == 1 && self.liquidation.market == m.index;
        let start = if continuing {
            self.liquidation.start_clock
        } else {
            clock_now
        };
        if self.liquidation.active == 0 {
            self.liquidation.floor_paid = 0;
        }
        let rate = penalty_ppm(params, clock_now.saturating_sub(start));
        (start, rate)
    }

    /// After a stage in market `market_index`: the episode ends when the stage restored the
    /// account, when it recovered, or when it holds no position; otherwise it runs on from
    /// `start`. `h_after` is the maintenance health after the fill, at collateral
    /// `after_pnl`.
    fn end_or_continue_episode(
        &mut self,
        market_index: u16,
        restores: bool,
        h_after: Health,
        after_pnl: i64,
        start: u64,
    ) -> EngineResult<()> {
        // Recovery (maintenance met again, buffer or not) ends the liquidation and its
        // escalation: the health after the fill, less what the account paid since.
        let paid = after_pnl.minus(self.collateral)?;
        let recovered = Health {
            equity: h_after.equity.minus(paid)?,
            ..h_after
        }
        .is_healthy();
        if restores || recovered || self.is_flat() {
            self.liquidation.active = 0;
        } else {
            self.liquidation.active = 1;
            self.liquidation.market = market_index;
            self.liquidation.start_clock = start;
        }
        Ok(())
    }

    /// A stage's payments through the engine (`liquidation::stage_payments`): the penalty
    /// charged, the collateral left, and the keeper's reward with the fund's top-up bounded by
    /// the market's share of the fund, its insurance income and coverage window.
    fn stage_payments(
        &self,
        m: &MarketCore,
        fund_share: u64,
        penalty: u64,
        after_pnl: i64,
        equity_after: i64,
        now: i64,
    ) -> EngineResult<(u64, i64, KeeperReward)> {
        let limits = TopUpLimits {
            fund_share,
            fee_insurance: m.ledgers.fee_insurance,
            advanced: m.ledgers.insurance_debt,
            window_left: m.coverage_left(now),
        };
        let floor_due = self.liquidation.floor_paid == 0;
        let params = m.params.liquidation;
        let p = stage_payments(
            penalty,
            after_pnl,
            equity_after,
            floor_due,
            &limits,
            &params,
        )?;
        Ok((p.charged, p.left, p.reward))
    }

    /// Writes the liquidated position `new` into slot `slot` and `m`'s book.
    fn set_liquidated_position(
        &mut self,
        m: &mut MarketCore,
        slot: usize,
        new: Position,
    ) -> EngineResult<()> {
        let old = self.positions[slot].position();
        let mut book = m.book;
        book.replace(&old, &new)?;
        m.book = book;
        let slot_ref = &mut self.positions[slot];
        slot_ref.base = new.base;
        slot_ref.cost = new.cost;
        if new.base == 0 {
            slot_ref.last_increase_slot = 0;
        }
        Ok(())
    }
}
