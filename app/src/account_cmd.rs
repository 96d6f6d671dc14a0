//! The rest of a margin account's life from the command line: closing a position at market
//! within a slippage bound, naming or revoking a delegate with its limits, and closing the
//! empty account for its rent.

use anyhow::{anyhow, bail, Result};
use bulwark::instructions::SetDelegateArgs;
use bulwark_engine::delegate::DelegateLimits;
use bulwark_sdk::wallet;
use solana_sdk::signature::Signer;

use crate::keeper_cmd::parse_pubkey;
use crate::operator::find_market;
use crate::trader_cmd::{
    ctx, finish, owner_only, parse_decimal, place, venue_and_account, Actor, Placed,
};

/// `bulwark close-position --market M [--max-slippage-pct P] [--dry-run]`: the whole
/// position, at a limit `P` percent through the stored price (on the tick grid, the
/// trader's side).
pub async fn close_position(
    a: Actor,
    market: String,
    slippage: String,
    dry_run: bool,
) -> Result<()> {
    let c = ctx(&a).await?;
    let (ex, markets, account) = venue_and_account(&c).await?;
    let m = find_market(&markets, &market)?;
    let base = account
        .slot_of(m.index)
        .map(|s| account.positions[s].base)
        .ok_or_else(|| anyhow!("--market: no position in {}", crate::operator::symbol(m)))?;
    let pct = parse_decimal("--max-slippage-pct", &slippage, 2, false)?;
    if pct > 10_000 {
        bail!("--max-slippage-pct: {slippage} is above 100");
    }
    let limit = close_limit(
        m.aggregate.price,
        m.params.trade.tick_price,
        base,
        pct as u64,
    );
    let placed = Placed {
        market_index: m.index,
        delta: -base,
        limit,
        dry_run,
    };
    let what = format!("closed the {} position", crate::operator::symbol(m));
    place(c, &a, (&ex, &markets), placed, what).await
}

/// The limit that closes `base` within `bps_hundredths` (hundredths of a percent) of `price`:
/// a long sells no lower than `price·(1−s)` rounded up to the tick, a short buys no higher
/// than `price·(1+s)` rounded down (the bound is never looser than asked).
pub fn close_limit(price: u64, tick: u64, base: i64, hundredths_pct: u64) -> u64 {
    let tick = tick.max(1) as u128;
    let p = price as u128;
    let moved = p * hundredths_pct as u128 / 10_000;
    let bound = if base > 0 {
        (p - moved.min(p)).div_ceil(tick) * tick
    } else {
        (p + moved) / tick * tick
    };
    u64::try_from(bound).unwrap_or(u64::MAX)
}

/// What `bulwark delegate` sets.
#[derive(clap::Args, Debug)]
pub struct DelegateArgs {
    /// The delegate's key (it may trade, never withdraw).
    #[arg(long, conflicts_with = "revoke")]
    pub key: Option<String>,
    /// Remove the delegate.
    #[arg(long)]
    pub revoke: bool,
    /// Most its trades may cost the account, net, collateral units as a decimal (default 100).
    #[arg(long)]
    pub max_loss: Option<String>,
    /// Largest total notional an increase may leave, collateral units (default 10,000).
    #[arg(long)]
    pub max_notional: Option<String>,
    /// It may only reduce positions.
    #[arg(long)]
    pub reduce_only: bool,
}

/// `bulwark delegate --key K [limits] | --revoke`: owner only; the cost count starts afresh.
pub async fn delegate(a: Actor, d: DelegateArgs) -> Result<()> {
    let c = ctx(&a).await?;
    owner_only(&c)?;
    let std = DelegateLimits::STANDARD;
    let amount = |flag: &str, v: &Option<String>, default: u64| -> Result<u64> {
        match v {
            None => Ok(default),
            Some(s) => u64::try_from(parse_decimal(flag, s, c.decimals as u32, false)?)
                .map_err(|_| anyhow!("{flag}: {s:?} is too large")),
        }
    };
    let delegate = match (&d.key, d.revoke) {
        (Some(k), false) => parse_pubkey("--key", k)?,
        (None, true) => anchor_lang::prelude::Pubkey::default(),
        _ => bail!("--key: name the delegate, or give --revoke"),
    };
    let args = SetDelegateArgs {
        delegate,
        max_loss: amount("--max-loss", &d.max_loss, std.max_loss)?,
        max_notional: amount("--max-notional", &d.max_notional, std.max_notional)?,
        reduce_only: d.reduce_only,
    };
    let ix = bulwark_sdk::ix::set_delegate_with(c.key.pubkey(), c.margin, args);
    c.reader.send(&[ix], &c.key, &c.tables).await?;
    let what = match d.revoke {
        true => "delegate revoked".to_string(),
        false => format!("delegate {delegate} named"),
    };
    finish(&c, &a, what).await
}

/// `bulwark close-account`: owner only; the account must hold nothing (no collateral, no
/// position, no deficit); its rent returns to the owner.
pub async fn close_account(a: Actor) -> Result<()> {
    let c = ctx(&a).await?;
    owner_only(&c)?;
    let (_, _, account) = venue_and_account(&c).await?;
    if !account.is_empty() {
        bail!("the account still holds collateral or positions: withdraw and close them first");
    }
    c.reader
        .send(
            &wallet::close_account(&c.acting(&account)),
            &c.key,
            &c.tables,
        )
        .await?;
    if !a.source.json {
        println!("closed margin account {} (rent returned)", c.margin);
    } else {
        println!("{}", serde_json::json!({ "closed": c.margin.to_string() }));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::close_limit;

    #[test]
    fn a_close_limit_is_on_the_tick_grid_and_never_looser_than_asked() {
        // 150 with a tick of 0.01 (1e-9 units), 2%: a long sells no lower than 147.
        let (p, tick) = (150_000_000_000, 10_000_000);
        assert_eq!(close_limit(p, tick, 5, 200), 147_000_000_000);
        assert_eq!(close_limit(p, tick, -5, 200), 153_000_000_000);
        // Off the grid: rounded towards the price.
        assert_eq!(close_limit(150_005_000_000, tick, 1, 0), 150_010_000_000);
        assert_eq!(close_limit(150_005_000_000, tick, -1, 0), 150_000_000_000);
        assert_eq!(close_limit(p, tick, 1, 10_000), 0);
    }
}
