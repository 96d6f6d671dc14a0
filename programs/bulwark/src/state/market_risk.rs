//! Storing a fresh aggregate: what `update_risk` does to a market once its readings are priced,
//! in one place the program and the stress simulator share.

use anchor_lang::prelude::*;
use bulwark_engine::action::{price_for_action, Action};
use bulwark_engine::breaker::{oracle_flag_transitions, update_velocity, Transition};
use bulwark_engine::dynamic_margin::{retarget, target_mmr_ppm};
use bulwark_engine::oracle::{MarketAggregate, Validity};
use bulwark_engine::state::MarketState;
use bulwark_engine::volatility::update_volatility;

use crate::error::engine_err;
use crate::state::Market;

impl Market {
    /// Funding accrues up to `now` at the price stored so far (frozen while it was unusable)
    /// and the priced-slot clock runs to `slot`: before the stored aggregate is replaced.
    fn advance_clocks(&mut self, slot: u64, now: i64, decimals: u8) -> Result<()> {
        let usable = price_for_action(
            Action::ReduceRisk,
            &self.aggregate.stored_price(),
            slot,
            now,
            &self.params.ages,
        )
        .is_ok();
        self.accrue_funding(now, usable, decimals)?;
        self.priced_slots = self.priced_clock(slot, usable);
        Ok(())
    }

    /// Whether `agg`, priced now from the same readings, is the judgement already stored
    /// (price, confidence, fallback, validity, dispersion, survivors, oldest publish time and
    /// both sides' USD prices): then ageing has changed nothing.
    pub fn stores_judgement(&self, agg: &MarketAggregate) -> bool {
        self.aggregate.price == agg.price
            && self.aggregate.conf == agg.conf
            && self.aggregate.reduce_price == agg.reduce_price
            && self.aggregate.validity == agg.validity as u8
            && self.aggregate.dispersion == agg.dispersion
            && self.aggregate.oldest_publish_time == agg.oldest_publish_time
            && self.aggregate.asset_survivors == agg.asset.survivors
            && self.aggregate.collateral_survivors == agg.collateral.survivors
            && self.aggregate.asset_price_usd == agg.asset.price
            && self.aggregate.asset_conf_usd == agg.asset.conf
            && self.aggregate.collateral_price_usd == agg.collateral.price
            && self.aggregate.collateral_conf_usd == agg.collateral.conf
    }

    /// The stored aggregate, judged again at `slot` from the same readings with the same
    /// outcome (`stores_judgement`), is this slot's judgement for increases: only
    /// `judged_slot` moves. Its age (every other action's limit, funding, the priced clock)
    /// still counts from the last news; TWAP, volatility and breakers see nothing.
    pub fn mark_judged(&mut self, slot: u64) {
        self.aggregate.judged_slot = slot;
    }

    /// Applies `agg` at `slot`/`now`: funding accrues to now at the price stored so far (frozen
    /// while it was unusable), the aggregate and TWAP are stored, the velocity and oracle
    /// breakers run, the state follows, and volatility folds and re-aims the margin ramp.
    /// Returns the breaker transitions and the new state when it changed.
    pub fn apply_aggregate(
        &mut self,
        agg: &MarketAggregate,
        slot: u64,
        now: i64,
        decimals: u8,
    ) -> Result<(Vec<Transition>, Option<MarketState>)> {
        self.advance_clocks(slot, now, decimals)?;

        self.aggregate.record(agg, slot, now);
        self.twap = agg.twap;
        // Breakers: velocity on every priced aggregate, oracle health and divergence from its
        // validity; then the state follows.
        let mut transitions: Vec<Transition> = Vec::new();
        if agg.validity != Validity::NoPrice {
            let (v, t) = update_velocity(&self.velocity, agg.price, now, &self.params.velocity)
                .map_err(engine_err)?;
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
            self.vol =
                update_volatility(&self.vol, agg.price, now, &dynamics.vol).map_err(engine_err)?;
            self.sigma_ppm = self.vol.sigma_ppm();
            let target = target_mmr_ppm(&dynamics.margin, self.sigma_ppm, agg.conf, agg.price)
                .map_err(engine_err)?;
            self.ramp = retarget(&self.ramp, target, slot, &dynamics.margin);
        }
        Ok((transitions, new_state))
    }
}
