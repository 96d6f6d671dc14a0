//! `bulwark keeper run`: the keeper core as a long-running bot over Solana JSON-RPC.
//!
//! Settings come from a TOML file (every key optional, unknown keys refused) and flags, flags
//! winning. Before the first cycle it checks that the node answers, the venue exists, the
//! keypair can pay fees and the reward account is a margin account (`preflight`), and exits
//! non-zero naming what to fix. Each cycle logs one metrics line; failures are logged with the
//! program error's name and the loop goes on, until cycles have stalled (no chain, or nothing
//! they sent landed) for `give_up_after_secs`: then it exits non-zero saying why.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anchor_lang::prelude::Pubkey;
use anyhow::{anyhow, bail, Context};
use bulwark_keeper::preflight::preflight;
use bulwark_keeper::rpc_chain::{PriorityFee, RpcChain, RpcSettings};
use bulwark_keeper::watchdog::{stalled, Watchdog};

use crate::keeper_metrics::KeeperMetrics;
use bulwark_keeper::{run_cycle, KeeperChain, KeeperConfig};
use serde::Deserialize;
use solana_commitment_config::CommitmentConfig;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_sdk::signature::{Keypair, Signer};

/// Flags of `bulwark keeper run` (each overrides the file's key of the same name).
#[derive(clap::Args, Debug, Default)]
pub struct KeeperArgs {
    /// TOML settings file.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// JSON-RPC URL, or m|d|t|l (default: the config file's, else the Solana CLI config's).
    #[arg(short = 'u', long)]
    pub url: Option<String>,
    /// Keypair file (Solana CLI JSON) that signs and pays (default: the config file's, else
    /// the Solana CLI config's, else ~/.config/solana/id.json).
    #[arg(short = 'k', long)]
    pub keypair: Option<PathBuf>,
    /// processed | confirmed | finalized.
    #[arg(long)]
    pub commitment: Option<String>,
    /// Handle only shard i of n accounts, as `i/n`.
    #[arg(long)]
    pub shard: Option<String>,
    /// Simulate every transaction; send none.
    #[arg(long)]
    pub dry_run: bool,
    /// Pause between cycles, milliseconds.
    #[arg(long)]
    pub interval_ms: Option<u64>,
    /// Stop after this many cycles (0: run until stopped).
    #[arg(long)]
    pub cycles: Option<u64>,
    /// Give up (exit non-zero) after this many seconds of cycles that could not read the chain
    /// or landed nothing they sent (default 300).
    #[arg(long)]
    pub give_up_after_secs: Option<u64>,
    /// Serve Prometheus metrics at `http://ADDR/metrics` (e.g. 127.0.0.1:9464).
    #[arg(long)]
    pub metrics: Option<String>,
    /// Websocket URL to watch margin accounts on (default: derived from the RPC URL as the
    /// Solana CLI does, 8899 -> 8900; `none`: poll only).
    #[arg(long)]
    pub ws_url: Option<String>,
}

/// The settings file: every key optional.
#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct KeeperFile {
    pub url: Option<String>,
    pub keypair: Option<PathBuf>,
    pub commitment: Option<String>,
    pub shard: Option<String>,
    pub dry_run: Option<bool>,
    pub interval_ms: Option<u64>,
    pub cycles: Option<u64>,
    /// Margin account credited with liquidation rewards (default: the keeper's account 0).
    pub reward_account: Option<String>,
    pub max_stages_per_account: Option<u32>,
    /// Most stages of one account in one transaction (default 4; 1: one a transaction).
    pub stages_per_transaction: Option<u32>,
    /// Most transactions in flight at once (default 64).
    pub max_in_flight: Option<u32>,
    /// Seconds of stalled cycles before the keeper gives up (default 300).
    pub give_up_after_secs: Option<u64>,
    /// Address to serve Prometheus metrics on (`/metrics`); none by default.
    pub metrics: Option<String>,
    /// Lamports the keypair must hold at start (default 10,000,000: 0.01 SOL; not checked on a
    /// dry run).
    pub min_balance_lamports: Option<u64>,
    pub max_retries: Option<u32>,
    pub backoff_ms: Option<u64>,
    pub compute_margin_pct: Option<u32>,
    pub default_compute_units: Option<u32>,
    pub full_scan_every: Option<u32>,
    /// Milliseconds between status polls of transactions in flight (default 200).
    pub confirm_poll_ms: Option<u64>,
    /// Websocket URL for the account watch (default: from `url`; "none": poll only).
    pub ws_url: Option<String>,
    pub lookup_tables: Option<Vec<String>>,
    pub priority_fee: Option<PriorityFeeFile>,
}

/// `[priority_fee]`: `kind = "fixed"` with `micro_lamports`, or `kind = "percentile"` with
/// `percentile` and `max_micro_lamports`.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct PriorityFeeFile {
    pub kind: String,
    pub micro_lamports: Option<u64>,
    pub percentile: Option<u8>,
    pub max_micro_lamports: Option<u64>,
}

/// Everything a run needs, validated.
#[derive(Debug)]
pub struct KeeperPlan {
    pub url: String,
    pub keypair: PathBuf,
    pub interval: Duration,
    pub cycles: u64,
    pub reward_account: Option<Pubkey>,
    pub max_stages_per_account: u32,
    pub stages_per_transaction: u32,
    pub max_in_flight: u32,
    /// Where to watch margin accounts (`None`: poll only).
    pub ws_url: Option<String>,
    pub shard: Option<(u32, u32)>,
    /// Stalled cycles without a break for this long end the run with an error.
    pub give_up_after: Duration,
    /// The keypair's least balance at start, lamports (0 on a dry run).
    pub min_balance: u64,
    /// Where to serve metrics, if anywhere.
    pub metrics: Option<std::net::SocketAddr>,
    pub settings: RpcSettings,
}

/// Parses `i/n` with `i < n`.
pub fn parse_shard(s: &str) -> anyhow::Result<(u32, u32)> {
    let (i, n) = s
        .split_once('/')
        .ok_or_else(|| anyhow!("--shard: expected i/n, got {s:?}"))?;
    let i: u32 = i
        .trim()
        .parse()
        .map_err(|_| anyhow!("--shard: bad index {i:?}"))?;
    let n: u32 = n
        .trim()
        .parse()
        .map_err(|_| anyhow!("--shard: bad count {n:?}"))?;
    if n == 0 || i >= n {
        bail!("--shard: need 0 <= i < n, got {i}/{n}");
    }
    Ok((i, n))
}

/// A base58 public key given as `field`, or an error naming the field and the value.
pub(crate) fn parse_pubkey(field: &str, s: &str) -> anyhow::Result<Pubkey> {
    s.parse()
        .map_err(|_| anyhow!("{field}: {s:?} is not a base58 public key"))
}

fn parse_commitment(s: &str) -> anyhow::Result<CommitmentConfig> {
    match s {
        "processed" => Ok(CommitmentConfig::processed()),
        "confirmed" => Ok(CommitmentConfig::confirmed()),
        "finalized" => Ok(CommitmentConfig::finalized()),
        other => bail!("commitment: {other:?} is not processed, confirmed or finalized"),
    }
}

fn parse_fee(f: &PriorityFeeFile) -> anyhow::Result<PriorityFee> {
    match f.kind.as_str() {
        "fixed" => Ok(PriorityFee::Fixed(f.micro_lamports.ok_or_else(|| {
            anyhow!("priority_fee.micro_lamports: required with kind = \"fixed\"")
        })?)),
        "percentile" => {
            let percentile = f.percentile.unwrap_or(75);
            if percentile > 100 {
                bail!("priority_fee.percentile: {percentile} is above 100");
            }
            Ok(PriorityFee::Percentile {
                percentile,
                max: f.max_micro_lamports.unwrap_or(1_000_000),
            })
        }
        other => bail!("priority_fee.kind: {other:?} is not fixed or percentile"),
    }
}

/// Reads the file (if any) and merges the flags over it.
pub fn plan(args: &KeeperArgs) -> anyhow::Result<KeeperPlan> {
    let file: KeeperFile = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            toml::from_str(&text).map_err(|e| anyhow!("{}: {e}", path.display()))?
        }
        None => KeeperFile::default(),
    };
    let url = crate::cluster::url(args.url.as_deref().or(file.url.as_deref()))?;
    let keypair = crate::cluster::keypair(args.keypair.as_deref().or(file.keypair.as_deref()))?;
    let shard = match args.shard.as_deref().or(file.shard.as_deref()) {
        Some(s) => Some(parse_shard(s)?),
        None => None,
    };
    let reward_account = match &file.reward_account {
        Some(s) => Some(parse_pubkey("reward_account", s)?),
        None => None,
    };
    let settings = rpc_settings(args, &file)?;
    let metrics =
        match args.metrics.as_deref().or(file.metrics.as_deref()) {
            Some(a) => Some(a.parse().map_err(|e| {
                anyhow!("metrics: {a:?} is not an address like 127.0.0.1:9464: {e}")
            })?),
            None => None,
        };
    let ws_url = match args.ws_url.as_deref().or(file.ws_url.as_deref()) {
        Some("none") => None,
        Some(u) => Some(u.to_string()),
        None => Some(bulwark_keeper::rpc_chain::websocket_url(&url)),
    };
    Ok(KeeperPlan {
        metrics,
        url,
        keypair,
        interval: Duration::from_millis(args.interval_ms.or(file.interval_ms).unwrap_or(2_000)),
        cycles: args.cycles.or(file.cycles).unwrap_or(0),
        reward_account,
        max_stages_per_account: file.max_stages_per_account.unwrap_or(8).max(1),
        stages_per_transaction: file
            .stages_per_transaction
            .unwrap_or(bulwark_keeper::stage_plan::STAGES_PER_TRANSACTION)
            .max(1),
        ws_url,
        max_in_flight: file
            .max_in_flight
            .unwrap_or(bulwark_keeper::MAX_IN_FLIGHT)
            .max(1),
        shard,
        give_up_after: Duration::from_secs(
            args.give_up_after_secs
                .or(file.give_up_after_secs)
                .unwrap_or(300),
        ),
        // A dry run pays nothing.
        min_balance: match settings.dry_run {
            true => 0,
            false => file.min_balance_lamports.unwrap_or(10_000_000),
        },
        settings,
    })
}

/// The RPC chain's settings from flags and the file, flags winning, defaults filling the rest.
fn rpc_settings(args: &KeeperArgs, file: &KeeperFile) -> anyhow::Result<RpcSettings> {
    let defaults = RpcSettings::default();
    let commitment = match args.commitment.as_deref().or(file.commitment.as_deref()) {
        Some(c) => parse_commitment(c)?,
        None => defaults.commitment,
    };
    let lookup_tables = file
        .lookup_tables
        .iter()
        .flatten()
        .map(|s| parse_pubkey("lookup_tables", s))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let priority_fee = match &file.priority_fee {
        Some(f) => parse_fee(f)?,
        None => defaults.priority_fee,
    };
    let compute_margin_pct = file
        .compute_margin_pct
        .unwrap_or(defaults.compute_margin_pct);
    if compute_margin_pct > 500 {
        bail!("compute_margin_pct: {compute_margin_pct} is above 500");
    }
    Ok(RpcSettings {
        commitment,
        dry_run: args.dry_run || file.dry_run.unwrap_or(false),
        max_retries: file.max_retries.unwrap_or(defaults.max_retries),
        backoff: file
            .backoff_ms
            .map(Duration::from_millis)
            .unwrap_or(defaults.backoff),
        compute_margin_pct,
        default_compute_units: file
            .default_compute_units
            .unwrap_or(defaults.default_compute_units),
        priority_fee,
        lookup_tables,
        full_scan_every: file.full_scan_every.unwrap_or(defaults.full_scan_every),
        confirm_poll: file
            .confirm_poll_ms
            .map(Duration::from_millis)
            .unwrap_or(defaults.confirm_poll),
        ..defaults
    })
}

/// Reads the keypair a signer source names (`signer_source`: a Solana CLI keypair file,
/// `file:PATH`, `stdin`, `prompt://`).
pub fn read_keypair(path: &Path) -> anyhow::Result<Keypair> {
    crate::signer_source::read_signer(&path.to_string_lossy())
}

/// Runs cycles of the keeper core over `chain` until `cycles` are done (0: forever), pausing
/// `interval` after a cycle that liquidated nothing, logging one metrics line per cycle; gives up with an error once cycles have stalled (`Watchdog`)
/// without a break for `give_up_after`.
pub async fn run_loop<C: KeeperChain>(
    chain: &mut C,
    config: &KeeperConfig,
    interval: Duration,
    cycles: u64,
    give_up_after: Duration,
    metrics: &KeeperMetrics,
) -> anyhow::Result<()> {
    let mut watchdog = Watchdog::new(give_up_after);
    let mut n = 0u64;
    loop {
        let started = Instant::now();
        let r = run_cycle(chain, config).await;
        for f in &r.failures {
            tracing::warn!(failure = %f, "cycle failure");
        }
        tracing::info!(
            cycle = n,
            accounts_scanned = r.accounts_scanned,
            candidates = r.liquidatable,
            sent = r.landed(),
            failed = r.failures.len(),
            liquidation_stages = r.liquidation_stages,
            bankruptcies = r.bankruptcies_resolved,
            deleverages = r.deleverages,
            breaker_checks = r.breaker_checks,
            price_lag_slots = r.price_lag_slots,
            cycle_ms = started.elapsed().as_millis() as u64,
            "cycle"
        );
        let cycle_ms = started.elapsed().as_millis() as u64;
        metrics.observe(&r, cycle_ms, stalled(&r));
        watchdog.observe(&r, Instant::now())?;
        n += 1;
        if cycles != 0 && n >= cycles {
            return Ok(());
        }
        // While it liquidates, the next cycle follows at once: the backlog is the risk.
        if r.liquidation_stages == 0 {
            tokio::time::sleep(interval).await;
        }
    }
}

/// The keeper's reward accounts: in each pool `p` its own margin account number `p` (open it
/// with `bulwark deposit --pool p --index p`), except pool 0's when the keeper file names
/// `reward_account`.
fn reward_accounts(pool0: Option<Pubkey>, keeper: &Pubkey) -> bulwark_keeper::RewardAccounts {
    let mut rewards = bulwark_keeper::RewardAccounts::default();
    for p in 0..bulwark::constants::MAX_POOLS {
        rewards = rewards.with(p, bulwark_sdk::pda::margin_account(keeper, p).0);
    }
    match pool0 {
        Some(k) => rewards.with(0, k),
        None => rewards,
    }
}

/// `bulwark keeper run`.
pub async fn run(args: KeeperArgs) -> anyhow::Result<()> {
    let plan = plan(&args)?;
    let payer = read_keypair(&plan.keypair)?;
    let rewards = reward_accounts(plan.reward_account, &payer.pubkey());
    let reward_account = rewards.for_pool(0).unwrap_or_default();
    tracing::info!(url = %plan.url, keeper = %payer.pubkey(), %reward_account, shard = ?plan.shard,
        dry_run = plan.settings.dry_run, "keeper starting");
    let client = RpcClient::new_with_commitment(plan.url.clone(), plan.settings.commitment);
    let uncovered = preflight(&client, &payer.pubkey(), &rewards, plan.min_balance).await?;
    if !uncovered.is_empty() {
        tracing::warn!(pools = ?uncovered, "no reward account of these pools: their accounts are reported, not liquidated (open one with `bulwark deposit --pool P --index P`)");
    }
    let mut chain = RpcChain::new(client, payer, plan.settings);
    if let Some(ws) = plan.ws_url.clone() {
        chain.watch_accounts(ws.clone());
        // A watch not up within a few seconds leaves the keeper polling (and retrying it).
        let live = match chain.watch() {
            Some(w) => w.wait_live(Duration::from_secs(3)).await,
            None => false,
        };
        if live {
            tracing::info!(%ws, "watching margin accounts over the websocket");
        } else {
            tracing::warn!(%ws, "websocket not up; polling until it is");
        }
    }
    chain
        .load_lookup_tables()
        .await
        .map_err(|e| anyhow!("lookup_tables: {e}"))?;
    let config = KeeperConfig {
        reward_accounts: rewards,
        max_stages_per_account: plan.max_stages_per_account,
        stages_per_transaction: plan.stages_per_transaction,
        max_in_flight: plan.max_in_flight,
        shard: plan.shard,
    };
    let metrics = KeeperMetrics::default();
    if let Some(addr) = plan.metrics {
        let server = metrics.clone();
        tokio::spawn(async move {
            if let Err(e) = server.serve(addr).await {
                tracing::error!(error = %e, "metrics server stopped");
            }
        });
    }
    let (interval, cycles, give_up) = (plan.interval, plan.cycles, plan.give_up_after);
    run_loop(&mut chain, &config, interval, cycles, give_up, &metrics).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args_with(config: &str) -> (KeeperArgs, tempfile::NamedTempFile) {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        std::io::Write::write_all(&mut f, config.as_bytes()).unwrap();
        (
            KeeperArgs {
                config: Some(f.path().to_path_buf()),
                ..KeeperArgs::default()
            },
            f,
        )
    }

    #[test]
    fn flags_win_over_the_file_and_defaults_fill_the_rest() {
        let (mut args, _p) = args_with(
            "url = \"http://file\"\nkeypair = \"k.json\"\nshard = \"1/3\"\n[priority_fee]\nkind = \"fixed\"\nmicro_lamports = 5\n",
        );
        args.url = Some("http://flag".into());
        let plan = plan(&args).unwrap();
        assert_eq!(plan.url, "http://flag");
        assert_eq!(plan.shard, Some((1, 3)));
        assert_eq!(plan.settings.priority_fee, PriorityFee::Fixed(5));
        assert_eq!(
            plan.settings.max_retries,
            RpcSettings::default().max_retries
        );
        assert!(!plan.settings.dry_run);
        assert_eq!(plan.stages_per_transaction, 4, "the default batch");
        let (one, _q) =
            args_with("url = \"http://file\"\nkeypair = \"k.json\"\nstages_per_transaction = 1\n");
        assert_eq!(super::plan(&one).unwrap().stages_per_transaction, 1);
        assert_eq!(
            (plan.give_up_after, plan.min_balance),
            (Duration::from_secs(300), 10_000_000)
        );
    }

    #[test]
    fn the_give_up_time_and_least_balance_come_from_flag_or_file_and_a_dry_run_needs_no_balance() {
        let (mut args, _p) = args_with(
            "url = \"u\"\nkeypair = \"k\"\ngive_up_after_secs = 60\nmin_balance_lamports = 5\n",
        );
        let p = plan(&args).unwrap();
        assert_eq!(
            (p.give_up_after, p.min_balance),
            (Duration::from_secs(60), 5)
        );
        args.give_up_after_secs = Some(7);
        args.dry_run = true;
        let p = plan(&args).unwrap();
        assert_eq!(
            (p.give_up_after, p.min_balance),
            (Duration::from_secs(7), 0)
        );
    }

    #[test]
    fn an_unknown_key_or_bad_value_is_refused_naming_it() {
        let (args, _p) = args_with("url = \"x\"\nkeypair = \"k\"\nrpc = \"oops\"\n");
        assert!(plan(&args).unwrap_err().to_string().contains("rpc"));
        let (args, _p) = args_with("url = \"x\"\nkeypair = \"k\"\nreward_account = \"zz\"\n");
        assert!(plan(&args)
            .unwrap_err()
            .to_string()
            .contains("reward_account"));
        let (args, _p) = args_with("url = \"x\"\nkeypair = \"k\"\ncommitment = \"fast\"\n");
        assert!(plan(&args).unwrap_err().to_string().contains("commitment"));
        let (args, _p) =
            args_with("url = \"x\"\nkeypair = \"k\"\n[priority_fee]\nkind = \"auction\"\n");
        assert!(plan(&args)
            .unwrap_err()
            .to_string()
            .contains("priority_fee.kind"));
        let (args, _p) = args_with("keypair = \"k\"\n");
        assert!(plan(&args).unwrap_err().to_string().starts_with("url"));
    }

    #[test]
    fn shards_must_be_an_index_below_the_count() {
        assert_eq!(parse_shard("0/2").unwrap(), (0, 2));
        for bad in ["2/2", "1", "a/2", "0/0", "-1/2"] {
            assert!(
                parse_shard(bad)
                    .unwrap_err()
                    .to_string()
                    .contains("--shard"),
                "{bad}"
            );
        }
    }
}
