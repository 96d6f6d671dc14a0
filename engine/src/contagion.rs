//! The stress signal from leader markets to followers (SPEC section 10). A risk pool names up
//! to four leader markets (in any pool: the exchange's blue chips can lead a long-tail pool).
//! While a leader's velocity breaker is in a band, or its volatility reaches the pool's trigger,
//! anyone may propagate the signal to each follower: the follower's maintenance target rises
//! by the pool's step and its spread for increases widens. The target moves the ratio through
//! the ramp as always (never in the slot it rose, so nobody is liquidated in the slot the
//! signal arrives). The signal goes off only after every leader has been calm for the pool's
//! calm period (hysteresis), and the ratio then descends through the ramp's own calm period.

use crate::error::{EngineError, EngineResult};

/// No leader in this position.
pub const NO_LEADER: u16 = u16::MAX;
/// Most leaders a pool names.
pub const MAX_LEADERS: usize = 4;

stored_block! {
    /// A pool's stress-signal configuration, as governance sets it (`PoolParam`).
    pub struct ContagionParams {
        /// Leader market indices; [`NO_LEADER`] marks an empty position.
        pub leaders: [u16; 4],
        /// Added to a follower's maintenance target while the signal is on, ppm (0 = the
        /// signal raises no margin).
        pub step_ppm: u32,
        /// Added to a follower's base spread for risk-increasing trades while on, ppm.
        pub spread_ppm: u32,
        /// A leader whose volatility (σ per √second, ppm) reaches this is stressed (0 = only
        /// velocity trips signal).
        pub sigma_trigger_ppm: u32,
        /// The signal goes off only after every leader has been calm this long, seconds.
        pub calm_secs: u32,
    }
}

impl ContagionParams {
    /// Configuration with no leaders (the signal never fires).
    pub const OFF: ContagionParams = ContagionParams {
        leaders: [NO_LEADER; 4],
        step_ppm: 0,
        spread_ppm: 0,
        sigma_trigger_ppm: 0,
        calm_secs: 0,
    };

    /// The default signal led by `leaders` (at most four; the rest ignored): a 2% maintenance
    /// step, 0.1% more spread on increases, a volatility trigger of 500 ppm per √s (about 4.2%
    /// over a minute), off after 15 calm minutes.
    pub fn led_by(leaders: &[u16]) -> ContagionParams {
        let mut p = ContagionParams {
            step_ppm: DEFAULT_STEP_PPM,
            spread_ppm: DEFAULT_SPREAD_PPM,
            sigma_trigger_ppm: DEFAULT_SIGMA_TRIGGER_PPM,
            calm_secs: DEFAULT_CALM_SECS,
            ..ContagionParams::OFF
        };
        for (slot, l) in p.leaders.iter_mut().zip(leaders) {
            *slot = *l;
        }
        p
    }

    /// The named leaders, in position order.
    pub fn named_leaders(&self) -> impl Iterator<Item = u16> + '_ {
        self.leaders.iter().copied().filter(|l| *l != NO_LEADER)
    }

    /// Whether `market_index` is one of the leaders.
    pub fn is_leader(&self, market_index: u16) -> bool {
        self.named_leaders().any(|l| l == market_index)
    }
}

/// Defaults of a signal whose settings are not stated ([`ContagionParams::led_by`]).
pub const DEFAULT_STEP_PPM: u32 = 20_000;
pub const DEFAULT_SPREAD_PPM: u32 = 1_000;
pub const DEFAULT_SIGMA_TRIGGER_PPM: u32 = 500;
pub const DEFAULT_CALM_SECS: u32 = 900;

/// Why the signal is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[repr(u8)]
pub enum StressReason {
    /// No leader is stressed.
    Calm = 0,
    /// A leader's velocity breaker is in a band.
    Velocity = 1,
    /// A leader's volatility reached the trigger.
    Volatility = 2,
    /// A leader's price cannot be used (halted or stale): unseen counts as stressed.
    Blind = 3,
}

impl StressReason {
    /// Decodes a stored byte (unknown: `Calm`).
    pub fn from_u8(v: u8) -> StressReason {
        match v {
            1 => StressReason::Velocity,
            2 => StressReason::Volatility,
            3 => StressReason::Blind,
            _ => StressReason::Calm,
        }
    }
}

/// What the signal reads from one leader market.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LeaderReading {
    pub market_index: u16,
    /// The leader's velocity band (0 none, 1, 2).
    pub velocity_band: u8,
    /// The leader's volatility, σ per √second, ppm.
    pub sigma_ppm: u32,
    /// Its price cannot be used now (halted, or too old even for reductions).
    pub blind: bool,
    /// When its velocity breaker last tripped (unix seconds; 0: never).
    pub last_trip_at: i64,
}

/// The first stressed leader among `readings` and why (velocity, then a leader that cannot be
/// seen, then volatility).
pub fn stressed_leader(
    readings: &[LeaderReading],
    p: &ContagionParams,
) -> Option<(u16, StressReason)> {
    readings.iter().find_map(|r| {
        if r.velocity_band > 0 {
            Some((r.market_index, StressReason::Velocity))
        } else if r.blind {
            Some((r.market_index, StressReason::Blind))
        } else if p.sigma_trigger_ppm > 0 && r.sigma_ppm >= p.sigma_trigger_ppm {
            Some((r.market_index, StressReason::Volatility))
        } else {
            None
        }
    })
}

stored_block! {
    /// A follower market's signal state (kept by the market).
    pub struct ContagionState {
        /// Maintenance-target step in force, ppm (0 = the signal is off).
        pub step_ppm: u32,
        /// Spread added to risk-increasing trades, ppm.
        pub spread_ppm: u32,
        /// Unix time a propagation first found every leader calm while the signal was on (0:
        /// not calm yet); the signal goes off `calm_secs` after it.
        pub calm_since: i64,
        /// The leader behind the last signal and its `StressReason` code.
        pub leader: u16,
        pub reason: u8,
        /// 1 while the signal is on.
        pub on: u8,
        #[cfg_attr(feature = "serde", serde(skip))]
        pub _padding: [u8; 4],
    }
}

/// What one propagation did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Propagation {
    /// Whether the signal is on after it.
    pub on: bool,
    /// Whether the signal or its size changed (the ramp was re-aimed).
    pub changed: bool,
    /// Whether anything of the state changed (the above, or the calm clock started or was
    /// cleared): a propagation worth sending.
    pub recorded: bool,
    /// The leader and reason (the last ones seen while on).
    pub leader: u16,
    pub reason: StressReason,
}

impl ContagionState {
    /// Applies the leaders' condition at `now`: a stressed leader switches the signal on (at
    /// the pool's current step and spread) and clears the calm clock; the first propagation
    /// that finds every leader calm starts it, and the signal goes off once `calm_secs` have
    /// passed on it (hysteresis: a leader stressed again meanwhile clears it).
    /// `last_trip_at` is the latest time any leader's velocity breaker tripped: a trip after
    /// the calm clock started (even one over before this propagation) restarts it.
    pub fn propagate(
        &mut self,
        stressed: Option<(u16, StressReason)>,
        last_trip_at: i64,
        p: &ContagionParams,
        now: i64,
    ) -> Propagation {
        let before = *self;
        match stressed {
            Some((leader, reason)) => {
                self.on = 1;
                self.step_ppm = p.step_ppm;
                self.spread_ppm = p.spread_ppm;
                self.calm_since = 0;
                self.leader = leader;
                self.reason = reason as u8;
            }
            None if self.on != 0 && (self.calm_since == 0 || last_trip_at >= self.calm_since) => {
                self.calm_since = now.max(1)
            }
            None if self.on != 0
                && now.saturating_sub(self.calm_since) >= i64::from(p.calm_secs) =>
            {
                self.on = 0;
                self.step_ppm = 0;
                self.spread_ppm = 0;
                self.calm_since = 0;
            }
            None => {}
        }
        Propagation {
            on: self.on != 0,
            changed: self.on != before.on
                || self.step_ppm != before.step_ppm
                || self.spread_ppm != before.spread_ppm,
            recorded: *self != before,
            leader: self.leader,
            reason: StressReason::from_u8(self.reason),
        }
    }
}

/// A pool's stress-signal parameter, as governance names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "anchor",
    derive(anchor_lang::AnchorSerialize, anchor_lang::AnchorDeserialize),
    borsh(use_discriminant = false)
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[repr(u16)]
pub enum PoolParam {
    /// Leader in position 0..3: a market index, or [`NO_LEADER`].
    Leader0 = 0,
    Leader1 = 1,
    Leader2 = 2,
    Leader3 = 3,
    /// `ContagionParams::step_ppm`.
    StepPpm = 4,
    /// `ContagionParams::spread_ppm`.
    SpreadPpm = 5,
    /// `ContagionParams::sigma_trigger_ppm`.
    SigmaTriggerPpm = 6,
    /// `ContagionParams::calm_secs`.
    CalmSecs = 7,
}

/// Largest contagion step, ppm of notional (20%).
pub const MAX_STEP_PPM: u64 = 200_000;
/// Largest contagion spread, ppm (5%).
pub const MAX_SPREAD_PPM: u64 = 50_000;
/// Largest volatility trigger, ppm per √second.
pub const MAX_SIGMA_TRIGGER_PPM: u64 = 100_000;
/// Calm period bounds, seconds (1 minute to 1 day).
pub const CALM_SECS_BOUNDS: (u64, u64) = (60, 86_400);

impl PoolParam {
    /// All parameters in code order.
    pub const ALL: [PoolParam; 8] = [
        PoolParam::Leader0,
        PoolParam::Leader1,
        PoolParam::Leader2,
        PoolParam::Leader3,
        PoolParam::StepPpm,
        PoolParam::SpreadPpm,
        PoolParam::SigmaTriggerPpm,
        PoolParam::CalmSecs,
    ];

    /// Decodes a stored code.
    pub fn from_u16(v: u16) -> Option<PoolParam> {
        PoolParam::ALL.get(usize::from(v)).copied()
    }

    /// Name as in TOML, the CLI and events.
    pub fn name(self) -> &'static str {
        match self {
            PoolParam::Leader0 => "leader0",
            PoolParam::Leader1 => "leader1",
            PoolParam::Leader2 => "leader2",
            PoolParam::Leader3 => "leader3",
            PoolParam::StepPpm => "contagion_step_ppm",
            PoolParam::SpreadPpm => "contagion_spread_ppm",
            PoolParam::SigmaTriggerPpm => "contagion_sigma_trigger_ppm",
            PoolParam::CalmSecs => "contagion_calm_secs",
        }
    }

    /// The parameter called `name` ([`PoolParam::name`]).
    pub fn from_name(name: &str) -> Option<PoolParam> {
        PoolParam::ALL.iter().copied().find(|p| p.name() == name)
    }

    /// The most this parameter may move in one governance window, summed over its changes
    /// (at once or queued): the step 5% of notional, the spread 1%, the volatility trigger
    /// 500 ppm/√s, the calm period an hour. Leaders are discrete (`None`): naming one is a
    /// tightening, replacing or removing one goes through the timelock.
    pub fn step_limit(self) -> Option<u64> {
        match self {
            PoolParam::StepPpm => Some(50_000),
            PoolParam::SpreadPpm => Some(10_000),
            PoolParam::SigmaTriggerPpm => Some(500),
            PoolParam::CalmSecs => Some(3_600),
            _ => None,
        }
    }

    /// The leader position it names, if it is a leader.
    fn leader_position(self) -> Option<usize> {
        (self as u16 <= 3).then_some(self as usize)
    }

    /// The value in force in `p`.
    pub fn get(self, p: &ContagionParams) -> u64 {
        match self {
            PoolParam::StepPpm => u64::from(p.step_ppm),
            PoolParam::SpreadPpm => u64::from(p.spread_ppm),
            PoolParam::SigmaTriggerPpm => u64::from(p.sigma_trigger_ppm),
            PoolParam::CalmSecs => u64::from(p.calm_secs),
            leader => u64::from(p.leaders[leader as usize]),
        }
    }

    /// Checks `value` against the hard bounds; a leader must be a listed market
    /// (`market_count` listed so far) or [`NO_LEADER`].
    pub fn check(self, value: u64, market_count: u16) -> EngineResult<()> {
        let ok = match self {
            PoolParam::StepPpm => value <= MAX_STEP_PPM,
            PoolParam::SpreadPpm => value <= MAX_SPREAD_PPM,
            PoolParam::SigmaTriggerPpm => value <= MAX_SIGMA_TRIGGER_PPM,
            PoolParam::CalmSecs => (CALM_SECS_BOUNDS.0..=CALM_SECS_BOUNDS.1).contains(&value),
            _ => value == u64::from(NO_LEADER) || value < u64::from(market_count),
        };
        if ok {
            Ok(())
        } else {
            Err(EngineError::InvalidConfig {
                what: "pool parameter out of bounds",
            })
        }
    }

    /// Whether moving from `old` to `new` only tightens risk (applies at once): a larger
    /// step, spread or calm period, a lower (or first) volatility trigger, a leader named
    /// where there was none. Everything else (and any leader replaced or removed) is queued.
    pub fn tightens(self, old: u64, new: u64) -> bool {
        match self {
            PoolParam::StepPpm | PoolParam::SpreadPpm | PoolParam::CalmSecs => new >= old,
            PoolParam::SigmaTriggerPpm => new != 0 && (old == 0 || new <= old),
            _ => old == u64::from(NO_LEADER) || old == new,
        }
    }

    /// Writes `value` (already checked) into `p`; a leader already named elsewhere in the
    /// list is refused (it would be read twice).
    pub fn set(self, p: &mut ContagionParams, value: u64) -> EngineResult<()> {
        let v32 = u32::try_from(value).map_err(|_| EngineError::InvalidConfig {
            what: "pool parameter out of bounds",
        })?;
        match self.leader_position() {
            Some(i) => {
                let leader = u16::try_from(value).map_err(|_| EngineError::InvalidConfig {
                    what: "leader index",
                })?;
                let duplicate = leader != NO_LEADER
                    && p.leaders
                        .iter()
                        .enumerate()
                        .any(|(j, l)| j != i && *l == leader);
                if duplicate {
                    return Err(EngineError::InvalidConfig {
                        what: "leader named twice",
                    });
                }
                p.leaders[i] = leader;
            }
            None => match self {
                PoolParam::StepPpm => p.step_ppm = v32,
                PoolParam::SpreadPpm => p.spread_ppm = v32,
                PoolParam::SigmaTriggerPpm => p.sigma_trigger_ppm = v32,
                _ => p.calm_secs = v32,
            },
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> ContagionParams {
        ContagionParams {
            leaders: [0, 1, NO_LEADER, NO_LEADER],
            step_ppm: 20_000,
            spread_ppm: 1_000,
            sigma_trigger_ppm: 300,
            calm_secs: 600,
        }
    }

    fn reading(i: u16, band: u8, sigma: u32) -> LeaderReading {
        LeaderReading {
            market_index: i,
            velocity_band: band,
            sigma_ppm: sigma,
            ..Default::default()
        }
    }

    #[test]
    fn a_velocity_trip_or_a_volatility_jump_stresses_a_leader() {
        let p = params();
        assert_eq!(
            stressed_leader(&[reading(0, 0, 10), reading(1, 0, 299)], &p),
            None
        );
        assert_eq!(
            stressed_leader(&[reading(0, 0, 10), reading(1, 1, 0)], &p),
            Some((1, StressReason::Velocity))
        );
        assert_eq!(
            stressed_leader(&[reading(0, 0, 300)], &p),
            Some((0, StressReason::Volatility))
        );
        let no_vol = ContagionParams {
            sigma_trigger_ppm: 0,
            ..p
        };
        assert_eq!(stressed_leader(&[reading(0, 0, 99_999)], &no_vol), None);
    }

    #[test]
    fn the_signal_goes_off_only_after_the_calm_period() {
        let p = params();
        let mut s = ContagionState::default();
        let on = s.propagate(Some((0, StressReason::Velocity)), 0, &p, 1_000);
        assert!(on.on && on.changed);
        assert_eq!((s.step_ppm, s.spread_ppm), (20_000, 1_000));
        // Still stressed later: on, nothing to record.
        let again = s.propagate(Some((0, StressReason::Velocity)), 0, &p, 1_100);
        assert!(again.on && !again.changed && !again.recorded);
        // The first calm reading starts the clock; 599 s on it is not enough.
        let calm = s.propagate(None, 0, &p, 1_200);
        assert!(calm.on && !calm.changed && calm.recorded);
        assert!(
            !s.propagate(None, 0, &p, 1_799).recorded,
            "599 s calm is not enough"
        );
        // A leader stressed again meanwhile clears the clock.
        let mut relapse = s;
        relapse.propagate(Some((1, StressReason::Volatility)), 0, &p, 1_500);
        assert_eq!(relapse.calm_since, 0);
        let off = s.propagate(None, 0, &p, 1_800);
        assert!(!off.on && off.changed);
        assert_eq!((s.step_ppm, s.calm_since), (0, 0));
        assert!(!s.propagate(None, 0, &p, 2_000).recorded, "off stays off");
        // A trip between two calm readings (over before the second) restarts the clock.
        let mut t = ContagionState::default();
        t.propagate(Some((0, StressReason::Velocity)), 0, &p, 3_000);
        t.propagate(None, 0, &p, 3_100);
        let again = t.propagate(None, 3_300, &p, 3_800);
        assert!(again.on && again.recorded && t.calm_since == 3_800);
        // A leader that cannot be seen counts as stressed.
        let blind = LeaderReading {
            blind: true,
            ..reading(1, 0, 0)
        };
        assert_eq!(
            stressed_leader(&[blind], &p),
            Some((1, StressReason::Blind))
        );
    }

    #[test]
    fn tightening_is_immediate_and_loosening_is_not() {
        use PoolParam::*;
        assert!(StepPpm.tightens(10_000, 20_000) && !StepPpm.tightens(20_000, 10_000));
        assert!(SigmaTriggerPpm.tightens(0, 500) && SigmaTriggerPpm.tightens(500, 400));
        assert!(!SigmaTriggerPpm.tightens(500, 0) && !SigmaTriggerPpm.tightens(400, 500));
        assert!(Leader2.tightens(u64::from(NO_LEADER), 3));
        assert!(!Leader0.tightens(0, 3) && !Leader0.tightens(0, u64::from(NO_LEADER)));
        assert!(CalmSecs.check(59, 4).is_err() && CalmSecs.check(60, 4).is_ok());
        assert!(Leader0.check(4, 4).is_err() && Leader0.check(3, 4).is_ok());
        let mut p = params();
        assert!(Leader2.set(&mut p, 1).is_err(), "a leader named twice");
        Leader2.set(&mut p, 3).unwrap();
        assert_eq!(p.named_leaders().collect::<Vec<_>>(), vec![0, 1, 3]);
    }
}
