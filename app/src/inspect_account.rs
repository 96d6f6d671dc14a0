//! `bulwark inspect account FILE|ADDRESS`: a Bulwark account's bytes (a file, or fetched over
//! JSON-RPC) decoded by discriminator into JSON: its kind and its main fields, amounts as the
//! integers stored (collateral units, base atoms, prices at 1e-9, ppm).

use anchor_lang::Discriminator;
use anyhow::{anyhow, bail, Result};
use bulwark::state::{
    Exchange, InsuranceFund, LiquidityPool, LpAccount, MarginAccount, Market, Proposal,
    StakeAccount,
};
use bulwark_sdk::accounts;
use serde_json::{json, Value};

fn is<T: Discriminator>(data: &[u8]) -> bool {
    data.starts_with(T::DISCRIMINATOR)
}

fn decoded<T: anchor_lang::ZeroCopy + Discriminator>(data: &[u8]) -> Result<T> {
    accounts::decode::<T>(data).map_err(|e| anyhow!("{e}"))
}

/// Decodes any Bulwark account by its discriminator.
pub fn account_json(data: &[u8]) -> Result<Value> {
    if is::<Exchange>(data) {
        return Ok(exchange_json(&decoded(data)?));
    }
    if is::<Market>(data) {
        return Ok(market_json(&decoded(data)?));
    }
    if is::<MarginAccount>(data) {
        return Ok(margin_account_json(&decoded(data)?));
    }
    if is::<LiquidityPool>(data) {
        return Ok(pool_json(&decoded(data)?));
    }
    if is::<InsuranceFund>(data) {
        return Ok(insurance_fund_json(&decoded(data)?));
    }
    if is::<LpAccount>(data) || is::<StakeAccount>(data) {
        return share_account_json(data);
    }
    if is::<Proposal>(data) {
        return Ok(proposal_json(&decoded(data)?));
    }
    bail!("not a Bulwark account (unknown discriminator)")
}

/// The exchange: roles, collateral, counts, fees and pauses.
fn exchange_json(e: &Exchange) -> Value {
    json!({
        "kind": "exchange",
        "governance": e.governance.to_string(),
        "guardian": e.guardian.to_string(),
        "collateral_mint": e.collateral_mint.to_string(),
        "collateral_decimals": e.collateral_decimals,
        "vault": e.vault.to_string(),
        "market_count": e.market_count,
        "proposal_count": e.proposal_count,
        "pool_count": e.pool_count,
        "protocol_fees": e.protocol_fees,
        "guardian_pause_bits": e.guardian_pause.bits,
        "invariant_pause_bits": e.invariant_pause_bits,
        "collateral_oracle_sources": e.collateral_oracle.active().iter().map(|s| s.account.to_string()).collect::<Vec<_>>(),
    })
}

/// A market: its state, price, open interest, caps, margin and breakers.
fn market_json(m: &Market) -> Value {
    json!({
        "kind": "market",
        "index": m.index,
        "pool": m.pool,
        "symbol": crate::operator::symbol(m),
        "stress_signal": m.contagion.on != 0,
        "stress_step_ppm": m.contagion.step_ppm,
        "state": m.state().name(),
        "price": m.aggregate.price,
        "aggregate_slot": m.aggregate.slot,
        "long_oi": m.book.long_oi,
        "short_oi": m.book.short_oi,
        "open_interest_cap_long": m.params.trade.open_interest_cap_long,
        "open_interest_cap_short": m.params.trade.open_interest_cap_short,
        "base_mmr_ppm": m.params.dynamics.margin.base_mmr_ppm,
        "mmr_target_ppm": m.ramp.target_ppm,
        "breaker_flags": m.breaker_flags,
        "insurance_tripped": m.insurance_tripped != 0,
        "adl_episode_start_slot": m.adl_episode.start_slot,
        "adl_episode_last_slot": m.adl_episode.last_slot,
        "oracle_sources": m.oracle.active().iter().map(|s| s.account.to_string()).collect::<Vec<_>>(),
    })
}

/// A margin account: owner, delegate, collateral and its open positions.
fn margin_account_json(a: &MarginAccount) -> Value {
    let positions: Vec<Value> = a
        .positions
        .iter()
        .filter(|p| p.base != 0)
        .map(|p| json!({ "market_index": p.market_index, "base": p.base, "cost": p.cost, "last_increase_slot": p.last_increase_slot }))
        .collect();
    json!({
        "kind": "margin_account",
        "owner": a.owner.to_string(),
        "index": a.index,
        "pool": a.pool,
        "delegate": a.delegate.to_string(),
        "collateral": a.collateral,
        "in_liquidation": a.liquidation.active != 0,
        "positions": positions,
    })
}

/// The liquidity pool: capital, shares and limits.
fn pool_json(p: &LiquidityPool) -> Value {
    json!({
        "kind": "liquidity_pool",
        "index": p.index,
        "markets": p.live_market_count(),
        "capital": p.capital,
        "deposits_net": p.deposits_net,
        "leaders": p.contagion.named_leaders().collect::<Vec<_>>(),
        "contagion_step_ppm": p.contagion.step_ppm,
        "contagion_spread_ppm": p.contagion.spread_ppm,
        "contagion_sigma_trigger_ppm": p.contagion.sigma_trigger_ppm,
        "contagion_calm_secs": p.contagion.calm_secs,
        // u128 share counts as decimal strings: JSON numbers stop at u64.
        "total_shares": p.total_shares().to_string(),
        "requested_shares": p.requested_shares().to_string(),
        "withdraw_delay_secs": p.withdraw_delay_secs,
        "max_pnl_to_pool_ppm": p.max_pnl_to_pool_ppm,
        "total_socialized": p.total_socialized,
    })
}

/// The insurance fund: balance, shares, cooldown and what it has paid.
fn insurance_fund_json(f: &InsuranceFund) -> Value {
    json!({
        "kind": "insurance_fund",
        "pool": f.pool,
        "balance": f.balance,
        "total_shares": f.total_shares().to_string(),
        "requested_shares": f.requested_shares().to_string(),
        "unstake_cooldown_secs": f.unstake_cooldown_secs,
        "total_paid": f.total_paid,
    })
}

/// An LP or insurance-stake account (the same fields): owner, shares and any request.
fn share_account_json(data: &[u8]) -> Result<Value> {
    let (kind, pool, owner, shares, requested, at) = if is::<LpAccount>(data) {
        let a: LpAccount = decoded(data)?;
        (
            "lp_account",
            a.pool,
            a.owner,
            a.shares(),
            a.requested_shares(),
            a.requested_at,
        )
    } else {
        let a: StakeAccount = decoded(data)?;
        (
            "stake_account",
            a.pool,
            a.owner,
            a.shares(),
            a.requested_shares(),
            a.requested_at,
        )
    };
    Ok(json!({
        "kind": kind,
        "pool": pool,
        "owner": owner.to_string(),
        "shares": shares.to_string(),
        "requested_shares": requested.to_string(),
        "requested_at": at,
    }))
}

/// A governance proposal: its seed (execute and cancel name it), queue order, status, action
/// and timing.
fn proposal_json(p: &Proposal) -> Value {
    let action = match p.action() {
        Ok(a) => serde_json::to_value(a).unwrap_or(Value::Null),
        Err(_) => json!({ "unknown_kind": p.kind }),
    };
    json!({
        "kind": "proposal",
        "seed": p.seed,
        "id": p.id,
        "status": p.status,
        "action": action,
        "created_at": p.created_at,
        "eta": p.eta,
        "expires": p.expires,
    })
}
