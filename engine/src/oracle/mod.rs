//! Oracle logic of SPEC section 3: per-reading validity, provider-aware quorum, median with
//! one outlier pass, divergence, aggregate confidence, TWAP, conversion into collateral units.
//!
//! Flow: a decoder (in the program) turns an account into an [`Observation`];
//! [`check_reading`] turns it into a [`Reading`] or a [`ReadingFault`]; [`aggregate`] combines
//! one side's readings (asset or collateral, in USD); [`price_market`] divides the asset by the
//! collateral, applies the TWAP checks and feeds the TWAP.

mod aggregate;
mod config;
mod market;
mod reading;
mod record;
mod sources;
mod twap;
mod validity;

pub use aggregate::{
    aggregate, median_floor, trimmed_range, AggregationConfig, ProviderReading, UsdAggregate,
};
pub use config::{validate_market_oracle, validate_sources, SourceSpec};
pub use market::{price_market, to_collateral_floor, MarketAggregate, MarketOracleConfig};
pub use reading::{
    check_against_accepted, check_reading, AcceptedReading, CheckedReading, Observation, Reading,
    ReadingFault, SourceLimits,
};
pub use record::AggregateRecord;
pub use sources::{
    judge_side, record_side, SideReadings, SourceOutcome, SourceSide, SourceState, SourceStatus,
};
pub use twap::{update_twap, TwapConfig, TwapState};
pub use validity::Validity;

/// Most sources a market (or the collateral) may list.
pub const MAX_SOURCES: usize = 4;
