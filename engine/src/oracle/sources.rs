//! The sources of one side (a market's asset, or the collateral) as an operation sees them:
//! their configuration through [`SourceSide`] (the program's stored oracle configuration
//! implements it), the bookkeeping kept per source ([`SourceState`]: the last accepted
//! reading, the replay guard), and each source's outcome in one judgement ([`judge_side`]).

use super::{
    check_against_accepted, AcceptedReading, AggregationConfig, Observation, ProviderReading,
    ReadingFault, SourceSpec, MAX_SOURCES,
};

/// One side's configured sources, in order.
pub trait SourceSide {
    /// Sources in use (1–4).
    fn count(&self) -> usize;
    /// Source `i`: its provider tag (sources sharing a tag count once towards the quorum)
    /// and its limits. `i` is below `count()` and `MAX_SOURCES`.
    fn spec(&self, i: usize) -> SourceSpec;
    /// The side's aggregation limits.
    fn aggregation(&self) -> AggregationConfig;
}

/// Outcome of a source in the last judgement (stored as its `u8` code).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "anchor",
    derive(anchor_lang::AnchorSerialize, anchor_lang::AnchorDeserialize),
    borsh(use_discriminant = false)
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[repr(u8)]
pub enum SourceStatus {
    /// Never read.
    #[default]
    Unread = 0,
    /// Valid and newer than the last accepted reading.
    New = 1,
    /// Valid, same publish time, price and confidence as the last accepted reading.
    Unchanged = 2,
    /// Invalid; see the fault code.
    Invalid = 3,
}

stored_block! {
    /// Per-source bookkeeping kept by the market.
    pub struct SourceState {
        /// Last accepted publish time (replay guard), unix seconds.
        pub last_publish_time: i64,
        /// Publish slot of that reading.
        pub last_publish_slot: u64,
        /// Price of the accepted reading (the one at `last_publish_time`), USD at 1e-9 (0 if
        /// none). A later reading with the same publish time must repeat it.
        pub last_price: u64,
        /// Confidence of the accepted reading, USD at 1e-9.
        pub last_conf: u64,
        /// `SourceStatus` of the last update.
        pub status: u8,
        /// `ReadingFault` code of the last update (0 if none).
        pub fault: u8,
        pub _padding: [u8; 6],
    }
}
const _: () = assert!(core::mem::size_of::<SourceState>() == 40);

/// One source's outcome in a judgement (the `RiskUpdated` event carries one per source).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "anchor",
    derive(anchor_lang::AnchorSerialize, anchor_lang::AnchorDeserialize)
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SourceOutcome {
    /// New, unchanged or invalid.
    pub status: SourceStatus,
    /// Why it was invalid (`None` unless `status` is `Invalid`).
    pub fault: Option<ReadingFault>,
    /// Reading in USD at 1e-9 (0 when invalid).
    pub price: u64,
    /// Confidence in USD at 1e-9.
    pub conf: u64,
    /// Publish time of the reading.
    pub publish_time: i64,
}

/// One side's readings: engine inputs plus what to record per source.
#[derive(Clone, Copy, Debug)]
pub struct SideReadings {
    pub inputs: [Option<ProviderReading>; MAX_SOURCES],
    pub outcomes: [SourceOutcome; MAX_SOURCES],
    /// Some source published something newer than its last accepted reading.
    pub any_new: bool,
}

/// Judges `observations` (one per source of `side`, in order) against each source's limits
/// and the last reading accepted for it (`states`): a reading with that reading's publish time
/// must repeat its price and confidence, or it is invalid.
pub fn judge_side(
    side: &impl SourceSide,
    states: &[SourceState; MAX_SOURCES],
    observations: &[Result<Observation, ReadingFault>],
    now_ts: i64,
    now_slot: u64,
) -> SideReadings {
    let mut out = SideReadings {
        inputs: [None; MAX_SOURCES],
        outcomes: [SourceOutcome::default(); MAX_SOURCES],
        any_new: false,
    };
    let n = side.count().min(observations.len()).min(MAX_SOURCES);
    for i in 0..n {
        let spec = side.spec(i);
        let checked = observations[i].and_then(|obs| {
            let accepted = AcceptedReading {
                publish_time: states[i].last_publish_time,
                price: states[i].last_price,
                conf: states[i].last_conf,
            };
            check_against_accepted(&obs, &spec.limits, &accepted, now_ts, now_slot)
        });
        out.outcomes[i] = match checked {
            Ok(c) => {
                out.inputs[i] = Some(ProviderReading {
                    provider: spec.provider,
                    reading: c.reading,
                });
                out.any_new |= c.is_new;
                SourceOutcome {
                    status: if c.is_new {
                        SourceStatus::New
                    } else {
                        SourceStatus::Unchanged
                    },
                    fault: None,
                    price: c.reading.price,
                    conf: c.reading.conf,
                    publish_time: c.reading.publish_time,
                }
            }
            Err(fault) => SourceOutcome {
                status: SourceStatus::Invalid,
                fault: Some(fault),
                ..Default::default()
            },
        };
    }
    out
}

/// Records each of the first `n` sources' outcomes; the accepted reading (replay guard,
/// price, confidence) advances only on valid new readings.
pub fn record_side(states: &mut [SourceState; MAX_SOURCES], side: &SideReadings, n: usize) {
    for ((s, o), input) in states
        .iter_mut()
        .zip(side.outcomes.iter())
        .zip(side.inputs.iter())
        .take(n)
    {
        s.status = o.status as u8;
        s.fault = o.fault.map_or(0, |f| f as u8);
        if let (Some(r), true) = (input, o.status == SourceStatus::New) {
            s.last_publish_time = r.reading.publish_time;
            s.last_publish_slot = r.reading.publish_slot;
            s.last_price = r.reading.price;
            s.last_conf = r.reading.conf;
        }
    }
}
