//! A publish time stands for one price: a reading with the publish time of the last accepted
//! one must repeat its price and confidence, or it is invalid (`ChangedWithoutNewTime`) and
//! aggregation goes on without it. A user-posted `PriceUpdateV2` (or any feed account) cannot
//! slip a second value in under an old time.

use bulwark::state::SourceStatus;
use bulwark_engine::oracle::{ReadingFault, Validity};
use bulwark_sdk::oracle_accounts::{encode_pyth, pyth_update};
use bulwark_testkit::world::PYTH_SOL_FEED;
use bulwark_tests::*;

/// SOL-PERP at $150 with every feed published at `t0`; then one second on, Switchboard
/// publishes $150 anew (so `update_risk` has something new) and Pyth and Chainlink are
/// re-posted under `t0`, Pyth with `pyth` (price, conf) and Chainlink with `chainlink`.
async fn reposted(pyth: (i64, u64), chainlink: i64) -> (World, bulwark::state::Market, i64) {
    let mut w = World::with_sol_market().await;
    let t0 = w.bank.clock().await;
    w.bank.advance(1, 1).await;
    w.publish(Feed::SwitchboardSol, 150 * USD).await;
    let update = pyth_update(
        PYTH_SOL_FEED,
        pyth.0,
        pyth.1,
        -8,
        t0.unix_timestamp,
        t0.slot,
    );
    w.set_feed_bytes(Feed::PythSol, Feed::PythSol.owner(), encode_pyth(&update));
    w.publish_at(Feed::ChainlinkSol, chainlink, t0.unix_timestamp, t0.slot);
    let before = w.bank.market(SOL_PERP).await;
    let m = update_risk_checked(&mut w).await;
    assert_eq!(
        m.source_states[0].last_publish_time, t0.unix_timestamp,
        "the replay guard stays"
    );
    (w, before, t0.unix_timestamp)
}

fn status(m: &bulwark::state::Market, i: usize) -> (u8, Option<ReadingFault>) {
    (
        m.source_states[i].status,
        ReadingFault::from_u8(m.source_states[i].fault),
    )
}

const INVALID: (u8, Option<ReadingFault>) = (
    SourceStatus::Invalid as u8,
    Some(ReadingFault::ChangedWithoutNewTime),
);

#[tokio::test]
async fn two_sources_reposted_at_their_old_time_with_a_new_price_do_not_move_the_market() {
    // Both re-posted at $151 (inside every band): before, the median moved to $151.
    let (mut w, before, _) = reposted((151 * USD, 7_550_000), 151 * USD).await;
    let m = w.bank.market(SOL_PERP).await;
    assert_eq!(status(&m, 0), INVALID);
    assert_eq!(status(&m, 2), INVALID);
    assert_eq!(status(&m, 1).0, SourceStatus::New as u8);
    assert_eq!(
        m.aggregate.price,
        150 * PRICE,
        "the market price does not move"
    );
    assert_eq!(m.aggregate.asset_survivors, 0b010);
    // One provider left: below quorum (reductions only), not a forged $151.
    assert_eq!(
        Validity::from_u8(m.aggregate.validity),
        Validity::BelowQuorum
    );
    // The accepted readings are kept: price and confidence at the old time.
    for i in [0, 2] {
        assert_eq!(
            m.source_states[i].last_price,
            before.source_states[i].last_price
        );
        assert_eq!(
            m.source_states[i].last_conf,
            before.source_states[i].last_conf
        );
    }
}

#[tokio::test]
async fn the_same_reading_again_is_unchanged_and_counts() {
    let (mut w, before, _) = reposted((150 * USD, 7_500_000), 150 * USD).await;
    let m = w.bank.market(SOL_PERP).await;
    assert_eq!(m.source_states[0].status, SourceStatus::Unchanged as u8);
    assert_eq!(m.source_states[2].status, SourceStatus::Unchanged as u8);
    assert_eq!(
        m.source_states[0].last_price,
        before.source_states[0].last_price
    );
    assert_eq!(
        (m.aggregate.price, m.aggregate.asset_survivors),
        (150 * PRICE, 0b111)
    );
    assert_eq!(Validity::from_u8(m.aggregate.validity), Validity::Valid);
}

#[tokio::test]
async fn a_new_confidence_under_the_old_time_is_invalid_too() {
    // Same price, confidence widened from $0.075 to $2.
    let (mut w, _, _) = reposted((150 * USD, 200_000_000), 150 * USD).await;
    let m = w.bank.market(SOL_PERP).await;
    assert_eq!(status(&m, 0), INVALID);
    assert_eq!(m.source_states[2].status, SourceStatus::Unchanged as u8);
    assert_eq!(
        (m.aggregate.price, m.aggregate.asset_survivors),
        (150 * PRICE, 0b110)
    );
    assert_eq!(Validity::from_u8(m.aggregate.validity), Validity::Valid);
}

#[tokio::test]
async fn after_a_refused_repost_a_newer_reading_is_accepted_again() {
    let (mut w, _, t0) = reposted((151 * USD, 7_550_000), 151 * USD).await;
    w.bank.advance(1, 1).await;
    w.publish_all(152 * USD, USD).await;
    let m = update_risk_checked(&mut w).await;
    for i in 0..3 {
        assert_eq!(m.source_states[i].status, SourceStatus::New as u8);
        assert!(m.source_states[i].last_publish_time > t0);
        assert_eq!(m.source_states[i].last_price, 152 * PRICE);
    }
    assert_eq!(m.aggregate.price, 152 * PRICE);
}
