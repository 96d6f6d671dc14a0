//! Second act of `bulwark demo`: the venue. An LP funds the pool, three traders deposit and
//! trade both sides, one tries to front-run an oracle update and earns nothing, one closes
//! with profit, withdraws and closes the account; the vault balances to the token throughout.

use anyhow::{anyhow, Result};
use bulwark_sdk::ix;
use bulwark_testkit::world::{Participant, World, SOL_PERP};
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use solana_sdk::signature::Signer;

use crate::demo::fmt_price;

const USDC: u64 = 1_000_000;
const SOL: i64 = 1_000_000_000;
const USD_E8: i64 = 100_000_000;
const PRICE: u64 = 1_000_000_000;

/// Collateral units (6 decimals) as text.
pub fn usdc(v: i64) -> String {
    let sign = if v < 0 { "-" } else { "" };
    let a = v.unsigned_abs();
    format!("{sign}{}.{:06}", a / USDC, a % USDC)
}

async fn line(w: &mut World, who: &str, p: &Participant, what: &str) -> Result<()> {
    let a = w.margin(&p.margin).await;
    let pos = a.positions.iter().find(|s| s.base != 0);
    let position = pos
        .map(|s| {
            format!(
                "{:+}.{:03} SOL",
                s.base / SOL,
                (s.base.abs() % SOL) / 1_000_000
            )
        })
        .unwrap_or_else(|| "flat".into());
    println!(
        "  {who:<6} {what:<44} position {position:<14} collateral {} USDC",
        usdc(a.collateral)
    );
    Ok(())
}

async fn books(w: &mut World) -> Result<()> {
    let vault = w.vault_balance().await as i128;
    let buckets = w.bucket_total().await;
    let m = w.bank.market(SOL_PERP).await;
    let pool = w.pool().await;
    let ex = w.bank.exchange().await;
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_header(vec!["bucket", "USDC"]);
    t.add_row(vec![
        "collateral deposited (net)".into(),
        usdc(pool.deposits_net),
    ]);
    t.add_row(vec![
        "traders' flow through SOL-PERP".into(),
        usdc(m.ledgers.trader_flow),
    ]);
    t.add_row(vec!["pool capital".into(), usdc(pool.capital)]);
    t.add_row(vec![
        "SOL-PERP: PnL owed to the pool".into(),
        usdc(m.ledgers.pnl_pending),
    ]);
    t.add_row(vec![
        "SOL-PERP: fees (pool/insurance/protocol)".into(),
        format!(
            "{} / {} / {}",
            usdc(m.ledgers.fee_pool as i64),
            usdc(m.ledgers.fee_insurance as i64),
            usdc(m.ledgers.fee_protocol as i64)
        ),
    ]);
    t.add_row(vec![
        "SOL-PERP: impact ledger, dust".into(),
        format!(
            "{} , {}",
            usdc(m.book.impact_ledger as i64),
            usdc(m.ledgers.dust as i64)
        ),
    ]);
    t.add_row(vec![
        "insurance fund".into(),
        usdc(w.insurance_balance().await as i64),
    ]);
    t.add_row(vec!["protocol fees".into(), usdc(ex.protocol_fees as i64)]);
    t.add_row(vec!["sum of buckets".into(), usdc(buckets as i64)]);
    t.add_row(vec!["vault token balance".into(), usdc(vault as i64)]);
    println!("{t}");
    if vault != buckets {
        return Err(anyhow!(
            "books do not balance: vault {vault} vs buckets {buckets}"
        ));
    }
    println!("  the vault holds exactly the named buckets.\n");
    Ok(())
}

/// Runs the second act on the world the first act left (SOL-PERP priced and fresh).
pub async fn run(w: &mut World) -> Result<Participant> {
    println!("━━ The venue ━━");
    raise_caps(w).await?;
    let e = |s: &'static str| move |err| anyhow!("{s}: {err}");
    let mut traders = fund_pool_and_traders(w).await?;
    let (alice, bob, carol) = (&traders[0], &traders[1], &traders[2]);

    w.refresh(150 * USD_E8).await;
    println!(
        "\n  SOL at {} USDC (refreshed this slot)",
        fmt_price(w.bank.market(SOL_PERP).await.aggregate.price)
    );
    w.trade(alice, 20 * SOL, 151 * PRICE)
        .await
        .map_err(e("alice long"))?;
    line(w, "alice", alice, "buys 20 SOL").await?;
    w.trade(bob, -10 * SOL, 149 * PRICE)
        .await
        .map_err(e("bob short"))?;
    line(w, "bob", bob, "sells 10 SOL").await?;
    front_run(w, carol).await?;
    books(w).await?;
    take_profit_and_leave(w, alice).await?;
    line(w, "bob", bob, "still short 10 SOL").await?;

    w.sweep().await.map_err(e("sweep"))?;
    println!(
        "  anyone sweeps SOL-PERP's sub-ledgers into the pool, insurance fund and protocol fees:"
    );
    books(w).await?;
    let bob = traders.swap_remove(1);
    Ok(bob)
}

/// Markets list with zero open-interest caps: governance raises them to 10,000 SOL a side
/// through the timelock.
async fn raise_caps(w: &mut World) -> Result<()> {
    println!("Markets list with zero open-interest caps. Governance queues a raise to 10,000 SOL a side;");
    println!("a day later (the timelock) anyone executes it.");
    w.raise_caps_through_governance(SOL_PERP, 10_000 * SOL as u64, 10_000 * SOL as u64)
        .await
        .map_err(|e| anyhow!("caps: {e}"))?;
    let m = w.bank.market(SOL_PERP).await;
    let (cl, cs) = (
        m.params.trade.open_interest_cap_long / SOL as u64,
        m.params.trade.open_interest_cap_short / SOL as u64,
    );
    println!("  caps now {cl} / {cs} SOL (long / short)\n");
    Ok(())
}

/// An LP funds the pool with 1,000,000 USDC; alice, bob and carol deposit 10,000 USDC each
/// (returned in that order).
async fn fund_pool_and_traders(w: &mut World) -> Result<Vec<Participant>> {
    let e = |s: &'static str| move |err| anyhow!("{s}: {err}");
    let lp = w.participant(1_000_000 * USDC).await;
    w.pool_deposit(&lp, 1_000_000 * USDC)
        .await
        .map_err(e("pool_deposit"))?;
    println!(
        "  LP     deposits 1,000,000 USDC into the pool: {} shares",
        w.lp(&lp).await.shares()
    );
    let mut traders = Vec::new();
    for name in ["alice", "bob", "carol"] {
        let p = w.participant(10_000 * USDC).await;
        w.deposit(&p, 10_000 * USDC).await.map_err(e("deposit"))?;
        line(w, name, &p, "deposits 10,000 USDC").await?;
        traders.push(p);
    }
    Ok(traders)
}

/// Carol buys knowing the next price and closes at once, inside the minimum hold: the gain
/// is capped at zero and she pays fees and impact.
async fn front_run(w: &mut World, carol: &Participant) -> Result<()> {
    let e = |s: &'static str| move |err| anyhow!("{s}: {err}");
    let before = w.margin(&carol.margin).await.collateral;
    w.trade(carol, 30 * SOL, 151 * PRICE)
        .await
        .map_err(e("carol long"))?;
    line(
        w,
        "carol",
        carol,
        "buys 30 SOL, knowing 156 is about to print",
    )
    .await?;

    w.refresh(156 * USD_E8).await;
    println!(
        "\n  the next slot posts SOL at {} USDC",
        fmt_price(w.bank.market(SOL_PERP).await.aggregate.price)
    );
    w.trade(carol, -30 * SOL, 0)
        .await
        .map_err(e("carol close"))?;
    let after = w.margin(&carol.margin).await.collateral;
    line(w, "carol", carol, "closes at once (inside min-hold)").await?;
    println!("  carol's front-run netted {} USDC: the gain on the 6 USDC move was capped at zero; fees and impact were paid\n", usdc(after - before));
    Ok(())
}

/// 30 slots later alice closes with profit, withdraws everything and closes her margin
/// account.
async fn take_profit_and_leave(w: &mut World, alice: &Participant) -> Result<()> {
    let e = |s: &'static str| move |err| anyhow!("{s}: {err}");
    w.bank.advance(30, 12).await;
    w.refresh(158 * USD_E8).await;
    println!(
        "  30 slots later SOL is {} USDC",
        fmt_price(w.bank.market(SOL_PERP).await.aggregate.price)
    );
    w.trade(alice, -20 * SOL, 0)
        .await
        .map_err(e("alice close"))?;
    line(w, "alice", alice, "closes 20 SOL with profit").await?;
    let all = w.margin(&alice.margin).await.collateral as u64;
    w.withdraw(alice, all).await.map_err(e("alice withdraw"))?;
    line(w, "alice", alice, "withdraws everything").await?;
    let close = ix::close_margin_account(alice.key.pubkey(), alice.margin);
    w.bank
        .send(&[close], &[&alice.key])
        .await
        .map_err(e("close"))?;
    println!(
        "  alice  closes her margin account: rent back, account gone = {}",
        w.bank.account(&alice.margin).await.is_none()
    );
    println!(
        "  alice's wallet now holds {} USDC\n",
        usdc(w.bank.token_balance(&alice.token).await as i64)
    );
    Ok(())
}
