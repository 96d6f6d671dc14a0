//! When a keeper cannot do its job: a cycle stalls when it could not read the chain, or when it
//! tried to send and nothing landed. A keeper whose cycles stall without a break for the
//! configured time gives up, so its supervisor restarts it or pages someone, instead of looking
//! alive while it liquidates nothing.

use std::time::{Duration, Instant};

use crate::cycle::CycleReport;

/// Watches consecutive stalled cycles.
#[derive(Clone, Debug)]
pub struct Watchdog {
    give_up_after: Duration,
    stalled_since: Option<Instant>,
}

/// Why the keeper gave up: stalled since `for_secs` seconds, the last failure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stalled {
    pub for_secs: u64,
    pub last_failure: String,
}

impl std::fmt::Display for Stalled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the keeper could not do its job for {} s (last failure: {}); check the node, the \
             keypair's balance and the program's answers, then restart it",
            self.for_secs, self.last_failure
        )
    }
}

impl std::error::Error for Stalled {}

/// Whether a cycle stalled: it could not read the chain, or it sent and nothing landed.
pub fn stalled(r: &CycleReport) -> bool {
    r.read_failed || (r.landed() == 0 && !r.failures.is_empty())
}

impl Watchdog {
    /// A watchdog that gives up after `give_up_after` of stalled cycles without a break.
    pub fn new(give_up_after: Duration) -> Watchdog {
        Watchdog {
            give_up_after,
            stalled_since: None,
        }
    }

    /// Observes a cycle that ended at `now`: a good cycle resets the clock; a stalled one starts
    /// it, and `Err` once it has run for the whole allowance.
    pub fn observe(&mut self, r: &CycleReport, now: Instant) -> Result<(), Stalled> {
        if !stalled(r) {
            self.stalled_since = None;
            return Ok(());
        }
        let since = *self.stalled_since.get_or_insert(now);
        let stalled_for = now.saturating_duration_since(since);
        if stalled_for >= self.give_up_after {
            return Err(Stalled {
                for_secs: stalled_for.as_secs(),
                last_failure: r.failures.last().cloned().unwrap_or_default(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cycle(read_failed: bool, landed: u32, failures: usize) -> CycleReport {
        CycleReport {
            read_failed,
            liquidation_stages: landed,
            failures: vec!["liquidate x: SelfLiquidation (6602)".into(); failures],
            ..Default::default()
        }
    }

    #[test]
    fn only_an_unbroken_run_of_stalled_cycles_as_long_as_the_allowance_gives_up() {
        let t0 = Instant::now();
        let s = |secs| t0 + Duration::from_secs(secs);
        let mut w = Watchdog::new(Duration::from_secs(60));
        // Quiet cycles (nothing to do) and cycles where something landed are fine.
        assert!(w.observe(&cycle(false, 0, 0), s(0)).is_ok());
        assert!(w.observe(&cycle(false, 1, 3), s(10)).is_ok());
        // Unreadable chain, then sends that all fail: stalled from 20 s.
        assert!(w.observe(&cycle(true, 0, 1), s(20)).is_ok());
        assert!(w.observe(&cycle(false, 0, 2), s(50)).is_ok());
        // One good cycle breaks the run...
        assert!(w.observe(&cycle(false, 2, 0), s(70)).is_ok());
        assert!(w.observe(&cycle(true, 0, 1), s(80)).is_ok());
        assert!(w.observe(&cycle(true, 0, 1), s(139)).is_ok());
        // ...and a full minute without one gives up, saying why.
        let e = w.observe(&cycle(true, 0, 1), s(140)).unwrap_err();
        assert_eq!(e.for_secs, 60);
        assert!(e.to_string().contains("SelfLiquidation"));
    }
}
