//! The deployment file's risk pools (`[[pools]]`, in index order): pool 0 takes its settings
//! from `[exchange]` (the program creates it with the exchange); later pools state their own.
//! A market names its pool (`pool = "NAME"`; absent: pool 0). A pool may name up to four
//! leader markets by symbol and its stress-signal settings. Without `[[pools]]` the venue has
//! one pool, `default`.
//!
//! On apply, missing pools are created (`create_pool`, governance) before the markets; after
//! the markets, each pool's stress-signal settings are compared with the chain: a change that
//! only tightens is sent at once (`set_pool_param`), any other is reported as drift with the
//! proposal that would queue it.

use std::collections::BTreeMap;

use anchor_lang::prelude::Pubkey;
use bulwark::constants::MAX_POOLS;
use bulwark::instructions::common::pool_init::PoolArgs;
use bulwark::instructions::InitializeExchangeArgs;
use bulwark_engine::contagion::{ContagionParams, PoolParam, MAX_LEADERS, NO_LEADER};
use serde::Deserialize;

use crate::file_error::FileError;

/// The name of pool 0 when the file lists no pools.
pub const DEFAULT_POOL: &str = "default";

/// Stress-signal defaults when a pool names leaders but not the setting: the engine's
/// (`ContagionParams::led_by`).
pub use bulwark_engine::contagion::{
    DEFAULT_CALM_SECS, DEFAULT_SIGMA_TRIGGER_PPM, DEFAULT_SPREAD_PPM, DEFAULT_STEP_PPM,
};

/// `[[pools]]`: one risk pool.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct PoolFile {
    pub name: String,
    /// Pool settings (pools after the first; pool 0's are `[exchange]`'s).
    pub withdraw_delay_secs: Option<u32>,
    pub max_pnl_to_pool_ppm: Option<u32>,
    pub unstake_cooldown_secs: Option<u32>,
    /// Leader markets by symbol (any pool's), at most four.
    #[serde(default)]
    pub leaders: Vec<String>,
    pub contagion_step_ppm: Option<u32>,
    pub contagion_spread_ppm: Option<u32>,
    pub contagion_sigma_trigger_ppm: Option<u32>,
    pub contagion_calm_secs: Option<u32>,
}

/// A validated pool: its name, settings and stress-signal parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolPlan {
    pub name: String,
    pub args: PoolArgs,
    pub contagion: ContagionParams,
}

/// The pools of a file (`pools`, or the single default pool), validated: unique names, at
/// most `MAX_POOLS`, pool 0's settings only in `[exchange]`, bounds on every value. Leaders
/// are resolved later ([`resolve_leaders`]), once the markets' symbols are known.
pub fn pool_plans(
    pools: &[PoolFile],
    exchange: &InitializeExchangeArgs,
    file: &str,
) -> Result<Vec<PoolPlan>, FileError> {
    let pool0 = PoolArgs {
        withdraw_delay_secs: exchange.pool_withdraw_delay_secs,
        max_pnl_to_pool_ppm: exchange.max_pnl_to_pool_ppm,
        unstake_cooldown_secs: exchange.unstake_cooldown_secs,
    };
    if pools.is_empty() {
        return Ok(vec![PoolPlan {
            name: DEFAULT_POOL.into(),
            args: pool0,
            contagion: ContagionParams::OFF,
        }]);
    }
    if pools.len() > usize::from(MAX_POOLS) {
        let why = format!("at most {MAX_POOLS} pools, got {}", pools.len());
        return Err(FileError::invalid(format!("{file}: pools"), why));
    }
    let mut names = BTreeMap::new();
    let mut out = Vec::with_capacity(pools.len());
    for (i, p) in pools.iter().enumerate() {
        let at = |f: &str| format!("{file}: pools[{i}].{f}");
        if p.name.is_empty() {
            return Err(FileError::invalid(at("name"), "a pool needs a name"));
        }
        if let Some(j) = names.insert(p.name.clone(), i) {
            let why = format!("{:?} is also pools[{j}]", p.name);
            return Err(FileError::invalid(at("name"), why));
        }
        let stated = [
            p.withdraw_delay_secs,
            p.max_pnl_to_pool_ppm,
            p.unstake_cooldown_secs,
        ];
        if i == 0 && stated.iter().any(Option::is_some) {
            let why = "pool 0's settings are [exchange]'s (pool_withdraw_delay_secs, max_pnl_to_pool_ppm, unstake_cooldown_secs)";
            return Err(FileError::invalid(at("name"), why));
        }
        let args = PoolArgs {
            withdraw_delay_secs: p.withdraw_delay_secs.unwrap_or(pool0.withdraw_delay_secs),
            max_pnl_to_pool_ppm: p.max_pnl_to_pool_ppm.unwrap_or(pool0.max_pnl_to_pool_ppm),
            unstake_cooldown_secs: p
                .unstake_cooldown_secs
                .unwrap_or(pool0.unstake_cooldown_secs),
        };
        for (name, bound, v) in [
            (
                "withdraw_delay_secs",
                "withdraw_delay_secs",
                args.withdraw_delay_secs,
            ),
            (
                "max_pnl_to_pool_ppm",
                "max_pnl_to_pool_ppm",
                args.max_pnl_to_pool_ppm,
            ),
            (
                "unstake_cooldown_secs",
                "unstake_cooldown_secs",
                args.unstake_cooldown_secs,
            ),
        ] {
            crate::params_file::check(&at(name), bound, u64::from(v))?;
        }
        out.push(PoolPlan {
            name: p.name.clone(),
            args,
            contagion: contagion_settings(p, &at)?,
        });
    }
    Ok(out)
}

/// A pool's stress-signal settings (defaults where leaders are named and a setting is not;
/// off without leaders), each within its bounds. Leaders stay unresolved.
fn contagion_settings(
    p: &PoolFile,
    at: &dyn Fn(&str) -> String,
) -> Result<ContagionParams, FileError> {
    if p.leaders.len() > MAX_LEADERS {
        let why = format!("at most {MAX_LEADERS} leaders, got {}", p.leaders.len());
        return Err(FileError::invalid(at("leaders"), why));
    }
    let on = !p.leaders.is_empty();
    let pick = |v: Option<u32>, d: u32| v.unwrap_or(if on { d } else { 0 });
    let c = ContagionParams {
        leaders: [NO_LEADER; 4],
        step_ppm: pick(p.contagion_step_ppm, DEFAULT_STEP_PPM),
        spread_ppm: pick(p.contagion_spread_ppm, DEFAULT_SPREAD_PPM),
        sigma_trigger_ppm: pick(p.contagion_sigma_trigger_ppm, DEFAULT_SIGMA_TRIGGER_PPM),
        calm_secs: pick(p.contagion_calm_secs, DEFAULT_CALM_SECS),
    };
    for param in [
        PoolParam::StepPpm,
        PoolParam::SpreadPpm,
        PoolParam::SigmaTriggerPpm,
    ] {
        if param.check(param.get(&c), 0).is_err() {
            return Err(FileError::invalid(at(param.name()), "outside its bounds"));
        }
    }
    if on
        && PoolParam::CalmSecs
            .check(u64::from(c.calm_secs), 0)
            .is_err()
    {
        return Err(FileError::invalid(
            at("contagion_calm_secs"),
            "outside its bounds",
        ));
    }
    Ok(c)
}

/// Fills each plan's leaders from the file's symbols (`symbols`: symbol → market index).
pub fn resolve_leaders(
    plans: &mut [PoolPlan],
    pools: &[PoolFile],
    symbols: &BTreeMap<String, usize>,
    file: &str,
) -> Result<(), FileError> {
    for (i, p) in pools.iter().enumerate() {
        for (k, symbol) in p.leaders.iter().enumerate() {
            let at = format!("{file}: pools[{i}].leaders[{k}]");
            let index = *symbols
                .get(symbol)
                .ok_or_else(|| FileError::invalid(&at, format!("no market {symbol:?}")))?;
            let param = PoolParam::from_u16(k as u16).expect("k < 4");
            param
                .set(&mut plans[i].contagion, index as u64)
                .map_err(|_| FileError::invalid(&at, format!("{symbol:?} is named twice")))?;
        }
    }
    Ok(())
}

/// The pool index a market names (`pool`; absent: pool 0).
pub fn market_pool(pool: Option<&str>, plans: &[PoolPlan], field: &str) -> Result<u16, FileError> {
    let Some(name) = pool else { return Ok(0) };
    plans
        .iter()
        .position(|p| p.name == name)
        .map(|i| i as u16)
        .ok_or_else(|| FileError::invalid(format!("{field}.pool"), format!("no pool {name:?}")))
}

/// The stress-signal changes from `chain` to `file`, as (parameter, chain value, file value),
/// in parameter order (leaders first: a leader must be named before its settings matter).
pub fn contagion_changes(
    chain: &ContagionParams,
    file: &ContagionParams,
) -> Vec<(PoolParam, u64, u64)> {
    PoolParam::ALL
        .iter()
        .map(|p| (*p, p.get(chain), p.get(file)))
        .filter(|(_, c, f)| c != f)
        .collect()
}

/// The `bulwark governance propose` hint for a change that must be queued.
pub fn pool_proposal_hint(pool: &str, index: u16, p: PoolParam, chain: u64, file: u64) -> String {
    format!(
        "pool {index} {pool}: {} is {chain} on chain, {file} in the file; it loosens, so queue it with `bulwark governance propose pool-param --pool {index} --param {} --value {file} --governance <DAO key>`",
        p.name(),
        p.name()
    )
}

/// The address of pool `index` (for messages and reads).
pub fn pool_address(index: u16) -> Pubkey {
    crate::pda::pool(index).0
}

/// Creates the pools `d` lists that the chain lacks (index order, after pool 0), signed by
/// `governance`, paid by `authority`.
pub async fn ensure_pools(
    client: &solana_rpc_client::nonblocking::rpc_client::RpcClient,
    d: &crate::bootstrap::Deployment,
    ex: &bulwark::state::Exchange,
    (authority, governance): (
        &solana_sdk::signature::Keypair,
        &solana_sdk::signature::Keypair,
    ),
    r: &mut crate::bootstrap::BootstrapReport,
) -> Result<(), crate::bootstrap::BootstrapError> {
    use solana_sdk::signature::Signer;
    for (i, plan) in d.pools.iter().enumerate().skip(1) {
        let index = i as u16;
        let name = format!("pool {i} {}", plan.name);
        if index < ex.pool_count {
            r.unchanged.push(name);
            continue;
        }
        let ix = crate::ix::create_pool(governance.pubkey(), authority.pubkey(), index, plan.args);
        let doing = format!("create_pool {i}");
        crate::bootstrap::send(client, &doing, ix, authority, &[governance]).await?;
        r.created.push(name);
    }
    Ok(())
}

/// Brings each pool's stress-signal settings to the file's: tightenings sent at once
/// (`set_pool_param`, signed by `governance`), loosenings reported as drift.
pub async fn ensure_contagion(
    client: &solana_rpc_client::nonblocking::rpc_client::RpcClient,
    d: &crate::bootstrap::Deployment,
    (authority, governance): (
        &solana_sdk::signature::Keypair,
        &solana_sdk::signature::Keypair,
    ),
    r: &mut crate::bootstrap::BootstrapReport,
) -> Result<(), crate::bootstrap::BootstrapError> {
    use solana_sdk::signature::Signer;
    for (i, plan) in d.pools.iter().enumerate() {
        let index = i as u16;
        let what = format!("pool {i} {}", plan.name);
        let bytes = crate::bootstrap::data(client, &pool_address(index))
            .await?
            .ok_or_else(|| crate::bootstrap::account_error(&what, "missing"))?;
        let pool =
            crate::accounts::pool(&bytes).map_err(|e| crate::bootstrap::account_error(&what, e))?;
        for (param, chain, file) in contagion_changes(&pool.contagion, &plan.contagion) {
            if !param.tightens(chain, file) {
                r.drift
                    .push(pool_proposal_hint(&plan.name, index, param, chain, file));
                continue;
            }
            if param.step_limit().is_some_and(|l| chain.abs_diff(file) > l) {
                r.drift.push(format!(
                    "{what}: {} is {chain} on chain, {file} in the file: beyond one window's step \
                     limit; set it in steps, one a day (`set_pool_param`)",
                    param.name()
                ));
                continue;
            }
            let ix = crate::ix::set_pool_param(governance.pubkey(), index, param, file);
            let doing = format!("set_pool_param {i} {}", param.name());
            crate::bootstrap::send(client, &doing, ix, authority, &[governance]).await?;
            r.created.push(format!("{what} {} = {file}", param.name()));
        }
    }
    Ok(())
}
