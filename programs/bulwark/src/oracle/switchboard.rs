//! Switchboard On-Demand `PullFeedAccountData` (3208 bytes, `repr(C)` with i128 fields that
//! are 16-byte aligned off chain: every field is read unaligned from bytes).
//!
//! On chain only the fields Bulwark uses are read ([`observe`], fixed offsets, no large stack
//! copy); [`decode`] reads every field for tools and for the byte-exact encoder.

use bulwark_engine::oracle::{Observation, ReadingFault};

use super::bytes::Reader;
use super::DecodeError;

/// `sha256("account:PullFeedAccountData")[..8]`.
pub const DISCRIMINATOR: [u8; 8] = [0xc4, 0x1b, 0x6c, 0xc4, 0x0a, 0xd7, 0xdb, 0x28];
/// Account length.
pub const LEN: usize = 3208;
/// Offset of `feed_hash`.
pub const FEED_HASH: usize = 2120;
/// Offset of `min_responses` (u32).
pub const MIN_RESPONSES: usize = 2176;
/// Offset of `last_update_timestamp` (i64).
pub const LAST_UPDATE_TIMESTAMP: usize = 2216;
/// Offset of `result` (`CurrentResult`).
pub const RESULT: usize = 2264;
/// Exponent of every i128 value (1e18 fixed point).
pub const EXPONENT: i32 = -18;

/// One oracle's submission.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OracleSubmission {
    pub oracle: [u8; 32],
    pub slot: u64,
    pub landed_at: u64,
    /// Value at 1e18.
    pub value: i128,
}

/// The feed's current result (values at 1e18).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CurrentResult {
    pub value: i128,
    pub std_dev: i128,
    pub mean: i128,
    pub range: i128,
    pub min_value: i128,
    pub max_value: i128,
    pub num_samples: u8,
    pub submission_idx: u8,
    pub padding1: [u8; 6],
    pub slot: u64,
    pub min_slot: u64,
    pub max_slot: u64,
}

/// Every field of `PullFeedAccountData`, in layout order. Regions Bulwark does not interpret
/// (historical results, extension buffers) are kept as bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PullFeedAccountData {
    pub submissions: [OracleSubmission; 32],
    pub authority: [u8; 32],
    pub queue: [u8; 32],
    pub feed_hash: [u8; 32],
    pub initialized_at: i64,
    pub permissions: u64,
    pub max_variance: u64,
    pub min_responses: u32,
    pub name: [u8; 32],
    pub padding1: [u8; 2],
    pub historical_result_idx: u8,
    pub min_sample_size: u8,
    pub last_update_timestamp: i64,
    pub lut_slot: u64,
    pub reserved1: [u8; 32],
    pub result: CurrentResult,
    /// Staleness the feed itself declares, in slots.
    pub max_staleness: u32,
    pub padding2: [u8; 12],
    pub historical_results: [u8; 512],
    pub ebuf4: [u8; 8],
    pub ebuf3: [u8; 24],
    pub ebuf2: [u8; 256],
}

fn check_header(data: &[u8]) -> Result<(), DecodeError> {
    if data.len() < LEN {
        return Err(DecodeError::TooShort {
            needed: LEN,
            got: data.len(),
        });
    }
    if data[..8] != DISCRIMINATOR {
        return Err(DecodeError::BadDiscriminator);
    }
    Ok(())
}

fn read_result(r: &mut Reader) -> Result<CurrentResult, DecodeError> {
    Ok(CurrentResult {
        value: r.i128()?,
        std_dev: r.i128()?,
        mean: r.i128()?,
        range: r.i128()?,
        min_value: r.i128()?,
        max_value: r.i128()?,
        num_samples: r.u8()?,
        submission_idx: r.u8()?,
        padding1: r.bytes()?,
        slot: r.u64()?,
        min_slot: r.u64()?,
        max_slot: r.u64()?,
    })
}

/// Decodes every field (off-chain tools; about 3 KB, keep it off the SBF stack).
pub fn decode(data: &[u8]) -> Result<PullFeedAccountData, DecodeError> {
    check_header(data)?;
    let mut r = Reader::at(data, 8);
    let mut submissions = [OracleSubmission {
        oracle: [0; 32],
        slot: 0,
        landed_at: 0,
        value: 0,
    }; 32];
    for s in submissions.iter_mut() {
        *s = OracleSubmission {
            oracle: r.bytes()?,
            slot: r.u64()?,
            landed_at: r.u64()?,
            value: r.i128()?,
        };
    }
    let feed = PullFeedAccountData {
        submissions,
        authority: r.bytes()?,
        queue: r.bytes()?,
        feed_hash: r.bytes()?,
        initialized_at: r.i64()?,
        permissions: r.u64()?,
        max_variance: r.u64()?,
        min_responses: r.u32()?,
        name: r.bytes()?,
        padding1: r.bytes()?,
        historical_result_idx: r.u8()?,
        min_sample_size: r.u8()?,
        last_update_timestamp: r.i64()?,
        lut_slot: r.u64()?,
        reserved1: r.bytes()?,
        result: read_result(&mut r)?,
        max_staleness: r.u32()?,
        padding2: r.bytes()?,
        historical_results: r.bytes()?,
        ebuf4: r.bytes()?,
        ebuf3: r.bytes()?,
        ebuf2: r.bytes()?,
    };
    debug_assert_eq!(r.pos(), LEN);
    Ok(feed)
}

/// Reads a configured Switchboard source from fixed offsets (feed hash must match).
/// Confidence is the result's standard deviation; samples are `(num_samples, min_responses)`.
pub fn observe(data: &[u8], feed_id: &[u8; 32]) -> Result<Observation, ReadingFault> {
    check_header(data)?;
    if Reader::at(data, FEED_HASH).bytes::<32>()? != *feed_id {
        return Err(ReadingFault::WrongFeedId);
    }
    let min_responses = Reader::at(data, MIN_RESPONSES).u32()?;
    let publish_time = Reader::at(data, LAST_UPDATE_TIMESTAMP).i64()?;
    let result = read_result(&mut Reader::at(data, RESULT))?;
    Ok(observation(&result, publish_time, min_responses))
}

fn observation(result: &CurrentResult, publish_time: i64, min_responses: u32) -> Observation {
    Observation {
        price: result.value,
        conf: result.std_dev.unsigned_abs(),
        exponent: EXPONENT,
        publish_time,
        publish_slot: result.slot,
        fully_verified: true,
        samples: (u32::from(result.num_samples), min_responses.max(1)),
        has_data: result.slot != 0,
    }
}

impl PullFeedAccountData {
    /// The engine's view of this feed.
    pub fn observation(&self) -> Observation {
        observation(&self.result, self.last_update_timestamp, self.min_responses)
    }
}
