//! `update_risk`: the median over Pyth, Switchboard and Chainlink accounts in their real
//! layouts, per-reading validity, divergence fallback, collateral units, and what each
//! successful call changes and leaves alone.

use bulwark::oracle::pyth::VerificationLevel;
use bulwark::state::SourceStatus;
use bulwark_engine::action::{Action, Refusal};
use bulwark_engine::oracle::{ReadingFault, Validity};
use bulwark_sdk::oracle_accounts::{encode_pyth, pyth_update};
use bulwark_sdk::pda;
use bulwark_testkit::world::{PYTH_SOL_FEED, PYTH_USDC_FEED};
use bulwark_tests::*;

const NEW: u8 = SourceStatus::New as u8;
const INVALID: u8 = SourceStatus::Invalid as u8;

/// Moves the clock by `secs` (2.5 slots a second) and publishes SOL on the given feeds and
/// USDC = $1 on both collateral feeds.
async fn step(w: &mut World, secs: i64, sol: &[(Feed, i64)]) {
    w.bank.advance(secs as u64 * 5 / 2, secs).await;
    for (f, p) in sol {
        w.publish(*f, *p).await;
    }
    w.publish(Feed::PythUsdc, USD).await;
    w.publish(Feed::ChainlinkUsdc, USD).await;
}

fn fault(m: &bulwark::state::Market, i: usize) -> Option<ReadingFault> {
    ReadingFault::from_u8(m.source_states[i].fault)
}

#[tokio::test]
async fn three_agreeing_providers_make_a_valid_price_and_only_the_aggregate_changes() {
    let mut w = World::new().await;
    w.initialize_exchange().await.unwrap();
    w.create_sol_market().await.unwrap();
    let before = w.bank.market(SOL_PERP).await;
    w.publish(Feed::PythSol, 150 * USD).await;
    w.publish(Feed::SwitchboardSol, 151 * USD).await;
    w.publish(Feed::ChainlinkSol, 149 * USD).await;
    w.publish(Feed::PythUsdc, USD).await;
    w.publish(Feed::ChainlinkUsdc, USD).await;
    // Asserts the exchange, configuration, limits, caps and reserved bytes are untouched.
    let m = update_risk_checked(&mut w).await;
    let clock = w.bank.clock().await;
    assert_eq!(m.aggregate.price, 150 * PRICE);
    assert_eq!(Validity::from_u8(m.aggregate.validity), Validity::Valid);
    assert_eq!(m.aggregate.asset_price_usd, 150 * PRICE);
    assert_eq!(m.aggregate.collateral_price_usd, PRICE);
    // Confidence: the largest distance from the median ($1) beats the median reading's own
    // ($0.075); the collateral's confidence is the larger of its two middle readings', Chainlink's
    // 0.1% floor ($0.001), which adds 150 * $0.001 = $0.15 in collateral units.
    assert_eq!(m.aggregate.conf, PRICE + 150_000_000);
    assert_eq!(
        m.twap.price, m.aggregate.price,
        "the first sample initialises the TWAP"
    );
    assert_eq!(m.aggregate.reduce_price, m.aggregate.price);
    assert_eq!(m.aggregate.slot, clock.slot);
    assert_eq!(m.aggregate.time, clock.unix_timestamp);
    assert_eq!(m.aggregate.oldest_publish_time, clock.unix_timestamp);
    assert_eq!(
        (
            m.aggregate.asset_survivors,
            m.aggregate.collateral_survivors
        ),
        (0b111, 0b11)
    );
    for i in 0..3 {
        assert_eq!(m.source_states[i].status, NEW);
        assert_eq!(m.source_states[i].last_publish_time, clock.unix_timestamp);
    }
    for i in 0..2 {
        assert_eq!(m.collateral_source_states[i].status, NEW);
    }
    assert_eq!(
        m.source_states[3], before.source_states[3],
        "unused source slots untouched"
    );
    assert_eq!(allowed(&mut w, Action::IncreaseRisk).await, Ok(150 * PRICE));
}

#[tokio::test]
async fn one_stale_source_is_dropped_and_the_other_two_still_make_quorum() {
    let mut w = World::with_sol_market().await;
    step(
        &mut w,
        61,
        &[(Feed::PythSol, 152 * USD), (Feed::ChainlinkSol, 151 * USD)],
    )
    .await;
    let m = update_risk_checked(&mut w).await;
    assert_eq!(m.source_states[1].status, INVALID);
    assert_eq!(fault(&m, 1), Some(ReadingFault::StaleTime));
    assert_eq!(
        m.aggregate.price, 151_500_000_000,
        "mean of the two survivors"
    );
    assert_eq!(Validity::from_u8(m.aggregate.validity), Validity::Valid);
}

#[tokio::test]
async fn one_provider_manipulated_10x_is_dropped_and_the_median_holds() {
    let mut w = World::with_sol_market().await;
    step(
        &mut w,
        2,
        &[
            (Feed::PythSol, 1_500 * USD),
            (Feed::SwitchboardSol, 150 * USD + 20_000_000),
            (Feed::ChainlinkSol, 150 * USD),
        ],
    )
    .await;
    let m = update_risk_checked(&mut w).await;
    assert_eq!(
        m.source_states[0].status, NEW,
        "the reading itself is well formed"
    );
    assert_eq!(m.source_states[0].last_price, 1_500 * PRICE);
    assert_eq!(
        m.aggregate.asset_survivors, 0b110,
        "but it is dropped as an outlier"
    );
    assert_eq!(m.aggregate.price, 150_100_000_000);
    assert_eq!(Validity::from_u8(m.aggregate.validity), Validity::Valid);
}

#[tokio::test]
async fn two_providers_diverging_stop_increases_and_reductions_price_from_the_twap_band() {
    let mut w = World::with_sol_market().await;
    // Chainlink's feed is closed: two providers left, 150 and 156.
    w.set_feed_bytes(Feed::ChainlinkSol, anchor_lang::system_program::ID, vec![]);
    step(
        &mut w,
        2,
        &[
            (Feed::PythSol, 150 * USD),
            (Feed::SwitchboardSol, 156 * USD),
        ],
    )
    .await;
    let twap_before = w.bank.market(SOL_PERP).await.twap;
    let m = update_risk_checked(&mut w).await;
    assert_eq!(Validity::from_u8(m.aggregate.validity), Validity::Divergent);
    assert_eq!(m.aggregate.price, 153 * PRICE);
    // TWAP 150 +- 3%: Pyth (150) is inside, Switchboard (156) is not.
    assert_eq!(m.aggregate.reduce_price, 150 * PRICE);
    assert_eq!(m.twap, twap_before, "divergent prices do not feed the TWAP");
    assert_eq!(
        allowed(&mut w, Action::IncreaseRisk).await,
        Err(Refusal::Validity(Validity::Divergent))
    );
    assert_eq!(allowed(&mut w, Action::ReduceRisk).await, Ok(150 * PRICE));
    assert_eq!(allowed(&mut w, Action::Liquidate).await, Ok(150 * PRICE));
    assert_eq!(
        allowed(&mut w, Action::Deleverage).await,
        Err(Refusal::Validity(Validity::Divergent))
    );
}

#[tokio::test]
async fn three_providers_no_two_agreeing_are_divergent_and_reductions_price_at_the_middle_one() {
    let mut w = World::with_sol_market().await;
    step(
        &mut w,
        2,
        &[
            (Feed::PythSol, 150 * USD),
            (Feed::SwitchboardSol, 154 * USD),
            (Feed::ChainlinkSol, 158 * USD),
        ],
    )
    .await;
    let m = update_risk_checked(&mut w).await;
    // Without the reading farthest from the median the others still differ by 2.6%.
    assert_eq!(Validity::from_u8(m.aggregate.validity), Validity::Divergent);
    assert_eq!(m.aggregate.price, 154 * PRICE);
    // TWAP 150 +- 3%: Pyth (150) and Switchboard (154) are inside; their median (152) is
    // held at the middle reading, so that no single reading (here possibly Pyth, alone on
    // its side) sets the price of reductions and liquidations.
    assert_eq!(m.aggregate.reduce_price, 154 * PRICE);
    assert_eq!(allowed(&mut w, Action::Liquidate).await, Ok(154 * PRICE));
    assert_eq!(
        allowed(&mut w, Action::IncreaseRisk).await,
        Err(Refusal::Validity(Validity::Divergent))
    );
}

#[tokio::test]
async fn a_partially_verified_pyth_update_is_an_invalid_reading() {
    let mut w = World::with_sol_market().await;
    step(
        &mut w,
        2,
        &[
            (Feed::SwitchboardSol, 150 * USD),
            (Feed::ChainlinkSol, 150 * USD),
        ],
    )
    .await;
    let clock = w.bank.clock().await;
    let mut update = pyth_update(
        PYTH_SOL_FEED,
        150 * USD,
        1_000,
        -8,
        clock.unix_timestamp,
        clock.slot,
    );
    update.verification = VerificationLevel::Partial { num_signatures: 13 };
    w.set_feed_bytes(Feed::PythSol, Feed::PythSol.owner(), encode_pyth(&update));
    let m = update_risk_checked(&mut w).await;
    assert_eq!(fault(&m, 0), Some(ReadingFault::PartialVerification));
    assert_eq!(
        Validity::from_u8(m.aggregate.validity),
        Validity::Valid,
        "Switchboard and Chainlink make quorum"
    );
}

#[tokio::test]
async fn a_replayed_older_publish_time_is_an_invalid_reading_and_the_guard_does_not_move_back() {
    let mut w = World::with_sol_market().await;
    let accepted = w.bank.market(SOL_PERP).await.source_states[0].last_publish_time;
    step(
        &mut w,
        5,
        &[
            (Feed::SwitchboardSol, 150 * USD),
            (Feed::ChainlinkSol, 150 * USD),
        ],
    )
    .await;
    let clock = w.bank.clock().await;
    w.publish_at(Feed::PythSol, 140 * USD, accepted - 1, clock.slot);
    let m = update_risk_checked(&mut w).await;
    assert_eq!(fault(&m, 0), Some(ReadingFault::Replayed));
    assert_eq!(m.source_states[0].last_publish_time, accepted);
    assert_eq!(m.aggregate.price, 150 * PRICE);
}

#[tokio::test]
async fn a_publish_time_in_the_future_is_an_invalid_reading() {
    let mut w = World::with_sol_market().await;
    step(
        &mut w,
        2,
        &[
            (Feed::SwitchboardSol, 150 * USD),
            (Feed::ChainlinkSol, 150 * USD),
        ],
    )
    .await;
    let clock = w.bank.clock().await;
    // Tolerance is 5 s: 5 s ahead passes, 6 s does not.
    w.publish_at(
        Feed::PythSol,
        150 * USD,
        clock.unix_timestamp + 6,
        clock.slot,
    );
    let m = update_risk_checked(&mut w).await;
    assert_eq!(fault(&m, 0), Some(ReadingFault::FromFuture));
    step(&mut w, 1, &[(Feed::SwitchboardSol, 150 * USD)]).await;
    let clock = w.bank.clock().await;
    w.publish_at(
        Feed::PythSol,
        150 * USD,
        clock.unix_timestamp + 5,
        clock.slot,
    );
    assert_eq!(
        update_risk_checked(&mut w).await.source_states[0].status,
        NEW
    );
}

#[tokio::test]
async fn a_closed_feed_is_an_invalid_reading_while_the_others_still_aggregate() {
    let mut w = World::with_sol_market().await;
    step(
        &mut w,
        2,
        &[(Feed::PythSol, 150 * USD), (Feed::ChainlinkSol, 151 * USD)],
    )
    .await;
    // Closing an account hands it to the system program with no data.
    w.set_feed_bytes(
        Feed::SwitchboardSol,
        anchor_lang::system_program::ID,
        vec![],
    );
    let m = update_risk_checked(&mut w).await;
    assert_eq!(fault(&m, 1), Some(ReadingFault::WrongOwner));
    assert_eq!(m.aggregate.price, 150_500_000_000);
    assert_eq!(Validity::from_u8(m.aggregate.validity), Validity::Valid);
}

#[tokio::test]
async fn a_wrong_feed_id_is_an_invalid_reading() {
    let mut w = World::with_sol_market().await;
    step(
        &mut w,
        2,
        &[
            (Feed::SwitchboardSol, 150 * USD),
            (Feed::ChainlinkSol, 150 * USD),
        ],
    )
    .await;
    let clock = w.bank.clock().await;
    // A real USDC update placed where SOL's is expected.
    let usdc = pyth_update(
        PYTH_USDC_FEED,
        USD,
        1_000,
        -8,
        clock.unix_timestamp,
        clock.slot,
    );
    w.set_feed_bytes(Feed::PythSol, Feed::PythSol.owner(), encode_pyth(&usdc));
    let m = update_risk_checked(&mut w).await;
    assert_eq!(fault(&m, 0), Some(ReadingFault::WrongFeedId));
    assert_eq!(m.aggregate.price, 150 * PRICE);
}

#[tokio::test]
async fn losing_two_of_three_providers_is_below_quorum_reductions_only() {
    let mut w = World::with_sol_market().await;
    step(&mut w, 61, &[(Feed::ChainlinkSol, 150 * USD)]).await;
    let m = update_risk_checked(&mut w).await;
    assert_eq!(
        (fault(&m, 0), fault(&m, 1)),
        (Some(ReadingFault::StaleTime), Some(ReadingFault::StaleTime))
    );
    assert_eq!(
        Validity::from_u8(m.aggregate.validity),
        Validity::BelowQuorum
    );
    assert_eq!(
        allowed(&mut w, Action::IncreaseRisk).await,
        Err(Refusal::Validity(Validity::BelowQuorum))
    );
    assert_eq!(allowed(&mut w, Action::ReduceRisk).await, Ok(150 * PRICE));
}

#[tokio::test]
async fn a_collateral_depeg_changes_the_price_in_collateral_units() {
    let mut w = World::with_sol_market().await;
    w.bank.advance(5, 2).await;
    for f in [Feed::PythSol, Feed::SwitchboardSol, Feed::ChainlinkSol] {
        w.publish(f, 150 * USD).await;
    }
    w.publish(Feed::PythUsdc, 90_000_000).await;
    w.publish(Feed::ChainlinkUsdc, 90_000_000).await;
    let m = update_risk_checked(&mut w).await;
    assert_eq!(m.aggregate.asset_price_usd, 150 * PRICE);
    assert_eq!(m.aggregate.collateral_price_usd, 900_000_000);
    // 150 / 0.9 = 166.666666666..., rounded down at 1e-9.
    assert_eq!(m.aggregate.price, 166_666_666_666);
    assert_eq!(Validity::from_u8(m.aggregate.validity), Validity::Valid);
}

#[tokio::test]
async fn losing_every_collateral_source_leaves_no_price() {
    let mut w = World::with_sol_market().await;
    w.bank.advance(5, 2).await;
    for f in [Feed::PythSol, Feed::SwitchboardSol, Feed::ChainlinkSol] {
        w.publish(f, 150 * USD).await;
    }
    w.set_feed_bytes(Feed::PythUsdc, anchor_lang::system_program::ID, vec![]);
    w.set_feed_bytes(Feed::ChainlinkUsdc, anchor_lang::system_program::ID, vec![]);
    let m = update_risk_checked(&mut w).await;
    assert_eq!(Validity::from_u8(m.aggregate.validity), Validity::NoPrice);
    for a in Action::ALL {
        assert_eq!(
            allowed(&mut w, a).await,
            Err(Refusal::Validity(Validity::NoPrice))
        );
    }
}

#[tokio::test]
async fn when_no_source_has_anything_new_the_stored_aggregate_stands_judged_at_this_slot() {
    let mut w = World::with_sol_market().await;
    w.bank.advance(3, 1).await;
    let exchange = Snapshot::take(&mut w.bank, &[pda::exchange().0]).await;
    let before = w.bank.market(SOL_PERP).await;
    w.update_risk().await.unwrap();
    exchange.assert_unchanged(&mut w.bank).await;
    let after = w.bank.market(SOL_PERP).await;
    assert_eq!(after.aggregate.judged_slot, w.bank.clock().await.slot);
    // Only the judgement's slot moves: the aggregate keeps the slot of the last news (every
    // other age limit counts from it), and TWAP, volatility and breakers see nothing.
    let judged = |m: &bulwark::state::Market| {
        (
            (
                m.aggregate.slot,
                m.aggregate.time,
                m.priced_slots,
                m.funding.index,
            ),
            (
                m.aggregate.price,
                m.aggregate.conf,
                m.aggregate.reduce_price,
                m.aggregate.validity,
                m.aggregate.oldest_publish_time,
            ),
            (m.twap.price, m.twap.last_slot, m.twap.last_time),
            (m.vol.variance, m.vol.anchor_time, m.sigma_ppm),
            (
                m.breaker_flags,
                m.velocity.reference,
                m.velocity.reference_time,
            ),
        )
    };
    assert_eq!(judged(&after), judged(&before));
    assert_eq!(
        allowed(&mut w, Action::IncreaseRisk).await,
        Ok(before.aggregate.price)
    );
    // Ten more seconds without a publication: judged again, the sources are too old for an
    // increase (limit 10 s), still fresh for a reduction.
    w.bank.advance(1, 10).await;
    w.update_risk().await.unwrap();
    assert_eq!(
        allowed(&mut w, Action::IncreaseRisk).await,
        Err(Refusal::SourcesTooOld)
    );
    assert_eq!(
        allowed(&mut w, Action::ReduceRisk).await,
        Ok(before.aggregate.price)
    );
}

#[tokio::test]
async fn a_source_aged_out_without_news_changes_nothing_and_the_aggregate_ages_by_its_slot() {
    let mut w = World::with_sol_market().await;
    // Pyth and Switchboard go quiet past their 60 s staleness: judged now, the readings no
    // longer give the stored aggregate, so nothing is marked and nothing moves.
    w.bank.advance(200, 61).await;
    let before = Snapshot::take(&mut w.bank, &[pda::market(SOL_PERP).0]).await;
    w.update_risk().await.unwrap();
    before.assert_unchanged(&mut w.bank).await;
    assert_eq!(
        allowed(&mut w, Action::IncreaseRisk).await,
        Err(Refusal::Validity(Validity::Stale))
    );
    // Liquidations keep their limit from the last news (150 slots): 200 slots on, too old.
    assert_eq!(
        allowed(&mut w, Action::Liquidate).await,
        Err(Refusal::TooOld)
    );
}

#[tokio::test]
async fn the_twap_moves_at_most_once_per_slot() {
    let mut w = World::with_sol_market().await;
    step(
        &mut w,
        10,
        &[
            (Feed::PythSol, 151 * USD),
            (Feed::SwitchboardSol, 151 * USD),
            (Feed::ChainlinkSol, 151 * USD),
        ],
    )
    .await;
    let first = update_risk_checked(&mut w).await;
    // 10 s of a 600 s window towards 151: 150 + 1 * 10 / 600.
    assert_eq!(first.twap.price, 150 * PRICE + PRICE / 60);
    // Same slot, newer publish times: the aggregate moves, the TWAP does not.
    w.bank.advance(0, 1).await;
    for f in [Feed::PythSol, Feed::SwitchboardSol, Feed::ChainlinkSol] {
        w.publish(f, 152 * USD).await;
    }
    let second = update_risk_checked(&mut w).await;
    assert_eq!(second.aggregate.price, 152 * PRICE);
    assert_eq!(second.twap, first.twap);
}

#[tokio::test]
async fn a_retired_legacy_pyth_account_in_a_source_position_is_an_invalid_reading() {
    let Some(legacy) = bulwark_sdk::fixtures::read_oracle_fixture("pyth_legacy_usdc_mango.bin")
    else {
        return;
    };
    let mut w = World::with_sol_market().await;
    step(
        &mut w,
        2,
        &[
            (Feed::SwitchboardSol, 150 * USD),
            (Feed::ChainlinkSol, 150 * USD),
        ],
    )
    .await;
    w.set_feed_bytes(Feed::PythSol, Feed::PythSol.owner(), legacy);
    let m = update_risk_checked(&mut w).await;
    assert_eq!(fault(&m, 0), Some(ReadingFault::RetiredFormat));
    assert_eq!(Validity::from_u8(m.aggregate.validity), Validity::Valid);
}

#[tokio::test]
async fn a_switchboard_result_with_too_few_samples_is_an_invalid_reading() {
    let mut w = World::with_sol_market().await;
    step(
        &mut w,
        2,
        &[(Feed::PythSol, 150 * USD), (Feed::ChainlinkSol, 150 * USD)],
    )
    .await;
    let clock = w.bank.clock().await;
    let mut feed = bulwark_sdk::oracle_accounts::switchboard_feed(
        bulwark_testkit::world::SWITCHBOARD_SOL_FEED,
        150 * 1_000_000_000_000_000_000,
        0,
        1,
        clock.slot,
        clock.unix_timestamp,
    );
    feed.min_responses = 3;
    w.set_feed_bytes(
        Feed::SwitchboardSol,
        Feed::SwitchboardSol.owner(),
        bulwark_sdk::oracle_accounts::encode_switchboard(&feed),
    );
    let m = update_risk_checked(&mut w).await;
    assert_eq!(fault(&m, 1), Some(ReadingFault::TooFewSamples));
    assert_eq!(Validity::from_u8(m.aggregate.validity), Validity::Valid);
}

#[tokio::test]
async fn an_account_of_another_kind_in_a_source_position_is_an_invalid_reading() {
    let mut w = World::with_sol_market().await;
    step(
        &mut w,
        2,
        &[(Feed::PythSol, 150 * USD), (Feed::ChainlinkSol, 150 * USD)],
    )
    .await;
    let clock = w.bank.clock().await;
    // A Pyth update owned by the Switchboard program where the Switchboard feed should be.
    let pyth = encode_pyth(&pyth_update(
        PYTH_SOL_FEED,
        150 * USD,
        1_000,
        -8,
        clock.unix_timestamp,
        clock.slot,
    ));
    w.set_feed_bytes(Feed::SwitchboardSol, Feed::SwitchboardSol.owner(), pyth);
    let m = update_risk_checked(&mut w).await;
    assert_eq!(
        fault(&m, 1),
        Some(ReadingFault::Malformed),
        "too short for the Switchboard layout"
    );
}
