//! Keeper rewards cannot be farmed from the insurance fund: a stage is never smaller than what
//! restores maintenance, the minimum reward is guaranteed once per liquidation episode and
//! advanced by the fund only for an account under water (within the market's coverage window
//! and its share of the fund), and positions too small to pay their own keeper cannot exist.

use bulwark::error::BulwarkError;
use bulwark_engine::liquidation::{penalty_ppm, stage};
use bulwark_sdk::preview::{positions_with_markets, PreviewClock};
use bulwark_sdk::{ix, pda};
use bulwark_testkit::world::Participant;
use bulwark_tests::*;
use solana_sdk::signature::Signer;

/// A venue with 100 USDC staked in the insurance fund.
async fn insured_venue() -> World {
    let (mut w, _lp) = venue().await;
    let staker = w.participant(100 * USDC).await;
    w.bank
        .send(
            &[ix::if_stake(
                staker.key.pubkey(),
                staker.token,
                100 * USDC,
                0,
            )],
            &[&staker.key],
        )
        .await
        .unwrap();
    w
}

/// A trader `base` long from 150 with `collateral`, then SOL at `drop_to`.
async fn long_then_drop(w: &mut World, collateral: u64, base: i64, drop_to: i64) -> Participant {
    let t = trader(w, collateral).await;
    w.refresh(150 * USD).await;
    w.trade(&t, base, 151 * PRICE).await.unwrap();
    w.bank.advance(30, 12).await;
    w.refresh(drop_to).await;
    t
}

async fn liquidate(
    w: &mut World,
    keeper: &Participant,
    t: &Participant,
    max_base: u64,
) -> Result<(), solana_program_test::BanksClientError> {
    w.liquidate(keeper, t, SOL_PERP, max_base).await
}

/// The engine's least accepted stage for `t`'s SOL-PERP position right now (whole lots that
/// restore maintenance) and the stage an unlimited `max_base` closes.
async fn minimum_and_full_stage(w: &mut World, t: &Participant) -> (u64, u64) {
    let m = w.bank.market(SOL_PERP).await;
    let acct = w.margin(&t.margin).await;
    let c = w.bank.clock().await;
    let clock = PreviewClock {
        slot: c.slot,
        unix_timestamp: c.unix_timestamp,
        decimals: 6,
    };
    let positions = positions_with_markets(&acct, &[m], &clock).unwrap();
    let params = m.params.liquidation;
    let at = |max_close| {
        stage(
            acct.collateral,
            &positions,
            0,
            penalty_ppm(&params, 0),
            m.params.trade.lot_base,
            max_close,
            &params,
        )
        .unwrap()
    };
    (at(1).min_close, at(u64::MAX).close)
}

/// What the fund has paid or owes on the market's behalf: its balance less the minimum
/// rewards the market advanced for it.
async fn fund_net(w: &mut World) -> i128 {
    w.insurance_balance().await as i128
        - w.bank.market(SOL_PERP).await.ledgers.insurance_debt as i128
}

#[tokio::test]
async fn one_atom_stages_are_refused_and_move_no_money() {
    let mut w = insured_venue().await;
    let t = long_then_drop(&mut w, 1_000 * USDC, 100 * SOL, 144 * USD).await;
    let keeper = w.participant(0).await;
    let watched = [
        t.margin,
        keeper.margin,
        pda::market(SOL_PERP).0,
        pda::insurance_fund(0).0,
    ];
    let money = [t.margin, keeper.margin, pda::insurance_fund(0).0];
    let before = Snapshot::take(&mut w.bank, &money).await;
    let (minimum, _) = minimum_and_full_stage(&mut w, &t).await;
    let lot = 1_000_000;
    // The adversary picks every size below the least stage that restores maintenance.
    for (i, max_base) in [1, lot - 1, lot, minimum / 2, minimum - lot]
        .into_iter()
        .cycle()
        .take(60)
        .enumerate()
    {
        if i % 20 == 19 {
            w.bank.advance(1, 1).await; // across slots too
            w.refresh(144 * USD).await;
        }
        assert_program_error(
            liquidate(&mut w, &keeper, &t, max_base).await,
            BulwarkError::StageBelowMinimum,
        );
    }
    // Nothing moved: the accounts and the fund are as they were, the market owes the fund
    // nothing (only its price was refreshed).
    before.assert_unchanged(&mut w.bank).await;
    let m = w.bank.market(SOL_PERP).await;
    assert_eq!(m.ledgers.insurance_debt, 0);
    assert_eq!(w.margin(&keeper.margin).await.collateral, 0);
    assert_eq!(w.insurance_balance().await, 100 * USDC);
    let acct = w.margin(&t.margin).await;
    assert_eq!(
        acct.positions[0].base,
        100 * SOL,
        "the victim's position is untouched"
    );

    // One stage of the needed size ends the liquidation; the keeper is paid by the account.
    let fund_before = fund_net(&mut w).await;
    liquidate(&mut w, &keeper, &t, u64::MAX).await.unwrap();
    assert_eq!(
        fund_net(&mut w).await,
        fund_before,
        "the fund advanced nothing"
    );
    let reward = w.margin(&keeper.margin).await.collateral;
    assert!(reward > 0);
    assert_eq!(w.margin(&t.margin).await.liquidation.active, 0);
    let after = Snapshot::take(&mut w.bank, &watched).await;
    for max_base in [1, u64::MAX] {
        assert_program_error(
            liquidate(&mut w, &keeper, &t, max_base).await,
            BulwarkError::NotLiquidatable,
        );
    }
    after.assert_unchanged(&mut w.bank).await;
    assert_books_balance(&mut w, &[t.margin, keeper.margin]).await;
}

#[tokio::test]
async fn a_trimmed_stage_still_restores_maintenance_and_ends_the_episode() {
    let mut w = insured_venue().await;
    let t = long_then_drop(&mut w, 1_000 * USDC, 100 * SOL, 144 * USD).await;
    let keeper = w.participant(0).await;
    let (minimum, full) = minimum_and_full_stage(&mut w, &t).await;
    let lot = 1_000_000;
    assert!(minimum > lot && minimum < full, "{minimum} vs {full}");
    let snap = Snapshot::take(&mut w.bank, &[t.margin, keeper.margin]).await;
    assert_program_error(
        liquidate(&mut w, &keeper, &t, minimum - lot).await,
        BulwarkError::StageBelowMinimum,
    );
    snap.assert_unchanged(&mut w.bank).await;
    liquidate(&mut w, &keeper, &t, minimum).await.unwrap();
    let a = w.margin(&t.margin).await;
    assert_eq!(
        a.liquidation.active, 0,
        "maintenance is met: the episode is over"
    );
    assert_eq!((100 * SOL - a.positions[0].base) as u64, minimum);
    assert_program_error(
        liquidate(&mut w, &keeper, &t, u64::MAX).await,
        BulwarkError::NotLiquidatable,
    );
    assert_eq!(w.bank.market(SOL_PERP).await.ledgers.insurance_debt, 0);
}

#[tokio::test]
async fn an_account_under_water_pays_the_keeper_floor_from_insurance_once_per_episode() {
    let mut w = insured_venue().await;
    // 100 SOL long from 150 with 1,000 USDC, gapped to 130: 1,000 USDC below zero.
    let t = long_then_drop(&mut w, 1_000 * USDC, 100 * SOL, 130 * USD).await;
    let keepers = [w.participant(0).await, w.participant(0).await];
    let floor = w
        .bank
        .market(SOL_PERP)
        .await
        .params
        .liquidation
        .min_keeper_reward;
    let fund_before = fund_net(&mut w).await;
    let mut stages = 0;
    // Several keepers take turns until the position is gone (each stage at most half).
    while w.margin(&t.margin).await.positions[0].base != 0 {
        let k = &keepers[stages % 2];
        liquidate(&mut w, k, &t, u64::MAX).await.unwrap();
        stages += 1;
        assert!(stages < 20);
    }
    assert!(stages > 2, "the fraction cap staged it: {stages}");
    let paid = fund_before - fund_net(&mut w).await;
    assert_eq!(paid, floor as i128, "one floor for the whole episode");
    let rewards: i64 = [
        w.margin(&keepers[0].margin).await.collateral,
        w.margin(&keepers[1].margin).await.collateral,
    ]
    .iter()
    .sum();
    assert_eq!(
        rewards as u64, floor,
        "the account had nothing to pay a penalty with"
    );
    let m = w.bank.market(SOL_PERP).await;
    assert_eq!(m.coverage.covered, floor, "counted against the window");
    // No more stages to farm.
    assert_program_error(
        liquidate(&mut w, &keepers[0], &t, u64::MAX).await,
        BulwarkError::NoPosition,
    );
    assert_books_balance(&mut w, &[t.margin, keepers[0].margin, keepers[1].margin]).await;
}

#[tokio::test]
async fn positions_too_small_to_pay_their_keeper_cannot_be_opened_or_left() {
    let mut w = insured_venue().await;
    let t = trader(&mut w, 50 * USDC).await;
    w.refresh(150 * USD).await;
    let min = w
        .bank
        .market(SOL_PERP)
        .await
        .params
        .trade
        .min_position_notional;
    assert_eq!(min, 10 * USDC);
    let before = Snapshot::take(&mut w.bank, &[t.margin, pda::market(SOL_PERP).0]).await;
    // 0.05 SOL at ~150 = 7.5 USDC.
    assert_program_error(
        w.trade(&t, SOL / 20, 151 * PRICE).await,
        BulwarkError::PositionBelowMinimum,
    );
    before.assert_unchanged(&mut w.bank).await;
    // 0.1 SOL opens; reducing it to 0.05 SOL is refused; closing whole is allowed.
    w.trade(&t, SOL / 10, 151 * PRICE).await.unwrap();
    let open = Snapshot::take(&mut w.bank, &[t.margin, pda::market(SOL_PERP).0]).await;
    assert_program_error(
        w.trade(&t, -SOL / 20, 149 * PRICE).await,
        BulwarkError::PositionBelowMinimum,
    );
    open.assert_unchanged(&mut w.bank).await;
    w.bank.advance(30, 12).await;
    w.refresh(150 * USD).await;
    w.trade(&t, -SOL / 10, 149 * PRICE).await.unwrap();
    assert_eq!(w.margin(&t.margin).await.positions[0].base, 0);
}

#[tokio::test]
async fn liquidating_ones_own_smallest_position_through_a_crash_loses_money() {
    let mut w = insured_venue().await;
    // The attacker's smallest position (0.1 SOL, 15 USDC) at the most leverage it may take,
    // and its own keeper account; SOL then gaps far below its liquidation price.
    let attacker = long_then_drop(&mut w, 2 * USDC, SOL / 10, 100 * USD).await;
    let keeper = Participant {
        key: attacker.key.insecure_clone(),
        token: attacker.token,
        margin: pda::margin_account(&attacker.key.pubkey(), 1).0,
        pool: 0,
    };
    w.bank
        .send(
            &[ix::create_margin_account(keeper.key.pubkey(), 1, 0)],
            &[&keeper.key],
        )
        .await
        .unwrap();
    while w.margin(&attacker.margin).await.positions[0].base != 0 {
        liquidate(&mut w, &keeper, &attacker, u64::MAX)
            .await
            .unwrap();
    }
    let own =
        w.margin(&attacker.margin).await.collateral + w.margin(&keeper.margin).await.collateral;
    assert!(
        own < 2 * USDC as i64,
        "the attacker ends with less than it put in: {own}"
    );
    let advanced = w.bank.market(SOL_PERP).await.ledgers.insurance_debt;
    assert!(
        advanced
            <= w.bank
                .market(SOL_PERP)
                .await
                .params
                .liquidation
                .min_keeper_reward
    );
}
