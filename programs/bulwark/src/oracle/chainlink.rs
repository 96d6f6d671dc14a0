//! Chainlink Data Feeds transmissions account of the OCR2 `store` program (248 bytes with a
//! live length of 1). Layout (smartcontractkit/chainlink-solana, store `state.rs`):
//! 0 discriminator; 8 version u8; 9 state u8; 10 owner [32]; 42 proposed_owner [32];
//! 74 writer [32]; 106 description [32]; 138 decimals u8; 139 flagging_threshold u32;
//! 143 latest_round_id u32 (0 = no data); 147 granularity u8; 148 live_length u32;
//! 152 live_cursor u32; 156 historical_cursor u32; 160..200 header tail; then the live ring:
//! 200 slot u64, 208 timestamp u32, 212 padding u32, 216 answer i128 (10^-decimals),
//! 232 padding [16]. No confidence: the source's confidence floor stands in.

use bulwark_engine::oracle::{Observation, ReadingFault};

use super::bytes::Reader;
use super::DecodeError;

/// `sha256("account:Transmissions")[..8]`.
pub const DISCRIMINATOR: [u8; 8] = [0x60, 0xb3, 0x45, 0x42, 0x80, 0x81, 0x49, 0x75];
/// Account length with one live round.
pub const LEN: usize = 248;

/// One transmitted round.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transmission {
    pub slot: u64,
    /// Unix seconds.
    pub timestamp: u32,
    pub padding0: u32,
    /// Answer scaled by `10^decimals`.
    pub answer: i128,
    pub padding1: [u8; 16],
}

/// Every field of the transmissions account, in layout order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transmissions {
    pub version: u8,
    /// Carries no usable status.
    pub state: u8,
    pub owner: [u8; 32],
    pub proposed_owner: [u8; 32],
    pub writer: [u8; 32],
    pub description: [u8; 32],
    pub decimals: u8,
    pub flagging_threshold: u32,
    /// 0 when the feed never published.
    pub latest_round_id: u32,
    pub granularity: u8,
    pub live_length: u32,
    pub live_cursor: u32,
    pub historical_cursor: u32,
    pub header_tail: [u8; 40],
    /// The latest round.
    pub latest: Transmission,
}

/// Decodes the account.
pub fn decode(data: &[u8]) -> Result<Transmissions, DecodeError> {
    if data.len() < LEN {
        return Err(DecodeError::TooShort {
            needed: LEN,
            got: data.len(),
        });
    }
    let mut r = Reader::at(data, 0);
    if r.bytes::<8>()? != DISCRIMINATOR {
        return Err(DecodeError::BadDiscriminator);
    }
    let t = Transmissions {
        version: r.u8()?,
        state: r.u8()?,
        owner: r.bytes()?,
        proposed_owner: r.bytes()?,
        writer: r.bytes()?,
        description: r.bytes()?,
        decimals: r.u8()?,
        flagging_threshold: r.u32()?,
        latest_round_id: r.u32()?,
        granularity: r.u8()?,
        live_length: r.u32()?,
        live_cursor: r.u32()?,
        historical_cursor: r.u32()?,
        header_tail: r.bytes()?,
        latest: Transmission {
            slot: r.u64()?,
            timestamp: r.u32()?,
            padding0: r.u32()?,
            answer: r.i128()?,
            padding1: r.bytes()?,
        },
    };
    if t.decimals > 38 {
        return Err(DecodeError::Malformed("decimals"));
    }
    Ok(t)
}

/// Reads a configured Chainlink source.
pub fn observe(data: &[u8]) -> Result<Observation, ReadingFault> {
    Ok(decode(data)?.observation())
}

impl Transmissions {
    /// The engine's view: no confidence (0, the floor applies), no data while round id is 0.
    pub fn observation(&self) -> Observation {
        Observation {
            price: self.latest.answer,
            conf: 0,
            exponent: -i32::from(self.decimals),
            publish_time: i64::from(self.latest.timestamp),
            publish_slot: self.latest.slot,
            fully_verified: true,
            samples: (1, 1),
            has_data: self.latest_round_id != 0,
        }
    }
}
