//! `update_risk`'s effect from the sources' observations: each reading judged against its
//! source's limits and replay guard, both sides priced through the engine, the outcomes
//! recorded and the aggregate stored. The handler decodes accounts into observations; the
//! stress simulator builds observations from its price paths; both then run this.

use anchor_lang::prelude::*;
use bulwark_engine::breaker::Transition;
use bulwark_engine::oracle::{
    check_against_accepted, price_market, AcceptedReading, MarketAggregate, Observation,
    ProviderReading, ReadingFault, MAX_SOURCES,
};
use bulwark_engine::state::MarketState;

use crate::error::engine_err;
use crate::events::SourceOutcome;
use crate::state::{Market, OracleConfig, SourceState, SourceStatus};

/// One side's readings: engine inputs plus what to record per source.
#[derive(Clone, Copy, Debug)]
pub struct SideReadings {
    pub inputs: [Option<ProviderReading>; MAX_SOURCES],
    pub outcomes: [SourceOutcome; MAX_SOURCES],
    /// Some source published something newer than its last accepted reading.
    pub any_new: bool,
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

/// Judges `observations` (one per active source of `cfg`, in order) against each source's
/// limits and the last reading accepted for it (`states`): a reading with that reading's
/// publish time must repeat its price and confidence, or it is invalid.
pub fn judge_side(
    cfg: &OracleConfig,
    states: &[SourceState; 4],
    observations: &[core::result::Result<Observation, ReadingFault>],
    now_ts: i64,
    now_slot: u64,
) -> SideReadings {
    let mut side = SideReadings {
        inputs: [None; MAX_SOURCES],
        outcomes: [SourceOutcome::default(); MAX_SOURCES],
        any_new: false,
    };
    for (i, (source, obs)) in cfg.active().iter().zip(observations.iter()).enumerate() {
        let checked = obs.and_then(|obs| {
            let accepted = AcceptedReading {
                publish_time: states[i].last_publish_time,
                price: states[i].last_price,
                conf: states[i].last_conf,
            };
            check_against_accepted(&obs, &cfg.limits(source), &accepted, now_ts, now_slot)
        });
        side.outcomes[i] = match checked {
            Ok(c) => {
                side.inputs[i] = Some(ProviderReading {
                    provider: source.provider,
                    reading: c.reading,
                });
                side.any_new |= c.is_new;
                let status = if c.is_new {
                    SourceStatus::New
                } else {
                    SourceStatus::Unchanged
                };
                SourceOutcome {
                    status,
                    fault: None,
                    price: c.reading.price,
                    conf: c.reading.conf,
                    publish_time: c.reading.publish_time,
                }
            }
            Err(fault) => SourceOutcome {
                status: SourceStatus::Invalid,
                fault: Some(fault),
                ..Default::default()
            },
        };
    }
    side
}

/// Records each source's outcome; the accepted reading (replay guard, price, confidence)
/// advances only on valid new readings.
fn record(states: &mut [SourceState; 4], side: &SideReadings, n: usize) {
    for ((s, o), input) in states
        .iter_mut()
        .zip(side.outcomes.iter())
        .zip(side.inputs.iter())
        .take(n)
    {
        s.status = o.status as u8;
        s.fault = o.fault.map_or(0, |f| f as u8);
        if let (Some(r), true) = (input, o.status == SourceStatus::New) {
            s.last_publish_time = r.reading.publish_time;
            s.last_publish_slot = r.reading.publish_slot;
            s.last_price = r.reading.price;
            s.last_conf = r.reading.conf;
        }
    }
}

impl Market {
    /// Judges the asset's and the collateral's observations (each in configured order), prices
    /// the market through the engine, records the sources' outcomes and stores the aggregate
    /// (`apply_aggregate`). `None` when no source has anything new: then only, if the
    /// readings judged at this slot give the stored aggregate again, `judged_slot` moves to
    /// this slot (`mark_judged`: an increase in this slot may use it while its sources are
    /// recent enough); every age limit still counts from the last news.
    #[allow(clippy::too_many_arguments)]
    pub fn update_risk_from(
        &mut self,
        collateral_oracle: &OracleConfig,
        asset: &[core::result::Result<Observation, ReadingFault>],
        collateral: &[core::result::Result<Observation, ReadingFault>],
        slot: u64,
        now: i64,
        decimals: u8,
    ) -> Result<Option<RiskUpdate>> {
        let n_asset = usize::from(self.oracle.num_sources);
        let n_coll = usize::from(collateral_oracle.num_sources);
        let asset = judge_side(&self.oracle, &self.source_states, asset, now, slot);
        let collateral = judge_side(
            collateral_oracle,
            &self.collateral_source_states,
            collateral,
            now,
            slot,
        );
        let aggregate = price_market(
            &asset.inputs[..n_asset],
            &self.oracle.aggregation(),
            &collateral.inputs[..n_coll],
            &collateral_oracle.aggregation(),
            &self.params.oracle,
            &self.twap,
            slot,
            now,
        )
        .map_err(engine_err)?;
        if !asset.any_new && !collateral.any_new {
            // Nothing new: the stored aggregate stands. When the readings judged now give it
            // again, it is this slot's judgement for increases; when ageing changed the
            // judgement, nothing moves (the stored aggregate ages out by its slot).
            if self.stores_judgement(&aggregate) {
                self.mark_judged(slot);
            }
            return Ok(None);
        }
        record(&mut self.source_states, &asset, n_asset);
        record(&mut self.collateral_source_states, &collateral, n_coll);
        let (transitions, new_state) = self
            .apply_aggregate(&aggregate, slot, now, decimals)
            .map_err(engine_err)?;
        Ok(Some(RiskUpdate {
            aggregate,
            transitions,
            new_state,
            asset,
            collateral,
        }))
    }
}
