//! Emergency settlement with an under-water loser: the payout ratio counts only what losers
//! can pay in (their expected bad debt is declared from their whole account when first
//! visited), is fixed only once every position has been visited, and no crank order changes
//! a payout. The pool pays winners no more than its funds at the start plus what came in; the
//! loser's deficit is resolved against the settling market.

use bulwark::error::BulwarkError;
use bulwark::state::ProposalAction;
use bulwark_engine::num::{mul_div_floor_i64, value_floor};
use bulwark_engine::state::MarketState;
use bulwark_sdk::params::TIMELOCK_SECS;
use bulwark_sdk::{ix, pda};
use bulwark_testkit::world::Participant;
use bulwark_tests::*;
use solana_sdk::signature::Signer;

const M: u16 = 1;

/// SOL's price after the run.
const TOP: i64 = 750;

/// Market 1 (fast TWAP, a 640 USDC pool over two markets: each may reserve 320 USDC): two
/// 1 SOL longs with 500 USDC each; `under`, a 0.5 SOL short with only 60 USDC; `hedged`, a
/// 0.5 SOL short in market 1 with 60 USDC and a 0.5 SOL long in SOL-PERP. SOL runs
/// 150 → 750: the shorts lose ~300 each in market 1.
/// The guardian then puts market 1 ReduceOnly. Returns [a, b, under, hedged].
async fn scene() -> (World, Vec<Participant>) {
    let mut w = World::with_sol_market().await;
    w.create_market_like_sol(M, |a| {
        a.params.oracle.twap.twap_window_secs = 60;
        a.params.oracle.twap.twap_max_step_ppm = 200_000;
        a.params.trade.reserve_factor_ppm = 1_000_000;
    })
    .await
    .unwrap();
    for i in [SOL_PERP, M] {
        w.set_open_interest_caps_directly(i, 10_000 * SOL as u64, 10_000 * SOL as u64)
            .await;
    }
    let lp = w.participant(640 * USDC).await;
    w.pool_deposit(&lp, 640 * USDC).await.unwrap();
    let a = trader(&mut w, 500 * USDC).await;
    let b = trader(&mut w, 500 * USDC).await;
    let under = trader(&mut w, 60 * USDC).await;
    let hedged = trader(&mut w, 60 * USDC).await;
    w.refresh(150 * USD).await;
    w.trade_in(&a, M, SOL, 151 * PRICE).await.unwrap();
    w.trade_in(&b, M, SOL, 151 * PRICE).await.unwrap();
    w.trade_in(&under, M, -SOL / 2, 149 * PRICE).await.unwrap();
    w.trade_in(&hedged, M, -SOL / 2, 149 * PRICE).await.unwrap();
    w.trade_in(&hedged, SOL_PERP, SOL / 2, 151 * PRICE)
        .await
        .unwrap();
    walk_prices(
        &mut w,
        &[
            200, 260, 330, 400, 480, 580, 700, TOP, TOP, TOP, TOP, TOP, TOP, TOP, TOP,
        ],
    )
    .await;
    let g = w.guardian.insecure_clone();
    w.bank
        .send(&[ix::guardian_reduce_only(g.pubkey(), M)], &[&g])
        .await
        .unwrap();
    (w, vec![a, b, under, hedged])
}

/// Queues and executes the settlement of market 1, then refreshes prices (SOL-PERP's price
/// values the hedged loser's other position).
async fn begin(w: &mut World) {
    let gov = w.governance.insecure_clone();
    let payer = w.bank.payer().pubkey();
    let id = w.bank.exchange().await.proposal_count;
    let q = ix::queue_proposal(
        gov.pubkey(),
        payer,
        id,
        ProposalAction::Settle { market_index: M },
    );
    w.bank.send(&[q], &[&gov]).await.unwrap();
    w.bank.advance(9_000, TIMELOCK_SECS as i64).await;
    w.bank
        .send(&[ix::execute_settlement(id, M)], &[])
        .await
        .unwrap();
    w.refresh(TOP * USD).await;
}

async fn visit(
    w: &mut World,
    p: &Participant,
) -> Result<(), solana_program_test::BanksClientError> {
    let others = w.health_markets(&p.margin, Some(M)).await;
    w.bank
        .send(&[ix::settle_position_with(p.margin, M, &others)], &[])
        .await
}

async fn has_position(w: &mut World, p: &Participant) -> bool {
    w.margin(&p.margin).await.slot_of(M).is_some()
}

/// The pool's funds: its capital plus what the markets owe it.
async fn pool_funds(w: &mut World) -> i64 {
    let mut f = w.pool().await.capital;
    for i in [SOL_PERP, M] {
        let m = w.bank.market(i).await;
        f += m.ledgers.pnl_pending + m.ledgers.fee_pool as i64;
    }
    f
}

/// Each position's PnL at the settlement price.
async fn pnl_at_settlement(w: &mut World, p: &Participant) -> i64 {
    let m = w.bank.market(M).await;
    let a = w.margin(&p.margin).await;
    let s = a.positions[a.slot_of(M).unwrap()];
    value_floor(s.base, m.settlement.price, 6).unwrap() - s.cost
}

/// The account's collateral once its funding in market 1 settles.
async fn collateral_after_funding(w: &mut World, p: &Participant) -> i64 {
    let acct = w.margin(&p.margin).await;
    let s = acct.positions[acct.slot_of(M).unwrap()];
    let index = w.bank.market(M).await.funding.index;
    acct.collateral
        - bulwark_engine::funding::funding_owed(s.base, s.funding_snapshot, index, 6).unwrap()
}

struct Settled {
    collateral: Vec<i64>,
    market: bulwark::state::Market,
}

/// Settles in `order` (indices into [a, b, under, hedged]) until the market is Settled.
async fn settle(order: [usize; 4]) -> (Settled, World, Vec<Participant>) {
    let (mut w, people) = scene().await;
    begin(&mut w).await;
    let all: Vec<_> = people.iter().map(|p| p.margin).collect();
    assert_books_balance(&mut w, &all).await;
    for _pass in 0..2 {
        for i in order {
            if has_position(&mut w, &people[i]).await {
                visit(&mut w, &people[i]).await.unwrap();
            }
        }
    }
    let market = w.bank.market(M).await;
    assert_eq!(MarketState::from_u8(market.status), MarketState::Settled);
    assert_books_balance(&mut w, &all).await;
    let mut collateral = Vec::new();
    for p in &people {
        collateral.push(w.margin(&p.margin).await.collateral);
    }
    (Settled { collateral, market }, w, people)
}

#[tokio::test]
async fn an_under_water_loser_is_declared_and_the_pool_pays_only_what_it_has() {
    // Reference run, winners visited first, everything measured from the start.
    let (mut w, people) = scene().await;
    let funds_before = pool_funds(&mut w).await;
    begin(&mut w).await;
    let m0 = w.bank.market(M).await;
    assert_eq!(
        m0.settlement.ratio.den, 0,
        "no ratio before every position is visited"
    );
    let [a, b, under, hedged] = [&people[0], &people[1], &people[2], &people[3]];
    let pnl_a = pnl_at_settlement(&mut w, a).await;
    let pnl_b = pnl_at_settlement(&mut w, b).await;
    let loss_under = -pnl_at_settlement(&mut w, under).await;
    let loss_hedged = -pnl_at_settlement(&mut w, hedged).await;
    assert!(pnl_a > 200 * USDC as i64 && loss_under > 100 * USDC as i64);

    // A winner's first visit records its claim and pays nothing yet (only its funding
    // settles); a second is refused.
    let a_before = collateral_after_funding(&mut w, a).await;
    visit(&mut w, a).await.unwrap();
    let after_claim = w.margin(&a.margin).await;
    assert_eq!(after_claim.collateral, a_before);
    assert!(after_claim.slot_of(M).is_some());
    assert_eq!(w.bank.market(M).await.settlement.claims, pnl_a as u64);
    let snap = Snapshot::take(&mut w.bank, &[a.margin, pda::market(M).0]).await;
    assert_program_error(visit(&mut w, a).await, BulwarkError::SettlementRatioPending);
    snap.assert_unchanged(&mut w.bank).await;

    // The hedged loser's account is judged whole: without its other market, refused.
    assert_program_error(
        w.bank
            .send(&[ix::settle_position(hedged.margin, M)], &[])
            .await,
        BulwarkError::MissingHealthMarket,
    );
    // What `under` has once its funding (received: shorts are the smaller side) settles.
    let under_collateral = collateral_after_funding(&mut w, under).await;
    visit(&mut w, under).await.unwrap();
    visit(&mut w, hedged).await.unwrap();
    visit(&mut w, b).await.unwrap();
    let m = w.bank.market(M).await;
    // The under-water loser paid in only what it had; its profitable hedge covers the other.
    let bad_debt = loss_under - under_collateral;
    assert!(bad_debt > 50 * USDC as i64);
    assert_eq!(m.settlement.bad_debt, bad_debt as u64);
    assert_eq!(w.margin(&under.margin).await.collateral, -bad_debt);
    let paid_in = loss_under - bad_debt + loss_hedged;
    let start = m.settlement.available as i64 - paid_in;
    assert_eq!(m.settlement.claims, (pnl_a + pnl_b) as u64);
    assert_eq!(
        (m.settlement.ratio.num, m.settlement.ratio.den),
        ((start + paid_in) as u64, (pnl_a + pnl_b) as u64),
        "the ratio counts only what came in"
    );
    // b's visit fixed the ratio and paid b at once; a is paid on its second visit.
    visit(&mut w, a).await.unwrap();
    assert_eq!(
        MarketState::from_u8(w.bank.market(M).await.status),
        MarketState::Settled
    );
    let pay = |pnl: i64| mul_div_floor_i64(pnl, start + paid_in, pnl_a + pnl_b).unwrap();
    assert_eq!(w.margin(&a.margin).await.collateral, a_before + pay(pnl_a));
    // What the old rule (losses counted as paid in whole) would have paid: more than came in.
    let old_pay = |pnl: i64| {
        mul_div_floor_i64(pnl, start + loss_under + loss_hedged, pnl_a + pnl_b)
            .unwrap()
            .min(pnl)
    };
    assert!(old_pay(pnl_a) - pay(pnl_a) > 20 * USDC as i64);

    resolve_within_pool_funds(&mut w, &people, under, funds_before, start).await;
}

/// The under-water loser's deficit is resolved in its own market only, and the pool (no
/// insurance staked) bears it: it pays out at most `start` (its funds for winners when
/// settlement began) from `funds_before`, and its funds never go below zero.
async fn resolve_within_pool_funds(
    w: &mut World,
    people: &[Participant],
    under: &Participant,
    funds_before: i64,
    start: i64,
) {
    // The deficit is this market's: resolving it against SOL-PERP is refused.
    assert_program_error(
        w.bank
            .send(&[ix::resolve_bankruptcy(under.margin, SOL_PERP)], &[])
            .await,
        BulwarkError::WrongBankruptcyMarket,
    );
    w.bank
        .send(&[ix::resolve_bankruptcy(under.margin, M)], &[])
        .await
        .unwrap();
    assert_eq!(w.margin(&under.margin).await.collateral, 0);
    // No insurance staked: LPs bear the deficit. The pool paid out at most its funds at the
    // start plus what losers paid in: its funds never go below zero (hedged's SOL-PERP
    // profit, still open, is not paid yet).
    let funds_after = pool_funds(w).await;
    assert!(
        funds_after >= 0,
        "pool paid more than it had: {funds_after}"
    );
    assert!(
        funds_before - funds_after <= start,
        "outflow {} > start funds {start}",
        funds_before - funds_after
    );
    let all: Vec<_> = people.iter().map(|p| p.margin).collect();
    assert_books_balance(w, &all).await;
}

#[tokio::test]
async fn crank_order_changes_no_payout_and_no_declaration() {
    let (first, _, _) = settle([0, 1, 2, 3]).await;
    let (second, _, _) = settle([3, 2, 1, 0]).await;
    let (third, _, _) = settle([2, 0, 3, 1]).await;
    for other in [&second, &third] {
        assert_eq!(first.collateral, other.collateral);
        assert_eq!(
            first.market.settlement.bad_debt,
            other.market.settlement.bad_debt
        );
        assert_eq!(
            (
                first.market.settlement.ratio.num,
                first.market.settlement.ratio.den
            ),
            (
                other.market.settlement.ratio.num,
                other.market.settlement.ratio.den
            )
        );
    }
    assert!(first.market.settlement.bad_debt > 0);
    assert!(first.market.settlement.ratio.num < first.market.settlement.ratio.den);
}
