//! Pieces several instructions share: the health-market set, pool valuation, token moves.

pub mod health_markets;
pub mod pool_init;
pub mod pool_value;
pub mod tokens;

/// The time an engine operation runs at: the cluster's slot and unix time.
pub fn op_clock(clock: &anchor_lang::prelude::Clock) -> crate::state::OpClock {
    crate::state::OpClock {
        slot: clock.slot,
        now: clock.unix_timestamp,
    }
}
