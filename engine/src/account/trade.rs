//! One trade against the pool: refused when the market's state, the exchange's pause or the
//! price's age forbids it; funding accrues and settles first; the engine prices and checks
//! the fill; an increase must leave the initial margin and the leverage cap intact over
//! every position of the account; a delegate's trade is held to the owner's limits.

use super::{AccountCore, OpClock};
use crate::action::Action;
use crate::delegate::{check_delegate_trade, notional_total_ceil, trade_cost_ceil};
use crate::error::{EngineError, EngineResult, Refused};
use crate::margin::{health, within_leverage, HealthKind, MarketMargin};
use crate::market::MarketCore;
use crate::pool::market_trade_limits;
use crate::position::Position;
use crate::state::{pause, Op};
use crate::trade::{is_increase, trade, TradeInput, TradeOutcome};

/// The exchange and the pool as a trade sees them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TradeVenue {
    /// Operations the exchange has paused now (`crate::state::pause` bits).
    pub paused_bits: u32,
    /// The pool's capital (collateral units).
    pub pool_capital: i64,
    /// The pool-wide cap on traders' counted profit (ppm of the pool).
    pub max_pnl_to_pool_ppm: u32,
    /// Markets listed and not delisted (the pool's capital is split evenly among them).
    pub live_markets: u16,
}

/// What a trade did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TradeFill {
    pub outcome: TradeOutcome,
    /// Funding the position settled first (collateral units; negative = received).
    pub funding_paid: i64,
    /// The account's other positions with their margin views, as the increase checks read
    /// them (empty for a reduction).
    pub others: Vec<(Position, MarketMargin)>,
}

/// An order: signed size (base atoms) and the worst acceptable price (1e-9 collateral per
/// unit).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Order {
    pub base_delta: i64,
    pub limit_price: u64,
}

impl AccountCore {
    /// Trades `order` in `m` against the pool at `at` (see the module doc). `others` gives
    /// the account's positions in other markets with their margin views, asked for only on
    /// increases and after the fill; `by_delegate` holds the trade to the delegate's limits.
    pub fn trade<E: From<EngineError>>(
        &mut self,
        m: &mut MarketCore,
        venue: &TradeVenue,
        others: impl FnOnce(&AccountCore) -> Result<Vec<(Position, MarketMargin)>, E>,
        order: Order,
        by_delegate: bool,
        at: OpClock,
        decimals: u8,
    ) -> Result<TradeFill, E> {
        let (slot, before, price) = self.open_trade(m, venue, order.base_delta, at, decimals)?;
        let funding_paid = self.settle_funding(slot, m, decimals)?;
        let outcome = self.fill_order(m, venue, slot, order, price, at, decimals)?;
        let mut fill = TradeFill {
            outcome,
            funding_paid,
            others: Vec::new(),
        };
        if outcome.increases {
            fill.others = others(self)?;
            self.require_increase_margin(m, slot, &fill.others, price, at, decimals)?;
        }
        if by_delegate {
            self.charge_delegate(&before, &outcome, &fill.others, decimals)?;
        }
        Ok(fill)
    }

    /// The slot the trade uses (a fresh one starts at the market's funding index), the
    /// position before it, and the price the trade may use once the state, the pause and the
    /// price's age allow it; funding accrues to now.
    fn open_trade(
        &mut self,
        m: &mut MarketCore,
        venue: &TradeVenue,
        base_delta: i64,
        at: OpClock,
        decimals: u8,
    ) -> EngineResult<(usize, Position, u64)> {
        let slot = match self.slot_of(m.index) {
            Some(s) => s,
            None => self.free_slot().ok_or(Refused::TooManyPositions)?,
        };
        if self.positions[slot].base == 0 {
            self.positions[slot] = Default::default();
            self.positions[slot].funding_snapshot = m.funding.index;
        }
        let before = self.positions[slot].position();
        let increases = is_increase(&before, base_delta);
        let (op, action) = if increases {
            (Op::TradeIncrease, Action::IncreaseRisk)
        } else {
            (Op::TradeReduce, Action::ReduceRisk)
        };
        m.require_allowed(op)?;
        if increases && venue.paused_bits & pause::TRADE_INCREASE != 0 {
            return Err(Refused::Paused.into());
        }
        let price = m.price_for(action, at.slot, at.now)?;
        // Funding accrues before open interest changes; the position settles it next.
        m.accrue_funding(at.now, true, decimals)?;
        Ok((slot, before, price))
    }

    /// Prices and checks the fill through the engine and books it.
    #[allow(clippy::too_many_arguments)]
    fn fill_order(
        &mut self,
        m: &mut MarketCore,
        venue: &TradeVenue,
        slot: usize,
        order: Order,
        price: u64,
        at: OpClock,
        decimals: u8,
    ) -> EngineResult<TradeOutcome> {
        let current = self.positions[slot];
        let (pool_value_part, profit_cap) = market_trade_limits(
            venue.pool_capital,
            venue.max_pnl_to_pool_ppm,
            venue.live_markets,
        )?;
        let input = TradeInput {
            position: current.position(),
            last_increase_slot: current.last_increase_slot,
            delta: order.base_delta,
            limit_price: order.limit_price,
            now_slot: at.slot,
            prices: m.price_inputs(price, at.now),
            decimals,
            pool_value_part,
            profit_cap,
        };
        let params = m.trade_params_for(crate::trade::is_increase(&input.position, input.delta));
        let out = trade(&input, &m.book, &params)?.map_err(Refused::Trade)?;
        self.apply_trade(m, slot, &out)?;
        Ok(out)
    }

    /// An increase must leave the initial margin and the leverage cap intact over the traded
    /// position (at `price`) and `others`.
    fn require_increase_margin(
        &self,
        m: &MarketCore,
        slot: usize,
        others: &[(Position, MarketMargin)],
        price: u64,
        at: OpClock,
        decimals: u8,
    ) -> EngineResult<()> {
        let mut positions = others.to_vec();
        let p = &self.positions[slot];
        positions.push((p.position(), m.margin(p, price, decimals, at.slot)?));
        let h = health(self.collateral, &positions, HealthKind::Initial)?;
        if !h.is_healthy() {
            return Err(Refused::InitialMarginViolated.into());
        }
        if !within_leverage(&h, m.params.margin.max_leverage)? {
            return Err(Refused::LeverageCapExceeded.into());
        }
        Ok(())
    }

    /// Charges a delegate's trade against the owner's limits: `before` is the traded position
    /// before the fill, `out` the outcome, `others` the account's other positions with their
    /// margin views (read on increases). Counts the trade's cost into `delegate_loss`, or
    /// refuses it (reduce-only, notional or loss limit).
    pub fn charge_delegate(
        &mut self,
        before: &Position,
        out: &TradeOutcome,
        others: &[(Position, MarketMargin)],
        decimals: u8,
    ) -> EngineResult<()> {
        let cost = trade_cost_ceil(before, out, decimals)?;
        let notional_after = if out.increases {
            let mut all: Vec<(i64, u64)> = others.iter().map(|(p, m)| (p.base, m.price)).collect();
            all.push((out.fill.position.base, out.mark_price));
            notional_total_ceil(&all, decimals)?
        } else {
            0
        };
        self.delegate_loss = check_delegate_trade(
            &self.delegate_limits,
            self.delegate_loss,
            cost,
            out.increases,
            notional_after,
        )?
        .map_err(Refused::Delegate)?;
        Ok(())
    }
}
