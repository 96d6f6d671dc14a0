//! Propagating the leaders' stress signal into a follower market (`crate::contagion`): the
//! signal's state changes, and when it does the maintenance ramp re-aims at the target with
//! the new step (from the ratio in force: nothing jumps, and the ratio never moves in the slot
//! the target rose).

use super::MarketCore;
use crate::action::Action;
use crate::contagion::{stressed_leader, ContagionParams, LeaderReading, Propagation};
use crate::dynamic_margin::retarget;
use crate::error::EngineResult;
use crate::state::{MarketState, Op};

impl MarketCore {
    /// What this market shows a follower as a leader at `slot`/`now`: `None` once it is
    /// settled or delisted (it leads nothing any more). A halted leader, or one whose price is
    /// too old even for reductions, is blind (counted as stressed).
    pub fn leader_reading(&self, slot: u64, now: i64) -> Option<LeaderReading> {
        if self.state() >= MarketState::Settled {
            return None;
        }
        let blind = self.state() == MarketState::Halted
            || (self.state() < MarketState::Settling
                && self.price_for(Action::ReduceRisk, slot, now).is_err());
        let cooldown = i64::from(self.params.velocity.velocity_cooldown_secs);
        Some(LeaderReading {
            market_index: self.index,
            velocity_band: self.velocity.band,
            sigma_ppm: self.sigma_ppm,
            blind,
            last_trip_at: if self.velocity.until > 0 {
                self.velocity.until.saturating_sub(cooldown)
            } else {
                0
            },
        })
    }

    /// Applies the leaders' `readings` (the pool's named leaders, read now; a leader's own
    /// reading is left out when this market is itself one of them) at `slot`/`now` under the
    /// pool's `params`. Refused where `update_risk` may not run (settled markets). Returns what
    /// changed and the maintenance target after it (ppm).
    pub fn propagate_stress(
        &mut self,
        readings: &[LeaderReading],
        params: &ContagionParams,
        slot: u64,
        now: i64,
    ) -> EngineResult<(Propagation, u32)> {
        self.require_allowed(Op::UpdateRisk)?;
        let others: Vec<LeaderReading> = readings
            .iter()
            .filter(|r| r.market_index != self.index)
            .copied()
            .collect();
        let stressed = stressed_leader(&others, params);
        let last_trip = others.iter().map(|r| r.last_trip_at).max().unwrap_or(0);
        let out = self.contagion.propagate(stressed, last_trip, params, now);
        let target = self.margin_target()?;
        if out.changed {
            self.ramp = retarget(&self.ramp, target, slot, &self.params.dynamics.margin);
        }
        Ok((out, target))
    }
}
