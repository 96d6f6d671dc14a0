//! `cargo run --release -p bulwark-stress --example bench_crash_day -- FILE ACCOUNTS [CAPACITY]`: one
//! population over a crash day through the simulation core alone (no charts or report),
//! printing wall time and what the liquidation index let through. CAPACITY overrides the
//! keeper's stages a second (default 50).

use bulwark_stress::path::one_second_path;
use bulwark_stress::population::{generate, PopulationSpec};
use bulwark_stress::sim::{default_config, run};

fn main() {
    let mut args = std::env::args().skip(1);
    let file = args
        .next()
        .unwrap_or("../shared/data/prices/oct10liq_2025-10-10_ETHUSD_gemini.csv".into());
    let n: usize = args
        .next()
        .map_or(100_000, |s| s.parse().expect("ACCOUNTS"));
    let capacity: Option<usize> = args.next().map(|s| s.parse().expect("CAPACITY"));
    let bars = bulwark_sdk::fixtures::load_bars(std::path::Path::new(&file)).expect("prices");
    let path = one_second_path(&bars, 60);
    let spec = PopulationSpec {
        count: n,
        ..PopulationSpec::default()
    };
    let pop = generate(1, &spec, path[0].price, 6);
    let mut cfg = default_config().sized_for(&pop);
    if let Some(c) = capacity {
        cfg.keeper.capacity = c;
    }
    let start = std::time::Instant::now();
    let r = run(&path, &pop, &cfg).expect("run");
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{} accounts ({} open) x {} steps: {:.2} s; {} stages, {} bankruptcies, {:.1} health checks a step",
        n,
        r.opened,
        r.steps,
        secs,
        r.liquidations,
        r.bankruptcies,
        r.examined as f64 / r.steps as f64
    );
}
