//! The arguments of a market listing (`create_market`), grouped by concern: oracle and age
//! limits, trading, margin dynamics, liquidation and breakers. The listing itself
//! (`Market::apply_listing`) and off-chain tools read them; `instructions` re-exports them.

use anchor_lang::prelude::*;

use crate::state::OracleSideArgs;

/// Market-level oracle and age limits.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MarketRiskArgs {
    pub max_twap_deviation_ppm: u32,
    pub fallback_band_ppm: u32,
    pub twap_window_secs: u32,
    pub twap_max_step_ppm: u32,
    pub max_age_for_increase_secs: u32,
    pub fresh_slots: u32,
    pub max_age_reduce_slots: u32,
    pub max_age_liquidate_slots: u32,
}

/// Arguments of `create_market`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct CreateMarketArgs {
    /// Must equal the exchange's market count (markets are numbered from 0).
    pub index: u16,
    /// Ticker, UTF-8, zero padded.
    pub symbol: [u8; 16],
    /// The asset's USD price sources and aggregation limits.
    pub oracle: OracleSideArgs,
    pub risk: MarketRiskArgs,
    pub trading: MarketTradingArgs,
    pub dynamics: MarketDynamicsArgs,
    pub liquidation: MarketLiquidationArgs,
    pub breakers: MarketBreakerArgs,
}

/// Circuit-breaker parameters (see `bulwark_engine::breaker`).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MarketBreakerArgs {
    pub velocity_window_secs: u32,
    pub velocity_band1_ppm: u32,
    pub velocity_band2_ppm: u32,
    pub velocity_cooldown_secs: u32,
    pub velocity_hysteresis_ppm: u32,
    pub insurance_floor_ppm: u32,
    pub insurance_hysteresis_ppm: u32,
}

/// Liquidation, insurance-coverage and ADL parameters.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MarketLiquidationArgs {
    pub liq_buffer_ppm: u32,
    pub liq_max_fraction_ppm: u32,
    pub liq_dust_base: u64,
    pub liq_base_penalty_ppm: u32,
    pub liq_escalation_ppm_per_slot: u32,
    pub liq_max_penalty_ppm: u32,
    pub keeper_share_ppm: u32,
    pub min_keeper_reward: u64,
    /// Smallest notional a trade may leave a position at, collateral units.
    pub min_position_notional: u64,
    pub insurance_window_cap: u64,
    pub insurance_window_secs: u32,
    pub adl_trigger_ppm: u32,
    pub adl_floor_ppm: u32,
    pub adl_min_score_ppm: u64,
}

/// Volatility, dynamic-margin and funding parameters (see `bulwark_engine::dynamic_margin`).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MarketDynamicsArgs {
    pub vol_sample_secs: u32,
    pub vol_window_secs: u32,
    pub vol_k_ppm: u32,
    pub vol_horizon_secs: u32,
    pub max_mmr_ppm: u32,
    pub mmr_conf_k_ppm: u32,
    pub mmr_ramp_slots: u32,
    pub mmr_calm_slots: u32,
    pub funding_k_ppm: u32,
    pub funding_depth: u64,
    pub max_funding_rate_ppm: u32,
}

/// Trading and margin parameters (see `bulwark_engine::trade` and `margin`).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MarketTradingArgs {
    pub base_spread_ppm: u32,
    pub conf_spread_k_ppm: u32,
    pub dispersion_spread_k_ppm: u32,
    pub latency_spread_k_ppm: u32,
    pub max_spread_ppm: u32,
    pub impact_depth: u64,
    pub max_impact_ppm: u32,
    pub taker_fee_ppm: u32,
    pub pool_share_ppm: u32,
    pub insurance_share_ppm: u32,
    pub protocol_share_ppm: u32,
    pub min_order_base: u64,
    pub lot_base: u64,
    pub tick_price: u64,
    pub max_position_notional: u64,
    pub min_hold_slots: u32,
    pub reserve_factor_ppm: u32,
    pub max_leverage: u32,
    pub base_imr_ppm: u32,
    pub base_mmr_ppm: u32,
    pub imr_multiplier_ppm: u32,
    pub imf_factor: u32,
    pub health_conf_k_ppm: u32,
}
