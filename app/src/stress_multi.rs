//! `bulwark stress --market SYMBOL=FILE ...`: several markets on one clock, in their risk pools
//! (`--pool NAME=SYM,SYM`; markets not named go to a pool `default`), each pool's stress signal
//! led by `--leaders NAME=SYM,...` (the engine's default signal settings). One population a
//! market (`--accounts` each, seeded per market). `--compare` also runs the baseline: static
//! margin, no breakers, no stress signal, one shared pool. Report: per mode the usual figures
//! summed over markets, plus `pools` (by name) and `markets` (by symbol), each figure's median
//! over seeds (min/median/max with several seeds). `DIR/chart_<mode>_<SYMBOL>.svg|png`: one a
//! market and mode (the first population).

use std::collections::BTreeMap;

use anyhow::{anyhow, bail, Result};
use bulwark_engine::contagion::ContagionParams;
use bulwark_stress::impact::ImpactModel;
use bulwark_stress::multi::{
    align, run_multi_with_portfolios, MarketPath, MultiReport, PoolPlan, PoolReport,
};
use bulwark_stress::path::one_second_path;
use bulwark_stress::population::{generate, AccountSpec, PopulationSpec};
use bulwark_stress::portfolios::{generate_portfolios, PortfolioSpec};
use bulwark_stress::sim::{baseline, SimConfig};
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use serde_json::{json, Value};

use crate::stress_cmd::{field, median, sim_config, StressArgs, FIELDS};

/// Splits `NAME=VALUE` (`flag` names it in errors).
fn split<'a>(flag: &str, s: &'a str) -> Result<(&'a str, &'a str)> {
    s.split_once('=')
        .filter(|(n, v)| !n.is_empty() && !v.is_empty())
        .ok_or_else(|| anyhow!("{flag}: {s:?} is not NAME=VALUE"))
}

/// The markets from `--market SYMBOL=FILE`, on one clock.
fn markets(args: &StressArgs) -> Result<Vec<MarketPath>> {
    let mut out = Vec::new();
    for m in &args.markets {
        let (symbol, file) = split("--market", m)?;
        if out.iter().any(|x: &MarketPath| x.symbol == symbol) {
            bail!("--market: {symbol} is named twice");
        }
        let bars = bulwark_sdk::fixtures::load_bars(std::path::Path::new(file))
            .map_err(|e| anyhow!("--market {symbol}: {e}"))?;
        out.push(MarketPath {
            symbol: symbol.to_string(),
            path: one_second_path(&bars, 60),
        });
    }
    align(&out).map_err(|e| anyhow!("--market: {e}"))
}

/// The index of market `symbol` (`flag` names it in errors).
fn market_index(markets: &[MarketPath], flag: &str, symbol: &str) -> Result<usize> {
    markets
        .iter()
        .position(|m| m.symbol == symbol)
        .ok_or_else(|| anyhow!("{flag}: no --market {symbol}"))
}

/// The pools from `--pool` and `--leaders`; markets no pool names go to `default` (last).
fn pools(args: &StressArgs, markets: &[MarketPath]) -> Result<Vec<PoolPlan>> {
    let mut out: Vec<PoolPlan> = Vec::new();
    let mut taken = vec![false; markets.len()];
    for p in &args.pools {
        let (name, list) = split("--pool", p)?;
        let mut plan = PoolPlan {
            name: name.to_string(),
            markets: vec![],
            contagion: ContagionParams::OFF,
        };
        for symbol in list.split(',') {
            let i = market_index(markets, "--pool", symbol)?;
            if std::mem::replace(&mut taken[i], true) {
                bail!("--pool: {symbol} is in two pools");
            }
            plan.markets.push(i);
        }
        out.push(plan);
    }
    let rest: Vec<usize> = (0..markets.len()).filter(|i| !taken[*i]).collect();
    if !rest.is_empty() {
        out.push(PoolPlan {
            name: "default".into(),
            markets: rest,
            contagion: ContagionParams::OFF,
        });
    }
    for l in &args.leaders {
        let (name, list) = split("--leaders", l)?;
        let leaders: Vec<u16> = list
            .split(',')
            .map(|s| market_index(markets, "--leaders", s).map(|i| i as u16))
            .collect::<Result<_>>()?;
        let plan = out
            .iter_mut()
            .find(|p| p.name == name)
            .ok_or_else(|| anyhow!("--leaders: no pool {name}"))?;
        plan.contagion = ContagionParams::led_by(&leaders);
    }
    Ok(out)
}

/// Each market's impact model from `--impact` (`depth=USDC` for all, `SYM=USDC` for one; a
/// market's own entry wins); empty without.
fn impact(args: &StressArgs, markets: &[MarketPath], decimals: u8) -> Result<Vec<ImpactModel>> {
    if args.impact.is_empty() {
        return Ok(vec![]);
    }
    let mut out = vec![ImpactModel::OFF; markets.len()];
    let mut named = vec![false; markets.len()];
    let scale = 10u64.pow(u32::from(decimals));
    for entry in &args.impact {
        let (name, depth) = split("--impact", entry)?;
        let depth: u64 = depth
            .parse()
            .map_err(|_| anyhow!("--impact {entry:?}: the depth is whole collateral units"))?;
        let model = ImpactModel {
            depth: depth.saturating_mul(scale),
            half_life_secs: args.impact_half_life.max(1),
        };
        if name == "depth" {
            for (m, _) in out.iter_mut().zip(&named).filter(|(_, n)| !**n) {
                *m = model;
            }
        } else {
            let i = market_index(markets, "--impact", name)?;
            (out[i], named[i]) = (model, true);
        }
    }
    Ok(out)
}

/// Runs it: every mode and seed (each with and without impact when `--impact` is given),
/// the tables, `DIR/report.json`.
pub fn run(args: &StressArgs) -> Result<()> {
    let markets = markets(args)?;
    let pools = pools(args, &markets)?;
    let cfg = sim_config(args)?;
    let impact = impact(args, &markets, cfg.collateral_decimals)?;
    let shared = [PoolPlan {
        name: "shared".into(),
        markets: (0..markets.len()).collect(),
        contagion: ContagionParams::OFF,
    }];
    let mut modes: Vec<(String, SimConfig, &[PoolPlan], &[ImpactModel])> = Vec::new();
    let mut add = |name: &str, c: SimConfig, plan| {
        modes.push((name.to_string(), c.clone(), plan, &[][..]));
        if !impact.is_empty() {
            modes.push((format!("{name}_impact"), c, plan, &impact[..]));
        }
    };
    if !args.baseline {
        add("bulwark", cfg.clone(), &pools[..]);
    }
    if args.compare || args.baseline {
        add("baseline", baseline(&cfg), &shared[..]);
    }
    let bar = indicatif::ProgressBar::new(modes.len() as u64 * args.seeds);
    let mut report = serde_json::Map::new();
    let mut tables = Vec::new();
    let mut charts = Vec::new();
    for (name, c, plan, impact) in &modes {
        let mut runs = Vec::new();
        for seed in 1..=args.seeds {
            let (singles, portfolios) = populations(args, &markets, c, &pools, seed);
            let r = run_multi_with_portfolios(&markets, &singles, &portfolios, c, plan, impact)
                .map_err(|e| anyhow!(e))?;
            runs.push(r);
            bar.inc(1);
        }
        report.insert(name.clone(), mode_json(&runs));
        tables.push((name.clone(), table(&runs)));
        charts.push((name.clone(), runs.swap_remove(0)));
    }
    bar.finish_and_clear();
    report.insert("steps".into(), json!(markets[0].path.len()));
    report.insert("accounts_per_market".into(), json!(args.accounts));
    report.insert("seeds".into(), json!(args.seeds));
    report.insert(
        "not_modelled".into(),
        json!([
            "portfolios only take profit or panic-close (no dip buying, defence or reopening)",
            "traders' habits are seeded rules, not strategies fitted to data",
            "the venue's flow moving prices without --impact"
        ]),
    );
    std::fs::create_dir_all(&args.out)?;
    let file = args.out.join("report.json");
    std::fs::write(&file, serde_json::to_string_pretty(&Value::Object(report))?)?;
    // One chart a market and mode, of the first population: its price with the market's
    // non-Active states shaded, its pool's insurance fund and capital, its bad debt.
    for (mode, first) in &charts {
        for (symbol, r) in &first.markets {
            let name = format!("{mode}_{symbol}");
            crate::stress_chart::write(&args.out, &name, &r.series, cfg.collateral_decimals)?;
        }
        for (pool, series) in pool_series(first) {
            let name = format!("{mode}_pool_{pool}");
            crate::stress_chart::write_pool(&args.out, &name, &series, cfg.collateral_decimals)?;
        }
    }
    for (name, t) in tables {
        println!("{name} (median over seeds)\n{t}");
    }
    println!("report: {}", file.display());
    Ok(())
}

/// One population a market for `seed` (seeded apart per market), opened at its first price,
/// and the cross-market portfolios (`[population] portfolio_ppm` of `--accounts` a market,
/// drawn within the pools of `plan`, Bulwark's: the baseline's one pool holds them too).
fn populations(
    args: &StressArgs,
    markets: &[MarketPath],
    c: &SimConfig,
    plan: &[PoolPlan],
    seed: u64,
) -> (Vec<Vec<AccountSpec>>, Vec<PortfolioSpec>) {
    // Portfolios need a pool of two markets or more.
    let possible = plan.iter().any(|p| p.markets.len() >= 2);
    let share = u64::from(c.population.portfolio_ppm.min(1_000_000)) * u64::from(possible);
    let portfolios_a_market = (args.accounts as u64 * share / 1_000_000) as usize;
    let spec = PopulationSpec {
        count: args.accounts - portfolios_a_market,
        ..c.population
    };
    let prices: Vec<u64> = markets.iter().map(|m| m.path[0].price).collect();
    let pools: Vec<Vec<usize>> = plan.iter().map(|p| p.markets.clone()).collect();
    let portfolios = generate_portfolios(
        seed,
        portfolios_a_market * markets.len(),
        &pools,
        &prices,
        &spec,
        c.collateral_decimals,
    );
    let singles = markets
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let spec = PopulationSpec {
                punter_ppm: if punters_trade(plan, i) {
                    spec.punter_ppm
                } else {
                    0
                },
                ..spec
            };
            generate(
                seed * 1_000 + i as u64,
                &spec,
                m.path[0].price,
                c.collateral_decimals,
            )
        })
        .collect();
    (singles, portfolios)
}

/// Whether punters trade market `i`: the long tail, read as the markets of the pools that
/// follow leaders (a stress signal); every market when no pool names leaders.
fn punters_trade(plan: &[PoolPlan], i: usize) -> bool {
    let follows = |p: &&PoolPlan| p.contagion.named_leaders().next().is_some();
    let tail: Vec<&PoolPlan> = plan.iter().filter(follows).collect();
    tail.is_empty() || tail.iter().any(|p| p.markets.contains(&i))
}

/// A pool's figure by name (the market report's names where they match).
fn pool_field(p: &PoolReport, name: &str) -> u64 {
    match name {
        "bad_debt" => p.bad_debt,
        "insurance_paid" => p.insurance_paid,
        "socialised_loss" => p.socialised_loss,
        "liquidations" => p.liquidations,
        "adl_events" => p.adl_events,
        "adl_notional" => p.adl_notional,
        "breaker_trips" => p.breaker_trips,
        "stress_signals" => p.stress_signals,
        "crossed_loss" => p.crossed_loss,
        _ => 0,
    }
}

const POOL_FIELDS: [&str; 9] = [
    "bad_debt",
    "insurance_paid",
    "socialised_loss",
    "liquidations",
    "adl_events",
    "adl_notional",
    "breaker_trips",
    "stress_signals",
    "crossed_loss",
];

/// min/median/max of `values` (the value alone for one seed).
fn spread(values: Vec<u64>) -> Value {
    let mut v = values;
    v.sort_unstable();
    if v.len() == 1 {
        return json!(v[0]);
    }
    json!({ "min": v[0], "median": v[v.len() / 2], "max": v[v.len() - 1] })
}

/// Market `k`'s part of a mode's report: its figures over seeds, the cost of safety, its
/// impact, and the first seed's traders and worst account.
fn market_json(runs: &[MultiReport], k: usize) -> Value {
    let mut m = serde_json::Map::new();
    for f in FIELDS {
        m.insert(
            f.into(),
            spread(runs.iter().map(|r| field(&r.markets[k].1, f)).collect()),
        );
    }
    let avg = |r: &MultiReport| {
        let m = &r.markets[k].1;
        (m.margin_above_base_sum / u128::from(m.steps.max(1))) as u64
    };
    m.insert(
        "margin_above_base_avg".into(),
        spread(runs.iter().map(avg).collect()),
    );
    let paid = |r: &MultiReport| r.markets[k].1.keeper_rewards;
    m.insert(
        "keeper_rewards".into(),
        spread(runs.iter().map(paid).collect()),
    );
    let swept = |r: &MultiReport| r.markets[k].1.swept_to_insurance;
    m.insert(
        "swept_to_insurance".into(),
        spread(runs.iter().map(swept).collect()),
    );
    let needless = runs
        .iter()
        .map(|r| r.markets[k].1.liquidated_but_solvent_at_end as u64);
    m.insert(
        "liquidated_but_solvent_at_end".into(),
        spread(needless.collect()),
    );
    let lows: Vec<i64> = runs.iter().map(|r| r.impact[k].1.low_ppm).collect();
    m.insert("impact_low_ppm_per_seed".into(), json!(lows));
    let paid = |f: fn(&bulwark_stress::sim::SimReport) -> u64| {
        spread(runs.iter().map(|r| f(&r.markets[k].1)).collect())
    };
    m.insert("fees_paid".into(), paid(|r| r.fees_paid));
    m.insert("penalties_paid".into(), paid(|r| r.penalties_paid));
    let acted = crate::stress_cmd::traders_json(&runs[0].markets[k].1.traders);
    m.insert("traders_first_seed".into(), acted);
    let worst = runs[0].markets[k].1.worst_account.map(|w| {
        json!({
            "account": w.account,
            "loss": w.loss,
            "deficit": w.deficit,
            "leverage_x100": w.leverage_x100,
        })
    });
    m.insert("worst_account_first_seed".into(), json!(worst));
    Value::Object(m)
}

/// A mode's report: the usual figures summed over markets, then by pool and by market.
fn mode_json(runs: &[MultiReport]) -> Value {
    let mut mode = serde_json::Map::new();
    for f in FIELDS {
        let total = |r: &MultiReport| r.markets.iter().map(|(_, m)| field(m, f)).sum();
        mode.insert(f.into(), spread(runs.iter().map(total).collect()));
    }
    let mut pools = serde_json::Map::new();
    for (k, (name, _)) in runs[0].pools.iter().enumerate() {
        let mut p = serde_json::Map::new();
        p.insert("markets".into(), json!(runs[0].pools[k].1.markets));
        for f in POOL_FIELDS {
            p.insert(
                f.into(),
                spread(runs.iter().map(|r| pool_field(&r.pools[k].1, f)).collect()),
            );
        }
        pools.insert(name.clone(), Value::Object(p));
    }
    let mut markets = serde_json::Map::new();
    for (k, (symbol, _)) in runs[0].markets.iter().enumerate() {
        markets.insert(symbol.clone(), market_json(runs, k));
    }
    let needless = |r: &MultiReport| {
        r.markets
            .iter()
            .map(|(_, m)| m.liquidated_but_solvent_at_end as u64)
            .sum()
    };
    mode.insert(
        "liquidated_but_solvent_at_end".into(),
        spread(runs.iter().map(needless).collect()),
    );
    mode.insert("adl_policies".into(), adl_json(runs));
    mode.insert("portfolios".into(), portfolios_json(runs));
    mode.insert("pools".into(), Value::Object(pools));
    mode.insert("markets".into(), Value::Object(markets));
    Value::Object(mode)
}

/// Each pool's series: its books as its last market recorded them a minute (every market of a
/// pool records on the same steps) and its markets' cumulative bad debt summed.
fn pool_series(r: &MultiReport) -> Vec<(String, Vec<bulwark_stress::sim::SeriesPoint>)> {
    let series_of = |symbol: &String| {
        r.markets
            .iter()
            .find(|(s, _)| s == symbol)
            .map(|(_, m)| &m.series)
    };
    r.pools
        .iter()
        .filter_map(|(name, p)| {
            let all: Vec<_> = p.markets.iter().filter_map(series_of).collect();
            let mut out = all.last()?.to_vec();
            for (k, point) in out.iter_mut().enumerate() {
                point.bad_debt = all
                    .iter()
                    .filter_map(|s| s.get(k))
                    .map(|q| q.bad_debt)
                    .sum();
            }
            Some((name.clone(), out))
        })
        .collect()
}

/// What the cross-market portfolios went through, each figure over seeds.
fn portfolios_json(runs: &[MultiReport]) -> Value {
    type Pick = fn(&bulwark_stress::portfolios::PortfolioReport) -> u64;
    let fields: [(&str, Pick); 11] = [
        ("opened", |p| p.opened as u64),
        ("refused_legs", |p| p.refused_legs as u64),
        ("liquidations", |p| p.liquidations),
        ("liquidated_accounts", |p| p.liquidated_accounts as u64),
        ("bankruptcies", |p| p.bankruptcies),
        ("bad_debt", |p| p.bad_debt),
        ("deleveraged", |p| p.deleveraged),
        ("hedged_deleveraged", |p| p.hedged_deleveraged),
        ("left_liquidatable", |p| p.left_liquidatable as u64),
        ("take_profits", |p| p.take_profits),
        ("panic_closes", |p| p.panic_closes),
    ];
    let mut out = serde_json::Map::new();
    for (name, pick) in fields {
        out.insert(
            name.into(),
            spread(runs.iter().map(|r| pick(&r.portfolios)).collect()),
        );
    }
    Value::Object(out)
}

/// Every ADL policy on the same moments (`bulwark_stress::adl_compare`), each figure over seeds.
fn adl_json(runs: &[MultiReport]) -> Value {
    let mut out = serde_json::Map::new();
    // Policies are named by the first run that saw an ADL moment (a run without one has none,
    // and counts as zero for each).
    let names: Vec<&str> = runs
        .iter()
        .find(|r| !r.adl.policies.is_empty())
        .map_or(Vec::new(), |r| {
            r.adl.policies.iter().map(|(n, _)| *n).collect()
        });
    for (k, name) in names.iter().enumerate() {
        let pick = |f: fn(&bulwark_stress::adl_compare::PolicyTally) -> u64| {
            spread(
                runs.iter()
                    .map(|r| r.adl.policies.get(k).map_or(0, |p| f(&p.1)))
                    .collect(),
            )
        };
        out.insert(
            (*name).into(),
            json!({
                "moments": pick(|t| t.moments),
                "need": pick(|t| t.need),
                "closed": pick(|t| t.closed),
                "overshoot": pick(|t| t.overshoot),
                "max_share_ppm": pick(|t| t.max_share_ppm),
                "low_leverage_closed": pick(|t| t.low_leverage_closed),
                "sybil_failures": pick(|t| t.sybil_failures),
                "hedged_closed": pick(|t| t.hedged_closed),
            }),
        );
    }
    Value::Object(out)
}

/// One row a pool, then one a market: medians over seeds.
fn table(runs: &[MultiReport]) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED).set_header(vec![
        "pool / market",
        "bad debt",
        "insurance paid",
        "socialised",
        "liquidations",
        "breaker trips",
        "stress signals",
        "crossed loss",
    ]);
    let usdc = |v: u64| crate::demo_trading::usdc(v as i64);
    for (k, (name, p)) in runs[0].pools.iter().enumerate() {
        let m = |f: &str| median(runs.iter().map(|r| pool_field(&r.pools[k].1, f)));
        t.add_row(vec![
            format!("pool {name} ({})", p.markets.join(", ")),
            usdc(m("bad_debt")),
            usdc(m("insurance_paid")),
            usdc(m("socialised_loss")),
            m("liquidations").to_string(),
            m("breaker_trips").to_string(),
            m("stress_signals").to_string(),
            usdc(m("crossed_loss")),
        ]);
    }
    let by_market: BTreeMap<usize, &String> = runs[0]
        .markets
        .iter()
        .enumerate()
        .map(|(k, (s, _))| (k, s))
        .collect();
    for (k, symbol) in by_market {
        let m = |f: &str| median(runs.iter().map(|r: &MultiReport| field(&r.markets[k].1, f)));
        t.add_row(vec![
            format!("  {symbol}"),
            usdc(m("bad_debt")),
            usdc(m("insurance_paid")),
            usdc(m("socialised_loss")),
            m("liquidations").to_string(),
            m("breaker_trips").to_string(),
            String::new(),
            String::new(),
        ]);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use bulwark_stress::adl_compare::PolicyTally;

    #[test]
    fn punters_trade_the_pools_that_follow_leaders_or_everywhere_without_any() {
        let plan = |leaders: &[u16]| {
            vec![
                PoolPlan {
                    name: "blue".into(),
                    markets: vec![0, 1],
                    contagion: ContagionParams::OFF,
                },
                PoolPlan {
                    name: "tail".into(),
                    markets: vec![2, 3],
                    contagion: if leaders.is_empty() {
                        ContagionParams::OFF
                    } else {
                        ContagionParams::led_by(leaders)
                    },
                },
            ]
        };
        let led = plan(&[0, 1]);
        let who: Vec<bool> = (0..4).map(|i| punters_trade(&led, i)).collect();
        assert_eq!(who, [false, false, true, true]);
        let unled = plan(&[]);
        assert!((0..4).all(|i| punters_trade(&unled, i)));
    }

    #[test]
    fn adl_policies_are_reported_when_only_a_later_seed_saw_an_adl_moment() {
        let quiet = MultiReport::default();
        let mut busy = MultiReport::default();
        let tally = PolicyTally {
            moments: 4,
            overshoot: 7,
            ..Default::default()
        };
        busy.adl.policies = vec![("leverage_draining", tally)];
        let j = adl_json(&[quiet, busy]);
        assert_eq!(j["leverage_draining"]["moments"]["max"], 4);
        assert_eq!(j["leverage_draining"]["overshoot"]["min"], 0);
    }
}
