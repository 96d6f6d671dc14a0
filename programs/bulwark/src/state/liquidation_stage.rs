//! One liquidation stage: what `liquidate` does to the account and its market once the price
//! and the account's other positions are known, in one place the program and the stress
//! simulator share.

use anchor_lang::prelude::*;
use bulwark_engine::action::{price_for_action, Action};
use bulwark_engine::liquidation::{penalty_ppm, split_penalty, stage};
use bulwark_engine::margin::{health, HealthKind, MarketMargin};
use bulwark_engine::position::{apply_fill, Position};

use crate::error::{engine_err, refusal_err, BulwarkError};
use crate::instructions::common::funding::settle_funding;
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
    /// their margin views (read after funding settles). Returns the price and the stage.
    #[allow(clippy::too_many_arguments)]
    pub fn liquidate(
        &mut self,
        m: &mut Market,
        others: impl FnOnce(&MarginAccount) -> Result<Vec<(Position, MarketMargin)>>,
        fund_balance: u64,
        max_base: u64,
        now_slot: u64,
        now: i64,
        decimals: u8,
    ) -> Result<(u64, LiquidationOutcome)> {
        m.require_allowed(bulwark_engine::state::Op::Liquidate)?;
        let slot = self.slot_of(m.index).ok_or(BulwarkError::NoPosition)?;
        let price = price_for_action(
            Action::Liquidate,
            &m.stored_price(),
            now_slot,
            now,
            &m.age_limits(),
        )
        .map_err(refusal_err)?;
        m.accrue_funding(now, true, decimals)?;
        settle_funding(self, slot, m, decimals)?;
        let others = others(self)?;
        let out =
            self.liquidation_stage(m, others, price, fund_balance, max_base, now_slot, decimals)?;
        Ok((price, out))
    }

    /// Liquidates part of this account's position in `m` at `price`: `positions` are the
    /// account's other markets' positions with their margin views; `fund_balance` bounds the
    /// minimum-reward top-up. Refuses a healthy account. The keeper's reward is returned, not
    /// credited (the caller owns the keeper's account).
    #[allow(clippy::too_many_arguments)]
    pub fn liquidation_stage(
        &mut self,
        m: &mut Market,
        mut positions: Vec<(Position, MarketMargin)>,
        price: u64,
        fund_balance: u64,
        max_base: u64,
        now_slot: u64,
        decimals: u8,
    ) -> Result<LiquidationOutcome> {
        let slot = self.slot_of(m.index).ok_or(BulwarkError::NoPosition)?;
        let index = positions.len();
        positions.push((
            self.positions[slot].position(),
            m.margin(&self.positions[slot], price, decimals, now_slot)
                .map_err(engine_err)?,
        ));
        let h = health(self.collateral, &positions, HealthKind::Maintenance).map_err(engine_err)?;
        require!(!h.is_healthy(), BulwarkError::NotLiquidatable);

        // Escalation runs on the market's priced-slot clock from the liquidation's start.
        let clock_now = m.priced_clock(now_slot, true);
        let continuing = self.in_liquidation == 1 && self.liq_market == m.index;
        let start = if continuing {
            self.liq_start_clock
        } else {
            clock_now
        };
        let params = m.liquidation_params();
        let rate = penalty_ppm(&params, clock_now.saturating_sub(start));
        let s = stage(
            self.collateral,
            &positions,
            index,
            rate,
            m.lot_base,
            max_base,
            &params,
        )
        .map_err(engine_err)?;
        require!(s.close > 0, BulwarkError::ZeroSize);

        let p = self.positions[slot];
        let delta = if p.base > 0 {
            -(s.close as i64)
        } else {
            s.close as i64
        };
        let fill = apply_fill(p.position(), delta, price, decimals).map_err(engine_err)?;
        let after_pnl = self
            .collateral
            .checked_add(fill.realized_pnl)
            .ok_or(BulwarkError::MathError)?;
        // Waterfall: the penalty is waived beyond what the account still has.
        let charged = s.penalty.min(after_pnl.max(0) as u64);
        let (keeper_part, insurance_part) = split_penalty(charged, &params).map_err(engine_err)?;
        let available =
            (fund_balance + m.fee_insurance + insurance_part).saturating_sub(m.insurance_debt);
        let top_up = params
            .min_keeper_reward
            .saturating_sub(keeper_part)
            .min(available);
        let reward = keeper_part + top_up;

        let new = fill.position;
        let mut book = m.book();
        book.replace(&p.position(), &new).map_err(engine_err)?;
        m.set_book(&book);
        let slot_ref = &mut self.positions[slot];
        slot_ref.base = new.base;
        slot_ref.cost = new.cost;
        if new.base == 0 {
            slot_ref.last_increase_slot = 0;
        }
        self.collateral = after_pnl - charged as i64;
        m.pnl_pending = m
            .pnl_pending
            .checked_sub(fill.realized_pnl)
            .ok_or(BulwarkError::MathError)?;
        m.fee_insurance = m
            .fee_insurance
            .checked_add(insurance_part)
            .ok_or(BulwarkError::MathError)?;
        m.insurance_debt = m
            .insurance_debt
            .checked_add(top_up)
            .ok_or(BulwarkError::MathError)?;
        let flow = fill.realized_pnl - charged as i64 + reward as i64;
        m.trader_flow = m
            .trader_flow
            .checked_add(flow)
            .ok_or(BulwarkError::MathError)?;

        self.last_liq_market = m.index;
        // Recovery (maintenance met again, buffer or not) ends the liquidation and its escalation.
        positions[index].0 = new;
        let recovered = health(self.collateral, &positions, HealthKind::Maintenance)
            .map_err(engine_err)?
            .is_healthy();
        if s.restores || recovered || self.positions.iter().all(|p| p.base == 0) {
            self.in_liquidation = 0;
        } else {
            self.in_liquidation = 1;
            self.liq_market = m.index;
            self.liq_start_clock = start;
        }
        Ok(LiquidationOutcome {
            closed_base: s.close,
            realized_pnl: fill.realized_pnl,
            penalty_rate_ppm: rate,
            penalty_charged: charged,
            reward,
            insurance_share: insurance_part,
            insurance_advanced: top_up,
            restored: s.restores,
        })
    }
}
