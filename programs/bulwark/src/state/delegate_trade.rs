//! A delegate's trade held to the owner's limits: what `trade` does after the fill when the
//! signer is the delegate (the rules are `bulwark_engine::delegate`'s).

use anchor_lang::prelude::*;
use bulwark_engine::delegate::{check_delegate_trade, notional_total_ceil, trade_cost_ceil};
use bulwark_engine::margin::MarketMargin;
use bulwark_engine::position::Position;
use bulwark_engine::trade::TradeOutcome;

use crate::error::{delegate_rejection_err, engine_err};
use crate::state::MarginAccount;

impl MarginAccount {
    /// Charges a delegate's trade against the owner's limits: `before` is the traded
    /// position before the fill, `out` the outcome, `others` the account's other positions
    /// with their margin views (loaded on increases). Counts the trade's cost into
    /// `delegate_loss`, or refuses it (reduce-only, notional or loss limit); the caller's
    /// transaction then changes nothing.
    pub fn charge_delegate(
        &mut self,
        before: &Position,
        out: &TradeOutcome,
        others: &[(Position, MarketMargin)],
        decimals: u8,
    ) -> Result<()> {
        let cost = trade_cost_ceil(before, out, decimals).map_err(engine_err)?;
        let notional_after = if out.increases {
            let mut all: Vec<(i64, u64)> = others.iter().map(|(p, m)| (p.base, m.price)).collect();
            all.push((out.fill.position.base, out.mark_price));
            notional_total_ceil(&all, decimals).map_err(engine_err)?
        } else {
            0
        };
        self.delegate_loss = check_delegate_trade(
            &self.delegate_limits,
            self.delegate_loss,
            cost,
            out.increases,
            notional_after,
        )
        .map_err(engine_err)?
        .map_err(|r| {
            msg!("delegate trade cost {} after {}", cost, self.delegate_loss);
            delegate_rejection_err(r)
        })?;
        Ok(())
    }
}
