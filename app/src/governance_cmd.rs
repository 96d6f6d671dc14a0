//! `bulwark governance propose|execute|cancel ...`: builds the instruction a DAO proposal
//! wraps (also in the forms SPL Governance/Realms and Squads v4 store it), checks what can be checked offline (the parameter's name and hard bounds, the action's
//! own validation), and prints it: program, accounts, the instruction data in base64, and the
//! proposal's seed and address. The address depends only on the seed (random unless `--seed`
//! is given), so whatever else is queued before the DAO's vote executes, the instruction holds.

use anyhow::{anyhow, Result};
use base64::Engine;
use bulwark::state::ProposalAction;
use bulwark_engine::governance::MarketParam;
use bulwark_sdk::{dao_forms, ix};
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
    /// The seed of the proposal's address (default: random). Execute and cancel name it.
    #[arg(long)]
    pub seed: Option<u64>,
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
    /// Change a risk pool's stress-signal parameter: leader0..leader3 (a market index, or
    /// 65535 for none), contagion_step_ppm, contagion_spread_ppm, contagion_sigma_trigger_ppm,
    /// contagion_calm_secs. A tightening can also be applied at once by governance
    /// (`set_pool_param`); a loosening must be queued.
    PoolParam {
        #[arg(long)]
        pool: u16,
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
    /// Change the exchange's timelock (seconds).
    Timelock {
        #[arg(long)]
        secs: u32,
        #[command(flatten)]
        common: ProposalArgs,
    },
    /// Clear the accounting invariant's pause (after the books are mended).
    ClearInvariantPause {
        #[command(flatten)]
        common: ProposalArgs,
    },
    /// Set the end of the guardian's pause (unix seconds).
    ExtendPause {
        #[arg(long)]
        until: i64,
        #[command(flatten)]
        common: ProposalArgs,
    },
    /// Replace the oracle source at `position` of a market from `activation-slot` on (the
    /// source is checked as a deployment file's is).
    RotateSource {
        #[arg(long)]
        market: u16,
        /// The source's position in the market's list (0-based).
        #[arg(long)]
        position: u8,
        /// First slot the new source is read at (`update_risk` applies the rotation).
        #[arg(long)]
        activation_slot: u64,
        #[command(flatten)]
        source: SourceFlags,
        #[command(flatten)]
        common: ProposalArgs,
    },
}

/// A source as a deployment file's `[[...sources]]` entry states it.
#[derive(clap::Args, Debug)]
pub struct SourceFlags {
    /// pyth, switchboard or chainlink.
    #[arg(long)]
    pub kind: String,
    /// The oracle account.
    #[arg(long)]
    pub account: String,
    /// Pyth's feed id or Switchboard's feed hash (64 hex digits).
    #[arg(long)]
    pub feed_id: Option<String>,
    /// Default: the kind's program on mainnet.
    #[arg(long)]
    pub owner_program: Option<String>,
    #[arg(long)]
    pub max_staleness_secs: Option<u32>,
    #[arg(long)]
    pub max_staleness_slots: Option<u32>,
    #[arg(long)]
    pub max_conf_ppm: Option<u32>,
    #[arg(long)]
    pub conf_floor_ppm: Option<u32>,
}

/// The typed action a proposal command asks for, with its shared flags. A parameter is named
/// as in files (`base_mmr_ppm`) and checked against its hard bounds here.
fn action_of(p: Proposal) -> Result<(ProposalAction, ProposalArgs)> {
    Ok(match p {
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
                .map_err(|e| anyhow!("--value: {value} is outside {param}'s bounds: {e}"))?;
            let action = ProposalAction::MarketParam {
                market_index: market,
                param: mp,
                value,
            };
            (action, common)
        }
        Proposal::PoolParam {
            pool,
            param,
            value,
            common,
        } => (pool_param(pool, &param, value)?, common),
        Proposal::Settle { market, common } => (
            ProposalAction::Settle {
                market_index: market,
            },
            common,
        ),
        Proposal::Delist { market, common } => (
            ProposalAction::Delist {
                market_index: market,
            },
            common,
        ),
        Proposal::LiftReduceOnly { market, common } => (
            ProposalAction::LiftReduceOnly {
                market_index: market,
            },
            common,
        ),
        Proposal::Timelock { secs, common } => {
            bulwark_engine::bounds::Param::Timelock
                .check(u64::from(secs))
                .map_err(|e| anyhow!("--secs: {secs} is outside the timelock's bounds: {e}"))?;
            (ProposalAction::Timelock { secs }, common)
        }
        Proposal::ClearInvariantPause { common } => (ProposalAction::ClearInvariantPause, common),
        Proposal::RotateSource {
            market,
            position,
            activation_slot,
            source,
            common,
        } => (rotation(market, position, activation_slot, source)?, common),
        Proposal::ExtendPause { until, common } => {
            if until < 0 {
                return Err(anyhow!(
                    "--until: {until} is before 1970; give unix seconds"
                ));
            }
            (ProposalAction::ExtendPause { until }, common)
        }
    })
}

/// A pool's stress-signal parameter `name` at `value`, checked against its hard bounds (a
/// leader's market is checked at execution, against the markets then listed).
fn pool_param(pool: u16, name: &str, value: u64) -> Result<ProposalAction> {
    use bulwark_engine::contagion::PoolParam;
    let param = PoolParam::from_name(name).ok_or_else(|| {
        let names: Vec<&str> = PoolParam::ALL.iter().map(|p| p.name()).collect();
        anyhow!(
            "--param: no pool parameter {name:?} (one of {})",
            names.join(", ")
        )
    })?;
    param
        .check(value, u16::MAX)
        .map_err(|e| anyhow!("--value: {value} is outside {name}'s bounds: {e}"))?;
    Ok(ProposalAction::PoolParam {
        pool_index: pool,
        param,
        value,
    })
}

/// A source rotation at `position` of market `market` from `activation_slot`, the source
/// checked as a deployment file's is; errors name the flag (`source.feed_id` -> `--feed-id`).
fn rotation(
    market: u16,
    position: u8,
    activation_slot: u64,
    f: SourceFlags,
) -> Result<ProposalAction> {
    let file = bulwark_sdk::bootstrap::SourceFile {
        kind: f.kind,
        account: f.account,
        feed_id: f.feed_id,
        owner_program: f.owner_program,
        max_staleness_secs: f.max_staleness_secs,
        max_staleness_slots: f.max_staleness_slots,
        max_conf_ppm: f.max_conf_ppm,
        conf_floor_ppm: f.conf_floor_ppm,
    };
    let source = bulwark_sdk::bootstrap::source_args("source", &file).map_err(|e| {
        let flag = e.field.trim_start_matches("source.").replace('_', "-");
        anyhow!("--{flag}: {}", e.problem)
    })?;
    Ok(ProposalAction::RotateSource {
        market_index: market,
        position,
        source,
        activation_slot,
    })
}

/// A random proposal seed (the standard library's randomly keyed hasher), one whose address is
/// found at the first bump (255): the program derives it with one hash instead of one per bump
/// tried (~1.5k compute units each).
fn random_seed() -> u64 {
    use std::hash::BuildHasher;
    let state = std::collections::hash_map::RandomState::new();
    (0u64..)
        .map(|i| state.hash_one((std::process::id(), i)))
        .find(|seed| bulwark_sdk::pda::proposal(*seed).1 == u8::MAX)
        .expect("about half of all seeds have their address at the first bump")
}

use crate::keeper_cmd::parse_pubkey as key;

/// Builds and prints the proposal's instruction.
pub fn propose(p: Proposal) -> Result<()> {
    let (action, common) = action_of(p)?;
    let governance = key("--governance", &common.governance)?;
    let payer = match &common.payer {
        Some(p) => key("--payer", p)?,
        None => governance,
    };
    let seed = common.seed.unwrap_or_else(random_seed);
    let ix = ix::queue_proposal(governance, payer, seed, action);
    print_instruction(&ix, seed, common.json)
}

/// `governance execute`: the permissionless instruction that executes the proposal at `seed`
/// once its timelock has passed, naming the accounts its action needs.
#[derive(clap::Args, Debug)]
pub struct ExecuteArgs {
    /// The proposal's seed (as `propose` printed it).
    #[arg(long)]
    pub seed: u64,
    /// The market a market action applies to (parameter, settle, delist, lift, rotation).
    #[arg(long)]
    pub market: Option<u16>,
    /// The risk pool the action needs (settlement and delisting: the market's pool;
    /// a pool parameter: that pool).
    #[arg(long)]
    pub pool: Option<u16>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Prints the `execute_proposal` instruction.
pub fn execute(a: ExecuteArgs) -> Result<()> {
    let ix = ix::execute_proposal_with(a.seed, a.market, a.pool);
    print_instruction(&ix, a.seed, a.json)
}

/// `governance cancel`: the instruction governance or the guardian signs to cancel the
/// proposal at `seed` before it executes.
#[derive(clap::Args, Debug)]
pub struct CancelArgs {
    /// The proposal's seed.
    #[arg(long)]
    pub seed: u64,
    /// The signer: the governance key or the guardian's.
    #[arg(long)]
    pub authority: String,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Prints the `cancel_proposal` instruction.
pub fn cancel(a: CancelArgs) -> Result<()> {
    let authority = key("--authority", &a.authority)?;
    print_instruction(&ix::cancel_proposal(authority, a.seed), a.seed, a.json)
}

/// Prints `ix` (program, accounts, base64 data) with the proposal's seed and address, as a
/// table or JSON.
fn print_instruction(
    ix: &anchor_lang::solana_program::instruction::Instruction,
    seed: u64,
    json_out: bool,
) -> Result<()> {
    let proposal = bulwark_sdk::pda::proposal(seed).0;
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    let data = b64(&ix.data);
    // The same instruction as the DAO programs carry it: Realms' InstructionData, and a
    // Squads v4 vault transaction's message (the vault being the governance key).
    let realms = b64(&dao_forms::realms_instruction(ix));
    let squads = dao_forms::squads_transaction_message(std::slice::from_ref(ix))
        .map_err(|e| anyhow!("squads form: {e}"))?;
    let squads = (b64(&squads), bs58::encode(&squads).into_string());
    let accounts: Vec<_> = ix
        .accounts
        .iter()
        .map(|a| json!({ "pubkey": a.pubkey.to_string(), "is_signer": a.is_signer, "is_writable": a.is_writable }))
        .collect();
    if json_out {
        let v = json!({
            "program_id": ix.program_id.to_string(),
            "accounts": accounts,
            "data_base64": data,
            "seed": seed,
            "proposal": proposal.to_string(),
            "realms_instruction_base64": realms,
            "squads_transaction_message_base64": squads.0,
            "squads_transaction_message_base58": squads.1,
        });
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
    println!("proposal: {proposal} (seed {seed}; execute and cancel name this seed)");
    println!("SPL Governance (Realms) custom instruction (base64): {realms}");
    println!("Squads v4 vault transaction message (base58): {}", squads.1);
    Ok(())
}
