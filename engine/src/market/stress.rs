//! Propagating the leaders' stress signal into a follower market (`crate::contagion`): the
//! signal's state changes, and when it does the maintenance ramp re-aims at the target with
//! the new step (from the ratio in force: nothing jumps, and the ratio never moves in the slot
//! the target rose).

use super::MarketCore;
use crate::contagion::{stressed_leader, ContagionParams, LeaderReading, Propagation};
use crate::dynamic_margin::retarget;
use crate::error::{EngineError, EngineResult};
use crate::state::Op;

impl MarketCore {
    /// What this market shows a follower as a leader.
    pub fn leader_reading(&self) -> LeaderReading {
        LeaderReading {
            market_index: self.index,
            velocity_band: self.velocity.band,
            sigma_ppm: self.sigma_ppm,
        }
    }

    /// Applies the leaders' `readings` (the pool's named leaders, read now) at `slot`/`now`
    /// under the pool's `params`. Refused where `update_risk` may not run (settled markets)
    /// and for a market that is itself one of the leaders. Returns what changed and the
    /// maintenance target after it (ppm).
    pub fn propagate_stress(
        &mut self,
        readings: &[LeaderReading],
        params: &ContagionParams,
        slot: u64,
        now: i64,
    ) -> EngineResult<(Propagation, u32)> {
        self.require_allowed(Op::UpdateRisk)?;
        if params.is_leader(self.index) {
            return Err(EngineError::InvalidConfig {
                what: "a leader is not its own follower",
            });
        }
        let stressed = stressed_leader(readings, params);
        let out = self.contagion.propagate(stressed, params, now);
        let target = self.margin_target()?;
        if out.changed {
            self.ramp = retarget(&self.ramp, target, slot, &self.params.dynamics.margin);
        }
        Ok((out, target))
    }
}
