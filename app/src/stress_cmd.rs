//! `bulwark stress`: a price path (a CSV of one-minute bars, or a synthetic scenario) run
//! through the simulation core (`bulwark_stress::sim`, the program's own code) over seeded
//! populations; a summary table and `DIR/report.json`.
//!
//! Also `DIR/series_<mode>.csv` and `DIR/chart_<mode>.svg|png` (the first population, one row
//! a minute). First cut of issue 7: one market, no ADL, no sub-ledger sweeps, no oracle faults;
//! the report says which mechanisms are not modelled.

use std::path::PathBuf;

use anyhow::{anyhow, bail, Result};
use bulwark_stress::path::{one_second_path, PricePoint};
use bulwark_stress::population::{generate, PopulationSpec};
use bulwark_stress::sim::{baseline, default_config, run, SimReport};
use bulwark_stress::synthetic::{gap_crash, to_zero, SYNTHETIC_START_TS};
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use serde_json::{json, Value};

/// Flags of `bulwark stress`.
#[derive(clap::Args, Debug)]
pub struct StressArgs {
    /// Price file (`unix_ts,open,high,low,close`, one-minute bars).
    #[arg(long, conflicts_with = "scenario")]
    pub prices: Option<PathBuf>,
    /// A synthetic scenario instead: `gap-crash` (-20% after 5 min, 1 h) or `to-zero` (1 h).
    #[arg(long)]
    pub scenario: Option<String>,
    /// Parameter file (TOML): market sections with the program's names, `[keeper]`, `[venue]`.
    #[arg(long)]
    pub params: Option<PathBuf>,
    /// Accounts per population.
    #[arg(long, default_value_t = 200)]
    pub accounts: usize,
    /// Populations (seeds 1..=N); each figure is also given as min/median/max.
    #[arg(long, default_value_t = 1)]
    pub seeds: u64,
    /// Run the baseline (static margin, no breakers) too, side by side.
    #[arg(long)]
    pub compare: bool,
    /// Run only the baseline.
    #[arg(long, conflicts_with = "compare")]
    pub baseline: bool,
    /// Output directory (created).
    #[arg(long)]
    pub out: PathBuf,
}

const FIELDS: [&str; 7] = [
    "bad_debt",
    "insurance_paid",
    "socialised_loss",
    "liquidations",
    "adl_events",
    "breaker_trips",
    "max_insurance_drawdown",
];

fn field(r: &SimReport, name: &str) -> u64 {
    match name {
        "bad_debt" => r.bad_debt,
        "insurance_paid" => r.insurance_paid,
        "socialised_loss" => r.socialised_loss,
        "liquidations" => r.liquidations,
        "adl_events" => 0,
        "breaker_trips" => r.breaker_trips,
        "max_insurance_drawdown" => r.max_insurance_drawdown,
        _ => unreachable!("a known field"),
    }
}

fn path(args: &StressArgs) -> Result<Vec<PricePoint>> {
    let start_price = 150 * bulwark_engine::num::PRICE_SCALE;
    match (&args.prices, args.scenario.as_deref()) {
        (Some(file), None) => {
            let bars =
                bulwark_sdk::fixtures::load_bars(file).map_err(|e| anyhow!("--prices: {e}"))?;
            Ok(one_second_path(&bars, 60))
        }
        (None, Some("gap-crash")) => Ok(gap_crash(
            SYNTHETIC_START_TS,
            start_price,
            3_600,
            300,
            200_000,
        )),
        (None, Some("to-zero")) => Ok(to_zero(SYNTHETIC_START_TS, start_price, 3_600)),
        (None, Some(other)) => bail!("--scenario: {other:?} is not gap-crash or to-zero"),
        _ => bail!("--prices or --scenario: give one"),
    }
}

/// The venue sized for the population, as a live venue would be: the pool at four times the
/// population's notional (so the reserve cap does not turn traders away) and the insurance
/// fund at 1% of it; unless a parameter file's `[venue]` states them.
fn sized_for(
    c: &bulwark_stress::sim::SimConfig,
    population: &[bulwark_stress::population::AccountSpec],
) -> bulwark_stress::sim::SimConfig {
    let notional: u128 = population
        .iter()
        .map(|a| a.collateral as u128 * a.leverage_x100 as u128 / 100)
        .sum();
    let mut c = c.clone();
    if !c.size_venue_to_population {
        return c;
    }
    c.pool_capital = (notional * 4).min(i64::MAX as u128 / 2) as i64;
    c.insurance_balance = (notional / 100).min(u64::MAX as u128 / 2) as u64;
    c
}

/// Runs it.
pub fn run_stress(args: StressArgs) -> Result<()> {
    if args.accounts == 0 {
        bail!("--accounts: must be at least 1");
    }
    if args.seeds == 0 {
        bail!("--seeds: must be at least 1");
    }
    let points = path(&args)?;
    let first = points
        .first()
        .ok_or_else(|| anyhow!("--prices: empty path"))?
        .price;
    let cfg = match &args.params {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| anyhow!("--params: cannot read {}: {e}", p.display()))?;
            bulwark_stress::params::apply(&default_config(), &text, &p.display().to_string())
                .map_err(|e| anyhow!(e))?
        }
        None => default_config(),
    };
    let mut modes = Vec::new();
    if !args.baseline {
        modes.push(("bulwark", cfg.clone()));
    }
    if args.compare || args.baseline {
        modes.push(("baseline", baseline(&cfg)));
    }
    let spec = PopulationSpec {
        count: args.accounts,
        ..PopulationSpec::default()
    };
    let bar = indicatif::ProgressBar::new(modes.len() as u64 * args.seeds);
    let mut report = serde_json::Map::new();
    let mut rows: Vec<(String, Vec<SimReport>)> = Vec::new();
    for (name, c) in &modes {
        let mut runs = Vec::new();
        for seed in 1..=args.seeds {
            let population = generate(seed, &spec, first, c.collateral_decimals);
            let c = sized_for(c, &population);
            runs.push(run(&points, &population, &c).map_err(|e| anyhow!("simulation: {e}"))?);
            bar.inc(1);
        }
        let mut mode = serde_json::Map::new();
        for f in FIELDS {
            let mut v: Vec<u64> = runs.iter().map(|r| field(r, f)).collect();
            v.sort_unstable();
            if args.seeds == 1 {
                mode.insert(f.into(), json!(v[0]));
            } else {
                mode.insert(
                    f.into(),
                    json!({ "min": v[0], "median": v[v.len() / 2], "max": v[v.len() - 1] }),
                );
            }
        }
        let opened: Vec<usize> = runs.iter().map(|r| r.opened).collect();
        mode.insert("opened_accounts".into(), json!(opened));
        mode.insert(
            "refused_at_open".into(),
            json!(runs.iter().map(|r| r.refused_at_open).collect::<Vec<_>>()),
        );
        report.insert((*name).into(), Value::Object(mode));
        rows.push((name.to_string(), runs));
    }
    bar.finish_and_clear();
    report.insert(
        "units".into(),
        json!("collateral smallest unit (USDC: 1e-6) for amounts; counts otherwise"),
    );
    report.insert(
        "not_modelled".into(),
        json!([
            "adl (adl_events is always 0)",
            "sub-ledger sweeps",
            "oracle faults",
            "collateral price path",
            "several markets"
        ]),
    );
    report.insert("steps".into(), json!(points.len()));
    report.insert("accounts".into(), json!(args.accounts));
    report.insert("seeds".into(), json!(args.seeds));
    std::fs::create_dir_all(&args.out)
        .map_err(|e| anyhow!("--out: cannot create {}: {e}", args.out.display()))?;
    let file = args.out.join("report.json");
    std::fs::write(&file, serde_json::to_string_pretty(&Value::Object(report))?)?;

    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    let mut header = vec!["(median over seeds)".to_string()];
    header.extend(rows.iter().map(|(n, _)| n.clone()));
    t.set_header(header);
    for f in FIELDS {
        let mut row = vec![f.to_string()];
        for (_, runs) in &rows {
            let mut v: Vec<u64> = runs.iter().map(|r| field(r, f)).collect();
            v.sort_unstable();
            let m = v[v.len() / 2];
            row.push(
                if f.starts_with("liquidations") || f.ends_with("events") || f.ends_with("trips") {
                    m.to_string()
                } else {
                    crate::demo_trading::usdc(m as i64)
                },
            );
        }
        t.add_row(row);
    }
    // The first population's time series per mode, one row a minute.
    for (name, runs) in &rows {
        let path = args.out.join(format!("series_{name}.csv"));
        let mut w = csv::Writer::from_path(&path)
            .map_err(|e| anyhow!("--out: cannot write {}: {e}", path.display()))?;
        w.write_record([
            "unix_ts",
            "price",
            "state",
            "insurance",
            "pool_capital",
            "bad_debt",
            "liquidations",
        ])?;
        for p in &runs[0].series {
            w.write_record([
                p.ts.to_string(),
                p.price.to_string(),
                bulwark_engine::state::MarketState::from_u8(p.state)
                    .name()
                    .to_string(),
                p.insurance.to_string(),
                p.pool_capital.to_string(),
                p.bad_debt.to_string(),
                p.liquidations.to_string(),
            ])?;
        }
        w.flush()?;
        crate::stress_chart::write(&args.out, name, &runs[0].series, cfg.collateral_decimals)?;
    }
    println!("{t}");
    for (name, runs) in &rows {
        let opened: usize = runs.iter().map(|r| r.opened).sum();
        let refused: usize = runs.iter().map(|r| r.refused_at_open).sum();
        println!("{name}: {opened} positions opened, {refused} refused at open (caps, margin, reserve) over {} population(s)", runs.len());
    }
    println!("report: {}", file.display());
    Ok(())
}
