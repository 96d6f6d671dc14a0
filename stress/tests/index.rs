//! The liquidation index finds exactly what a full scan finds: whole runs through storms that
//! ramp the margin ratio, move σ and confidence, accrue funding on a lopsided book, and crash,
//! give identical reports both ways.

use bulwark_stress::path::PricePoint;
use bulwark_stress::population::{generate, PopulationSpec};
use bulwark_stress::sim::{baseline, default_config, run, SimConfig};
use bulwark_stress::synthetic::{gap_crash, gbm_with_jumps};

use bulwark_stress::synthetic::SYNTHETIC_START_TS as T0;

const P: u64 = 150 * bulwark_engine::num::PRICE_SCALE;

fn same_both_ways(path: &[PricePoint], cfg: &SimConfig, long_ppm: u32, seed: u64) {
    let spec = PopulationSpec {
        count: 300,
        long_ppm,
        ..PopulationSpec::default()
    };
    let pop = generate(seed, &spec, path[0].price, 6);
    let indexed = run(path, &pop, cfg).unwrap();
    let scanned = run(
        path,
        &pop,
        &SimConfig {
            full_scan: true,
            ..cfg.clone()
        },
    )
    .unwrap();
    assert!(indexed.liquidations > 0, "the path liquidates: {indexed:?}");
    // The index looks at a fraction of what the scan does, and finds the same.
    assert!(
        indexed.examined * 5 < scanned.examined,
        "{} vs {}",
        indexed.examined,
        scanned.examined
    );
    let mut scanned = scanned;
    scanned.examined = indexed.examined;
    assert_eq!(indexed, scanned, "seed {seed}");
}

#[test]
fn the_index_matches_a_full_scan_through_storms_ramps_and_funding() {
    for seed in 1..=4 {
        // A storm (ramps the margin ratio, moves σ), then a 25% gap down.
        let mut path = gbm_with_jumps(seed, T0, P, 2_400, 3_000, 20, 40_000);
        let last = path.last().unwrap().price;
        path.extend(gap_crash(T0 + 2_401, last, 1_200, 60, 250_000));
        // 90% long: funding accrues against the longs all along.
        same_both_ways(&path, &default_config(), 900_000, seed);
        // Shorts squeezed: a rally.
        let rally: Vec<PricePoint> = path
            .iter()
            .map(|p| PricePoint {
                ts: p.ts,
                price: P * 2 - p.price.min(P * 2 - 1),
            })
            .collect();
        same_both_ways(&rally, &baseline(&default_config()), 100_000, seed);
    }
}

#[test]
fn the_index_matches_a_full_scan_while_traders_act() {
    let acting = SimConfig {
        traders: Some(bulwark_stress::traders::Habits {
            look_secs: 120,
            ..Default::default()
        }),
        ..default_config()
    };
    for seed in 5..=6 {
        let mut path = gbm_with_jumps(seed, T0, P, 2_400, 3_000, 20, 40_000);
        let last = path.last().unwrap().price;
        path.extend(gap_crash(T0 + 2_401, last, 1_200, 60, 250_000));
        same_both_ways(&path, &acting, 600_000, seed);
    }
}
