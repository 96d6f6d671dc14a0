//! One health rule for everyone (issue 16, point 2): the keeper's liquidation decision is the
//! program's answer. The program's `liquidate` is the engine's `AccountCore::liquidate` behind
//! account checks, so its answer is computed here by that very operation, on copies, across
//! every validity level, every market state, three ages of the stored price and prices where
//! the aggregate and the divergence fallback disagree about the account. The funding preview
//! accrues as the program does, and stands still when the program freezes funding.

use bulwark::state::{MarginAccount, Market};
use bulwark_engine::account::{no_other_positions, OpClock, StageLimits};
use bulwark_engine::funding::funding_owed;
use bulwark_engine::oracle::Validity;
use bulwark_engine::position::{apply_fill, Position};
use bulwark_engine::state::MarketState;
use bulwark_engine::{EngineError, Refused};
use bulwark_keeper::rules::{liquidation_target, maintenance_free};
use bulwark_sdk::preview::{funding_owed_now, PreviewClock};
use bulwark_stress::sim::default_config;
use bulwark_tests::*;

const DECIMALS: u8 = 6;
const NOW: i64 = 1_000_000;
const STORED_AT: u64 = 10_000;

/// The stress simulator's default listing with a fresh aggregate at `price` (fallback
/// `reduce_price`, `validity`) stored at slot `STORED_AT`, in `state`, holding the one long.
fn market(price: u64, reduce_price: u64, validity: Validity, state: MarketState) -> Market {
    let mut m: Market = bytemuck::Zeroable::zeroed();
    m.apply_listing(&default_config().market, 0, NOW).unwrap();
    let a = &mut m.core.aggregate;
    (a.price, a.reduce_price, a.conf) = (price, reduce_price, price / 2_000);
    (a.slot, a.judged_slot, a.time, a.validity) = (STORED_AT, STORED_AT, NOW, validity as u8);
    m.core.twap.price = price;
    m.core.status = state as u8;
    m.core.settlement.price = price;
    m.core.book.replace(&Position::default(), &long()).unwrap();
    m
}

/// 100 SOL long from 150.
fn long() -> Position {
    apply_fill(Position::default(), 100 * SOL, 150 * PRICE, DECIMALS)
        .unwrap()
        .position
}

/// The long with 1,000 USDC of collateral.
fn account(m: &Market) -> MarginAccount {
    let mut a: MarginAccount = bytemuck::Zeroable::zeroed();
    a.core.collateral = 1_000 * USDC as i64;
    let p = &mut a.core.positions[0];
    (p.market_index, p.base, p.cost) = (0, long().base, long().cost);
    p.funding_snapshot = m.funding.index;
    a
}

/// What the program answers to a liquidation of `a` in `m` at `slot`.
fn program_answer(a: &MarginAccount, m: &Market, slot: u64) -> Result<(), EngineError> {
    let (mut core, mut market) = (a.core, m.core);
    let limits = StageLimits {
        max_base: u64::MAX,
        fund_share: 0,
    };
    let at = OpClock { slot, now: NOW };
    core.liquidate(&mut market, no_other_positions, limits, at, DECIMALS)
        .map(|_| ())
}

/// Whether the keeper would send that liquidation.
fn keeper_sends(a: &MarginAccount, m: &Market, slot: u64) -> bool {
    let at = PreviewClock {
        slot,
        unix_timestamp: NOW,
        decimals: DECIMALS,
    };
    let markets = [*m];
    maintenance_free(a, &markets, &at).is_some_and(|free| free < 0)
        && liquidation_target(a, &markets, &at) == Some(0)
}

#[test]
fn the_keepers_liquidation_decision_is_the_programs_answer_in_every_validity_state_and_age() {
    let (under, healthy) = (142 * PRICE, 149 * PRICE);
    let ages = default_config().market.params.ages;
    let slots = [
        STORED_AT,
        STORED_AT + ages.fresh_slots as u64 + 1,
        STORED_AT + ages.max_age_liquidate_slots as u64 + 1,
    ];
    let (mut accepted, mut refused, mut not_liquidatable) = (0, 0, 0);
    for validity in Validity::ALL {
        for state in MarketState::ALL {
            for (price, reduce_price) in [(under, under), (under, healthy), (healthy, under)] {
                let m = market(price, reduce_price, validity, state);
                let a = account(&m);
                for slot in slots {
                    let answer = program_answer(&a, &m, slot);
                    let case = format!("{validity:?} {state:?} {price}/{reduce_price} at {slot}");
                    assert_eq!(
                        keeper_sends(&a, &m, slot),
                        answer.is_ok(),
                        "{case}: {answer:?}"
                    );
                    match answer {
                        Ok(()) => accepted += 1,
                        Err(EngineError::Refused(Refused::NotLiquidatable)) => {
                            not_liquidatable += 1
                        }
                        Err(EngineError::Refused(_)) => refused += 1,
                        Err(e) => panic!("{case}: {e}"),
                    }
                }
            }
        }
    }
    // Every kind of answer occurs: the comparison is not vacuous.
    assert!(accepted > 0 && refused > 0 && not_liquidatable > 0);
}

#[test]
fn a_divergent_market_is_judged_at_its_fallback_price_not_the_aggregate() {
    // The aggregate says healthy, the fallback (what a liquidation uses) says under water.
    let m = market(
        149 * PRICE,
        142 * PRICE,
        Validity::Divergent,
        MarketState::ReduceOnly,
    );
    let a = account(&m);
    assert!(program_answer(&a, &m, STORED_AT).is_ok());
    assert!(keeper_sends(&a, &m, STORED_AT));
    // And the other way round: under water at the aggregate, healthy at the fallback.
    let m = market(
        142 * PRICE,
        149 * PRICE,
        Validity::Divergent,
        MarketState::ReduceOnly,
    );
    let a = account(&m);
    assert_eq!(
        program_answer(&a, &m, STORED_AT),
        Err(EngineError::Refused(Refused::NotLiquidatable))
    );
    assert!(!keeper_sends(&a, &m, STORED_AT));
}

#[test]
fn a_price_too_uncertain_to_liquidate_at_sends_nothing() {
    let m = market(
        142 * PRICE,
        142 * PRICE,
        Validity::TooUncertain,
        MarketState::ReduceOnly,
    );
    let a = account(&m);
    assert!(matches!(
        program_answer(&a, &m, STORED_AT),
        Err(EngineError::Refused(Refused::Price(_)))
    ));
    assert!(!keeper_sends(&a, &m, STORED_AT));
}

#[test]
fn the_funding_preview_accrues_as_the_program_would_and_stands_still_when_it_freezes() {
    let ages = default_config().market.params.ages;
    let hour_later = |slot| PreviewClock {
        slot,
        unix_timestamp: NOW + 3_600,
        decimals: DECIMALS,
    };
    let m = market(
        150 * PRICE,
        150 * PRICE,
        Validity::Valid,
        MarketState::Active,
    );
    let a = account(&m);
    // A usable price: an hour of funding, exactly what an operation accrues (longs pay).
    let owed = funding_owed_now(&a, &m, &hour_later(STORED_AT)).unwrap();
    let mut core = m.core;
    core.accrue_funding(NOW + 3_600, true, DECIMALS).unwrap();
    let p = &a.core.positions[0];
    let expected = funding_owed(p.base, p.funding_snapshot, core.funding.index, DECIMALS);
    assert!(owed > 0);
    assert_eq!(owed, expected.unwrap());
    // Too old to reduce at: the program freezes funding, and so does the preview.
    let too_old = STORED_AT + ages.max_age_reduce_slots as u64 + 1;
    assert_eq!(funding_owed_now(&a, &m, &hour_later(too_old)), Ok(0));
    // No price, or settlement under way: frozen too.
    for (validity, state) in [
        (Validity::NoPrice, MarketState::Halted),
        (Validity::Valid, MarketState::Settling),
    ] {
        let m = market(150 * PRICE, 150 * PRICE, validity, state);
        let at = hour_later(STORED_AT);
        assert_eq!(
            funding_owed_now(&a, &m, &at),
            Ok(0),
            "{validity:?} {state:?}"
        );
    }
}
