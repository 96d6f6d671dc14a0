//! The multi-market simulation's tests.

use super::*;
use crate::population::{generate, PopulationSpec};
use crate::sim::default_config;
use crate::synthetic::{gap_crash, SYNTHETIC_START_TS as T0};
use bulwark_engine::contagion::NO_LEADER;

const P: u64 = 150 * bulwark_engine::num::PRICE_SCALE;

fn population(seed: u64, n: usize) -> Vec<AccountSpec> {
    let spec = PopulationSpec {
        count: n,
        ..PopulationSpec::default()
    };
    generate(seed, &spec.directional_only(), P, 6)
}

/// LUNA gaps 70% down at 300 s; SOL stays calm (a 0% gap).
fn two_markets() -> Vec<MarketPath> {
    vec![
        MarketPath {
            symbol: "LUNA".into(),
            path: gap_crash(T0, P, 1_800, 300, 700_000),
        },
        MarketPath {
            symbol: "SOL".into(),
            path: gap_crash(T0, P, 1_800, 900, 0),
        },
    ]
}

fn pool(name: &str, markets: &[usize]) -> PoolPlan {
    PoolPlan {
        name: name.into(),
        markets: markets.to_vec(),
        contagion: ContagionParams::OFF,
    }
}

fn populations() -> Vec<Vec<AccountSpec>> {
    vec![population(3, 60), population(4, 60)]
}

#[test]
fn paths_are_put_on_one_clock_holding_the_last_price_through_gaps() {
    let pt = |ts, price| PricePoint { ts, price };
    let a = MarketPath {
        symbol: "A".into(),
        path: vec![pt(10, 1), pt(12, 3)],
    };
    let b = MarketPath {
        symbol: "B".into(),
        path: vec![pt(11, 7), pt(13, 9)],
    };
    let out = align(&[a, b]).unwrap();
    let prices = |m: &MarketPath| m.path.iter().map(|p| p.price).collect::<Vec<_>>();
    assert_eq!(prices(&out[0]), [1, 1, 3, 3]);
    assert_eq!(
        prices(&out[1]),
        [7, 7, 7, 9],
        "before its start: its first price"
    );
    assert!(out.iter().all(|m| m.path.iter().map(|p| p.ts).eq(10..=13)));
}

#[test]
fn a_collapse_in_one_pool_leaves_the_other_exactly_as_if_it_ran_alone() {
    let markets = two_markets();
    let cfg = default_config();
    let split = run_multi(
        &markets,
        &populations(),
        &cfg,
        &[pool("tail", &[0]), pool("blue", &[1])],
        &[],
    )
    .unwrap();
    let (_, tail) = &split.pools[0];
    assert!(tail.bad_debt > 0 && tail.socialised_loss + tail.insurance_paid == tail.bad_debt);
    let alone = run_multi(
        &markets[1..],
        &populations()[1..],
        &cfg,
        &[pool("blue", &[0])],
        &[],
    )
    .unwrap();
    // The keeper's capacity is shared between markets: give the lone run the same part.
    let mut half = cfg.clone();
    half.keeper.capacity /= 2;
    let alone_half = run_multi(
        &markets[1..],
        &populations()[1..],
        &half,
        &[pool("blue", &[0])],
        &[],
    )
    .unwrap();
    assert_eq!(
        split.markets[1].1, alone_half.markets[0].1,
        "the calm market, to the unit"
    );
    assert_eq!(
        split.pools[1].1, alone_half.pools[0].1,
        "its pool, to the unit"
    );
    assert_eq!(alone.pools[0].1.bad_debt, 0);
    assert!(split.pools.iter().all(|(_, p)| p.crossed_loss == 0));
}

#[test]
fn one_shared_pool_spreads_the_collapse_over_every_market_it_backs() {
    let markets = two_markets();
    let shared = run_multi(
        &markets,
        &populations(),
        &default_config(),
        &[pool("all", &[0, 1])],
        &[],
    )
    .unwrap();
    let (_, p) = &shared.pools[0];
    assert_eq!(p.markets, ["LUNA", "SOL"]);
    assert!(p.socialised_loss > 0 && p.crossed_loss == 0, "{p:?}");
    // Split, the calm market's pool socialises nothing.
    let split = [pool("tail", &[0]), pool("blue", &[1])];
    let apart = run_multi(&markets, &populations(), &default_config(), &split, &[]).unwrap();
    assert_eq!(apart.pools[1].1.socialised_loss, 0);
}

#[test]
fn a_leaders_crash_raises_its_followers_margin_before_they_move() {
    // SOL gaps 30% at 300 s; LUNA is calm throughout. With SOL leading the long-tail pool
    // LUNA's maintenance target carries the step by the end of the run.
    let markets = vec![
        MarketPath {
            symbol: "SOL".into(),
            path: gap_crash(T0, P, 900, 300, 300_000),
        },
        MarketPath {
            symbol: "LUNA".into(),
            path: gap_crash(T0, P, 900, 600, 0),
        },
    ];
    let mut led = pool("tail", &[1]);
    led.contagion = ContagionParams {
        leaders: [0, NO_LEADER, NO_LEADER, NO_LEADER],
        step_ppm: 30_000,
        spread_ppm: 1_000,
        sigma_trigger_ppm: 0,
        calm_secs: 3_600,
    };
    let plain = [pool("blue", &[0]), pool("tail", &[1])];
    let cfg = default_config();
    let off = run_multi(&markets, &populations(), &cfg, &plain, &[]).unwrap();
    let on = run_multi(
        &markets,
        &populations(),
        &cfg,
        &[pool("blue", &[0]), led],
        &[],
    )
    .unwrap();
    assert_eq!(off.pools[1].1.stress_signals, 0);
    assert_eq!(
        on.pools[1].1.stress_signals, 1,
        "switched on once, not off within the hour"
    );
    // The follower's books are its own: its liquidations can only have grown with margin.
    assert!(on.markets[1].1.liquidations >= off.markets[1].1.liquidations);
}

#[test]
fn the_venues_own_liquidations_push_its_price_further_with_impact() {
    // A 12% gap: without impact a few accounts go; with a thin market their selling pushes the
    // price further and more follow.
    let markets = vec![MarketPath {
        symbol: "LUNA".into(),
        path: gap_crash(T0, P, 1_200, 300, 120_000),
    }];
    let populations = vec![population(5, 80)];
    let plan = [pool("tail", &[0])];
    let cfg = default_config();
    let notional: u128 = populations[0].iter().map(AccountSpec::notional).sum();
    let thin = ImpactModel {
        depth: (notional / 2) as u64,
        half_life_secs: 600,
    };
    let calm = run_multi(&markets, &populations, &cfg, &plan, &[]).unwrap();
    let pushed = run_multi(&markets, &populations, &cfg, &plan, &[thin]).unwrap();
    let (a, b) = (&calm.markets[0].1, &pushed.markets[0].1);
    assert_eq!(calm.impact[0].1, Impact::default());
    assert!(pushed.impact[0].1.low_ppm < 0, "{:?}", pushed.impact);
    assert!(
        b.liquidations > a.liquidations,
        "{} vs {}",
        b.liquidations,
        a.liquidations
    );
}

/// A 25% gap up with ADL's trigger at 2% of the pool, 120 longs: the longs' (net) profit
/// passes it and nobody is liquidated.
fn adl_scene() -> (Vec<MarketPath>, Vec<Vec<AccountSpec>>, SimConfig) {
    let up = (0..=600)
        .map(|i| PricePoint {
            ts: T0 + i,
            price: if i < 120 { P } else { P / 4 * 5 },
        })
        .collect();
    let markets = vec![MarketPath {
        symbol: "SOL".into(),
        path: up,
    }];
    let longs = PopulationSpec {
        count: 120,
        long_ppm: 1_000_000,
        ..PopulationSpec::default()
    }
    .directional_only();
    let populations = vec![generate(6, &longs, P, 6)];
    let mut cfg = default_config();
    cfg.market.params.adl.adl_trigger_ppm = 20_000;
    cfg.market.params.adl.adl_floor_ppm = 10_000;
    (markets, populations, cfg)
}

#[test]
fn deleveraging_a_long_sells_and_moves_the_price_with_impact() {
    let (markets, populations, cfg) = adl_scene();
    let thin = ImpactModel {
        depth: 10_000_000_000_000,
        half_life_secs: 600,
    };
    let r = run_multi(&markets, &populations, &cfg, &[pool("p", &[0])], &[thin]).unwrap();
    let m = &r.markets[0].1;
    assert!(m.adl_events > 0 && m.liquidations == 0, "{m:?}");
    assert!(m.adl_notional > 0 && r.pools[0].1.adl_notional == m.adl_notional);
    assert!(r.impact[0].1.low_ppm < 0, "the closes sold: {:?}", r.impact);
}

#[test]
fn on_the_same_adl_moments_leverage_draining_overshoots_least_and_spares_low_leverage() {
    let (markets, populations, cfg) = adl_scene();
    let r = run_multi(&markets, &populations, &cfg, &[pool("p", &[0])], &[]).unwrap();
    let by = |name: &str| {
        r.adl
            .policies
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap()
            .1
            .clone()
    };
    let (today, hl, pro, drain) = (
        by("score_queue"),
        by("profit_leverage_queue"),
        by("pro_rata"),
        by("leverage_draining"),
    );
    assert!(drain.moments > 0, "{r:?}");
    assert_eq!(
        drain.moments, today.moments,
        "every policy on the same moments"
    );
    assert!(drain.overshoot <= today.overshoot, "{drain:?} {today:?}");
    assert!(
        drain.overshoot <= drain.moments * 120,
        "a unit an account at most"
    );
    assert!(
        drain.low_leverage_closed <= pro.low_leverage_closed,
        "{drain:?} {pro:?}"
    );
    assert!(drain.max_share_ppm <= hl.max_share_ppm, "{drain:?} {hl:?}");
    assert_eq!(drain.sybil_failures, 0);
    // The README's figures (`cargo test -p bulwark-stress --lib on_the_same -- --nocapture`).
    for (name, t) in &r.adl.policies {
        println!("{name}: {t:?}");
    }
}

#[test]
fn the_dynamic_margin_locks_collateral_the_static_baseline_does_not() {
    let markets = two_markets();
    let plan = [pool("tail", &[0]), pool("blue", &[1])];
    let cfg = default_config();
    let on = run_multi(&markets, &populations(), &cfg, &plan, &[]).unwrap();
    let off = run_multi(
        &markets,
        &populations(),
        &crate::sim::baseline(&cfg),
        &plan,
        &[],
    )
    .unwrap();
    assert!(
        on.markets[0].1.margin_above_base_sum > 0,
        "the gap raised LUNA's margin"
    );
    assert!(off
        .markets
        .iter()
        .all(|(_, m)| m.margin_above_base_sum == 0));
}

#[test]
fn front_runners_trade_each_market_against_its_lagging_oracle() {
    use crate::front_run::FrontRunnerSpec;
    // Both markets slide 20% over five minutes while the oracles run 20 s behind (a gap of
    // over 1% between the stored price and the world's); the latency rule relaxed so the
    // front-runners can trade on it.
    let slide = |symbol: &str| MarketPath {
        symbol: symbol.into(),
        path: (0..1_800)
            .map(|s| PricePoint {
                ts: T0 + s,
                price: P - P / 5 * s.min(300) as u64 / 300,
            })
            .collect(),
    };
    let markets = vec![slide("A"), slide("B")];
    let mut cfg = default_config();
    cfg.oracles.faults = vec!["lagging,secs=20,at=0,for=1800".parse().unwrap()];
    cfg.market.params.ages.max_age_for_increase_secs = 120;
    cfg.market.params.trade.spread.latency_spread_k_ppm = 0;
    cfg.front_runners = Some(FrontRunnerSpec::default());
    let pops = vec![population(1, 30), population(2, 30)];
    let r = run_multi(&markets, &pops, &cfg, &[pool("p", &[0, 1])], &[]).unwrap();
    for (symbol, m) in &r.markets {
        assert!(m.front_runner_orders > 0, "{symbol}: {m:?}");
        assert!(m.front_runner_pnl > 0, "{symbol}: {}", m.front_runner_pnl);
        assert!(
            m.liquidated_accounts <= 30,
            "the population's own: {symbol}"
        );
    }
    assert_eq!(r.pools[0].1.crossed_loss, 0);
}
