//! Traders who act during the run (`bulwark_stress::traders`): seeded, through the program's
//! own operations, and they change the outcome the way their habits say.

use bulwark_stress::population::{generate, AccountSpec, PopulationSpec};
use bulwark_stress::sim::{default_config, run, SimConfig, SimReport};
use bulwark_stress::synthetic::{gap_crash, gbm_with_jumps, SYNTHETIC_START_TS as T0};
use bulwark_stress::traders::Habits;

const P: u64 = 150 * bulwark_engine::num::PRICE_SCALE;

/// No habit at all, looks every `look_secs`.
fn none(look_secs: u32) -> Habits {
    Habits {
        look_secs,
        defend_ppm: 0,
        take_profit_ppm: 0,
        panic_ppm: 0,
        dip_buy_ppm: 0,
        reopen_ppm: 0,
        withdraw_ppm: 0,
    }
}

fn acting(h: Habits) -> SimConfig {
    SimConfig {
        traders: Some(h),
        ..default_config()
    }
}

fn population(n: usize, long_ppm: u32) -> Vec<AccountSpec> {
    let spec = PopulationSpec {
        count: n,
        long_ppm,
        ..PopulationSpec::default()
    };
    generate(11, &spec, P, 6)
}

/// A choppy hour, then a 20% gap down held for 20 minutes.
fn storm_then_crash() -> Vec<bulwark_stress::path::PricePoint> {
    let mut path = gbm_with_jumps(3, T0, P, 3_600, 3_000, 20, 40_000);
    let last = path.last().unwrap().price;
    path.extend(gap_crash(T0 + 3_601, last, 1_200, 60, 200_000));
    path
}

#[test]
fn acting_traders_are_seeded_and_every_habit_shows() {
    let path = storm_then_crash();
    let pop = population(400, 550_000);
    let cfg = acting(Habits {
        look_secs: 300,
        ..Habits::default()
    });
    let a = run(&path, &pop, &cfg).unwrap();
    assert_eq!(
        a,
        run(&path, &pop, &cfg).unwrap(),
        "the same seed, the same run"
    );
    let t = a.traders;
    assert!(t.looks > 400 * 10, "{t:?}");
    for (habit, n) in [
        ("take profit", t.take_profits),
        ("panic", t.panic_closes),
        ("dip buys", t.dip_buys),
        ("reopen", t.reopens),
        ("withdraw", t.withdrawals),
        ("defend", t.defences),
    ] {
        assert!(n > 0, "{habit}: {t:?}");
    }
    // Every loss still lands somewhere: the waterfall balances to the unit.
    assert_eq!(a.bad_debt, a.insurance_paid + a.socialised_loss, "{a:?}");
    let passive = run(&path, &pop, &default_config()).unwrap();
    assert_eq!(passive.traders, Default::default());
    assert_ne!(passive.liquidations, a.liquidations);
}

#[test]
fn defenders_who_add_margin_are_liquidated_less() {
    let path = gap_crash(T0, P, 1_200, 300, 120_000);
    let pop = population(300, 1_000_000);
    let run_with = |defend_ppm| -> SimReport {
        let h = Habits {
            defend_ppm,
            ..none(3_600)
        };
        run(&path, &pop, &acting(h)).unwrap()
    };
    let (held, defended) = (run_with(0), run_with(1_000_000));
    assert!(defended.traders.defences > 0, "{:?}", defended.traders);
    assert!(
        defended.liquidated_accounts < held.liquidated_accounts,
        "{} vs {}",
        defended.liquidated_accounts,
        held.liquidated_accounts
    );
}

#[test]
fn panic_sellers_close_before_the_keeper_has_to() {
    // A slow slide: 30% over an hour, so looks come before liquidation.
    let path = gap_crash(T0, P, 3_600, 60, 0)
        .into_iter()
        .enumerate()
        .map(|(i, p)| bulwark_stress::path::PricePoint {
            ts: p.ts,
            price: P - P * 3 / 10 * i as u64 / 3_600,
        })
        .collect::<Vec<_>>();
    let pop = population(300, 1_000_000);
    let panicky = Habits {
        panic_ppm: 1_000_000,
        ..none(60)
    };
    let (held, panicked) = (
        run(&path, &pop, &acting(none(60))).unwrap(),
        run(&path, &pop, &acting(panicky)).unwrap(),
    );
    assert!(panicked.traders.panic_closes > 0, "{:?}", panicked.traders);
    assert!(panicked.liquidations < held.liquidations, "{panicked:?}");
}
