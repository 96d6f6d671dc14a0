//! An account's liquidation episode, as the margin account keeps it between stages.

stored_block! {
    /// The liquidation in progress on an account (if any) and the market of the last one.
    pub struct LiquidationEpisode {
        /// The liquidated market's escalation clock (priced slots) when the episode started:
        /// the penalty escalates from it.
        pub start_clock: u64,
        /// Market of the liquidation in progress.
        pub market: u16,
        /// Market of the last liquidation (bankruptcy coverage is attributed to it).
        pub last_market: u16,
        /// 1 while a liquidation is in progress.
        pub active: u8,
        /// 1 once the keeper's minimum reward was guaranteed in this episode (at most once an
        /// episode; reset when a new episode starts).
        pub floor_paid: u8,
        pub _padding: [u8; 2],
    }
}
