//! The maintenance ratio that widens with volatility and confidence, and its ramp
//! (SPEC section 4): target = clamp(max(base, vol_k·σ·√horizon) + conf_k·conf/price, base, max);
//! the ratio in force climbs towards a higher target at a fixed speed per slot (never in the
//! slot the target rose), and descends only after the target has stayed below it for
//! `calm_slots`.

use crate::error::EngineResult;
use crate::num::{mul_div_ceil, ratio_ppm_ceil, PPM};
use crate::volatility::vol_margin_ppm;

stored_block! {
    /// Parameters of the dynamic maintenance ratio.
    pub struct DynamicMarginParams {
        /// Floor of the ratio, ppm: the market's base maintenance ratio.
        pub base_mmr_ppm: u32,
        /// Ceiling of the ratio, ppm.
        pub max_mmr_ppm: u32,
        /// Volatility multiple (ppm, 1e6 = 1x).
        pub vol_k_ppm: u32,
        /// Horizon the margin must cover, seconds.
        pub vol_horizon_secs: u32,
        /// Confidence widening: adds `conf_k · conf / price` (ppm, 1e6 = 1x).
        pub mmr_conf_k_ppm: u32,
        /// Slots a move from base to max takes.
        pub mmr_ramp_slots: u32,
        /// Slots the target must stay below the ratio before it descends.
        pub mmr_calm_slots: u32,
        #[cfg_attr(feature = "serde", serde(skip))]
        pub _padding: u32,
    }
}

stored_block! {
    /// The ratio's state, kept by the market.
    pub struct MarginRamp {
        /// Ratio in force at `slot`, ppm.
        pub current_ppm: u32,
        /// Where it is heading, ppm.
        pub target_ppm: u32,
        /// Slot of `current_ppm`.
        pub slot: u64,
        /// Since when the target has been below the ratio (meaningful while it is).
        pub calm_since_slot: u64,
    }
}

stored_block! {
    /// Volatility, funding and dynamic-margin parameters of a market, as governance sets them.
    pub struct DynamicsParams {
        #[cfg_attr(feature = "serde", serde(flatten))]
        pub vol: crate::volatility::VolParams,
        #[cfg_attr(feature = "serde", serde(flatten))]
        pub margin: DynamicMarginParams,
        #[cfg_attr(feature = "serde", serde(flatten))]
        pub funding: crate::funding::FundingParams,
    }
}

/// Checks dynamics parameters against the bounds table; the ceiling may not be below the
/// floor of the maintenance ratio.
pub fn validate_dynamics(d: &DynamicsParams) -> EngineResult<()> {
    use crate::bounds::Param::*;
    VolSample.check(d.vol.vol_sample_secs as u64)?;
    VolWindow.check(d.vol.vol_window_secs as u64)?;
    VolK.check(d.margin.vol_k_ppm as u64)?;
    VolHorizon.check(d.margin.vol_horizon_secs as u64)?;
    MaxMmr.check(d.margin.max_mmr_ppm as u64)?;
    MmrConfK.check(d.margin.mmr_conf_k_ppm as u64)?;
    MmrRampSlots.check(d.margin.mmr_ramp_slots as u64)?;
    MmrCalmSlots.check(d.margin.mmr_calm_slots as u64)?;
    FundingK.check(d.funding.funding_k_ppm as u64)?;
    FundingDepth.check(d.funding.funding_depth)?;
    MaxFundingRate.check(d.funding.max_funding_rate_ppm as u64)?;
    if d.margin.max_mmr_ppm < d.margin.base_mmr_ppm {
        return Err(crate::EngineError::InvalidConfig {
            what: "max_mmr_ppm below base_mmr_ppm",
        });
    }
    Ok(())
}

/// The target ratio for volatility `sigma_ppm` (per √s) and confidence `conf` at `price`.
pub fn target_mmr_ppm(
    p: &DynamicMarginParams,
    sigma_ppm: u32,
    conf: u64,
    price: u64,
) -> EngineResult<u32> {
    let vol = vol_margin_ppm(sigma_ppm, p.vol_k_ppm, p.vol_horizon_secs)?;
    let conf_term = if price == 0 {
        0
    } else {
        mul_div_ceil(ratio_ppm_ceil(conf, price)?, p.mmr_conf_k_ppm as u64, PPM)?
    };
    let t = (p.base_mmr_ppm as u64).max(vol).saturating_add(conf_term);
    Ok(t.clamp(
        p.base_mmr_ppm as u64,
        p.max_mmr_ppm.max(p.base_mmr_ppm) as u64,
    ) as u32)
}

/// Ramp speed: ppm per slot, at least 1.
pub fn ramp_step_ppm(p: &DynamicMarginParams) -> u64 {
    let span = p.max_mmr_ppm.saturating_sub(p.base_mmr_ppm) as u64;
    span.div_ceil(p.mmr_ramp_slots.max(1) as u64).max(1)
}

/// The ratio in force at `now_slot`.
pub fn effective_mmr_ppm(r: &MarginRamp, now_slot: u64, p: &DynamicMarginParams) -> u32 {
    let step = ramp_step_ppm(p);
    let current = r.current_ppm as u64;
    let target = r.target_ppm as u64;
    let out = if target > current {
        current
            .saturating_add(step.saturating_mul(now_slot.saturating_sub(r.slot)))
            .min(target)
    } else if target < current {
        let calm_until = r.calm_since_slot.saturating_add(p.mmr_calm_slots as u64);
        let from = calm_until.max(r.slot);
        if now_slot <= from {
            current
        } else {
            current
                .saturating_sub(step.saturating_mul(now_slot - from))
                .max(target)
        }
    } else {
        current
    };
    out as u32
}

/// Re-aims the ramp at `target_ppm` at `now_slot`, from the ratio in force then.
pub fn retarget(
    r: &MarginRamp,
    target_ppm: u32,
    now_slot: u64,
    p: &DynamicMarginParams,
) -> MarginRamp {
    let current = if r.current_ppm == 0 {
        p.base_mmr_ppm
    } else {
        effective_mmr_ppm(r, now_slot, p)
    };
    let was_calm = r.target_ppm < r.current_ppm && r.current_ppm != 0;
    let calm_since_slot = if target_ppm < current && was_calm {
        r.calm_since_slot
    } else {
        now_slot
    };
    MarginRamp {
        current_ppm: current,
        target_ppm,
        slot: now_slot,
        calm_since_slot,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: DynamicMarginParams = DynamicMarginParams {
        base_mmr_ppm: 25_000,
        max_mmr_ppm: 125_000,
        vol_k_ppm: 3_000_000,
        vol_horizon_secs: 3_600,
        mmr_conf_k_ppm: 1_000_000,
        mmr_ramp_slots: 100,
        mmr_calm_slots: 50,
        _padding: 0,
    };

    #[test]
    fn the_target_is_volatility_plus_confidence_within_bounds() {
        assert_eq!(target_mmr_ppm(&P, 0, 0, 100).unwrap(), 25_000);
        // sigma 200 ppm/sqrt(s) * 60 * 3 = 36_000; conf 0.1% adds 1_000.
        assert_eq!(target_mmr_ppm(&P, 200, 1_000, 1_000_000).unwrap(), 37_000);
        assert_eq!(target_mmr_ppm(&P, 100_000, 0, 100).unwrap(), 125_000);
    }

    #[test]
    fn a_jump_to_max_ramps_over_the_configured_slots_and_never_in_the_same_slot() {
        let r = retarget(&MarginRamp::default(), 125_000, 1_000, &P);
        assert_eq!(
            effective_mmr_ppm(&r, 1_000, &P),
            25_000,
            "unchanged in the slot it rose"
        );
        assert_eq!(effective_mmr_ppm(&r, 1_001, &P), 26_000);
        assert_eq!(effective_mmr_ppm(&r, 1_050, &P), 75_000);
        assert_eq!(effective_mmr_ppm(&r, 1_100, &P), 125_000);
        assert_eq!(
            effective_mmr_ppm(&r, 2_000, &P),
            125_000,
            "never above the target"
        );
    }

    #[test]
    fn it_descends_only_after_calm() {
        let high = MarginRamp {
            current_ppm: 125_000,
            target_ppm: 125_000,
            slot: 0,
            calm_since_slot: 0,
        };
        let r = retarget(&high, 25_000, 1_000, &P);
        assert_eq!(
            effective_mmr_ppm(&r, 1_050, &P),
            125_000,
            "calm not long enough"
        );
        assert_eq!(effective_mmr_ppm(&r, 1_060, &P), 115_000);
        // Re-targeting to another low value keeps the calm clock.
        let r2 = retarget(&r, 30_000, 1_060, &P);
        assert_eq!(effective_mmr_ppm(&r2, 1_070, &P), 105_000);
        // A higher target resets it.
        let r3 = retarget(&r2, 125_000, 1_070, &P);
        let r4 = retarget(&r3, 25_000, 1_071, &P);
        assert_eq!(
            effective_mmr_ppm(&r4, 1_120, &P),
            effective_mmr_ppm(&r4, 1_071, &P)
        );
    }
}
