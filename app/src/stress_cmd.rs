//! `bulwark stress`: a price path (a CSV of one-minute bars, or a synthetic scenario) run
//! through the simulation core (`bulwark_stress::sim`, the program's own code) over seeded
//! populations; a summary table and `DIR/report.json`.
//!
//! Also `DIR/series_<mode>.csv` and `DIR/chart_<mode>.svg|png` (the first population, one row
//! a minute). Oracle faults (`--fault`) and the collateral's own price (`--collateral-prices`)
//! layer on any path. `--market SYMBOL=FILE` (repeatable) runs several markets on one clock in
//! their risk pools (`stress_multi`); the report says what is not modelled.

use std::path::PathBuf;

use anyhow::{anyhow, bail, Result};
use bulwark_stress::path::{one_second_path, PricePoint};
use bulwark_stress::population::{generate, PopulationSpec};
use bulwark_stress::sim::{baseline, default_config, run, SimConfig, SimReport};
use bulwark_stress::synthetic::{gap_crash, gbm_with_jumps, to_zero, SYNTHETIC_START_TS};
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use serde_json::{json, Value};

/// Flags of `bulwark stress`.
#[derive(clap::Args, Debug)]
pub struct StressArgs {
    /// Price file (`unix_ts,open,high,low,close`, one-minute bars).
    #[arg(long, conflicts_with = "scenario")]
    pub prices: Option<PathBuf>,
    /// Several markets on one clock instead: `SYMBOL=FILE`, repeatable (gaps hold the last
    /// price).
    #[arg(long = "market", conflicts_with_all = ["prices", "scenario"])]
    pub markets: Vec<String>,
    /// A risk pool of those markets: `NAME=SYM,SYM`, repeatable (markets not named share a
    /// pool `default`).
    #[arg(long = "pool", requires = "markets")]
    pub pools: Vec<String>,
    /// A pool's stress-signal leaders: `NAME=SYM,...` (default signal settings).
    #[arg(long, requires = "markets")]
    pub leaders: Vec<String>,
    /// The venue's liquidation flow moves the replayed price: `depth=USDC` for every market or
    /// `SYM=USDC` for one (repeatable; the notional that moves the price 100%). Every mode then
    /// also runs without impact.
    #[arg(long, requires = "markets")]
    pub impact: Vec<String>,
    /// Seconds for an impact to halve.
    #[arg(long, default_value_t = 300, requires = "impact")]
    pub impact_half_life: u32,
    /// A synthetic scenario instead: `gap-crash` (-20% after 5 min, 1 h), `to-zero` (1 h) or
    /// `gbm-jumps` (a day of 500 ppm/√s noise with rare 5% jumps down).
    #[arg(long)]
    pub scenario: Option<String>,
    /// Oracle faults, repeatable: `stale,source=S`, `manipulated,source=S,factor=F`,
    /// `diverging,spread=F`, `dark` or `lagging,secs=N`, each with `at=SECONDS,for=SECONDS` from the path's start
    /// (sources: 0 Pyth, 1 Switchboard, 2 Chainlink).
    #[arg(long = "fault")]
    pub faults: Vec<String>,
    /// The collateral's USD price path (same CSV format), e.g. the USDC depeg day; $1 without.
    #[arg(long)]
    pub collateral_prices: Option<PathBuf>,
    /// Add N front-runners: accounts that trade against the stored price when the true price
    /// has moved and the program's quote leaves a 0.3% edge (10,000 USDC each, 5x); their
    /// profit is reported as `front_runner_pnl`.
    #[arg(long, default_value_t = 0)]
    pub front_runners: usize,
    /// Parameter file (TOML): market sections with the program's names, `[keeper]`, `[venue]`,
    /// `[population]`.
    #[arg(long)]
    pub params: Option<PathBuf>,
    /// Accounts per population.
    #[arg(long, default_value_t = 200)]
    pub accounts: usize,
    /// The population opens at the start and then only holds (without it, traders act during
    /// the run by the habits of `[population]`, or the defaults).
    #[arg(long)]
    pub passive: bool,
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

pub(crate) const FIELDS: [&str; 8] = [
    "bad_debt",
    "insurance_paid",
    "socialised_loss",
    "liquidations",
    "adl_events",
    "adl_notional",
    "breaker_trips",
    "max_insurance_drawdown",
];

pub(crate) fn field(r: &SimReport, name: &str) -> u64 {
    match name {
        "bad_debt" => r.bad_debt,
        "insurance_paid" => r.insurance_paid,
        "socialised_loss" => r.socialised_loss,
        "liquidations" => r.liquidations,
        "adl_events" => r.adl_events,
        "adl_notional" => r.adl_notional,
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
        // A day of 500 ppm/√s noise with rare 5% jumps down (seeded).
        (None, Some("gbm-jumps")) => Ok(gbm_with_jumps(
            1,
            SYNTHETIC_START_TS,
            start_price,
            86_400,
            500,
            2,
            50_000,
        )),
        (None, Some(other)) => {
            bail!("--scenario: {other:?} is not gap-crash, to-zero or gbm-jumps")
        }
        _ => bail!("--prices or --scenario: give one"),
    }
}

/// Faults and the collateral's path from the flags.
fn oracle_scenario(args: &StressArgs) -> Result<bulwark_stress::feeds::OracleScenario> {
    let mut faults = Vec::new();
    for f in &args.faults {
        faults.push(f.parse().map_err(|e| anyhow!("--fault {f:?}: {e}"))?);
    }
    let collateral_usd = match &args.collateral_prices {
        Some(file) => {
            let bars = bulwark_sdk::fixtures::load_bars(file)
                .map_err(|e| anyhow!("--collateral-prices: {e}"))?;
            Some(one_second_path(&bars, 60))
        }
        None => None,
    };
    Ok(bulwark_stress::feeds::OracleScenario {
        faults,
        collateral_usd,
    })
}

/// Details of one run beyond the distributed figures: liquidation sizes, trips by reason,
/// the worst account.
fn details(r: &SimReport) -> Value {
    let sizes = sorted(r.liquidation_sizes.iter().copied());
    let pick = |q: usize| {
        sizes
            .get((sizes.len().saturating_sub(1)) * q / 100)
            .copied()
    };
    json!({
        "opened": r.opened,
        "refused_at_open": r.refused_at_open,
        "liquidated_accounts": r.liquidated_accounts,
        "liquidation_notional": {
            "stages": sizes.len(),
            "total": sizes.iter().sum::<u64>(),
            "median": pick(50),
            "p90": pick(90),
            "max": sizes.last(),
        },
        "bankruptcies": r.bankruptcies,
        "keeper_rewards": r.keeper_rewards,
        "swept_to_insurance": r.swept_to_insurance,
        "breaker_trip_reasons": r.breaker_trip_reasons,
        "left_liquidatable": r.left_liquidatable,
        "liquidated_but_solvent_at_end": r.liquidated_but_solvent_at_end,
        "margin_above_base_avg": (r.margin_above_base_sum / u128::from(r.steps.max(1))) as u64,
        "front_runner_orders": r.front_runner_orders,
        "front_runner_pnl": r.front_runner_pnl,
        "traders": traders_json(&r.traders),
        "fees_paid": r.fees_paid,
        "penalties_paid": r.penalties_paid,
        "health_checks_per_step": r.examined as f64 / r.steps.max(1) as f64,
        "worst_account": r.worst_account.map(|w| json!({
            "account": w.account,
            "loss": w.loss,
            "deficit": w.deficit,
            "leverage": format!("{}.{:02}x", w.leverage_x100 / 100, w.leverage_x100 % 100),
        })),
    })
}

/// What the acting traders did (all zero with `--passive`).
pub(crate) fn traders_json(t: &bulwark_stress::traders::TraderReport) -> Value {
    json!({
        "looks": t.looks,
        "take_profits": t.take_profits,
        "panic_closes": t.panic_closes,
        "dip_buys": t.dip_buys,
        "reopens": t.reopens,
        "withdrawals": t.withdrawals,
        "margin_defences": t.defences,
        "margin_defended": t.defended_units,
        "refused_orders": t.refused,
    })
}

/// A summary-table row computed from a mode's runs.
type RowFn<'a> = dyn Fn(&[SimReport]) -> String + 'a;

/// `values` sorted (the report's min/median/max and the table's medians read from it).
fn sorted(values: impl IntoIterator<Item = u64>) -> Vec<u64> {
    let mut v: Vec<u64> = values.into_iter().collect();
    v.sort_unstable();
    v
}

/// The median (the upper one of an even count), 0 when there is none.
pub(crate) fn median(values: impl IntoIterator<Item = u64>) -> u64 {
    let v = sorted(values);
    v.get(v.len() / 2).copied().unwrap_or(0)
}

/// Runs it.
pub fn run_stress(args: StressArgs) -> Result<()> {
    if args.accounts == 0 {
        bail!("--accounts: must be at least 1");
    }
    if args.seeds == 0 {
        bail!("--seeds: must be at least 1");
    }
    if !args.markets.is_empty() {
        return crate::stress_multi::run(&args);
    }
    let points = path(&args)?;
    let first = points
        .first()
        .ok_or_else(|| anyhow!("--prices: empty path"))?
        .price;
    let cfg = sim_config(&args)?;
    let mut modes = Vec::new();
    if !args.baseline {
        modes.push(("bulwark", cfg.clone()));
    }
    if args.compare || args.baseline {
        modes.push(("baseline", baseline(&cfg)));
    }
    let spec = PopulationSpec {
        count: args.accounts,
        ..cfg.population
    };
    let bar = indicatif::ProgressBar::new(modes.len() as u64 * args.seeds);
    let mut report = serde_json::Map::new();
    let mut rows: Vec<(String, Vec<SimReport>)> = Vec::new();
    for (name, c) in &modes {
        let mut runs = Vec::new();
        for seed in 1..=args.seeds {
            let population = generate(seed, &spec, first, c.collateral_decimals);
            let c = c.sized_for(&population);
            runs.push(run(&points, &population, &c).map_err(|e| anyhow!("simulation: {e}"))?);
            bar.inc(1);
        }
        report.insert((*name).into(), mode_report(&runs, args.seeds));
        rows.push((name.to_string(), runs));
    }
    bar.finish_and_clear();
    let file = write_report(&args, report, points.len())?;
    let t = summary_table(&rows);
    write_series(&args.out, &rows, cfg.collateral_decimals)?;
    println!("{t}");
    for (name, runs) in &rows {
        let opened: usize = runs.iter().map(|r| r.opened).sum();
        let refused: usize = runs.iter().map(|r| r.refused_at_open).sum();
        println!("{name}: {opened} positions opened, {refused} refused at open (caps, margin, reserve) over {} population(s)", runs.len());
    }
    println!("report: {}", file.display());
    Ok(())
}

/// The simulation's settings: the defaults or `--params` over them, with the oracle scenario
/// and any front-runners from the flags.
pub(crate) fn sim_config(args: &StressArgs) -> Result<SimConfig> {
    let cfg = match &args.params {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| anyhow!("--params: cannot read {}: {e}", p.display()))?;
            bulwark_stress::params::apply(&default_config(), &text, &p.display().to_string())
                .map_err(|e| anyhow!(e))?
        }
        None => default_config(),
    };
    let mut cfg = cfg;
    cfg.oracles = oracle_scenario(args)?;
    cfg.traders = match args.passive {
        true => None,
        false => Some(cfg.traders.unwrap_or_default()),
    };
    if args.front_runners > 0 {
        cfg.front_runners = Some(bulwark_stress::front_run::FrontRunnerSpec {
            count: args.front_runners,
            ..Default::default()
        });
    }
    Ok(cfg)
}

/// One mode's part of the report: each figure (one seed: its value; several: min, median
/// and max) and each seed's details.
fn mode_report(runs: &[SimReport], seeds: u64) -> Value {
    let mut mode = serde_json::Map::new();
    for f in FIELDS {
        let v = sorted(runs.iter().map(|r| field(r, f)));
        if seeds == 1 {
            mode.insert(f.into(), json!(v[0]));
        } else {
            mode.insert(
                f.into(),
                json!({ "min": v[0], "median": v[v.len() / 2], "max": v[v.len() - 1] }),
            );
        }
    }
    mode.insert(
        "per_seed".into(),
        Value::Array(runs.iter().map(details).collect()),
    );
    Value::Object(mode)
}

/// Completes the report (units, what is not modelled, the run's size) and writes it to
/// `DIR/report.json`; returns the file's path.
fn write_report(
    args: &StressArgs,
    mut report: serde_json::Map<String, Value>,
    steps: usize,
) -> Result<PathBuf> {
    report.insert(
        "units".into(),
        json!("collateral smallest unit (USDC: 1e-6) for amounts; counts otherwise"),
    );
    report.insert(
        "not_modelled".into(),
        json!([
            "several markets at once (one market a run: see --market)",
            "traders' habits are seeded rules (looks at exponential waits), not strategies fitted to data"
        ]),
    );
    report.insert("steps".into(), json!(steps));
    report.insert("accounts".into(), json!(args.accounts));
    report.insert("seeds".into(), json!(args.seeds));
    std::fs::create_dir_all(&args.out)
        .map_err(|e| anyhow!("--out: cannot create {}: {e}", args.out.display()))?;
    let file = args.out.join("report.json");
    std::fs::write(&file, serde_json::to_string_pretty(&Value::Object(report))?)?;
    Ok(file)
}

/// The summary table: one column a mode, the medians over seeds of each figure, then the
/// extra rows.
fn summary_table(rows: &[(String, Vec<SimReport>)]) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    let mut header = vec!["(median over seeds)".to_string()];
    header.extend(rows.iter().map(|(n, _)| n.clone()));
    t.set_header(header);
    for f in FIELDS {
        let mut row = vec![f.to_string()];
        for (_, runs) in rows {
            let m = median(runs.iter().map(|r| field(r, f)));
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
    add_extra_rows(&mut t, rows);
    t
}

/// The summary table's rows beyond the figures: liquidation sizes, bankruptcies, trips by
/// reason and the worst account.
fn add_extra_rows(t: &mut Table, rows: &[(String, Vec<SimReport>)]) {
    let median_of = |runs: &[SimReport], f: &dyn Fn(&SimReport) -> u64| median(runs.iter().map(f));
    let usdc = |v: u64| crate::demo_trading::usdc(v as i64);
    let rows_extra: [(&str, &RowFn<'_>); 5] = [
        ("liquidation size, median", &|runs| {
            usdc(median_of(runs, &|r| {
                median(r.liquidation_sizes.iter().copied())
            }))
        }),
        ("liquidation size, largest", &|runs| {
            usdc(median_of(runs, &|r| {
                r.liquidation_sizes.iter().max().copied().unwrap_or(0)
            }))
        }),
        ("bankruptcies", &|runs| {
            median_of(runs, &|r| r.bankruptcies).to_string()
        }),
        ("trips by reason (seed 1)", &|runs| {
            let t: Vec<String> = runs[0]
                .breaker_trip_reasons
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect();
            if t.is_empty() {
                "-".into()
            } else {
                t.join(", ")
            }
        }),
        (
            "worst account (seed 1)",
            &|runs| match runs[0].worst_account {
                Some(w) => format!(
                    "#{} {}.{:02}x lost {}{}",
                    w.account,
                    w.leverage_x100 / 100,
                    w.leverage_x100 % 100,
                    crate::demo_trading::usdc(w.loss),
                    if w.deficit > 0 {
                        format!(" (deficit {})", usdc(w.deficit))
                    } else {
                        String::new()
                    }
                ),
                None => "-".into(),
            },
        ),
    ];
    for (name, f) in rows_extra {
        let mut row = vec![name.to_string()];
        for (_, runs) in rows {
            row.push(f(runs));
        }
        t.add_row(row);
    }
}

/// The first population's time series per mode, one row a minute: `DIR/series_<mode>.csv`
/// and its charts.
fn write_series(
    out: &std::path::Path,
    rows: &[(String, Vec<SimReport>)],
    decimals: u8,
) -> Result<()> {
    for (name, runs) in rows {
        let path = out.join(format!("series_{name}.csv"));
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
        crate::stress_chart::write(out, name, &runs[0].series, decimals)?;
    }
    Ok(())
}
