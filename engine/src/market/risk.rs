//! Storing a fresh aggregate: what `update_risk` does to a market once its readings are
//! priced. Funding and the priced-slot clock run up to now at the price stored so far, the
//! aggregate and TWAP are replaced, the velocity and oracle breakers run, the state follows,
//! and volatility folds and re-aims the margin ramp.

use super::MarketCore;
use crate::action::Action;
use crate::breaker::{oracle_flag_transitions, update_velocity, Transition};
use crate::dynamic_margin::{retarget, target_mmr_ppm};
use crate::error::EngineResult;
use crate::oracle::{MarketAggregate, Validity};
use crate::state::MarketState;
use crate::volatility::update_volatility;

impl MarketCore {
    /// Funding accrues up to `now` at the price stored so far (frozen while it was unusable)
    /// and the priced-slot clock runs to `slot`: before the stored aggregate is replaced.
    fn advance_clocks(&mut self, slot: u64, now: i64, decimals: u8) -> EngineResult<()> {
        let usable = self.price_for(Action::ReduceRisk, slot, now).is_ok();
        self.accrue_funding(now, usable, decimals)?;
        self.priced_slots = self.priced_clock(slot, usable);
        Ok(())
    }

    /// Whether `agg`, priced now from the same readings, is the judgement already stored
    /// (price, confidence, fallback, validity, dispersion, survivors, oldest publish time and
    /// both sides' USD prices): then ageing has changed nothing.
    pub fn stores_judgement(&self, agg: &MarketAggregate) -> bool {
        let a = &self.aggregate;
        a.price == agg.price
            && a.conf == agg.conf
            && a.reduce_price == agg.reduce_price
            && a.validity == agg.validity as u8
            && a.dispersion == agg.dispersion
            && a.oldest_publish_time == agg.oldest_publish_time
            && a.asset_survivors == agg.asset.survivors
            && a.collateral_survivors == agg.collateral.survivors
            && a.asset_price_usd == agg.asset.price
            && a.asset_conf_usd == agg.asset.conf
            && a.collateral_price_usd == agg.collateral.price
            && a.collateral_conf_usd == agg.collateral.conf
    }

    /// The stored aggregate, judged again at `slot` from the same readings with the same
    /// outcome (`stores_judgement`), is this slot's judgement for increases: only
    /// `judged_slot` moves. Its age (every other action's limit, funding, the priced clock)
    /// still counts from the last news; TWAP, volatility and breakers see nothing.
    pub fn mark_judged(&mut self, slot: u64) {
        self.aggregate.judged_slot = slot;
    }

    /// Applies `agg` at `slot`/`now` (see the module doc). Returns the breaker transitions
    /// and the new state when it changed.
    pub fn apply_aggregate(
        &mut self,
        agg: &MarketAggregate,
        slot: u64,
        now: i64,
        decimals: u8,
    ) -> EngineResult<(Vec<Transition>, Option<MarketState>)> {
        self.advance_clocks(slot, now, decimals)?;

        self.aggregate.record(agg, slot, now);
        self.twap = agg.twap;
        // Breakers: velocity on every priced aggregate, oracle health and divergence from its
        // validity; then the state follows.
        let mut transitions: Vec<Transition> = Vec::new();
        if agg.validity != Validity::NoPrice {
            let (v, t) = update_velocity(&self.velocity, agg.price, now, &self.params.velocity)?;
            self.set_velocity(&v);
            transitions.extend(t);
        }
        let (flags, moved) = oracle_flag_transitions(self.breaker_flags, agg.validity);
        self.breaker_flags = flags;
        transitions.extend(moved.into_iter().flatten());
        let new_state = self.refresh_state(slot);
        if agg.validity > Validity::Divergent {
            // Volatility folds at most one return per sampling interval; the ramp re-aims.
            let dynamics = &self.params.dynamics;
            self.vol = update_volatility(&self.vol, agg.price, now, &dynamics.vol)?;
            self.sigma_ppm = self.vol.sigma_ppm();
            let target = target_mmr_ppm(&dynamics.margin, self.sigma_ppm, agg.conf, agg.price)?;
            self.ramp = retarget(&self.ramp, target, slot, &dynamics.margin);
        }
        Ok((transitions, new_state))
    }
}
