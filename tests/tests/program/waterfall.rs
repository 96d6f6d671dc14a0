//! Bankruptcy and the insurance fund: the fund pays exactly min(deficit, window remaining,
//! balance), LPs bear exactly the rest, one loss split across accounts cannot beat the window
//! cap, a second call does nothing; stakers wait out a cooldown that still bears losses, and
//! donations move no share's value.

use anchor_spl::token::spl_token;
use bulwark::error::BulwarkError;
use bulwark_sdk::params::UNSTAKE_COOLDOWN_SECS;
use bulwark_sdk::{accounts, ix, pda};
use bulwark_testkit::world::Participant;
use bulwark_tests::*;
use solana_sdk::signature::Signer;

const M: u16 = 1;

/// A venue with market 1 whose insurance coverage is capped at 100 USDC a day, a staker with
/// 1,000 USDC in the fund, and two traders each 24 SOL long in market 1 with 200 USDC.
async fn setup() -> (World, Participant, Vec<Participant>, Participant) {
    let (mut w, _lp) = venue().await;
    w.create_market_like_sol(M, |a| a.params.insurance.insurance_window_cap = 100 * USDC)
        .await
        .unwrap();
    w.set_open_interest_caps_directly(M, 10_000 * SOL as u64, 10_000 * SOL as u64)
        .await;
    let staker = w.participant(2_000 * USDC).await;
    w.bank
        .send(
            &[ix::if_stake(
                staker.key.pubkey(),
                staker.token,
                1_000 * USDC,
                0,
            )],
            &[&staker.key],
        )
        .await
        .unwrap();
    let keeper = w.participant(0).await;
    let mut traders = Vec::new();
    w.refresh(150 * USD).await;
    for _ in 0..2 {
        let t = trader(&mut w, 200 * USDC).await;
        w.trade_in(&t, M, 24 * SOL, 151 * PRICE).await.unwrap();
        traders.push(t);
    }
    (w, staker, traders, keeper)
}

/// Liquidates `t` in market 1 until flat.
async fn liquidate_flat(w: &mut World, keeper: &Participant, t: &Participant) {
    for _ in 0..20 {
        if w.margin(&t.margin)
            .await
            .positions
            .iter()
            .all(|p| p.base == 0)
        {
            return;
        }
        let ix = ix::liquidate(
            keeper.key.pubkey(),
            keeper.margin,
            t.margin,
            M,
            u64::MAX,
            &[],
        );
        w.bank.send(&[ix], &[&keeper.key]).await.unwrap();
    }
    panic!("not flat after 20 stages");
}

async fn fund(w: &mut World) -> bulwark::state::InsuranceFund {
    accounts::insurance_fund(
        &w.bank
            .account(&pda::insurance_fund(0).0)
            .await
            .unwrap()
            .data,
    )
    .unwrap()
}

/// SOL falls to 139 and the keeper liquidates both traders flat; the sub-ledgers are swept.
/// Returns their deficits (both bankrupt).
async fn crash_both_into_deficit(
    w: &mut World,
    keeper: &Participant,
    traders: &[Participant],
) -> Vec<u64> {
    // SOL falls to 139: each 24 SOL long loses ~269 USDC on 200: each deficit is under the
    // 100 USDC window, the two together are over it.
    w.bank.advance(30, 12).await;
    w.refresh(139 * USD).await;
    for t in traders {
        liquidate_flat(w, keeper, t).await;
    }
    w.sweep().await.unwrap();
    w.bank.send(&[ix::sweep(M)], &[]).await.unwrap();
    let mut v = Vec::new();
    for t in traders {
        let c = w.margin(&t.margin).await.collateral;
        assert!(c < 0, "bankrupt: {c}");
        v.push(c.unsigned_abs());
    }
    v
}

#[tokio::test]
async fn insurance_pays_up_to_the_window_cap_and_lps_bear_exactly_the_rest() {
    let (mut w, _staker, traders, keeper) = setup().await;
    let d = crash_both_into_deficit(&mut w, &keeper, &traders).await;
    assert!(
        d[0] < 100 * USDC && d[1] < 100 * USDC && d[0] + d[1] > 100 * USDC,
        "{d:?}"
    );

    // The keepers' minimum rewards the fund advanced for these under-water accounts already
    // count against the window.
    let covered = w.bank.market(M).await.coverage.covered;
    assert!(covered <= 2 * w.bank.market(M).await.params.liquidation.min_keeper_reward);
    let window = 100 * USDC - covered;
    let fund0 = fund(&mut w).await.balance;
    let pool0 = w.pool().await.capital;
    w.bank
        .send(&[ix::resolve_bankruptcy(traders[0].margin, M)], &[])
        .await
        .unwrap();
    let paid0 = fund0 - fund(&mut w).await.balance;
    assert_eq!(paid0, d[0].min(window).min(fund0));
    assert_eq!(pool0 - w.pool().await.capital, (d[0] - paid0) as i64);
    assert_eq!(w.margin(&traders[0].margin).await.collateral, 0);

    let fund1 = fund(&mut w).await.balance;
    let pool1 = w.pool().await.capital;
    w.bank
        .send(&[ix::resolve_bankruptcy(traders[1].margin, M)], &[])
        .await
        .unwrap();
    let paid1 = fund1 - fund(&mut w).await.balance;
    // The window had 100 - paid0 left: splitting the loss across accounts does not beat it.
    assert_eq!(paid1, d[1].min(window - paid0));
    assert_eq!(covered + paid0 + paid1, 100 * USDC);
    let socialized = d[1] - paid1;
    assert_eq!(
        pool1 - w.pool().await.capital,
        socialized as i64,
        "LPs bear exactly the rest"
    );
    assert_eq!(fund(&mut w).await.total_paid, paid0 + paid1);
    assert_eq!(w.pool().await.total_socialized, d[0] + d[1] - paid0 - paid1);

    // A second call does nothing.
    let before = Snapshot::take(
        &mut w.bank,
        &[
            traders[1].margin,
            pda::pool(0).0,
            pda::insurance_fund(0).0,
            pda::market(M).0,
        ],
    )
    .await;
    assert_program_error(
        w.bank
            .send(&[ix::resolve_bankruptcy(traders[1].margin, M)], &[])
            .await,
        BulwarkError::NotBankrupt,
    );
    before.assert_unchanged(&mut w.bank).await;
    let mut all: Vec<_> = traders.iter().map(|t| t.margin).collect();
    all.push(keeper.margin);
    assert_books_balance(&mut w, &all).await;
}

#[tokio::test]
async fn an_unstake_waits_its_cooldown_bears_losses_meanwhile_and_donations_move_nothing() {
    let (mut w, staker, traders, keeper) = setup().await;
    let key = staker.key.pubkey();
    let shares = accounts::stake_account(
        &w.bank
            .account(&pda::stake_account(0, &key).0)
            .await
            .unwrap()
            .data,
    )
    .unwrap()
    .shares();
    w.bank
        .send(&[ix::if_request_unstake(key, shares, 0)], &[&staker.key])
        .await
        .unwrap();
    let early = w
        .bank
        .send(&[ix::if_unstake(key, staker.token, 2)], &[&staker.key])
        .await;
    assert_program_error(early, BulwarkError::CooldownNotOver);

    // A donation to the vault moves no share's value (the fund counts its own balance).
    let f = fund(&mut w).await;
    let value = |f: &bulwark::state::InsuranceFund| {
        bulwark_engine::pool::amount_for_shares(shares, f.total_shares(), f.balance).unwrap()
    };
    let v0 = value(&f);
    let donor = w.participant(500 * USDC).await;
    let t = spl_token::instruction::transfer(
        &spl_token::ID,
        &donor.token,
        &pda::vault().0,
        &donor.key.pubkey(),
        &[],
        500 * USDC,
    )
    .unwrap();
    w.bank.send(&[t], &[&donor.key]).await.unwrap();
    assert_eq!(value(&fund(&mut w).await), v0);

    // A loss during the cooldown: a bankruptcy the fund covers.
    w.bank.advance(30, 12).await;
    w.refresh(139 * USD).await;
    liquidate_flat(&mut w, &keeper, &traders[0]).await;
    w.bank.send(&[ix::sweep(M)], &[]).await.unwrap();
    w.bank
        .send(&[ix::resolve_bankruptcy(traders[0].margin, M)], &[])
        .await
        .unwrap();
    let f = fund(&mut w).await;
    let now_value = value(&f);
    assert!(
        now_value < v0,
        "the loss reached the staker's shares: {v0} -> {now_value}"
    );

    w.bank.advance(10, UNSTAKE_COOLDOWN_SECS as i64).await;
    let wallet = w.bank.token_balance(&staker.token).await;
    w.bank
        .send(&[ix::if_unstake(key, staker.token, 2)], &[&staker.key])
        .await
        .unwrap();
    assert_eq!(
        w.bank.token_balance(&staker.token).await - wallet,
        now_value.min(v0),
        "min(value at request, value now)"
    );
    assert_eq!(fund(&mut w).await.total_shares(), 0);
}
