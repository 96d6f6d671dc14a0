//! Emergency settlement: only from ReduceOnly or Halted held long enough; the settlement price
//! is the TWAP; winners are paid at a ratio fixed before any payout (once every position has
//! been visited), exactly pro rata when the pool falls short, whatever the crank order; the books balance before and after; then the
//! market is Settled and may be delisted. The state table's settlement rows are exercised.

use bulwark::error::BulwarkError;
use bulwark::state::ProposalAction;
use bulwark_engine::state::MarketState;
use bulwark_sdk::ix;
use bulwark_sdk::params::TIMELOCK_SECS;
use bulwark_testkit::world::Participant;
use bulwark_tests::*;
use solana_sdk::signature::Signer;

const M: u16 = 0;

/// Market 1 (fast TWAP, reserve 100% of a 300 USDC pool): two 1 SOL longs and a 0.5 SOL short
/// at 150; SOL runs to 450; the guardian then puts the market in ReduceOnly.
async fn scene() -> (World, Vec<Participant>) {
    let mut w = World::with_one_market(|a| {
        a.params.oracle.twap.twap_window_secs = 60;
        a.params.oracle.twap.twap_max_step_ppm = 200_000;
        a.params.trade.reserve_factor_ppm = 1_000_000;
    })
    .await;
    w.set_open_interest_caps_directly(M, 10_000 * SOL as u64, 10_000 * SOL as u64)
        .await;
    let lp = w.participant(300 * USDC).await;
    w.pool_deposit(&lp, 300 * USDC).await.unwrap();
    let a = trader(&mut w, 500 * USDC).await;
    let b = trader(&mut w, 500 * USDC).await;
    let c = trader(&mut w, 500 * USDC).await;
    w.refresh(150 * USD).await;
    w.trade_in(&a, M, SOL, 151 * PRICE).await.unwrap();
    w.trade_in(&b, M, SOL, 151 * PRICE).await.unwrap();
    w.trade_in(&c, M, -SOL / 2, 149 * PRICE).await.unwrap();
    walk_prices(
        &mut w,
        &[200, 260, 330, 400, 450, 450, 450, 450, 450, 450, 450, 450],
    )
    .await;
    // The velocity trip lifts once 450 is calm; the guardian holds the market ReduceOnly.
    let g = w.guardian.insecure_clone();
    w.bank
        .send(&[ix::guardian_reduce_only(g.pubkey(), M)], &[&g])
        .await
        .unwrap();
    (w, vec![lp, a, b, c])
}

async fn state(w: &mut World) -> MarketState {
    MarketState::from_u8(w.bank.market(M).await.status)
}

async fn settle(order: [usize; 3]) -> (Vec<i64>, World, Vec<Participant>) {
    let (mut w, people) = scene().await;
    assert_eq!(state(&mut w).await, MarketState::ReduceOnly);
    let id = w
        .queue_proposal(ProposalAction::Settle { market_index: M })
        .await
        .unwrap();
    w.bank.advance(9_000, TIMELOCK_SECS as i64).await;
    w.bank
        .send(&[ix::execute_settlement(id, M)], &[])
        .await
        .unwrap();
    assert_eq!(state(&mut w).await, MarketState::Settling);
    let all: Vec<_> = people.iter().map(|p| p.margin).collect();
    assert_books_balance(&mut w, &all).await;
    // Two passes: a winner visited before the last loser has its claim recorded, and is
    // paid on its next visit once the ratio is fixed.
    for _pass in 0..2 {
        for i in order {
            let p = &people[i + 1];
            if w.margin(&p.margin).await.slot_of(M).is_some() {
                w.bank
                    .send(&[ix::settle_position(p.margin, M)], &[])
                    .await
                    .unwrap();
            }
        }
    }
    assert_books_balance(&mut w, &all).await;
    let mut out = Vec::new();
    for p in &people[1..] {
        out.push(w.margin(&p.margin).await.collateral);
    }
    (out, w, people)
}

#[tokio::test]
async fn settlement_pays_winners_pro_rata_and_crank_order_changes_nothing() {
    let (first, mut w, people) = settle([0, 1, 2]).await;
    let (second, _, _) = settle([2, 1, 0]).await;
    assert_eq!(first, second, "crank order changes nobody's payout");
    assert_eq!(state(&mut w).await, MarketState::Settled);

    // Exact pro-rata numbers: the ratio fixed at the start, applied to each winner's PnL.
    let m = w.bank.market(M).await;
    assert!(
        m.settlement.ratio.num < m.settlement.ratio.den,
        "the pool fell short"
    );
    let price = m.settlement.price;
    assert_eq!(price, m.twap.price);
    // Recompute each long's PnL from its opening cost (150.225 a SOL with the 0.15% spread).
    let cost = 150_225_000i64;
    let pnl = bulwark_engine::num::value_floor(SOL, price, 6).unwrap() - cost;
    let paid = bulwark_engine::num::mul_div_floor_i64(
        pnl,
        m.settlement.ratio.num as i64,
        m.settlement.ratio.den as i64,
    )
    .unwrap();
    // Each long paid its opening fee (0.09 USDC) and impact; it received exactly `paid`.
    let a_open = 500 * USDC as i64 - first[0] + paid;
    assert!(
        a_open > 0 && a_open < USDC as i64,
        "only opening costs and funding remain: {a_open}"
    );
    let people_margins: Vec<_> = people.iter().map(|p| p.margin).collect();
    assert_books_balance(&mut w, &people_margins).await;
}

#[tokio::test]
async fn settlement_needs_a_restricted_market_held_long_enough_and_the_table_holds() {
    let (mut w, people) = scene().await;
    // Too soon after the market went ReduceOnly.
    let id = w
        .queue_proposal(ProposalAction::Settle { market_index: M })
        .await
        .unwrap();
    w.bank.advance(10, TIMELOCK_SECS as i64).await;
    assert_program_error(
        w.bank.send(&[ix::execute_settlement(id, M)], &[]).await,
        BulwarkError::SettlementNotAllowed,
    );
    // Settling: trades, liquidations and ADL are refused; settle_position runs.
    w.bank.advance(9_000, 60).await;
    w.bank
        .send(&[ix::execute_settlement(id, M)], &[])
        .await
        .unwrap();
    let a = &people[1];
    assert_program_error(
        w.trade_in(a, M, -SOL, 0).await,
        BulwarkError::MarketStateForbids,
    );
    assert_program_error(
        w.bank
            .send(&[ix::auto_deleverage(a.margin, M, 1)], &[])
            .await,
        BulwarkError::MarketStateForbids,
    );
    // settle_position is refused in an active market.
    w.create_market_like_sol(1, |_| {}).await.unwrap();
    assert_program_error(
        w.bank.send(&[ix::settle_position(a.margin, 1)], &[]).await,
        BulwarkError::MarketStateForbids,
    );
    for _pass in 0..2 {
        for p in &people[1..] {
            if w.margin(&p.margin).await.slot_of(M).is_some() {
                w.bank
                    .send(&[ix::settle_position(p.margin, M)], &[])
                    .await
                    .unwrap();
            }
        }
    }
    assert_eq!(state(&mut w).await, MarketState::Settled);
    // Settled: users withdraw everything; the market may be delisted.
    let all = w.margin(&a.margin).await.collateral as u64;
    w.withdraw(a, all).await.unwrap();
    let id = w
        .queue_proposal(ProposalAction::Delist { market_index: M })
        .await
        .unwrap();
    w.bank.advance(10, TIMELOCK_SECS as i64).await;
    w.bank
        .send(
            &[ix::execute_action(
                id,
                &ProposalAction::Delist { market_index: M },
            )],
            &[],
        )
        .await
        .unwrap();
    assert_eq!(state(&mut w).await, MarketState::Delisted);
    // Delisted: nothing runs, not even update_risk.
    let sol: Vec<_> = w.sol_sources().iter().map(|s| s.account).collect();
    let usdc: Vec<_> = w.usdc_sources().iter().map(|s| s.account).collect();
    assert_program_error(
        w.bank.send(&[ix::update_risk(M, &sol, &usdc)], &[]).await,
        BulwarkError::MarketStateForbids,
    );
    assert_program_error(
        w.bank.send(&[ix::sweep(M)], &[]).await,
        BulwarkError::MarketStateForbids,
    );
}
