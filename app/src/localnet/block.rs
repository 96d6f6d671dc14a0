//! Transactions land in blocks, as on a cluster: `sendTransaction` (after its preflight)
//! queues a transaction and answers its signature at once; when the slot ends the node lands
//! the queue in arrival order as a leader packs a block, within a block's compute limit and
//! the per-account limit on compute that writes one account, the rest waiting for the next
//! block (and dropped once their blockhash has expired). A transaction is seen
//! (`getSignatureStatuses`, `getTransaction`, notifications) only once its block is made.
//! The limits are checked before each transaction and its units added after, so a block may
//! end one transaction over them (a leader's scheduler estimates instead).

use std::collections::HashMap;

use anchor_lang::prelude::Pubkey;
use solana_sdk::transaction::VersionedTransaction;

use super::node::Node;

/// A block's compute limit, units (Agave's `MAX_BLOCK_UNITS`).
pub const MAX_BLOCK_UNITS: u64 = 48_000_000;
/// Compute units one block may spend writing any one account (`MAX_WRITABLE_ACCOUNT_UNITS`).
pub const MAX_WRITABLE_ACCOUNT_UNITS: u64 = 12_000_000;

/// What the block being made has spent.
#[derive(Default)]
struct BlockUnits {
    total: u64,
    by_account: HashMap<Pubkey, u64>,
}

impl BlockUnits {
    fn has_room(&self, writable: &[Pubkey]) -> bool {
        self.total < MAX_BLOCK_UNITS
            && writable
                .iter()
                .all(|k| self.by_account.get(k).copied().unwrap_or(0) < MAX_WRITABLE_ACCOUNT_UNITS)
    }

    fn spend(&mut self, writable: &[Pubkey], units: u64) {
        self.total += units;
        for k in writable {
            *self.by_account.entry(*k).or_default() += units;
        }
    }
}

impl Node {
    /// Queues `tx` for the slot's block (a signature already queued is not queued twice).
    pub fn queue(&mut self, tx: VersionedTransaction) {
        let signature = tx.signatures[0];
        if !self.pending.iter().any(|t| t.signatures[0] == signature) {
            self.pending.push(tx);
        }
    }

    /// Whether `signature` waits in the queue.
    pub fn queued(&self, signature: &solana_sdk::signature::Signature) -> bool {
        self.pending.iter().any(|t| t.signatures[0] == *signature)
    }

    /// Makes the slot's block from the queue: lands what fits, keeps the rest for the next
    /// block, drops what has expired.
    pub fn make_block(&mut self) {
        let mut units = BlockUnits::default();
        let mut later = Vec::new();
        for tx in std::mem::take(&mut self.pending) {
            if !self.blockhash_valid(tx.message.recent_blockhash()) {
                continue;
            }
            let writable = self.writable_keys(&tx);
            if !units.has_room(&writable) {
                later.push(tx);
                continue;
            }
            // A transaction the VM refuses before executing it does not land (dropped).
            if let Ok(signature) = self.land(tx) {
                let spent = self
                    .ledger
                    .get(&signature)
                    .map_or(0, |r| r.landed.compute_units);
                units.spend(&writable, spent);
            }
        }
        self.pending = later;
    }
}
