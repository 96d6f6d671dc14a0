//! What a local cluster node needs from the VM beyond the bank's own sends: transactions the
//! clients signed themselves (processed or simulated), every account (`getProgramAccounts`),
//! a new blockhash per slot, and the full inner-instruction record a node reports
//! (`getTransaction`). `bulwark localnet` is built on it.

use anchor_lang::prelude::Pubkey;
use solana_sdk::account::Account;
use solana_sdk::hash::Hash;
use solana_sdk::transaction::{TransactionError, VersionedTransaction};

use crate::bank_vm::Vm;

/// One inner instruction as a node reports it: indexes into the message's account keys
/// (static keys, then those loaded from lookup tables).
#[derive(Clone, Debug)]
pub struct InnerIx {
    /// 1 for the transaction's own instructions, 2 for what they invoke, and so on.
    pub stack_height: u8,
    pub program_id_index: u8,
    pub accounts: Vec<u8>,
    pub data: Vec<u8>,
}

/// A transaction processed or simulated by the node.
#[derive(Clone, Debug)]
pub struct Landed {
    pub logs: Vec<String>,
    pub compute_units: u64,
    /// Lamports charged (0 when the transaction was refused before execution).
    pub fee: u64,
    /// Per top-level instruction, the instructions it invoked, in order.
    pub inner: Vec<Vec<InnerIx>>,
    pub result: Result<(), TransactionError>,
}

impl Vm {
    /// Stops the VM's own blockhash check (it accepts only the newest hash): the node keeps
    /// a cluster's window of recent blockhashes and checks a transaction's age itself.
    pub fn check_blockhash_in_node(&mut self) {
        let svm = std::mem::take(&mut self.svm);
        self.svm = svm.with_blockhash_check(false);
    }

    /// Replaces the blockhash (one per slot, as a cluster's) and returns the new one.
    pub fn next_blockhash(&mut self) -> Hash {
        self.svm.expire_blockhash();
        self.blockhash()
    }

    /// Processes a transaction its sender signed (signatures verified).
    pub fn process(&mut self, tx: &VersionedTransaction) -> Landed {
        match self.svm.send_transaction(to_vm(tx)) {
            Ok(meta) => landed(meta, Ok(())),
            Err(failed) => landed(failed.meta, Err(failed.err)),
        }
    }

    /// Simulates a transaction; `verify_signatures` false lets a client simulate before it
    /// signs (the node's `sigVerify: false`).
    pub fn simulate(&mut self, tx: &VersionedTransaction, verify_signatures: bool) -> Landed {
        if !verify_signatures {
            let svm = std::mem::take(&mut self.svm);
            self.svm = svm.with_sigverify(false);
        }
        let out = match self.svm.simulate_transaction(to_vm(tx)) {
            Ok(info) => landed(info.meta, Ok(())),
            Err(failed) => landed(failed.meta, Err(failed.err)),
        };
        if !verify_signatures {
            let svm = std::mem::take(&mut self.svm);
            self.svm = svm.with_sigverify(true);
        }
        out
    }

    /// An account's lamports (0 when it does not exist), without copying its data.
    pub fn balance(&self, key: &Pubkey) -> u64 {
        self.svm.get_balance(key).unwrap_or(0)
    }

    /// Every account holding lamports that `keep` accepts (given its key, owner and whether it
    /// is executable), with its key; only those kept are copied.
    pub fn accounts_where(
        &self,
        keep: impl Fn(&Pubkey, &Pubkey, bool) -> bool,
    ) -> Vec<(Pubkey, Account)> {
        use solana_account_v4::ReadableAccount;
        self.svm
            .accounts_db()
            .inner
            .iter()
            .filter(|(k, a)| {
                let key = Pubkey::new_from_array(k.to_bytes());
                let owner = Pubkey::new_from_array(a.owner().to_bytes());
                a.lamports() > 0 && keep(&key, &owner, a.executable())
            })
            .map(|(k, a)| {
                let a = solana_account_v4::Account::from(a.clone());
                (
                    Pubkey::new_from_array(k.to_bytes()),
                    Account {
                        lamports: a.lamports,
                        data: a.data,
                        owner: a.owner,
                        executable: a.executable,
                        rent_epoch: a.rent_epoch,
                    },
                )
            })
            .collect()
    }
}

/// The host's transaction as the VM's (same wire format).
fn to_vm(tx: &VersionedTransaction) -> solana_transaction_v4::versioned::VersionedTransaction {
    let bytes = bincode::serialize(tx).expect("transaction serialises");
    bincode::deserialize(&bytes).expect("same wire format")
}

fn landed(
    meta: litesvm::types::TransactionMetadata,
    result: Result<(), TransactionError>,
) -> Landed {
    let inner = meta
        .inner_instructions
        .iter()
        .map(|list| {
            list.iter()
                .map(|i| InnerIx {
                    stack_height: i.stack_height,
                    program_id_index: i.instruction.program_id_index,
                    accounts: i.instruction.accounts.clone(),
                    data: i.instruction.data.clone(),
                })
                .collect()
        })
        .collect();
    Landed {
        logs: meta.logs,
        compute_units: meta.compute_units_consumed,
        fee: meta.fee,
        inner,
        result,
    }
}
