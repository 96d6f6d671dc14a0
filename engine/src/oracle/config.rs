//! Validation of oracle configuration against the bounds table and its relations.

use super::aggregate::AggregationConfig;
use super::market::MarketOracleConfig;
use super::reading::SourceLimits;
use super::MAX_SOURCES;
use crate::action::AgeLimits;
use crate::bounds::Param;
use crate::error::{EngineError, EngineResult};

/// A source as far as validation is concerned.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SourceSpec {
    /// Provider tag (distinct providers make the quorum).
    pub provider: u8,
    /// Per-source limits.
    pub limits: SourceLimits,
}

/// Checks one side (a market's asset sources, or the collateral's): 1–4 sources, each limit
/// in bounds, confidence floor not above the confidence limit, quorum in bounds and reachable
/// with the distinct providers listed.
pub fn validate_sources(sources: &[SourceSpec], agg: &AggregationConfig) -> EngineResult<()> {
    Param::OracleSourceCount.check(sources.len() as u64)?;
    for s in sources {
        let l = &s.limits;
        Param::SourceMaxStalenessSecs.check(l.max_staleness_secs as u64)?;
        Param::SourceMaxStalenessSlots.check(l.max_staleness_slots as u64)?;
        Param::SourceMaxConf.check(l.max_conf_ppm as u64)?;
        Param::SourceConfFloor.check(l.conf_floor_ppm as u64)?;
        Param::FutureTolerance.check(l.future_tolerance_secs as u64)?;
        if l.conf_floor_ppm > l.max_conf_ppm {
            return Err(EngineError::InvalidConfig {
                what: "conf_floor_ppm above max_conf_ppm",
            });
        }
    }
    Param::OracleMinQuorum.check(agg.min_quorum as u64)?;
    Param::OracleMaxDeviation.check(agg.max_deviation_ppm as u64)?;
    Param::OracleMaxDivergence.check(agg.max_divergence_ppm as u64)?;
    Param::OracleMaxAggregateConf.check(agg.max_conf_ppm as u64)?;
    let mut providers = [0u8; MAX_SOURCES];
    let mut distinct = 0usize;
    for s in sources {
        if !providers[..distinct].contains(&s.provider) {
            providers[distinct] = s.provider;
            distinct += 1;
        }
    }
    if agg.min_quorum as usize > distinct {
        return Err(EngineError::InvalidConfig {
            what: "min_quorum above the distinct providers listed",
        });
    }
    Ok(())
}

/// Checks the market-level oracle limits and age limits; the freshness limit may not exceed
/// the reduce or liquidate age limits.
pub fn validate_market_oracle(cfg: &MarketOracleConfig, ages: &AgeLimits) -> EngineResult<()> {
    Param::MaxTwapDeviation.check(cfg.max_twap_deviation_ppm as u64)?;
    Param::FallbackBand.check(cfg.fallback_band_ppm as u64)?;
    Param::TwapWindow.check(cfg.twap.twap_window_secs as u64)?;
    Param::TwapMaxStep.check(cfg.twap.twap_max_step_ppm as u64)?;
    Param::MaxAgeForIncrease.check(ages.max_age_for_increase_secs as u64)?;
    Param::FreshSlots.check(ages.fresh_slots as u64)?;
    Param::MaxAgeReduceSlots.check(ages.max_age_reduce_slots as u64)?;
    Param::MaxAgeLiquidateSlots.check(ages.max_age_liquidate_slots as u64)?;
    if ages.fresh_slots > ages.max_age_reduce_slots
        || ages.fresh_slots > ages.max_age_liquidate_slots
    {
        return Err(EngineError::InvalidConfig {
            what: "fresh_slots above a per-action age limit",
        });
    }
    Ok(())
}
