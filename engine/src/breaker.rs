//! Permissionless circuit breakers (SPEC section 7): price velocity in two bands with a
//! cooldown and calm, hysteretic recovery; oracle health; insurance coverage with hysteresis;
//! the accounting invariant. Each returns what tripped or recovered so the program can event it.

use crate::error::{EngineError, EngineResult};
use crate::num::{apply_ppm_floor, mul_div_floor, notional_ceil, ratio_ppm_ceil, PPM};
use crate::oracle::Validity;
use crate::pool::amount_for_shares;

/// Breaker flags kept by a market (any set flag makes it ReduceOnly).
pub mod flags {
    /// Price moved beyond band 1 (or 2) within the velocity window.
    pub const VELOCITY: u8 = 1 << 0;
    /// Fewer providers than the quorum.
    pub const ORACLE_HEALTH: u8 = 1 << 1;
    /// Providers diverge.
    pub const DIVERGENCE: u8 = 1 << 2;
    /// Insurance coverage below its floor.
    pub const INSURANCE: u8 = 1 << 3;
}

/// Why a breaker tripped or recovered (stable codes; events carry the enum, whose Borsh tag is
/// its declaration order, as the IDL lists it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(
    feature = "anchor",
    derive(anchor_lang::AnchorSerialize, anchor_lang::AnchorDeserialize),
    borsh(use_discriminant = false)
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[repr(u8)]
pub enum Reason {
    VelocityBand1 = 1,
    VelocityBand2 = 2,
    OracleBelowQuorum = 3,
    OracleNoPrice = 4,
    Divergence = 5,
    InsuranceCoverage = 6,
    AccountingInvariant = 7,
}

/// A breaker's verdict on one update.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transition {
    Trip(Reason),
    Recover(Reason),
}

stored_block! {
    /// Velocity breaker parameters.
    pub struct VelocityParams {
        /// Window over which the move is measured, seconds.
        pub velocity_window_secs: u32,
        /// Move (ppm of the reference) that trips band 1.
        pub velocity_band1_ppm: u32,
        /// Move that trips band 2 (wider spreads).
        pub velocity_band2_ppm: u32,
        /// A trip lasts at least this long, seconds.
        pub velocity_cooldown_secs: u32,
        /// Recovery needs the move back under band 1 minus this (hysteresis), ppm.
        pub velocity_hysteresis_ppm: u32,
    }
}

stored_block! {
    /// Velocity breaker state.
    pub struct VelocityState {
        /// Reference price and the time it was taken.
        pub reference: u64,
        pub reference_time: i64,
        /// The trip holds at least until this time.
        pub until: i64,
        /// 0 = not tripped, else the band tripped.
        pub band: u8,
        pub _padding: [u8; 7],
    }
}

/// Feeds an aggregate `price` at `now`. The reference rolls forward at each window boundary. A
/// move beyond a band trips it (not again while tripped). Tripped: it stays for the cooldown,
/// escalates to band 2 if the move grows, and recovers after the cooldown only once the move
/// within the current window is under band 1 minus the hysteresis; recovery re-anchors.
pub fn update_velocity(
    s: &VelocityState,
    price: u64,
    now: i64,
    p: &VelocityParams,
) -> EngineResult<(VelocityState, Option<Transition>)> {
    let mut n = *s;
    if n.reference == 0 {
        n.reference = price;
        n.reference_time = now;
        return Ok((n, None));
    }
    let moved = ratio_ppm_ceil(price.abs_diff(n.reference), n.reference)?;
    let band = if moved >= p.velocity_band2_ppm as u64 {
        2
    } else if moved >= p.velocity_band1_ppm as u64 {
        1
    } else {
        0
    };
    if n.band == 0 {
        if band > 0 {
            n.band = band;
            n.until = now.saturating_add(p.velocity_cooldown_secs as i64);
            let reason = if band == 2 {
                Reason::VelocityBand2
            } else {
                Reason::VelocityBand1
            };
            return Ok((n, Some(Transition::Trip(reason))));
        }
        if now.saturating_sub(n.reference_time) >= p.velocity_window_secs as i64 {
            n.reference = price;
            n.reference_time = now;
        }
        return Ok((n, None));
    }
    if band > n.band {
        n.band = band;
    }
    let calm =
        moved < (p.velocity_band1_ppm as u64).saturating_sub(p.velocity_hysteresis_ppm as u64);
    if now >= n.until && calm {
        n = VelocityState {
            reference: price,
            reference_time: now,
            band: 0,
            until: 0,
            _padding: [0; 7],
        };
        return Ok((n, Some(Transition::Recover(Reason::VelocityBand1))));
    }
    // While tripped the reference keeps rolling each window, so "calm" means a quiet recent
    // window, not a return to the pre-crash price.
    if now.saturating_sub(n.reference_time) >= p.velocity_window_secs as i64 {
        n.reference = price;
        n.reference_time = now;
    }
    Ok((n, None))
}

/// Oracle-health and divergence flags from the aggregate's validity: BelowQuorum sets
/// ORACLE_HEALTH, Divergent sets DIVERGENCE, Valid clears both (TooVolatile/TooUncertain
/// leave them as they are). NoPrice halts the market through `effective_state`.
pub fn oracle_flags(current: u8, validity: Validity) -> u8 {
    let both = flags::ORACLE_HEALTH | flags::DIVERGENCE;
    match validity {
        Validity::BelowQuorum => (current & !both) | flags::ORACLE_HEALTH,
        Validity::Divergent => (current & !both) | flags::DIVERGENCE,
        Validity::Valid => current & !both,
        _ => current,
    }
}

/// The oracle flags after an aggregate of `validity` ([`oracle_flags`]) and what that moved:
/// the oracle-health breaker's trip or recovery, then the divergence breaker's.
pub fn oracle_flag_transitions(current: u8, validity: Validity) -> (u8, [Option<Transition>; 2]) {
    let next = oracle_flags(current, validity);
    let moved = |flag: u8, reason: Reason| match (current & flag != 0, next & flag != 0) {
        (false, true) => Some(Transition::Trip(reason)),
        (true, false) => Some(Transition::Recover(reason)),
        _ => None,
    };
    (
        next,
        [
            moved(flags::ORACLE_HEALTH, Reason::OracleBelowQuorum),
            moved(flags::DIVERGENCE, Reason::Divergence),
        ],
    )
}

/// Insurance coverage: the fund's committed balance (net of the value of shares under an
/// unstake request) against `floor_ppm` of open-interest notional. Trips below the floor,
/// recovers only above the floor plus `hysteresis_ppm` of it.
pub fn insurance_coverage(
    tripped: bool,
    committed: u64,
    oi_notional: u64,
    floor_ppm: u32,
    hysteresis_ppm: u32,
) -> EngineResult<(bool, Option<Transition>)> {
    let floor = apply_ppm_floor(oi_notional, floor_ppm as u64)?;
    if !tripped && committed < floor {
        return Ok((true, Some(Transition::Trip(Reason::InsuranceCoverage))));
    }
    let recover_at = floor.saturating_add(mul_div_floor(floor, hysteresis_ppm as u64, PPM)?);
    if tripped && committed >= recover_at {
        return Ok((false, Some(Transition::Recover(Reason::InsuranceCoverage))));
    }
    Ok((tripped, None))
}

/// The insurance fund's committed balance: `balance` less the value of `requested_shares`
/// (under an unstake request) out of `total_shares`, that value rounded down as the pool's
/// share pricing does.
pub fn committed_insurance(
    balance: u64,
    total_shares: u128,
    requested_shares: u128,
) -> EngineResult<u64> {
    let requested = amount_for_shares(requested_shares, total_shares, balance)?;
    Ok(balance.saturating_sub(requested))
}

/// [`insurance_coverage`] for a market with `open_interest` base atoms (both sides summed) at
/// `price` (notional rounded up, the strict side for coverage).
pub fn market_insurance_coverage(
    tripped: bool,
    committed: u64,
    open_interest: u64,
    price: u64,
    decimals: u8,
    floor_ppm: u32,
    hysteresis_ppm: u32,
) -> EngineResult<(bool, Option<Transition>)> {
    let oi = i64::try_from(open_interest).map_err(|_| EngineError::math("open interest"))?;
    let notional = notional_ceil(oi, price, decimals)?;
    insurance_coverage(tripped, committed, notional, floor_ppm, hysteresis_ppm)
}

pub use crate::conservation::invariant_broken;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oracle_flags_report_each_trip_and_recovery_once() {
        use Transition::*;
        let (f, t) = oracle_flag_transitions(0, Validity::BelowQuorum);
        assert_eq!(f, flags::ORACLE_HEALTH);
        assert_eq!(t, [Some(Trip(Reason::OracleBelowQuorum)), None]);
        let (g, t) = oracle_flag_transitions(f, Validity::Divergent);
        assert_eq!(g, flags::DIVERGENCE);
        assert_eq!(
            t,
            [
                Some(Recover(Reason::OracleBelowQuorum)),
                Some(Trip(Reason::Divergence))
            ]
        );
        assert_eq!(
            oracle_flag_transitions(g, Validity::Divergent),
            (g, [None, None])
        );
        assert_eq!(
            oracle_flag_transitions(g, Validity::Valid),
            (0, [None, Some(Recover(Reason::Divergence))])
        );
    }

    const P: VelocityParams = VelocityParams {
        velocity_window_secs: 300,
        velocity_band1_ppm: 50_000,
        velocity_band2_ppm: 100_000,
        velocity_cooldown_secs: 600,
        velocity_hysteresis_ppm: 20_000,
    };

    fn start() -> VelocityState {
        update_velocity(&VelocityState::default(), 1_000_000, 0, &P)
            .unwrap()
            .0
    }

    #[test]
    fn trips_at_the_band_and_not_just_below() {
        let s = start();
        assert_eq!(update_velocity(&s, 1_049_999, 10, &P).unwrap().1, None);
        let (t, tr) = update_velocity(&s, 1_050_000, 10, &P).unwrap();
        assert_eq!(tr, Some(Transition::Trip(Reason::VelocityBand1)));
        assert_eq!((t.band, t.until), (1, 610));
        assert_eq!(
            update_velocity(&s, 900_000, 10, &P).unwrap().1,
            Some(Transition::Trip(Reason::VelocityBand2))
        );
    }

    #[test]
    fn oscillating_at_a_band_edge_trips_at_most_once_per_cooldown() {
        let mut s = start();
        let mut trips = 0;
        for i in 0..1_000i64 {
            let price = if i % 2 == 0 { 1_050_000 } else { 1_049_000 };
            let (n, t) = update_velocity(&s, price, i, &P).unwrap();
            if matches!(t, Some(Transition::Trip(_))) {
                trips += 1;
            }
            s = n;
        }
        // 1,000 s of oscillation: the move never falls under band 1 minus hysteresis, so it
        // never recovers and never trips again.
        assert_eq!(trips, 1);
    }

    #[test]
    fn recovery_needs_the_cooldown_and_calm() {
        let (s, _) = update_velocity(&start(), 1_060_000, 10, &P).unwrap();
        assert_eq!(
            update_velocity(&s, 1_000_000, 300, &P).unwrap().1,
            None,
            "cooldown"
        );
        assert_eq!(
            update_velocity(&s, 1_040_000, 700, &P).unwrap().1,
            None,
            "not calm: 4% > 3%"
        );
        let (r, t) = update_velocity(&s, 1_020_000, 700, &P).unwrap();
        assert_eq!(t, Some(Transition::Recover(Reason::VelocityBand1)));
        assert_eq!((r.band, r.reference), (0, 1_020_000));
    }

    #[test]
    fn after_a_crash_it_recovers_once_the_new_level_is_calm() {
        let (s, _) = update_velocity(&start(), 800_000, 10, &P).unwrap();
        // The price stays at the new level: after a window the reference has rolled to it.
        let (s, t) = update_velocity(&s, 800_000, 400, &P).unwrap();
        assert_eq!(t, None, "cooldown still running");
        assert_eq!(
            update_velocity(&s, 801_000, 650, &P).unwrap().1,
            Some(Transition::Recover(Reason::VelocityBand1))
        );
    }

    #[test]
    fn oracle_flags_follow_validity() {
        assert_eq!(oracle_flags(0, Validity::BelowQuorum), flags::ORACLE_HEALTH);
        assert_eq!(
            oracle_flags(flags::ORACLE_HEALTH | flags::VELOCITY, Validity::Divergent),
            flags::DIVERGENCE | flags::VELOCITY
        );
        assert_eq!(oracle_flags(flags::DIVERGENCE, Validity::Valid), 0);
        assert_eq!(
            oracle_flags(flags::DIVERGENCE, Validity::TooVolatile),
            flags::DIVERGENCE
        );
    }

    #[test]
    fn insurance_coverage_has_hysteresis() {
        // Floor 1% of 1,000,000 = 10,000; recovery at 10,000 + 20% = 12,000.
        assert_eq!(
            insurance_coverage(false, 9_999, 1_000_000, 10_000, 200_000).unwrap(),
            (true, Some(Transition::Trip(Reason::InsuranceCoverage)))
        );
        assert_eq!(
            insurance_coverage(false, 10_000, 1_000_000, 10_000, 200_000).unwrap(),
            (false, None)
        );
        assert_eq!(
            insurance_coverage(true, 11_999, 1_000_000, 10_000, 200_000).unwrap(),
            (true, None)
        );
        assert_eq!(
            insurance_coverage(true, 12_000, 1_000_000, 10_000, 200_000).unwrap(),
            (false, Some(Transition::Recover(Reason::InsuranceCoverage)))
        );
        assert!(invariant_broken(99, 100) && !invariant_broken(100, 100));
    }

    #[test]
    fn committed_insurance_excludes_requested_shares_and_coverage_uses_the_notional() {
        // Half the shares are under an unstake request: about half the balance is committed.
        let c = committed_insurance(1_000_000_000_000, 1_000_000_000_000, 500_000_000_000).unwrap();
        assert!((500_000_000_000..=500_001_000_000).contains(&c), "{c}");
        // 10 units at price 100 (6-decimal collateral) = 1,000,000,000 notional; a 1% floor is
        // 10,000,000: 9,999,999 trips, 10,000,000 does not.
        let ten = 10 * crate::num::BASE_SCALE;
        let p = 100 * crate::num::PRICE_SCALE;
        assert!(
            market_insurance_coverage(false, 9_999_999, ten, p, 6, 10_000, 0)
                .unwrap()
                .0
        );
        assert!(
            !market_insurance_coverage(false, 10_000_000, ten, p, 6, 10_000, 0)
                .unwrap()
                .0
        );
    }
}
