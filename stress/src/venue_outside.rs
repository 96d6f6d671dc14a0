//! The venue's operations for traders acting during a run (deposits, withdrawals) and for
//! accounts held outside it (cross-market portfolios, which trade, are liquidated and are
//! made whole in several venues): each one the program's own operation, refused ones changing
//! nothing.

use bulwark_engine::account::AccountCore;
use bulwark_engine::market::MarketCore;
use bulwark_engine::EngineResult;

use bulwark_engine::num::notional_ceil;
use bulwark_keeper::rules::adl_sizes;

use super::{attempt, market_order, op_clock, Others, Venue};

impl Venue {
    /// `deposit(amount)` into account `i` (collateral units): its collateral and the pool's
    /// net deposits rise by it.
    pub fn deposit(&mut self, i: usize, amount: u64) {
        let a = &mut self.accounts[i];
        a.collateral = a.collateral.saturating_add(amount as i64);
        self.pool.deposits_net = self.pool.deposits_net.saturating_add(amount as i64);
        self.touch(i);
    }

    /// `withdraw(amount)` from account `i` under the program's rule (at most its collateral,
    /// initial margin kept at the price an increase may use); whether it was allowed.
    pub fn withdraw(&mut self, i: usize, amount: u64, slot: u64, t: i64) -> bool {
        let a = &self.accounts[i];
        let Ok(amount) = i64::try_from(amount) else {
            return false;
        };
        if amount <= 0 || a.collateral < amount {
            return false;
        }
        let p = a.positions[0];
        let mut positions = Vec::new();
        if p.base != 0 {
            let price =
                self.market
                    .price_for(bulwark_engine::action::Action::IncreaseRisk, slot, t);
            let view = price.and_then(|x| self.market.margin(&p, x, self.decimals, slot));
            let Ok(view) = view else { return false };
            positions.push((p.position(), view));
        }
        let Ok(after) =
            bulwark_engine::margin::collateral_after_withdrawal(a.collateral, amount, &positions)
        else {
            return false;
        };
        self.accounts[i].collateral = after;
        self.pool.deposits_net = self.pool.deposits_net.saturating_sub(amount);
        self.touch(i);
        true
    }

    /// An account held outside the venue (a portfolio over several markets) trades `delta`
    /// base atoms in this market at market, its other positions given by `others`; whether
    /// the program would have accepted it (refused: nothing changes).
    pub fn trade_for(
        &mut self,
        a: &mut AccountCore,
        others: impl FnOnce(&AccountCore) -> Others,
        delta: i64,
        slot: u64,
        t: i64,
    ) -> bool {
        let (venue, d) = (self.trade_venue(t), self.decimals);
        let out = attempt(a, &mut self.market.core, |a, m| {
            market_order(a, m, &venue, others, delta, op_clock(slot, t), d)
        });
        self.fees_paid += out.map_or(0, |o| o.fee.total);
        out.is_some()
    }

    /// `f` on copies of an outside account's engine block and this market's, both kept only
    /// when it succeeds.
    pub fn attempt_for<T>(
        &mut self,
        a: &mut AccountCore,
        f: impl FnOnce(&mut AccountCore, &mut MarketCore) -> EngineResult<T>,
    ) -> Option<T> {
        attempt(a, &mut self.market.core, f)
    }

    /// `resolve_bankruptcy` of `a` in this market at `t`, the venue's fund and pool paying;
    /// `None` (nothing changed) when refused.
    pub fn resolve_for(
        &mut self,
        a: &mut AccountCore,
        t: i64,
    ) -> Option<bulwark_engine::account::BankruptcyOutcome> {
        let (mut ta, mut tm, mut tf, mut tp) = (*a, self.market.core, self.fund, self.pool);
        let b = ta
            .resolve_bankruptcy(&mut tm, tf.deficit_payers(&mut tp), t)
            .ok()?;
        (*a, self.market.core, self.fund, self.pool) = (ta, tm, tf, tp);
        Some(b)
    }

    /// `auto_deleverage` of `a` in this market against this venue's pool, `size` first and
    /// halved (while at least a lot) until the program accepts, as the keeper sends it: the
    /// notional it closed (collateral units, at its price; 0 when the call only started the
    /// episode), or `None` when every size was refused.
    pub fn deleverage_for(
        &mut self,
        a: &mut AccountCore,
        size: u64,
        slot: u64,
        t: i64,
    ) -> Option<u64> {
        let (capital, d) = (self.pool.capital, self.decimals);
        for size in adl_sizes(size, self.market.params.trade.lot_base) {
            let done = attempt(a, &mut self.market.core, |a, m| {
                a.auto_deleverage(m, capital, size, op_clock(slot, t), d)
            });
            if let Some(out) = done {
                let notional = notional_ceil(out.closed_base as i64, out.price, d);
                return Some(notional.unwrap_or(0));
            }
        }
        None
    }
}
