//! One liquidation stage: what `liquidate` does to the account and its market once the price
//! and the account's other positions are known, in one place the program and the stress
//! simulator share.

use crate::error::OrMath;
use anchor_lang::prelude::*;
use bulwark_engine::action::{price_for_action, Action};
use bulwark_engine::checked::cast;
use bulwark_engine::liquidation::{
    penalty_ppm, stage_of, stage_payments, KeeperReward, StagePosition, TopUpLimits,
};
use bulwark_engine::margin::{health, Health, HealthKind, MarketMargin};
use bulwark_engine::num::{add_i64, sub_i64};
use bulwark_engine::position::{apply_fill, Position};

use crate::error::{engine_err, refusal_err, BulwarkError};
use crate::state::{MarginAccount, Market};

/// What a stage did (collateral units unless said).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LiquidationOutcome {
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

impl MarginAccount {
    /// `liquidate`'s whole effect on the account and `m`: refused unless `m`'s state allows
    /// liquidation, the account has a position there and the stored price is usable for it;
    /// then funding accrues to `now` and this position settles it, and one stage runs at that
    /// price (`liquidation_stage`). `others` gives the account's positions in other markets with
    /// their margin views (read after funding settles). `fund_share` is the part of the
    /// insurance fund's balance this market may advance against (balance / market count, so
    /// every market together never advances more than the fund holds). Returns the price and
    /// the stage.
    #[allow(clippy::too_many_arguments)]
    pub fn liquidate(
        &mut self,
        m: &mut Market,
        others: impl FnOnce(&MarginAccount) -> Result<Vec<(Position, MarketMargin)>>,
        fund_share: u64,
        max_base: u64,
        now_slot: u64,
        now: i64,
        decimals: u8,
    ) -> Result<(u64, LiquidationOutcome)> {
        m.require_allowed(bulwark_engine::state::Op::Liquidate)?;
        let slot = self.slot_of(m.index).ok_or(BulwarkError::NoPosition)?;
        let price = price_for_action(
            Action::Liquidate,
            &m.aggregate.stored_price(),
            now_slot,
            now,
            &m.params.ages,
        )
        .map_err(refusal_err)?;
        m.accrue_funding(now, true, decimals)?;
        self.settle_funding(slot, m, decimals)?;
        let others = others(self)?;
        let at = StageClock {
            slot: now_slot,
            now,
        };
        let out = self.liquidation_stage(m, others, price, fund_share, max_base, at, decimals)?;
        Ok((price, out))
    }

    /// Liquidates part of this account's position in `m` at `price`: `positions` are the
    /// account's other markets' positions with their margin views; `fund_share` bounds the
    /// minimum-reward top-up (with the market's insurance window). Refuses a healthy account
    /// and a `max_base` below the stage's minimum (the least that restores maintenance). The
    /// keeper's reward is returned, not credited (the caller owns the keeper's account).
    #[allow(clippy::too_many_arguments)]
    pub fn liquidation_stage(
        &mut self,
        m: &mut Market,
        positions: Vec<(Position, MarketMargin)>,
        price: u64,
        fund_share: u64,
        max_base: u64,
        at: StageClock,
        decimals: u8,
    ) -> Result<LiquidationOutcome> {
        let slot = self.slot_of(m.index).ok_or(BulwarkError::NoPosition)?;
        // Health is a sum over positions: the others are valued once, the liquidated
        // position before, during and after the stage.
        let others = health(0, &positions, HealthKind::Maintenance).map_err(engine_err)?;
        let position = self.positions[slot].position();
        let market = m
            .margin(&self.positions[slot], price, decimals, at.slot)
            .map_err(engine_err)?;
        let on = StagePosition {
            position,
            market: &market,
            others: &others,
        };
        require!(
            !on.health_at(self.collateral, &position)
                .map_err(engine_err)?
                .is_healthy(),
            BulwarkError::NotLiquidatable
        );

        let params = m.params.liquidation;
        let (start, rate) = self.escalation(m, &params, at.slot);
        let s = stage_of(
            self.collateral,
            on,
            rate,
            m.params.trade.lot_base,
            max_base,
            &params,
        )
        .map_err(engine_err)?;
        require!(s.close > 0, BulwarkError::ZeroSize);
        require!(max_base >= s.min_close, BulwarkError::StageBelowMinimum);

        let close: i64 = cast(s.close).or_math()?;
        let delta = if position.base > 0 { -close } else { close };
        let fill = apply_fill(position, delta, price, decimals).map_err(engine_err)?;
        let after_pnl = add_i64(self.collateral, fill.realized_pnl).map_err(engine_err)?;
        // Waterfall: the penalty is waived beyond what the account still has. One health of the
        // account after the fill serves the waterfall and the recovery test
        // (`end_or_continue_episode`; equity is linear in collateral, the requirement does not
        // depend on it).
        let h_after = on
            .health_at(after_pnl, &fill.position)
            .map_err(engine_err)?;
        let equity_after = h_after.equity;
        let (charged, left, r) =
            self.stage_payments(m, fund_share, s.penalty, after_pnl, equity_after, at.now)?;
        self.liquidation.floor_paid = 1;

        self.set_liquidated_position(m, slot, fill.position)?;
        self.collateral = sub_i64(left, cast(r.from_account).or_math()?).map_err(engine_err)?;
        m.book_liquidation(fill.realized_pnl, charged, &r, at.now)?;

        self.recognise_deficit(m)?;
        self.liquidation.last_market = m.index;
        self.end_or_continue_episode(m.index, s.restores, h_after, after_pnl, start)?;
        Ok(LiquidationOutcome {
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
        m: &Market,
        params: &bulwark_engine::liquidation::LiquidationParams,
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
    ) -> Result<()> {
        // Recovery (maintenance met again, buffer or not) ends the liquidation and its escalation:
        // the health after the fill, less what the account paid since.
        let paid = sub_i64(after_pnl, self.collateral).map_err(engine_err)?;
        let recovered = Health {
            equity: sub_i64(h_after.equity, paid).map_err(engine_err)?,
            ..h_after
        }
        .is_healthy();
        if restores || recovered || self.positions.iter().all(|p| p.base == 0) {
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
        m: &Market,
        fund_share: u64,
        penalty: u64,
        after_pnl: i64,
        equity_after: i64,
        now: i64,
    ) -> Result<(u64, i64, KeeperReward)> {
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
        )
        .map_err(engine_err)?;
        Ok((p.charged, p.left, p.reward))
    }

    /// Writes the liquidated position `new` into slot `slot` and `m`'s book.
    fn set_liquidated_position(
        &mut self,
        m: &mut Market,
        slot: usize,
        new: Position,
    ) -> Result<()> {
        let old = self.positions[slot].position();
        let mut book = m.book;
        book.replace(&old, &new).map_err(engine_err)?;
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

/// The time a stage runs at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StageClock {
    pub slot: u64,
    /// Unix seconds (the insurance coverage window).
    pub now: i64,
}

impl Market {
    /// What the insurance fund may still cover for this market at `now`.
    pub fn coverage_left(&self, now: i64) -> u64 {
        self.coverage.remaining(now, &self.params.insurance)
    }

    /// Counts `amount` paid by the insurance fund for this market at `now` against its
    /// coverage window.
    pub fn count_coverage(&mut self, amount: u64, now: i64) -> Result<()> {
        self.coverage
            .count(amount, now, &self.params.insurance)
            .map_err(engine_err)
    }

    /// Books a liquidation stage's money into the market's sub-ledgers
    /// (`MarketLedgers::book_liquidation`) and counts the fund's minimum-reward advance against
    /// the coverage window at `now`.
    pub fn book_liquidation(
        &mut self,
        realized_pnl: i64,
        charged: u64,
        r: &KeeperReward,
        now: i64,
    ) -> Result<()> {
        self.ledgers
            .book_liquidation(realized_pnl, charged, r)
            .map_err(engine_err)?;
        self.count_coverage(r.from_insurance, now)
    }
}
