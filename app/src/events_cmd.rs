//! `bulwark events [--follow]`: the program's events from a cluster (or `bulwark localnet`),
//! one JSON line each: the recent ones, then, with `--follow`, new ones as they land. Read from
//! each transaction's metadata (the self-CPI events among its inner instructions, and the
//! logged `RiskUpdated`), found through `getSignaturesForAddress` on the program, polled.

use anchor_lang::prelude::Pubkey;
use anyhow::{anyhow, Result};
use serde_json::json;
use solana_commitment_config::CommitmentConfig;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_rpc_client::rpc_client::GetConfirmedSignaturesForAddress2Config;
use solana_rpc_client_api::config::RpcTransactionConfig;
use solana_sdk::signature::Signature;
use solana_transaction_status_client_types::{
    EncodedConfirmedTransactionWithStatusMeta, UiInstruction, UiTransactionEncoding,
};

/// `bulwark events` arguments.
#[derive(clap::Args, Debug)]
pub struct EventsArgs {
    /// JSON-RPC URL of the cluster, or m|d|t|l (default: the Solana CLI config's).
    #[arg(short = 'u', long)]
    pub url: Option<String>,
    /// How many of the latest transactions to read first.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// Keep printing events as new transactions land.
    #[arg(long)]
    pub follow: bool,
    /// Seconds between polls when following.
    #[arg(long, default_value_t = 1)]
    pub poll_secs: u64,
}

/// The (program id, data) of every inner instruction of a transaction, program ids resolved
/// through its static keys and the addresses it loaded.
fn inner_instructions(t: &EncodedConfirmedTransactionWithStatusMeta) -> Vec<(Pubkey, Vec<u8>)> {
    let (Some(tx), Some(meta)) = (t.transaction.transaction.decode(), &t.transaction.meta) else {
        return Vec::new();
    };
    let mut keys = tx.message.static_account_keys().to_vec();
    if let Some(loaded) = Option::<&_>::from(meta.loaded_addresses.as_ref()) {
        let loaded: &solana_transaction_status_client_types::UiLoadedAddresses = loaded;
        for k in loaded.writable.iter().chain(&loaded.readonly) {
            keys.push(k.parse().unwrap_or_default());
        }
    }
    let Some(inner) = Option::<&Vec<_>>::from(meta.inner_instructions.as_ref()) else {
        return Vec::new();
    };
    inner
        .iter()
        .flat_map(
            |list: &solana_transaction_status_client_types::UiInnerInstructions| {
                list.instructions.iter()
            },
        )
        .filter_map(|i| match i {
            UiInstruction::Compiled(c) => Some((
                *keys.get(c.program_id_index as usize)?,
                bs58::decode(&c.data).into_vec().ok()?,
            )),
            UiInstruction::Parsed(_) => None,
        })
        .collect()
}

/// Prints the events of transaction `sig`, one JSON line each.
async fn print_events(client: &RpcClient, sig: &Signature) -> Result<()> {
    let config = RpcTransactionConfig {
        encoding: Some(UiTransactionEncoding::Base64),
        commitment: Some(CommitmentConfig::confirmed()),
        max_supported_transaction_version: Some(0),
    };
    let t = client.get_transaction_with_config(sig, config).await?;
    let logs: Vec<String> = t
        .transaction
        .meta
        .as_ref()
        .and_then(|m| Option::<&Vec<String>>::from(m.log_messages.as_ref()).cloned())
        .unwrap_or_default();
    for (name, fields) in bulwark_sdk::events::all_events(&inner_instructions(&t), &logs) {
        let line = json!({ "slot": t.slot, "block_time": t.block_time,
                           "signature": sig.to_string(), "event": name, "fields": fields });
        println!("{line}");
    }
    Ok(())
}

/// Signatures on the program newer than `until` (all of the latest `limit` when `None`),
/// oldest first, failed transactions left out.
async fn new_signatures(
    client: &RpcClient,
    until: Option<Signature>,
    limit: usize,
) -> Result<Vec<Signature>> {
    let config = GetConfirmedSignaturesForAddress2Config {
        before: None,
        until,
        limit: Some(limit),
        commitment: Some(CommitmentConfig::confirmed()),
    };
    let found = client
        .get_signatures_for_address_with_config(&bulwark::ID, config)
        .await?;
    let mut sigs = Vec::new();
    for s in found.into_iter().rev() {
        if s.err.is_none() {
            sigs.push(
                s.signature
                    .parse()
                    .map_err(|_| anyhow!("bad signature {}", s.signature))?,
            );
        }
    }
    Ok(sigs)
}

/// Runs `bulwark events`.
pub async fn run(args: EventsArgs) -> Result<()> {
    let url = crate::cluster::url(args.url.as_deref())?;
    let client = RpcClient::new_with_commitment(url, CommitmentConfig::confirmed());
    let mut newest: Option<Signature> = None;
    let mut limit = args.limit;
    loop {
        let sigs = new_signatures(&client, newest, limit).await?;
        for sig in &sigs {
            print_events(&client, sig).await?;
        }
        if let Some(last) = sigs.last() {
            newest = Some(*last);
        }
        if !args.follow {
            return Ok(());
        }
        limit = 1_000;
        tokio::time::sleep(std::time::Duration::from_secs(args.poll_secs.max(1))).await;
    }
}
