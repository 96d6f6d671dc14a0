//! `bulwark stress` writes report.json with every documented field per mode and a summary
//! table; bad input stops the run naming the file, line and field.

mod common;

use common::{assert_refused, bulwark};
use serde_json::Value;

#[test]
fn compare_writes_both_modes_with_every_field() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let o = bulwark(&[
        "stress",
        "--scenario",
        "gap-crash",
        "--accounts",
        "30",
        "--seeds",
        "3",
        "--compare",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(table.contains("bulwark") && table.contains("baseline") && table.contains("bad_debt"));
    let r: Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    for mode in ["bulwark", "baseline"] {
        for f in [
            "bad_debt",
            "insurance_paid",
            "socialised_loss",
            "liquidations",
            "adl_events",
            "breaker_trips",
            "max_insurance_drawdown",
        ] {
            let v = &r[mode][f];
            assert!(v["min"].as_u64().unwrap() <= v["median"].as_u64().unwrap());
            assert!(
                v["median"].as_u64().unwrap() <= v["max"].as_u64().unwrap(),
                "{mode}.{f}"
            );
        }
    }
    let series = std::fs::read_to_string(out.join("series_bulwark.csv")).unwrap();
    let mut lines = series.lines();
    assert_eq!(
        lines.next(),
        Some("unix_ts,price,state,insurance,pool_capital,bad_debt,liquidations")
    );
    assert_eq!(
        lines.count(),
        3_600 / 60 + 1,
        "one row a minute and the last step"
    );
    assert!(
        series.contains("ReduceOnly"),
        "the gap's breaker shows in the states"
    );
    // The dynamic parts trip the velocity breaker on a 20% gap; the baseline has none.
    assert!(r["bulwark"]["breaker_trips"]["min"].as_u64().unwrap() > 0);
    assert_eq!(r["baseline"]["breaker_trips"]["max"], 0);
}

#[test]
fn bad_input_stops_the_run_naming_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("bad.csv");
    std::fs::write(
        &csv,
        "unix_ts,open,high,low,close\n60,1,2,0.5,1.5\n60,1,2,0.5,1.5\n",
    )
    .unwrap();
    let out = dir.path().join("o");
    let out = out.to_str().unwrap();
    assert_refused(
        &["stress", "--prices", csv.to_str().unwrap(), "--out", out],
        "bad.csv:3: unix_ts",
    );
    std::fs::write(&csv, "unix_ts,open,high,low,close\n60,1,2,0.5,-1\n").unwrap();
    assert_refused(
        &["stress", "--prices", csv.to_str().unwrap(), "--out", out],
        "bad.csv:2: close",
    );
    assert_refused(
        &["stress", "--scenario", "meteor", "--out", out],
        "--scenario",
    );
    assert_refused(
        &[
            "stress",
            "--scenario",
            "to-zero",
            "--accounts",
            "0",
            "--out",
            out,
        ],
        "--accounts",
    );
}

#[test]
fn faults_and_the_collateral_path_reach_the_run_and_bad_ones_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    let out = out.to_str().unwrap();
    // A dark feed for ten minutes through the gap: the velocity breaker cannot see the move
    // while the price is stale; the run still completes with the report's details.
    let o = bulwark(&[
        "stress",
        "--scenario",
        "gap-crash",
        "--accounts",
        "20",
        "--fault",
        "dark,at=240,for=600",
        "--fault",
        "manipulated,source=0,factor=1.5,at=1200,for=60",
        "--out",
        out,
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r: Value = serde_json::from_slice(
        &std::fs::read(std::path::Path::new(out).join("report.json")).unwrap(),
    )
    .unwrap();
    let seed = &r["bulwark"]["per_seed"][0];
    for k in [
        "liquidation_notional",
        "breaker_trip_reasons",
        "worst_account",
        "bankruptcies",
    ] {
        assert!(!seed[k].is_null(), "{k} in {seed}");
    }
    let o = bulwark(&[
        "stress",
        "--scenario",
        "gbm-jumps",
        "--accounts",
        "10",
        "--out",
        out,
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // The USDC depeg day as the collateral's own path.
    let depeg = "../../shared/data/prices/usdcdepeg_2023-03-11_USDCUSD_kraken.csv";
    let btc = "../../shared/data/prices/usdcdepeg_2023-03-11_BTCUSD_binanceus.csv";
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let o = bulwark(&[
        "stress",
        "--prices",
        here.join(btc).to_str().unwrap(),
        "--collateral-prices",
        here.join(depeg).to_str().unwrap(),
        "--accounts",
        "20",
        "--out",
        out,
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_refused(
        &[
            "stress",
            "--scenario",
            "to-zero",
            "--fault",
            "stale,source=7,at=0,for=1",
            "--out",
            out,
        ],
        "--fault \"stale,source=7,at=0,for=1\": stale: source=\"7\" is not 0, 1 or 2",
    );
}

/// Two markets of the 10 October 2025 day on one clock, in two pools, the long-tail pool led by
/// ETH: the report has every pool and market with its figures, nothing crossed pools, and the
/// baseline runs one shared pool; bad pool and leader flags are refused naming the flag.
#[test]
fn several_markets_run_on_one_clock_in_their_pools() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("multi");
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let file = |name: &str| {
        let p = here.join(format!(
            "../../shared/data/prices/oct10liq_2025-10-10_{name}.csv"
        ));
        p.to_str().unwrap().to_string()
    };
    let (eth, doge) = (
        format!("ETH={}", file("ETHUSD_gemini")),
        format!("DOGE={}", file("DOGEUSD_coinbase")),
    );
    let args = |extra: &[&str]| {
        let mut a = vec![
            "stress",
            "--market",
            &eth,
            "--market",
            &doge,
            "--accounts",
            "20",
        ];
        a.extend_from_slice(extra);
        a.iter().map(|s| s.to_string()).collect::<Vec<_>>()
    };
    let run = args(&[
        "--pool",
        "blue=ETH",
        "--pool",
        "tail=DOGE",
        "--leaders",
        "tail=ETH",
        "--compare",
        "--out",
        out.to_str().unwrap(),
    ]);
    let run: Vec<&str> = run.iter().map(String::as_str).collect();
    let o = bulwark(&run);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r: Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    for pool in ["blue", "tail"] {
        assert_eq!(r["bulwark"]["pools"][pool]["crossed_loss"], 0, "{pool}");
        assert!(r["bulwark"]["pools"][pool]["liquidations"].is_u64());
    }
    assert_eq!(
        r["bulwark"]["pools"]["tail"]["markets"],
        serde_json::json!(["DOGE"])
    );
    assert!(r["bulwark"]["markets"]["ETH"]["bad_debt"].is_u64());
    // The cost of safety, in what traders paid: fees on every trade, penalties on stages.
    let eth = &r["bulwark"]["markets"]["ETH"];
    assert!(eth["fees_paid"].as_u64().unwrap() > 0, "{eth}");
    assert!(eth["penalties_paid"].is_u64(), "{eth}");
    // Traders act by default; no pool here holds two markets, so no portfolio is drawn.
    let acted = &r["bulwark"]["markets"]["ETH"]["traders_first_seed"];
    assert!(acted["looks"].as_u64().unwrap() > 20, "{acted}");
    assert_eq!(r["bulwark"]["portfolios"]["opened"], 0);
    for chart in [
        "chart_bulwark_ETH.svg",
        "chart_bulwark_DOGE.png",
        "chart_baseline_DOGE.svg",
        "chart_bulwark_pool_tail.png",
        "chart_baseline_pool_shared.svg",
    ] {
        assert!(out.join(chart).exists(), "{chart}");
    }
    for policy in [
        "score_queue",
        "profit_leverage_queue",
        "pro_rata",
        "leverage_draining",
    ] {
        let p = &r["bulwark"]["adl_policies"][policy];
        assert!(p.is_null() || p["overshoot"].is_u64(), "{policy}: {p}");
    }
    assert_eq!(
        r["baseline"]["pools"]["shared"]["markets"],
        serde_json::json!(["ETH", "DOGE"])
    );
    assert_eq!(r["baseline"]["pools"]["shared"]["stress_signals"], 0);
    for (bad, names) in [
        (vec!["--pool", "blue=BTC"], "--pool"),
        (vec!["--pool", "a=ETH", "--pool", "b=ETH"], "two pools"),
        (vec!["--leaders", "nowhere=ETH"], "--leaders"),
    ] {
        let mut a = bad.clone();
        a.extend(["--out", out.to_str().unwrap()]);
        let a = args(&a);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        assert_refused(&a, names);
    }
}
