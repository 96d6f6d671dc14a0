//! `bulwark deposit|withdraw|trade`: a keypair's margin-account actions over JSON-RPC (a
//! cluster, or the bank-backed demo state). Amounts, sizes and prices are exact decimals;
//! after the transaction the account is printed as `bulwark account show` prints it.

use std::path::PathBuf;

use anchor_lang::prelude::Pubkey;
use anyhow::{anyhow, bail, Result};
use bulwark::state::{Exchange, MarginAccount, Market};
use bulwark_engine::num::{BASE_SCALE, PRICE_SCALE};
use bulwark_sdk::{accounts, pda, wallet};
use solana_sdk::signature::{Keypair, Signer};

use crate::keeper_cmd::parse_pubkey;
use crate::operator::{account_json, find_market, print_account, Reader, Source};
use bulwark_sdk::preview::{preview_trade, PreviewOrder, TradePreview};

/// Who acts, and on which margin account.
#[derive(clap::Args, Debug)]
pub struct Actor {
    /// Keypair file (Solana CLI JSON) of the account's owner (or its delegate, for trades).
    /// Default: the Solana CLI config's keypair, else ~/.config/solana/id.json.
    #[arg(short = 'k', long)]
    pub keypair: Option<PathBuf>,
    /// The margin account's owner, when the keypair is its delegate (trades only; default:
    /// the keypair's own key).
    #[arg(long)]
    pub owner: Option<String>,
    /// The margin account index.
    #[arg(long, default_value_t = 0)]
    pub index: u16,
    /// The risk pool a new margin account joins (for good: it trades only that pool's
    /// markets; an existing account keeps its own). Pool 0 is the default pool.
    #[arg(long, default_value_t = 0)]
    pub pool: u16,
    /// Token account to move collateral from or to (default: the owner's associated one).
    #[arg(long)]
    pub token_account: Option<String>,
    /// Address lookup table offered to transactions too large for a legacy packet (repeat
    /// for several; `bulwark lookup-table create` makes the venue's).
    #[arg(long)]
    pub lookup_table: Vec<String>,
    /// Priority fee, micro-lamports per compute unit (default: the 75th percentile of recent
    /// fees on the accounts written, capped as the keeper caps it).
    #[arg(long)]
    pub priority_fee: Option<u64>,
    #[command(flatten)]
    pub source: Source,
}

/// Parses a non-negative (or, with `signed`, any) decimal into units of `10^-decimals`,
/// exactly: more fractional digits than `decimals` is an error naming `field`.
pub fn parse_decimal(field: &str, s: &str, decimals: u32, signed: bool) -> Result<i128> {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    if neg && !signed {
        bail!("{field}: {s:?} is negative");
    }
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let ok = |p: &str| p.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() && frac.is_empty() || !ok(whole) || !ok(frac) {
        bail!("{field}: {s:?} is not a decimal number");
    }
    if frac.len() > decimals as usize {
        bail!("{field}: {s:?} has more than {decimals} decimal places");
    }
    let scale = 10i128.pow(decimals);
    let w: i128 = if whole.is_empty() {
        0
    } else {
        whole
            .parse()
            .map_err(|_| anyhow!("{field}: {s:?} is too large"))?
    };
    let f: i128 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<w$}", w = decimals as usize).parse()?
    };
    let v = w
        .checked_mul(scale)
        .and_then(|v| v.checked_add(f))
        .ok_or_else(|| anyhow!("{field}: {s:?} is too large"))?;
    Ok(if neg { -v } else { v })
}

pub struct Ctx {
    pub reader: Reader,
    /// Lookup tables offered to the transactions sent.
    pub tables: Vec<Pubkey>,
    /// The signer: the owner, or (trades) its delegate.
    pub key: Keypair,
    pub owner: Pubkey,
    pub margin: Pubkey,
    pub token: Pubkey,
    pub decimals: u8,
}

pub async fn ctx(a: &Actor) -> Result<Ctx> {
    let key = crate::keeper_cmd::read_keypair(&crate::cluster::keypair(a.keypair.as_deref())?)?;
    let owner = match &a.owner {
        Some(o) => parse_pubkey("--owner", o)?,
        None => key.pubkey(),
    };
    let mut reader = Reader::connect(&a.source).await?;
    reader.priority_fee = a.priority_fee;
    let ex = reader.exchange().await?;
    let token = token_account(a.token_account.as_deref(), &owner, &ex.collateral_mint)?;
    let tables = a
        .lookup_table
        .iter()
        .map(|t| parse_pubkey("--lookup-table", t))
        .collect::<Result<Vec<_>>>()?;
    Ok(Ctx {
        reader,
        tables,
        key,
        owner,
        margin: pda::margin_account(&owner, a.index).0,
        token,
        decimals: ex.collateral_decimals,
    })
}

/// The token account collateral moves from or to: `--token-account` when given, else the
/// owner's associated token account of the collateral mint.
pub fn token_account(given: Option<&str>, owner: &Pubkey, mint: &Pubkey) -> Result<Pubkey> {
    match given {
        Some(t) => parse_pubkey("--token-account", t),
        None => Ok(pda::associated_token_account(owner, mint)),
    }
}

/// Collateral moves only for the owner (a delegate may trade, never withdraw).
pub fn owner_only(c: &Ctx) -> Result<()> {
    if c.key.pubkey() != c.owner {
        bail!("--owner: collateral moves only with the owner's keypair");
    }
    Ok(())
}

/// The exchange, its markets and the margin account, as read now.
pub async fn venue_and_account(c: &Ctx) -> Result<(Exchange, Vec<Market>, MarginAccount)> {
    let ex = c.reader.exchange().await?;
    let markets = c.reader.markets(&ex).await?;
    let data = c.reader.data(&c.margin, "margin account").await?;
    let a = accounts::margin_account(&data).map_err(|e| anyhow!("margin account: {e}"))?;
    Ok((ex, markets, a))
}

impl Ctx {
    /// The signer acting on this margin account.
    pub fn acting<'a>(&self, account: &'a MarginAccount) -> wallet::Acting<'a> {
        wallet::Acting {
            signer: self.key.pubkey(),
            margin: self.margin,
            account,
        }
    }
}

pub async fn finish(c: &Ctx, a: &Actor, what: String) -> Result<()> {
    if !a.source.json {
        println!("{what}");
    }
    let j = account_json(&c.reader, &c.owner, a.index).await?;
    print_account(&j, a.source.json)
}

/// `bulwark deposit --amount A`: creates the margin account first when it does not exist.
pub async fn deposit(a: Actor, amount: String) -> Result<()> {
    let c = ctx(&a).await?;
    owner_only(&c)?;
    let units = parse_decimal("--amount", &amount, c.decimals as u32, false)?;
    let units = u64::try_from(units).map_err(|_| anyhow!("--amount: {amount:?} is too large"))?;
    let held = c.reader.maybe_data(&c.margin).await?;
    let exists = held.is_some();
    let pool = match held {
        Some(data) => {
            bulwark_sdk::accounts::margin_account(&data)
                .map_err(|e| anyhow!("margin account: {e}"))?
                .pool
        }
        None => a.pool,
    };
    let ixs = wallet::deposit(c.owner, (c.margin, a.index, pool), exists, c.token, units);
    c.reader.send(&ixs, &c.key, &c.tables).await?;
    finish(&c, &a, format!("deposited {amount} from {}", c.token)).await
}

/// `bulwark withdraw --amount A`: only while initial margin holds afterwards.
pub async fn withdraw(a: Actor, amount: String) -> Result<()> {
    let c = ctx(&a).await?;
    owner_only(&c)?;
    let units = parse_decimal("--amount", &amount, c.decimals as u32, false)?;
    let units = u64::try_from(units).map_err(|_| anyhow!("--amount: {amount:?} is too large"))?;
    let (ex, markets, account) = venue_and_account(&c).await?;
    let v = wallet::Venue {
        exchange: &ex,
        markets: &markets,
    };
    let who = c.acting(&account);
    let clock = c.reader.clock(&ex).await?;
    let now = wallet::Now {
        slot: clock.slot,
        unix_timestamp: clock.unix_timestamp,
    };
    c.reader
        .send(
            &wallet::withdraw(&v, &who, c.token, units, now),
            &c.key,
            &c.tables,
        )
        .await?;
    finish(&c, &a, format!("withdrew {amount} to {}", c.token)).await
}

/// `bulwark trade`'s order.
pub struct OrderArgs {
    /// Market index or symbol.
    pub market: String,
    /// Base units as a decimal (negative sells).
    pub size: String,
    pub limit_price: String,
    /// Preview and simulate only.
    pub dry_run: bool,
}

/// `bulwark trade --market M --size S --limit-price P [--dry-run]`: `S` in base units
/// (negative sells).
pub async fn trade(a: Actor, o: OrderArgs) -> Result<()> {
    let c = ctx(&a).await?;
    let ex = c.reader.exchange().await?;
    let markets = c.reader.markets(&ex).await?;
    let m = find_market(&markets, &o.market)?;
    let delta = parse_decimal("--size", &o.size, BASE_SCALE.ilog10(), true)?;
    if delta == 0 {
        bail!("--size: must not be zero");
    }
    let delta = i64::try_from(delta).map_err(|_| anyhow!("--size: {:?} is too large", o.size))?;
    let limit = parse_decimal("--limit-price", &o.limit_price, PRICE_SCALE.ilog10(), false)?;
    let limit = u64::try_from(limit).map_err(|_| anyhow!("--limit-price: too large"))?;
    let what = format!(
        "traded {} {} (limit {})",
        o.size,
        crate::operator::symbol(m),
        o.limit_price
    );
    let placed = Placed {
        market_index: m.index,
        delta,
        limit,
        dry_run: o.dry_run,
    };
    place(c, &a, (&ex, &markets), placed, what).await
}

/// An order ready to send: base atoms, the limit (1e-9 collateral per unit), dry run or not.
pub struct Placed {
    pub market_index: u16,
    pub delta: i64,
    pub limit: u64,
    pub dry_run: bool,
}

/// Sends `p` for the context's account (its refreshes first), or with `dry_run` previews it
/// with the program's own operation and simulates the transaction; prints the account after.
pub async fn place(
    mut c: Ctx,
    a: &Actor,
    (ex, markets): (&Exchange, &[Market]),
    p: Placed,
    what: String,
) -> Result<()> {
    c.reader.dry_run = p.dry_run;
    let (_, _, account) = venue_and_account(&c).await?;
    let clock = c.reader.clock(ex).await?;
    if p.dry_run {
        let market_pool = markets
            .iter()
            .find(|m| m.index == p.market_index)
            .map_or(account.pool, |m| m.pool);
        let pool = c.reader.pool(market_pool).await?;
        let order = PreviewOrder {
            market_index: p.market_index,
            delta: p.delta,
            limit_price: p.limit,
            by_delegate: account.is_delegate(&c.key.pubkey()),
        };
        let venue = ex.trade_venue(&pool, clock.unix_timestamp);
        let preview = preview_trade(&account, markets, &venue, &clock, order)
            .map_err(|e| anyhow!("the program would refuse this trade: {}", engine_reason(e)))?;
        print_preview(&preview, c.decimals, a.source.json)?;
    }
    let now = wallet::Now {
        slot: clock.slot,
        unix_timestamp: clock.unix_timestamp,
    };
    let v = wallet::Venue {
        exchange: ex,
        markets,
    };
    let ixs = wallet::trade(
        &v,
        &c.acting(&account),
        p.market_index,
        p.delta,
        p.limit,
        now,
    )
    .ok_or_else(|| anyhow!("--market: market {} is not listed", p.market_index))?;
    c.reader.send(&ixs, &c.key, &c.tables).await?;
    if p.dry_run {
        return Ok(());
    }
    finish(&c, a, what).await
}

/// An engine refusal as the program's error name and message, else the engine's words.
fn engine_reason(e: bulwark_engine::EngineError) -> String {
    // The program maps each refusal to one error; its message says what to do.
    let code = u32::from(bulwark::error::engine_error(e));
    bulwark_sdk::errors::explain(code).unwrap_or_else(|| e.to_string())
}

/// Prints a trade preview (collateral units and prices as exact decimals).
fn print_preview(p: &TradePreview, decimals: u8, json: bool) -> Result<()> {
    let out = &p.fill.outcome;
    let amount = |v: i64| crate::operator::amount(v as i128, decimals);
    let j = serde_json::json!({
        "dry_run": true,
        "fill_price": crate::operator::price(out.exec.price),
        "fee": amount(out.fee.total as i64),
        "realized_pnl": amount(out.realized_pnl),
        "funding_paid": amount(p.fill.funding_paid),
        "base_after": crate::operator::base(out.fill.position.base as i128),
        "collateral_after": amount(p.collateral_after),
        "initial_margin_free_after": amount(p.initial_free_after),
        "maintenance_margin_free_after": amount(p.maintenance_free_after),
        "liquidation_price_after": p.liquidation_price_after.map(crate::operator::price),
    });
    if json {
        println!("{}", serde_json::to_string_pretty(&j)?);
        return Ok(());
    }
    for (k, v) in j.as_object().expect("an object") {
        println!(
            "{k}: {}",
            v.as_str().map_or_else(|| v.to_string(), str::to_string)
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::parse_decimal;

    #[test]
    fn decimals_are_exact_and_bad_ones_name_the_field() {
        assert_eq!(
            parse_decimal("--amount", "12.5", 6, false).unwrap(),
            12_500_000
        );
        assert_eq!(parse_decimal("--amount", ".000001", 6, false).unwrap(), 1);
        assert_eq!(
            parse_decimal("--size", "-1.25", 9, true).unwrap(),
            -1_250_000_000
        );
        for (s, why) in [
            ("-1", "negative"),
            ("1.0000001", "decimal places"),
            ("1e3", "not a decimal"),
            ("", "not a decimal"),
            (".", "not a decimal"),
        ] {
            let e = parse_decimal("--amount", s, 6, false)
                .unwrap_err()
                .to_string();
            assert!(e.starts_with("--amount") && e.contains(why), "{s}: {e}");
        }
    }
}
