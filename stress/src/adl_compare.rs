//! ADL policies compared on the same moments (`bulwark_engine::adl_policy`): whenever a
//! market's ADL trigger holds in a run, the simulator takes its profitable accounts as they
//! stand, the notional that would bring traders' profit back to the trigger share of the pool
//! (the excess profit over the winners' average profit per unit of notional), and asks every
//! policy what it would close. The program's own rule still drives the run; this is a shadow
//! comparison, so every policy faces exactly the same accounts and need.

use bulwark::state::MarginAccount;
use bulwark_engine::account::OpClock;
use bulwark_engine::adl_policy::{
    deleverage, fairness, need_notional, sybil_proof, Policy, Winner, SCORE_QUEUE_MIN_SCORE_PPM,
};
use bulwark_keeper::rules::adl_view;

use crate::venue::Venue;

/// Accounts at or below this leverage count as low-leverage (2x).
pub const LOW_LEVERAGE_PPM: u64 = 2_000_000;

/// One policy's totals over a run's ADL moments (collateral units).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PolicyTally {
    pub moments: u64,
    pub need: u64,
    pub closed: u64,
    pub overshoot: u64,
    /// The largest share one account bore at any moment, ppm.
    pub max_share_ppm: u64,
    /// Notional closed on accounts at or below 2x.
    pub low_leverage_closed: u64,
    /// Moments where splitting the most levered account changed its total closure.
    pub sybil_failures: u64,
    /// Notional closed on hedged accounts (cross-market basis portfolios).
    pub hedged_closed: u64,
}

/// Every policy's tally, in `Policy::all` order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AdlComparison {
    pub policies: Vec<(&'static str, PolicyTally)>,
}

impl AdlComparison {
    /// Adds the venue's ADL moment at `slot`/`t`, if its trigger holds: its own accounts and
    /// `portfolios` (cross-market accounts with a position there, each marked hedged or not).
    pub fn observe<'a>(
        &mut self,
        v: &'a Venue,
        portfolios: impl Iterator<Item = (&'a MarginAccount, bool)>,
        slot: u64,
        t: i64,
    ) {
        let Some((winners, hedged, need)) = moment(v, portfolios, slot, t) else {
            return;
        };
        let policies = Policy::all(SCORE_QUEUE_MIN_SCORE_PPM);
        if self.policies.is_empty() {
            self.policies = policies
                .iter()
                .map(|p| (p.name(), PolicyTally::default()))
                .collect();
        }
        for (p, (_, tally)) in policies.iter().zip(self.policies.iter_mut()) {
            let closed = deleverage(&winners, need, *p);
            let f = fairness(&winners, &closed, need, LOW_LEVERAGE_PPM);
            tally.moments += 1;
            tally.need += need;
            tally.closed += f.closed;
            tally.overshoot += f.overshoot;
            tally.max_share_ppm = tally.max_share_ppm.max(f.max_share_ppm);
            tally.low_leverage_closed += low_closed(&winners, &closed);
            tally.hedged_closed += closed
                .iter()
                .zip(&hedged)
                .filter(|(_, h)| **h)
                .map(|(c, _)| *c)
                .sum::<u64>();
            tally.sybil_failures += u64::from(!sybil_proof(&winners, need, *p));
        }
    }

    /// Adds another comparison's tallies (same policies).
    pub fn add(&mut self, other: &AdlComparison) {
        if self.policies.is_empty() {
            self.policies = other.policies.clone();
            return;
        }
        for ((_, a), (_, b)) in self.policies.iter_mut().zip(&other.policies) {
            a.moments += b.moments;
            a.need += b.need;
            a.closed += b.closed;
            a.overshoot += b.overshoot;
            a.max_share_ppm = a.max_share_ppm.max(b.max_share_ppm);
            a.low_leverage_closed += b.low_leverage_closed;
            a.sybil_failures += b.sybil_failures;
            a.hedged_closed += b.hedged_closed;
        }
    }
}

fn low_closed(winners: &[Winner], closed: &[u64]) -> u64 {
    winners
        .iter()
        .zip(closed)
        .filter(|(w, _)| w.leverage_ppm() <= LOW_LEVERAGE_PPM)
        .map(|(_, c)| *c)
        .sum()
}

/// The venue's winners (its accounts, then the portfolios), whether each is hedged, and the
/// notional solvency needs closed, while its trigger holds.
fn moment<'a>(
    v: &'a Venue,
    portfolios: impl Iterator<Item = (&'a MarginAccount, bool)>,
    slot: u64,
    t: i64,
) -> Option<(Vec<Winner>, Vec<bool>, u64)> {
    let m = &v.market;
    let trig = m
        .adl_trigger(v.pool.capital, OpClock { slot, now: t }, v.decimals)
        .ok()?;
    let (mut winners, mut hedged) = (Vec::new(), Vec::new());
    let (mut profit, mut notional) = (0u128, 0u128);
    let own = v.accounts().iter().map(|a| (a, false));
    for (i, (a, is_hedged)) in own.chain(portfolios).enumerate() {
        let Some((p, d)) = adl_view(m, a, trig.price, slot, v.decimals) else {
            continue;
        };
        if !d.eligible {
            continue;
        }
        (profit, notional) = (profit + d.pnl as u128, notional + d.notional as u128);
        hedged.push(is_hedged);
        winners.push(Winner {
            id: i as u32,
            notional: d.notional,
            equity: d.equity as u64,
            profit_ppm: (d.pnl as u128 * 1_000_000 / p.cost.unsigned_abs().max(1) as u128) as u64,
        });
    }
    let need = need_notional(
        trig.profit,
        trig.pool_value,
        trig.params.adl_trigger_ppm,
        profit,
        notional,
    );
    (need > 0).then_some((winners, hedged, need))
}
