//! Scenes shared by several test files: the venue as the SDK's wallet builders read it, a
//! trade built by them, and an ADL-ready market with a winner.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use bulwark::state::{Exchange, MarginAccount, Market};
use bulwark_sdk::ix;
use bulwark_sdk::wallet::{self, Acting, Now, Venue};
use bulwark_testkit::world::{Participant, World};
use solana_sdk::signature::{Keypair, Signer};

use crate::{PRICE, SOL, USD, USDC};

/// The exchange and every market as read now (what the wallet builders take).
pub async fn venue_state(w: &mut World) -> (Exchange, Vec<Market>) {
    let ex = w.bank.exchange().await;
    let mut markets = Vec::new();
    for i in 0..ex.market_count {
        markets.push(w.bank.market(i).await);
    }
    (ex, markets)
}

/// The cluster's clock as the wallet builders take it.
pub async fn wallet_now(w: &mut World) -> Now {
    let clock = w.bank.clock().await;
    Now {
        slot: clock.slot,
        unix_timestamp: clock.unix_timestamp,
    }
}

/// `t` acting on its own margin account, as read in `account`.
pub fn acting<'a>(t: &Participant, account: &'a MarginAccount) -> Acting<'a> {
    Acting {
        signer: t.key.pubkey(),
        margin: t.margin,
        account,
    }
}

/// What `wallet::trade` builds for `t` trading `delta` base atoms in market `index`, no worse
/// than `limit`, over the venue and `t`'s account as read now.
pub async fn built_trade(
    w: &mut World,
    t: &Participant,
    index: u16,
    delta: i64,
    limit: u64,
) -> Vec<Instruction> {
    let (ex, markets) = venue_state(w).await;
    let account = w.margin(&t.margin).await;
    let now = wallet_now(w).await;
    let v = Venue {
        exchange: &ex,
        markets: &markets,
    };
    wallet::trade(&v, &acting(t, &account), index, delta, limit, now).expect("listed market")
}

/// Starts `market`'s ADL episode with a call on `target` (it closes only what sits above the
/// top, the market's maximum leverage) and lets the water level fall to the bottom: the
/// market's `adl_drain_slots` pass (at ~2.5 slots a second) with the price refreshed at
/// `sol_e8`. Every eligible winner is then reachable, each as far as the ratio allows.
pub async fn start_adl_and_drain(w: &mut World, target: Pubkey, market: u16, sol_e8: i64) {
    w.refresh(sol_e8).await;
    w.bank
        .send(&[ix::auto_deleverage(target, market, u64::MAX)], &[])
        .await
        .expect("the first call while triggered starts the episode");
    let drain = w.bank.market(market).await.params.adl.adl_drain_slots;
    w.bank.advance(drain, (drain * 2 / 5) as i64).await;
    w.refresh(sol_e8).await;
}

/// [`adl_triggered_scene`] with the ADL episode started and its water level drained to the
/// bottom.
pub async fn adl_scene(lp: Keypair, winner: Keypair) -> (World, Participant) {
    let (mut w, winner) = adl_triggered_scene(lp, winner).await;
    start_adl_and_drain(&mut w, winner.margin, 0, 200 * USD).await;
    (w, winner)
}

/// One market with ADL at 10% of the pool (floor 5%), a 10,000 USDC pool from `lp`, and
/// `winner` 30 SOL long from 150 through a rise to 200: its profit share is over the trigger;
/// no ADL episode yet.
pub async fn adl_triggered_scene(lp: Keypair, winner: Keypair) -> (World, Participant) {
    let mut w = World::with_one_market(|a| {
        a.params.adl.adl_trigger_ppm = 100_000;
        a.params.adl.adl_floor_ppm = 50_000;
    })
    .await;
    w.set_open_interest_caps_directly(0, 10_000 * SOL as u64, 10_000 * SOL as u64)
        .await;
    let lp = w.participant_with_key(lp, 10_000 * USDC).await;
    w.pool_deposit(&lp, 10_000 * USDC).await.unwrap();
    let winner = w.participant_with_key(winner, 1_000 * USDC).await;
    w.deposit(&winner, 1_000 * USDC).await.unwrap();
    w.refresh(150 * USD).await;
    w.trade_in(&winner, 0, 30 * SOL, 151 * PRICE).await.unwrap();
    for p in [160, 170, 180, 190, 200] {
        w.bank.advance(30, 12).await;
        w.refresh(p * USD).await;
    }
    (w, winner)
}
