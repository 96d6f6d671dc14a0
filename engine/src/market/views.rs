//! What the margin and trading rules read from a market: the trading parameters in force,
//! a fill's price inputs, and a position's margin view for an action (the one rule the
//! program's instructions, the keeper's decisions and the previews share). In a market at or
//! past Settling a position is worth what settlement will pay (no price needed); otherwise it
//! is valued at the price the action may use now (`action::price_for_action`: the aggregate,
//! or the divergence fallback for reductions and liquidations), or refused. Pure views: no
//! validation and no writes.

use super::MarketCore;
use crate::account::PositionSlot;
use crate::action::{price_for_action, Action, Refusal};
use crate::error::{EngineError, EngineResult};
use crate::execution::PriceInputs;
use crate::funding::funding_owed;
use crate::margin::MarketMargin;
use crate::position::Position;
use crate::settlement::{settled_view, settlement_value, PayoutRatio};
use crate::state::MarketState;
use crate::trade::TradeParams;

/// How positions in markets at or past Settling count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SettlingLosses {
    /// At what settlement will pay: losses whole, profits at the fixed ratio (0 before).
    Counted,
    /// As above, but a loss not yet charged counts 0: the view of a settlement that is
    /// charging one of the account's losses and must not count the others twice.
    Ignored,
}

/// Why a position cannot be valued for an action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarginViewError {
    /// The market's price may not be used for this action now.
    Refused(Refusal),
    Engine(EngineError),
}

impl From<MarginViewError> for EngineError {
    /// A refused price is the operation's refusal (`Refused::Price`).
    fn from(e: MarginViewError) -> Self {
        match e {
            MarginViewError::Refused(r) => crate::error::Refused::Price(r).into(),
            MarginViewError::Engine(e) => e,
        }
    }
}

impl MarketCore {
    /// Trading parameters in force: governance's, with the spread the velocity breaker's band
    /// calls for (`crate::trade::TradeParams::in_velocity_band`).
    #[inline]
    pub fn trade_params_in_force(&self) -> TradeParams {
        self.params.trade.in_velocity_band(self.velocity.band)
    }

    /// Collateral the maintenance ratio in force at `now_slot` holds beyond the base ratio,
    /// over the whole open interest at the stored price (collateral units, rounded down): what
    /// the dynamic margin and the stress signal lock up, the cost of that safety to traders.
    pub fn margin_above_base(&self, now_slot: u64, decimals: u8) -> EngineResult<u64> {
        let extra = self
            .mmr_at(now_slot)
            .saturating_sub(self.params.dynamics.margin.base_mmr_ppm);
        let oi = self.book.long_oi.saturating_add(self.book.short_oi);
        let base = i64::try_from(oi).map_err(|_| crate::error::EngineError::math("oi"))?;
        let notional = crate::num::value_floor(base, self.aggregate.price, decimals)?;
        Ok((notional.max(0) as u128 * u128::from(extra) / u128::from(crate::num::PPM)) as u64)
    }

    /// Trading parameters for a trade that increases risk (`increase`) or not: those in force,
    /// and while the stress signal is on, an increase's base spread widened by the signal's
    /// spread (saturating; the spread cap still bounds the total). Reductions never pay it.
    #[inline]
    pub fn trade_params_for(&self, increase: bool) -> TradeParams {
        let mut p = self.trade_params_in_force();
        if increase {
            let widened = p
                .spread
                .base_spread_ppm
                .saturating_add(self.contagion.spread_ppm);
            p.spread.base_spread_ppm = widened;
        }
        p
    }

    /// Price inputs of an execution price at `price` (the one the action may use), `now`
    /// being the current unix time (the sources' age feeds the latency spread).
    #[inline]
    pub fn price_inputs(&self, price: u64, now: i64) -> PriceInputs {
        PriceInputs {
            price,
            twap: self.twap.price,
            conf: self.aggregate.conf,
            dispersion: self.aggregate.dispersion,
            sigma_ppm: self.sigma_ppm,
            source_age_secs: now
                .saturating_sub(self.aggregate.oldest_publish_time)
                .max(0)
                .unsigned_abs(),
        }
    }

    /// The price `action` may use now, or the refusal as an engine error.
    #[inline]
    pub fn price_for(&self, action: Action, now_slot: u64, now: i64) -> EngineResult<u64> {
        price_for_action(
            action,
            &self.aggregate.stored_price(),
            now_slot,
            now,
            &self.params.ages,
        )
        .map_err(|r| crate::error::Refused::Price(r).into())
    }

    /// Margin view of `slot`'s position at `price` (the price the caller's action may use)
    /// and slot `now_slot`: the maintenance ratio in force then, and the position's funding
    /// owed since its snapshot up to the stored index.
    #[inline(always)]
    pub fn margin(
        &self,
        slot: &PositionSlot,
        price: u64,
        decimals: u8,
        now_slot: u64,
    ) -> EngineResult<MarketMargin> {
        let unsettled_funding = funding_owed(
            slot.base,
            slot.funding_snapshot,
            self.funding.index,
            decimals,
        )?;
        let m = &self.params.margin;
        Ok(MarketMargin {
            market_index: self.index,
            price,
            conf: self.aggregate.conf,
            twap: self.twap.price,
            decimals,
            mmr_ppm: self.mmr_at(now_slot),
            base_imr_ppm: m.base_imr_ppm,
            imr_multiplier_ppm: m.imr_multiplier_ppm,
            imf_factor: m.imf_factor,
            conf_k_ppm: m.health_conf_k_ppm,
            unsettled_funding,
        })
    }

    /// The settlement payout ratio once fixed (`None` while positions remain unvisited).
    #[inline]
    pub fn settlement_ratio(&self) -> Option<PayoutRatio> {
        (self.settlement.ratio.den != 0).then_some(self.settlement.ratio)
    }

    /// Health view of `slot`'s position in this market once it is at or past Settling: valued
    /// at what settlement will pay (losses whole, profits at the fixed ratio, 0 before it is
    /// fixed), no requirement, funding owed at the frozen index (collateral units). With
    /// `count_losses` false a loss counts 0 (a settlement charging another of the account's
    /// losses must not count this one too).
    #[inline]
    pub fn settled_margin(
        &self,
        slot: &PositionSlot,
        decimals: u8,
        now_slot: u64,
        count_losses: bool,
    ) -> EngineResult<(Position, MarketMargin)> {
        let pos = slot.position();
        let price = self.settlement.price;
        let mut value = settlement_value(pos, price, decimals, self.settlement_ratio())?;
        if !count_losses {
            value = value.max(0);
        }
        let funding = self
            .margin(slot, price, decimals, now_slot)?
            .unsettled_funding;
        settled_view(pos, self.index, price, decimals, value, funding)
    }

    /// `position`'s margin view for `action` at `now_slot`/`now` (see the module doc).
    #[inline]
    pub fn margin_view(
        &self,
        position: &PositionSlot,
        action: Action,
        now_slot: u64,
        now: i64,
        decimals: u8,
        settling: SettlingLosses,
    ) -> Result<(Position, MarketMargin), MarginViewError> {
        if self.state() >= MarketState::Settling {
            let counted = settling == SettlingLosses::Counted;
            return self
                .settled_margin(position, decimals, now_slot, counted)
                .map_err(MarginViewError::Engine);
        }
        let price = price_for_action(
            action,
            &self.aggregate.stored_price(),
            now_slot,
            now,
            &self.params.ages,
        )
        .map_err(MarginViewError::Refused)?;
        let margin = self
            .margin(position, price, decimals, now_slot)
            .map_err(MarginViewError::Engine)?;
        Ok((position.position(), margin))
    }

    /// What the insurance fund may still cover for this market at `now`.
    #[inline]
    pub fn coverage_left(&self, now: i64) -> u64 {
        self.coverage.remaining(now, &self.params.insurance)
    }
}
