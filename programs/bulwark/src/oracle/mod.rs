//! Oracle account decoders, from raw bytes (no oracle crates), and the glue that turns a
//! configured source's account into an engine [`Observation`] or a [`ReadingFault`].

pub mod bytes;
pub mod chainlink;
pub mod pyth;
pub mod switchboard;

use anchor_lang::prelude::*;
use bulwark_engine::oracle::{Observation, ReadingFault};

use crate::error::BulwarkError;

/// Supported oracle kinds (`u8` codes in state and arguments).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum OracleKind {
    /// Pyth pull oracle `PriceUpdateV2` (receiver program).
    PythPull = 0,
    /// Switchboard On-Demand `PullFeedAccountData`.
    SwitchboardOnDemand = 1,
    /// Chainlink Data Feeds OCR2 store transmissions account.
    Chainlink = 2,
}

impl TryFrom<u8> for OracleKind {
    type Error = Error;
    fn try_from(v: u8) -> Result<Self> {
        match v {
            0 => Ok(OracleKind::PythPull),
            1 => Ok(OracleKind::SwitchboardOnDemand),
            2 => Ok(OracleKind::Chainlink),
            _ => err!(BulwarkError::InvalidOracleKind),
        }
    }
}

/// Why bytes could not be decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// Fewer bytes than the layout needs.
    TooShort { needed: usize, got: usize },
    /// The discriminator is not this kind's.
    BadDiscriminator,
    /// The retired legacy Pyth push format (magic `0xa1b2c3d4`).
    RetiredPythPush,
    /// A field holds a value the layout does not allow.
    Malformed(&'static str),
}

impl core::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            DecodeError::TooShort { needed, got } => {
                write!(f, "account too short: {got} bytes, layout needs {needed}")
            }
            DecodeError::BadDiscriminator => write!(f, "unknown discriminator"),
            DecodeError::RetiredPythPush => {
                write!(f, "legacy Pyth push price account (format retired in 2024); use a Pyth pull PriceUpdateV2 account")
            }
            DecodeError::Malformed(what) => write!(f, "malformed account: {what}"),
        }
    }
}

impl From<DecodeError> for ReadingFault {
    fn from(e: DecodeError) -> Self {
        match e {
            DecodeError::TooShort { .. } | DecodeError::Malformed(_) => ReadingFault::Malformed,
            DecodeError::BadDiscriminator => ReadingFault::BadDiscriminator,
            DecodeError::RetiredPythPush => ReadingFault::RetiredFormat,
        }
    }
}

/// Magic number at offset 0 of legacy Pyth push accounts.
pub const LEGACY_PYTH_MAGIC: u32 = 0xa1b2_c3d4;

/// The kind of an oracle account, from its discriminator (for tools such as `inspect`).
pub fn detect_kind(data: &[u8]) -> core::result::Result<OracleKind, DecodeError> {
    if data.len() >= 4
        && u32::from_le_bytes([data[0], data[1], data[2], data[3]]) == LEGACY_PYTH_MAGIC
    {
        return Err(DecodeError::RetiredPythPush);
    }
    let disc = data.get(..8).ok_or(DecodeError::TooShort {
        needed: 8,
        got: data.len(),
    })?;
    if disc == pyth::DISCRIMINATOR {
        Ok(OracleKind::PythPull)
    } else if disc == switchboard::DISCRIMINATOR {
        Ok(OracleKind::SwitchboardOnDemand)
    } else if disc == chainlink::DISCRIMINATOR {
        Ok(OracleKind::Chainlink)
    } else {
        Err(DecodeError::BadDiscriminator)
    }
}

/// Reads one configured source: the owner must be the configured program (a closed feed is
/// owned by the system program), the bytes must decode as the configured kind, and the feed
/// id must match. Every failure is a [`ReadingFault`], never an instruction error.
pub fn observe(
    kind: OracleKind,
    owner: &Pubkey,
    expected_owner: &Pubkey,
    data: &[u8],
    feed_id: &[u8; 32],
) -> core::result::Result<Observation, ReadingFault> {
    if owner != expected_owner {
        return Err(ReadingFault::WrongOwner);
    }
    match kind {
        OracleKind::PythPull => pyth::observe(data, feed_id),
        OracleKind::SwitchboardOnDemand => switchboard::observe(data, feed_id),
        OracleKind::Chainlink => chainlink::observe(data),
    }
}
