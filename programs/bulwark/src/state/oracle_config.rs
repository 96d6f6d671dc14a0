//! Oracle configuration and per-source bookkeeping embedded in `Exchange` and `Market`.

use anchor_lang::prelude::*;
use bulwark_engine::oracle::{AggregationConfig, SourceLimits, SourceSide, SourceSpec};
pub use bulwark_engine::oracle::{SourceState, SourceStatus};

use crate::oracle::OracleKind;

/// One configured oracle source.
#[zero_copy]
#[derive(Debug, Default, PartialEq, Eq)]
pub struct OracleSource {
    /// The oracle account (exact key required by `update_risk`).
    pub account: Pubkey,
    /// Program that must own `account` (Pyth receiver, Switchboard, Chainlink store).
    pub owner_program: Pubkey,
    /// Pyth feed id or Switchboard feed hash; ignored (zero) for Chainlink.
    pub feed_id: [u8; 32],
    /// Oldest acceptable publish time, seconds.
    pub max_staleness_secs: u32,
    /// Oldest acceptable publish slot, slots.
    pub max_staleness_slots: u32,
    /// Widest acceptable confidence, ppm of price.
    pub max_conf_ppm: u32,
    /// Confidence floor, ppm of price (stands in for Chainlink's missing confidence).
    pub conf_floor_ppm: u32,
    /// `OracleKind` code.
    pub kind: u8,
    /// Provider tag: sources sharing a tag count once towards the quorum.
    pub provider: u8,
    pub _padding: [u8; 6],
    pub reserved: [u8; 16],
}
const _: () = assert!(core::mem::size_of::<OracleSource>() == 136);

/// One side's oracle configuration: up to four sources and their aggregation limits.
#[zero_copy]
#[derive(Debug, Default, PartialEq, Eq)]
pub struct OracleConfig {
    pub sources: [OracleSource; 4],
    /// Sources in use (1–4); entries past it are zero.
    pub num_sources: u8,
    /// Distinct providers needed among surviving readings.
    pub min_quorum: u8,
    pub _padding: [u8; 2],
    /// Outlier cut, ppm of the median.
    pub max_deviation_ppm: u32,
    /// Survivors' spread limit, ppm of the median.
    pub max_divergence_ppm: u32,
    /// Aggregate confidence limit, ppm of price.
    pub max_aggregate_conf_ppm: u32,
    /// Tolerated clock skew for publish times, seconds.
    pub future_tolerance_secs: u32,
    pub reserved: [u8; 12],
}
const _: () = assert!(core::mem::size_of::<OracleConfig>() == 576);

impl OracleSource {
    /// The instruction arguments that describe this source.
    pub fn to_args(&self) -> OracleSourceArgs {
        OracleSourceArgs {
            kind: self.kind,
            provider: self.provider,
            account: self.account,
            owner_program: self.owner_program,
            feed_id: self.feed_id,
            max_staleness_secs: self.max_staleness_secs,
            max_staleness_slots: self.max_staleness_slots,
            max_conf_ppm: self.max_conf_ppm,
            conf_floor_ppm: self.conf_floor_ppm,
        }
    }
}

impl OracleConfig {
    /// The instruction arguments that describe this side.
    pub fn to_args(&self) -> OracleSideArgs {
        OracleSideArgs {
            sources: self.active().iter().map(|s| s.to_args()).collect(),
            min_quorum: self.min_quorum,
            max_deviation_ppm: self.max_deviation_ppm,
            max_divergence_ppm: self.max_divergence_ppm,
            max_aggregate_conf_ppm: self.max_aggregate_conf_ppm,
            future_tolerance_secs: self.future_tolerance_secs,
        }
    }

    /// The sources in use.
    pub fn active(&self) -> &[OracleSource] {
        &self.sources[..usize::from(self.num_sources)]
    }

    /// Aggregation limits for the engine.
    pub fn aggregation(&self) -> AggregationConfig {
        AggregationConfig {
            min_quorum: self.min_quorum,
            max_deviation_ppm: self.max_deviation_ppm,
            max_divergence_ppm: self.max_divergence_ppm,
            max_conf_ppm: self.max_aggregate_conf_ppm,
        }
    }

    /// Per-source limits for the engine.
    pub fn limits(&self, s: &OracleSource) -> SourceLimits {
        SourceLimits {
            max_staleness_secs: s.max_staleness_secs,
            max_staleness_slots: s.max_staleness_slots,
            max_conf_ppm: s.max_conf_ppm,
            conf_floor_ppm: s.conf_floor_ppm,
            future_tolerance_secs: self.future_tolerance_secs,
        }
    }

    /// Builds and validates a configuration from instruction arguments: kinds known, accounts
    /// distinct, every limit within the engine's bounds table and the quorum reachable.
    pub fn from_args(args: &OracleSideArgs) -> Result<OracleConfig> {
        let n = args.sources.len();
        bulwark_engine::bounds::Param::OracleSourceCount
            .check(n as u64)
            .map_err(crate::error::engine_err)?;
        let mut cfg = OracleConfig {
            num_sources: n as u8,
            min_quorum: args.min_quorum,
            max_deviation_ppm: args.max_deviation_ppm,
            max_divergence_ppm: args.max_divergence_ppm,
            max_aggregate_conf_ppm: args.max_aggregate_conf_ppm,
            future_tolerance_secs: args.future_tolerance_secs,
            ..Default::default()
        };
        let mut specs = [SourceSpec::default(); 4];
        for (i, a) in args.sources.iter().enumerate() {
            OracleKind::try_from(a.kind)?;
            if args.sources[..i].iter().any(|b| b.account == a.account) {
                return err!(crate::error::BulwarkError::DuplicateOracleAccount);
            }
            cfg.sources[i] = OracleSource {
                account: a.account,
                owner_program: a.owner_program,
                feed_id: a.feed_id,
                max_staleness_secs: a.max_staleness_secs,
                max_staleness_slots: a.max_staleness_slots,
                max_conf_ppm: a.max_conf_ppm,
                conf_floor_ppm: a.conf_floor_ppm,
                kind: a.kind,
                provider: a.provider,
                ..Default::default()
            };
            specs[i] = SourceSpec {
                provider: a.provider,
                limits: cfg.limits(&cfg.sources[i]),
            };
        }
        bulwark_engine::oracle::validate_sources(&specs[..n], &cfg.aggregation())
            .map_err(crate::error::engine_err)?;
        Ok(cfg)
    }
}

impl SourceSide for OracleConfig {
    #[inline]
    fn count(&self) -> usize {
        usize::from(self.num_sources)
    }

    #[inline]
    fn spec(&self, i: usize) -> SourceSpec {
        let source = &self.sources[i];
        SourceSpec {
            provider: source.provider,
            limits: OracleConfig::limits(self, source),
        }
    }

    #[inline]
    fn aggregation(&self) -> AggregationConfig {
        OracleConfig::aggregation(self)
    }
}

/// Instruction arguments describing one oracle source.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct OracleSourceArgs {
    /// `OracleKind` code: 0 Pyth pull, 1 Switchboard On-Demand, 2 Chainlink.
    pub kind: u8,
    pub provider: u8,
    pub account: Pubkey,
    pub owner_program: Pubkey,
    pub feed_id: [u8; 32],
    pub max_staleness_secs: u32,
    pub max_staleness_slots: u32,
    pub max_conf_ppm: u32,
    pub conf_floor_ppm: u32,
}

/// Instruction arguments describing one side's sources and aggregation limits.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct OracleSideArgs {
    pub sources: Vec<OracleSourceArgs>,
    pub min_quorum: u8,
    pub max_deviation_ppm: u32,
    pub max_divergence_ppm: u32,
    pub max_aggregate_conf_ppm: u32,
    pub future_tolerance_secs: u32,
}
