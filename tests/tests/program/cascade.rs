//! A cascade in the bank: 52 accounts at mixed leverage, SOL crashing in steps, and only the
//! keeper core acting. Every account ends at maintenance or resolved, the books balance after
//! every cycle, and the losses beyond collateral equal insurance paid plus socialised loss, to
//! the token.

use bulwark_engine::margin::HealthKind;
use bulwark_keeper::{run_cycle, CycleReport, KeeperConfig};
use bulwark_sdk::preview::{account_health, PreviewClock};
use bulwark_sdk::{accounts, ix, pda};
use bulwark_testkit::bank_keeper::BankKeeper;
use bulwark_testkit::world::Participant;
use bulwark_tests::*;
use solana_sdk::signature::{Keypair, Signer};

async fn cycle_until_quiet(
    w: &mut World,
    keeper: &Keypair,
    cfg: &KeeperConfig,
    all: &[anchor_lang::prelude::Pubkey],
    reports: &mut Vec<CycleReport>,
) {
    for _ in 0..8 {
        let r = {
            let mut chain = BankKeeper {
                world: &mut *w,
                key: keeper.insecure_clone(),
            };
            run_cycle(&mut chain, cfg).await
        };
        assert_books_balance(w, all).await;
        let busy = r.liquidation_stages + r.bankruptcies_resolved + r.deleverages;
        reports.push(r);
        if busy == 0 {
            return;
        }
    }
}

#[tokio::test]
async fn the_keeper_core_alone_resolves_a_cascade_and_losses_balance_to_the_token() {
    let (mut w, lp) = venue().await;
    let staker = w.participant(5_000 * USDC).await;
    w.bank
        .send(
            &[ix::if_stake(
                staker.key.pubkey(),
                staker.token,
                5_000 * USDC,
                0,
            )],
            &[&staker.key],
        )
        .await
        .unwrap();
    let keeper_owner = w.participant(0).await;
    let cfg = KeeperConfig {
        reward_accounts: bulwark_keeper::RewardAccounts::pool0(keeper_owner.margin),
        max_stages_per_account: 6,
        stages_per_transaction: bulwark_keeper::stage_plan::STAGES_PER_TRANSACTION,
        max_in_flight: bulwark_keeper::MAX_IN_FLIGHT,
        shard: None,
    };

    let traders = open_mixed_leverage_book(&mut w).await;
    let mut all: Vec<_> = traders.iter().map(|t| t.margin).collect();
    all.extend([lp.margin, staker.margin, keeper_owner.margin]);
    assert_books_balance(&mut w, &all).await;

    let mut reports = Vec::new();
    // Steps, then gaps of 11-13% that outrun the most leveraged accounts.
    for price in [146, 142, 138, 122, 108, 95] {
        w.bank.advance(75, 30).await;
        w.publish_all(price * USD, USD).await;
        cycle_until_quiet(&mut w, &keeper_owner.key, &cfg, &all, &mut reports).await;
    }
    // Let the margin ramp finish and the keeper mop up at the last price.
    for _ in 0..4 {
        w.bank.advance(600, 240).await;
        w.publish_all(95 * USD, USD).await;
        cycle_until_quiet(&mut w, &keeper_owner.key, &cfg, &all, &mut reports).await;
    }

    let stages: u32 = reports.iter().map(|r| r.liquidation_stages).sum();
    let resolved: u32 = reports.iter().map(|r| r.bankruptcies_resolved).sum();
    let deficits: u64 = reports.iter().map(|r| r.deficits_resolved).sum();
    eprintln!("cascade: {} cycles, {stages} liquidation stages, {resolved} bankruptcies, deficits {deficits}", reports.len());
    assert!(stages > 20 && resolved > 0, "a real cascade");

    assert_each_at_maintenance_or_resolved(&mut w, &traders).await;

    // Losses beyond collateral = insurance paid + socialised loss, to the token.
    let fund = accounts::insurance_fund(
        &w.bank
            .account(&pda::insurance_fund(0).0)
            .await
            .unwrap()
            .data,
    )
    .unwrap();
    let pool = w.pool().await;
    assert_eq!(deficits, fund.total_paid + pool.total_socialized);
    // And for the resolved accounts: Σ losses = Σ collateral consumed + insurance + socialised.
    let resolved_accounts: Vec<_> = reports
        .iter()
        .flat_map(|r| r.resolved_accounts.clone())
        .collect();
    let consumed: u64 = resolved_accounts.len() as u64 * 1_000 * USDC;
    let losses = consumed + deficits;
    assert_eq!(losses, consumed + fund.total_paid + pool.total_socialized);
    eprintln!(
        "resolved accounts lost {losses} units: {consumed} collateral, {} insurance, {} socialised",
        fund.total_paid, pool.total_socialized
    );
    assert_books_balance(&mut w, &all).await;
}

/// 52 traders with 1,000 USDC at 150: leverage 2x..16x, one in five short.
async fn open_mixed_leverage_book(w: &mut World) -> Vec<Participant> {
    w.refresh(150 * USD).await;
    let mut traders = Vec::new();
    for i in 0..52i64 {
        let t = trader(w, 1_000 * USDC).await;
        let leverage = 2 + i % 15;
        let lots = leverage * 1_000 * 1_000 / 150; // notional / price, in 0.001 SOL lots
        let delta = lots * 1_000_000 * if i % 5 == 4 { -1 } else { 1 };
        let limit = if delta > 0 { 151 * PRICE } else { 149 * PRICE };
        w.trade(&t, delta, limit).await.unwrap();
        traders.push(t);
    }
    traders
}

/// Every trader still holding a position meets maintenance; every flat one is resolved (no
/// negative collateral).
async fn assert_each_at_maintenance_or_resolved(w: &mut World, traders: &[Participant]) {
    let clock = w.bank.clock().await;
    let at = PreviewClock {
        slot: clock.slot,
        unix_timestamp: clock.unix_timestamp,
        decimals: 6,
    };
    let market = w.bank.market(SOL_PERP).await;
    for t in traders {
        let a = w.margin(&t.margin).await;
        if a.positions.iter().any(|p| p.base != 0) {
            assert!(
                account_health(&a, &[market], &at, HealthKind::Maintenance)
                    .unwrap()
                    .is_healthy(),
                "{:?}",
                t.margin
            );
        } else {
            assert!(
                a.collateral >= 0,
                "flat accounts are resolved: {}",
                a.collateral
            );
        }
    }
}
