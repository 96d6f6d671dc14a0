//! Building the keeper's transactions: compute limits from simulation, legacy or v0 with
//! lookup tables, the accounts a message locks.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use solana_sdk::hash::Hash;
use solana_sdk::message::{v0, AddressLookupTableAccount, Message, VersionedMessage};
use solana_sdk::signature::{Keypair, Signer};
use solana_sdk::transaction::VersionedTransaction;

use solana_compute_budget_interface::ComputeBudgetInstruction;

use super::{RpcSettings, LOOKUP_TABLE_META_BYTES, MAX_COMPUTE_UNITS, MAX_TRANSACTION_BYTES};

/// The compute limit for a transaction that simulated at `simulated` units (`None` when the
/// node did not say): the units plus the margin, rounded up, at most the runtime's ceiling.
pub fn compute_unit_limit(simulated: Option<u64>, s: &RpcSettings) -> u32 {
    match simulated {
        Some(u) => {
            let with = (u as u128 * (100 + s.compute_margin_pct as u128)).div_ceil(100);
            with.min(MAX_COMPUTE_UNITS as u128) as u32
        }
        None => s.default_compute_units.min(MAX_COMPUTE_UNITS),
    }
}

/// Decodes an address lookup table account's addresses.
pub fn lookup_table_addresses(data: &[u8]) -> Result<Vec<Pubkey>, String> {
    let rest = data
        .get(LOOKUP_TABLE_META_BYTES..)
        .ok_or("lookup table account too short")?;
    if !rest.len().is_multiple_of(32) {
        return Err("lookup table addresses not a multiple of 32 bytes".into());
    }
    Ok(rest
        .chunks_exact(32)
        .map(|c| Pubkey::new_from_array(c.try_into().expect("32 bytes")))
        .collect())
}

/// Compiles and signs `ixs`: a legacy transaction when it fits in a packet, else v0 with
/// `tables`; an error when neither fits.
pub fn compile(
    payer: &Keypair,
    ixs: &[Instruction],
    tables: &[AddressLookupTableAccount],
    blockhash: Hash,
) -> Result<VersionedTransaction, String> {
    let legacy = Message::new_with_blockhash(ixs, Some(&payer.pubkey()), &blockhash);
    let tx = VersionedTransaction::try_new(VersionedMessage::Legacy(legacy), &[payer])
        .map_err(|e| e.to_string())?;
    if serialized_len(&tx)? <= MAX_TRANSACTION_BYTES {
        return Ok(tx);
    }
    let msg = v0::Message::try_compile(&payer.pubkey(), ixs, tables, blockhash)
        .map_err(|e| e.to_string())?;
    let tx = VersionedTransaction::try_new(VersionedMessage::V0(msg), &[payer])
        .map_err(|e| e.to_string())?;
    let len = serialized_len(&tx)?;
    if len > MAX_TRANSACTION_BYTES {
        return Err(format!(
            "transaction is {len} bytes even with {} lookup table(s); the limit is {MAX_TRANSACTION_BYTES}",
            tables.len()
        ));
    }
    Ok(tx)
}

/// The accounts a message locks: its static keys and those it loads from lookup tables.
pub fn locked_accounts(message: &VersionedMessage) -> usize {
    match message {
        VersionedMessage::Legacy(m) => m.account_keys.len(),
        VersionedMessage::V0(m) => {
            m.account_keys.len()
                + m.address_table_lookups
                    .iter()
                    .map(|l| l.writable_indexes.len() + l.readonly_indexes.len())
                    .sum::<usize>()
        }
    }
}

pub(super) fn serialized_len(tx: &VersionedTransaction) -> Result<usize, String> {
    bincode::serialized_size(tx)
        .map(|n| n as usize)
        .map_err(|e| e.to_string())
}

/// The compute limit actually set: `limit`, nudged by `sent % 64` so identical instructions in
/// one blockhash window still get distinct signatures; upwards while under the runtime ceiling,
/// and never below the `simulated` units.
pub fn distinct_limit(limit: u32, simulated: Option<u64>, sent: u32) -> u32 {
    let k = sent % 64;
    if limit.saturating_add(k) <= MAX_COMPUTE_UNITS {
        limit + k
    } else {
        let floor = simulated.unwrap_or(0).min(MAX_COMPUTE_UNITS as u64) as u32;
        limit.saturating_sub(k).max(floor)
    }
}

/// `ixs` behind the two compute-budget instructions every keeper transaction starts with:
/// the compute `limit` and the priority `price` (micro-lamports a unit).
pub fn with_compute_budget(limit: u32, price: u64, ixs: &[Instruction]) -> Vec<Instruction> {
    let mut all = vec![
        ComputeBudgetInstruction::set_compute_unit_limit(limit),
        ComputeBudgetInstruction::set_compute_unit_price(price),
    ];
    all.extend_from_slice(ixs);
    all
}
