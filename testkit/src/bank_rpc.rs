//! A JSON-RPC endpoint served by the in-process bank, so the keeper's real RPC chain
//! ([`bulwark_keeper::rpc_chain::RpcChain`]) runs against the real program in tests and the demo.
//!
//! It answers the methods the keeper uses (`getAccountInfo`, `getMultipleAccounts`,
//! `getProgramAccounts`, `getLatestBlockhash`, `simulateTransaction`, `sendTransaction`,
//! `getSignatureStatuses`, `getRecentPrioritizationFees`, `getSlot`, `getBlockHeight`) from the bank, in the node's JSON
//! shapes. Two limits, said plainly: the bank cannot enumerate accounts, so
//! `getProgramAccounts` applies its filters to the keys it was told about; and the native
//! program reports no compute units, so simulation answers without `unitsConsumed` and the
//! chain falls back to its configured default. An outage window makes every call in it fail
//! as a dropped connection would.

use std::collections::HashSet;
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use anchor_lang::prelude::Pubkey;
use base64::Engine;
use serde_json::{json, Value};
use solana_commitment_config::CommitmentConfig;
use solana_program_test::BanksClient;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_rpc_client::rpc_client::RpcClientConfig;
use solana_rpc_client::rpc_sender::{RpcSender, RpcTransportStats};
use solana_rpc_client_api::client_error::{Error as ClientError, ErrorKind, Result};
use solana_rpc_client_api::config::RpcProgramAccountsConfig;
use solana_rpc_client_api::filter::RpcFilterType;
use solana_rpc_client_api::request::{RpcError, RpcRequest, RpcResponseErrorData};
use solana_rpc_client_api::response::RpcSimulateTransactionResult;
use solana_sdk::account::Account;
use solana_sdk::transaction::VersionedTransaction;
use solana_transaction_status_client_types::UiTransactionError;

/// Shared controls of a [`BankRpc`]: the keys `getProgramAccounts` may return and an outage.
#[derive(Clone, Default)]
pub struct BankRpcControl {
    /// Keys `getProgramAccounts` considers (the bank cannot enumerate accounts).
    pub known: Arc<Mutex<Vec<Pubkey>>>,
    /// Calls numbered in `[start, end)` fail with a connection error.
    pub outage: Arc<Mutex<Option<(usize, usize)>>>,
    /// Calls served so far (failed ones included).
    pub calls: Arc<AtomicUsize>,
    /// `sendTransaction` calls that reached the bank.
    pub sent_transactions: Arc<AtomicUsize>,
    /// The next this many `sendTransaction` calls are answered but dropped, as a congested
    /// cluster drops a transaction it never schedules.
    pub drop_sends: Arc<AtomicUsize>,
    /// Added to the block height reported (the cluster has moved on: blockhashes expire).
    pub block_height_lead: Arc<AtomicUsize>,
    /// `getSignatureStatuses` calls served.
    pub status_polls: Arc<AtomicUsize>,
    /// The compute-unit price of every transaction sent, micro-lamports, in order.
    pub sent_prices: Arc<Mutex<Vec<u64>>>,
}

impl BankRpcControl {
    /// Calls `[from, to)` counted from now (0 = the next call) fail as if the connection
    /// dropped.
    pub fn drop_calls(&self, from: usize, to: usize) {
        let at = self.calls.load(Ordering::SeqCst);
        *self.outage.lock().expect("outage lock") = Some((at + from, at + to));
    }
}

/// The bank as a JSON-RPC node.
pub struct BankRpc {
    banks: BanksClient,
    control: BankRpcControl,
    processed: Mutex<HashSet<String>>,
}

impl BankRpc {
    /// Serves `banks`, controlled through `control`.
    pub fn new(banks: BanksClient, control: BankRpcControl) -> BankRpc {
        BankRpc {
            banks,
            control,
            processed: Mutex::new(HashSet::new()),
        }
    }

    async fn slot(&self) -> Result<u64> {
        self.banks.get_root_slot().await.map_err(custom)
    }

    async fn account(&self, key: &str) -> Result<Option<Account>> {
        let key = Pubkey::from_str(key).map_err(custom)?;
        self.banks.get_account(key).await.map_err(custom)
    }

    async fn with_context(&self, value: Value) -> Result<Value> {
        Ok(json!({ "context": { "slot": self.slot().await? }, "value": value }))
    }

    async fn serve(&self, request: RpcRequest, params: Value) -> Result<Value> {
        match request {
            RpcRequest::GetAccountInfo => {
                let a = self.account(param_str(&params, 0)?).await?;
                self.with_context(a.map(ui_account).unwrap_or(Value::Null))
                    .await
            }
            RpcRequest::GetMultipleAccounts => {
                let mut out = Vec::new();
                for k in params[0].as_array().ok_or_else(|| custom("keys"))? {
                    let a = self.account(k.as_str().unwrap_or_default()).await?;
                    out.push(a.map(ui_account).unwrap_or(Value::Null));
                }
                self.with_context(Value::Array(out)).await
            }
            RpcRequest::GetProgramAccounts => self.program_accounts(&params).await,
            RpcRequest::GetLatestBlockhash => {
                let (hash, height) = self
                    .banks
                    .get_latest_blockhash_with_commitment(Default::default())
                    .await
                    .map_err(custom)?
                    .ok_or_else(|| custom("no blockhash"))?;
                self.with_context(
                    json!({ "blockhash": hash.to_string(), "lastValidBlockHeight": height }),
                )
                .await
            }
            RpcRequest::SimulateTransaction => self.simulate_transaction(&params).await,
            RpcRequest::SendTransaction => self.send_transaction(&params).await,
            RpcRequest::GetSignatureStatuses => self.signature_statuses(&params).await,
            RpcRequest::GetRecentPrioritizationFees => Ok(json!([])),
            RpcRequest::GetSlot => Ok(json!(self.slot().await?)),
            RpcRequest::GetBlockHeight => {
                let height = self.banks.get_root_block_height().await.map_err(custom)?;
                let lead = self.control.block_height_lead.load(Ordering::SeqCst) as u64;
                Ok(json!(height + lead))
            }
            other => Err(custom(format!("the bank does not serve {other}"))),
        }
    }

    /// `getProgramAccounts`: the known keys whose accounts the program owns and every filter
    /// allows.
    async fn program_accounts(&self, params: &Value) -> Result<Value> {
        let program = Pubkey::from_str(param_str(params, 0)?).map_err(custom)?;
        let config: RpcProgramAccountsConfig =
            serde_json::from_value(params[1].clone()).map_err(custom)?;
        let filters = config.filters.unwrap_or_default();
        let keys = self.control.known.lock().expect("known lock").clone();
        let mut out = Vec::new();
        for k in keys {
            let Some(a) = self.banks.get_account(k).await.map_err(custom)? else {
                continue;
            };
            if a.owner == program && filters.iter().all(|f| allows(f, &a.data)) {
                out.push(json!({ "pubkey": k.to_string(), "account": ui_account(a) }));
            }
        }
        if config.with_context == Some(true) {
            self.with_context(Value::Array(out)).await
        } else {
            Ok(Value::Array(out))
        }
    }

    /// `simulateTransaction`: the bank's simulation (its error and logs; no compute units).
    async fn simulate_transaction(&self, params: &Value) -> Result<Value> {
        let mut tx = decode_tx(param_str(params, 0)?)?;
        if params[1]["replaceRecentBlockhash"].as_bool() == Some(true) {
            let hash = self.banks.get_latest_blockhash().await.map_err(custom)?;
            tx.message.set_recent_blockhash(hash);
        }
        let quiet = crate::quiet::program_run();
        let sim = self.banks.simulate_transaction(tx).await.map_err(custom)?;
        drop(quiet);
        let err = sim.result.and_then(|r| r.err());
        let logs = sim.simulation_details.map(|d| d.logs);
        self.with_context(json!({
            "err": err.map(|e| serde_json::to_value(UiTransactionError::from(e)).unwrap_or(Value::Null)),
            "logs": logs,
            "unitsConsumed": Value::Null,
        }))
        .await
    }

    /// `sendTransaction`: processed by the bank at once; a failure comes back as the node's
    /// preflight failure.
    async fn send_transaction(&self, params: &Value) -> Result<Value> {
        self.control
            .sent_transactions
            .fetch_add(1, Ordering::SeqCst);
        let tx = decode_tx(param_str(params, 0)?)?;
        let sig = tx.signatures[0].to_string();
        self.control
            .sent_prices
            .lock()
            .expect("prices lock")
            .push(compute_unit_price(&tx));
        let dropped = self
            .control
            .drop_sends
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if dropped {
            return Ok(Value::String(sig));
        }
        let quiet = crate::quiet::program_run();
        let processed = self.banks.process_transaction(tx).await;
        drop(quiet);
        match processed {
            Ok(()) => {
                self.processed
                    .lock()
                    .expect("processed lock")
                    .insert(sig.clone());
                Ok(Value::String(sig))
            }
            Err(e) => Err(preflight_failure(e)),
        }
    }

    /// `getSignatureStatuses`: finalized for the transactions this node processed, unknown
    /// otherwise.
    async fn signature_statuses(&self, params: &Value) -> Result<Value> {
        self.control.status_polls.fetch_add(1, Ordering::SeqCst);
        let processed = self.processed.lock().expect("processed lock").clone();
        let slot = self.slot().await?;
        let statuses: Vec<Value> = params[0]
            .as_array()
            .ok_or_else(|| custom("signatures"))?
            .iter()
            .map(|s| {
                if processed.contains(s.as_str().unwrap_or_default()) {
                    json!({ "slot": slot, "confirmations": null, "err": null,
                            "status": { "Ok": null }, "confirmationStatus": "finalized" })
                } else {
                    Value::Null
                }
            })
            .collect();
        self.with_context(Value::Array(statuses)).await
    }
}

#[async_trait::async_trait]
impl RpcSender for BankRpc {
    async fn send(&self, request: RpcRequest, params: Value) -> Result<Value> {
        let n = self.control.calls.fetch_add(1, Ordering::SeqCst);
        if let Some((start, end)) = *self.control.outage.lock().expect("outage lock") {
            if (start..end).contains(&n) {
                return Err(ErrorKind::Io(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "connection reset by peer",
                ))
                .into());
            }
        }
        self.serve(request, params).await
    }

    fn get_transport_stats(&self) -> RpcTransportStats {
        RpcTransportStats {
            request_count: self.control.calls.load(Ordering::SeqCst),
            ..RpcTransportStats::default()
        }
    }

    fn url(&self) -> String {
        "bank://in-process".into()
    }
}

/// An RPC client whose node is the bank.
pub fn client(banks: BanksClient, control: BankRpcControl) -> RpcClient {
    RpcClient::new_sender(
        BankRpc::new(banks, control),
        RpcClientConfig::with_commitment(CommitmentConfig::confirmed()),
    )
}

/// The compute-unit price a transaction sets (0 when it sets none), micro-lamports.
fn compute_unit_price(tx: &VersionedTransaction) -> u64 {
    let keys = tx.message.static_account_keys();
    tx.message
        .instructions()
        .iter()
        .filter(|ix| {
            keys.get(ix.program_id_index as usize) == Some(&solana_compute_budget_interface::ID)
        })
        .find_map(|ix| match ix.data.as_slice() {
            [3, rest @ ..] if rest.len() == 8 => {
                Some(u64::from_le_bytes(rest.try_into().expect("8 bytes")))
            }
            _ => None,
        })
        .unwrap_or(0)
}

fn custom(e: impl std::fmt::Display) -> ClientError {
    ErrorKind::Custom(e.to_string()).into()
}

fn param_str(params: &Value, i: usize) -> Result<&str> {
    params[i]
        .as_str()
        .ok_or_else(|| custom(format!("parameter {i} is not a string")))
}

fn decode_tx(b64: &str) -> Result<VersionedTransaction> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(custom)?;
    bincode::deserialize(&bytes).map_err(custom)
}

fn ui_account(a: Account) -> Value {
    let space = a.data.len();
    json!({
        "lamports": a.lamports,
        "data": [base64::engine::general_purpose::STANDARD.encode(&a.data), "base64"],
        "owner": a.owner.to_string(),
        "executable": a.executable,
        "rentEpoch": a.rent_epoch,
        "space": space,
    })
}

fn allows(filter: &RpcFilterType, data: &[u8]) -> bool {
    match filter {
        RpcFilterType::DataSize(n) => data.len() as u64 == *n,
        RpcFilterType::Memcmp(m) => m.bytes_match(data),
        RpcFilterType::TokenAccountState => false,
    }
}

/// A refused transaction as the node reports it: a preflight failure carrying the error.
fn preflight_failure(e: solana_program_test::BanksClientError) -> ClientError {
    let err = match e {
        solana_program_test::BanksClientError::TransactionError(te)
        | solana_program_test::BanksClientError::SimulationError { err: te, .. } => te,
        other => return custom(other),
    };
    let message = format!("Transaction simulation failed: {err}");
    ErrorKind::RpcError(RpcError::RpcResponseError {
        code: -32002,
        message,
        data: RpcResponseErrorData::SendTransactionPreflightFailure(RpcSimulateTransactionResult {
            err: Some(err.into()),
            logs: None,
            accounts: None,
            units_consumed: None,
            loaded_accounts_data_size: None,
            return_data: None,
            inner_instructions: None,
            replacement_blockhash: None,
            fee: None,
            pre_balances: None,
            post_balances: None,
            pre_token_balances: None,
            post_token_balances: None,
            loaded_addresses: None,
        }),
    })
    .into()
}
