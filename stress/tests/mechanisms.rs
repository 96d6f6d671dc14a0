//! Each mechanism moves the outcome the expected way across 20 seeded populations: the
//! dynamic parts (volatility-widened margin, breakers) against the baseline, and a prompt
//! keeper against a slow one. Paths: a volatile half hour (GBM) and then a 15% gap.

use bulwark_stress::path::PricePoint;
use bulwark_stress::population::{generate, PopulationSpec};
use bulwark_stress::sim::{self, baseline, default_config, run, SimConfig, SimReport};
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

/// Front-runners' profit (collateral units) summed over 20 seeds with the mechanism on and
/// off, on `path(seed)`; on may never leave them more than off on any seed.
fn front_runner_profit(
    what: &str,
    on: &SimConfig,
    off: &SimConfig,
    path: impl Fn(u64) -> Vec<PricePoint>,
) -> (i64, i64) {
    let spec = PopulationSpec {
        count: 20,
        ..PopulationSpec::default()
    };
    let (mut on_total, mut off_total) = (0i64, 0i64);
    for seed in 1..=20 {
        let path = path(seed);
        let pop = generate(seed, &spec, P, 6);
        let (a, b) = (
            run(&path, &pop, on).unwrap(),
            run(&path, &pop, off).unwrap(),
        );
        assert!(
            a.front_runner_pnl <= b.front_runner_pnl,
            "seed {seed}: {what} on {} ({} orders, {} trips) vs off {} ({} orders)",
            a.front_runner_pnl,
            a.front_runner_orders,
            a.breaker_trips,
            b.front_runner_pnl,
            b.front_runner_orders
        );
        on_total += a.front_runner_pnl;
        off_total += b.front_runner_pnl;
    }
    println!("front-runners' profit over 20 seeds: {what} on {on_total} vs off {off_total}");
    (on_total, off_total)
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
    println!("bad debt over 20 seeds: bulwark {ours} vs baseline {theirs}");
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
    println!("bad debt over 20 seeds: fast keeper {f_total} vs slow {s_total}");
    assert!(f_total < s_total, "fast {f_total} vs slow {s_total}");
}

#[test]
fn volatility_widened_margin_alone_leaves_no_more_bad_debt_than_static_margin_on_20_seeds() {
    let dynamic = default_config();
    let mut fixed = default_config();
    fixed.market.params.dynamics.margin.vol_k_ppm = 0;
    fixed.market.params.dynamics.margin.mmr_conf_k_ppm = 0;
    let (mut ours, mut theirs) = (0u64, 0u64);
    for seed in 1..=20 {
        let (d, s) = both(seed, &dynamic, &fixed);
        assert!(
            d.bad_debt <= s.bad_debt,
            "seed {seed}: dynamic {d:?} static {s:?}"
        );
        ours += d.bad_debt;
        theirs += s.bad_debt;
    }
    println!("bad debt over 20 seeds: dynamic margin {ours} vs static {theirs}");
    assert!(ours < theirs, "dynamic {ours} vs static {theirs}");
}

#[test]
fn an_oracle_blackout_through_a_slide_leaves_more_bad_debt_than_lit_feeds_on_20_seeds() {
    // 30% down over twenty minutes; every feed dark for 500 s in the middle (a five-minute
    // blackout no longer leaves bad debt with this population since the hardening round): the
    // stored price goes stale, liquidations are refused, and the feeds return far lower.
    let path: Vec<PricePoint> = (0..=1_800i64)
        .map(|s| PricePoint {
            ts: T0 + s,
            price: P - P * 3 / 10 * (s.clamp(300, 1_500) - 300) as u64 / 1_200,
        })
        .collect();
    let lit = default_config();
    let mut dark = default_config();
    dark.oracles.faults = vec!["dark,at=700,for=500".parse().unwrap()];
    let spec = PopulationSpec {
        count: 40,
        ..PopulationSpec::default()
    };
    let (mut lit_total, mut dark_total) = (0u64, 0u64);
    for seed in 1..=20 {
        let pop = generate(seed, &spec, P, 6);
        let (l, d) = (
            run(&path, &pop, &lit).unwrap(),
            run(&path, &pop, &dark).unwrap(),
        );
        assert!(
            l.bad_debt <= d.bad_debt,
            "seed {seed}: lit {l:?} dark {d:?}"
        );
        lit_total += l.bad_debt;
        dark_total += d.bad_debt;
    }
    println!("bad debt over 20 seeds: lit feeds {lit_total} vs blackout {dark_total}");
    assert!(
        lit_total < dark_total,
        "lit {lit_total} vs dark {dark_total}"
    );
}

#[test]
fn the_latency_rule_takes_the_edge_from_front_runners_on_20_seeds() {
    use bulwark_stress::front_run::FrontRunnerSpec;
    // The oracle network runs 20 s behind for two minutes at a time: fresh-looking updates
    // of old prices, while the world trades on.
    let faults: Vec<_> = (1..=6)
        .map(|k| {
            format!("lagging,secs=20,at={},for=120", k * 240)
                .parse()
                .unwrap()
        })
        .collect();
    let mut on = default_config();
    on.oracles.faults = faults;
    on.front_runners = Some(FrontRunnerSpec::default());
    let mut off = on.clone();
    off.market.params.ages.max_age_for_increase_secs = 120;
    off.market.params.trade.spread.latency_spread_k_ppm = 0;
    // A noisy slide: 10% to 29% down over half an hour, by seed.
    let (on_total, off_total) = front_runner_profit("latency rule", &on, &off, |seed| {
        let drop_ppm = 100_000 + seed * 10_000;
        gbm_with_jumps(seed, T0, P, 1_800, 300, 0, 0)
            .into_iter()
            .enumerate()
            .map(|(s, p)| PricePoint {
                ts: p.ts,
                price: p.price - p.price / 1_000_000 * drop_ppm * s as u64 / 1_800,
            })
            .collect()
    });
    assert!(
        on_total < off_total && off_total > 0,
        "on {on_total} vs off {off_total}"
    );
}

#[test]
fn the_velocity_breaker_stops_front_runners_in_a_fast_fall_on_20_seeds() {
    use bulwark_stress::front_run::FrontRunnerSpec;
    // The latency rule relaxed in both runs, so only the breaker stands between the
    // front-runners and a lagging oracle in a fast fall.
    let mut on = default_config();
    on.market.params.ages.max_age_for_increase_secs = 120;
    on.market.params.trade.spread.latency_spread_k_ppm = 0;
    on.oracles.faults = vec!["lagging,secs=20,at=0,for=3600".parse().unwrap()];
    on.front_runners = Some(FrontRunnerSpec::default());
    // Breakers off: the velocity bands at their bounds, as the baseline has them.
    let mut off = on.clone();
    let b = sim::baseline(&on).market.params.velocity;
    off.market.params.velocity.velocity_band1_ppm = b.velocity_band1_ppm;
    off.market.params.velocity.velocity_band2_ppm = b.velocity_band2_ppm;
    // Calm, a 12% fall in half a minute (the breaker trips), calm, then a second fall of 5%
    // to 14.5% while it still holds.
    let (on_total, off_total) = front_runner_profit("breakers", &on, &off, |seed| {
        let second_ppm = 50_000 + seed * 5_000;
        gbm_with_jumps(seed, T0, P, 1_200, 200, 0, 0)
            .into_iter()
            .enumerate()
            .map(|(s, p)| {
                let first = p.price / 1_000_000 * 120_000 * (s.clamp(300, 330) - 300) as u64 / 30;
                let rest = p.price - first;
                PricePoint {
                    ts: p.ts,
                    price: rest
                        - rest / 1_000_000 * second_ppm * (s.clamp(420, 450) - 420) as u64 / 30,
                }
            })
            .collect()
    });
    assert!(on_total < off_total, "on {on_total} vs off {off_total}");
}
