//! What the oracles publish each second of a run. The market's three providers (Pyth,
//! Switchboard, Chainlink) quote the path's USD price; the collateral's two (Pyth, Chainlink)
//! quote its own path ($1 unless one is given, e.g. the USDC depeg day); faults are layered on
//! top. A quote becomes the observation the program's decoder makes of the same account
//! (`bulwark_sdk::quote`), so the simulation and the bank see the same readings.

use std::str::FromStr;

use bulwark::oracle::OracleKind;
use bulwark_engine::oracle::{Observation, ReadingFault};
use bulwark_sdk::quote::quote_observation;

use crate::path::PricePoint;

/// The market's sources, in configured order.
pub const ASSET_KINDS: [OracleKind; 3] = [
    OracleKind::PythPull,
    OracleKind::SwitchboardOnDemand,
    OracleKind::Chainlink,
];
/// The collateral's sources, in configured order.
pub const COLLATERAL_KINDS: [OracleKind; 2] = [OracleKind::PythPull, OracleKind::Chainlink];

/// A fault on the oracles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// One market source stops publishing (its account keeps the last quote).
    Stale { source: usize },
    /// One market source quotes the true price times `factor_ppm` / 1,000,000.
    Manipulated { source: usize, factor_ppm: u64 },
    /// The first market source drifts up and the last down, linearly, to ±`spread_ppm` at the
    /// window's end.
    Diverging { spread_ppm: u64 },
    /// Every source, market and collateral, stops publishing.
    Dark,
    /// Every market source publishes the price of `secs` seconds ago, dated then (a slow
    /// oracle network: fresh-looking updates of stale prices).
    Lagging { secs: i64 },
}

/// A fault during a window of the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fault {
    pub kind: FaultKind,
    /// Seconds from the path's first point.
    pub start_secs: i64,
    pub duration_secs: i64,
}

impl Fault {
    fn active(&self, offset: i64) -> bool {
        offset >= self.start_secs && offset < self.start_secs.saturating_add(self.duration_secs)
    }
}

/// Parses `KIND,key=value,...`: `stale,source=S`, `manipulated,source=S,factor=F`,
/// `diverging,spread=F`, `dark`, `lagging,secs=N`, each with `at=SECONDS` (from the path's start) and
/// `for=SECONDS`. Sources are 0 (Pyth), 1 (Switchboard), 2 (Chainlink); factors are decimals
/// (1.5 = +50%). Errors name the field.
impl FromStr for Fault {
    type Err = String;

    fn from_str(s: &str) -> Result<Fault, String> {
        let mut parts = s.split(',');
        let kind = parts.next().unwrap_or_default().trim();
        let mut fields = std::collections::BTreeMap::new();
        for p in parts {
            let (k, v) = p
                .split_once('=')
                .ok_or_else(|| format!("{p:?}: expected key=value"))?;
            fields.insert(k.trim().to_string(), v.trim().to_string());
        }
        let mut take = |key: &str| fields.remove(key);
        let secs = |v: Option<String>, key: &str| -> Result<i64, String> {
            let v = v.ok_or_else(|| format!("{kind}: {key}= is required"))?;
            v.parse::<i64>()
                .ok()
                .filter(|x| *x >= 0)
                .ok_or_else(|| format!("{kind}: {key}={v:?} is not a whole number of seconds"))
        };
        let source = |v: Option<String>| -> Result<usize, String> {
            let v = v.ok_or_else(|| format!("{kind}: source= is required"))?;
            v.parse::<usize>()
                .ok()
                .filter(|x| *x < ASSET_KINDS.len())
                .ok_or_else(|| format!("{kind}: source={v:?} is not 0, 1 or 2"))
        };
        let ppm = |v: Option<String>, key: &str| -> Result<u64, String> {
            let v = v.ok_or_else(|| format!("{kind}: {key}= is required"))?;
            decimal_ppm(&v).ok_or_else(|| format!("{kind}: {key}={v:?} is not a decimal"))
        };
        let start_secs = secs(take("at"), "at")?;
        let duration_secs = secs(take("for"), "for")?;
        let kind = match kind {
            "stale" => FaultKind::Stale {
                source: source(take("source"))?,
            },
            "manipulated" => FaultKind::Manipulated {
                source: source(take("source"))?,
                factor_ppm: ppm(take("factor"), "factor")?,
            },
            "diverging" => FaultKind::Diverging {
                spread_ppm: ppm(take("spread"), "spread")?,
            },
            "dark" => FaultKind::Dark,
            "lagging" => FaultKind::Lagging {
                secs: secs(take("secs"), "secs")?,
            },
            other => {
                return Err(format!(
                    "{other:?}: not stale, manipulated, diverging, dark or lagging"
                ))
            }
        };
        if let Some(k) = fields.keys().next() {
            return Err(format!("{k:?}: unknown key"));
        }
        Ok(Fault {
            kind,
            start_secs,
            duration_secs,
        })
    }
}

/// "1.5" → 1,500,000 (six decimals at most).
fn decimal_ppm(v: &str) -> Option<u64> {
    let (int, frac) = v.split_once('.').unwrap_or((v, ""));
    if frac.len() > 6 || (int.is_empty() && frac.is_empty()) {
        return None;
    }
    let int: u64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let frac_ppm: u64 = if frac.is_empty() {
        0
    } else {
        frac.parse::<u64>().ok()? * 10u64.pow(6 - frac.len() as u32)
    };
    int.checked_mul(1_000_000)?.checked_add(frac_ppm)
}

/// The oracles of a run: faults and the collateral's USD path (1e-9; `None` = $1 throughout).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OracleScenario {
    pub faults: Vec<Fault>,
    pub collateral_usd: Option<Vec<PricePoint>>,
}

/// What one feed's account holds: a USD price at 1e-8, its publish time and slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quote {
    pub price_e8: i64,
    pub publish_time: i64,
    pub slot: u64,
}

/// The five feeds through a run (market sources first, then the collateral's).
#[derive(Clone, Debug)]
pub struct Feeds {
    scenario: OracleScenario,
    t0: i64,
    last: [Option<Quote>; 5],
    collateral_cursor: usize,
    /// Recent (time, price, slot) of the market, for lagging sources.
    history: std::collections::VecDeque<(i64, u64, u64)>,
    max_lag: i64,
}

/// Observations of the market's and the collateral's sources, in configured order.
pub type Observations = (
    [Result<Observation, ReadingFault>; 3],
    [Result<Observation, ReadingFault>; 2],
);

impl Feeds {
    /// Feeds for a path starting at `t0`.
    pub fn new(scenario: &OracleScenario, t0: i64) -> Feeds {
        Feeds {
            scenario: scenario.clone(),
            t0,
            last: [None; 5],
            collateral_cursor: 0,
            history: Default::default(),
            max_lag: scenario
                .faults
                .iter()
                .filter_map(|f| match f.kind {
                    FaultKind::Lagging { secs } => Some(secs),
                    _ => None,
                })
                .max()
                .unwrap_or(0),
        }
    }

    fn collateral_price(&mut self, t: i64) -> u64 {
        let Some(path) = &self.scenario.collateral_usd else {
            return bulwark_engine::num::PRICE_SCALE;
        };
        while self.collateral_cursor + 1 < path.len() && path[self.collateral_cursor + 1].ts <= t {
            self.collateral_cursor += 1;
        }
        path.get(self.collateral_cursor)
            .map_or(bulwark_engine::num::PRICE_SCALE, |p| p.price)
    }

    /// What each feed's account holds at `t` (slot `slot`) when the market trades at
    /// `price_usd` (1e-9): a fresh quote, or the last one where a fault silences the feed.
    pub fn quotes(&mut self, t: i64, slot: u64, price_usd: u64) -> [Quote; 5] {
        let offset = t - self.t0;
        let collateral = e8(self.collateral_price(t));
        self.remember(t, price_usd, slot);
        let mut dated: [(i64, u64); 3] = [(t, slot); 3];
        let mut fresh: [Option<i64>; 5] = [
            Some(e8(price_usd)),
            Some(e8(price_usd)),
            Some(e8(price_usd)),
            Some(collateral),
            Some(collateral),
        ];
        // A feed holds its first true quote from the start (a real account always holds
        // something), whatever fault silences it from the first second.
        for (last, fresh) in self.last.iter_mut().zip(fresh) {
            if last.is_none() {
                *last = fresh.map(|price_e8| Quote {
                    price_e8,
                    publish_time: t,
                    slot,
                });
            }
        }
        let active: Vec<Fault> = self
            .scenario
            .faults
            .iter()
            .filter(|f| f.active(offset))
            .copied()
            .collect();
        // A lagging network sets what the market sources quote first; the other faults then
        // act on that, whatever order they were listed in.
        for f in &active {
            if let FaultKind::Lagging { secs } = f.kind {
                let then = self.lagged(t, secs, price_usd, slot);
                for (q, d) in fresh.iter_mut().zip(dated.iter_mut()) {
                    *q = Some(e8(then.1));
                    *d = (then.0, then.2);
                }
            }
        }
        for f in &active {
            apply_fault(f, offset, &mut fresh);
        }
        for (k, (last, fresh)) in self.last.iter_mut().zip(fresh).enumerate() {
            let (publish_time, slot) = dated.get(k).copied().unwrap_or((t, slot));
            if let Some(price_e8) = fresh {
                *last = Some(Quote {
                    price_e8,
                    publish_time,
                    slot,
                });
            }
        }
        self.last
            .map(|q| q.expect("every feed holds a quote from the first second"))
    }

    /// Keeps the market's point at `t` in the history, forgetting what no lagging source can
    /// still quote.
    fn remember(&mut self, t: i64, price_usd: u64, slot: u64) {
        self.history.push_back((t, price_usd, slot));
        while self
            .history
            .front()
            .is_some_and(|(ts, _, _)| *ts < t - self.max_lag)
        {
            self.history.pop_front();
        }
    }

    /// The (time, price, slot) a source lagging `secs` behind quotes at `t`: the newest point
    /// at least `secs` old (the oldest kept, early on).
    fn lagged(&self, t: i64, secs: i64, price_usd: u64, slot: u64) -> (i64, u64, u64) {
        self.history
            .iter()
            .rev()
            .find(|(ts, _, _)| *ts <= t - secs)
            .or(self.history.front())
            .copied()
            .unwrap_or((t, price_usd, slot))
    }

    /// The observations the program makes of `quotes`.
    pub fn observations(quotes: &[Quote; 5]) -> Observations {
        let obs = |kind, q: &Quote| Ok(quote_observation(kind, q.price_e8, q.publish_time, q.slot));
        (
            std::array::from_fn(|i| obs(ASSET_KINDS[i], &quotes[i])),
            std::array::from_fn(|i| obs(COLLATERAL_KINDS[i], &quotes[3 + i])),
        )
    }
}

fn scale_ppm(p: i64, ppm: u64) -> i64 {
    ((p as i128 * ppm as i128) / 1_000_000).clamp(1, i64::MAX as i128) as i64
}

/// A price at 1e-9 as a feed's 1e-8 mantissa (at least 1).
fn e8(p: u64) -> i64 {
    (p / 10).clamp(1, i64::MAX as u64) as i64
}

/// What fault `f` (active, `offset` seconds into the path) does to the fresh quotes: a stale
/// source or a dark network publishes nothing, a manipulated source is scaled, diverging
/// sources drift apart over the fault's span; lagging is applied before (see `quotes`).
fn apply_fault(f: &Fault, offset: i64, fresh: &mut [Option<i64>; 5]) {
    match f.kind {
        FaultKind::Stale { source } => fresh[source] = None,
        FaultKind::Dark => *fresh = [None; 5],
        FaultKind::Manipulated { source, factor_ppm } => {
            fresh[source] = fresh[source].map(|p| scale_ppm(p, factor_ppm));
        }
        FaultKind::Lagging { .. } => {}
        FaultKind::Diverging { spread_ppm } => {
            let into = (offset - f.start_secs + 1) as u128;
            let drift = (spread_ppm as u128 * into / f.duration_secs.max(1) as u128) as u64;
            fresh[0] = fresh[0].map(|p| scale_ppm(p, 1_000_000 + drift));
            fresh[2] = fresh[2].map(|p| scale_ppm(p, 1_000_000u64.saturating_sub(drift)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_parse_with_their_fields_and_name_what_is_wrong() {
        assert_eq!(
            "manipulated,source=1,factor=1.5,at=60,for=120".parse::<Fault>(),
            Ok(Fault {
                kind: FaultKind::Manipulated {
                    source: 1,
                    factor_ppm: 1_500_000
                },
                start_secs: 60,
                duration_secs: 120
            })
        );
        assert_eq!(
            "dark,at=0,for=5".parse::<Fault>().unwrap().kind,
            FaultKind::Dark
        );
        let err = |s: &str| s.parse::<Fault>().unwrap_err();
        assert!(err("stale,source=3,at=0,for=1").contains("source=\"3\""));
        assert!(err("stale,at=0,for=1").contains("source= is required"));
        assert!(err("dark,at=0").contains("for= is required"));
        assert!(err("dark,at=0,for=1,colour=red").contains("\"colour\": unknown key"));
        assert!(err("eclipse,at=0,for=1").contains("\"eclipse\""));
        assert!(err("diverging,spread=lots,at=0,for=1").contains("spread=\"lots\""));
    }

    #[test]
    fn a_stale_source_keeps_its_last_quote_while_the_others_move() {
        let scenario = OracleScenario {
            faults: vec!["stale,source=1,at=10,for=20".parse().unwrap()],
            collateral_usd: None,
        };
        let mut f = Feeds::new(&scenario, 1_000);
        let before = f.quotes(1_009, 23, 100_000_000_000);
        let during = f.quotes(1_015, 38, 90_000_000_000);
        assert_eq!(during[1], before[1]);
        assert_eq!(during[0].price_e8, 9_000_000_000);
        assert_eq!(during[3].price_e8, 100_000_000);
        let after = f.quotes(1_030, 76, 80_000_000_000);
        assert_eq!(after[1].publish_time, 1_030);
    }

    #[test]
    fn the_collateral_follows_its_own_path_and_faults_shape_the_market_sources() {
        let scenario = OracleScenario {
            faults: vec![
                "manipulated,source=0,factor=2,at=0,for=10".parse().unwrap(),
                "diverging,spread=0.1,at=10,for=10".parse().unwrap(),
                "dark,at=30,for=10".parse().unwrap(),
            ],
            collateral_usd: Some(vec![
                PricePoint {
                    ts: 0,
                    price: 1_000_000_000,
                },
                PricePoint {
                    ts: 5,
                    price: 874_000_000,
                },
            ]),
        };
        let mut f = Feeds::new(&scenario, 0);
        let q = f.quotes(6, 16, 10_000_000_000);
        assert_eq!(
            (q[0].price_e8, q[1].price_e8),
            (2_000_000_000, 1_000_000_000)
        );
        assert_eq!((q[3].price_e8, q[4].price_e8), (87_400_000, 87_400_000));
        let q = f.quotes(19, 48, 10_000_000_000);
        assert_eq!((q[0].price_e8, q[2].price_e8), (1_100_000_000, 900_000_000));
        let lit = f.quotes(29, 73, 10_000_000_000);
        let dark = f.quotes(35, 88, 5_000_000_000);
        assert_eq!(dark, lit);
    }

    #[test]
    fn lagging_sources_quote_the_price_of_secs_ago_dated_then() {
        let scenario = OracleScenario {
            faults: vec!["lagging,secs=5,at=10,for=100".parse().unwrap()],
            collateral_usd: None,
        };
        let mut f = Feeds::new(&scenario, 0);
        let mut last = [f.quotes(0, 1, 1_000_000_000); 1];
        for t in 1..=20 {
            last[0] = f.quotes(t, 1 + t as u64, 1_000_000_000 + t as u64 * 10);
        }
        // At 20 the market sources show the price of 15, dated 15; the collateral is current.
        assert_eq!(last[0][0].price_e8, 100_000_015);
        assert_eq!((last[0][2].publish_time, last[0][2].slot), (15, 16));
        assert_eq!(last[0][3].publish_time, 20);
    }

    #[test]
    fn a_feed_silent_from_the_start_holds_its_own_first_quote_and_faults_compose_in_any_order() {
        let collateral = vec![PricePoint {
            ts: 0,
            price: 990_000_000,
        }];
        let dark = OracleScenario {
            faults: vec!["dark,at=0,for=100".parse().unwrap()],
            collateral_usd: Some(collateral),
        };
        let mut f = Feeds::new(&dark, 0);
        let first = f.quotes(0, 1, 150_000_000_000);
        let later = f.quotes(50, 126, 100_000_000_000);
        assert_eq!(later, first, "dark from the start: the first quotes stand");
        assert_eq!(
            (first[0].price_e8, first[3].price_e8),
            (15_000_000_000, 99_000_000)
        );
        let quotes = |faults: &[&str]| {
            let s = OracleScenario {
                faults: faults.iter().map(|f| f.parse().unwrap()).collect(),
                collateral_usd: None,
            };
            let mut f = Feeds::new(&s, 0);
            (0..30)
                .map(|t| f.quotes(t, 1 + t as u64, 1_000_000_000 + t as u64 * 10))
                .last()
        };
        let a = [
            "lagging,secs=5,at=10,for=100",
            "stale,source=1,at=20,for=100",
        ];
        let b = [a[1], a[0]];
        assert_eq!(quotes(&a), quotes(&b));
    }
}
