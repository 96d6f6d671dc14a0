//! One trade: what `trade` does to the account and its market once the signer is checked, in
//! one place the program and the stress simulator share.

use anchor_lang::prelude::*;
use bulwark_engine::action::{price_for_action, Action};
use bulwark_engine::margin::{health, within_leverage, HealthKind, MarketMargin};
use bulwark_engine::position::Position;
use bulwark_engine::state::{pause, Op};
use bulwark_engine::trade::{is_increase, trade, TradeInput, TradeOutcome};

use crate::error::{engine_err, refusal_err, trade_rejection_err, BulwarkError};
use crate::state::{Exchange, LiquidityPool, MarginAccount, Market};

impl MarginAccount {
    /// Trades `base_delta` in `m` against the pool up to `limit_price`: refused when the state,
    /// the exchange's pause or the price's age forbids it; funding accrues and settles first;
    /// the engine prices and checks the fill; an increase must leave the initial margin and the
    /// leverage cap intact over this position and `others` (the account's positions in other
    /// markets with their margin views, asked for only on increases). Returns the outcome and
    /// the funding the position paid (negative = received).
    #[allow(clippy::too_many_arguments)]
    pub fn trade_in(
        &mut self,
        m: &mut Market,
        exchange: &Exchange,
        pool: &LiquidityPool,
        others: impl FnOnce(&MarginAccount) -> Result<Vec<(Position, MarketMargin)>>,
        base_delta: i64,
        limit_price: u64,
        now_slot: u64,
        now: i64,
        decimals: u8,
    ) -> Result<(TradeOutcome, i64)> {
        let slot = match self.slot_of(m.index) {
            Some(s) => s,
            None => self.free_slot().ok_or(BulwarkError::TooManyPositions)?,
        };
        if self.positions[slot].base == 0 {
            self.positions[slot] = Default::default();
            self.positions[slot].funding_snapshot = m.funding.index;
        }
        let increases = is_increase(&self.positions[slot].position(), base_delta);
        m.require_allowed(if increases {
            Op::TradeIncrease
        } else {
            Op::TradeReduce
        })?;
        if increases {
            exchange.require_not_paused(pause::TRADE_INCREASE, now)?;
        }
        let action = if increases {
            Action::IncreaseRisk
        } else {
            Action::ReduceRisk
        };
        let (stored, ages) = (m.aggregate.stored_price(), &m.params.ages);
        let price = price_for_action(action, &stored, now_slot, now, ages).map_err(refusal_err)?;

        // Funding accrues before open interest changes, and this position settles it first.
        m.accrue_funding(now, true, decimals)?;
        let funding_paid = self.settle_funding(slot, m, decimals)?;
        let current = self.positions[slot];

        let (pool_value_part, profit_cap) = pool
            .trade_limits(exchange.live_market_count())
            .map_err(engine_err)?;
        let input = TradeInput {
            position: current.position(),
            last_increase_slot: current.last_increase_slot,
            delta: base_delta,
            limit_price,
            now_slot,
            prices: m.price_inputs(price, now),
            decimals,
            pool_value_part,
            profit_cap,
        };
        let out = trade(&input, &m.book, &m.trade_params_in_force())
            .map_err(engine_err)?
            .map_err(trade_rejection_err)?;

        self.apply_trade(m, slot, &out)?;

        if out.increases {
            let mut positions = others(self)?;
            positions.push((
                out.fill.position,
                m.margin(&self.positions[slot], price, decimals, now_slot)
                    .map_err(engine_err)?,
            ));
            let h = health(self.collateral, &positions, HealthKind::Initial).map_err(engine_err)?;
            require!(h.is_healthy(), BulwarkError::InitialMarginViolated);
            require!(
                within_leverage(&h, m.params.margin.max_leverage).map_err(engine_err)?,
                BulwarkError::LeverageCapExceeded
            );
        }
        Ok((out, funding_paid))
    }
}
