//! The program's events. Most go through a self-CPI (`emit_cpi!`, which log truncation cannot
//! lose): the data of an inner instruction to the program, Anchor's 8-byte event tag, the
//! event's 8-byte discriminator, its Borsh bytes ([`decode_cpi`]; on a cluster the inner
//! instructions of the transaction's metadata). `update_risk`'s per-refresh `RiskUpdated` is
//! logged (`emit!`: `Program data: <base64>`, [`decode`]) to keep the keepers' hottest
//! instruction cheap.

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

/// Every `T` event among `inner` (the data of the transaction's inner instructions to the
/// program), in order; data that is not a `T` event is skipped.
pub fn decode_cpi<T: AnchorDeserialize + Discriminator>(inner: &[Vec<u8>]) -> Vec<T> {
    inner
        .iter()
        .filter_map(|d| d.strip_prefix(anchor_lang::event::EVENT_IX_TAG_LE))
        .filter_map(|bytes| {
            let body = bytes.strip_prefix(T::DISCRIMINATOR)?;
            T::try_from_slice(body).ok()
        })
        .collect()
}
