//! Listing a market: everything `create_market` writes into a new market account from its
//! arguments, and every check it makes, in one place the program and off-chain tools
//! (bootstrap validation, the stress simulator) share.

use anchor_lang::prelude::*;

use crate::state::{
    CreateMarketArgs, Market, MarketBreakerArgs, MarketDynamicsArgs, MarketLiquidationArgs,
    MarketRiskArgs, MarketTradingArgs, OracleConfig,
};

impl Market {
    /// Fills a freshly created (zeroed) market from `args` at `slot`/`now` and validates the
    /// whole parameter set against the engine's bounds and cross-field rules
    /// ([`Market::validate_param_set`], the check every later parameter change runs too);
    /// listed Halted, with zero open-interest caps, until the first `update_risk`.
    pub fn apply_listing(&mut self, args: &CreateMarketArgs, slot: u64, now: i64) -> Result<()> {
        self.index = args.index;
        self.symbol = args.symbol;
        self.oracle = OracleConfig::from_args(&args.oracle)?;
        self.list_risk(&args.risk);
        self.list_trading(&args.trading);
        self.list_dynamics(&args.dynamics);
        self.list_liquidation(&args.liquidation);
        self.list_breakers(&args.breakers);
        self.mmr_current_ppm = self.base_mmr_ppm;
        self.mmr_target_ppm = self.base_mmr_ppm;
        self.mmr_slot = slot;
        self.mmr_calm_since_slot = slot;
        self.funding_last_time = now;
        // Listed without a price: Halted until the first update_risk.
        self.status = bulwark_engine::state::MarketState::Halted as u8;
        self.state_since_slot = slot;
        // The whole set, checked as stored (so the limits the market runs on are the ones
        // validated), by the same validation every later parameter change runs.
        self.validate_param_set()
    }

    /// The oracle-risk limits of a listing (the open-interest caps start at zero).
    fn list_risk(&mut self, r: &MarketRiskArgs) {
        self.max_twap_deviation_ppm = r.max_twap_deviation_ppm;
        self.fallback_band_ppm = r.fallback_band_ppm;
        self.twap_window_secs = r.twap_window_secs;
        self.twap_max_step_ppm = r.twap_max_step_ppm;
        self.max_age_for_increase_secs = r.max_age_for_increase_secs;
        self.fresh_slots = r.fresh_slots;
        self.max_age_reduce_slots = r.max_age_reduce_slots;
        self.max_age_liquidate_slots = r.max_age_liquidate_slots;
        self.open_interest_cap_long = 0;
        self.open_interest_cap_short = 0;
    }

    /// The trading and margin parameters of a listing.
    fn list_trading(&mut self, t: &MarketTradingArgs) {
        self.base_spread_ppm = t.base_spread_ppm;
        self.conf_spread_k_ppm = t.conf_spread_k_ppm;
        self.dispersion_spread_k_ppm = t.dispersion_spread_k_ppm;
        self.latency_spread_k_ppm = t.latency_spread_k_ppm;
        self.max_spread_ppm = t.max_spread_ppm;
        self.impact_depth = t.impact_depth;
        self.max_impact_ppm = t.max_impact_ppm;
        self.taker_fee_ppm = t.taker_fee_ppm;
        self.pool_share_ppm = t.pool_share_ppm;
        self.insurance_share_ppm = t.insurance_share_ppm;
        self.protocol_share_ppm = t.protocol_share_ppm;
        self.min_order_base = t.min_order_base;
        self.lot_base = t.lot_base;
        self.tick_price = t.tick_price;
        self.max_position_notional = t.max_position_notional;
        self.min_hold_slots = t.min_hold_slots;
        self.reserve_factor_ppm = t.reserve_factor_ppm;
        self.max_leverage = t.max_leverage;
        self.base_imr_ppm = t.base_imr_ppm;
        self.base_mmr_ppm = t.base_mmr_ppm;
        self.imr_multiplier_ppm = t.imr_multiplier_ppm;
        self.imf_factor = t.imf_factor;
        self.health_conf_k_ppm = t.health_conf_k_ppm;
    }

    /// The dynamic-margin, volatility and funding parameters of a listing.
    fn list_dynamics(&mut self, d: &MarketDynamicsArgs) {
        self.vol_sample_secs = d.vol_sample_secs;
        self.vol_window_secs = d.vol_window_secs;
        self.vol_k_ppm = d.vol_k_ppm;
        self.vol_horizon_secs = d.vol_horizon_secs;
        self.max_mmr_ppm = d.max_mmr_ppm;
        self.mmr_conf_k_ppm = d.mmr_conf_k_ppm;
        self.mmr_ramp_slots = d.mmr_ramp_slots;
        self.mmr_calm_slots = d.mmr_calm_slots;
        self.funding_k_ppm = d.funding_k_ppm;
        self.funding_depth = d.funding_depth;
        self.max_funding_rate_ppm = d.max_funding_rate_ppm;
    }

    /// The liquidation, insurance-window and ADL parameters of a listing.
    fn list_liquidation(&mut self, l: &MarketLiquidationArgs) {
        self.liq_buffer_ppm = l.liq_buffer_ppm;
        self.liq_max_fraction_ppm = l.liq_max_fraction_ppm;
        self.liq_dust_base = l.liq_dust_base;
        self.liq_base_penalty_ppm = l.liq_base_penalty_ppm;
        self.liq_escalation_ppm_per_slot = l.liq_escalation_ppm_per_slot;
        self.liq_max_penalty_ppm = l.liq_max_penalty_ppm;
        self.keeper_share_ppm = l.keeper_share_ppm;
        self.min_keeper_reward = l.min_keeper_reward;
        self.min_position_notional = l.min_position_notional;
        self.insurance_window_cap = l.insurance_window_cap;
        self.insurance_window_secs = l.insurance_window_secs;
        self.adl_trigger_ppm = l.adl_trigger_ppm;
        self.adl_floor_ppm = l.adl_floor_ppm;
        self.adl_min_score_ppm = l.adl_min_score_ppm;
    }

    /// The circuit-breaker parameters of a listing.
    fn list_breakers(&mut self, b: &MarketBreakerArgs) {
        self.velocity_window_secs = b.velocity_window_secs;
        self.velocity_band1_ppm = b.velocity_band1_ppm;
        self.velocity_band2_ppm = b.velocity_band2_ppm;
        self.velocity_cooldown_secs = b.velocity_cooldown_secs;
        self.velocity_hysteresis_ppm = b.velocity_hysteresis_ppm;
        self.insurance_floor_ppm = b.insurance_floor_ppm;
        self.insurance_hysteresis_ppm = b.insurance_hysteresis_ppm;
    }
}
