//! Pyth pull oracle `PriceUpdateV2` (Borsh in a 134-byte account: the Partial encoding fills
//! it, the Full encoding is one byte shorter and leaves a trailing zero).
//!
//! Layout: 0 discriminator; 8 write_authority [32]; 40 verification level (`01` Full, or
//! `00 n` Partial with n signatures; later fields move by one); feed_id [32], price i64,
//! conf u64, exponent i32, publish_time i64, prev_publish_time i64, ema_price i64,
//! ema_conf u64, posted_slot u64.

use bulwark_engine::oracle::{Observation, ReadingFault};

use super::bytes::Reader;
use super::DecodeError;

/// `sha256("account:PriceUpdateV2")[..8]`.
pub const DISCRIMINATOR: [u8; 8] = [0x22, 0xf1, 0x23, 0x63, 0x9d, 0x7e, 0xf4, 0xcd];

/// Account size (the Partial encoding's length).
pub const LEN: usize = 134;

/// Wormhole verification level of the update.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VerificationLevel {
    /// Only `num_signatures` guardian signatures were checked.
    Partial { num_signatures: u8 },
    /// Fully verified.
    Full,
}

/// A decoded `PriceUpdateV2`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PriceUpdateV2 {
    pub write_authority: [u8; 32],
    pub verification: VerificationLevel,
    pub feed_id: [u8; 32],
    /// Price mantissa (`price * 10^exponent` USD).
    pub price: i64,
    pub conf: u64,
    pub exponent: i32,
    pub publish_time: i64,
    pub prev_publish_time: i64,
    pub ema_price: i64,
    pub ema_conf: u64,
    pub posted_slot: u64,
}

/// Decodes a `PriceUpdateV2`; trailing bytes beyond the layout are ignored. A legacy push
/// account (magic `0xa1b2c3d4`) is recognised and refused as the retired format it is.
pub fn decode(data: &[u8]) -> Result<PriceUpdateV2, DecodeError> {
    let mut r = Reader::at(data, 0);
    if r.u32()? == super::LEGACY_PYTH_MAGIC {
        return Err(DecodeError::RetiredPythPush);
    }
    let mut r = Reader::at(data, 0);
    if r.bytes::<8>()? != DISCRIMINATOR {
        return Err(DecodeError::BadDiscriminator);
    }
    let write_authority = r.bytes()?;
    let verification = match r.u8()? {
        0 => VerificationLevel::Partial {
            num_signatures: r.u8()?,
        },
        1 => VerificationLevel::Full,
        _ => return Err(DecodeError::Malformed("verification level")),
    };
    Ok(PriceUpdateV2 {
        write_authority,
        verification,
        feed_id: r.bytes()?,
        price: r.i64()?,
        conf: r.u64()?,
        exponent: r.i32()?,
        publish_time: r.i64()?,
        prev_publish_time: r.i64()?,
        ema_price: r.i64()?,
        ema_conf: r.u64()?,
        posted_slot: r.u64()?,
    })
}

/// Reads a configured Pyth source (feed id must match).
pub fn observe(data: &[u8], feed_id: &[u8; 32]) -> Result<Observation, ReadingFault> {
    let p = decode(data)?;
    if &p.feed_id != feed_id {
        return Err(ReadingFault::WrongFeedId);
    }
    Ok(p.observation())
}

impl PriceUpdateV2 {
    /// The engine's view of this update.
    pub fn observation(&self) -> Observation {
        Observation {
            price: i128::from(self.price),
            conf: u128::from(self.conf),
            exponent: self.exponent,
            publish_time: self.publish_time,
            publish_slot: self.posted_slot,
            fully_verified: self.verification == VerificationLevel::Full,
            samples: (1, 1),
            has_data: true,
        }
    }
}
