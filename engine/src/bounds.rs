//! The parameter bounds table: every parameter's hard bounds, in one place. Governance can
//! never set a value outside them; `create_market` and later parameter changes check here.
//! The table grows with each capability.

use crate::error::{EngineError, EngineResult};

/// A parameter's hard bounds (inclusive) and unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParamBound {
    /// Name as used in state, args, TOML and errors.
    pub name: &'static str,
    /// Unit of the value.
    pub unit: &'static str,
    /// Smallest allowed value.
    pub min: u64,
    /// Largest allowed value.
    pub max: u64,
}

macro_rules! params {
    ($($variant:ident => ($name:literal, $unit:literal, $min:expr, $max:expr)),* $(,)?) => {
        /// Every bounded parameter.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(u16)]
        pub enum Param { $(#[doc = $name] $variant),* }

        /// The bounds table, indexed by [`Param`].
        pub const BOUNDS: &[ParamBound] = &[$(ParamBound { name: $name, unit: $unit, min: $min, max: $max }),*];

        impl Param {
            /// Every parameter in table order.
            pub const ALL: &'static [Param] = &[$(Param::$variant),*];
        }
    };
}

params! {
    OracleSourceCount => ("oracle_source_count", "sources", 1, 4),
    OracleMinQuorum => ("min_quorum", "distinct providers", 1, 3),
    OracleMaxDeviation => ("max_deviation_ppm", "ppm of median", 1_000, 500_000),
    OracleMaxDivergence => ("max_divergence_ppm", "ppm of median", 500, 200_000),
    OracleMaxAggregateConf => ("max_aggregate_conf_ppm", "ppm of price", 100, 200_000),
    SourceMaxStalenessSecs => ("max_staleness_secs", "seconds", 1, 3_600),
    SourceMaxStalenessSlots => ("max_staleness_slots", "slots", 1, 9_000),
    SourceMaxConf => ("max_conf_ppm", "ppm of price", 100, 200_000),
    SourceConfFloor => ("conf_floor_ppm", "ppm of price", 0, 50_000),
    FutureTolerance => ("future_tolerance_secs", "seconds", 0, 60),
    TwapWindow => ("twap_window_secs", "seconds", 60, 86_400),
    TwapMaxStep => ("twap_max_step_ppm", "ppm of TWAP", 1_000, 200_000),
    MaxTwapDeviation => ("max_twap_deviation_ppm", "ppm of TWAP", 10_000, 900_000),
    FallbackBand => ("fallback_band_ppm", "ppm of TWAP", 1_000, 200_000),
    MaxAgeForIncrease => ("max_age_for_increase_secs", "seconds", 1, 120),
    FreshSlots => ("fresh_slots", "slots", 0, 150),
    MaxAgeReduceSlots => ("max_age_reduce_slots", "slots", 1, 9_000),
    MaxAgeLiquidateSlots => ("max_age_liquidate_slots", "slots", 1, 9_000),
    BaseSpread => ("base_spread_ppm", "ppm of price", 0, 50_000),
    ConfSpreadK => ("conf_spread_k_ppm", "ppm (1e6 = 1x confidence)", 0, 10_000_000),
    DispersionSpreadK => ("dispersion_spread_k_ppm", "ppm (1e6 = 1x dispersion)", 0, 10_000_000),
    LatencySpreadK => ("latency_spread_k_ppm", "ppm (1e6 = 1x sigma*sqrt(age))", 0, 10_000_000),
    MaxSpread => ("max_spread_ppm", "ppm of price", 100, 100_000),
    ImpactDepth => ("impact_depth", "collateral units", 0, u64::MAX / 2),
    MaxImpact => ("max_impact_ppm", "ppm of trade notional", 0, 50_000),
    TakerFee => ("taker_fee_ppm", "ppm of notional", 0, 10_000),
    PoolShare => ("pool_share_ppm", "ppm of a fee", 0, 1_000_000),
    InsuranceShare => ("insurance_share_ppm", "ppm of a fee", 0, 1_000_000),
    ProtocolShare => ("protocol_share_ppm", "ppm of a fee", 0, 1_000_000),
    MinOrderBase => ("min_order_base", "base atoms", 0, 1_000_000_000_000_000),
    LotBase => ("lot_base", "base atoms", 1, 1_000_000_000_000),
    TickPrice => ("tick_price", "1e-9 collateral", 1, 1_000_000_000_000),
    MaxPositionNotional => ("max_position_notional", "collateral units", 1, u64::MAX / 2),
    MinHoldSlots => ("min_hold_slots", "slots", 0, 1_000),
    ReserveFactor => ("reserve_factor_ppm", "ppm of pool value", 1_000, 1_000_000),
    MaxLeverage => ("max_leverage", "x", 1, 100),
    BaseImr => ("base_imr_ppm", "ppm of notional", 10_000, 1_000_000),
    BaseMmr => ("base_mmr_ppm", "ppm of notional", 5_000, 500_000),
    ImrMultiplier => ("imr_multiplier_ppm", "ppm (1e6 = 1x)", 1_000_000, 5_000_000),
    ImfFactor => ("imf_factor", "ppm per 1000 sqrt(collateral units)", 0, 1_000),
    HealthConfK => ("health_conf_k_ppm", "ppm (1e6 = 1x confidence)", 0, 10_000_000),
    WithdrawDelay => ("withdraw_delay_secs", "seconds", 0, 2_592_000),
    MaxPnlToPool => ("max_pnl_to_pool_ppm", "ppm of pool value", 10_000, 1_000_000),
    VolSample => ("vol_sample_secs", "seconds", 1, 3_600),
    VolWindow => ("vol_window_secs", "seconds", 60, 2_592_000),
    VolK => ("vol_k_ppm", "ppm (1e6 = 1x sigma*sqrt(horizon))", 0, 20_000_000),
    VolHorizon => ("vol_horizon_secs", "seconds", 1, 604_800),
    MaxMmr => ("max_mmr_ppm", "ppm of notional", 5_000, 900_000),
    MmrConfK => ("mmr_conf_k_ppm", "ppm (1e6 = 1x confidence)", 0, 10_000_000),
    MmrRampSlots => ("mmr_ramp_slots", "slots", 1, 1_000_000),
    MmrCalmSlots => ("mmr_calm_slots", "slots", 0, 1_000_000),
    FundingK => ("funding_k_ppm", "ppm per day at skew = depth", 0, 100_000),
    FundingDepth => ("funding_depth", "collateral units", 1, u64::MAX / 2),
    MaxFundingRate => ("max_funding_rate_ppm", "ppm per day", 0, 100_000),
    LiqBuffer => ("liq_buffer_ppm", "ppm of notional", 0, 100_000),
    LiqMaxFraction => ("liq_max_fraction_ppm", "ppm of a position", 100_000, 1_000_000),
    LiqDustBase => ("liq_dust_base", "base atoms", 0, 1_000_000_000_000),
    LiqBasePenalty => ("liq_base_penalty_ppm", "ppm of closed notional", 0, 100_000),
    LiqEscalation => ("liq_escalation_ppm_per_slot", "ppm per slot", 0, 1_000),
    LiqMaxPenalty => ("liq_max_penalty_ppm", "ppm of closed notional", 0, 200_000),
    KeeperShare => ("keeper_share_ppm", "ppm of the penalty", 0, 1_000_000),
    MinKeeperReward => ("min_keeper_reward", "collateral units", 0, 1_000_000_000),
    MinPositionNotional => ("min_position_notional", "collateral units", 0, 1_000_000_000_000),
    InsuranceWindowCap => ("insurance_window_cap", "collateral units", 0, u64::MAX / 2),
    InsuranceWindow => ("insurance_window_secs", "seconds", 60, 2_592_000),
    UnstakeCooldown => ("unstake_cooldown_secs", "seconds", 0, 2_592_000),
    AdlTrigger => ("adl_trigger_ppm", "ppm of pool value", 10_000, 10_000_000),
    AdlFloor => ("adl_floor_ppm", "ppm of pool value", 0, 10_000_000),
    AdlDrainSlots => ("adl_drain_slots", "slots", 150, 216_000),
    VelocityWindow => ("velocity_window_secs", "seconds", 10, 86_400),
    VelocityBand1 => ("velocity_band1_ppm", "ppm of reference", 5_000, 500_000),
    VelocityBand2 => ("velocity_band2_ppm", "ppm of reference", 10_000, 900_000),
    VelocityCooldown => ("velocity_cooldown_secs", "seconds", 10, 86_400),
    VelocityHysteresis => ("velocity_hysteresis_ppm", "ppm of reference", 0, 400_000),
    InsuranceFloor => ("insurance_floor_ppm", "ppm of open-interest notional", 0, 1_000_000),
    InsuranceHysteresis => ("insurance_hysteresis_ppm", "ppm of the floor", 0, 1_000_000),
    MaxPauseSecs => ("max_pause_secs", "seconds", 60, 604_800),
    GuardianWindow => ("guardian_window_secs", "seconds", 60, 2_592_000),
    GuardianMaxActions => ("guardian_max_actions", "actions per window", 1, 100),
    Timelock => ("timelock_secs", "seconds", 3_600, 2_592_000),
    Grace => ("grace_secs", "seconds", 3_600, 2_592_000),
}

impl Param {
    /// The parameter whose bounds-table name is `name` (e.g. `base_mmr_ppm`).
    pub fn from_name(name: &str) -> Option<Param> {
        Param::ALL.iter().copied().find(|p| p.bound().name == name)
    }

    /// This parameter's bounds.
    pub fn bound(self) -> &'static ParamBound {
        &BOUNDS[self as usize]
    }

    /// `Ok` when `value` is within bounds, else [`EngineError::OutOfBounds`] naming it.
    pub fn check(self, value: u64) -> EngineResult<()> {
        let b = self.bound();
        if value < b.min || value > b.max {
            return Err(EngineError::OutOfBounds { param: b.name });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_consistent() {
        assert_eq!(BOUNDS.len(), Param::ALL.len());
        for (i, p) in Param::ALL.iter().enumerate() {
            assert_eq!(*p as usize, i);
            let b = p.bound();
            assert!(b.min <= b.max, "{}", b.name);
            assert!(p.check(b.min).is_ok() && p.check(b.max).is_ok());
            if b.min > 0 {
                assert_eq!(
                    p.check(b.min - 1),
                    Err(EngineError::OutOfBounds { param: b.name })
                );
            }
            assert_eq!(
                p.check(b.max + 1),
                Err(EngineError::OutOfBounds { param: b.name })
            );
        }
        let mut names: Vec<_> = BOUNDS.iter().map(|b| b.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), BOUNDS.len(), "names are unique");
    }
}
