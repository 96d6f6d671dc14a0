//! A wallet's journeys on a cluster where every transaction lands in a new slot and the
//! feeds publish on their own cadences (Pyth every second, Switchboard every 5 s, Chainlink
//! on an 8 s heartbeat), built with the SDK's wallet builders (`bulwark_sdk::wallet`): what
//! the builders send must land, and with a source gone quiet the increase is refused with
//! its own error while reductions go on.

use bulwark::error::BulwarkError;
use bulwark_sdk::wallet::{self, Now, Venue};
use bulwark_testkit::world::Participant;
use bulwark_tests::*;
use solana_program_test::BanksClientError;
use solana_sdk::signature::Signer;

/// The cluster's clock and the feeds' publication schedule.
struct Cluster {
    /// Milliseconds since the start (400 ms slots).
    ms: i64,
    /// SOL in USD at 1e-8, walking.
    sol_e8: i64,
    rng: Rng,
    /// Feeds that have stopped publishing.
    quiet: Vec<Feed>,
}

impl Cluster {
    fn new() -> Cluster {
        Cluster {
            ms: 0,
            sol_e8: 150 * USD,
            rng: Rng(42),
            quiet: Vec::new(),
        }
    }

    /// One slot passes (400 ms); each feed whose cadence came round publishes at the new time.
    /// Returns whether any feed published.
    async fn tick(&mut self, w: &mut World) -> bool {
        let before = self.ms / 1_000;
        self.ms += 400;
        let secs = self.ms / 1_000 - before;
        w.bank.advance(1, secs).await;
        if secs == 0 {
            return false;
        }
        // A walk of at most ±0.02% a second.
        let step = self.rng.below(41) as i64 - 20;
        self.sol_e8 += self.sol_e8 * step / 100_000;
        let clock = w.bank.clock().await;
        let second = self.ms / 1_000;
        for feed in Feed::ALL {
            let due = match feed {
                Feed::PythSol | Feed::PythUsdc => true,
                Feed::SwitchboardSol => second % 5 == 0,
                Feed::ChainlinkSol | Feed::ChainlinkUsdc => second % 8 == 0,
            };
            if due && !self.quiet.contains(&feed) {
                let price = match feed {
                    Feed::PythUsdc | Feed::ChainlinkUsdc => USD,
                    _ => self.sol_e8,
                };
                w.publish_at(feed, price, clock.unix_timestamp, clock.slot);
            }
        }
        true
    }

    /// A keeper refreshes the market, then slots pass until one in which no feed publishes:
    /// a transaction landing there finds nothing new since the last refresh (the case that
    /// refused every increase while the refresh was a no-op).
    async fn after_a_keeper_refresh_quiet_slot(&mut self, w: &mut World) {
        loop {
            while self.tick(w).await {}
            w.update_risk().await.unwrap();
            if !self.tick(w).await {
                return;
            }
        }
    }

    /// `secs` seconds pass at once (a delay or a cooldown), then a few slots so every feed
    /// publishes again.
    async fn jump(&mut self, w: &mut World, secs: i64) {
        w.bank.advance(secs as u64 * 5 / 2, secs).await;
        self.ms += secs * 1_000;
        self.ticks(w, 25).await;
    }

    /// `n` slots pass.
    async fn ticks(&mut self, w: &mut World, n: usize) {
        for _ in 0..n {
            self.tick(w).await;
        }
    }
}

/// A venue whose feeds have run on their cadences for a while (every source has published).
async fn running_venue() -> (World, Cluster) {
    let (mut w, _lp) = venue().await;
    let mut c = Cluster::new();
    c.ticks(&mut w, 60).await;
    (w, c)
}

/// Sends what the SDK builds for a trade of `delta` by `t`, in a new slot.
async fn trade(
    w: &mut World,
    c: &mut Cluster,
    t: &Participant,
    delta: i64,
    limit: u64,
) -> Result<(), BanksClientError> {
    c.tick(w).await;
    let ixs = built_trade(w, t, SOL_PERP, delta, limit).await;
    // The slot moves between building and landing, to one where nothing is published.
    c.after_a_keeper_refresh_quiet_slot(w).await;
    w.bank.send(&ixs, &[&t.key]).await
}

/// Builds with `build` over the venue as read now, lets the slot move (no keeper refreshes
/// in between: what the action needs must be in what was built), and sends it, signed by `p`.
async fn send_built(
    w: &mut World,
    c: &mut Cluster,
    p: &Participant,
    build: impl FnOnce(&Venue, Now) -> Vec<anchor_lang::solana_program::instruction::Instruction>,
) -> Result<(), BanksClientError> {
    c.tick(w).await;
    let (ex, markets) = venue_state(w).await;
    let at = wallet_now(w).await;
    let ixs = build(
        &Venue {
            exchange: &ex,
            markets: &markets,
        },
        at,
    );
    c.tick(w).await;
    w.bank.send(&ixs, &[&p.key]).await
}

/// Sends what the SDK builds for a withdrawal of `amount` by `t`, in a new slot.
async fn withdraw(
    w: &mut World,
    c: &mut Cluster,
    t: &Participant,
    amount: u64,
) -> Result<(), BanksClientError> {
    c.tick(w).await;
    let (ex, markets) = venue_state(w).await;
    let account = w.margin(&t.margin).await;
    let v = Venue {
        exchange: &ex,
        markets: &markets,
    };
    let ixs = wallet::withdraw(
        &v,
        &acting(t, &account),
        t.token,
        amount,
        wallet_now(w).await,
    );
    c.after_a_keeper_refresh_quiet_slot(w).await;
    w.bank.send(&ixs, &[&t.key]).await
}

#[tokio::test]
async fn a_trader_opens_increases_reduces_closes_and_withdraws_while_slots_move() {
    let (mut w, mut c) = running_venue().await;
    let t = trader(&mut w, 10_000 * USDC).await;
    let limit_buy = 200 * PRICE;
    trade(&mut w, &mut c, &t, 2 * SOL, limit_buy).await.unwrap();
    c.ticks(&mut w, 7).await;
    trade(&mut w, &mut c, &t, SOL, limit_buy).await.unwrap();
    c.ticks(&mut w, 3).await;
    trade(&mut w, &mut c, &t, -SOL, 100 * PRICE).await.unwrap();
    // A withdrawal with a position open: its market is judged in the transaction's slot.
    withdraw(&mut w, &mut c, &t, 1_000 * USDC).await.unwrap();
    c.ticks(&mut w, 11).await;
    trade(&mut w, &mut c, &t, -2 * SOL, 100 * PRICE)
        .await
        .unwrap();
    let a = w.margin(&t.margin).await;
    assert_eq!(a.open_markets().1, 0);
    let left = u64::try_from(a.collateral).unwrap();
    withdraw(&mut w, &mut c, &t, left).await.unwrap();
    assert_eq!(w.margin(&t.margin).await.collateral, 0);
}

#[tokio::test]
async fn with_a_source_quiet_past_the_increase_limit_increases_are_refused_and_reductions_land() {
    let (mut w, mut c) = running_venue().await;
    let t = trader(&mut w, 10_000 * USDC).await;
    trade(&mut w, &mut c, &t, 2 * SOL, 200 * PRICE)
        .await
        .unwrap();
    // Chainlink SOL stops: 10 s after its last round every increase needs a fresher source.
    c.quiet.push(Feed::ChainlinkSol);
    c.ticks(&mut w, 30).await;
    // (The market moves with the keeper's refreshes; the trader's account must not.)
    let before = Snapshot::take(&mut w.bank, &[t.margin]).await;
    assert_program_error(
        trade(&mut w, &mut c, &t, SOL, 200 * PRICE).await,
        BulwarkError::SourcesTooOld,
    );
    before.assert_unchanged(&mut w.bank).await;
    assert_program_error(
        withdraw(&mut w, &mut c, &t, USDC).await,
        BulwarkError::SourcesTooOld,
    );
    trade(&mut w, &mut c, &t, -SOL, 100 * PRICE).await.unwrap();
    // It publishes again: increases resume.
    c.quiet.clear();
    c.ticks(&mut w, 20).await;
    trade(&mut w, &mut c, &t, SOL, 200 * PRICE).await.unwrap();
}

#[tokio::test]
async fn a_bare_increase_or_withdrawal_a_slot_after_the_refresh_names_the_missing_refresh() {
    let (mut w, mut c) = running_venue().await;
    let t = trader(&mut w, 10_000 * USDC).await;
    trade(&mut w, &mut c, &t, 2 * SOL, 200 * PRICE)
        .await
        .unwrap();
    c.tick(&mut w).await;
    let before = Snapshot::take(&mut w.bank, &[t.margin]).await;
    assert_program_error(
        w.trade(&t, SOL, 200 * PRICE).await,
        BulwarkError::NotRefreshedThisSlot,
    );
    assert_program_error(
        w.withdraw(&t, USDC).await,
        BulwarkError::NotRefreshedThisSlot,
    );
    before.assert_unchanged(&mut w.bank).await;
}

#[tokio::test]
async fn the_builders_refresh_with_a_source_rotation_that_has_come_due() {
    use bulwark_sdk::params::TIMELOCK_SECS;
    let (mut w, _lp) = venue().await;
    let t = trader(&mut w, 10_000 * USDC).await;
    let new_feed = anchor_lang::prelude::Pubkey::new_unique();
    let activation = w.bank.clock().await.slot + 20_000;
    let id = queue_rotation_to(&mut w, 1, new_feed, activation).await;
    w.bank.advance(10, TIMELOCK_SECS as i64).await;
    w.bank
        .send(
            &[bulwark_sdk::ix::execute_proposal(id, Some(SOL_PERP))],
            &[],
        )
        .await
        .unwrap();
    // At the activation slot, with nothing refreshed since: the rotation is due but not yet
    // applied on chain; the builder's refresh names the new source.
    at_activation_with_new_feed(&mut w, activation, new_feed).await;
    assert_eq!(
        w.bank.market(SOL_PERP).await.pending_source_slot,
        activation
    );
    let ixs = built_trade(&mut w, &t, SOL_PERP, SOL, 200 * PRICE).await;
    w.bank.send(&ixs, &[&t.key]).await.unwrap();
    assert_eq!(
        w.bank.market(SOL_PERP).await.oracle.sources[1].account,
        new_feed
    );
}

#[tokio::test]
async fn an_lp_and_a_staker_come_and_go_while_a_position_is_open_and_slots_move() {
    use bulwark_sdk::params::{POOL_WITHDRAW_DELAY_SECS, UNSTAKE_COOLDOWN_SECS};
    let (mut w, mut c) = running_venue().await;
    let t = trader(&mut w, 10_000 * USDC).await;
    trade(&mut w, &mut c, &t, 5 * SOL, 200 * PRICE)
        .await
        .unwrap();
    let lp = w.participant(60_000 * USDC).await;
    let (k, token) = (lp.key.pubkey(), lp.token);
    send_built(&mut w, &mut c, &lp, |v, at| {
        wallet::pool_deposit(v, (k, 0), token, (50_000 * USDC, 0), at)
    })
    .await
    .unwrap();
    let shares = w.lp(&lp).await.shares();
    send_built(&mut w, &mut c, &lp, |_, _| {
        wallet::pool_request_withdraw(k, shares, 0)
    })
    .await
    .unwrap();
    send_built(&mut w, &mut c, &lp, |_, _| {
        wallet::stake(k, token, 10_000 * USDC, 0)
    })
    .await
    .unwrap();
    let staked = {
        let key = bulwark_sdk::pda::stake_account(0, &k).0;
        bulwark_sdk::accounts::stake_account(&w.bank.account(&key).await.unwrap().data)
            .unwrap()
            .shares()
    };
    send_built(&mut w, &mut c, &lp, |_, _| {
        wallet::request_unstake(k, staked, 0)
    })
    .await
    .unwrap();
    // A day or more on: the stored price is far too old for the pool's valuation, and the
    // builder refreshes the market holding open interest.
    c.jump(
        &mut w,
        POOL_WITHDRAW_DELAY_SECS.max(UNSTAKE_COOLDOWN_SECS) as i64,
    )
    .await;
    send_built(&mut w, &mut c, &lp, |v, at| {
        wallet::pool_withdraw(v, (k, 0), token, at)
    })
    .await
    .unwrap();
    send_built(&mut w, &mut c, &lp, |v, _| wallet::unstake(v, k, token, 0))
        .await
        .unwrap();
    assert_eq!(w.lp(&lp).await.shares(), 0);
    assert!(w.bank.token_balance(&token).await > 59_000 * USDC);
}

#[tokio::test]
async fn an_increase_beside_a_position_in_a_settling_market_skips_that_market_s_refresh() {
    use bulwark::state::ProposalAction;
    use bulwark_sdk::params::TIMELOCK_SECS;
    let (mut w, _lp) = venue().await;
    w.create_market_like_sol(1, |_| {}).await.unwrap();
    w.set_open_interest_caps_directly(1, 10_000 * SOL as u64, 10_000 * SOL as u64)
        .await;
    let t = trader(&mut w, 10_000 * USDC).await;
    w.refresh(150 * USD).await;
    w.trade_in(&t, 0, SOL, 160 * PRICE).await.unwrap();
    w.trade_in(&t, 1, SOL, 160 * PRICE).await.unwrap();
    // Market 1 is restricted and settled by governance: Settling, its positions priced at
    // the settlement price, no refresh taken.
    let (gov, g) = (w.governance.insecure_clone(), w.guardian.insecure_clone());
    w.bank
        .send(
            &[bulwark_sdk::ix::guardian_reduce_only(g.pubkey(), 1)],
            &[&g],
        )
        .await
        .unwrap();
    let payer = w.bank.payer().pubkey();
    let id = w.bank.exchange().await.proposal_count;
    let q = bulwark_sdk::ix::queue_proposal(
        gov.pubkey(),
        payer,
        id,
        ProposalAction::Settle { market_index: 1 },
    );
    w.bank.send(&[q], &[&gov]).await.unwrap();
    w.bank.advance(9_000, TIMELOCK_SECS as i64).await;
    w.bank
        .send(&[bulwark_sdk::ix::execute_settlement(id, 1)], &[])
        .await
        .unwrap();
    assert_eq!(
        w.bank.market(1).await.state(),
        bulwark_engine::state::MarketState::Settling
    );
    w.refresh(150 * USD).await;
    w.bank.advance(1, 1).await;
    w.publish_all(150 * USD, USD).await;
    let ixs = built_trade(&mut w, &t, 0, SOL, 160 * PRICE).await;
    assert_eq!(
        ixs.len(),
        2,
        "the traded market's refresh and the trade only"
    );
    w.bank.send(&ixs, &[&t.key]).await.unwrap();
    assert_eq!(w.margin(&t.margin).await.positions[0].base, 2 * SOL);
}
