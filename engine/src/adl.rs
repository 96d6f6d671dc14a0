//! Auto-deleveraging (SPEC section 6, after GMX v2 `AdlUtils`): allowed while traders'
//! unrealised profit in a market exceeds a trigger share of the pool's value (or the pool's
//! value is not positive); the close must lower the ratio, and not below a floor.
//!
//! Who is closed follows leverage draining (Campbell, Hey, Moallemi, Nutz, "Risk-Based
//! Auto-Deleveraging", 2026; the best of four rules in `crate::adl_policy`): the most levered
//! profitable positions first, each only down to a common water level. The program enforces it
//! one account at a time with nothing a keeper chooses: the level is a function of time alone
//! ([`AdlEpisode`]). An episode starts at the first deleverage call while the trigger holds;
//! the level starts at the market's maximum leverage and falls linearly to zero over
//! `adl_drain_slots`, stays there `EPISODE_GAP_SLOTS`, and the next call starts over; a target
//! must sit above the level and is closed only down to it. A keeper therefore cannot reach an
//! account before the level has come down to its leverage, nor close anyone below it: the
//! guarantee is "nobody below the level", and keepers race from the top (which of several
//! accounts above the level goes first is theirs to choose).

use crate::num::{div_ceil_u128, PPM};

stored_block! {
    /// ADL parameters of a market (ppm).
    pub struct AdlParams {
        /// ADL runs while traders' profit / pool value exceeds this.
        pub adl_trigger_ppm: u32,
        /// A deleverage may not take the ratio below this.
        pub adl_floor_ppm: u32,
        /// Slots over which an episode's water level falls from the market's maximum
        /// leverage to zero (leverage draining's pace).
        pub adl_drain_slots: u64,
    }
}

stored_block! {
    /// The market's current ADL episode: the clock of its water level.
    pub struct AdlEpisode {
        /// Slot the episode started (0: none yet; a chain's genesis slot cannot start one).
        pub start_slot: u64,
        /// Slot of its last deleverage (or its start).
        pub last_slot: u64,
    }
}

/// Slots an episode stays at the bottom after a full drain (`adl_drain_slots`); the next
/// deleverage after that starts a new episode from the top.
pub const EPISODE_GAP_SLOTS: u64 = 150;

impl AdlEpisode {
    /// The episode a deleverage at `now_slot` belongs to: this one, or a new one starting now
    /// when there is none or this one is older than `drain_slots + EPISODE_GAP_SLOTS`. An
    /// episode's length is fixed from its start, so nobody can keep the level at the bottom
    /// by deleveraging a lot now and then: a later crisis starts from the top again.
    pub fn at(&self, now_slot: u64, drain_slots: u64) -> AdlEpisode {
        let age = now_slot.saturating_sub(self.start_slot);
        let fresh = self.start_slot == 0 || age > drain_slots.saturating_add(EPISODE_GAP_SLOTS);
        AdlEpisode {
            start_slot: if fresh { now_slot } else { self.start_slot },
            last_slot: now_slot,
        }
    }

    /// Whether a deleverage at `now_slot` would start a new episode.
    pub fn starts_at(&self, now_slot: u64, drain_slots: u64) -> bool {
        self.at(now_slot, drain_slots).start_slot != self.start_slot
    }

    /// The water level at `now_slot` (leverage, ppm): `top_ppm` when the episode starts,
    /// falling linearly to zero over `drain_slots` (rounded up: never below the exact line,
    /// so a target is never closed further than the line allows).
    pub fn level_ppm(&self, now_slot: u64, top_ppm: u64, drain_slots: u64) -> u64 {
        let ep = self.at(now_slot, drain_slots);
        let drain = drain_slots.max(1) as u128;
        let elapsed = (now_slot.saturating_sub(ep.start_slot) as u128).min(drain);
        div_ceil_u128(top_ppm as u128 * (drain - elapsed), drain).min(u64::MAX as u128) as u64
    }
}

/// Leverage in ppm: `notional` / `equity` (collateral units), rounded down; `u64::MAX` when
/// equity is not positive.
pub fn leverage_ppm(notional: u64, equity: i64) -> u64 {
    if equity <= 0 {
        return u64::MAX;
    }
    (notional as u128 * PPM as u128 / equity as u128).min(u64::MAX as u128) as u64
}

/// The most notional (collateral units) a deleverage at `level_ppm` may close from a position
/// of `notional` with `equity`: what brings its leverage down to the level (closing at the
/// mark leaves equity unchanged), rounded down; 0 when it is not above the level.
pub fn drain_cap(notional: u64, equity: u64, level_ppm: u64) -> u64 {
    let keep = div_ceil_u128(equity as u128 * level_ppm as u128, PPM as u128);
    (notional as u128).saturating_sub(keep) as u64
}

/// [`drain_cap`] in base atoms of a position of `base_abs` atoms worth `notional`: rounded
/// down (never past the level).
pub fn drain_cap_base(base_abs: u64, notional: u64, cap: u64) -> u64 {
    if notional == 0 {
        return 0;
    }
    (base_abs as u128 * cap.min(notional) as u128 / notional as u128) as u64
}

/// Traders' profit as a share of the pool's value, ppm; `u64::MAX` when the pool's value is
/// not positive (rounded up).
pub fn profit_ratio_ppm(trader_profit: i64, pool_value: i64) -> u64 {
    if pool_value <= 0 {
        return u64::MAX;
    }
    if trader_profit <= 0 {
        return 0;
    }
    let r = div_ceil_u128(trader_profit as u128 * PPM as u128, pool_value as u128);
    r.min(u64::MAX as u128 - 1) as u64
}

/// Whether ADL may run: the ratio exceeds the trigger, or the pool's value is not positive.
pub fn adl_triggered(trader_profit: i64, pool_value: i64, p: &AdlParams) -> bool {
    profit_ratio_ppm(trader_profit, pool_value) > p.adl_trigger_ppm as u64
}

/// Whether a close that takes traders' profit from `profit_before` to `profit_after` and the
/// pool's value from `value_before` to `value_after` (collateral units) is acceptable: the
/// ratio strictly lower and not below the floor (no over-correction). While the pool stays
/// insolvent (value ≤ 0 after) the ratio is unbounded before and after, so the traders'
/// profit itself must strictly fall (the floor cannot be passed).
pub fn adl_result_ok(
    profit_before: i64,
    value_before: i64,
    profit_after: i64,
    value_after: i64,
    p: &AdlParams,
) -> bool {
    if value_after <= 0 {
        return profit_after < profit_before;
    }
    let before_ppm = profit_ratio_ppm(profit_before, value_before);
    let after_ppm = profit_ratio_ppm(profit_after, value_after);
    after_ppm < before_ppm && after_ppm >= p.adl_floor_ppm as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: AdlParams = AdlParams {
        adl_trigger_ppm: 300_000,
        adl_floor_ppm: 200_000,
        adl_drain_slots: 1_000,
    };

    #[test]
    fn triggers_on_profit_share_or_an_insolvent_pool() {
        assert!(!adl_triggered(300, 1_000, &P));
        assert!(adl_triggered(301, 1_000, &P));
        assert!(adl_triggered(1, 0, &P));
        assert!(adl_triggered(0, -5, &P));
    }

    #[test]
    fn the_water_level_falls_with_time_alone_and_a_drain_stops_at_it() {
        let ep = AdlEpisode::default().at(1_000, 1_000);
        let top = 20_000_000;
        assert_eq!(ep.start_slot, 1_000);
        assert!(AdlEpisode::default().starts_at(1_000, 1_000));
        assert_eq!(ep.level_ppm(1_000, top, 1_000), top, "the top at the start");
        // The level falls with the slots since its start.
        let ongoing = AdlEpisode {
            start_slot: 1_000,
            last_slot: 1_450,
        };
        assert!(!ongoing.starts_at(1_500, 1_000));
        assert_eq!(ongoing.level_ppm(1_500, top, 1_000), 10_000_000);
        assert_eq!(ongoing.level_ppm(1_501, top, 1_000), 9_980_000);
        assert_eq!(ongoing.level_ppm(2_000, top, 1_000), 0, "the bottom");
        let end = 1_000 + 1_000 + EPISODE_GAP_SLOTS;
        assert_eq!(
            ongoing.level_ppm(end, top, 1_000),
            0,
            "still the same episode"
        );
        assert!(!ongoing.starts_at(end, 1_000));
        // Older than a full drain plus the gap: a new episode from the top, however recently
        // the last deleverage was.
        let kept_alive = AdlEpisode {
            start_slot: 1_000,
            last_slot: end,
        };
        assert!(kept_alive.starts_at(end + 1, 1_000));
        assert_eq!(kept_alive.level_ppm(end + 1, top, 1_000), top);
        // At 10x, a 3x account cannot be drained; a 12x one only down to 10x.
        assert_eq!(drain_cap(300, 100, 10_000_000), 0);
        assert_eq!(drain_cap(1_200, 100, 10_000_000), 200);
        assert_eq!(drain_cap_base(60, 1_200, 200), 10);
        assert_eq!(drain_cap_base(60, 1_200, 5_000), 60);
        assert_eq!(leverage_ppm(1_200, 100), 12_000_000);
        assert_eq!(leverage_ppm(1_200, 0), u64::MAX);
    }

    #[test]
    fn the_ratio_must_fall_but_not_below_the_floor() {
        assert!(adl_result_ok(400, 1_000, 250, 1_000, &P));
        assert!(!adl_result_ok(400, 1_000, 400, 1_000, &P));
        assert!(!adl_result_ok(400, 1_000, 150, 1_000, &P));
    }

    #[test]
    fn an_insolvent_pool_deleverages_while_profit_falls() {
        // Before the fix both ratios read u64::MAX and nothing could ever run.
        assert!(adl_result_ok(400, -50, 300, -50, &P));
        assert!(adl_result_ok(400, 0, 1, 0, &P));
        assert!(!adl_result_ok(400, -50, 400, -50, &P));
        // Back to solvency: the ordinary rule, floor included.
        assert!(adl_result_ok(400, -50, 300, 1_000, &P));
        assert!(!adl_result_ok(400, -50, 100, 1_000, &P));
    }
}
