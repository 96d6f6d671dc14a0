//! Deployment bootstrap: reads a deployment file (exchange roles, collateral mint and oracle,
//! risk pools, markets with their pool, oracle sources and parameters), validates it before any transaction
//! (syntax, unknown keys, addresses, kinds, quorum against the sources, and every value against
//! the engine's bounds table; errors name the file and the field), then creates what is missing.
//! Running it again on the same file sends nothing.
//!
//! Each market's listing is also run through the program's own `Market::apply_listing` on a
//! scratch market, so its cross-field rules refuse the file before anything is sent.
//!
//! For what exists it compares the roles, the mint, each market's symbol and its ten governable
//! parameters, and reports differences with the `bulwark governance propose` command that
//! would queue them (live parameters change only through the timelock). It does not compare
//! the exchange's other settings, oracle sources or non-governable market parameters.

use std::collections::BTreeMap;

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use bulwark::instructions::{CreateMarketArgs, InitializeExchangeArgs};
use bulwark::oracle::OracleKind;
use bulwark::state::{Exchange, OracleSideArgs, OracleSourceArgs};
use bulwark_engine::governance::MarketParam;
use serde::Deserialize;
use solana_commitment_config::CommitmentConfig;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_sdk::signature::{Keypair, Signer};
use solana_sdk::transaction::Transaction;

use crate::bootstrap_compare::{compare_market, proposal_hint};
use crate::bootstrap_pools::{
    ensure_contagion, ensure_pools, market_pool, pool_plans, resolve_leaders, PoolFile, PoolPlan,
};
use crate::file_error::{FileError, FileProblem};
use crate::oracle_accounts::{CHAINLINK_STORE, PYTH_RECEIVER, SWITCHBOARD_ON_DEMAND};
use crate::params::*;
use crate::params_file::{check, check_listing, MarketTables};
use crate::{accounts, ix, pda};

/// The deployment file.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct DeploymentFile {
    pub exchange: ExchangeFile,
    #[serde(default)]
    pub markets: Vec<MarketFile>,
    /// Risk pools in index order (`crate::bootstrap_pools`); absent: one pool, `default`.
    #[serde(default)]
    pub pools: Vec<PoolFile>,
}

/// `[exchange]`: roles, collateral, and optional overrides of the default exchange settings.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct ExchangeFile {
    pub governance: String,
    pub guardian: String,
    pub collateral_mint: String,
    pub collateral_oracle: OracleSideFile,
    pub pool_withdraw_delay_secs: Option<u32>,
    pub max_pnl_to_pool_ppm: Option<u32>,
    pub unstake_cooldown_secs: Option<u32>,
    pub max_pause_secs: Option<u32>,
    pub guardian_window_secs: Option<u32>,
    pub guardian_max_actions: Option<u32>,
    pub timelock_secs: Option<u32>,
    pub grace_secs: Option<u32>,
}

/// One side's sources (`[[...sources]]`) and aggregation limits (defaults when absent).
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct OracleSideFile {
    pub min_quorum: u8,
    pub sources: Vec<SourceFile>,
    pub max_deviation_ppm: Option<u32>,
    pub max_divergence_ppm: Option<u32>,
    pub max_aggregate_conf_ppm: Option<u32>,
    pub future_tolerance_secs: Option<u32>,
}

/// One oracle source: `kind` is `pyth`, `switchboard` or `chainlink`.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct SourceFile {
    pub kind: String,
    pub account: String,
    /// Hex, 32 bytes (Pyth's feed id, Switchboard's feed hash); absent for Chainlink.
    pub feed_id: Option<String>,
    /// Default: the kind's program on mainnet.
    pub owner_program: Option<String>,
    pub max_staleness_secs: Option<u32>,
    pub max_staleness_slots: Option<u32>,
    pub max_conf_ppm: Option<u32>,
    pub conf_floor_ppm: Option<u32>,
}

/// `[[markets]]`, listed in index order; each parameter table overrides the defaults by name.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct MarketFile {
    pub symbol: String,
    /// The risk pool it is listed into, by name (absent: pool 0).
    pub pool: Option<String>,
    pub oracle: OracleSideFile,
    /// Parameter tables over the defaults (`params`, or `risk`, `trading`, `dynamics`,
    /// `liquidation`, `breakers`: any parameter by its name in any of them).
    #[serde(flatten)]
    pub tables: MarketTables,
    /// Open-interest caps, base atoms (listed at zero; raised through governance).
    pub open_interest_cap_long: Option<u64>,
    pub open_interest_cap_short: Option<u64>,
}

/// A validated deployment.
#[derive(Debug, Clone)]
pub struct Deployment {
    pub collateral_mint: Pubkey,
    pub exchange: InitializeExchangeArgs,
    pub markets: Vec<CreateMarketArgs>,
    /// Per market: the risk pool it is listed into.
    pub market_pools: Vec<u16>,
    /// The risk pools, index order (pool 0 first).
    pub pools: Vec<PoolPlan>,
    /// Per market: the caps the file asks for (`None`: not stated).
    pub caps: Vec<(Option<u64>, Option<u64>)>,
}

/// What a run did and found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct BootstrapReport {
    /// Accounts created (`exchange`, `market 0 SOL-PERP`, ...).
    pub created: Vec<String>,
    /// Accounts already as the file says.
    pub unchanged: Vec<String>,
    /// Differences between the file and the chain, each with how to resolve it.
    pub drift: Vec<String>,
}

fn pubkey(field: &str, s: &str) -> Result<Pubkey, FileError> {
    s.parse().map_err(|_| {
        let value = s.to_string();
        FileError::new(field, FileProblem::NotAPublicKey { value })
    })
}

/// One source of a file (named `field` in errors) as instruction arguments: its kind's
/// provider and owner program, every limit checked against the engine's bounds.
pub fn source_args(field: &str, f: &SourceFile) -> Result<OracleSourceArgs, FileError> {
    let (kind, provider, owner) = match f.kind.as_str() {
        "pyth" => (OracleKind::PythPull, PROVIDER_PYTH, PYTH_RECEIVER),
        "switchboard" => (
            OracleKind::SwitchboardOnDemand,
            PROVIDER_SWITCHBOARD,
            SWITCHBOARD_ON_DEMAND,
        ),
        "chainlink" => (OracleKind::Chainlink, PROVIDER_CHAINLINK, CHAINLINK_STORE),
        other => {
            return Err(FileError::invalid(
                format!("{field}.kind"),
                format!("{other:?} is not pyth, switchboard or chainlink"),
            ))
        }
    };
    let mut feed_id = [0u8; 32];
    if let Some(hex) = &f.feed_id {
        let hex = hex.trim_start_matches("0x");
        if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            let at = format!("{field}.feed_id");
            return Err(FileError::invalid(at, "expected 64 hex digits"));
        }
        for (i, b) in feed_id.iter_mut().enumerate() {
            *b = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16)
                .map_err(|_| FileError::invalid(format!("{field}.feed_id"), "not hex"))?;
        }
    }
    let owner = match &f.owner_program {
        Some(s) => pubkey(&format!("{field}.owner_program"), s)?,
        None => owner,
    };
    let mut s = crate::params::source(
        kind,
        provider,
        pubkey(&format!("{field}.account"), &f.account)?,
        owner,
        feed_id,
    );
    s.max_staleness_secs = f.max_staleness_secs.unwrap_or(s.max_staleness_secs);
    s.max_staleness_slots = f.max_staleness_slots.unwrap_or(s.max_staleness_slots);
    s.max_conf_ppm = f.max_conf_ppm.unwrap_or(s.max_conf_ppm);
    s.conf_floor_ppm = f.conf_floor_ppm.unwrap_or(s.conf_floor_ppm);
    for (name, v) in [
        ("max_staleness_secs", s.max_staleness_secs),
        ("max_staleness_slots", s.max_staleness_slots),
        ("max_conf_ppm", s.max_conf_ppm),
        ("conf_floor_ppm", s.conf_floor_ppm),
    ] {
        check(&format!("{field}.{name}"), name, v as u64)?;
    }
    Ok(s)
}

fn side(
    field: &str,
    f: &OracleSideFile,
    defaults: fn(Vec<OracleSourceArgs>, u8) -> OracleSideArgs,
) -> Result<OracleSideArgs, FileError> {
    let sources = f
        .sources
        .iter()
        .enumerate()
        .map(|(i, s)| source_args(&format!("{field}.sources[{i}]"), s))
        .collect::<Result<Vec<_>, _>>()?;
    check(
        &format!("{field}.sources"),
        "oracle_source_count",
        sources.len() as u64,
    )?;
    if f.min_quorum == 0 || f.min_quorum as usize > sources.len() {
        return Err(FileError::invalid(
            format!("{field}.min_quorum"),
            format!(
                "{} is not between 1 and the {} sources",
                f.min_quorum,
                sources.len()
            ),
        ));
    }
    let mut s = defaults(sources, f.min_quorum);
    s.max_deviation_ppm = f.max_deviation_ppm.unwrap_or(s.max_deviation_ppm);
    s.max_divergence_ppm = f.max_divergence_ppm.unwrap_or(s.max_divergence_ppm);
    s.max_aggregate_conf_ppm = f.max_aggregate_conf_ppm.unwrap_or(s.max_aggregate_conf_ppm);
    s.future_tolerance_secs = f.future_tolerance_secs.unwrap_or(s.future_tolerance_secs);
    for (name, v) in [
        ("max_deviation_ppm", s.max_deviation_ppm),
        ("max_divergence_ppm", s.max_divergence_ppm),
        ("max_aggregate_conf_ppm", s.max_aggregate_conf_ppm),
        ("future_tolerance_secs", s.future_tolerance_secs),
    ] {
        check(&format!("{field}.{name}"), name, v as u64)?;
    }
    Ok(s)
}

/// Parses and validates a deployment file's text; `file` names it in errors.
pub fn parse(text: &str, file: &str) -> Result<Deployment, FileError> {
    let f: DeploymentFile =
        toml::from_str(text).map_err(|e| FileError::invalid(file, e.to_string()))?;
    let at = |field: &str| format!("{file}: {field}");
    let e = &f.exchange;
    let exchange = exchange_args(e, &at)?;
    let mut pools = pool_plans(&f.pools, &exchange, file)?;
    let mut markets = Vec::new();
    let mut market_pools = Vec::new();
    let mut caps = Vec::new();
    let mut symbols = BTreeMap::new();
    for (i, m) in f.markets.iter().enumerate() {
        let field = at(&format!("markets[{i}]"));
        markets.push(market_args(i, m, &field, &mut symbols)?);
        market_pools.push(market_pool(m.pool.as_deref(), &pools, &field)?);
        caps.push((m.open_interest_cap_long, m.open_interest_cap_short));
        // The program's own listing, on a scratch market: its cross-field rules (band order,
        // fee shares, penalty below maintenance, ...) refuse here what create_market would.
        check_listing(markets.last().expect("pushed"))
            .map_err(|why| FileError::new(&field, FileProblem::ListingRefused(why)))?;
    }
    resolve_leaders(&mut pools, &f.pools, &symbols, file)?;
    Ok(Deployment {
        collateral_mint: pubkey(&at("exchange.collateral_mint"), &e.collateral_mint)?,
        exchange,
        markets,
        market_pools,
        pools,
        caps,
    })
}

/// `[exchange]`: the collateral side, the roles and the settings (defaults where absent),
/// each checked against its bounds; `at` names a field in errors.
fn exchange_args(
    e: &ExchangeFile,
    at: &dyn Fn(&str) -> String,
) -> Result<InitializeExchangeArgs, FileError> {
    let collateral_oracle = side(
        &at("exchange.collateral_oracle"),
        &e.collateral_oracle,
        collateral_side,
    )?;
    let exchange = InitializeExchangeArgs {
        governance: pubkey(&at("exchange.governance"), &e.governance)?,
        guardian: pubkey(&at("exchange.guardian"), &e.guardian)?,
        collateral_oracle,
        pool_withdraw_delay_secs: e
            .pool_withdraw_delay_secs
            .unwrap_or(POOL_WITHDRAW_DELAY_SECS),
        max_pnl_to_pool_ppm: e.max_pnl_to_pool_ppm.unwrap_or(MAX_PNL_TO_POOL_PPM),
        unstake_cooldown_secs: e.unstake_cooldown_secs.unwrap_or(UNSTAKE_COOLDOWN_SECS),
        max_pause_secs: e.max_pause_secs.unwrap_or(MAX_PAUSE_SECS),
        guardian_window_secs: e.guardian_window_secs.unwrap_or(GUARDIAN_WINDOW_SECS),
        guardian_max_actions: e.guardian_max_actions.unwrap_or(GUARDIAN_MAX_ACTIONS),
        timelock_secs: e.timelock_secs.unwrap_or(TIMELOCK_SECS),
        grace_secs: e.grace_secs.unwrap_or(GRACE_SECS),
    };
    let x = &exchange;
    for (name, bound, v) in [
        (
            "pool_withdraw_delay_secs",
            "withdraw_delay_secs",
            x.pool_withdraw_delay_secs,
        ),
        (
            "max_pnl_to_pool_ppm",
            "max_pnl_to_pool_ppm",
            x.max_pnl_to_pool_ppm,
        ),
        (
            "unstake_cooldown_secs",
            "unstake_cooldown_secs",
            x.unstake_cooldown_secs,
        ),
        ("max_pause_secs", "max_pause_secs", x.max_pause_secs),
        (
            "guardian_window_secs",
            "guardian_window_secs",
            x.guardian_window_secs,
        ),
        (
            "guardian_max_actions",
            "guardian_max_actions",
            x.guardian_max_actions,
        ),
        ("timelock_secs", "timelock_secs", x.timelock_secs),
        ("grace_secs", "grace_secs", x.grace_secs),
    ] {
        check(&at(&format!("exchange.{name}")), bound, v as u64)?;
    }
    Ok(exchange)
}

/// `markets[i]` (named `field` in errors): a symbol of 1 to 16 bytes no earlier market has
/// (`symbols` holds theirs and gains this one), its oracle side and each parameter table
/// over the defaults.
fn market_args(
    i: usize,
    m: &MarketFile,
    field: &str,
    symbols: &mut BTreeMap<String, usize>,
) -> Result<CreateMarketArgs, FileError> {
    let at = format!("{field}.symbol");
    if m.symbol.is_empty() || m.symbol.len() > 16 {
        let why = format!("1 to 16 bytes, got {:?}", m.symbol);
        return Err(FileError::invalid(at, why));
    }
    if let Some(j) = symbols.insert(m.symbol.clone(), i) {
        let why = format!("{:?} is also markets[{j}]", m.symbol);
        return Err(FileError::invalid(at, why));
    }
    Ok(CreateMarketArgs {
        index: i as u16,
        symbol: symbol(&m.symbol),
        oracle: side(&format!("{field}.oracle"), &m.oracle, asset_side)?,
        params: m.tables.apply(&format!("{field}."), market_params())?,
    })
}

/// Why a bootstrap run stopped (what it created before stays created; running it again
/// resumes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BootstrapError {
    /// The node could not be read or did not take a transaction.
    Rpc { doing: String, detail: String },
    /// The program refused a transaction (its error's name).
    Program { doing: String, error: String },
    /// The exchange lists fewer markets than the file's next index: markets are created in
    /// index order.
    MarketsOutOfOrder { market: String, listed: u16 },
    /// An account on chain is not what it should be.
    Account { what: String, detail: String },
}

impl std::fmt::Display for BootstrapError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BootstrapError::Rpc { doing, detail } => write!(f, "{doing}: {detail}"),
            BootstrapError::Program { doing, error } => {
                write!(f, "{doing}: the program refused it ({error})")
            }
            BootstrapError::MarketsOutOfOrder { market, listed } => write!(
                f,
                "{market}: the exchange lists {listed} market(s); markets are created in index order"
            ),
            BootstrapError::Account { what, detail } => write!(f, "{what}: {detail}"),
        }
    }
}

impl std::error::Error for BootstrapError {}

pub(crate) fn account_error(what: &str, detail: impl ToString) -> BootstrapError {
    BootstrapError::Account {
        what: what.to_string(),
        detail: detail.to_string(),
    }
}

pub(crate) async fn data(
    client: &RpcClient,
    key: &Pubkey,
) -> Result<Option<Vec<u8>>, BootstrapError> {
    client
        .get_account_with_commitment(key, CommitmentConfig::confirmed())
        .await
        .map(|r| r.value.map(|a| a.data))
        .map_err(|e| BootstrapError::Rpc {
            doing: format!("reading {key}"),
            detail: e.to_string(),
        })
}

/// Sends `ix` signed by `payer` and `signers`, confirmed; `doing` names it in errors.
pub(crate) async fn send(
    client: &RpcClient,
    doing: &str,
    ix: Instruction,
    payer: &Keypair,
    signers: &[&Keypair],
) -> Result<(), BootstrapError> {
    let rpc = |detail: String| BootstrapError::Rpc {
        doing: doing.to_string(),
        detail,
    };
    let blockhash = client
        .get_latest_blockhash()
        .await
        .map_err(|e| rpc(e.to_string()))?;
    let mut all: Vec<&Keypair> = vec![payer];
    all.extend(signers.iter().filter(|k| k.pubkey() != payer.pubkey()));
    let tx = Transaction::new_signed_with_payer(&[ix], Some(&payer.pubkey()), &all, blockhash);
    client
        .send_and_confirm_transaction(&tx)
        .await
        .map(|_| ())
        .map_err(
            |e| match crate::errors::program_error_name(&e.to_string()) {
                Some(error) => BootstrapError::Program {
                    doing: doing.to_string(),
                    error,
                },
                None => rpc(e.to_string()),
            },
        )
}

/// Creates what `d` describes and is missing, in order (the exchange, then markets by index);
/// reports what exists and what differs. `authority` is the program's upgrade authority (it
/// signs `initialize_exchange` and pays); `governance` signs `create_market`.
pub async fn apply(
    client: &RpcClient,
    d: &Deployment,
    authority: &Keypair,
    governance: &Keypair,
) -> Result<BootstrapReport, BootstrapError> {
    let mut r = BootstrapReport::default();
    let ex = ensure_exchange(client, d, authority, &mut r).await?;
    ensure_pools(client, d, &ex, (authority, governance), &mut r).await?;
    let mut count = ex.market_count;
    for (i, args) in d.markets.iter().enumerate() {
        let name = format!("market {i} {}", symbol_str(&args.symbol));
        let key = pda::market(i as u16).0;
        match data(client, &key).await? {
            None => {
                if i as u16 != count {
                    return Err(BootstrapError::MarketsOutOfOrder {
                        market: name,
                        listed: count,
                    });
                }
                send(
                    client,
                    &format!("create_market {i}"),
                    ix::create_market(
                        governance.pubkey(),
                        authority.pubkey(),
                        d.market_pools[i],
                        args.clone(),
                    ),
                    authority,
                    &[governance],
                )
                .await?;
                count += 1;
                r.created.push(name.clone());
                let (long, short) = d.caps[i];
                for (p, want) in [
                    (MarketParam::OpenInterestCapLong, long),
                    (MarketParam::OpenInterestCapShort, short),
                ] {
                    if let Some(v) = want.filter(|v| *v != 0) {
                        r.drift.push(proposal_hint(&name, i, p, 0, v));
                    }
                }
            }
            Some(bytes) => compare_market(&bytes, d, i, name, &mut r)?,
        }
    }
    ensure_contagion(client, d, (authority, governance), &mut r).await?;
    Ok(r)
}

/// The exchange: created from `d` when missing; else its roles and mint compared with the
/// file's (differences reported as drift).
async fn ensure_exchange(
    client: &RpcClient,
    d: &Deployment,
    authority: &Keypair,
    r: &mut BootstrapReport,
) -> Result<Exchange, BootstrapError> {
    let ex_key = pda::exchange().0;
    Ok(match data(client, &ex_key).await? {
        None => {
            send(
                client,
                "initialize_exchange",
                ix::initialize_exchange(authority.pubkey(), d.collateral_mint, d.exchange.clone()),
                authority,
                &[],
            )
            .await?;
            r.created.push("exchange".into());
            let bytes = data(client, &ex_key)
                .await?
                .ok_or_else(|| account_error("exchange", "not created"))?;
            accounts::exchange(&bytes).map_err(|e| account_error("exchange", e))?
        }
        Some(bytes) => {
            let ex = accounts::exchange(&bytes).map_err(|e| account_error("exchange", e))?;
            let mut same = true;
            for (name, chain, file) in [
                ("governance", ex.governance, d.exchange.governance),
                ("guardian", ex.guardian, d.exchange.guardian),
                ("collateral_mint", ex.collateral_mint, d.collateral_mint),
            ] {
                if chain != file {
                    same = false;
                    r.drift.push(format!(
                        "exchange.{name}: chain {chain}, file {file} (roles move by transfer_role/accept_role; the mint cannot change)"
                    ));
                }
            }
            if same {
                r.unchanged.push("exchange".into());
            }
            ex
        }
    })
}
