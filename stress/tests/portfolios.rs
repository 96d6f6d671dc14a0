//! Cross-market portfolios in the multi-market run (`bulwark_stress::portfolios`): judged on
//! the whole account, liquidated in their largest market, their losses kept in their pool,
//! and none left under water that the keeper could have reached.

use bulwark_engine::contagion::ContagionParams;
use bulwark_stress::multi::{run_multi_with_portfolios, MarketPath, MultiReport, PoolPlan};
use bulwark_stress::population::{generate, PopulationSpec};
use bulwark_stress::portfolios::{generate_portfolios, PortfolioSpec};
use bulwark_stress::sim::default_config;
use bulwark_stress::synthetic::{gap_crash, SYNTHETIC_START_TS as T0};

const P: u64 = 150 * bulwark_engine::num::PRICE_SCALE;

fn path(symbol: &str, gap_ppm: u32) -> MarketPath {
    MarketPath {
        symbol: symbol.into(),
        path: gap_crash(T0, P, 1_800, 300, gap_ppm),
    }
}

fn pool(name: &str, markets: &[usize]) -> PoolPlan {
    PoolPlan {
        name: name.into(),
        markets: markets.to_vec(),
        contagion: ContagionParams::OFF,
    }
}

/// Long `long` and short `short` for 8x in total on 1,000 USDC, half a leg.
fn basis(long: usize, short: usize) -> PortfolioSpec {
    let leg = 4_000_000_000 * bulwark_engine::num::BASE_SCALE as i64 / 150_000_000;
    PortfolioSpec {
        collateral: 1_000_000_000,
        leverage_x100: 800,
        legs: vec![(long, leg), (short, -leg)],
        hedged: true,
    }
}

fn run(markets: &[MarketPath], portfolios: &[PortfolioSpec], pools: &[PoolPlan]) -> MultiReport {
    run_with(markets, portfolios, pools, &default_config())
}

fn run_with(
    markets: &[MarketPath],
    portfolios: &[PortfolioSpec],
    pools: &[PoolPlan],
    cfg: &bulwark_stress::sim::SimConfig,
) -> MultiReport {
    let spec = PopulationSpec {
        count: 40,
        ..PopulationSpec::default()
    };
    let pops: Vec<_> = (0..markets.len())
        .map(|i| generate(i as u64 + 1, &spec, P, 6))
        .collect();
    run_multi_with_portfolios(markets, &pops, portfolios, cfg, pools, &[]).unwrap()
}

#[test]
fn a_hedged_portfolio_rides_out_a_move_that_liquidates_each_leg_held_alone() {
    // A and B both fall 25%: the long leg loses what the short leg gains.
    let markets = [path("A", 250_000), path("B", 250_000), path("C", 0)];
    let pools = [pool("ab", &[0, 1]), pool("c", &[2])];
    let hedged = run(&markets, &vec![basis(0, 1); 20], &pools);
    assert_eq!(hedged.portfolios.opened, 20, "{:?}", hedged.portfolios);
    assert_eq!(hedged.portfolios.refused_legs, 0, "{:?}", hedged.portfolios);
    assert_eq!(hedged.portfolios.liquidations, 0, "{:?}", hedged.portfolios);
    // The long leg alone, at the same 4x on its half of the collateral, is liquidated.
    let mut alone = basis(0, 1);
    alone.legs.truncate(1);
    alone.collateral /= 2;
    alone.hedged = false;
    let naked = run(&markets, &vec![alone; 20], &pools);
    assert!(
        naked.portfolios.liquidated_accounts > 0,
        "{:?}",
        naked.portfolios
    );
}

#[test]
fn a_crash_in_one_leg_liquidates_the_portfolio_on_its_whole_account_inside_its_pool() {
    // A gaps 40% down while B holds: the basis trade's long leg drags the account under.
    let markets = [path("A", 400_000), path("B", 0), path("C", 0)];
    let pools = [pool("ab", &[0, 1]), pool("c", &[2])];
    let r = run(&markets, &vec![basis(0, 1); 30], &pools);
    let p = r.portfolios;
    assert!(p.liquidated_accounts > 0 && p.liquidations > 0, "{p:?}");
    assert_eq!(
        p.left_liquidatable, 0,
        "the keeper reached every one: {p:?}"
    );
    for (name, pool) in &r.pools {
        assert_eq!(pool.crossed_loss, 0, "{name}: {pool:?}");
        assert_eq!(
            pool.bad_debt,
            pool.insurance_paid + pool.socialised_loss,
            "{name}"
        );
    }
    // Pool c's books moved only by its own market's trading.
    let c = &r.pools[1].1;
    assert_eq!((c.bad_debt, c.liquidations), (0, 0), "{c:?}");
}

#[test]
fn generated_portfolios_stay_in_one_pool_and_are_seeded() {
    let pools = vec![vec![0, 1, 2], vec![3], vec![4, 5]];
    let prices = [P; 6];
    let spec = PopulationSpec::default();
    let a = generate_portfolios(7, 200, &pools, &prices, &spec, 6);
    assert_eq!(a, generate_portfolios(7, 200, &pools, &prices, &spec, 6));
    assert_eq!(a.len(), 200);
    let pool_of = |m: usize| pools.iter().position(|p| p.contains(&m)).unwrap();
    for p in &a {
        assert!(p.legs.len() >= 2, "{p:?}");
        assert!(p
            .legs
            .iter()
            .all(|l| pool_of(l.0) == pool_of(p.legs[0].0) && l.0 != 3));
        if p.hedged {
            assert_eq!(p.legs[0].1, -p.legs[1].1, "equal and opposite at one price");
        }
    }
    assert!(a.iter().any(|p| p.hedged) && a.iter().any(|p| !p.hedged));
}

#[test]
fn a_portfolio_across_pools_is_refused() {
    let markets = [path("A", 0), path("B", 0)];
    let pools = [pool("a", &[0]), pool("b", &[1])];
    let spec = PopulationSpec {
        count: 5,
        ..PopulationSpec::default()
    };
    let pops = vec![generate(1, &spec, P, 6), generate(2, &spec, P, 6)];
    let e = run_multi_with_portfolios(
        &markets,
        &pops,
        &[basis(0, 1)],
        &default_config(),
        &pools,
        &[],
    );
    assert!(e.unwrap_err().contains("one pool"));
}

#[test]
fn the_legs_index_finds_what_a_full_scan_of_the_portfolios_finds() {
    // A storm in A and B moving apart, then A gaps down: generated portfolios of every kind.
    let storm = |seed, symbol: &str| {
        let mut p =
            bulwark_stress::synthetic::gbm_with_jumps(seed, T0, P, 2_400, 3_000, 20, 40_000);
        let last = p.last().unwrap().price;
        p.extend(gap_crash(T0 + 2_401, last, 1_200, 60, 250_000));
        MarketPath {
            symbol: symbol.into(),
            path: p,
        }
    };
    let markets =
        bulwark_stress::multi::align(&[storm(1, "A"), storm(2, "B"), path("C", 0)]).unwrap();
    let pools = [pool("abc", &[0, 1, 2])];
    let spec = PopulationSpec::default();
    let portfolios = generate_portfolios(3, 300, &[vec![0, 1, 2]], &[P; 3], &spec, 6);
    let indexed = run(&markets, &portfolios, &pools);
    let scanned = run_with(
        &markets,
        &portfolios,
        &pools,
        &bulwark_stress::sim::SimConfig {
            full_scan: true,
            ..default_config()
        },
    );
    assert!(
        indexed.portfolios.liquidations > 0,
        "{:?}",
        indexed.portfolios
    );
    assert_eq!(indexed.portfolios, scanned.portfolios);
    let mut scanned = scanned;
    for ((_, a), (_, b)) in indexed.markets.iter().zip(scanned.markets.iter_mut()) {
        b.examined = a.examined;
    }
    assert_eq!(indexed.markets, scanned.markets);
}

#[test]
fn portfolios_whose_owners_panic_close_before_the_keeper_has_to() {
    // A slides 30% over an hour while B holds: the basis trades' long legs bleed.
    let slide = MarketPath {
        symbol: "A".into(),
        path: (0..3_600)
            .map(|i| bulwark_stress::path::PricePoint {
                ts: T0 + i,
                price: P - P * 3 / 10 * i as u64 / 3_600,
            })
            .collect(),
    };
    let flat = |s: &str| MarketPath {
        symbol: s.into(),
        path: (0..3_600)
            .map(|i| bulwark_stress::path::PricePoint {
                ts: T0 + i,
                price: P,
            })
            .collect(),
    };
    let markets = [slide, flat("B"), flat("C")];
    let pools = [pool("ab", &[0, 1]), pool("c", &[2])];
    let book = vec![basis(0, 1); 30];
    let habits = |panic_ppm| bulwark_stress::traders::Habits {
        look_secs: 60,
        defend_ppm: 0,
        take_profit_ppm: 0,
        panic_ppm,
        dip_buy_ppm: 0,
        reopen_ppm: 0,
        withdraw_ppm: 0,
    };
    let with = |panic_ppm| bulwark_stress::sim::SimConfig {
        traders: Some(habits(panic_ppm)),
        ..default_config()
    };
    let held = run_with(&markets, &book, &pools, &with(0)).portfolios;
    let panicked = run_with(&markets, &book, &pools, &with(1_000_000)).portfolios;
    assert!(held.liquidations > 0 && held.panic_closes == 0, "{held:?}");
    assert!(panicked.panic_closes > 0, "{panicked:?}");
    assert!(
        panicked.liquidations < held.liquidations,
        "{panicked:?} vs {held:?}"
    );
}
