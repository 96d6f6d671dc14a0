//! Address lookup tables for the venue: every address a user's or a keeper's transaction
//! names repeatedly (the program, its singletons, every market and its oracle accounts, the
//! collateral's oracles, the programs they call), so that a transaction refreshing all eight
//! markets of an account fits in 1,232 bytes as a v0 transaction.
//!
//! The instructions are encoded here, byte for byte as the address-lookup-table program reads
//! them (bincode: a `u32` variant index, then the fields): its interface crate resolves only
//! against a newer `solana-pubkey`/`solana-instruction` than Anchor 1.2's, whose types would
//! not mix with ours.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use bulwark::state::{Exchange, Market};

use crate::pda;

/// The address-lookup-table program.
pub const PROGRAM_ID: Pubkey = anchor_lang::pubkey!("AddressLookupTab1e1111111111111111111111111");
/// The system program.
const SYSTEM_PROGRAM: Pubkey = anchor_lang::pubkey!("11111111111111111111111111111111");
/// Addresses per extension (keeps each extension transaction well inside the packet).
pub const ADDRESSES_PER_EXTEND: usize = 20;

/// The table `authority` creates at `recent_slot` (a slot the cluster has recently seen).
pub fn table_address(authority: &Pubkey, recent_slot: u64) -> (Pubkey, u8) {
    Pubkey::find_program_address(
        &[authority.as_ref(), &recent_slot.to_le_bytes()],
        &PROGRAM_ID,
    )
}

/// Creates `authority`'s table at `recent_slot`, rent paid by `payer`: the instruction and
/// the table's address.
pub fn create(authority: Pubkey, payer: Pubkey, recent_slot: u64) -> (Instruction, Pubkey) {
    let (table, bump) = table_address(&authority, recent_slot);
    let mut data = 0u32.to_le_bytes().to_vec();
    data.extend_from_slice(&recent_slot.to_le_bytes());
    data.push(bump);
    let ix = Instruction {
        program_id: PROGRAM_ID,
        accounts: vec![
            AccountMeta::new(table, false),
            AccountMeta::new_readonly(authority, false),
            AccountMeta::new(payer, true),
            AccountMeta::new_readonly(SYSTEM_PROGRAM, false),
        ],
        data,
    };
    (ix, table)
}

/// Appends `addresses` to `table` (signed by its `authority`, rent top-up paid by `payer`),
/// [`ADDRESSES_PER_EXTEND`] an instruction: send each in its own transaction.
pub fn extend(
    table: Pubkey,
    authority: Pubkey,
    payer: Pubkey,
    addresses: &[Pubkey],
) -> Vec<Instruction> {
    addresses
        .chunks(ADDRESSES_PER_EXTEND)
        .map(|chunk| {
            let mut data = 2u32.to_le_bytes().to_vec();
            data.extend_from_slice(&(chunk.len() as u64).to_le_bytes());
            for a in chunk {
                data.extend_from_slice(a.as_ref());
            }
            Instruction {
                program_id: PROGRAM_ID,
                accounts: vec![
                    AccountMeta::new(table, false),
                    AccountMeta::new_readonly(authority, true),
                    AccountMeta::new(payer, true),
                    AccountMeta::new_readonly(SYSTEM_PROGRAM, false),
                ],
                data,
            }
        })
        .collect()
}

/// A table holds at most this many addresses.
pub const MAX_ADDRESSES: usize = 256;

/// Every address the venue's transactions name repeatedly, each once: the exchange, every
/// pool and insurance fund, the vault and event authority, the token program (an account of the program's
/// CPIs), and per market its account, its active oracle sources and a queued rotation's
/// source, then the collateral's sources. Programs a transaction invokes at its top level
/// (Bulwark, compute budget) are never looked up, so they are not listed. An error when the
/// venue has more than one table holds.
pub fn venue_addresses(ex: &Exchange, markets: &[Market]) -> Result<Vec<Pubkey>, String> {
    let mut out = vec![
        pda::exchange().0,
        pda::vault().0,
        pda::event_authority().0,
        anchor_spl::token::ID,
    ];
    out.extend((0..ex.pool_count).flat_map(|p| [pda::pool(p).0, pda::insurance_fund(p).0]));
    for m in markets {
        out.push(pda::market(m.index).0);
        out.extend(m.oracle.active().iter().map(|s| s.account));
        if m.pending_source_slot != 0 {
            out.push(m.pending_source.account);
        }
    }
    out.extend(ex.collateral_oracle.active().iter().map(|s| s.account));
    let mut seen = std::collections::HashSet::new();
    out.retain(|a| seen.insert(*a));
    if out.len() > MAX_ADDRESSES {
        return Err(format!(
            "{} venue addresses: more than one lookup table holds ({MAX_ADDRESSES})",
            out.len()
        ));
    }
    Ok(out)
}
