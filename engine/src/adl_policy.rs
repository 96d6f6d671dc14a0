//! Auto-deleveraging policies compared (issue 18; Campbell, Hey, Moallemi, Nutz, "Risk-Based
//! Auto-Deleveraging", 2026): given the stressed side's profitable accounts and the notional
//! that solvency needs closed, which positions each rule closes. Pure and integer-only; the
//! simulator runs every policy on the same moments and measures overshoot (closed beyond the
//! need), concentration (the largest share one account bears), how much low-leverage accounts
//! bear, and Sybil resistance (splitting an account changes nothing).
//!
//! - `ScoreQueue` (the program's rule before leverage draining): winners at or above a score
//!   (profit % × leverage), highest first, each closed whole until the need is met.
//! - `ProfitLeverageQueue` (Hyperliquid/Binance style): the same ranking, closing only what is
//!   needed (the last one partly).
//! - `ProRata`: every winner closes the same share of its notional.
//! - `LeverageDraining` (the paper's optimum for one asset): the most levered first, down to a
//!   common water level L (each account to leverage L), L the highest level that closes the
//!   need.

use crate::num::PPM;

/// A profitable account on the stressed side, at the mark.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Winner {
    /// Its number (reported back with its closure).
    pub id: u32,
    /// Position notional at the mark, collateral units.
    pub notional: u64,
    /// Equity (collateral plus unrealised PnL), collateral units, positive.
    pub equity: u64,
    /// Unrealised profit as ppm of the position's cost (for the score queues).
    pub profit_ppm: u64,
}

impl Winner {
    /// Leverage, ppm (notional / equity, rounded down).
    pub fn leverage_ppm(&self) -> u64 {
        (self.notional as u128 * PPM as u128 / self.equity.max(1) as u128).min(u64::MAX as u128)
            as u64
    }

    /// Score: profit ppm × leverage (ppm × x), as the program ranks targets.
    pub fn score(&self) -> u128 {
        self.profit_ppm as u128 * self.leverage_ppm() as u128 / PPM as u128
    }
}

/// The score threshold of the program's earlier rule (profit ppm × leverage), as its default
/// market set it: what `Policy::ScoreQueue` is compared at.
pub const SCORE_QUEUE_MIN_SCORE_PPM: u64 = 500_000;

/// An ADL rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    ScoreQueue { min_score_ppm: u64 },
    ProfitLeverageQueue,
    ProRata,
    LeverageDraining,
}

impl Policy {
    /// Every policy, the program's first.
    pub fn all(min_score_ppm: u64) -> [Policy; 4] {
        [
            Policy::ScoreQueue { min_score_ppm },
            Policy::ProfitLeverageQueue,
            Policy::ProRata,
            Policy::LeverageDraining,
        ]
    }

    /// Short name.
    pub fn name(self) -> &'static str {
        match self {
            Policy::ScoreQueue { .. } => "score_queue",
            Policy::ProfitLeverageQueue => "profit_leverage_queue",
            Policy::ProRata => "pro_rata",
            Policy::LeverageDraining => "leverage_draining",
        }
    }
}

/// Notional to close per winner (same order as `winners`) so that at least `need` is closed
/// (all of it when the winners hold less), by `policy`. Amounts round up (towards solvency).
pub fn deleverage(winners: &[Winner], need: u64, policy: Policy) -> Vec<u64> {
    match policy {
        Policy::ScoreQueue { min_score_ppm } => queue(winners, need, min_score_ppm, true),
        Policy::ProfitLeverageQueue => queue(winners, need, 0, false),
        Policy::ProRata => pro_rata(winners, need),
        Policy::LeverageDraining => drain(winners, need),
    }
}

/// Highest score first (ties by id), from `min_score`; whole positions, or only what is still
/// needed.
fn queue(winners: &[Winner], need: u64, min_score: u64, whole: bool) -> Vec<u64> {
    let mut order: Vec<usize> = (0..winners.len())
        .filter(|i| winners[*i].score() >= min_score as u128)
        .collect();
    order.sort_by_key(|i| (std::cmp::Reverse(winners[*i].score()), winners[*i].id));
    let mut out = vec![0; winners.len()];
    let mut left = need;
    for i in order {
        if left == 0 {
            break;
        }
        let n = winners[i].notional;
        out[i] = if whole { n } else { n.min(left) };
        left = left.saturating_sub(out[i]);
    }
    out
}

/// Each winner's share of `need` by notional, rounded up.
fn pro_rata(winners: &[Winner], need: u64) -> Vec<u64> {
    let total: u128 = winners.iter().map(|w| w.notional as u128).sum();
    if total == 0 {
        return vec![0; winners.len()];
    }
    let need = (need as u128).min(total);
    winners
        .iter()
        .map(|w| (w.notional as u128 * need).div_ceil(total) as u64)
        .collect()
}

/// Water filling: the level L (leverage, as notional per unit of equity) at which closing
/// every account down to L closes `need`; each account above L closes `notional − L·equity`.
/// Found exactly over the accounts sorted by leverage: with the top `k` above L,
/// L = (Σ notional − need) / Σ equity over them, rounded down (closing at least `need`).
fn drain(winners: &[Winner], need: u64) -> Vec<u64> {
    let mut order: Vec<usize> = (0..winners.len()).collect();
    order.sort_by_key(|i| {
        (
            std::cmp::Reverse(winners[*i].leverage_ppm()),
            winners[*i].id,
        )
    });
    let total: u128 = winners.iter().map(|w| w.notional as u128).sum();
    let need = (need as u128).min(total);
    let mut out = vec![0; winners.len()];
    if need == 0 {
        return out;
    }
    let (mut sum_n, mut sum_e) = (0u128, 0u128);
    // The level as a fraction: level_num / level_den (notional per equity).
    let mut level = (0u128, 1u128);
    for (k, &i) in order.iter().enumerate() {
        sum_n += winners[i].notional as u128;
        sum_e += winners[i].equity.max(1) as u128;
        let next = order.get(k + 1).map(|j| &winners[*j]);
        // Level if the top k+1 drain: (sum_n − need) / sum_e; valid when it is at least the
        // next account's leverage (so that one is not above it).
        let num = sum_n.saturating_sub(need);
        let fits = next.is_none_or(|w| num * w.equity.max(1) as u128 >= w.notional as u128 * sum_e);
        if fits {
            level = (num, sum_e);
            break;
        }
    }
    for (i, w) in winners.iter().enumerate() {
        let keep = (level.0 * w.equity.max(1) as u128 / level.1).min(w.notional as u128);
        out[i] = (w.notional as u128 - keep) as u64;
    }
    out
}

/// The notional solvency needs closed when traders' unrealised `profit` exceeds
/// `trigger_ppm` of `pool_value`: the excess profit over the winners' profit per unit of
/// notional (`winners_profit` on `winners_notional`), rounded up; 0 without excess or winners.
pub fn need_notional(
    profit: i64,
    pool_value: i64,
    trigger_ppm: u32,
    winners_profit: u128,
    winners_notional: u128,
) -> u64 {
    let limit = pool_value.max(0) as i128 * trigger_ppm as i128 / PPM as i128;
    let excess = (profit as i128 - limit).max(0) as u128;
    if excess == 0 || winners_profit == 0 {
        return 0;
    }
    (excess * winners_notional)
        .div_ceil(winners_profit)
        .min(u64::MAX as u128) as u64
}

/// How a policy's closures fare (collateral units, ppm).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Fairness {
    pub closed: u64,
    /// Closed beyond the need.
    pub overshoot: u64,
    /// The largest share of the closed notional one account bore, ppm.
    pub max_share_ppm: u64,
    /// The share borne by accounts at or below `low_leverage_ppm`, ppm.
    pub low_leverage_share_ppm: u64,
}

/// Measures `closed` (per winner) against `need`; accounts at or below `low_leverage_ppm`
/// leverage count as low-leverage.
pub fn fairness(winners: &[Winner], closed: &[u64], need: u64, low_leverage_ppm: u64) -> Fairness {
    let total: u64 = closed.iter().sum();
    let share = |x: u64| {
        if total == 0 {
            0
        } else {
            (x as u128 * PPM as u128 / total as u128) as u64
        }
    };
    let low: u64 = winners
        .iter()
        .zip(closed)
        .filter(|(w, _)| w.leverage_ppm() <= low_leverage_ppm)
        .map(|(_, c)| *c)
        .sum();
    Fairness {
        closed: total,
        overshoot: total.saturating_sub(need),
        max_share_ppm: share(closed.iter().copied().max().unwrap_or(0)),
        low_leverage_share_ppm: share(low),
    }
}

/// Whether `policy` is indifferent to splitting: the most levered winner split into two equal
/// halves closes, in total, what it closed whole (within one unit a half for rounding).
pub fn sybil_proof(winners: &[Winner], need: u64, policy: Policy) -> bool {
    let Some((i, w)) = winners
        .iter()
        .enumerate()
        .max_by_key(|(_, w)| w.leverage_ppm())
    else {
        return true;
    };
    if w.notional < 2 || w.equity < 2 {
        return true;
    }
    let whole = deleverage(winners, need, policy)[i];
    let mut split = winners.to_vec();
    let half = Winner {
        notional: w.notional / 2,
        equity: w.equity / 2,
        ..*w
    };
    split[i] = half;
    split.push(Winner {
        id: u32::MAX,
        notional: w.notional - half.notional,
        equity: w.equity - half.equity,
        ..*w
    });
    let closed = deleverage(&split, need, policy);
    let pair = closed[i] + closed[split.len() - 1];
    pair.abs_diff(whole) <= 2
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Notional and equity in units; profit 10% each.
    fn w(id: u32, notional: u64, equity: u64) -> Winner {
        Winner {
            id,
            notional,
            equity,
            profit_ppm: 100_000,
        }
    }

    fn winners() -> Vec<Winner> {
        vec![
            w(0, 1_000, 100),
            w(1, 600, 100),
            w(2, 300, 150),
            w(3, 100, 100),
        ]
    }

    #[test]
    fn leverage_draining_brings_the_most_levered_down_to_one_level_and_closes_just_the_need() {
        let ws = winners();
        // 10x, 6x, 2x, 1x. Closing 500: L with the top two = (1600 − 500)/200 = 5.5x ≥ 2x.
        let c = deleverage(&ws, 500, Policy::LeverageDraining);
        assert_eq!(c, [450, 50, 0, 0]);
        // Closing 1,400 reaches the 2x account: (1900 − 1400)/350 = 1.43x.
        let c = deleverage(&ws, 1_400, Policy::LeverageDraining);
        let closed = c.iter().sum::<u64>();
        assert!(
            (1_400..=1_403).contains(&closed),
            "the need, at most a unit an account over: {closed}"
        );
        assert!(c[3] == 0 && c[2] > 0, "{c:?}");
        // Leverage after: the drained accounts sit at one level.
        let after: Vec<u64> = (0..3)
            .map(|i| (ws[i].notional - c[i]) * 100 / ws[i].equity)
            .collect();
        assert!(after.iter().all(|l| l.abs_diff(after[0]) <= 1), "{after:?}");
        // More than everything: everything.
        assert_eq!(
            deleverage(&ws, 5_000, Policy::LeverageDraining),
            [1_000, 600, 300, 100]
        );
    }

    #[test]
    fn the_queues_concentrate_the_closure_and_the_whole_position_queue_overshoots() {
        let ws = winners();
        let today = deleverage(&ws, 500, Policy::ScoreQueue { min_score_ppm: 0 });
        assert_eq!(today, [1_000, 0, 0, 0], "the top score closed whole");
        let f = fairness(&ws, &today, 500, 2_000_000);
        assert_eq!((f.overshoot, f.max_share_ppm), (500, 1_000_000));
        let hl = deleverage(&ws, 500, Policy::ProfitLeverageQueue);
        assert_eq!(hl, [500, 0, 0, 0]);
        assert_eq!(fairness(&ws, &hl, 500, 2_000_000).overshoot, 0);
    }

    #[test]
    fn pro_rata_reaches_the_low_leverage_accounts_and_draining_spares_them() {
        let ws = winners();
        let pr = deleverage(&ws, 500, Policy::ProRata);
        assert_eq!(pr, [250, 150, 75, 25]);
        let low = 2_000_000;
        let f_pr = fairness(&ws, &pr, 500, low);
        let f_dr = fairness(
            &ws,
            &deleverage(&ws, 500, Policy::LeverageDraining),
            500,
            low,
        );
        assert_eq!(f_pr.low_leverage_share_ppm, 200_000);
        assert_eq!(f_dr.low_leverage_share_ppm, 0);
        assert!(f_dr.max_share_ppm < 1_000_000);
    }

    #[test]
    fn splitting_an_account_in_two_changes_nothing_under_leverage_draining() {
        let ws = winners();
        for need in [100, 500, 1_400, 1_999] {
            assert!(
                sybil_proof(&ws, need, Policy::LeverageDraining),
                "need {need}"
            );
            assert!(sybil_proof(&ws, need, Policy::ProRata), "need {need}");
        }
    }
}
