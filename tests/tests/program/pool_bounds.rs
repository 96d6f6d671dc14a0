//! Bounds stated for the pool hold across all its markets at once: each market measures its
//! traders' counted profit and its reserve against its even part of the pool, so two markets
//! cannot each pay out up to the whole profit cap nor each reserve up to the whole reserve.

use bulwark::error::BulwarkError;
use bulwark_sdk::params::POOL_WITHDRAW_DELAY_SECS;
use bulwark_sdk::{ix, pda};
use bulwark_testkit::world::Participant;
use bulwark_tests::*;

/// Two markets on the SOL feeds, a 1,000 USDC pool (traders' profit capped at 50%: 500 USDC;
/// a 50% reserve: 500 USDC), one trader per market holding `deposit`, prices refreshed at 150.
async fn two_markets_one_pool(deposit: u64) -> (World, [Participant; 2], Participant) {
    let mut w = World::with_sol_market().await;
    w.create_market_like_sol(1, |_| {}).await.unwrap();
    for i in 0..2 {
        w.set_open_interest_caps_directly(i, 10_000 * SOL as u64, 10_000 * SOL as u64)
            .await;
    }
    let lp = w.participant(1_000 * USDC).await;
    w.pool_deposit(&lp, 1_000 * USDC).await.unwrap();
    let traders = [trader(&mut w, deposit).await, trader(&mut w, deposit).await];
    w.refresh(150 * USD).await;
    (w, traders, lp)
}

/// [`two_markets_one_pool`] with 1,000 USDC traders, each 1.5 SOL long from 150.
async fn two_markets_small_pool() -> (World, [Participant; 2]) {
    let (mut w, traders, _lp) = two_markets_one_pool(1_000 * USDC).await;
    for (i, t) in traders.iter().enumerate() {
        w.trade_in(t, i as u16, 3 * SOL / 2, 151 * PRICE)
            .await
            .unwrap();
    }
    (w, traders)
}

#[tokio::test]
async fn two_markets_together_pay_no_more_profit_than_the_pool_wide_cap() {
    let (mut w, traders) = two_markets_small_pool().await;
    let cap = 500 * USDC as i64;
    // SOL triples: each trader is 450 USDC up, 900 together against a 500 cap.
    w.bank.advance(30, 12).await;
    for price in [200, 260, 340, 450] {
        w.refresh(price * USD).await;
    }
    let mut gained = 0;
    for (i, t) in traders.iter().enumerate() {
        let before = w.margin(&t.margin).await.collateral;
        w.trade_in(t, i as u16, -3 * SOL / 2, PRICE).await.unwrap();
        let gain = w.margin(&t.margin).await.collateral - before;
        assert!(
            gain <= cap / 2,
            "market {i} paid {gain}, beyond its half of the cap"
        );
        gained += gain;
    }
    assert!(
        gained <= cap,
        "both markets paid {gained} against a {cap} pool-wide cap"
    );
    assert!(gained > 0);
    assert_books_balance(&mut w, &[traders[0].margin, traders[1].margin]).await;
}

#[tokio::test]
async fn two_markets_together_reserve_no_more_than_the_reserve_factor_of_the_pool() {
    let (mut w, traders, _lp) = two_markets_one_pool(10_000 * USDC).await;
    // A 50% reserve of a 1,000 USDC pool is 500 USDC for both markets together: 250 each.
    // 2 SOL (300 USDC) fits the whole pool's reserve but not a market's part of it.
    for (i, t) in traders.iter().enumerate() {
        let before = Snapshot::take(&mut w.bank, &[t.margin, pda::market(i as u16).0]).await;
        assert_program_error(
            w.trade_in(t, i as u16, 2 * SOL, 151 * PRICE).await,
            BulwarkError::ReserveCap,
        );
        before.assert_unchanged(&mut w.bank).await;
        w.trade_in(t, i as u16, 3 * SOL / 2, 151 * PRICE)
            .await
            .unwrap();
    }
    let mut reserved = 0;
    for i in 0..2 {
        let m = w.bank.market(i).await;
        reserved += m.book.long_oi.max(m.book.short_oi) as u128 * 150;
    }
    assert!(
        reserved / SOL as u128 <= 500 * USDC as u128,
        "markets reserve {reserved} base-USD together against half of a 1,000 USDC pool"
    );
    // Reductions are always allowed.
    w.trade_in(&traders[1], 1, -SOL / 2, PRICE).await.unwrap();
    assert_books_balance(&mut w, &[traders[0].margin, traders[1].margin]).await;
}

/// `lp` asks for `fraction_ppm` of its shares and waits out the delay; prices refreshed and
/// market 0 swept, so the withdrawal can be judged.
async fn request_part(w: &mut World, lp: &Participant, fraction_ppm: u64) {
    let shares = w.lp(lp).await.shares();
    w.pool_request_withdraw(lp, shares / 1_000_000 * fraction_ppm as u128)
        .await
        .unwrap();
    w.bank.advance(10, POOL_WITHDRAW_DELAY_SECS as i64).await;
    w.refresh(150 * USD).await;
    w.bank.send(&[ix::sweep(0)], &[]).await.unwrap();
}

#[tokio::test]
async fn one_market_at_its_cap_does_not_block_a_withdrawal_the_whole_pool_affords() {
    let (mut w, traders, lp) = two_markets_one_pool(10_000 * USDC).await;
    // Market 0 at about its part's cap: 1.5 SOL (225 USDC) needs 450 of the pool behind it.
    w.trade_in(&traders[0], 0, 3 * SOL / 2, 151 * PRICE)
        .await
        .unwrap();
    // Withdrawing 60% would leave ~400 behind 450 of need: refused, nothing moves.
    request_part(&mut w, &lp, 600_000).await;
    let before = Snapshot::take(&mut w.bank, &[pda::pool(0).0, pda::vault().0]).await;
    assert_program_error(
        w.pool_withdraw(&lp).await,
        BulwarkError::WithdrawalExceedsUnreserved,
    );
    before.assert_unchanged(&mut w.bank).await;
    // 40% leaves ~600: the pool as a whole affords it, though a per-market split of what
    // remains (300 each, 150 of reserve) would have refused it.
    request_part(&mut w, &lp, 400_000).await;
    let vault = w.vault_balance().await;
    w.pool_withdraw(&lp).await.unwrap();
    assert!(w.vault_balance().await < vault - 390 * USDC);
    assert_books_balance(&mut w, &[traders[0].margin, traders[1].margin]).await;
}

#[tokio::test]
async fn a_delisted_market_no_longer_takes_a_part_of_the_pool() {
    use bulwark::state::ProposalAction;
    use bulwark_sdk::params::TIMELOCK_SECS;
    use solana_sdk::signature::Signer;
    let (mut w, traders, _lp) = two_markets_one_pool(10_000 * USDC).await;
    // Market 1, never traded, is settled (at once: no open interest) and delisted.
    let g = w.guardian.insecure_clone();
    w.bank
        .send(&[ix::guardian_reduce_only(g.pubkey(), 1)], &[&g])
        .await
        .unwrap();
    let settle = w
        .queue_proposal(ProposalAction::Settle { market_index: 1 })
        .await
        .unwrap();
    let delist = w
        .queue_proposal(ProposalAction::Delist { market_index: 1 })
        .await
        .unwrap();
    w.bank.advance(9_000, TIMELOCK_SECS as i64).await;
    w.bank
        .send(&[ix::execute_settlement(settle, 1)], &[])
        .await
        .unwrap();
    w.bank
        .send(
            &[ix::execute_action(
                delist,
                &ProposalAction::Delist { market_index: 1 },
            )],
            &[],
        )
        .await
        .unwrap();
    let ex = w.bank.exchange().await;
    let live = w.pool().await.live_market_count();
    assert_eq!((ex.market_count, live), (2, 1));
    // SOL-PERP alone now measures against the whole pool: 2 SOL (300 USDC) fits its 500 USDC
    // reserve, where its half (250) refused it while market 1 was listed.
    w.bank.advance(1, 1).await;
    w.publish_all(150 * USD, USD).await;
    w.bank.send(&[w.update_risk_ix()], &[]).await.unwrap();
    w.trade_in(&traders[0], 0, 2 * SOL, 151 * PRICE)
        .await
        .unwrap();
}
