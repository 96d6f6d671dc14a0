//! One auto-deleverage: while the market's ADL trigger holds, a profitable position on the
//! stressed side above the episode's water level (leverage draining, `crate::adl`) closes at
//! the aggregate with no fee or impact, at most down to the level, as far as it lowers the
//! traders' profit ratio without passing the floor.

use super::{AccountCore, OpClock, PositionSlot};
use crate::action::Action;
use crate::adl::{
    adl_result_ok, adl_triggered, drain_cap, drain_cap_base, leverage_ppm, profit_ratio_ppm,
    AdlParams,
};
use crate::checked::{cast, Checked};
use crate::error::{EngineResult, Refused};
use crate::market::MarketCore;
use crate::pool::{capped_profit, pool_value_seen_by_market};
use crate::position::{apply_fill, Fill, Position};
use crate::state::Op;
use crate::trade::MarketBook;

/// What a deleverage did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeleverageOutcome {
    /// Base atoms closed.
    pub closed_base: u64,
    /// The aggregate it closed at (1e-9 collateral per unit).
    pub price: u64,
    /// Profit credited (collateral units; cut pro rata when the pool is insolvent).
    pub realized_pnl: i64,
    /// The target's leverage before the close and the water level it was drained to (ppm).
    pub leverage_ppm: u64,
    pub level_ppm: u64,
    /// The slot the ADL episode started (this slot when this call started it).
    pub episode_start_slot: u64,
    /// Traders' profit as a share of the pool's value before and after (ppm).
    pub ratio_before_ppm: u64,
    pub ratio_after_ppm: u64,
}

/// What a deleverage is judged against: the market's price for it, its ADL parameters, the
/// pool's value as this market sees it, the book and the traders' profit on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AdlTrigger {
    /// The price a deleverage uses (1e-9 collateral per unit).
    pub price: u64,
    pub params: AdlParams,
    /// The pool's capital plus what the market owes it (collateral units).
    pub pool_value: i64,
    pub book: MarketBook,
    /// Traders' net unrealised profit at `price` (collateral units).
    pub profit: i64,
}

/// The close a deleverage makes and the ratios it moves between.
struct AdlClose {
    /// Base atoms closed.
    close: u64,
    fill: Fill,
    /// The target's profit after the insolvency cut.
    realized: i64,
    /// The book after the close.
    after: MarketBook,
    before_ppm: u64,
    after_ppm: u64,
}

/// How leverage draining sees a position now (the program, the keeper and the simulator all
/// read it here).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DrainView {
    /// Unrealised PnL at the price (collateral units).
    pub pnl: i64,
    /// Notional at the price (rounded up) and collateral plus this position's PnL at the price
    /// (collateral units).
    pub notional: u64,
    pub equity: i64,
    /// Notional / (collateral + this position's PnL), both at the price a deleverage uses,
    /// ppm; `u64::MAX` when that equity is not positive. Other positions are not read (the
    /// deleverage names one market), so a hedge leg's loss does not push its profitable leg up
    /// the queue.
    pub leverage_ppm: u64,
    /// The water level now (ppm): the episode's, or the top when this would start one.
    pub level_ppm: u64,
    /// Base atoms a deleverage may close now: down to the level, rounded down (0 at or below).
    pub cap_base: u64,
    /// In profit, on the side in profit, with positive equity.
    pub eligible: bool,
    /// A deleverage now starts a new episode (it succeeds even with nothing to close).
    pub starts_episode: bool,
}

impl MarketCore {
    /// The ADL water level a deleverage at `now_slot` would be judged against (leverage, ppm):
    /// the running episode's, or the top (the market's maximum leverage) when it would start
    /// one.
    pub fn adl_water_level_ppm(&self, now_slot: u64) -> u64 {
        let top = u64::from(self.params.margin.max_leverage).saturating_mul(crate::num::PPM);
        self.adl_episode
            .level_ppm(now_slot, top, self.params.adl.adl_drain_slots)
    }

    /// [`DrainView`] of `p` held with `collateral`, at `price` (1e-9 collateral per unit) and
    /// `now_slot`. The level's top is the market's maximum leverage.
    pub fn adl_drain_view(
        &self,
        collateral: i64,
        p: &PositionSlot,
        price: u64,
        now_slot: u64,
        decimals: u8,
    ) -> EngineResult<DrainView> {
        let pos = p.position();
        let pnl = pos.unrealized_pnl(price, decimals)?;
        // The stressed side is the side whose traders are in profit.
        let side_profit = self.book.side_pnl(pos.base > 0, price, decimals)?;
        // At the price the close uses: closing at it leaves equity unchanged, so the target
        // ends at the level (to rounding, never below it).
        let notional = crate::num::notional_ceil(pos.base, price, decimals)?;
        let equity = collateral.plus(pnl)?;
        let drain = self.params.adl.adl_drain_slots;
        let level_ppm = self.adl_water_level_ppm(now_slot);
        let eligible = pnl > 0 && side_profit > 0 && equity > 0;
        let cap = drain_cap(notional, equity.max(0) as u64, level_ppm);
        Ok(DrainView {
            pnl,
            notional,
            equity,
            leverage_ppm: leverage_ppm(notional, equity),
            level_ppm,
            cap_base: drain_cap_base(pos.base.unsigned_abs(), notional, cap),
            eligible,
            starts_episode: self.adl_episode.starts_at(now_slot, drain),
        })
    }
}

impl AccountCore {
    /// Closes up to `max_base` of this account's position in `m` (see the module doc), at most
    /// down to the water level, the trigger judged against `pool_capital` plus what `m` owes
    /// the pool. Refused unless the state allows it, the price is fresh, the account is a
    /// profitable target on the stressed side above the level, and the close lowers the profit
    /// ratio without passing the floor. The call that starts an episode succeeds with nothing
    /// closed when its target is not above the top (it records the start: the level's clock).
    /// Funding settles first.
    pub fn auto_deleverage(
        &mut self,
        m: &mut MarketCore,
        pool_capital: i64,
        max_base: u64,
        at: OpClock,
        decimals: u8,
    ) -> EngineResult<DeleverageOutcome> {
        let trig = adl_trigger(m, pool_capital, max_base, at, decimals)?;
        let slot = self.slot_of(m.index).ok_or(Refused::NoPosition)?;
        m.accrue_funding(at.now, true, decimals)?;
        self.settle_funding(slot, m, decimals)?;
        let p = self.positions[slot];
        let view = m.adl_drain_view(self.collateral, &p, trig.price, at.slot, decimals)?;
        if !view.eligible {
            return Err(Refused::AdlTargetNotEligible.into());
        }
        let episode = m.adl_episode.at(at.slot, m.params.adl.adl_drain_slots);
        let close = max_base.min(view.cap_base);
        let mut out = DeleverageOutcome {
            closed_base: 0,
            price: trig.price,
            realized_pnl: 0,
            leverage_ppm: view.leverage_ppm,
            level_ppm: view.level_ppm,
            episode_start_slot: episode.start_slot,
            ratio_before_ppm: profit_ratio_ppm(trig.profit, trig.pool_value),
            ratio_after_ppm: profit_ratio_ppm(trig.profit, trig.pool_value),
        };
        if close > 0 {
            let c = adl_close(p.position(), close, &trig, decimals)?;
            self.book_deleverage(m, slot, &c)?;
            (out.closed_base, out.realized_pnl) = (c.close, c.realized);
            (out.ratio_before_ppm, out.ratio_after_ppm) = (c.before_ppm, c.after_ppm);
        } else if !view.starts_episode {
            return Err(Refused::AdlBelowWaterLevel.into());
        }
        m.adl_episode = episode;
        Ok(out)
    }

    /// Writes a deleverage: the market's book and sub-ledgers (the realised profit leaves
    /// what the market owes the pool and flows to traders), the position and the collateral.
    fn book_deleverage(
        &mut self,
        m: &mut MarketCore,
        slot: usize,
        c: &AdlClose,
    ) -> EngineResult<()> {
        let pnl_pending = m.ledgers.pnl_pending.minus(c.realized)?;
        let trader_flow = m.ledgers.trader_flow.plus(c.realized)?;
        let collateral = self.collateral.plus(c.realized)?;
        m.book = c.after;
        m.ledgers.pnl_pending = pnl_pending;
        m.ledgers.trader_flow = trader_flow;
        let s = &mut self.positions[slot];
        s.base = c.fill.position.base;
        s.cost = c.fill.position.cost;
        self.collateral = collateral;
        self.recognise_deficit(m)
    }
}

/// Whether `m` may deleverage now: the state allows it, `max_base` is not zero, and the
/// trigger holds ([`MarketCore::adl_trigger`]).
fn adl_trigger(
    m: &MarketCore,
    pool_capital: i64,
    max_base: u64,
    at: OpClock,
    decimals: u8,
) -> EngineResult<AdlTrigger> {
    m.require_allowed(Op::Deleverage)?;
    if max_base == 0 {
        return Err(Refused::ZeroSize.into());
    }
    m.adl_trigger(pool_capital, at, decimals)
}

impl MarketCore {
    /// The ADL trigger at `at`: the price is fresh enough for deleveraging and the traders'
    /// profit exceeds the trigger share of the pool's value as this market sees it
    /// (`pool_capital` plus what the market owes the pool, its bad debt out); refused
    /// otherwise. The keeper asks the same question before it picks a target.
    pub fn adl_trigger(
        &self,
        pool_capital: i64,
        at: OpClock,
        decimals: u8,
    ) -> EngineResult<AdlTrigger> {
        adl_trigger_at(self, pool_capital, at, decimals)
    }
}

fn adl_trigger_at(
    m: &MarketCore,
    pool_capital: i64,
    at: OpClock,
    decimals: u8,
) -> EngineResult<AdlTrigger> {
    let price = m.price_for(Action::Deleverage, at.slot, at.now)?;
    let params = m.params.adl;
    // The pool's value here: its capital plus what this market owes it.
    let pool_value = pool_value_seen_by_market(
        pool_capital,
        m.ledgers.pnl_pending,
        m.ledgers.fee_pool,
        m.ledgers.bad_debt_pending,
    );
    let book = m.book;
    let profit = book.trader_pnl(price, decimals)?;
    if !adl_triggered(profit, pool_value, &params) {
        return Err(Refused::AdlNotTriggered.into());
    }
    Ok(AdlTrigger {
        price,
        params,
        pool_value,
        book,
        profit,
    })
}

/// Closes `max_base` (at most the position) of `pos` at the trigger's price; refused unless the close lowers
/// the profit ratio without passing the floor. An insolvent pool pays the target pro rata.
fn adl_close(
    pos: Position,
    max_base: u64,
    trig: &AdlTrigger,
    decimals: u8,
) -> EngineResult<AdlClose> {
    let (price, profit, pool_value) = (trig.price, trig.profit, trig.pool_value);
    let close = max_base.min(pos.base.unsigned_abs());
    let signed_close: i64 = cast(close)?;
    let delta = if pos.base > 0 {
        -signed_close
    } else {
        signed_close
    };
    let fill = apply_fill(pos, delta, price, decimals)?;
    // An insolvent pool pays winners pro rata to what it has.
    let realized = capped_profit(fill.realized_pnl, profit, pool_value.max(0))?;
    let mut after = trig.book;
    after.replace(&pos, &fill.position)?;
    let profit_after = after.trader_pnl(price, decimals)?;
    let pool_after = pool_value.minus(realized)?;
    let before_ppm = profit_ratio_ppm(profit, pool_value);
    let after_ppm = profit_ratio_ppm(profit_after, pool_after);
    if !adl_result_ok(profit, pool_value, profit_after, pool_after, &trig.params) {
        return Err(Refused::AdlOverCorrects.into());
    }
    Ok(AdlClose {
        close,
        fill,
        realized,
        after,
        before_ppm,
        after_ppm,
    })
}
