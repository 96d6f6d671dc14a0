//! One source cannot move everyone's margin: with three providers and quorum two, a source
//! parked just inside the divergence band (either side, any of the three feeds) leaves the
//! price, the confidence, the maintenance target and the validity where the two honest
//! providers put them. A 110 SOL / 1,000 USDC long healthy at $150 stays healthy, a keeper's
//! liquidation is refused and earns nothing, and nothing moves.

use bulwark::error::BulwarkError;
use bulwark_engine::margin::{health, HealthKind};
use bulwark_engine::oracle::Validity;
use bulwark_sdk::preview::{positions_with_markets, PreviewClock};
use bulwark_sdk::{ix, pda};
use bulwark_testkit::world::Participant;
use bulwark_tests::*;
use solana_sdk::signature::Signer;

/// The venue at $150 with a trader 110 SOL long on 1,000 USDC and a keeper.
async fn long_at_150() -> (World, Participant, Participant) {
    let (mut w, _lp) = venue().await;
    let t = trader(&mut w, 1_000 * USDC).await;
    let keeper = w.participant(0).await;
    w.refresh(150 * USD).await;
    w.trade(&t, 110 * SOL, 151 * PRICE).await.unwrap();
    (w, t, keeper)
}

/// One slot and second on: every feed at `honest`, then `feed` at `parked`; `update_risk`.
async fn park(w: &mut World, honest: i64, feed: Feed, parked: i64) -> bulwark::state::Market {
    w.bank.advance(1, 1).await;
    w.publish_all(honest, USD).await;
    w.publish(feed, parked).await;
    update_risk_checked(w).await
}

async fn maintenance(w: &mut World, t: &Participant) -> bulwark_engine::margin::Health {
    let m = w.bank.market(SOL_PERP).await;
    let acc = w.margin(&t.margin).await;
    let c = w.bank.clock().await;
    let clock = PreviewClock {
        slot: c.slot,
        unix_timestamp: c.unix_timestamp,
        decimals: 6,
    };
    let positions = positions_with_markets(&acc, &[m], &clock).unwrap();
    health(acc.collateral, &positions, HealthKind::Maintenance).unwrap()
}

const SOL_150: i64 = 150 * USD;
/// $150 + 1.93%: just inside the 2% divergence band.
const UP_193: i64 = 15_289_500_000;
/// $150 − 1.93%.
const DOWN_193: i64 = 14_710_500_000;

#[tokio::test]
async fn a_source_parked_inside_the_band_cannot_make_a_healthy_long_liquidatable() {
    let (mut w, t, keeper) = long_at_150().await;
    // The honest reference: every feed at $150.
    let honest = park(&mut w, SOL_150, Feed::SwitchboardSol, SOL_150).await;
    let healthy = maintenance(&mut w, &t).await;
    assert!(healthy.is_healthy(), "{healthy:?}");
    let confs = honest.source_states[..3].iter().map(|s| s.last_conf);
    let honest_conf = (confs.clone().min().unwrap(), confs.max().unwrap());

    for feed in [Feed::PythSol, Feed::SwitchboardSol, Feed::ChainlinkSol] {
        for parked in [UP_193, DOWN_193] {
            let m = park(&mut w, SOL_150, feed, parked).await;
            let what = format!("{} at {parked}", feed.label());
            assert_eq!(m.aggregate.price, 150 * PRICE, "{what}");
            assert_eq!(
                Validity::from_u8(m.aggregate.validity),
                Validity::Valid,
                "{what}"
            );
            assert_eq!(m.aggregate.reduce_price, m.aggregate.price, "{what}");
            // The parked source widens neither the dispersion nor the confidence beyond the
            // honest readings' own (the honest range is zero): the confidence is the median
            // of the three readings' confidences, so it stays between the honest ones.
            assert_eq!(m.aggregate.dispersion, 0, "{what}");
            assert!(
                (honest_conf.0..=honest_conf.1).contains(&m.aggregate.asset_conf_usd),
                "{what}: conf {} outside the honest {honest_conf:?}",
                m.aggregate.asset_conf_usd
            );
            let h = maintenance(&mut w, &t).await;
            assert!(h.is_healthy(), "{what}: {h:?}");
            // Before the fix the free margin fell by ~622 USDC (conf $2.895 on 110 SOL, and
            // the maintenance target it raised); now by at most the honest confidences' spread.
            assert!(
                healthy.free() - h.free() <= 20 * USDC as i64,
                "{what}: {h:?} vs {healthy:?}"
            );

            let watched = [
                t.margin,
                keeper.margin,
                pda::market(SOL_PERP).0,
                pda::vault().0,
            ];
            let before = Snapshot::take(&mut w.bank, &watched).await;
            let ix = ix::liquidate(
                keeper.key.pubkey(),
                keeper.margin,
                t.margin,
                SOL_PERP,
                u64::MAX,
                &[],
            );
            assert_program_error(
                w.bank.send(&[ix], &[&keeper.key]).await,
                BulwarkError::NotLiquidatable,
            );
            before.assert_unchanged(&mut w.bank).await;
        }
    }
    assert_eq!(
        w.margin(&keeper.margin).await.collateral,
        0,
        "the keeper earned nothing"
    );
    assert_eq!(w.margin(&t.margin).await.positions[0].base, 110 * SOL);
}

#[tokio::test]
async fn a_source_parked_outside_the_band_does_not_make_the_market_divergent() {
    let (mut w, t, _keeper) = long_at_150().await;
    let honest = park(&mut w, SOL_150, Feed::SwitchboardSol, SOL_150).await;
    // 4% off: inside the 5% outlier cut, so it survives, but the two others agree.
    let m = park(&mut w, SOL_150, Feed::ChainlinkSol, 156 * USD).await;
    assert_eq!(m.aggregate.asset_survivors, 0b111);
    assert_eq!(Validity::from_u8(m.aggregate.validity), Validity::Valid);
    assert_eq!(
        (m.aggregate.price, m.aggregate.dispersion),
        (150 * PRICE, 0)
    );
    assert!(
        m.aggregate.conf <= honest.aggregate.conf + honest.aggregate.conf / 2,
        "{} vs {}",
        m.aggregate.conf,
        honest.aggregate.conf
    );
    // Reductions price at the aggregate, not at a divergence fallback, and still work.
    let before = w.margin(&t.margin).await.positions[0].base;
    w.trade(&t, -10 * SOL, 0).await.unwrap();
    assert_eq!(
        w.margin(&t.margin).await.positions[0].base,
        before - 10 * SOL
    );
}

#[tokio::test]
async fn when_the_providers_spread_the_margin_still_widens_with_them() {
    // The fix does not blunt the confidence: three sources 1% apart each way still widen it
    // to their gap from the median, as before.
    let (mut w, _t, _keeper) = long_at_150().await;
    w.bank.advance(1, 1).await;
    w.publish_all(SOL_150, USD).await;
    w.publish(Feed::SwitchboardSol, 15_150_000_000).await;
    w.publish(Feed::ChainlinkSol, 153 * USD).await;
    let m = update_risk_checked(&mut w).await;
    assert_eq!(m.aggregate.price, 151_500_000_000);
    assert_eq!(Validity::from_u8(m.aggregate.validity), Validity::Valid);
    assert_eq!(m.aggregate.asset_conf_usd, 1_500_000_000);
    assert_eq!(m.aggregate.dispersion, 1_500_000_000);
}
