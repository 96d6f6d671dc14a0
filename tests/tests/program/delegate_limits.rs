//! Delegates: "may trade but never withdraw" holds in value. The drain this replays: a
//! delegate trades the owner's account against its own, the owner's legs paying harmful
//! impact (plus spread and fees) that the delegate's legs collect back as helpful impact.
//! Now helpful impact never draws on impact booked in the same slot (for everyone), and a
//! delegate's trades are held to the owner's limits: a net cost budget, a notional cap on its
//! increases and reduce-only, counted per appointment.

use anchor_lang::prelude::Pubkey;
use bulwark::error::BulwarkError;
use bulwark::instructions::SetDelegateArgs;
use bulwark_sdk::{ix, pda};
use bulwark_testkit::world::{Participant, World};
use bulwark_tests::*;
use solana_sdk::instruction::Instruction;
use solana_sdk::signature::{Keypair, Signer};

const BUY: u64 = 160 * PRICE;
const SELL: u64 = 140 * PRICE;

/// The owner (100,000 USDC) and a delegate with 100,000 USDC in an account of its own.
async fn owner_and_delegate() -> (World, Participant, Participant) {
    let (mut w, _lp) = venue().await;
    let owner = trader(&mut w, 100_000 * USDC).await;
    let delegate = trader(&mut w, 100_000 * USDC).await;
    (w, owner, delegate)
}

/// The owner names `delegate` with these limits (USDC).
async fn appoint(w: &mut World, owner: &Participant, delegate: Pubkey, limits: (u64, u64, bool)) {
    let args = SetDelegateArgs {
        delegate,
        max_loss: limits.0,
        max_notional: limits.1,
        reduce_only: limits.2,
    };
    let set = ix::set_delegate_with(owner.key.pubkey(), owner.margin, args);
    w.bank.send(&[set], &[&owner.key]).await.unwrap();
}

/// A SOL-PERP trade of `account` signed by `signer` (no other position open).
fn trade_ix(signer: &Keypair, account: Pubkey, delta: i64) -> Instruction {
    let limit = if delta > 0 { BUY } else { SELL };
    ix::trade(signer.pubkey(), account, SOL_PERP, delta, limit, &[])
}

async fn collateral(w: &mut World, p: &Participant) -> i64 {
    w.margin(&p.margin).await.collateral
}

/// Collateral plus the SOL-PERP position's unrealised PnL at the market's price.
async fn equity(w: &mut World, p: &Participant) -> i64 {
    let a = w.margin(&p.margin).await;
    let price = w.bank.market(SOL_PERP).await.aggregate.price;
    let upnl = a.positions[0].position().unrealized_pnl(price, 6).unwrap();
    a.collateral + upnl
}

/// Accounts a refused trade must leave untouched.
fn watched(o: &Participant, d: &Participant) -> Vec<Pubkey> {
    vec![o.margin, d.margin, pda::market(SOL_PERP).0, pda::vault().0]
}

/// The attack's round in one transaction: the owner buys `size` (harmful impact), the
/// delegate's account sells it back (helpful), the owner sells (harmful), the delegate buys.
fn round(d: &Participant, owner_account: Pubkey, size: i64) -> Vec<Instruction> {
    vec![
        trade_ix(&d.key, owner_account, size),
        trade_ix(&d.key, d.margin, -size),
        trade_ix(&d.key, owner_account, -size),
        trade_ix(&d.key, d.margin, size),
    ]
}

#[tokio::test]
async fn one_transaction_rounds_pay_the_delegate_nothing_and_stop_at_the_owner_limit() {
    let (mut w, o, d) = owner_and_delegate().await;
    // A careless owner: 2,000,000 USDC of notional and a 15,000 USDC loss budget.
    appoint(
        &mut w,
        &o,
        d.key.pubkey(),
        (15_000 * USDC, 2_000_000 * USDC, false),
    )
    .await;
    w.refresh(150 * USD).await;
    let (o0, d0) = (collateral(&mut w, &o).await, collateral(&mut w, &d).await);
    // 450,000 USDC a leg: 2,025 USDC of harmful impact, 675 of spread, 270 of fee. Before
    // the fix each round cost the owner 5,940 USDC and paid the delegate 4,050 of impact.
    let size = 3_000 * SOL;
    let mut done = 0;
    for _ in 0..6 {
        let before = Snapshot::take(&mut w.bank, &watched(&o, &d)).await;
        let r = w.bank.send(&round(&d, o.margin, size), &[&d.key]).await;
        if r.is_err() {
            assert_program_error(r, BulwarkError::DelegateLossLimit);
            before.assert_unchanged(&mut w.bank).await;
            break;
        }
        // Every round in the same slot: across slots the budget is what bounds the
        // delegate (see the next test).
        done += 1;
    }
    assert!(done >= 1, "at least one round fits the budget");
    assert!(done < 6, "the budget stops the rounds");
    let (o1, d1) = (collateral(&mut w, &o).await, collateral(&mut w, &d).await);
    let a = w.margin(&o.margin).await;
    assert_eq!(
        (
            a.positions[0].base,
            w.margin(&d.margin).await.positions[0].base
        ),
        (0, 0)
    );
    // The owner lost exactly the counted cost, never more than its budget.
    assert_eq!(o0 - o1, a.delegate_loss);
    assert!(a.delegate_loss <= (15_000 * USDC) as i64);
    // The delegate's own account collected no impact: it only paid spread and fees.
    assert!(d1 < d0, "delegate {d0} -> {d1}");
    let m = w.bank.market(SOL_PERP).await;
    assert!(
        m.book.impact_ledger > 0,
        "the owner's harmful impact stays in the ledger"
    );
    // Nothing to withdraw: the delegate's account holds less than it deposited.
    assert_program_error(
        w.withdraw(&d, d0 as u64).await,
        BulwarkError::InsufficientCollateral,
    );
    assert_books_balance(&mut w, &[o.margin, d.margin]).await;
}

#[tokio::test]
async fn across_slots_the_delegate_takes_at_most_the_owner_limit() {
    let (mut w, o, d) = owner_and_delegate().await;
    let budget = 5_000 * USDC;
    appoint(
        &mut w,
        &o,
        d.key.pubkey(),
        (budget, 2_000_000 * USDC, false),
    )
    .await;
    w.refresh(150 * USD).await;
    let (o0, d0) = (equity(&mut w, &o).await, collateral(&mut w, &d).await);
    let size = 2_000 * SOL; // 300,000 USDC: 900 USDC of impact a leg.
    let mut refused = false;
    for leg in 0..12 {
        // The owner's leg in one slot, the delegate's matching leg in the next.
        let delta = if leg % 2 == 0 { size } else { -size };
        let before = Snapshot::take(&mut w.bank, &watched(&o, &d)).await;
        let r = w
            .bank
            .send(&[trade_ix(&d.key, o.margin, delta)], &[&d.key])
            .await;
        if r.is_err() {
            assert_program_error(r, BulwarkError::DelegateLossLimit);
            before.assert_unchanged(&mut w.bank).await;
            refused = true;
            break;
        }
        w.refresh(150 * USD).await;
        let r = w
            .bank
            .send(&[trade_ix(&d.key, d.margin, -delta)], &[&d.key])
            .await;
        r.unwrap();
        w.refresh(150 * USD).await;
    }
    assert!(refused, "the loss limit ends the drain");
    let a = w.margin(&o.margin).await;
    assert!(a.delegate_loss <= budget as i64);
    // Besides the counted cost the owner only paid funding for the second the skew stood
    // open after each of its legs (about 0.01 USDC each; it accrues whoever trades).
    let lost = o0 - equity(&mut w, &o).await;
    assert!(
        lost <= a.delegate_loss + (USDC / 10) as i64,
        "owner lost {lost}"
    );
    let gained = collateral(&mut w, &d).await - d0;
    assert!(gained < budget as i64, "delegate gained {gained}");
    assert_books_balance(&mut w, &[o.margin, d.margin]).await;
}

#[tokio::test]
async fn the_standard_delegate_cannot_run_the_attack_at_all() {
    let (mut w, o, d) = owner_and_delegate().await;
    let set = ix::set_delegate(o.key.pubkey(), o.margin, d.key.pubkey());
    w.bank.send(&[set], &[&o.key]).await.unwrap();
    let a = w.margin(&o.margin).await;
    assert_eq!(
        (
            a.delegate_limits.max_loss,
            a.delegate_limits.max_notional,
            a.delegate_limits.reduce_only
        ),
        (100 * USDC, 10_000 * USDC, 0)
    );
    w.refresh(150 * USD).await;
    let before = Snapshot::take(&mut w.bank, &watched(&o, &d)).await;
    assert_program_error(
        w.bank
            .send(&round(&d, o.margin, 3_000 * SOL), &[&d.key])
            .await,
        BulwarkError::DelegateNotionalLimit,
    );
    before.assert_unchanged(&mut w.bank).await;
    // Within the notional cap, round trips stop once they have cost 100 USDC.
    let start = collateral(&mut w, &o).await;
    let mut rounds = 0;
    while w
        .bank
        .send(&round(&d, o.margin, 60 * SOL), &[&d.key])
        .await
        .is_ok()
    {
        rounds += 1;
        w.refresh(150 * USD).await;
    }
    assert!(rounds > 1);
    let lost = start - collateral(&mut w, &o).await;
    assert!(lost <= (100 * USDC) as i64, "owner lost {lost}");
    assert_eq!(lost, w.margin(&o.margin).await.delegate_loss);
}

#[tokio::test]
async fn a_refused_delegate_trade_changes_nothing() {
    let (mut w, o, d) = owner_and_delegate().await;
    appoint(&mut w, &o, d.key.pubkey(), (USDC, 1_000_000 * USDC, false)).await;
    w.refresh(150 * USD).await;
    let before = Snapshot::take(&mut w.bank, &watched(&o, &d)).await;
    // 10 SOL costs about 3 USDC of spread and fee: over the 1 USDC budget.
    assert_program_error(
        w.bank
            .send(&[trade_ix(&d.key, o.margin, 10 * SOL)], &[&d.key])
            .await,
        BulwarkError::DelegateLossLimit,
    );
    before.assert_unchanged(&mut w.bank).await;
    // 1 SOL fits (about 0.3 USDC) and is counted to the unit of what the owner lost.
    let c0 = collateral(&mut w, &o).await;
    w.bank
        .send(&[trade_ix(&d.key, o.margin, SOL)], &[&d.key])
        .await
        .unwrap();
    let a = w.margin(&o.margin).await;
    let price = w.bank.market(SOL_PERP).await.aggregate.price;
    let upnl = a.positions[0].position().unrealized_pnl(price, 6).unwrap();
    assert_eq!(a.delegate_loss, c0 - a.collateral - upnl);
}

#[tokio::test]
async fn a_reduce_only_delegate_cannot_increase_but_may_reduce() {
    let (mut w, o, d) = owner_and_delegate().await;
    w.refresh(150 * USD).await;
    w.trade(&o, 10 * SOL, BUY).await.unwrap();
    appoint(
        &mut w,
        &o,
        d.key.pubkey(),
        (100 * USDC, 1_000_000 * USDC, true),
    )
    .await;
    w.refresh(150 * USD).await;
    for delta in [SOL, -20 * SOL] {
        let before = Snapshot::take(&mut w.bank, &watched(&o, &d)).await;
        assert_program_error(
            w.bank
                .send(&[trade_ix(&d.key, o.margin, delta)], &[&d.key])
                .await,
            BulwarkError::DelegateReduceOnly,
        );
        before.assert_unchanged(&mut w.bank).await;
    }
    w.bank
        .send(&[trade_ix(&d.key, o.margin, -4 * SOL)], &[&d.key])
        .await
        .unwrap();
    let a = w.margin(&o.margin).await;
    assert_eq!(a.positions[0].base, 6 * SOL);
    assert!(
        a.delegate_loss > 0,
        "the reduction's spread and fee are counted"
    );
}

#[tokio::test]
async fn the_owner_trades_freely_and_each_appointment_starts_a_fresh_count() {
    let (mut w, o, d) = owner_and_delegate().await;
    appoint(&mut w, &o, d.key.pubkey(), (5 * USDC, 10_000 * USDC, false)).await;
    w.refresh(150 * USD).await;
    while w
        .bank
        .send(&round(&d, o.margin, 2 * SOL), &[&d.key])
        .await
        .is_ok()
    {
        w.refresh(150 * USD).await;
    }
    let spent = w.margin(&o.margin).await.delegate_loss;
    assert!(spent > 0 && spent <= (5 * USDC) as i64);
    // The owner is not held to the delegate's limits, and its trades are not counted.
    w.trade(&o, 1_000 * SOL, BUY).await.unwrap();
    w.trade(&o, -1_000 * SOL, SELL).await.unwrap();
    assert_eq!(w.margin(&o.margin).await.delegate_loss, spent);
    // Naming the same delegate again starts a fresh count.
    appoint(&mut w, &o, d.key.pubkey(), (5 * USDC, 10_000 * USDC, false)).await;
    assert_eq!(w.margin(&o.margin).await.delegate_loss, 0);
    w.refresh(150 * USD).await;
    w.bank
        .send(&[trade_ix(&d.key, o.margin, 2 * SOL)], &[&d.key])
        .await
        .unwrap();
    // A new delegate replaces it; removal clears every limit and count.
    let other = Keypair::new();
    appoint(&mut w, &o, other.pubkey(), (USDC, USDC, true)).await;
    assert_program_error(
        w.bank
            .send(&[trade_ix(&d.key, o.margin, -2 * SOL)], &[&d.key])
            .await,
        BulwarkError::NotOwnerOrDelegate,
    );
    appoint(&mut w, &o, Pubkey::default(), (9, 9, true)).await;
    let a = w.margin(&o.margin).await;
    assert_eq!(
        (
            a.delegate,
            a.delegate_limits.max_loss,
            a.delegate_limits.max_notional
        ),
        (Pubkey::default(), 0, 0)
    );
    assert_eq!((a.delegate_limits.reduce_only, a.delegate_loss), (0, 0));
}

#[tokio::test]
async fn one_owner_round_tripping_two_accounts_in_one_slot_collects_no_impact() {
    let (mut w, a, other) = owner_and_delegate().await;
    let second = pda::margin_account(&a.key.pubkey(), 1).0;
    let mint = w.collateral_mint;
    w.bank.mint_to(&mint, &a.token, 100_000 * USDC).await;
    let setup = [
        ix::create_margin_account(a.key.pubkey(), 1, 0),
        ix::deposit(a.key.pubkey(), second, a.token, 100_000 * USDC),
    ];
    w.bank.send(&setup, &[&a.key]).await.unwrap();
    w.refresh(150 * USD).await;
    let (c0, c1) = (
        collateral(&mut w, &a).await,
        w.margin(&second).await.collateral,
    );
    // Account 0 buys 2,000 SOL (harmful impact 900 USDC); account 1 sells 2,000 SOL in the
    // same slot, bringing the skew back to zero: the impact was booked this slot, so
    // nothing is paid out and the pair lost spread, fees and impact.
    let pair = [
        trade_ix(&a.key, a.margin, 2_000 * SOL),
        trade_ix(&a.key, second, -2_000 * SOL),
    ];
    w.bank.send(&pair, &[&a.key]).await.unwrap();
    let m = w.bank.market(SOL_PERP).await;
    assert_eq!(
        m.book.impact_ledger,
        900 * USDC,
        "no helpful impact paid in the paying slot"
    );
    let spent = c0 + c1 - collateral(&mut w, &a).await - w.margin(&second).await.collateral;
    assert!(spent > (900 * USDC) as i64);
    // In a later slot the matured impact pays whoever helps the skew back.
    w.refresh(150 * USD).await;
    let close = [
        trade_ix(&a.key, second, 2_000 * SOL),
        trade_ix(&a.key, a.margin, -2_000 * SOL),
    ];
    w.bank.send(&close, &[&a.key]).await.unwrap();
    let m = w.bank.market(SOL_PERP).await;
    assert_eq!(
        m.book.impact_ledger,
        900 * USDC,
        "paid 900 back, booked 900 anew"
    );
    assert_books_balance(&mut w, &[a.margin, second, other.margin]).await;
}
