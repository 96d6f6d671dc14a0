//! Account health over 1, 4 and 8 positions: `cargo bench -p bulwark-engine --bench health`.

use bulwark_engine::margin::{health, HealthKind, MarketMargin};
use bulwark_engine::position::Position;
use criterion::{black_box, criterion_group, criterion_main, Criterion};

fn positions(n: usize) -> Vec<(Position, MarketMargin)> {
    (0..n)
        .map(|i| {
            let price = 10_000_000_000 * (i as u64 + 1);
            let base = if i % 2 == 0 {
                5_000_000_000
            } else {
                -3_000_000_000
            };
            let m = MarketMargin {
                market_index: i as u16,
                price,
                conf: price / 1_000,
                twap: price - price / 500,
                decimals: 6,
                mmr_ppm: 50_000,
                base_imr_ppm: 100_000,
                imr_multiplier_ppm: 1_500_000,
                imf_factor: 10,
                conf_k_ppm: 1_000_000,
                unsettled_funding: 0,
            };
            (
                Position {
                    base,
                    cost: base / 1_000 * (price / 1_000_000) as i64,
                },
                m,
            )
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    for n in [1usize, 4, 8] {
        let p = positions(n);
        c.bench_function(&format!("health_initial/{n}_positions"), |b| {
            b.iter(|| health(black_box(1_000_000_000), black_box(&p), HealthKind::Initial).unwrap())
        });
        c.bench_function(&format!("health_maintenance/{n}_positions"), |b| {
            b.iter(|| {
                health(
                    black_box(1_000_000_000),
                    black_box(&p),
                    HealthKind::Maintenance,
                )
                .unwrap()
            })
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
