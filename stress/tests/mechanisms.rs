//! Each mechanism moves the outcome the expected way across 20 seeded populations: the
//! dynamic parts (volatility-widened margin, breakers) against the baseline, and a prompt
//! keeper against a slow one. Paths: a volatile half hour (GBM) and then a 15% gap.

use bulwark_stress::path::PricePoint;
use bulwark_stress::population::{generate, PopulationSpec};
use bulwark_stress::sim::{baseline, default_config, run, SimConfig, SimReport};
use bulwark_stress::synthetic::gbm_with_jumps;
use bulwark_stress::venue::KeeperModel;

use bulwark_stress::synthetic::SYNTHETIC_START_TS as T0;

const P: u64 = 150 * bulwark_engine::num::PRICE_SCALE;

/// A violent half hour, then a 15% gap, then flat for ten minutes.
fn storm_then_gap(seed: u64) -> Vec<PricePoint> {
    let mut path = gbm_with_jumps(seed, T0, P, 1_800, 2_000, 0, 0);
    let last = path.last().expect("non-empty").price;
    let gap = last * 85 / 100;
    for s in 1..=600 {
        path.push(PricePoint {
            ts: T0 + 1_800 + s,
            price: gap,
        });
    }
    path
}

fn both(seed: u64, a: &SimConfig, b: &SimConfig) -> (SimReport, SimReport) {
    let path = storm_then_gap(seed);
    let spec = PopulationSpec {
        count: 40,
        ..PopulationSpec::default()
    };
    let pop = generate(seed, &spec, P, 6);
    (run(&path, &pop, a).unwrap(), run(&path, &pop, b).unwrap())
}

#[test]
fn widened_margin_and_breakers_leave_no_more_bad_debt_than_the_baseline_on_20_seeds() {
    let cfg = default_config();
    let (mut ours, mut theirs) = (0u64, 0u64);
    for seed in 1..=20 {
        let (d, b) = both(seed, &cfg, &baseline(&cfg));
        assert!(
            d.bad_debt <= b.bad_debt,
            "seed {seed}: bulwark {d:?} baseline {b:?}"
        );
        ours += d.bad_debt;
        theirs += b.bad_debt;
    }
    assert!(ours < theirs, "bulwark {ours} vs baseline {theirs}");
}

#[test]
fn a_prompt_keeper_leaves_no_more_bad_debt_than_a_slow_one_on_20_seeds() {
    let fast = default_config();
    let slow = SimConfig {
        keeper: KeeperModel {
            delay_secs: 120,
            capacity: 2,
            ..default_config().keeper
        },
        ..default_config()
    };
    let (mut f_total, mut s_total) = (0u64, 0u64);
    for seed in 1..=20 {
        let (f, s) = both(seed, &fast, &slow);
        assert!(
            f.bad_debt <= s.bad_debt,
            "seed {seed}: fast {f:?} slow {s:?}"
        );
        f_total += f.bad_debt;
        s_total += s.bad_debt;
    }
    assert!(f_total < s_total, "fast {f_total} vs slow {s_total}");
}
