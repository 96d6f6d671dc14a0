//! The local cluster's transaction record: what `getTransaction`, `getSignatureStatuses` and
//! `getSignaturesForAddress` answer from, in the node's JSON shapes. Kept in memory (a
//! restart from `--state` keeps accounts, not history).

use std::collections::HashMap;

use anchor_lang::prelude::Pubkey;
use base64::Engine;
use bulwark_testkit::bank_node::Landed;
use serde_json::{json, Value};
use solana_sdk::signature::Signature;
use solana_sdk::transaction::VersionedTransaction;
use solana_transaction_status_client_types::UiTransactionError;

/// One processed transaction.
pub struct Record {
    pub slot: u64,
    pub block_time: i64,
    pub tx: VersionedTransaction,
    /// Addresses loaded from lookup tables: writable, then read-only.
    pub loaded: (Vec<Pubkey>, Vec<Pubkey>),
    pub pre_balances: Vec<u64>,
    pub post_balances: Vec<u64>,
    pub landed: Landed,
}

impl Record {
    /// Every account key of the message: static, then loaded writable, then loaded read-only.
    pub fn keys(&self) -> Vec<Pubkey> {
        let mut keys = self.tx.message.static_account_keys().to_vec();
        keys.extend_from_slice(&self.loaded.0);
        keys.extend_from_slice(&self.loaded.1);
        keys
    }

    /// The transaction error as the node reports it (`null` on success).
    pub fn err_json(&self) -> Value {
        match &self.landed.result {
            Ok(()) => Value::Null,
            Err(e) => {
                serde_json::to_value(UiTransactionError::from(e.clone())).unwrap_or(Value::Null)
            }
        }
    }

    /// `getSignatureStatuses`' entry.
    pub fn status_json(&self) -> Value {
        let err = self.err_json();
        let status = if err.is_null() {
            json!({ "Ok": null })
        } else {
            json!({ "Err": err.clone() })
        };
        json!({ "slot": self.slot, "confirmations": null, "err": err, "status": status,
                "confirmationStatus": "finalized" })
    }

    /// `getTransaction`'s answer; the transaction as base64 bytes or as JSON.
    pub fn transaction_json(&self, base64_encoded: bool) -> Value {
        let transaction = if base64_encoded {
            let bytes = bincode::serialize(&self.tx).expect("transaction serialises");
            json!([
                base64::engine::general_purpose::STANDARD.encode(bytes),
                "base64"
            ])
        } else {
            self.message_json()
        };
        let version = match self.tx.message {
            solana_sdk::message::VersionedMessage::Legacy(_) => json!("legacy"),
            solana_sdk::message::VersionedMessage::V0(_) => json!(0),
        };
        json!({ "slot": self.slot, "blockTime": self.block_time, "transaction": transaction,
                "meta": self.meta_json(), "version": version })
    }

    fn meta_json(&self) -> Value {
        let err = self.err_json();
        let status = if err.is_null() {
            json!({ "Ok": null })
        } else {
            json!({ "Err": err.clone() })
        };
        let inner: Vec<Value> = self
            .landed
            .inner
            .iter()
            .enumerate()
            .filter(|(_, list)| !list.is_empty())
            .map(|(index, list)| {
                let instructions: Vec<Value> = list
                    .iter()
                    .map(|i| {
                        json!({ "programIdIndex": i.program_id_index, "accounts": i.accounts,
                                "data": bs58::encode(&i.data).into_string(),
                                "stackHeight": i.stack_height })
                    })
                    .collect();
                json!({ "index": index, "instructions": instructions })
            })
            .collect();
        let strings = |keys: &[Pubkey]| keys.iter().map(|k| k.to_string()).collect::<Vec<_>>();
        json!({
            "err": err, "status": status, "fee": self.landed.fee,
            "preBalances": self.pre_balances, "postBalances": self.post_balances,
            "innerInstructions": inner, "logMessages": self.landed.logs,
            "preTokenBalances": [], "postTokenBalances": [], "rewards": [],
            "loadedAddresses": { "writable": strings(&self.loaded.0),
                                 "readonly": strings(&self.loaded.1) },
            "computeUnitsConsumed": self.landed.compute_units, "returnData": null,
        })
    }

    fn message_json(&self) -> Value {
        let m = &self.tx.message;
        let header = m.header();
        let instructions: Vec<Value> = m
            .instructions()
            .iter()
            .map(|i| {
                json!({ "programIdIndex": i.program_id_index, "accounts": i.accounts,
                        "data": bs58::encode(&i.data).into_string(), "stackHeight": null })
            })
            .collect();
        let lookups: Vec<Value> = m
            .address_table_lookups()
            .unwrap_or_default()
            .iter()
            .map(|l| {
                json!({ "accountKey": l.account_key.to_string(),
                        "writableIndexes": l.writable_indexes,
                        "readonlyIndexes": l.readonly_indexes })
            })
            .collect();
        json!({
            "signatures": self.tx.signatures.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            "message": {
                "accountKeys": m.static_account_keys().iter().map(|k| k.to_string())
                    .collect::<Vec<_>>(),
                "header": { "numRequiredSignatures": header.num_required_signatures,
                            "numReadonlySignedAccounts": header.num_readonly_signed_accounts,
                            "numReadonlyUnsignedAccounts": header.num_readonly_unsigned_accounts },
                "recentBlockhash": m.recent_blockhash().to_string(),
                "instructions": instructions,
                "addressTableLookups": lookups,
            }
        })
    }
}

/// Every processed transaction, by signature and by the addresses it names.
#[derive(Default)]
pub struct Ledger {
    records: Vec<Record>,
    by_signature: HashMap<Signature, usize>,
    by_address: HashMap<Pubkey, Vec<usize>>,
}

impl Ledger {
    /// Records a processed transaction.
    pub fn push(&mut self, record: Record) {
        let at = self.records.len();
        self.by_signature.insert(record.tx.signatures[0], at);
        for k in record.keys() {
            self.by_address.entry(k).or_default().push(at);
        }
        self.records.push(record);
    }

    pub fn get(&self, signature: &Signature) -> Option<&Record> {
        self.by_signature.get(signature).map(|&i| &self.records[i])
    }

    /// `getSignaturesForAddress`: newest first, strictly before `before` and down to (not
    /// including) `until` when given, at most `limit`.
    pub fn signatures_for(
        &self,
        address: &Pubkey,
        before: Option<Signature>,
        until: Option<Signature>,
        limit: usize,
    ) -> Vec<Value> {
        let Some(list) = self.by_address.get(address) else {
            return Vec::new();
        };
        let before = before.and_then(|s| self.by_signature.get(&s).copied());
        let until = until.and_then(|s| self.by_signature.get(&s).copied());
        list.iter()
            .rev()
            .copied()
            .filter(|&i| before.is_none_or(|b| i < b))
            .take_while(|&i| until.is_none_or(|u| i > u))
            .take(limit)
            .map(|i| {
                let r = &self.records[i];
                json!({ "signature": r.tx.signatures[0].to_string(), "slot": r.slot,
                        "err": r.err_json(), "memo": null, "blockTime": r.block_time,
                        "confirmationStatus": "finalized" })
            })
            .collect()
    }
}
