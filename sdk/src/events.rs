//! The program's events from a transaction's logs. Anchor's `emit!` logs each event as
//! `Program data: <base64>`: an 8-byte discriminator, then the event's Borsh bytes.

use anchor_lang::{AnchorDeserialize, Discriminator};
use base64::Engine;

/// Every `T` event in `logs`, in order (lines that are not a `T` are skipped).
pub fn decode<T: AnchorDeserialize + Discriminator>(logs: &[String]) -> Vec<T> {
    logs.iter()
        .filter_map(|line| line.strip_prefix("Program data: "))
        .filter_map(|b64| base64::engine::general_purpose::STANDARD.decode(b64).ok())
        .filter_map(|bytes| {
            let body = bytes.strip_prefix(T::DISCRIMINATOR)?;
            T::try_from_slice(body).ok()
        })
        .collect()
}
