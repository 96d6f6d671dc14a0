//! The guardian's pause (SPEC section 7): it can only tighten, its pauses expire by
//! themselves, and it cannot chain them. A pause lasts at most `max_pause_secs`; while it runs
//! the guardian may add bits but never extend it; once it ends the guardian must wait as long
//! as that pause lasted (its cool-off) before starting another. So the guardian alone keeps any
//! operation paused for at most `max_pause_secs` at a stretch, every stretch is followed by an
//! unpaused one at least as long, and over any span it pauses at most half the time plus one
//! pause. Only governance extends a pause (through the timelock); the cool-off then runs from
//! the extended end.

use crate::state::pause;

stored_block! {
    /// The guardian's pause as stored.
    pub struct GuardianPause {
        /// Unix time it ends (it runs while `now < until`).
        pub until: i64,
        /// Paused operations (`state::pause` bits) while it runs.
        pub bits: u32,
        /// Length the guardian set when it started it, seconds: its cool-off after `until`.
        pub secs: u32,
    }
}

stored_block! {
    /// The guardian's limits, set when the exchange is initialised (names as in the bounds
    /// table).
    pub struct GuardianLimits {
        /// Longest pause, seconds.
        pub max_pause_secs: u32,
        /// The rate limit's window, seconds, and the actions allowed in one.
        pub guardian_window_secs: u32,
        pub guardian_max_actions: u32,
        pub _padding: u32,
    }
}

stored_block! {
    /// The guardian's rate-limit window: `actions` used in the window that began at `start`
    /// (unix seconds).
    pub struct GuardianWindow {
        pub start: i64,
        pub actions: u32,
        pub _padding: u32,
    }
}

impl GuardianWindow {
    /// Counts one guardian action at `now` under `limits` ([`count_action`]); `false`, with
    /// nothing changed, when the window's actions are used up.
    #[inline]
    pub fn count(&mut self, now: i64, limits: &GuardianLimits) -> bool {
        let counted = count_action(
            self.start,
            self.actions,
            now,
            limits.guardian_window_secs,
            limits.guardian_max_actions,
        );
        if let Some((start, actions)) = counted {
            self.start = start;
            self.actions = actions;
        }
        counted.is_some()
    }
}

/// Why the guardian may not pause now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PauseRefusal {
    /// No bits, unknown bits, zero length or longer than `max_pause_secs`.
    Invalid,
    /// The last pause ended less than its own length ago.
    CoolingOff {
        /// When the guardian may start a new pause.
        until: i64,
    },
}

impl GuardianPause {
    /// Whether it runs at `now`.
    pub fn running(&self, now: i64) -> bool {
        now < self.until
    }

    /// The earliest time the guardian may start a new pause: its end plus its own length.
    pub fn cool_off_until(&self) -> i64 {
        self.until.saturating_add(self.secs as i64)
    }
}

/// The pause after the guardian asks, at `now`, to pause `bits` for `duration_secs`: a
/// running pause gains the bits and keeps its end; otherwise, past the cool-off, a new pause
/// of exactly those bits starts.
pub fn guardian_pause(
    current: &GuardianPause,
    now: i64,
    bits: u32,
    duration_secs: u32,
    max_pause_secs: u32,
) -> Result<GuardianPause, PauseRefusal> {
    if bits == 0 || bits & !pause::ALL != 0 || duration_secs == 0 || duration_secs > max_pause_secs
    {
        return Err(PauseRefusal::Invalid);
    }
    if current.running(now) {
        return Ok(GuardianPause {
            bits: current.bits | bits,
            ..*current
        });
    }
    if now < current.cool_off_until() {
        return Err(PauseRefusal::CoolingOff {
            until: current.cool_off_until(),
        });
    }
    Ok(GuardianPause {
        bits,
        until: now.saturating_add(duration_secs as i64),
        secs: duration_secs,
    })
}

/// The guardian's rate limit as a rolling window: `used` actions in the window that began at
/// `start` (unix seconds). Once `window_secs` have passed since `start` the window restarts at
/// `now` with nothing used. Returns the window (start, used) after counting one more action,
/// or `None` when `max_actions` are already used in it.
pub fn count_action(
    start: i64,
    used: u32,
    now: i64,
    window_secs: u32,
    max_actions: u32,
) -> Option<(i64, u32)> {
    let (start, used) = if crate::window::has_ended(start, now, i64::from(window_secs)) {
        (now, 0)
    } else {
        (start, used)
    };
    (used < max_actions).then(|| (start, used + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_guardian_window_counts_actions_and_rolls_after_its_length() {
        assert_eq!(count_action(1_000, 0, 1_010, 100, 2), Some((1_000, 1)));
        assert_eq!(count_action(1_000, 1, 1_099, 100, 2), Some((1_000, 2)));
        assert_eq!(count_action(1_000, 2, 1_099, 100, 2), None, "limit reached");
        assert_eq!(
            count_action(1_000, 2, 1_100, 100, 2),
            Some((1_100, 1)),
            "rolled"
        );
        assert_eq!(count_action(0, 0, 5, 100, 0), None, "no actions allowed");
    }
    const DAY: u32 = 86_400;

    #[test]
    fn a_pause_cannot_be_chained_or_extended_by_the_guardian() {
        let none = GuardianPause::default();
        let p = guardian_pause(&none, 1_000, pause::WITHDRAW, DAY, DAY).unwrap();
        assert_eq!((p.until, p.secs), (1_000 + DAY as i64, DAY));
        // Running: other bits join, the end stays.
        let q = guardian_pause(&p, 2_000, pause::DEPOSIT, DAY, DAY).unwrap();
        assert_eq!(q.bits, pause::WITHDRAW | pause::DEPOSIT);
        assert_eq!(q.until, p.until);
        // At its end and through the cool-off: refused, whatever the bits or length.
        for (t, bits, len) in [
            (p.until, pause::WITHDRAW, DAY),
            (p.until + 1, pause::STAKE, 60),
            (p.until + DAY as i64 - 1, pause::ALL, DAY),
        ] {
            assert_eq!(
                guardian_pause(&q, t, bits, len, DAY),
                Err(PauseRefusal::CoolingOff {
                    until: p.until + DAY as i64
                })
            );
        }
        let r = guardian_pause(&q, p.until + DAY as i64, pause::STAKE, 60, DAY).unwrap();
        assert_eq!((r.bits, r.secs), (pause::STAKE, 60));
    }

    #[test]
    fn bad_requests_are_refused() {
        let none = GuardianPause::default();
        for (bits, len) in [
            (0, 60),
            (1 << 20, 60),
            (pause::WITHDRAW, 0),
            (pause::WITHDRAW, 61),
        ] {
            assert_eq!(
                guardian_pause(&none, 0, bits, len, 60),
                Err(PauseRefusal::Invalid)
            );
        }
    }

    #[test]
    fn the_guardian_alone_pauses_at_most_half_the_time_plus_one_pause() {
        // A guardian that asks for the longest pause every hour, for thirty days.
        let max = 6 * 3_600;
        let mut p = GuardianPause::default();
        let (mut paused, mut run, mut longest) = (0i64, 0i64, 0i64);
        for hour in 0..30 * 24 {
            let now = hour * 3_600;
            p = guardian_pause(&p, now, pause::WITHDRAW, max, max).unwrap_or(p);
            if p.running(now) {
                paused += 3_600;
                run += 3_600;
                longest = longest.max(run);
            } else {
                run = 0;
            }
        }
        assert!(longest <= max as i64);
        assert!(paused <= 30 * 86_400 / 2 + max as i64);
    }
}
