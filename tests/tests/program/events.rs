//! Events people can consume: the program emits them through a self-CPI (`emit_cpi!`, which
//! log truncation cannot lose) and an integrator decodes them from the transaction's inner
//! instructions with `bulwark_sdk::events::decode_cpi`; they say what the accounts say. The
//! per-refresh `RiskUpdated` stays a log event (`decode`). Inner instructions are reported by
//! the VM (`BULWARK_SBF_SO` set: `.ci/run`'s second tier), not by `solana-program-test`, so
//! the assertions run there and natively only the scenes run.

use bulwark::events::{
    AdlEpisodeStarted, BankruptcyResolved, BreakerTransition, CollateralDeposited, Deleveraged,
    Liquidated, ParamChanged, ProposalExecuted, ProposalQueued, RiskUpdated, TradeExecuted,
};
use bulwark::state::ProposalAction;
use bulwark_engine::governance::MarketParam;
use bulwark_sdk::params::TIMELOCK_SECS;
use bulwark_sdk::{events, ix};
use bulwark_testkit::bank::runs_sbf;
use bulwark_tests::*;
use solana_sdk::signature::{Keypair, Signer};

/// The last transaction's CPI events of type `T`.
fn last<T: anchor_lang::AnchorDeserialize + anchor_lang::Discriminator>(w: &World) -> Vec<T> {
    events::decode_cpi(&w.bank.last_events)
}

#[tokio::test]
async fn a_deposit_a_trade_a_liquidation_and_a_bankruptcy_emit_events_that_match_the_accounts() {
    let (mut w, _lp) = venue().await;
    let t = w.participant(1_000 * USDC).await;
    let keeper = trader(&mut w, 0).await;
    w.deposit(&t, 1_000 * USDC).await.unwrap();
    let sbf = runs_sbf();
    if sbf {
        let deposited: Vec<CollateralDeposited> = last(&w);
        assert_eq!(deposited.len(), 1);
        assert_eq!(deposited[0].amount, 1_000 * USDC);
    }

    w.refresh(150 * USD).await;
    w.trade(&t, 60 * SOL, 151 * PRICE).await.unwrap();
    if sbf {
        let traded: Vec<TradeExecuted> = last(&w);
        let account = w.margin(&t.margin).await;
        assert_eq!(traded.len(), 1);
        assert_eq!(traded[0].margin_account, t.margin);
        assert_eq!(traded[0].base_after, 60 * SOL);
        assert_eq!(traded[0].collateral_after, account.collateral);
    }

    // A crash past the account's collateral: staged liquidations, then the bankruptcy.
    walk_prices(&mut w, &[145, 140, 135, 130, 125]).await;
    let mut stages = 0;
    while w.margin(&t.margin).await.positions[0].base != 0 {
        w.liquidate(&keeper, &t, SOL_PERP, u64::MAX).await.unwrap();
        if sbf {
            let staged: Vec<Liquidated> = last(&w);
            let account = w.margin(&t.margin).await;
            assert_eq!(staged.len(), 1);
            assert_eq!(staged[0].margin_account, t.margin);
            assert!(staged[0].closed_base > 0);
            assert_eq!(staged[0].collateral_after, account.collateral);
            assert!(
                last::<TradeExecuted>(&w).is_empty(),
                "a liquidation is no trade"
            );
        }
        stages += 1;
        w.refresh(125 * USD).await;
    }
    assert!(stages > 0);
    let deficit = -w.margin(&t.margin).await.collateral;
    assert!(deficit > 0, "the crash leaves the account under water");
    w.bank
        .send(&[ix::resolve_bankruptcy(t.margin, SOL_PERP)], &[])
        .await
        .unwrap();
    if sbf {
        let resolved: Vec<BankruptcyResolved> = last(&w);
        assert_eq!(resolved.len(), 1);
        assert_eq!(resolved[0].deficit, deficit as u64);
        assert_eq!(
            resolved[0].insurance_paid + resolved[0].socialized,
            deficit as u64
        );
    }
}

#[tokio::test]
async fn a_deleverage_emits_what_it_closed() {
    let (mut w, winner) = adl_scene(Keypair::new(), Keypair::new()).await;
    w.bank
        .send(&[ix::auto_deleverage(winner.margin, 0, SOL as u64)], &[])
        .await
        .unwrap();
    if runs_sbf() {
        let adl: Vec<Deleveraged> = last(&w);
        let account = w.margin(&winner.margin).await;
        assert_eq!(adl.len(), 1);
        assert_eq!(adl[0].margin_account, winner.margin);
        assert_eq!(
            adl[0].closed_base,
            (30 * SOL - account.positions[0].base) as u64
        );
        assert!(adl[0].ratio_after_ppm < adl[0].ratio_before_ppm);
    }
}

#[tokio::test]
async fn the_call_that_starts_an_adl_episode_says_so_and_closes_nothing() {
    let (mut w, winner) = adl_triggered_scene(Keypair::new(), Keypair::new()).await;
    w.bank
        .send(&[ix::auto_deleverage(winner.margin, 0, SOL as u64)], &[])
        .await
        .unwrap();
    let slot = w.bank.clock().await.slot;
    assert_eq!(w.bank.market(0).await.adl_episode.start_slot, slot);
    if runs_sbf() {
        let started: Vec<AdlEpisodeStarted> = last(&w);
        assert_eq!(started.len(), 1);
        assert_eq!(
            (started[0].start_slot, started[0].level_ppm),
            (slot, 20_000_000)
        );
        assert_eq!(started[0].margin_account, winner.margin);
        assert!(
            last::<Deleveraged>(&w).is_empty(),
            "nothing was deleveraged"
        );
    }
}

#[tokio::test]
async fn a_breaker_trip_is_a_cpi_event_and_the_refresh_a_logged_one() {
    let mut w = World::with_sol_market().await;
    w.refresh(150 * USD).await;
    // 10% down within the velocity window: band 1 trips.
    w.bank.advance(5, 2).await;
    w.publish_all(135 * USD, USD).await;
    let metered = w
        .bank
        .send_metered(&[w.update_risk_ix()], &[])
        .await
        .unwrap();
    if runs_sbf() {
        let trips: Vec<BreakerTransition> = last(&w);
        assert_eq!(trips.len(), 1);
        assert!(trips[0].tripped);
        let refreshed: Vec<RiskUpdated> = events::decode(&metered.logs);
        assert_eq!(refreshed.len(), 1);
        assert_eq!(
            refreshed[0].price,
            w.bank.market(SOL_PERP).await.aggregate.price
        );
    }
}

#[tokio::test]
async fn governance_emits_its_changes_queues_and_executions() {
    let mut w = World::with_sol_market().await;
    let gov = w.governance.insecure_clone();
    let reserve = MarketParam::ReserveFactor;
    let before = w
        .bank
        .market(SOL_PERP)
        .await
        .params
        .value(MarketParam::ReserveFactor);
    w.bank
        .send(
            &[ix::set_market_param(
                gov.pubkey(),
                SOL_PERP,
                reserve,
                before - 50_000,
            )],
            &[&gov],
        )
        .await
        .unwrap();
    let sbf = runs_sbf();
    if sbf {
        let changed: Vec<ParamChanged> = last(&w);
        assert_eq!(changed.len(), 1);
        assert_eq!((changed[0].old, changed[0].new), (before, before - 50_000));
    }
    let id = w.bank.exchange().await.proposal_count;
    let action = ProposalAction::MarketParam {
        market_index: SOL_PERP,
        param: MarketParam::ReserveFactor,
        value: before - 100_000,
    };
    let seed = w.queue_proposal(action.clone()).await.unwrap();
    let proposal = bulwark_sdk::pda::proposal(seed).0;
    if sbf {
        let queued: Vec<ProposalQueued> = last(&w);
        assert_eq!(queued.len(), 1);
        assert_eq!(
            (queued[0].proposal, queued[0].id, &queued[0].action),
            (proposal, id, &action)
        );
    }
    w.bank.advance(10, TIMELOCK_SECS as i64).await;
    w.bank
        .send(&[ix::execute_proposal(seed, Some(SOL_PERP))], &[])
        .await
        .unwrap();
    if sbf {
        let executed: Vec<ProposalExecuted> = last(&w);
        let changed: Vec<ParamChanged> = last(&w);
        assert_eq!(executed.len(), 1);
        assert_eq!((executed[0].proposal, executed[0].id), (proposal, id));
        assert_eq!(changed[0].new, before - 100_000);
    }
}
