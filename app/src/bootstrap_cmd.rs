//! `bulwark bootstrap`: validates a deployment file, then creates what is missing over
//! JSON-RPC and reports what differs (see `bulwark_sdk::bootstrap`).

use std::path::PathBuf;

use anyhow::{anyhow, Result};
use bulwark_sdk::bootstrap::{apply, parse};
use solana_commitment_config::CommitmentConfig;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;

use crate::keeper_cmd::read_keypair;

/// Flags of `bulwark bootstrap`.
#[derive(clap::Args, Debug)]
pub struct BootstrapArgs {
    /// The deployment file (TOML; see migrations/deployment.example.toml).
    #[arg(long)]
    pub file: PathBuf,
    /// Validate the file and print what it describes; touch no cluster.
    #[arg(long)]
    pub check: bool,
    /// JSON-RPC URL, or m|d|t|l (default: the Solana CLI config's).
    #[arg(short = 'u', long)]
    pub url: Option<String>,
    /// The program's upgrade authority (signs initialize_exchange, pays).
    #[arg(long, required_unless_present = "check")]
    pub authority_keypair: Option<PathBuf>,
    /// The governance key (signs create_market).
    #[arg(long, required_unless_present = "check")]
    pub governance_keypair: Option<PathBuf>,
}

/// Runs it.
pub async fn run(args: BootstrapArgs) -> Result<()> {
    let name = args.file.display().to_string();
    let text = std::fs::read_to_string(&args.file)
        .map_err(|e| anyhow!("--file: cannot read {name}: {e}"))?;
    let d = parse(&text, &name).map_err(|e| anyhow!(e))?;
    println!(
        "{name}: valid: exchange (governance {}, guardian {}, mint {}), {} market(s): {}",
        d.exchange.governance,
        d.exchange.guardian,
        d.collateral_mint,
        d.markets.len(),
        d.markets
            .iter()
            .map(|m| bulwark_sdk::params::symbol_str(&m.symbol))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if args.check {
        return Ok(());
    }
    let url = crate::cluster::url(args.url.as_deref())?;
    let authority = read_keypair(&args.authority_keypair.expect("required by clap"))?;
    let governance = read_keypair(&args.governance_keypair.expect("required by clap"))?;
    let client = RpcClient::new_with_commitment(url, CommitmentConfig::confirmed());
    let r = apply(&client, &d, &authority, &governance)
        .await
        .map_err(|e| anyhow!(e))?;
    for c in &r.created {
        println!("created   {c}");
    }
    for u in &r.unchanged {
        println!("unchanged {u}");
    }
    for d in &r.drift {
        println!("differs   {d}");
    }
    Ok(())
}
