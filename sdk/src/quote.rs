//! Feed quotes: what the demo's, the tests' and the stress simulator's feeds publish for a USD
//! price at 1e-8. One place decides the confidence and layout per kind, so an account the
//! `World` writes into the bank and a reading the simulator hands the program's code are the
//! same observation (a test decodes one and compares with the other).

use bulwark::oracle::{switchboard, OracleKind};
use bulwark_engine::oracle::Observation;

use crate::oracle_accounts::{chainlink_feed, pyth_update, switchboard_feed};

/// Oracles behind a Switchboard quote.
pub const SWITCHBOARD_SAMPLES: u8 = 3;
/// Chainlink answers at 8 decimals.
pub const CHAINLINK_DECIMALS: u8 = 8;

/// The confidence a quote carries (1e-8 USD): 0.05% of the price, at least one unit, for Pyth
/// and Switchboard; Chainlink publishes none.
pub fn conf_e8(kind: OracleKind, price_e8: i64) -> u64 {
    match kind {
        OracleKind::Chainlink => 0,
        _ => (price_e8 / 2_000).max(1) as u64,
    }
}

/// The account bytes of `kind` quoting `price_e8` (USD at 1e-8) at `publish_time` and `slot`;
/// `feed_id` is Pyth's feed id or Switchboard's feed hash; `round` is Chainlink's round id.
pub fn quote_bytes(
    kind: OracleKind,
    feed_id: [u8; 32],
    price_e8: i64,
    publish_time: i64,
    slot: u64,
    round: u32,
) -> Vec<u8> {
    use crate::oracle_accounts::{encode_chainlink, encode_pyth, encode_switchboard};
    let conf = conf_e8(kind, price_e8);
    match kind {
        OracleKind::PythPull => encode_pyth(&pyth_update(
            feed_id,
            price_e8,
            conf,
            -8,
            publish_time,
            slot,
        )),
        OracleKind::SwitchboardOnDemand => encode_switchboard(&switchboard_feed(
            feed_id,
            price_e8 as i128 * E8_TO_E18,
            conf as i128 * E8_TO_E18,
            SWITCHBOARD_SAMPLES,
            slot,
            publish_time,
        )),
        OracleKind::Chainlink => encode_chainlink(&chainlink_feed(
            CHAINLINK_DECIMALS,
            price_e8 as i128,
            round,
            slot,
            publish_time as u32,
        )),
    }
}

const E8_TO_E18: i128 = 10_000_000_000;

/// The observation the program's decoder makes of [`quote_bytes`] (without building the
/// account: the simulator asks for one per source per second).
pub fn quote_observation(
    kind: OracleKind,
    price_e8: i64,
    publish_time: i64,
    slot: u64,
) -> Observation {
    let conf = conf_e8(kind, price_e8);
    let (price, conf, exponent, samples) = match kind {
        OracleKind::PythPull => (price_e8 as i128, conf as u128, -8, (1, 1)),
        OracleKind::SwitchboardOnDemand => (
            price_e8 as i128 * E8_TO_E18,
            conf as u128 * E8_TO_E18 as u128,
            switchboard::EXPONENT,
            (SWITCHBOARD_SAMPLES as u32, 1),
        ),
        OracleKind::Chainlink => (price_e8 as i128, 0, -(CHAINLINK_DECIMALS as i32), (1, 1)),
    };
    Observation {
        price,
        conf,
        exponent,
        publish_time,
        publish_slot: slot,
        fully_verified: true,
        samples,
        has_data: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use anchor_lang::prelude::Pubkey;
    use bulwark::oracle::observe;

    #[test]
    fn a_quote_observation_is_what_the_program_decodes_from_the_quote_account() {
        use crate::oracle_accounts::{CHAINLINK_STORE, PYTH_RECEIVER, SWITCHBOARD_ON_DEMAND};
        let id = [9u8; 32];
        for (kind, owner) in [
            (OracleKind::PythPull, PYTH_RECEIVER),
            (OracleKind::SwitchboardOnDemand, SWITCHBOARD_ON_DEMAND),
            (OracleKind::Chainlink, CHAINLINK_STORE),
        ] {
            for price in [1i64, 99_999, 15_012_345_678, 7_000_000_000_000] {
                let bytes = quote_bytes(kind, id, price, 1_700_000_123, 4_242, 7);
                let decoded: Pubkey = owner;
                let seen = observe(kind, &decoded, &owner, &bytes, &id).expect("decodes");
                assert_eq!(
                    seen,
                    quote_observation(kind, price, 1_700_000_123, 4_242),
                    "{kind:?} at {price}"
                );
            }
        }
    }
}
