//! The single-market simulation's tests.

use super::*;
use crate::population::{generate, PopulationSpec};
use crate::synthetic::{gap_crash, to_zero};

use crate::synthetic::SYNTHETIC_START_TS as T0;

const P: u64 = 150 * bulwark_engine::num::PRICE_SCALE;

fn population(n: usize) -> Vec<AccountSpec> {
    let spec = PopulationSpec {
        count: n,
        ..PopulationSpec::default()
    };
    generate(3, &spec, P, 6)
}

#[test]
fn a_liquidated_long_counts_as_needless_only_if_holding_would_have_ended_solvent() {
    let long = AccountSpec {
        collateral: 10_000_000,
        leverage_x100: 1_000,
        base: 1_000_000_000,
    };
    let unit = bulwark_engine::num::PRICE_SCALE;
    let (open, up, down) = (100 * unit, 105 * unit, 85 * unit);
    assert_eq!(solvent_if_held(&[long], &[true], (open, up), 6), 1);
    assert_eq!(solvent_if_held(&[long], &[true], (open, down), 6), 0);
    assert_eq!(
        solvent_if_held(&[long], &[false], (open, up), 6),
        0,
        "not liquidated"
    );
}

#[test]
fn a_calm_path_liquidates_nobody() {
    let path: Vec<_> = gap_crash(T0, P, 600, 601, 0);
    let r = run(&path, &population(50), &default_config()).unwrap();
    assert!(r.opened > 30, "{r:?}");
    assert_eq!(
        (r.liquidations, r.bankruptcies, r.bad_debt),
        (0, 0, 0),
        "{r:?}"
    );
}

#[test]
fn a_gap_crash_liquidates_the_leveraged_longs_and_balances_its_losses() {
    let path = gap_crash(T0, P, 1_200, 300, 200_000);
    let r = run(&path, &population(60), &default_config()).unwrap();
    assert!(r.liquidations > 0 && r.liquidated_accounts > 0, "{r:?}");
    // Every bankruptcy's deficit went to the insurance fund or the pool, to the unit.
    assert_eq!(r.bad_debt, r.insurance_paid + r.socialised_loss, "{r:?}");
    // Fees on opening; here the 20% gap leaves the liquidated under water, so penalties
    // are waived and the keeper's minimum rewards are advanced by the fund.
    assert!(r.fees_paid > 0 && r.keeper_rewards > 0, "{r:?}");
    assert_eq!(r.left_liquidatable, 0, "{r:?}");
    assert!(
        r.breaker_trips >= 1,
        "a 20% gap trips the velocity breaker: {r:?}"
    );
}

#[test]
fn a_shallow_gap_charges_penalties_the_keeper_shares() {
    // 7% down: the levered longs are liquidated in stages while their collateral lasts.
    let path = gap_crash(T0, P, 1_200, 300, 70_000);
    let r = run(&path, &population(200), &default_config()).unwrap();
    assert!(r.liquidations > 0, "{r:?}");
    assert!(
        r.penalties_paid > 0 && r.penalties_paid >= r.keeper_rewards,
        "{r:?}"
    );
    assert!(r.fees_paid > 0, "{r:?}");
}

#[test]
fn the_baseline_trips_no_breaker_where_bulwark_does() {
    let path = gap_crash(T0, P, 1_200, 300, 200_000);
    let b = run(&path, &population(40), &baseline(&default_config())).unwrap();
    let d = run(&path, &population(40), &default_config()).unwrap();
    assert_eq!(b.breaker_trips, 0, "{b:?}");
    assert!(d.breaker_trips > 0, "{d:?}");
}

#[test]
fn a_slower_keeper_leaves_more_bad_debt_on_a_slide_to_zero() {
    let path = to_zero(T0, P, 3_600);
    let fast = run(&path, &population(60), &default_config()).unwrap();
    let slow = run(
        &path,
        &population(60),
        &SimConfig {
            keeper: KeeperModel {
                delay_secs: 600,
                ..default_config().keeper
            },
            ..default_config()
        },
    )
    .unwrap();
    assert!(slow.bad_debt > fast.bad_debt, "fast {fast:?} slow {slow:?}");
}
