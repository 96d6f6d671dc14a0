//! One-second price paths from one-minute OHLC bars. A bar is walked open → first extreme →
//! second extreme → close (down bars visit the high first, up bars the low first), each leg a
//! third of the bar, so a crash bar's low is really visited.

use bulwark_engine::num::PRICE_SCALE;
use bulwark_sdk::fixtures::Bar;

/// A price at a time: unix seconds, price at 1e-9 (the engine's precision).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PricePoint {
    pub ts: i64,
    pub price: u64,
}

/// 1e-8 mantissas (the price files) to the engine's 1e-9.
fn e8_to_e9(v: i64) -> u64 {
    (v.max(0) as u64).saturating_mul(PRICE_SCALE / 100_000_000)
}

/// The four anchors of a bar: open, the first extreme, the second extreme, close.
pub fn anchors(bar: &Bar) -> [u64; 4] {
    let (first, second) = if bar.close >= bar.open {
        (bar.low, bar.high)
    } else {
        (bar.high, bar.low)
    };
    [bar.open, first, second, bar.close].map(e8_to_e9)
}

/// Linear between `a` (at 0) and `b` (at `span`), at `t`, rounded down.
fn lerp(a: u64, b: u64, t: i64, span: i64) -> u64 {
    let (a, b, t, span) = (a as i128, b as i128, t as i128, span as i128);
    (a + (b - a) * t / span) as u64
}

/// The bars as one point a second, from the first bar's open time to the last bar's end
/// (`bar_secs` after its open). Consecutive bars must be `bar_secs` apart (the shared files
/// are, with gaps filled flat); a longer gap is held at the previous close.
pub fn one_second_path(bars: &[Bar], bar_secs: i64) -> Vec<PricePoint> {
    let leg = bar_secs / 3;
    let mut out = Vec::with_capacity(bars.len() * bar_secs as usize + 1);
    for (i, bar) in bars.iter().enumerate() {
        let a = anchors(bar);
        let next_ts = bars
            .get(i + 1)
            .map(|b| b.unix_ts)
            .unwrap_or(bar.unix_ts + bar_secs);
        for s in 0..(next_ts - bar.unix_ts) {
            let price = if s >= bar_secs {
                a[3]
            } else {
                let k = ((s / leg) as usize).min(2);
                let start = k as i64 * leg;
                let span = if k == 2 { bar_secs - start } else { leg };
                lerp(a[k], a[k + 1], s - start, span)
            };
            out.push(PricePoint {
                ts: bar.unix_ts + s,
                price: price.max(1),
            });
        }
    }
    if let Some(last) = bars.last() {
        out.push(PricePoint {
            ts: last.unix_ts + bar_secs,
            price: anchors(last)[3].max(1),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(ts: i64, o: i64, h: i64, l: i64, c: i64) -> Bar {
        let e8 = 100_000_000;
        Bar {
            unix_ts: ts,
            open: o * e8,
            high: h * e8,
            low: l * e8,
            close: c * e8,
        }
    }

    #[test]
    fn a_crash_bar_visits_its_low_and_an_up_bar_its_low_first() {
        let bars = [bar(0, 100, 101, 60, 90), bar(60, 90, 120, 89, 118)];
        let p = one_second_path(&bars, 60);
        assert_eq!(p.len(), 121);
        assert!(p.windows(2).all(|w| w[1].ts == w[0].ts + 1));
        let at = |t: usize| p[t].price / PRICE_SCALE;
        // Down bar: open 100 → high 101 at 20 s → low 60 at 40 s → close 90 at 60 s.
        assert_eq!((at(0), at(20), at(40), at(60)), (100, 101, 60, 90));
        // Up bar: low 89 first at 80 s, then high 120 at 100 s, close 118 at the end.
        assert_eq!((at(80), at(100), at(120)), (89, 120, 118));
        let min = p.iter().map(|x| x.price).min().unwrap();
        assert_eq!(min, 60 * PRICE_SCALE);
    }

    #[test]
    fn every_shared_crash_file_becomes_a_path_through_its_extremes() {
        let Some(bars) =
            bulwark_sdk::fixtures::read_price_path("luna_2022-05_LUNAUSDT_binance.csv")
        else {
            return;
        };
        let p = one_second_path(&bars, 60);
        assert_eq!(p.len(), bars.len() * 60 + 1);
        let low = bars.iter().map(|b| b.low).min().unwrap();
        assert_eq!(p.iter().map(|x| x.price).min().unwrap(), e8_to_e9(low));
    }
}
