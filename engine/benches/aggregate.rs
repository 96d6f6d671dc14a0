//! Aggregation cost for 2, 3 and 4 sources: `cargo bench -p bulwark-engine --bench aggregate`.

use bulwark_engine::oracle::{
    aggregate, price_market, AggregationConfig, MarketOracleConfig, ProviderReading, Reading,
    TwapConfig, TwapState,
};
use criterion::{black_box, criterion_group, criterion_main, Criterion};

fn readings(n: usize) -> Vec<Option<ProviderReading>> {
    (0..n)
        .map(|i| {
            let price = 150_000_000_000 + i as u64 * 37_000_000;
            Some(ProviderReading {
                provider: i as u8,
                reading: Reading {
                    price,
                    conf: price / 2_000,
                    publish_time: 1_000,
                    publish_slot: 100,
                },
            })
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let cfg = AggregationConfig {
        min_quorum: 2,
        max_deviation_ppm: 50_000,
        max_divergence_ppm: 10_000,
        max_conf_ppm: 20_000,
    };
    let collateral = vec![Some(ProviderReading {
        provider: 0,
        reading: Reading {
            price: 1_000_050_000,
            conf: 500_000,
            publish_time: 1_000,
            publish_slot: 100,
        },
    })];
    let coll_cfg = AggregationConfig {
        min_quorum: 1,
        ..cfg
    };
    let mkt = MarketOracleConfig {
        max_twap_deviation_ppm: 100_000,
        fallback_band_ppm: 20_000,
        twap: TwapConfig {
            twap_window_secs: 600,
            twap_max_step_ppm: 20_000,
        },
    };
    let twap = TwapState {
        price: 150_000_000_000,
        last_slot: 99,
        last_time: 999,
    };
    for n in [2usize, 3, 4] {
        let inputs = readings(n);
        c.bench_function(&format!("aggregate/{n}_sources"), |b| {
            b.iter(|| aggregate(black_box(&inputs), black_box(&cfg)).unwrap())
        });
        c.bench_function(&format!("price_market/{n}_sources"), |b| {
            b.iter(|| {
                price_market(
                    black_box(&inputs),
                    &cfg,
                    black_box(&collateral),
                    &coll_cfg,
                    &mkt,
                    &twap,
                    100,
                    1_000,
                )
                .unwrap()
            })
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
