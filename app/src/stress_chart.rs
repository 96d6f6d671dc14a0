//! Charts of a stress run (the first population of a mode): the price with the market's
//! non-Active states shaded (and the replayed path it was displaced from, when the venue's own
//! flow moved it), the insurance fund and the pool's capital, and cumulative bad debt; a pool's
//! chart has the last two only. Written as SVG and PNG with an embedded font (DejaVu Sans, in
//! `app/assets`) so they render on a machine without system fonts. Floating point here is
//! display only.

use std::path::Path;

use anyhow::{anyhow, Result};
use bulwark_engine::state::MarketState;
use bulwark_stress::sim::SeriesPoint;
use plotters::coord::Shift;
use plotters::prelude::*;

static FONT: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");

fn err(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow!("chart: {e}")
}

fn draw<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    title: &str,
    s: &[SeriesPoint],
    decimals: u8,
    with_price: bool,
) -> Result<()> {
    root.fill(&WHITE).map_err(err)?;
    let root = root.titled(title, ("sans-serif", 22)).map_err(err)?;
    let panels = root.split_evenly((2 + usize::from(with_price), 1));
    let x = Hours::of(s);
    if with_price {
        draw_price(&panels[0], s, &x)?;
    }
    let rest = &panels[usize::from(with_price)..];
    draw_funds(&rest[0], s, &x, decimals)?;
    draw_bad_debt(&rest[1], s, &x, decimals)?;
    root.present().map_err(err)?;
    Ok(())
}

/// The panels' common x axis: hours since the series' first point, up to its last.
struct Hours {
    t0: i64,
    /// The axis' end (at least a few seconds).
    x1: f64,
}

impl Hours {
    fn of(s: &[SeriesPoint]) -> Hours {
        let t0 = s.first().map(|p| p.ts).unwrap_or(0);
        let mut h = Hours { t0, x1: 0.0 };
        h.x1 = s.last().map(|p| h.at(p.ts)).unwrap_or(1.0).max(1e-3);
        h
    }

    /// Hours from the first point to `ts`.
    fn at(&self, ts: i64) -> f64 {
        (ts - self.t0) as f64 / 3_600.0
    }
}

/// Collateral units as whole collateral (display only).
fn usd(v: f64, decimals: u8) -> f64 {
    v / 10f64.powi(decimals as i32)
}

/// Panel 1: the price, with the states that restrict trading shaded.
fn draw_price<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    s: &[SeriesPoint],
    x: &Hours,
) -> Result<()> {
    let price = |p: &SeriesPoint| p.price as f64 / 1e9;
    let replayed = |p: &SeriesPoint| p.replayed as f64 / 1e9;
    let (lo, hi) = s.iter().fold((f64::MAX, 0f64), |(lo, hi), p| {
        let (a, b) = (price(p), replayed(p));
        (lo.min(a).min(b), hi.max(a).max(b))
    });
    let mut c = ChartBuilder::on(area)
        .caption(
            "stored price (blue; shaded: not Active), replayed path (grey: the gap is the venue's own impact)",
            ("sans-serif", 16),
        )
        .margin(8)
        .x_label_area_size(24)
        .y_label_area_size(70)
        .build_cartesian_2d(0f64..x.x1, (lo * 0.95).max(0.0)..hi * 1.05)
        .map_err(err)?;
    c.configure_mesh().x_desc("hours").draw().map_err(err)?;
    let shaded = s
        .windows(2)
        .filter(|w| MarketState::from_u8(w[0].state) != MarketState::Active);
    c.draw_series(shaded.map(|w| {
        Rectangle::new(
            [
                (x.at(w[0].ts), (lo * 0.95).max(0.0)),
                (x.at(w[1].ts), hi * 1.05),
            ],
            RGBColor(255, 190, 150).mix(0.6).filled(),
        )
    }))
    .map_err(err)?;
    c.draw_series(LineSeries::new(
        s.iter().map(|p| (x.at(p.ts), replayed(p))),
        &RGBColor(150, 150, 150),
    ))
    .map_err(err)?;
    c.draw_series(LineSeries::new(
        s.iter().map(|p| (x.at(p.ts), price(p))),
        &BLUE,
    ))
    .map_err(err)?;
    Ok(())
}

/// Panel 2: the insurance fund and the pool's capital (log scale).
fn draw_funds<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    s: &[SeriesPoint],
    x: &Hours,
    decimals: u8,
) -> Result<()> {
    let top = s
        .iter()
        .map(|p| usd(p.insurance as f64, decimals).max(usd(p.pool_capital as f64, decimals)))
        .fold(1.0, f64::max);
    let mut c = ChartBuilder::on(area)
        .caption(
            "insurance fund (red) and pool capital (green), USDC",
            ("sans-serif", 16),
        )
        .margin(8)
        .x_label_area_size(24)
        .y_label_area_size(70)
        .build_cartesian_2d(0f64..x.x1, (0f64..top * 1.05).log_scale())
        .map_err(err)?;
    c.configure_mesh().x_desc("hours").draw().map_err(err)?;
    c.draw_series(LineSeries::new(
        s.iter()
            .map(|p| (x.at(p.ts), usd(p.insurance as f64, decimals).max(1e-6))),
        &RED,
    ))
    .map_err(err)?;
    c.draw_series(LineSeries::new(
        s.iter()
            .map(|p| (x.at(p.ts), usd(p.pool_capital as f64, decimals).max(1e-6))),
        &GREEN,
    ))
    .map_err(err)?;
    Ok(())
}

/// Panel 3: cumulative bad debt.
fn draw_bad_debt<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    s: &[SeriesPoint],
    x: &Hours,
    decimals: u8,
) -> Result<()> {
    let top = s
        .iter()
        .map(|p| usd(p.bad_debt as f64, decimals))
        .fold(1.0, f64::max);
    let mut c = ChartBuilder::on(area)
        .caption("cumulative bad debt, USDC", ("sans-serif", 16))
        .margin(8)
        .x_label_area_size(24)
        .y_label_area_size(70)
        .build_cartesian_2d(0f64..x.x1, 0f64..top * 1.05)
        .map_err(err)?;
    c.configure_mesh().x_desc("hours").draw().map_err(err)?;
    c.draw_series(LineSeries::new(
        s.iter()
            .map(|p| (x.at(p.ts), usd(p.bad_debt as f64, decimals))),
        &BLACK,
    ))
    .map_err(err)?;
    Ok(())
}

/// Writes `DIR/chart_<mode>.svg` and `.png`: a market's three panels.
pub fn write(dir: &Path, mode: &str, series: &[SeriesPoint], decimals: u8) -> Result<()> {
    write_panels(dir, mode, series, decimals, true)
}

/// Writes `DIR/chart_<name>.svg` and `.png` for a pool: its insurance fund and capital, and
/// its markets' cumulative bad debt (`series` already summed over them).
pub fn write_pool(dir: &Path, name: &str, series: &[SeriesPoint], decimals: u8) -> Result<()> {
    write_panels(dir, name, series, decimals, false)
}

fn write_panels(
    dir: &Path,
    name: &str,
    series: &[SeriesPoint],
    decimals: u8,
    with_price: bool,
) -> Result<()> {
    plotters::style::register_font("sans-serif", FontStyle::Normal, FONT)
        .map_err(|_| anyhow!("chart: the embedded font does not load"))?;
    let title = format!("bulwark stress: {name}");
    let height = if with_price { 900 } else { 600 };
    let svg = dir.join(format!("chart_{name}.svg"));
    draw(
        SVGBackend::new(&svg, (1200, height)).into_drawing_area(),
        &title,
        series,
        decimals,
        with_price,
    )?;
    let png = dir.join(format!("chart_{name}.png"));
    draw(
        BitMapBackend::new(&png, (1200, height)).into_drawing_area(),
        &title,
        series,
        decimals,
        with_price,
    )?;
    Ok(())
}
