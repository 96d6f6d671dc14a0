//! Share capacity of a real venue: the pool and the insurance fund take deposits of a
//! hundred billion USDC (shares are `u128`, 1e6 per collateral unit at the start) and pay
//! them back, never more than went in (share pricing rounds in the protocol's favour).

use bulwark_sdk::params::{POOL_WITHDRAW_DELAY_SECS, UNSTAKE_COOLDOWN_SECS};
use bulwark_sdk::{accounts, ix, pda};
use bulwark_testkit::world::Participant;
use bulwark_tests::*;
use solana_sdk::signature::Signer;

/// 1e11 USDC in collateral units.
const HUNDRED_BILLION: u64 = 100_000_000_000 * USDC;

async fn stake_of(w: &mut World, s: &Participant) -> bulwark::state::StakeAccount {
    let key = pda::stake_account(0, &s.key.pubkey()).0;
    accounts::stake_account(&w.bank.account(&key).await.unwrap().data).unwrap()
}

#[tokio::test]
async fn the_pool_takes_a_hundred_billion_and_nineteen_million_more_and_pays_back_no_more() {
    let mut w = World::with_sol_market().await;
    let whale = w.participant(HUNDRED_BILLION).await;
    let second = w.participant(19_000_000 * USDC).await;
    w.pool_deposit(&whale, HUNDRED_BILLION).await.unwrap();
    w.pool_deposit(&second, 19_000_000 * USDC).await.unwrap();
    let pool = w.pool().await;
    assert_eq!(
        w.lp(&whale).await.shares(),
        HUNDRED_BILLION as u128 * 1_000_000
    );
    assert!(
        pool.total_shares() > u64::MAX as u128,
        "beyond the old u64 supply"
    );
    for p in [&whale, &second] {
        let shares = w.lp(p).await.shares();
        w.pool_request_withdraw(p, shares).await.unwrap();
    }
    w.bank.advance(10, POOL_WITHDRAW_DELAY_SECS as i64).await;
    w.refresh(150 * USD).await;
    for (p, deposited) in [(&whale, HUNDRED_BILLION), (&second, 19_000_000 * USDC)] {
        w.pool_withdraw(p).await.unwrap();
        let back = w.bank.token_balance(&p.token).await;
        assert!(back <= deposited, "{back} > {deposited}");
        assert!(
            back + 1 >= deposited,
            "lost more than rounding: {back} of {deposited}"
        );
    }
    assert_eq!(w.pool().await.total_shares(), 0);
}

#[tokio::test]
async fn the_insurance_fund_takes_a_hundred_billion_and_pays_back_no_more() {
    let (mut w, _lp) = venue().await;
    let staker = w.participant(HUNDRED_BILLION).await;
    let k = staker.key.pubkey();
    w.bank
        .send(
            &[ix::if_stake(k, staker.token, HUNDRED_BILLION, 0)],
            &[&staker.key],
        )
        .await
        .unwrap();
    let shares = stake_of(&mut w, &staker).await.shares();
    assert_eq!(shares, HUNDRED_BILLION as u128 * 1_000_000);
    w.bank
        .send(&[ix::if_request_unstake(k, shares, 0)], &[&staker.key])
        .await
        .unwrap();
    w.bank.advance(10, UNSTAKE_COOLDOWN_SECS as i64).await;
    let count = w.bank.exchange().await.market_count;
    w.bank
        .send(&[ix::if_unstake(k, staker.token, count)], &[&staker.key])
        .await
        .unwrap();
    let back = w.bank.token_balance(&staker.token).await;
    assert!(
        back <= HUNDRED_BILLION && back + 1 >= HUNDRED_BILLION,
        "{back}"
    );
}
