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
