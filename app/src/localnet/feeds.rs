//! The local cluster's oracle feeds: each source publishes on its own cadence, as on mainnet
//! (Pyth every second, Switchboard every few seconds, Chainlink on a heartbeat or when the price
//! moves past its deviation threshold), the price following a replayed price file or a seeded
//! random walk. Accounts are written in their real byte layouts (`quote::quote_bytes`).

use anchor_lang::prelude::Pubkey;
use bulwark::oracle::OracleKind;
use bulwark_sdk::fixtures::Bar;
use serde::{Deserialize, Serialize};

/// When a source publishes.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub enum Cadence {
    /// Every `n` seconds (Switchboard On-Demand's crank).
    EverySecs(u32),
    /// After `heartbeat_secs`, or at once when the price has moved `deviation_ppm` from the
    /// last published one (Chainlink's OCR rounds).
    HeartbeatOrDeviation {
        heartbeat_secs: u32,
        deviation_ppm: u32,
    },
}

/// One oracle account and its schedule.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Source {
    pub key: Pubkey,
    pub kind: u8,
    pub owner: Pubkey,
    pub feed_id: [u8; 32],
    pub cadence: Cadence,
    /// Unix time and price (1e-8 USD) of the last publication.
    pub last: Option<(i64, i64)>,
    pub round: u32,
}

impl Source {
    /// Whether the source publishes at `now` when the price is `price_e8`.
    pub fn due(&self, now: i64, price_e8: i64) -> bool {
        let Some((at, last_price)) = self.last else {
            return true;
        };
        match self.cadence {
            Cadence::EverySecs(n) => now - at >= n as i64,
            Cadence::HeartbeatOrDeviation {
                heartbeat_secs,
                deviation_ppm,
            } => {
                let moved = (price_e8 - last_price).unsigned_abs() as u128 * 1_000_000;
                now - at >= heartbeat_secs as i64
                    || moved >= deviation_ppm as u128 * last_price.unsigned_abs() as u128
            }
        }
    }

    /// The account bytes of a publication of `price_e8` at `now` in `slot`.
    pub fn publish(&mut self, now: i64, slot: u64, price_e8: i64) -> Vec<u8> {
        self.last = Some((now, price_e8));
        self.round += 1;
        let kind = OracleKind::try_from(self.kind).expect("a source kind the node created");
        bulwark_sdk::quote::quote_bytes(kind, self.feed_id, price_e8, now, slot, self.round)
    }
}

/// Where an asset's price comes from.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum PricePath {
    /// A seeded random walk: `sigma_ppm` of standard deviation per slot.
    Walk {
        state: u64,
        price_e8: i64,
        sigma_ppm: u32,
    },
    /// A price file replayed `speed` times faster than it was recorded, from `started` (unix
    /// seconds), holding the last close at the end.
    File {
        bars: Vec<(i64, i64)>,
        speed: u32,
        started: i64,
    },
}

impl PricePath {
    /// A file's closes, replayed from `started`.
    pub fn from_bars(bars: &[Bar], speed: u32, started: i64) -> PricePath {
        PricePath::File {
            bars: bars.iter().map(|b| (b.unix_ts, b.close)).collect(),
            speed: speed.max(1),
            started,
        }
    }

    /// The price at `now` (1e-8 USD), stepping a walk by one slot.
    pub fn next(&mut self, now: i64) -> i64 {
        match self {
            PricePath::Walk {
                state,
                price_e8,
                sigma_ppm,
            } => {
                // Sum of four uniforms in [-1, 1): near-normal, unit variance after scaling
                // by sqrt(3/4) ~ 0.866.
                let z_milli: i64 = (0..4).map(|_| uniform_milli(state)).sum::<i64>() * 866 / 1000;
                let step = *price_e8 as i128 * *sigma_ppm as i128 * z_milli as i128 / 1_000_000_000;
                *price_e8 = (*price_e8 as i128 + step).max(1) as i64;
                *price_e8
            }
            PricePath::File {
                bars,
                speed,
                started,
            } => {
                let first = bars.first().map(|b| b.0).unwrap_or(0);
                let at = first + (now - *started).max(0) * *speed as i64;
                let i = bars.partition_point(|b| b.0 <= at).saturating_sub(1);
                bars.get(i).map(|b| b.1).unwrap_or(1)
            }
        }
    }
}

/// A uniform draw in [-1000, 1000) from a splitmix64 state.
fn uniform_milli(state: &mut u64) -> i64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z % 2000) as i64 - 1000
}

/// An asset priced by several sources along one path.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Asset {
    pub symbol: String,
    pub path: PricePath,
    pub sources: Vec<Source>,
}

impl Asset {
    /// Steps the path to `now` and returns the publications due, as (account, bytes).
    pub fn publish_due(&mut self, now: i64, slot: u64) -> Vec<(Pubkey, Pubkey, Vec<u8>)> {
        let price = self.path.next(now);
        self.sources
            .iter_mut()
            .filter(|s| s.due(now, price))
            .map(|s| (s.key, s.owner, s.publish(now, slot, price)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(cadence: Cadence) -> Source {
        Source {
            key: Pubkey::new_unique(),
            kind: OracleKind::Chainlink as u8,
            owner: Pubkey::new_unique(),
            feed_id: [0; 32],
            cadence,
            last: Some((1_000, 100_000_000)),
            round: 1,
        }
    }

    #[test]
    fn a_chainlink_source_publishes_on_its_heartbeat_or_a_deviation() {
        let s = source(Cadence::HeartbeatOrDeviation {
            heartbeat_secs: 60,
            deviation_ppm: 5_000,
        });
        assert!(!s.due(1_030, 100_400_000), "0.4% move, 30 s: quiet");
        assert!(s.due(1_030, 100_500_000), "0.5% move: publishes");
        assert!(s.due(1_030, 99_500_000), "0.5% down: publishes");
        assert!(s.due(1_060, 100_000_000), "heartbeat");
    }

    #[test]
    fn a_switchboard_source_publishes_every_n_seconds() {
        let s = source(Cadence::EverySecs(3));
        assert!(!s.due(1_002, 1));
        assert!(s.due(1_003, 1));
    }

    #[test]
    fn a_price_file_replays_faster_and_holds_its_last_close() {
        let mut p = PricePath::File {
            bars: vec![(0, 10), (60, 20), (120, 30)],
            speed: 60,
            started: 1_000,
        };
        assert_eq!(p.next(1_000), 10);
        assert_eq!(p.next(1_001), 20, "one second is one minute of the file");
        assert_eq!(p.next(1_002), 30);
        assert_eq!(p.next(9_999), 30);
    }

    #[test]
    fn a_walk_is_seeded_and_moves() {
        let walk = || PricePath::Walk {
            state: 7,
            price_e8: 100_000_000,
            sigma_ppm: 100,
        };
        let (mut a, mut b) = (walk(), walk());
        let xs: Vec<i64> = (0..50).map(|t| a.next(t)).collect();
        let ys: Vec<i64> = (0..50).map(|t| b.next(t)).collect();
        assert_eq!(xs, ys);
        assert!(xs.windows(2).any(|w| w[0] != w[1]));
        assert!(xs.iter().all(|p| (p - 100_000_000).abs() < 1_000_000));
    }
}
