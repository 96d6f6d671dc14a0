//! The local cluster's node: the bank on the VM, a slot every tick with a new blockhash and
//! the wall clock's time, the feeds publishing on their cadences, and client-signed
//! transactions checked (blockhash age, preflight simulation), processed, recorded and
//! announced to subscribers.

use std::collections::VecDeque;

use anchor_lang::prelude::Pubkey;
use bulwark_testkit::bank::Bank;
use bulwark_testkit::bank_node::Landed;
use bulwark_testkit::bank_vm::Vm;
use serde_json::{json, Value};
use solana_sdk::account::Account;
use solana_sdk::hash::Hash;
use solana_sdk::message::VersionedMessage;
use solana_sdk::signature::{Keypair, Signature, Signer};
use solana_sdk::transaction::{TransactionError, VersionedTransaction};
use tokio::sync::broadcast;

use super::feeds::Asset;
use super::ledger::{Ledger, Record};

/// How many recent blockhashes a transaction may name (a cluster's 150 slots).
pub const BLOCKHASH_WINDOW: usize = 150;

/// What subscribers hear.
#[derive(Clone, Debug)]
pub enum Notice {
    Slot(u64),
    Account {
        key: Pubkey,
        account: Account,
        slot: u64,
    },
    Transaction {
        signature: Signature,
        slot: u64,
        err: Value,
        logs: Vec<String>,
        keys: Vec<Pubkey>,
    },
}

/// A JSON-RPC error: code, message, optional data.
#[derive(Debug)]
pub struct RpcFault {
    pub code: i64,
    pub message: String,
    pub data: Option<Value>,
}

impl RpcFault {
    pub fn invalid_params(message: impl Into<String>) -> RpcFault {
        RpcFault {
            code: -32602,
            message: message.into(),
            data: None,
        }
    }
}

/// The node's state.
pub struct Node {
    pub bank: Bank,
    pub assets: Vec<Asset>,
    pub slot: u64,
    pub unix_timestamp: i64,
    blockhashes: VecDeque<Hash>,
    pub ledger: Ledger,
    pub notices: broadcast::Sender<Notice>,
    /// Transactions waiting for the slot's block (`block`); with `land_on_receipt`, none.
    pub pending: Vec<VersionedTransaction>,
    /// Every transaction lands as it arrives (no blocks).
    pub land_on_receipt: bool,
}

/// Wall-clock unix seconds.
pub fn wall_clock() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl Node {
    /// A node over `bank` (on the VM), its clock at `slot` and `unix_timestamp`.
    pub async fn new(mut bank: Bank, assets: Vec<Asset>) -> Node {
        let clock = bank.clock().await;
        let vm = bank
            .vm()
            .expect("the local cluster runs the program on the VM");
        vm.check_blockhash_in_node();
        let first = vm.next_blockhash();
        Node {
            bank,
            assets,
            slot: clock.slot,
            unix_timestamp: clock.unix_timestamp,
            blockhashes: VecDeque::from([first]),
            ledger: Ledger::default(),
            notices: broadcast::channel(4096).0,
            pending: Vec::new(),
            land_on_receipt: false,
        }
    }

    fn vm(&mut self) -> &mut Vm {
        self.bank.vm().expect("the local cluster runs on the VM")
    }

    /// The slot's block made (unless transactions land on receipt); then the next slot: the wall clock's time (never backwards), a new blockhash, the feeds
    /// that are due published.
    pub async fn tick(&mut self) {
        if !self.land_on_receipt {
            self.make_block();
        }
        self.slot += 1;
        self.unix_timestamp = self.unix_timestamp.max(wall_clock());
        self.bank.set_clock(self.slot, self.unix_timestamp).await;
        let hash = self.vm().next_blockhash();
        self.blockhashes.push_back(hash);
        while self.blockhashes.len() > BLOCKHASH_WINDOW {
            self.blockhashes.pop_front();
        }
        let (now, slot) = (self.unix_timestamp, self.slot);
        let published: Vec<_> = self
            .assets
            .iter_mut()
            .flat_map(|a| a.publish_due(now, slot))
            .collect();
        for (key, owner, data) in published {
            self.bank.set_account(&key, &owner, data);
            if let Some(account) = self.vm().account(&key) {
                let _ = self.notices.send(Notice::Account { key, account, slot });
            }
        }
        let _ = self.notices.send(Notice::Slot(slot));
    }

    /// The newest blockhash and the last block height a transaction naming it can land at.
    pub fn latest_blockhash(&self) -> (Hash, u64) {
        let hash = *self.blockhashes.back().expect("one blockhash at least");
        (hash, self.slot + BLOCKHASH_WINDOW as u64 - 1)
    }

    pub fn blockhash_valid(&self, hash: &Hash) -> bool {
        self.blockhashes.contains(hash)
    }

    /// Lamports an account of `space` bytes needs to be rent-exempt.
    pub fn rent_exempt(&mut self, space: usize) -> u64 {
        self.vm().rent_exempt(space)
    }

    pub fn account(&mut self, key: &Pubkey) -> Option<Account> {
        self.vm().account(key)
    }

    /// Every account the program `owner` owns.
    pub fn accounts_owned_by(&mut self, owner: &Pubkey) -> Vec<(Pubkey, Account)> {
        let mut all = self.vm().accounts_where(|_, o, _| o == owner);
        all.sort_by_key(|(k, _)| *k);
        all
    }

    /// Addresses a v0 message loads from lookup tables (writable, read-only).
    fn loaded_addresses(&mut self, tx: &VersionedTransaction) -> (Vec<Pubkey>, Vec<Pubkey>) {
        let mut out = (Vec::new(), Vec::new());
        let VersionedMessage::V0(m) = &tx.message else {
            return out;
        };
        for l in &m.address_table_lookups {
            let table = self
                .vm()
                .account(&l.account_key)
                .and_then(|a| bulwark_keeper::rpc_chain::lookup_table_addresses(&a.data).ok())
                .unwrap_or_default();
            let pick = |ix: &[u8]| -> Vec<Pubkey> {
                ix.iter()
                    .filter_map(|&i| table.get(i as usize).copied())
                    .collect()
            };
            out.0.extend(pick(&l.writable_indexes));
            out.1.extend(pick(&l.readonly_indexes));
        }
        out
    }

    /// Simulates `tx` (signatures checked only with `verify_signatures`).
    pub fn simulate(&mut self, tx: &VersionedTransaction, verify_signatures: bool) -> Landed {
        self.vm().simulate(tx, verify_signatures)
    }

    /// `sendTransaction`: never landed before, and the blockhash recent; unless `skip_preflight`, a failing
    /// simulation refuses it (as a node's preflight); otherwise it lands, failed or not.
    pub fn send(
        &mut self,
        tx: VersionedTransaction,
        skip_preflight: bool,
    ) -> Result<Signature, RpcFault> {
        // A cluster's status cache: a signature lands once while its blockhash is valid (the
        // ledger keeps every landed one; the VM's own history holds only its last few).
        if self.ledger.get(&tx.signatures[0]).is_some() || self.queued(&tx.signatures[0]) {
            return Err(preflight_failure(
                TransactionError::AlreadyProcessed,
                Vec::new(),
                0,
            ));
        }
        if !self.blockhash_valid(tx.message.recent_blockhash()) {
            return Err(preflight_failure(
                TransactionError::BlockhashNotFound,
                Vec::new(),
                0,
            ));
        }
        if !skip_preflight {
            let sim = self.simulate(&tx, true);
            if let Err(e) = sim.result {
                return Err(preflight_failure(e, sim.logs, sim.compute_units));
            }
        }
        if self.land_on_receipt {
            return self.land(tx);
        }
        let signature = tx.signatures[0];
        self.queue(tx);
        Ok(signature)
    }

    /// The accounts `tx` may write: its writable static keys and the writable ones it loads.
    pub fn writable_keys(&mut self, tx: &VersionedTransaction) -> Vec<Pubkey> {
        let keys = tx.message.static_account_keys();
        let mut out: Vec<Pubkey> = (0..keys.len())
            .filter(|i| tx.message.is_maybe_writable(*i, None))
            .map(|i| keys[i])
            .collect();
        out.extend(self.loaded_addresses(tx).0);
        out
    }

    /// Processes `tx` and records it; subscribers hear of it and of the accounts it changed.
    /// A transaction the VM refused before executing it (no fee charged: a bad signature, an
    /// unfunded fee payer, a malformed message) does not land: nothing is recorded and the
    /// refusal is the answer (a cluster would drop it).
    pub fn land(&mut self, tx: VersionedTransaction) -> Result<Signature, RpcFault> {
        let loaded = self.loaded_addresses(&tx);
        let mut keys = tx.message.static_account_keys().to_vec();
        let statics = keys.len();
        keys.extend(loaded.0.iter().chain(&loaded.1));
        // Only writable accounts can change: only they are copied (programs' ELFs are not).
        let writable: Vec<bool> = (0..keys.len())
            .map(|i| match i < statics {
                true => tx.message.is_maybe_writable(i, None),
                false => i < statics + loaded.0.len(),
            })
            .collect();
        let (pre_balances, before) = self.snapshot(&keys, &writable);
        let landed = self.vm().process(&tx);
        if let (Err(e), 0) = (&landed.result, landed.fee) {
            return Err(preflight_failure(
                e.clone(),
                landed.logs,
                landed.compute_units,
            ));
        }
        let (post_balances, after) = self.snapshot(&keys, &writable);
        let signature = tx.signatures[0];
        let record = Record {
            slot: self.slot,
            block_time: self.unix_timestamp,
            tx,
            loaded,
            pre_balances,
            post_balances,
            landed,
        };
        for ((key, b), a) in keys.iter().zip(&before).zip(&after) {
            if b != a {
                let account = a.clone().unwrap_or_default();
                let slot = self.slot;
                let _ = self.notices.send(Notice::Account {
                    key: *key,
                    account,
                    slot,
                });
            }
        }
        let _ = self.notices.send(Notice::Transaction {
            signature,
            slot: self.slot,
            err: record.err_json(),
            logs: record.landed.logs.clone(),
            keys: keys.clone(),
        });
        self.ledger.push(record);
        Ok(signature)
    }

    /// Every key's lamports, and the writable ones' accounts (`None` for the others).
    fn snapshot(&mut self, keys: &[Pubkey], writable: &[bool]) -> (Vec<u64>, Vec<Option<Account>>) {
        let vm = self.vm();
        let balances = keys.iter().map(|k| vm.balance(k)).collect();
        let accounts = keys
            .iter()
            .zip(writable)
            .map(|(k, w)| if *w { vm.account(k) } else { None })
            .collect();
        (balances, accounts)
    }

    /// `requestAirdrop`: a transfer from the node's payer, landed like any transaction.
    pub fn airdrop(&mut self, to: &Pubkey, lamports: u64) -> Result<Signature, RpcFault> {
        let payer: Keypair = self.bank.payer();
        let ix = solana_system_interface::instruction::transfer(&payer.pubkey(), to, lamports);
        let (hash, _) = self.latest_blockhash();
        let tx = solana_sdk::transaction::Transaction::new_signed_with_payer(
            &[ix],
            Some(&payer.pubkey()),
            &[&payer],
            hash,
        );
        self.land(tx.into())
    }
}

/// A refused preflight as a node reports it (code -32002, the simulation in `data`).
pub fn preflight_failure(err: TransactionError, logs: Vec<String>, units: u64) -> RpcFault {
    let ui = serde_json::to_value(
        solana_transaction_status_client_types::UiTransactionError::from(err.clone()),
    )
    .unwrap_or(Value::Null);
    RpcFault {
        code: -32002,
        message: format!("Transaction simulation failed: {err}"),
        data: Some(json!({ "err": ui, "logs": logs, "accounts": null,
                            "unitsConsumed": units, "returnData": null })),
    }
}
