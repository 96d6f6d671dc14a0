//! The market's parameters and state as the engine's functions take them: pure views over
//! the zero-copy fields, no validation and no writes.

use bulwark_engine::action::AgeLimits;
use bulwark_engine::adl::AdlParams;
use bulwark_engine::execution::{ImpactParams, SpreadParams};
use bulwark_engine::fees::FeeParams;
use bulwark_engine::funding::funding_owed;
use bulwark_engine::liquidation::LiquidationParams;
use bulwark_engine::margin::MarketMargin;
use bulwark_engine::oracle::{MarketOracleConfig, TwapConfig, TwapState};
use bulwark_engine::trade::{MarginParams, MarketBook, TradeParams};

use super::{Market, PositionSlot};

impl Market {
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

    /// Trading parameters for the engine.
    pub fn trade_params(&self) -> TradeParams {
        TradeParams {
            spread: SpreadParams {
                base_spread_ppm: self.base_spread_ppm,
                conf_k_ppm: self.conf_spread_k_ppm,
                dispersion_k_ppm: self.dispersion_spread_k_ppm,
                latency_k_ppm: self.latency_spread_k_ppm,
                max_spread_ppm: self.max_spread_ppm,
            }
            .in_velocity_band(self.velocity_band),
            impact: ImpactParams {
                depth: self.impact_depth,
                max_impact_ppm: self.max_impact_ppm,
            },
            fees: FeeParams {
                taker_fee_ppm: self.taker_fee_ppm,
                pool_share_ppm: self.pool_share_ppm,
                insurance_share_ppm: self.insurance_share_ppm,
                protocol_share_ppm: self.protocol_share_ppm,
            },
            min_order_base: self.min_order_base,
            lot_base: self.lot_base,
            tick_price: self.tick_price,
            max_position_notional: self.max_position_notional,
            min_position_notional: self.min_position_notional,
            min_hold_slots: self.min_hold_slots,
            reserve_factor_ppm: self.reserve_factor_ppm,
            oi_cap_long: self.open_interest_cap_long,
            oi_cap_short: self.open_interest_cap_short,
        }
    }

    /// Margin parameters as governance set them.
    pub fn margin_params(&self) -> MarginParams {
        MarginParams {
            max_leverage: self.max_leverage,
            base_imr_ppm: self.base_imr_ppm,
            base_mmr_ppm: self.base_mmr_ppm,
            imr_multiplier_ppm: self.imr_multiplier_ppm,
            imf_factor: self.imf_factor,
            health_conf_k_ppm: self.health_conf_k_ppm,
        }
    }

    /// Open interest, cost aggregates and the impact ledger for the engine.
    pub fn book(&self) -> MarketBook {
        MarketBook {
            long_oi: self.long_oi,
            short_oi: self.short_oi,
            long_cost: self.long_cost,
            short_cost: self.short_cost,
            impact_ledger: self.impact_ledger,
            impact_fresh: self.impact_fresh,
            impact_fresh_slot: self.impact_fresh_slot,
        }
    }

    /// Writes the engine's book back.
    pub fn set_book(&mut self, b: &MarketBook) {
        self.long_oi = b.long_oi;
        self.short_oi = b.short_oi;
        self.long_cost = b.long_cost;
        self.short_cost = b.short_cost;
        self.impact_ledger = b.impact_ledger;
        self.impact_fresh = b.impact_fresh;
        self.impact_fresh_slot = b.impact_fresh_slot;
    }

    /// Margin view of `slot`'s position at `price` (the price the caller's action may use)
    /// and slot `now_slot`: the maintenance ratio in force then, and the position's funding
    /// owed since its snapshot up to the stored index.
    pub fn margin(
        &self,
        slot: &PositionSlot,
        price: u64,
        decimals: u8,
        now_slot: u64,
    ) -> bulwark_engine::EngineResult<MarketMargin> {
        let unsettled_funding = funding_owed(
            slot.base,
            slot.funding_snapshot,
            self.funding_index,
            decimals,
        )?;
        Ok(MarketMargin {
            market_index: self.index,
            price,
            conf: self.conf,
            twap: self.twap_price,
            decimals,
            mmr_ppm: self.mmr_at(now_slot),
            base_imr_ppm: self.base_imr_ppm,
            imr_multiplier_ppm: self.imr_multiplier_ppm,
            imf_factor: self.imf_factor,
            conf_k_ppm: self.health_conf_k_ppm,
            unsettled_funding,
        })
    }

    /// Liquidation parameters for the engine.
    pub fn liquidation_params(&self) -> LiquidationParams {
        LiquidationParams {
            buffer_ppm: self.liq_buffer_ppm,
            max_fraction_ppm: self.liq_max_fraction_ppm,
            dust_base: self.liq_dust_base,
            base_penalty_ppm: self.liq_base_penalty_ppm,
            escalation_ppm_per_slot: self.liq_escalation_ppm_per_slot,
            max_penalty_ppm: self.liq_max_penalty_ppm,
            keeper_share_ppm: self.keeper_share_ppm,
            min_keeper_reward: self.min_keeper_reward,
            min_position_notional: self.min_position_notional,
        }
    }

    /// ADL parameters for the engine.
    pub fn adl_params(&self) -> AdlParams {
        AdlParams {
            trigger_ppm: self.adl_trigger_ppm,
            floor_ppm: self.adl_floor_ppm,
            min_score_ppm: self.adl_min_score_ppm,
        }
    }
}
