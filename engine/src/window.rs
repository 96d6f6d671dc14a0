//! Rolling windows: one rule for every limit counted per window (the guardian's actions, a
//! market's insurance coverage, governance's step limit). A window that opened at `start`
//! lasts `length_secs`; the first use at or after its end opens the next one at that moment.

/// Whether the window that opened at `start` (unix seconds) has ended by `now`.
pub fn has_ended(start: i64, now: i64, length_secs: i64) -> bool {
    now >= start.saturating_add(length_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_ends_exactly_at_its_length() {
        assert!(!has_ended(1_000, 1_099, 100));
        assert!(has_ended(1_000, 1_100, 100));
        assert!(!has_ended(i64::MAX - 5, i64::MAX - 1, 100), "no overflow");
    }
}
