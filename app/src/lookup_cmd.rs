//! `bulwark lookup-table create`: the venue's address lookup table (the program, its
//! singletons, every market and its oracle accounts, the collateral's oracles), created and
//! extended by the keypair (its authority and payer). Pass it as `--lookup-table` to trades
//! and withdrawals that refresh many markets (the keeper takes it in its config file's
//! lookup tables).

use std::path::PathBuf;

use anyhow::{anyhow, Result};
use bulwark_keeper::rpc_chain::lookup_table_addresses;
use bulwark_sdk::lookup;
use serde_json::json;
use solana_sdk::signature::Signer;

use crate::operator::{Reader, Source};

/// Who creates the table.
#[derive(clap::Args, Debug)]
pub struct LookupArgs {
    /// Keypair file (Solana CLI JSON): the table's authority, paying its rent.
    /// Default: the Solana CLI config's keypair, else ~/.config/solana/id.json.
    #[arg(short = 'k', long)]
    pub keypair: Option<PathBuf>,
    #[command(flatten)]
    pub source: Source,
}

/// Creates the table at the cluster's previous slot (a recent slot it knows), extends it with
/// the venue's addresses a transaction at a time, and prints its address and what it holds
/// as read back from the chain.
pub async fn create(a: LookupArgs) -> Result<()> {
    let key = crate::keeper_cmd::read_keypair(&crate::cluster::keypair(a.keypair.as_deref())?)?;
    let reader = Reader::connect(&a.source).await?;
    let ex = reader.exchange().await?;
    let markets = reader.markets(&ex).await?;
    let slot = reader.clock(&ex).await?.slot;
    let (create, table) = lookup::create(key.pubkey(), key.pubkey(), slot.saturating_sub(1));
    reader.send(&[create], &key, &[]).await?;
    let addresses = lookup::venue_addresses(&ex, &markets).map_err(|e| anyhow!(e))?;
    for extend in lookup::extend(table, key.pubkey(), key.pubkey(), &addresses) {
        reader.send(&[extend], &key, &[]).await?;
    }
    let stored = lookup_table_addresses(&reader.data(&table, "lookup table").await?)
        .map_err(|e| anyhow!("lookup table {table}: {e}"))?;
    if a.source.json {
        println!(
            "{}",
            json!({ "table": table.to_string(), "addresses": stored.len() })
        );
    } else {
        println!("lookup table {table}: {} addresses", stored.len());
    }
    Ok(())
}
