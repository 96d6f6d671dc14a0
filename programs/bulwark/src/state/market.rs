//! One perpetual market.

use anchor_lang::prelude::*;
use bulwark_engine::action::{AgeLimits, StoredPrice};
use bulwark_engine::oracle::{MarketOracleConfig, TwapConfig, TwapState, Validity};

use super::{OracleConfig, SourceState};

/// A perpetual market (PDA `[MARKET_SEED, index le]`). `update_risk` is its only oracle reader.
#[account(zero_copy)]
#[derive(Debug)]
pub struct Market {
    pub version: u8,
    pub bump: u8,
    /// Market state machine code (0 Active; the full machine arrives with the breakers).
    pub status: u8,
    /// `Validity` code of the stored aggregate.
    pub validity: u8,
    pub index: u16,
    /// Bit `i` set when asset source `i` survived the outlier pass of the last aggregation.
    pub asset_survivors: u8,
    /// Same for the collateral sources.
    pub collateral_survivors: u8,
    /// Ticker, UTF-8, zero padded.
    pub symbol: [u8; 16],
    /// The asset's sources and aggregation limits.
    pub oracle: OracleConfig,
    /// Bookkeeping of the asset sources, by position.
    pub source_states: [SourceState; 4],
    /// Bookkeeping of the exchange's collateral sources as seen by this market, by position.
    pub collateral_source_states: [SourceState; 4],

    /// Aggregate price, collateral units at 1e-9 per base unit.
    pub price: u64,
    /// Aggregate confidence, collateral units at 1e-9.
    pub conf: u64,
    /// Price for reductions and liquidations (differs while Divergent; 0 = none).
    pub reduce_price: u64,
    /// Asset source dispersion, collateral units at 1e-9.
    pub dispersion: u64,
    /// Slot of the stored aggregate.
    pub aggregate_slot: u64,
    /// Unix time of the stored aggregate.
    pub aggregate_time: i64,
    /// Oldest publish time of the readings behind it.
    pub oldest_publish_time: i64,
    /// Asset aggregate in USD at 1e-9.
    pub asset_price_usd: u64,
    pub asset_conf_usd: u64,
    /// Collateral aggregate in USD at 1e-9.
    pub collateral_price_usd: u64,
    pub collateral_conf_usd: u64,
    /// TWAP, collateral units at 1e-9 (0 until the first sample).
    pub twap_price: u64,
    pub twap_last_slot: u64,
    pub twap_last_time: i64,

    /// TooVolatile limit, ppm of the TWAP.
    pub max_twap_deviation_ppm: u32,
    /// Divergence fallback band around the TWAP, ppm.
    pub fallback_band_ppm: u32,
    pub twap_window_secs: u32,
    pub twap_max_step_ppm: u32,
    pub max_age_for_increase_secs: u32,
    pub fresh_slots: u32,
    pub max_age_reduce_slots: u32,
    pub max_age_liquidate_slots: u32,
    /// Open-interest caps in base lots; zero at listing, raised only through the timelock.
    pub open_interest_cap_long: u64,
    pub open_interest_cap_short: u64,
    pub reserved: [u8; 2048],
}
const _: () = assert!(core::mem::size_of::<Market>() == 3128);
const _: () = assert!(core::mem::size_of::<Market>() % 8 == 0);

impl Market {
    /// Account size including Anchor's discriminator.
    pub const SPACE: usize = 8 + core::mem::size_of::<Market>();

    /// Market-level oracle limits for the engine.
    pub fn oracle_limits(&self) -> MarketOracleConfig {
        MarketOracleConfig {
            max_twap_deviation_ppm: self.max_twap_deviation_ppm,
            fallback_band_ppm: self.fallback_band_ppm,
            twap: TwapConfig {
                window_secs: self.twap_window_secs,
                max_step_ppm: self.twap_max_step_ppm,
            },
        }
    }

    /// Per-action age limits for the engine.
    pub fn age_limits(&self) -> AgeLimits {
        AgeLimits {
            max_age_for_increase_secs: self.max_age_for_increase_secs,
            fresh_slots: self.fresh_slots,
            max_age_reduce_slots: self.max_age_reduce_slots,
            max_age_liquidate_slots: self.max_age_liquidate_slots,
        }
    }

    /// The TWAP state for the engine.
    pub fn twap(&self) -> TwapState {
        TwapState {
            price: self.twap_price,
            last_slot: self.twap_last_slot,
            last_time: self.twap_last_time,
        }
    }

    /// The stored aggregate as the engine's action table reads it.
    pub fn stored_price(&self) -> StoredPrice {
        StoredPrice {
            price: self.price,
            reduce_price: self.reduce_price,
            validity: Validity::from_u8(self.validity),
            slot: self.aggregate_slot,
            oldest_publish_time: self.oldest_publish_time,
        }
    }
}
