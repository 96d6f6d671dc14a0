//! Accounts ordered by where they cross into liquidation, so a step looks only at the accounts
//! near the line instead of all of them.
//!
//! For a long of `b` atoms with collateral `C`, cost `K` and funding snapshot `s`, maintenance
//! health is negative exactly when
//! `p − band − mmr·p − I < (K − C)·S/b − s` (`p` the price a liquidation may use: the
//! aggregate, or the divergence fallback; `band` the confidence
//! haircut, `I` the market's funding index, `S` the value scale); a short's mirror is
//! `p + band + mmr·p − I > (C − K)·S/|b| − s`. The right-hand sides (the keys) belong to the
//! account alone, so the order survives margin ramps, confidence and σ moves and funding;
//! only the threshold on the left moves with the market. Keys carry a few collateral units
//! of slack for the engine's rounding (always towards the protocol), so the index returns a
//! superset of the liquidatable accounts; the engine's `health` then decides each. A test
//! runs whole crashes both ways (index and full scan) and compares every figure.

use std::collections::BTreeSet;

use bulwark::state::{MarginAccount, Market};
use bulwark_engine::action::Action;
use bulwark_engine::margin::{conservative_price, HealthKind};
use bulwark_engine::num::PRICE_DECIMALS;

/// Collateral units of rounding the engine's health can lose against the exact value (value
/// floor, funding ceil, notional ceil, requirement ceil), doubled.
const SLACK_UNITS: i128 = 8;

/// The index over one market's position (slot 0) of every account.
#[derive(Clone, Debug, Default)]
pub struct LiquidationIndex {
    longs: BTreeSet<(i128, u32)>,
    shorts: BTreeSet<(i128, u32)>,
    keys: Vec<Option<(bool, i128)>>,
}

fn value_scale(decimals: u8) -> i128 {
    10i128.pow(2 * PRICE_DECIMALS as u32 - decimals as u32)
}

impl LiquidationIndex {
    /// An index for `n` accounts, all flat.
    pub fn new(n: usize) -> LiquidationIndex {
        LiquidationIndex {
            keys: vec![None; n],
            ..Default::default()
        }
    }

    /// Re-files account `i` after any change to its position or collateral.
    pub fn update(&mut self, i: usize, a: &MarginAccount, decimals: u8) {
        if let Some((long, key)) = self.keys[i].take() {
            let set = if long {
                &mut self.longs
            } else {
                &mut self.shorts
            };
            set.remove(&(key, i as u32));
        }
        let p = &a.positions[0];
        if p.base == 0 {
            return;
        }
        let s = value_scale(decimals);
        let c = a.collateral as i128;
        let cost = p.cost as i128;
        let q = p.base.unsigned_abs() as i128;
        let snapshot = p.funding_snapshot as i128;
        let (long, key) = if p.base > 0 {
            // Rounded up: a larger key admits more longs.
            (true, div_ceil((cost - c + SLACK_UNITS) * s, q) - snapshot)
        } else {
            // Rounded down: a smaller key admits more shorts.
            (false, div_floor((c - cost - SLACK_UNITS) * s, q) - snapshot)
        };
        if long {
            self.longs.insert((key, i as u32));
        } else {
            self.shorts.insert((key, i as u32));
        }
        self.keys[i] = Some((long, key));
    }

    /// Every account that may be below maintenance in `m` at `slot`/`now`, valued at the
    /// price a liquidation may use then (a superset; ascending account numbers). None when
    /// the program would refuse to price a liquidation.
    pub fn candidates(&self, m: &Market, decimals: u8, slot: u64, now: i64) -> Vec<usize> {
        let Ok(price) = m.price_for(Action::Liquidate, slot, now) else {
            return Vec::new();
        };
        let Ok(view) = m.margin(&Default::default(), price, decimals, slot) else {
            // Unpriceable: every open account.
            return self.all();
        };
        let (Ok(low), Ok(high)) = (
            conservative_price(&view, true, HealthKind::Maintenance),
            conservative_price(&view, false, HealthKind::Maintenance),
        ) else {
            return self.all();
        };
        let p = price as i128;
        let ratio = (p * view.mmr_ppm as i128 + 999_999) / 1_000_000;
        let index = m.funding.index as i128;
        // Thresholds bounded the protocol's way: the long side from below, the short from above.
        let long_line = low as i128 - ratio - index;
        let short_line = high as i128 + ratio - index;
        // In account order (the accounts are then read front to back): marked in a bitset
        // and read back, linear in the accounts' count / 64 plus the candidates.
        let (longs, shorts) = (
            self.longs.range((long_line + 1, 0)..),
            self.shorts.range(..(short_line, 0)),
        );
        if longs.clone().next().is_none() && shorts.clone().next().is_none() {
            return Vec::new();
        }
        let mut bits = vec![0u64; self.keys.len().div_ceil(64)];
        let mut n = 0;
        for (_, i) in longs.chain(shorts) {
            bits[*i as usize / 64] |= 1 << (*i % 64);
            n += 1;
        }
        let mut out = Vec::with_capacity(n);
        for (w, mut word) in bits.into_iter().enumerate() {
            while word != 0 {
                out.push(w * 64 + word.trailing_zeros() as usize);
                word &= word - 1;
            }
        }
        out
    }

    fn all(&self) -> Vec<usize> {
        (0..self.keys.len())
            .filter(|i| self.keys[*i].is_some())
            .collect()
    }
}

fn div_floor(a: i128, b: i128) -> i128 {
    a.div_euclid(b)
}

fn div_ceil(a: i128, b: i128) -> i128 {
    -((-a).div_euclid(b))
}
