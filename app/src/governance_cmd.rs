//! `bulwark governance propose ...`: builds the `queue_change` instruction a DAO proposal
//! wraps, checks what can be checked offline (the parameter's name and hard bounds), and prints
//! it: program, accounts, and the instruction data in base64. The proposal's number must be the
//! exchange's `proposal_count` when it executes.

use anyhow::{anyhow, Result};
use base64::Engine;
use bulwark::state::kind;
use bulwark_engine::governance::MarketParam;
use bulwark_sdk::ix;
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use serde_json::json;

/// Flags shared by every proposal.
#[derive(clap::Args, Debug)]
pub struct ProposalArgs {
    /// The DAO governance key (the signer the proposal executes as).
    #[arg(long)]
    pub governance: String,
    /// Who pays the proposal account's rent (default: the governance key).
    #[arg(long)]
    pub payer: Option<String>,
    /// The proposal's number: the exchange's `proposal_count` at execution.
    #[arg(long)]
    pub proposal_id: u64,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// What the proposal changes.
#[derive(clap::Subcommand, Debug)]
pub enum Proposal {
    /// Change a market parameter (subject to its step limit and the timelock).
    Param {
        #[arg(long)]
        market: u16,
        /// open_interest_cap_long, base_mmr, taker_fee, ... (see `--help` of the engine).
        #[arg(long)]
        param: String,
        #[arg(long)]
        value: u64,
        #[command(flatten)]
        common: ProposalArgs,
    },
    /// Wind the market down: settle at its TWAP.
    Settle {
        #[arg(long)]
        market: u16,
        #[command(flatten)]
        common: ProposalArgs,
    },
    /// Delist a settled market.
    Delist {
        #[arg(long)]
        market: u16,
        #[command(flatten)]
        common: ProposalArgs,
    },
    /// Lift a guardian's ReduceOnly.
    LiftReduceOnly {
        #[arg(long)]
        market: u16,
        #[command(flatten)]
        common: ProposalArgs,
    },
}

use crate::keeper_cmd::parse_pubkey as key;

/// Builds and prints the proposal's instruction.
pub fn propose(p: Proposal) -> Result<()> {
    let (k, market, param, value, common) = match p {
        Proposal::Param {
            market,
            param,
            value,
            common,
        } => {
            let mp = MarketParam::from_name(&param).ok_or_else(|| {
                let names: Vec<&str> = MarketParam::ALL.iter().map(|p| p.name()).collect();
                anyhow!(
                    "--param: no parameter {param:?} (one of {})",
                    names.join(", ")
                )
            })?;
            bulwark_engine::governance::check_bounds(&mp.spec(), value)
                .map_err(|e| anyhow!("--value: {value} is outside {param}'s bounds: {e:?}"))?;
            (kind::MARKET_PARAM, market, mp as u16, value, common)
        }
        Proposal::Settle { market, common } => (kind::SETTLE, market, 0, 0, common),
        Proposal::Delist { market, common } => (kind::DELIST, market, 0, 0, common),
        Proposal::LiftReduceOnly { market, common } => {
            (kind::LIFT_REDUCE_ONLY, market, 0, 0, common)
        }
    };
    let governance = key("--governance", &common.governance)?;
    let payer = match &common.payer {
        Some(p) => key("--payer", p)?,
        None => governance,
    };
    let ix = ix::queue_change(
        governance,
        payer,
        common.proposal_id,
        k,
        market,
        param,
        value,
    );
    let data = base64::engine::general_purpose::STANDARD.encode(&ix.data);
    let accounts: Vec<_> = ix
        .accounts
        .iter()
        .map(|a| json!({ "pubkey": a.pubkey.to_string(), "is_signer": a.is_signer, "is_writable": a.is_writable }))
        .collect();
    if common.json {
        let v = json!({ "program_id": ix.program_id.to_string(), "accounts": accounts, "data_base64": data });
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_header(vec!["account", "signer", "writable"]);
    for a in &ix.accounts {
        t.add_row(vec![
            a.pubkey.to_string(),
            a.is_signer.to_string(),
            a.is_writable.to_string(),
        ]);
    }
    println!("program: {}\n{t}\ndata (base64): {data}", ix.program_id);
    Ok(())
}
