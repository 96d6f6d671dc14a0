//! The program's events. Most go through a self-CPI (`emit_cpi!`, which log truncation cannot
//! lose): the data of an inner instruction to the program, Anchor's 8-byte event tag, the
//! event's 8-byte discriminator, its Borsh bytes ([`decode_cpi`]; on a cluster the inner
//! instructions of the transaction's metadata). `update_risk`'s per-refresh `RiskUpdated` is
//! logged (`emit!`: `Program data: <base64>`, [`decode`]) to keep the keepers' hottest
//! instruction cheap.

use anchor_lang::prelude::Pubkey;
use anchor_lang::{AnchorDeserialize, Discriminator};
use base64::Engine;

/// The bytes of every `Program data:` line the Bulwark program itself logged, in order: the
/// invocation stack is followed through the runtime's `Program <id> invoke [n]` and
/// `Program <id> success|failed` lines, so data logged by another program in the same
/// transaction (which could imitate an event) is left out.
pub fn bulwark_data(logs: &[String]) -> Vec<Vec<u8>> {
    let mut stack: Vec<&str> = Vec::new();
    let bulwark = bulwark::ID.to_string();
    let mut out = Vec::new();
    for line in logs {
        let Some(rest) = line.strip_prefix("Program ") else {
            continue;
        };
        if let Some(b64) = rest.strip_prefix("data: ") {
            if stack.last() == Some(&bulwark.as_str()) {
                if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(b64) {
                    out.push(bytes);
                }
            }
            continue;
        }
        let mut words = rest.split(' ');
        let (Some(id), Some(what)) = (words.next(), words.next()) else {
            continue;
        };
        match what {
            "invoke" => stack.push(id),
            "success" | "failed:" => {
                stack.pop();
            }
            _ => {}
        }
    }
    out
}

/// Every `T` event the program logged in `logs`, in order (lines that are not a `T`, or that
/// another program logged, are skipped).
pub fn decode<T: AnchorDeserialize + Discriminator>(logs: &[String]) -> Vec<T> {
    bulwark_data(logs)
        .into_iter()
        .filter_map(|bytes| {
            let body = bytes.strip_prefix(T::DISCRIMINATOR)?;
            T::try_from_slice(body).ok()
        })
        .collect()
}

/// Every `T` event among `inner` (a successful transaction's inner instructions as (program
/// id, data)), in order. Only instructions to the Bulwark program count: the program accepts
/// an event instruction only when its event authority signs it, which no one else can, so
/// another program's instruction carrying the same tag and discriminator is skipped, as is
/// data that is not a `T` event.
pub fn decode_cpi<T: AnchorDeserialize + Discriminator>(inner: &[(Pubkey, Vec<u8>)]) -> Vec<T> {
    inner
        .iter()
        .filter(|(program, _)| *program == bulwark::ID)
        .filter_map(|(_, d)| d.strip_prefix(anchor_lang::event::EVENT_IX_TAG_LE))
        .filter_map(|bytes| {
            let body = bytes.strip_prefix(T::DISCRIMINATOR)?;
            T::try_from_slice(body).ok()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use anchor_lang::Event;
    use bulwark::events::CollateralDeposited;

    #[test]
    fn only_the_program_s_own_event_instructions_decode() {
        let event = CollateralDeposited {
            margin_account: Pubkey::new_unique(),
            amount: 42,
            collateral: 42,
        };
        let data: Vec<u8> = anchor_lang::event::EVENT_IX_TAG_LE
            .iter()
            .copied()
            .chain(event.data())
            .collect();
        let forged = (Pubkey::new_unique(), data.clone());
        let ours = (bulwark::ID, data);
        let decoded: Vec<CollateralDeposited> = decode_cpi(&[forged, ours]);
        assert_eq!(decoded.len(), 1);
        assert_eq!(decoded[0].amount, 42);
    }
}

macro_rules! named_events {
    ($($name:ident),* $(,)?) => {
        /// The name and fields (as JSON) of an event's bytes (discriminator, then Borsh), for
        /// any of the program's events; `None` for bytes that are none of them. Addresses print
        /// in base58 (no event has another 32-byte field).
        pub fn event_json(bytes: &[u8]) -> Option<(&'static str, serde_json::Value)> {
            $(
                if let Some(body) = bytes.strip_prefix(bulwark::events::$name::DISCRIMINATOR) {
                    let e = bulwark::events::$name::try_from_slice(body).ok()?;
                    let mut fields = serde_json::to_value(e).ok()?;
                    addresses_as_base58(&mut fields);
                    return Some((stringify!($name), fields));
                }
            )*
            None
        }
    };
}

named_events!(
    ExchangeInitialized,
    MarketCreated,
    RiskUpdated,
    MarginAccountCreated,
    MarginAccountClosed,
    CollateralDeposited,
    CollateralWithdrawn,
    DelegateSet,
    TradeExecuted,
    PoolDeposited,
    PoolWithdrawRequested,
    PoolWithdrawn,
    Swept,
    Liquidated,
    BankruptcyResolved,
    Deleveraged,
    AdlEpisodeStarted,
    Staked,
    UnstakeRequested,
    Unstaked,
    BreakerTransition,
    MarketStateChanged,
    Paused,
    ParamChanged,
    ProposalQueued,
    ProposalExecuted,
    RoleTransfer,
    ProtocolFeesWithdrawn,
    PositionSettled,
    SettlementVisited,
    SourceRotated,
    PoolCreated,
    PoolParamChanged,
    StressSignal
);

/// Every program event among `inner` (as [`decode_cpi`] filters them) and in `logs` (the
/// logged ones, as [`bulwark_data`] attributes them), by name with its fields, in that order.
pub fn all_events(
    inner: &[(Pubkey, Vec<u8>)],
    logs: &[String],
) -> Vec<(&'static str, serde_json::Value)> {
    let from_cpi = inner
        .iter()
        .filter(|(program, _)| *program == bulwark::ID)
        .filter_map(|(_, d)| d.strip_prefix(anchor_lang::event::EVENT_IX_TAG_LE))
        .filter_map(event_json);
    let from_logs = bulwark_data(logs)
        .into_iter()
        .filter_map(|bytes| event_json(&bytes));
    from_cpi.chain(from_logs).collect()
}

/// Replaces every array of 32 bytes in `v` by its base58 string (events' `Pubkey`s, which
/// serialise as byte arrays).
fn addresses_as_base58(v: &mut serde_json::Value) {
    use serde_json::Value;
    match v {
        Value::Array(items) => {
            let bytes: Option<Vec<u8>> = items
                .iter()
                .map(|x| x.as_u64().and_then(|n| u8::try_from(n).ok()))
                .collect();
            match bytes {
                Some(b) if b.len() == 32 => {
                    *v =
                        Value::String(Pubkey::new_from_array(b.try_into().expect("32")).to_string())
                }
                _ => items.iter_mut().for_each(addresses_as_base58),
            }
        }
        Value::Object(map) => map.values_mut().for_each(addresses_as_base58),
        _ => {}
    }
}

#[cfg(test)]
mod log_attribution_tests {
    use super::*;

    #[test]
    fn only_data_the_program_itself_logged_counts() {
        let b = bulwark::ID;
        let other = Pubkey::new_unique();
        let logs: Vec<String> = [
            format!("Program {b} invoke [1]"),
            "Program data: AQI=".to_string(),
            format!("Program {other} invoke [2]"),
            "Program data: AwQ=".to_string(),
            format!("Program {other} success"),
            "Program data: BQY=".to_string(),
            format!("Program {b} success"),
            "Program data: Bwg=".to_string(),
        ]
        .into_iter()
        .collect();
        assert_eq!(bulwark_data(&logs), vec![vec![1, 2], vec![5, 6]]);
    }
}
