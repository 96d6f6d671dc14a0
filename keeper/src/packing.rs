//! Packing the liquidation stages of several accounts into transactions: each account's planned
//! stages stay together and in order (they depend on one another), accounts follow one another
//! in the keeper's order, and a transaction takes accounts while it stays inside a packet, the
//! runtime's account-lock limit and a compute budget reserved per stage.

use std::collections::BTreeSet;

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;

/// Largest serialized transaction a validator accepts, bytes.
pub const MAX_TRANSACTION_BYTES: usize = 1232;
/// Most accounts one transaction may lock.
pub const MAX_ACCOUNT_LOCKS: usize = 64;
/// The runtime's per-transaction compute ceiling, units.
pub const MAX_COMPUTE_UNITS: u32 = 1_400_000;
/// Compute units reserved per liquidation stage when packing: above the worst measured on the
/// SBF build (37,318, a stage that searches eight positions; README's compute table), so a
/// packed transaction never runs out of compute because of how many stages it holds.
pub const STAGE_COMPUTE_UNITS: u32 = 40_000;
/// The two compute-budget instructions a chain puts first (`set_compute_unit_limit`, 5 data
/// bytes; `set_compute_unit_price`, 9), without their program's key: index, no accounts,
/// data length and data.
const COMPUTE_BUDGET_INSTRUCTION_BYTES: usize = (1 + 1 + 1 + 5) + (1 + 1 + 1 + 9);

/// A transaction's size and the accounts it locks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TransactionShape {
    /// Serialized bytes, signatures included.
    pub bytes: usize,
    /// Distinct accounts (payer, programs and compute-budget program included).
    pub accounts: usize,
}

impl TransactionShape {
    /// Whether a validator takes it: inside a packet and the account-lock limit.
    pub fn fits(&self) -> bool {
        self.bytes <= MAX_TRANSACTION_BYTES && self.accounts <= MAX_ACCOUNT_LOCKS
    }
}

/// Bytes of a compact-u16 length prefix.
fn compact_len(n: usize) -> usize {
    match n {
        0..0x80 => 1,
        0x80..0x4000 => 2,
        _ => 3,
    }
}

/// The exact shape of a legacy transaction paid by `payer` holding the two compute-budget
/// instructions and then `ixs`.
pub fn legacy_shape(payer: &Pubkey, ixs: &[Instruction]) -> TransactionShape {
    let (mut keys, mut signers) = (BTreeSet::from([*payer]), BTreeSet::from([*payer]));
    for ix in ixs {
        keys.insert(ix.program_id);
        for meta in &ix.accounts {
            keys.insert(meta.pubkey);
            if meta.is_signer {
                signers.insert(meta.pubkey);
            }
        }
    }
    // The compute-budget program's key.
    let accounts = keys.len() + 1;
    let instructions = ixs.len() + 2;
    let ix_bytes: usize = ixs
        .iter()
        .map(|ix| {
            1 + compact_len(ix.accounts.len())
                + ix.accounts.len()
                + compact_len(ix.data.len())
                + ix.data.len()
        })
        .sum();
    let bytes = compact_len(signers.len())
        + 64 * signers.len()
        + 3
        + compact_len(accounts)
        + 32 * accounts
        + 32
        + compact_len(instructions)
        + COMPUTE_BUDGET_INSTRUCTION_BYTES
        + ix_bytes;
    TransactionShape { bytes, accounts }
}

/// One account's part of a packed transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Part {
    pub account: Pubkey,
    /// Its stages in the transaction, in order.
    pub stages: u32,
}

/// A transaction of whole account plans.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Packed {
    pub instructions: Vec<Instruction>,
    pub parts: Vec<Part>,
}

impl Packed {
    fn stages(&self) -> u32 {
        self.parts.iter().map(|p| p.stages).sum()
    }
}

/// Packs `plans` (an account and its stages' instructions, in the keeper's order) into
/// transactions that `fits` accepts, each within `MAX_COMPUTE_UNITS` at `STAGE_COMPUTE_UNITS`
/// a stage. An account's stages never split across transactions: a plan too large for one on
/// its own keeps its longest prefix that fits (the rest waits for the next round), and a
/// single stage that fits nowhere is still sent alone (its failure is then reported).
pub fn pack(
    plans: Vec<(Pubkey, Vec<Instruction>)>,
    fits: impl Fn(&[Instruction]) -> bool,
) -> Vec<Packed> {
    let max_stages = MAX_COMPUTE_UNITS / STAGE_COMPUTE_UNITS;
    let mut out: Vec<Packed> = Vec::new();
    let mut current = Packed::default();
    for (account, mut ixs) in plans {
        let joined = [current.instructions.as_slice(), ixs.as_slice()].concat();
        let room = current.stages() + ixs.len() as u32 <= max_stages;
        if !current.parts.is_empty() && room && fits(&joined) {
            current.instructions = joined;
            current.parts.push(Part {
                account,
                stages: ixs.len() as u32,
            });
            continue;
        }
        if !current.parts.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        ixs.truncate(max_stages as usize);
        while ixs.len() > 1 && !fits(&ixs) {
            ixs.pop();
        }
        current = Packed {
            parts: vec![Part {
                account,
                stages: ixs.len() as u32,
            }],
            instructions: ixs,
        };
    }
    if !current.parts.is_empty() {
        out.push(current);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use anchor_lang::solana_program::instruction::AccountMeta;

    fn stage(account: Pubkey, shared: &[Pubkey]) -> Instruction {
        let mut accounts: Vec<AccountMeta> =
            shared.iter().map(|k| AccountMeta::new(*k, false)).collect();
        accounts.push(AccountMeta::new(account, false));
        Instruction {
            program_id: Pubkey::new_from_array([9; 32]),
            accounts,
            data: vec![1; 16],
        }
    }

    #[test]
    fn accounts_share_transactions_until_the_packet_is_full_and_keep_their_order() {
        let payer = Pubkey::new_unique();
        let shared: Vec<Pubkey> = (0..6).map(|_| Pubkey::new_unique()).collect();
        let plans: Vec<(Pubkey, Vec<Instruction>)> = (0..40)
            .map(|_| {
                let a = Pubkey::new_unique();
                (a, vec![stage(a, &shared), stage(a, &shared)])
            })
            .collect();
        let order: Vec<Pubkey> = plans.iter().map(|p| p.0).collect();
        let packed = pack(plans, |ixs| legacy_shape(&payer, ixs).fits());
        assert!(packed.len() > 1 && packed.len() < 40, "{}", packed.len());
        let mut seen = Vec::new();
        for p in &packed {
            assert!(legacy_shape(&payer, &p.instructions).fits());
            assert!(p.parts.len() > 1, "several accounts a transaction");
            assert!(
                p.parts.iter().all(|part| part.stages == 2),
                "plans kept whole"
            );
            seen.extend(p.parts.iter().map(|part| part.account));
        }
        assert_eq!(seen, order);
    }

    #[test]
    fn a_plan_too_large_alone_keeps_its_longest_prefix_that_fits() {
        let payer = Pubkey::new_unique();
        let a = Pubkey::new_unique();
        // Each stage names eight fresh accounts: a packet holds a few.
        let plan: Vec<Instruction> = (0..10)
            .map(|_| {
                let own: Vec<Pubkey> = (0..8).map(|_| Pubkey::new_unique()).collect();
                stage(a, &own)
            })
            .collect();
        let packed = pack(vec![(a, plan)], |ixs| legacy_shape(&payer, ixs).fits());
        assert_eq!(packed.len(), 1);
        let n = packed[0].parts[0].stages as usize;
        assert!((1..10).contains(&n), "{n}");
        assert_eq!(packed[0].instructions.len(), n);
        assert!(legacy_shape(&payer, &packed[0].instructions).fits());
    }

    #[test]
    fn the_compute_reserve_caps_the_stages_in_one_transaction() {
        let a = Pubkey::new_unique();
        let plans: Vec<_> = (0..50).map(|_| (a, vec![stage(a, &[])])).collect();
        let packed = pack(plans, |_| true);
        let cap = MAX_COMPUTE_UNITS / STAGE_COMPUTE_UNITS;
        assert!(packed.iter().all(|p| p.stages() <= cap));
        assert_eq!(packed[0].stages(), cap);
    }
}
