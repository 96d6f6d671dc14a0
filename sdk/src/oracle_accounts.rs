//! Encoders of oracle accounts in their real byte layouts: the exact inverse of the program's
//! decoders (a test proves every real fixture is reproduced byte for byte from its decoded
//! fields), plus builders for test and demo feeds.

use anchor_lang::prelude::Pubkey;
use anchor_lang::pubkey;
use bulwark::oracle::chainlink::{self, Transmission, Transmissions};
use bulwark::oracle::pyth::{self, PriceUpdateV2, VerificationLevel};
use bulwark::oracle::switchboard::{self, CurrentResult, OracleSubmission, PullFeedAccountData};

/// Pyth pull receiver program (mainnet owner of `PriceUpdateV2` accounts today).
pub const PYTH_RECEIVER: Pubkey = pubkey!("rec5EKMGg6MxZYaMdyBfgwp4d5rB9T1VQH5pJv5LtFJ");
/// Switchboard On-Demand program.
pub const SWITCHBOARD_ON_DEMAND: Pubkey = pubkey!("SBondMDrcV3K4kxZR1HNVT7osZxAHVHgYXL5Ze1oMUv");
/// Chainlink OCR2 store program.
pub const CHAINLINK_STORE: Pubkey = pubkey!("HEvSKofvBgfaexv23kMabbYqxasxU3mQ4ibBMEmJWHny");
/// Legacy Pyth push oracle program (retired format).
pub const PYTH_LEGACY_PUSH: Pubkey = pubkey!("FsJ3A3u2vn5cTVofAjvy6y5kwABJAqYWpe4975bi2epH");

/// Little-endian byte writer.
#[derive(Default)]
struct Writer(Vec<u8>);

impl Writer {
    fn put(&mut self, b: &[u8]) -> &mut Self {
        self.0.extend_from_slice(b);
        self
    }
}

/// Encodes a `PriceUpdateV2` into its 134-byte account (zero padded after a Full encoding).
pub fn encode_pyth(p: &PriceUpdateV2) -> Vec<u8> {
    let mut w = Writer::default();
    w.put(&pyth::DISCRIMINATOR).put(&p.write_authority);
    match p.verification {
        VerificationLevel::Partial { num_signatures } => w.put(&[0, num_signatures]),
        VerificationLevel::Full => w.put(&[1]),
    };
    w.put(&p.feed_id)
        .put(&p.price.to_le_bytes())
        .put(&p.conf.to_le_bytes())
        .put(&p.exponent.to_le_bytes())
        .put(&p.publish_time.to_le_bytes())
        .put(&p.prev_publish_time.to_le_bytes())
        .put(&p.ema_price.to_le_bytes())
        .put(&p.ema_conf.to_le_bytes())
        .put(&p.posted_slot.to_le_bytes());
    w.0.resize(pyth::LEN, 0);
    w.0
}

/// Encodes a `PullFeedAccountData` (3208 bytes).
pub fn encode_switchboard(f: &PullFeedAccountData) -> Vec<u8> {
    let mut w = Writer::default();
    w.put(&switchboard::DISCRIMINATOR);
    for s in &f.submissions {
        w.put(&s.oracle)
            .put(&s.slot.to_le_bytes())
            .put(&s.landed_at.to_le_bytes())
            .put(&s.value.to_le_bytes());
    }
    let r = &f.result;
    w.put(&f.authority)
        .put(&f.queue)
        .put(&f.feed_hash)
        .put(&f.initialized_at.to_le_bytes())
        .put(&f.permissions.to_le_bytes())
        .put(&f.max_variance.to_le_bytes())
        .put(&f.min_responses.to_le_bytes())
        .put(&f.name)
        .put(&f.padding1)
        .put(&[f.historical_result_idx, f.min_sample_size])
        .put(&f.last_update_timestamp.to_le_bytes())
        .put(&f.lut_slot.to_le_bytes())
        .put(&f.reserved1);
    for v in [
        r.value,
        r.std_dev,
        r.mean,
        r.range,
        r.min_value,
        r.max_value,
    ] {
        w.put(&v.to_le_bytes());
    }
    w.put(&[r.num_samples, r.submission_idx])
        .put(&r.padding1)
        .put(&r.slot.to_le_bytes())
        .put(&r.min_slot.to_le_bytes())
        .put(&r.max_slot.to_le_bytes())
        .put(&f.max_staleness.to_le_bytes())
        .put(&f.padding2)
        .put(&f.historical_results)
        .put(&f.ebuf4)
        .put(&f.ebuf3)
        .put(&f.ebuf2);
    w.0
}

/// Encodes a Chainlink transmissions account (248 bytes).
pub fn encode_chainlink(t: &Transmissions) -> Vec<u8> {
    let mut w = Writer::default();
    w.put(&chainlink::DISCRIMINATOR)
        .put(&[t.version, t.state])
        .put(&t.owner)
        .put(&t.proposed_owner)
        .put(&t.writer)
        .put(&t.description)
        .put(&[t.decimals])
        .put(&t.flagging_threshold.to_le_bytes())
        .put(&t.latest_round_id.to_le_bytes())
        .put(&[t.granularity])
        .put(&t.live_length.to_le_bytes())
        .put(&t.live_cursor.to_le_bytes())
        .put(&t.historical_cursor.to_le_bytes())
        .put(&t.header_tail)
        .put(&t.latest.slot.to_le_bytes())
        .put(&t.latest.timestamp.to_le_bytes())
        .put(&t.latest.padding0.to_le_bytes())
        .put(&t.latest.answer.to_le_bytes())
        .put(&t.latest.padding1);
    w.0
}

/// A fully verified Pyth update; `price`/`conf` are mantissas at `10^exponent`.
pub fn pyth_update(
    feed_id: [u8; 32],
    price: i64,
    conf: u64,
    exponent: i32,
    publish_time: i64,
    posted_slot: u64,
) -> PriceUpdateV2 {
    PriceUpdateV2 {
        write_authority: [7; 32],
        verification: VerificationLevel::Full,
        feed_id,
        price,
        conf,
        exponent,
        publish_time,
        prev_publish_time: publish_time.saturating_sub(1),
        ema_price: price,
        ema_conf: conf,
        posted_slot,
    }
}

/// A Switchboard feed whose result is `value_1e18` with `std_dev_1e18`, from `samples`
/// oracles, updated at `slot` and `timestamp`.
pub fn switchboard_feed(
    feed_hash: [u8; 32],
    value_1e18: i128,
    std_dev_1e18: i128,
    samples: u8,
    slot: u64,
    timestamp: i64,
) -> PullFeedAccountData {
    let empty = OracleSubmission {
        oracle: [0; 32],
        slot: 0,
        landed_at: 0,
        value: 0,
    };
    let mut submissions = [empty; 32];
    for (i, s) in submissions.iter_mut().take(samples as usize).enumerate() {
        *s = OracleSubmission {
            oracle: [i as u8 + 1; 32],
            slot,
            landed_at: slot,
            value: value_1e18,
        };
    }
    PullFeedAccountData {
        submissions,
        authority: [3; 32],
        queue: [4; 32],
        feed_hash,
        initialized_at: timestamp.saturating_sub(86_400),
        permissions: 0,
        max_variance: 5_000_000_000,
        min_responses: 1,
        name: *b"SOL/USD\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0",
        padding1: [0; 2],
        historical_result_idx: 0,
        min_sample_size: 1,
        last_update_timestamp: timestamp,
        lut_slot: 0,
        reserved1: [0; 32],
        result: CurrentResult {
            value: value_1e18,
            std_dev: std_dev_1e18,
            mean: value_1e18,
            range: std_dev_1e18.saturating_mul(2),
            min_value: value_1e18.saturating_sub(std_dev_1e18),
            max_value: value_1e18,
            num_samples: samples,
            submission_idx: 0,
            padding1: [0; 6],
            slot,
            min_slot: slot,
            max_slot: slot,
        },
        max_staleness: 250,
        padding2: [0; 12],
        historical_results: [0; 512],
        ebuf4: [0; 8],
        ebuf3: [0; 24],
        ebuf2: [0; 256],
    }
}

/// A Chainlink feed whose latest round `round_id` answered `answer` (at `10^-decimals`).
pub fn chainlink_feed(
    decimals: u8,
    answer: i128,
    round_id: u32,
    slot: u64,
    timestamp: u32,
) -> Transmissions {
    let mut description = [0u8; 32];
    description[..9].copy_from_slice(b"SOL / USD");
    Transmissions {
        version: 2,
        state: 1,
        owner: [5; 32],
        proposed_owner: [0; 32],
        writer: [6; 32],
        description,
        decimals,
        flagging_threshold: 0,
        latest_round_id: round_id,
        granularity: 1,
        live_length: 1,
        live_cursor: 0,
        historical_cursor: 0,
        header_tail: [0; 40],
        latest: Transmission {
            slot,
            timestamp,
            padding0: 0,
            answer,
            padding1: [0; 16],
        },
    }
}
