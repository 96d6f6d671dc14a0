//! Which action may use the stored price, at which validity and age: the one table of SPEC
//! section 3 ("every action states the level it needs").

use crate::oracle::Validity;

/// A price-dependent kind of action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Action {
    /// Opening or increasing a position, withdrawing (anything that adds risk).
    IncreaseRisk = 0,
    /// Reducing or closing a position.
    ReduceRisk = 1,
    /// Liquidating an account.
    Liquidate = 2,
    /// Auto-deleveraging a winner.
    Deleverage = 3,
}

impl Action {
    /// All actions, in table order.
    pub const ALL: [Action; 4] = [
        Action::IncreaseRisk,
        Action::ReduceRisk,
        Action::Liquidate,
        Action::Deleverage,
    ];

    /// Short name for tables and logs.
    pub fn name(self) -> &'static str {
        match self {
            Action::IncreaseRisk => "increase",
            Action::ReduceRisk => "reduce",
            Action::Liquidate => "liquidate",
            Action::Deleverage => "deleverage",
        }
    }
}

/// What an action may do at one validity level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permission {
    /// Refused.
    No,
    /// Allowed at the aggregate price.
    AtAggregate,
    /// Allowed at the divergence fallback price (reading inside the TWAP band).
    AtFallback,
}

use Permission::{AtAggregate as A, AtFallback as F, No as N};

/// The table: rows are actions, columns validity levels from `NoPrice` to `Valid`.
pub const PERMISSIONS: [[Permission; 7]; 4] = [
    //  NoPrice Divergent TooVolatile TooUncertain Stale BelowQuorum Valid
    [N, N, N, N, N, N, A], // IncreaseRisk
    [N, F, A, A, A, A, A], // ReduceRisk
    [N, F, A, N, A, A, A], // Liquidate
    [N, N, A, N, N, A, A], // Deleverage
];

stored_block! {
    /// How old the stored aggregate may be for each action.
    pub struct AgeLimits {
        /// Increases need the aggregate of this very slot and every source behind it published
        /// within this many seconds.
        pub max_age_for_increase_secs: u32,
        /// An aggregate older than this many slots counts as `Stale`.
        pub fresh_slots: u32,
        /// Reductions refuse an aggregate older than this many slots.
        pub max_age_reduce_slots: u32,
        /// Liquidations refuse an aggregate older than this many slots.
        pub max_age_liquidate_slots: u32,
    }
}

/// The stored aggregate, as the market keeps it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StoredPrice {
    /// Aggregate price in collateral units at 1e-9.
    pub price: u64,
    /// Divergence fallback price (0 if none).
    pub reduce_price: u64,
    /// Validity at aggregation time.
    pub validity: Validity,
    /// Slot of the aggregation (of the last news: every age limit counts from it).
    pub slot: u64,
    /// The latest slot at which the sources were judged and gave this aggregate (`slot`, or
    /// later when a refresh found nothing new and the same judgement): increases need it to be
    /// the current slot. 0 reads as `slot`.
    pub judged_slot: u64,
    /// Oldest publish time of the sources behind it.
    pub oldest_publish_time: i64,
}

/// Why an action may not use the stored price.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The validity level (after ageing) is not allowed for this action.
    Validity(Validity),
    /// Increase needs an aggregate refreshed in the current slot.
    NotRefreshedThisSlot,
    /// Increase needs every source within `max_age_for_increase_secs`.
    SourcesTooOld,
    /// The aggregate is older than the action's age limit.
    TooOld,
    /// Divergent, and no reading lies inside the TWAP band.
    NoFallbackReading,
}

/// The validity of a stored aggregate at `now_slot`: downgraded to `Stale` once older than
/// `fresh_slots` (a worse stored level stays).
pub fn aged_validity(stored: &StoredPrice, now_slot: u64, limits: &AgeLimits) -> Validity {
    let age = now_slot.saturating_sub(stored.slot);
    if age > limits.fresh_slots as u64 {
        stored.validity.worst(Validity::Stale)
    } else {
        stored.validity
    }
}

/// The price `action` may use now, or why not. Increase: same slot, all sources recent,
/// `Valid`. Others: within their slot age limit and allowed by [`PERMISSIONS`]; deleveraging
/// needs a fresh (not `Stale`) aggregate.
pub fn price_for_action(
    action: Action,
    stored: &StoredPrice,
    now_slot: u64,
    now_ts: i64,
    limits: &AgeLimits,
) -> Result<u64, Refusal> {
    let age = now_slot.saturating_sub(stored.slot);
    let validity = aged_validity(stored, now_slot, limits);
    let permission = PERMISSIONS[action as usize][validity as usize];
    if permission == Permission::No {
        return Err(Refusal::Validity(validity));
    }
    match action {
        Action::IncreaseRisk => {
            // A quiet source is the cause to name first: no refresh can cure it.
            if now_ts.saturating_sub(stored.oldest_publish_time)
                > limits.max_age_for_increase_secs as i64
            {
                return Err(Refusal::SourcesTooOld);
            }
            if stored.judged_slot.max(stored.slot) != now_slot {
                return Err(Refusal::NotRefreshedThisSlot);
            }
        }
        Action::ReduceRisk if age > limits.max_age_reduce_slots as u64 => {
            return Err(Refusal::TooOld)
        }
        Action::Liquidate if age > limits.max_age_liquidate_slots as u64 => {
            return Err(Refusal::TooOld)
        }
        // Deleveraging needs a fresh price whatever the stored level (a worse level such as
        // TooVolatile would otherwise mask staleness).
        Action::Deleverage if age > limits.fresh_slots as u64 => return Err(Refusal::TooOld),
        _ => {}
    }
    match permission {
        Permission::AtFallback if stored.reduce_price == 0 => Err(Refusal::NoFallbackReading),
        Permission::AtFallback => Ok(stored.reduce_price),
        _ => Ok(stored.price),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: AgeLimits = AgeLimits {
        max_age_for_increase_secs: 5,
        fresh_slots: 10,
        max_age_reduce_slots: 100,
        max_age_liquidate_slots: 50,
    };

    fn stored(validity: Validity) -> StoredPrice {
        StoredPrice {
            price: 100,
            reduce_price: 99,
            validity,
            slot: 1_000,
            judged_slot: 0,
            oldest_publish_time: 500,
        }
    }

    #[test]
    fn increase_needs_valid_same_slot_recent_sources() {
        let s = stored(Validity::Valid);
        assert_eq!(
            price_for_action(Action::IncreaseRisk, &s, 1_000, 503, &LIMITS),
            Ok(100)
        );
        assert_eq!(
            price_for_action(Action::IncreaseRisk, &s, 1_001, 503, &LIMITS),
            Err(Refusal::NotRefreshedThisSlot)
        );
        assert_eq!(
            price_for_action(Action::IncreaseRisk, &s, 1_000, 506, &LIMITS),
            Err(Refusal::SourcesTooOld)
        );
        assert_eq!(
            price_for_action(
                Action::IncreaseRisk,
                &stored(Validity::BelowQuorum),
                1_000,
                503,
                &LIMITS
            ),
            Err(Refusal::Validity(Validity::BelowQuorum))
        );
    }

    #[test]
    fn divergence_lets_reductions_use_the_fallback() {
        let s = stored(Validity::Divergent);
        assert_eq!(
            price_for_action(Action::ReduceRisk, &s, 1_000, 503, &LIMITS),
            Ok(99)
        );
        assert_eq!(
            price_for_action(Action::Liquidate, &s, 1_000, 503, &LIMITS),
            Ok(99)
        );
        assert_eq!(
            price_for_action(Action::Deleverage, &s, 1_000, 503, &LIMITS),
            Err(Refusal::Validity(Validity::Divergent))
        );
        let none = StoredPrice {
            reduce_price: 0,
            ..s
        };
        assert_eq!(
            price_for_action(Action::ReduceRisk, &none, 1_000, 503, &LIMITS),
            Err(Refusal::NoFallbackReading)
        );
    }

    #[test]
    fn ageing_makes_stale_then_too_old() {
        let s = stored(Validity::Valid);
        assert_eq!(aged_validity(&s, 1_011, &LIMITS), Validity::Stale);
        assert_eq!(
            price_for_action(Action::Deleverage, &s, 1_011, 503, &LIMITS),
            Err(Refusal::Validity(Validity::Stale))
        );
        assert_eq!(
            price_for_action(Action::Liquidate, &s, 1_050, 503, &LIMITS),
            Ok(100)
        );
        assert_eq!(
            price_for_action(Action::Liquidate, &s, 1_051, 503, &LIMITS),
            Err(Refusal::TooOld)
        );
        assert_eq!(
            price_for_action(Action::ReduceRisk, &s, 1_100, 503, &LIMITS),
            Ok(100)
        );
        assert_eq!(
            price_for_action(Action::ReduceRisk, &s, 1_101, 503, &LIMITS),
            Err(Refusal::TooOld)
        );
    }

    #[test]
    fn deleveraging_needs_a_fresh_price_even_when_too_volatile() {
        let s = stored(Validity::TooVolatile);
        assert_eq!(
            price_for_action(Action::Deleverage, &s, 1_010, 503, &LIMITS),
            Ok(100)
        );
        assert_eq!(
            price_for_action(Action::Deleverage, &s, 1_011, 503, &LIMITS),
            Err(Refusal::TooOld)
        );
    }

    #[test]
    fn nothing_runs_without_a_price() {
        for a in Action::ALL {
            assert_eq!(
                price_for_action(a, &stored(Validity::NoPrice), 1_000, 503, &LIMITS),
                Err(Refusal::Validity(Validity::NoPrice))
            );
        }
    }
}
