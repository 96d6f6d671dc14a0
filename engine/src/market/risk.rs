//! `update_risk`: each source's observation judged against its limits and replay guard, both
//! sides priced, the outcomes recorded and the aggregate stored. Storing it: funding and the
//! priced-slot clock run up to now at the price stored so far, the aggregate and TWAP are
//! replaced, the velocity and oracle breakers run, the state follows, and volatility folds and
//! re-aims the margin ramp. The program decodes oracle accounts into observations; the stress
//! simulator builds them from its price paths; both then run this.

use super::MarketCore;
use crate::account::OpClock;
use crate::breaker::{oracle_flag_transitions, update_velocity, Transition};
use crate::dynamic_margin::retarget;
use crate::error::{EngineError, EngineResult};
use crate::oracle::{
    judge_side, price_market, record_side, MarketAggregate, Observation, ReadingFault,
    SideReadings, SourceSide, SourceState, Validity, MAX_SOURCES,
};
use crate::state::MarketState;
use crate::volatility::update_volatility;

/// One side's input to an update: its configured sources, their bookkeeping (updated when
/// something is new) and one observation per source, in configured order.
pub struct SideInput<'a, S: SourceSide> {
    pub config: &'a S,
    pub states: &'a mut [SourceState; MAX_SOURCES],
    pub observations: &'a [Result<Observation, ReadingFault>],
}

/// What a stored update did.
#[derive(Clone, Debug)]
pub struct RiskUpdate {
    pub aggregate: MarketAggregate,
    pub transitions: Vec<Transition>,
    /// The market's new state, when it changed.
    pub new_state: Option<MarketState>,
    pub asset: SideReadings,
    pub collateral: SideReadings,
}

impl MarketCore {
    /// Judges both sides' observations, prices the market, records the sources' outcomes and
    /// stores the aggregate (`apply_aggregate`). `None` when no source has anything new: then
    /// only, if the readings judged at this slot give the stored aggregate again,
    /// `judged_slot` moves to this slot (`mark_judged`: an increase in this slot may use it
    /// while its sources are recent enough); every age limit still counts from the last news.
    ///
    /// Generic in the caller's error type so the (large) update is built once, in place: a
    /// conversion of the result afterwards would copy it.
    pub fn update_risk<E: From<EngineError>, A: SourceSide, C: SourceSide>(
        &mut self,
        asset: SideInput<'_, A>,
        collateral: SideInput<'_, C>,
        at: OpClock,
        decimals: u8,
    ) -> Result<Option<RiskUpdate>, E> {
        let (n_asset, n_coll) = (asset.config.count(), collateral.config.count());
        let judged = (
            judge_side(
                asset.config,
                asset.states,
                asset.observations,
                at.now,
                at.slot,
            ),
            judge_side(
                collateral.config,
                collateral.states,
                collateral.observations,
                at.now,
                at.slot,
            ),
        );
        let aggregate = price_market(
            &judged.0.inputs[..n_asset],
            &asset.config.aggregation(),
            &judged.1.inputs[..n_coll],
            &collateral.config.aggregation(),
            &self.params.oracle,
            &self.twap,
            at.slot,
            at.now,
        )?;
        if !judged.0.any_new && !judged.1.any_new {
            // Nothing new: the stored aggregate stands. When the readings judged now give it
            // again, it is this slot's judgement for increases; when ageing changed the
            // judgement, nothing moves (the stored aggregate ages out by its slot).
            if self.stores_judgement(&aggregate) {
                self.mark_judged(at.slot);
            }
            return Ok(None);
        }
        record_side(asset.states, &judged.0, n_asset);
        record_side(collateral.states, &judged.1, n_coll);
        let (transitions, new_state) =
            self.apply_aggregate(&aggregate, at.slot, at.now, decimals)?;
        Ok(Some(RiskUpdate {
            aggregate,
            transitions,
            new_state,
            asset: judged.0,
            collateral: judged.1,
        }))
    }

    /// Funding accrues up to `now` at the price stored so far (frozen while it was unusable)
    /// and the priced-slot clock runs to `slot`: before the stored aggregate is replaced.
    fn advance_clocks(&mut self, slot: u64, now: i64, decimals: u8) -> EngineResult<()> {
        let usable = self.funding_price_usable(slot, now);
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
            let target = self.margin_target()?;
            self.ramp = retarget(&self.ramp, target, slot, &self.params.dynamics.margin);
        }
        Ok((transitions, new_state))
    }
}
