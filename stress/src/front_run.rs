//! Front-runners: accounts that trade during the run against the market's stored price when
//! they know the true price has moved (the path's price is what the world trades at; the
//! stored aggregate lags it whenever sources lag). Every order goes through the program's own
//! `trade_in`, so the latency rule (increases need a same-slot aggregate with every source
//! recent, and pay the latency spread) and the state table decide what they get. Their
//! profit is the pool's loss.

use crate::population::{base_for_notional, notional};
use crate::venue::Venue;

/// How the front-runners behave.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrontRunnerSpec {
    pub count: usize,
    /// Collateral each, collateral units.
    pub collateral: u64,
    /// Notional of each order as a multiple of its collateral, in hundredths.
    pub leverage_x100: u32,
    /// The edge (ppm) the true price must have over the program's quote, fee included, for
    /// them to open; they look once the stored price is half that away from the true one, and
    /// close once the gap has shrunk below a quarter of it.
    pub threshold_ppm: u32,
}

impl Default for FrontRunnerSpec {
    /// Ten accounts of 10,000 USDC trading 5x on a 0.3% gap.
    fn default() -> Self {
        FrontRunnerSpec {
            count: 10,
            collateral: 10_000_000_000,
            leverage_x100: 500,
            threshold_ppm: 3_000,
        }
    }
}

/// One step for the front-runners (accounts `first..first + spec.count`), with the true
/// price `true_price` (1e-9 collateral per unit): open in the gap's direction when the quote
/// leaves an edge, close once the gap has closed. Returns the orders the program accepted.
pub fn step(
    v: &mut Venue,
    spec: &FrontRunnerSpec,
    first: usize,
    true_price: u64,
    slot: u64,
    t: i64,
) -> u64 {
    let stored = v.market.aggregate.price;
    if stored == 0 {
        return 0;
    }
    let gap_ppm = (true_price as i128 - stored as i128) * 1_000_000 / stored as i128;
    let lot = v.market.params.trade.lot_base.max(1) as i64;
    let mut accepted = 0;
    for i in first..first + spec.count {
        let held = v.accounts()[i].positions[0].base;
        let delta = if held == 0 && gap_ppm.abs() * 2 >= spec.threshold_ppm as i128 {
            let base = base_for_notional(
                notional(spec.collateral, spec.leverage_x100),
                stored,
                v.decimals,
            );
            let base = base - base % lot;
            if gap_ppm > 0 {
                base
            } else {
                -base
            }
        } else if held != 0 && gap_ppm.abs() * 4 < spec.threshold_ppm as i128 {
            -held
        } else {
            0
        };
        // They open only when the true price beats the program's quote (spread, impact and
        // fee included) by the threshold; they close whenever they can.
        let worth_it = held != 0
            || delta != 0
                && v.quote(i, delta, slot, t).is_some_and(|q| {
                    let edge = if delta > 0 {
                        true_price as i128 - q as i128
                    } else {
                        q as i128 - true_price as i128
                    };
                    edge * 1_000_000 >= spec.threshold_ppm as i128 * q as i128
                });
        if delta != 0 && worth_it && v.trade(i, delta, slot, t) {
            accepted += 1;
        }
    }
    accepted
}
