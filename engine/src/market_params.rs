//! A market's whole parameter set and its one validation: every hard bound and every rule
//! between parameters (maintenance below initial margin, liquidation penalty plus buffer below
//! maintenance so staging converges, ADL floor below trigger, breaker bands ordered, oracle age
//! limits consistent). Listing a market and every later parameter change (at once or queued)
//! run it on the set as it would stand, so no path can leave a market in a combination
//! `create_market` would refuse.

use crate::action::AgeLimits;
use crate::adl::AdlParams;
use crate::bounds::Param;
use crate::breaker::VelocityParams;
use crate::dynamic_margin::{validate_dynamics, DynamicsParams};
use crate::error::{EngineError, EngineResult};
use crate::governance::MarketParam;
use crate::liquidation::{validate_liquidation, LiquidationParams};
use crate::oracle::{validate_market_oracle, MarketOracleConfig};
use crate::trade::{validate_params, MarginParams, TradeParams};

stored_block! {
    /// Every configurable parameter of a market (not its sources, which `validate_sources` checks
    /// on listing and rotation). Trading parameters as governance set them: the base spread
    /// without any breaker widening.
    /// Every name is unique across the groups and is the parameter's name in the bounds table,
    /// the IDL, parameter files (serde flattens the groups) and errors.
    pub struct MarketParamSet {
        #[cfg_attr(feature = "serde", serde(flatten))]
        pub trade: TradeParams,
        #[cfg_attr(feature = "serde", serde(flatten))]
        pub dynamics: DynamicsParams,
        #[cfg_attr(feature = "serde", serde(flatten))]
        pub liquidation: LiquidationParams,
        #[cfg_attr(feature = "serde", serde(flatten))]
        pub adl: AdlParams,
        #[cfg_attr(feature = "serde", serde(flatten))]
        pub insurance: InsuranceParams,
        #[cfg_attr(feature = "serde", serde(flatten))]
        pub margin: MarginParams,
        #[cfg_attr(feature = "serde", serde(flatten))]
        pub oracle: MarketOracleConfig,
        #[cfg_attr(feature = "serde", serde(flatten))]
        pub ages: AgeLimits,
        #[cfg_attr(feature = "serde", serde(flatten))]
        pub velocity: VelocityParams,
        #[cfg_attr(feature = "serde", serde(skip))]
        pub _padding: u32,
    }
}

stored_block! {
    /// Insurance coverage and its breaker.
    pub struct InsuranceParams {
        /// Insurance the market may draw per window, collateral units.
        pub insurance_window_cap: u64,
        /// The coverage window, seconds.
        pub insurance_window_secs: u32,
        /// Coverage breaker: trips when the fund falls below this share of open-interest
        /// notional (ppm), recovers above the floor plus `insurance_hysteresis_ppm` of it.
        pub insurance_floor_ppm: u32,
        pub insurance_hysteresis_ppm: u32,
        #[cfg_attr(feature = "serde", serde(skip))]
        pub _padding: u32,
    }
}

const _: () = assert!(core::mem::size_of::<MarketParamSet>() == 336);

impl MarketParamSet {
    /// The value in force of a governable parameter.
    pub fn value(&self, p: MarketParam) -> u64 {
        match p {
            MarketParam::OpenInterestCapLong => self.trade.open_interest_cap_long,
            MarketParam::OpenInterestCapShort => self.trade.open_interest_cap_short,
            MarketParam::BaseImr => self.margin.base_imr_ppm as u64,
            MarketParam::BaseMmr => self.dynamics.margin.base_mmr_ppm as u64,
            MarketParam::MaxMmr => self.dynamics.margin.max_mmr_ppm as u64,
            MarketParam::MaxLeverage => self.margin.max_leverage as u64,
            MarketParam::MaxPositionNotional => self.trade.max_position_notional,
            MarketParam::TakerFee => self.trade.fees.taker_fee_ppm as u64,
            MarketParam::InsuranceWindowCap => self.insurance.insurance_window_cap,
            MarketParam::ReserveFactor => self.trade.reserve_factor_ppm as u64,
        }
    }

    /// True when every `_padding` field of the set is zero (a set from outside, such as
    /// `create_market`'s arguments, must not smuggle bytes into the account's layout).
    pub fn padding_is_zero(&self) -> bool {
        self._padding == 0
            && self.trade._padding == 0
            && self.trade.impact._padding == 0
            && self.dynamics.margin._padding == 0
            && self.insurance._padding == 0
            && self.margin._padding == 0
    }

    /// Sets a governable parameter as is (a ppm or count saturates at `u32::MAX`, far above
    /// every bound, so [`validate_market_params`] refuses it). Governance's checked path is
    /// the program's `change_param`.
    pub fn set_value(&mut self, p: MarketParam, v: u64) {
        let v32 = u32::try_from(v).unwrap_or(u32::MAX);
        match p {
            MarketParam::OpenInterestCapLong => self.trade.open_interest_cap_long = v,
            MarketParam::OpenInterestCapShort => self.trade.open_interest_cap_short = v,
            MarketParam::BaseImr => self.margin.base_imr_ppm = v32,
            MarketParam::BaseMmr => self.dynamics.margin.base_mmr_ppm = v32,
            MarketParam::MaxMmr => self.dynamics.margin.max_mmr_ppm = v32,
            MarketParam::MaxLeverage => self.margin.max_leverage = v32,
            MarketParam::MaxPositionNotional => self.trade.max_position_notional = v,
            MarketParam::TakerFee => self.trade.fees.taker_fee_ppm = v32,
            MarketParam::InsuranceWindowCap => self.insurance.insurance_window_cap = v,
            MarketParam::ReserveFactor => self.trade.reserve_factor_ppm = v32,
        }
    }
}

/// Which part of the set a validation failure is about (clients map them to different
/// errors: market parameters or oracle configuration).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InvalidParamSet {
    /// Trading, margin, dynamics, liquidation, insurance, ADL or breaker parameters.
    Market(EngineError),
    /// Market-level oracle and age limits.
    Oracle(EngineError),
}

fn invalid(what: &'static str) -> EngineError {
    EngineError::InvalidConfig { what }
}

/// Insurance, ADL and breaker bounds and their relations.
fn validate_coverage_and_breakers(s: &MarketParamSet) -> EngineResult<()> {
    use Param::*;
    InsuranceWindowCap.check(s.insurance.insurance_window_cap)?;
    InsuranceWindow.check(s.insurance.insurance_window_secs as u64)?;
    AdlTrigger.check(s.adl.adl_trigger_ppm as u64)?;
    AdlFloor.check(s.adl.adl_floor_ppm as u64)?;
    AdlDrainSlots.check(s.adl.adl_drain_slots)?;
    if s.adl.adl_floor_ppm >= s.adl.adl_trigger_ppm {
        return Err(invalid("adl_floor_ppm must be below adl_trigger_ppm"));
    }
    let v = &s.velocity;
    VelocityWindow.check(v.velocity_window_secs as u64)?;
    VelocityBand1.check(v.velocity_band1_ppm as u64)?;
    VelocityBand2.check(v.velocity_band2_ppm as u64)?;
    VelocityCooldown.check(v.velocity_cooldown_secs as u64)?;
    VelocityHysteresis.check(v.velocity_hysteresis_ppm as u64)?;
    InsuranceFloor.check(s.insurance.insurance_floor_ppm as u64)?;
    InsuranceHysteresis.check(s.insurance.insurance_hysteresis_ppm as u64)?;
    if v.velocity_band1_ppm >= v.velocity_band2_ppm
        || v.velocity_hysteresis_ppm >= v.velocity_band1_ppm
    {
        return Err(invalid(
            "velocity bands must rise and hysteresis stay below band 1",
        ));
    }
    Ok(())
}

/// Validates the whole set: trading and margin, dynamics (with the same base maintenance),
/// liquidation against base maintenance, insurance/ADL/breakers, then the oracle limits.
/// The first failure is returned, tagged with the part it concerns.
pub fn validate_market_params(s: &MarketParamSet) -> Result<(), InvalidParamSet> {
    use InvalidParamSet::{Market, Oracle};
    if !s.padding_is_zero() {
        return Err(Market(invalid("padding fields must be zero")));
    }
    let base_mmr_ppm = s.dynamics.margin.base_mmr_ppm;
    validate_params(&s.trade, &s.margin, base_mmr_ppm).map_err(Market)?;
    validate_dynamics(&s.dynamics).map_err(Market)?;
    validate_liquidation(&s.liquidation, base_mmr_ppm, s.trade.min_position_notional)
        .map_err(Market)?;
    validate_coverage_and_breakers(s).map_err(Market)?;
    validate_market_oracle(&s.oracle, &s.ages).map_err(Oracle)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The SDK's liquid-market defaults, as a set.
    fn liquid() -> MarketParamSet {
        let mut s = MarketParamSet::default();
        let t = &mut s.trade;
        t.spread.base_spread_ppm = 500;
        t.spread.max_spread_ppm = 20_000;
        t.impact.impact_depth = 100_000_000_000_000;
        t.impact.max_impact_ppm = 10_000;
        t.fees.taker_fee_ppm = 600;
        t.fees.pool_share_ppm = 700_000;
        t.fees.insurance_share_ppm = 200_000;
        t.fees.protocol_share_ppm = 100_000;
        t.lot_base = 1_000_000;
        t.tick_price = 1_000_000;
        t.max_position_notional = 1_000_000_000_000;
        t.reserve_factor_ppm = 500_000;
        s.margin = MarginParams {
            max_leverage: 20,
            base_imr_ppm: 50_000,
            imr_multiplier_ppm: 1_500_000,
            imf_factor: 5,
            health_conf_k_ppm: 1_000_000,
            _padding: 0,
        };
        let d = &mut s.dynamics;
        d.vol.vol_sample_secs = 30;
        d.vol.vol_window_secs = 3_600;
        d.margin.base_mmr_ppm = 25_000;
        d.margin.max_mmr_ppm = 150_000;
        d.margin.vol_horizon_secs = 3_600;
        d.margin.mmr_ramp_slots = 1_500;
        d.funding.funding_depth = 100_000_000_000;
        s.liquidation = LiquidationParams {
            liq_buffer_ppm: 5_000,
            liq_max_fraction_ppm: 500_000,
            liq_dust_base: 100_000_000,
            liq_base_penalty_ppm: 5_000,
            liq_escalation_ppm_per_slot: 1,
            liq_max_penalty_ppm: 15_000,
            keeper_share_ppm: 500_000,
            min_keeper_reward: 100_000,
        };
        s.trade.min_position_notional = 10_000_000;
        s.adl = AdlParams {
            adl_trigger_ppm: 500_000,
            adl_floor_ppm: 300_000,
            adl_drain_slots: 300,
        };
        s.insurance.insurance_window_secs = 86_400;
        s.velocity = VelocityParams {
            velocity_window_secs: 300,
            velocity_band1_ppm: 100_000,
            velocity_band2_ppm: 200_000,
            velocity_cooldown_secs: 600,
            velocity_hysteresis_ppm: 30_000,
        };
        s.oracle.max_twap_deviation_ppm = 150_000;
        s.oracle.fallback_band_ppm = 30_000;
        s.oracle.twap.twap_window_secs = 600;
        s.oracle.twap.twap_max_step_ppm = 20_000;
        s.ages = AgeLimits {
            max_age_for_increase_secs: 10,
            fresh_slots: 25,
            max_age_reduce_slots: 1_500,
            max_age_liquidate_slots: 150,
        };
        s
    }

    fn with_mmr(mut s: MarketParamSet, mmr: u32) -> MarketParamSet {
        s.dynamics.margin.base_mmr_ppm = mmr;
        s
    }

    fn is_market_invalid(s: &MarketParamSet) -> bool {
        matches!(
            validate_market_params(s),
            Err(InvalidParamSet::Market(EngineError::InvalidConfig { .. }))
        )
    }

    #[test]
    fn every_rule_between_parameters_is_checked_on_the_whole_set() {
        let s = liquid();
        assert_eq!(validate_market_params(&s), Ok(()));
        // Maintenance at or below max penalty + buffer (15,000 + 5,000): staging cannot converge.
        assert!(is_market_invalid(&with_mmr(s, 20_000)));
        assert_eq!(validate_market_params(&with_mmr(s, 20_001)), Ok(()));
        // Maintenance not below initial margin, or above its own ceiling.
        assert!(is_market_invalid(&with_mmr(s, 50_000)));
        let mut t = s;
        t.dynamics.margin.max_mmr_ppm = 24_999;
        assert!(is_market_invalid(&t));
        // (Maintenance has one home, `dynamics.margin.base_mmr_ppm`: no second view to disagree.)
        let mut t = s;
        t.dynamics.margin._padding = 1;
        assert!(is_market_invalid(&t), "padding bytes are refused");
        let mut t = s;
        t.adl.adl_floor_ppm = t.adl.adl_trigger_ppm;
        assert!(is_market_invalid(&t));
        let mut t = s;
        t.velocity.velocity_hysteresis_ppm = t.velocity.velocity_band1_ppm;
        assert!(is_market_invalid(&t));
        let mut t = s;
        t.ages.fresh_slots = 151;
        assert!(matches!(
            validate_market_params(&t),
            Err(InvalidParamSet::Oracle(_))
        ));
        let mut t = s;
        t.insurance.insurance_window_secs = 1;
        assert_eq!(
            validate_market_params(&t),
            Err(InvalidParamSet::Market(EngineError::OutOfBounds {
                param: "insurance_window_secs"
            }))
        );
    }
}
