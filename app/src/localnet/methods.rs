//! The local cluster's JSON-RPC methods, answered from the node in a cluster's JSON shapes:
//! the ones the Solana CLI tools, `RpcClient`, `@solana/web3.js` and Anchor's TS client call
//! for accounts, blockhashes, simulation, sending, confirmation, history and airdrops.

use std::str::FromStr;

use anchor_lang::prelude::Pubkey;
use base64::Engine;
use serde_json::{json, Value};
use solana_rpc_client_api::filter::RpcFilterType;
use solana_sdk::account::Account;
use solana_sdk::hash::Hash;
use solana_sdk::signature::Signature;
use solana_sdk::transaction::VersionedTransaction;

use super::node::{Node, RpcFault};

/// JSON-RPC's code for an unknown method.
const METHOD_NOT_FOUND: i64 = -32601;

fn not_found(method: &str) -> RpcFault {
    RpcFault {
        code: METHOD_NOT_FOUND,
        message: format!("Method not found: the local cluster does not serve {method}"),
        data: None,
    }
}

type Methods = fn(&mut Node, &str, &Value) -> Result<Value, RpcFault>;

/// Answers one call.
pub fn call(node: &mut Node, method: &str, params: &Value) -> Result<Value, RpcFault> {
    let groups: [Methods; 3] = [cluster, accounts, transactions];
    for group in groups {
        match group(node, method, params) {
            Err(f) if f.code == METHOD_NOT_FOUND => continue,
            answer => return answer,
        }
    }
    Err(not_found(method))
}

/// The cluster: health, version, slots, blockhashes, fees.
fn cluster(node: &mut Node, method: &str, params: &Value) -> Result<Value, RpcFault> {
    match method {
        "getHealth" => Ok(json!("ok")),
        "getVersion" => Ok(json!({ "solana-core": "3.1.0", "feature-set": 0 })),
        "getGenesisHash" => Ok(json!(Hash::new_from_array([7; 32]).to_string())),
        "getIdentity" => Ok(
            json!({ "identity": solana_sdk::signature::Signer::pubkey(&node.bank.payer()).to_string() }),
        ),
        "getSlot" | "getBlockHeight" => Ok(json!(node.slot)),
        "getEpochInfo" => Ok(json!({ "absoluteSlot": node.slot, "blockHeight": node.slot,
            "epoch": 0, "slotIndex": node.slot, "slotsInEpoch": 432_000,
            "transactionCount": null })),
        "getLatestBlockhash" => {
            let (hash, last) = node.latest_blockhash();
            Ok(context(
                node,
                json!({ "blockhash": hash.to_string(),
                                     "lastValidBlockHeight": last }),
            ))
        }
        "isBlockhashValid" => {
            let hash = Hash::from_str(string(params, 0)?)
                .map_err(|_| RpcFault::invalid_params("blockhash: not base58"))?;
            Ok(context(node, json!(node.blockhash_valid(&hash))))
        }
        "getFeeForMessage" => {
            let bytes = base64_param(params, 0)?;
            let signatures = bytes.first().copied().unwrap_or(0) & 0x7f;
            let version_prefix = bytes.first().is_some_and(|b| b & 0x80 != 0);
            let n = if version_prefix {
                bytes.get(1).copied().unwrap_or(1)
            } else {
                signatures
            };
            Ok(context(node, json!(5_000 * n as u64)))
        }
        _ => Err(not_found(method)),
    }
}
/// Account reads.
fn accounts(node: &mut Node, method: &str, params: &Value) -> Result<Value, RpcFault> {
    match method {
        "getMinimumBalanceForRentExemption" => {
            let space = params[0]
                .as_u64()
                .ok_or_else(|| RpcFault::invalid_params("space"))?;
            Ok(json!(node.rent_exempt(space as usize)))
        }
        "getBalance" => {
            let a = node.account(&pubkey(params, 0)?);
            Ok(context(node, json!(a.map_or(0, |a| a.lamports))))
        }
        "getAccountInfo" => {
            let a = node.account(&pubkey(params, 0)?);
            Ok(context(
                node,
                a.map_or(Value::Null, |a| ui_account(&a, &params[1])),
            ))
        }
        "getMultipleAccounts" => {
            let keys = params[0]
                .as_array()
                .ok_or_else(|| RpcFault::invalid_params("keys"))?;
            let mut out = Vec::new();
            for k in keys {
                let key = Pubkey::from_str(k.as_str().unwrap_or_default())
                    .map_err(|_| RpcFault::invalid_params("keys: not base58"))?;
                out.push(
                    node.account(&key)
                        .map_or(Value::Null, |a| ui_account(&a, &params[1])),
                );
            }
            Ok(context(node, Value::Array(out)))
        }
        "getProgramAccounts" => program_accounts(node, params),
        _ => Err(not_found(method)),
    }
}
/// Simulation, sending, airdrops, statuses and history.
fn transactions(node: &mut Node, method: &str, params: &Value) -> Result<Value, RpcFault> {
    match method {
        "getRecentPrioritizationFees" => Ok(json!([{ "slot": node.slot, "prioritizationFee": 0 }])),
        "simulateTransaction" => simulate(node, params),
        "sendTransaction" => {
            let tx = transaction(params)?;
            let skip = params[1]["skipPreflight"].as_bool().unwrap_or(false);
            Ok(json!(node.send(tx, skip)?.to_string()))
        }
        "requestAirdrop" => {
            let lamports = params[1]
                .as_u64()
                .ok_or_else(|| RpcFault::invalid_params("lamports"))?;
            Ok(json!(node
                .airdrop(&pubkey(params, 0)?, lamports)?
                .to_string()))
        }
        "getSignatureStatuses" => {
            let sigs = params[0]
                .as_array()
                .ok_or_else(|| RpcFault::invalid_params("signatures"))?;
            let out: Vec<Value> = sigs
                .iter()
                .map(|s| {
                    Signature::from_str(s.as_str().unwrap_or_default())
                        .ok()
                        .and_then(|s| node.ledger.get(&s))
                        .map_or(Value::Null, |r| r.status_json())
                })
                .collect();
            Ok(context(node, Value::Array(out)))
        }
        "getTransaction" => {
            let sig = signature(string(params, 0)?)?;
            let base64 = params[1]["encoding"].as_str() == Some("base64");
            Ok(node
                .ledger
                .get(&sig)
                .map_or(Value::Null, |r| r.transaction_json(base64)))
        }
        "getSignaturesForAddress" => {
            let cfg = &params[1];
            let opt_sig = |v: &Value| v.as_str().map(signature).transpose();
            let limit = cfg["limit"].as_u64().unwrap_or(1_000).min(1_000) as usize;
            Ok(json!(node.ledger.signatures_for(
                &pubkey(params, 0)?,
                opt_sig(&cfg["before"])?,
                opt_sig(&cfg["until"])?,
                limit
            )))
        }
        _ => Err(not_found(method)),
    }
}
/// A value with the slot it was read at.
fn context(node: &Node, value: Value) -> Value {
    json!({ "context": { "slot": node.slot, "apiVersion": "3.1.0" }, "value": value })
}

fn string(params: &Value, i: usize) -> Result<&str, RpcFault> {
    params[i]
        .as_str()
        .ok_or_else(|| RpcFault::invalid_params(format!("parameter {i}: expected a string")))
}

fn pubkey(params: &Value, i: usize) -> Result<Pubkey, RpcFault> {
    Pubkey::from_str(string(params, i)?)
        .map_err(|_| RpcFault::invalid_params(format!("parameter {i}: not a base58 address")))
}

fn signature(s: &str) -> Result<Signature, RpcFault> {
    Signature::from_str(s).map_err(|_| RpcFault::invalid_params("signature: not base58"))
}

fn base64_param(params: &Value, i: usize) -> Result<Vec<u8>, RpcFault> {
    base64::engine::general_purpose::STANDARD
        .decode(string(params, i)?)
        .map_err(|_| RpcFault::invalid_params(format!("parameter {i}: not base64")))
}

/// The transaction of `sendTransaction`/`simulateTransaction` (base64, or base58 by default
/// as the node's API says).
fn transaction(params: &Value) -> Result<VersionedTransaction, RpcFault> {
    let bytes = if params[1]["encoding"].as_str() == Some("base64") {
        base64_param(params, 0)?
    } else {
        bs58::decode(string(params, 0)?)
            .into_vec()
            .map_err(|_| RpcFault::invalid_params("transaction: not base58"))?
    };
    bincode::deserialize(&bytes).map_err(|e| RpcFault::invalid_params(format!("transaction: {e}")))
}

fn simulate(node: &mut Node, params: &Value) -> Result<Value, RpcFault> {
    let mut tx = transaction(params)?;
    let cfg = &params[1];
    let replace = cfg["replaceRecentBlockhash"].as_bool().unwrap_or(false);
    let verify = cfg["sigVerify"].as_bool().unwrap_or(false);
    if replace && verify {
        return Err(RpcFault::invalid_params(
            "sigVerify may not be used with replaceRecentBlockhash",
        ));
    }
    let (latest, last_valid) = node.latest_blockhash();
    if replace {
        tx.message.set_recent_blockhash(latest);
    } else if !node.blockhash_valid(tx.message.recent_blockhash()) {
        let err = serde_json::to_value(
            solana_transaction_status_client_types::UiTransactionError::from(
                solana_sdk::transaction::TransactionError::BlockhashNotFound,
            ),
        )
        .unwrap_or(Value::Null);
        return Ok(context(
            node,
            json!({ "err": err, "logs": [], "accounts": null,
                                        "unitsConsumed": 0, "returnData": null }),
        ));
    }
    let sim = node.simulate(&tx, verify);
    let err = match sim.result {
        Ok(()) => Value::Null,
        Err(e) => serde_json::to_value(
            solana_transaction_status_client_types::UiTransactionError::from(e),
        )
        .unwrap_or(Value::Null),
    };
    let replacement = replace.then(|| {
        json!({ "blockhash": latest.to_string(),
                                              "lastValidBlockHeight": last_valid })
    });
    Ok(context(
        node,
        json!({ "err": err, "logs": sim.logs, "accounts": null,
                             "unitsConsumed": sim.compute_units, "returnData": null,
                             "replacementBlockhash": replacement }),
    ))
}

fn program_accounts(node: &mut Node, params: &Value) -> Result<Value, RpcFault> {
    let program = pubkey(params, 0)?;
    let cfg = &params[1];
    let filters: Vec<RpcFilterType> = match cfg.get("filters") {
        Some(f) if !f.is_null() => serde_json::from_value(f.clone())
            .map_err(|e| RpcFault::invalid_params(format!("filters: {e}")))?,
        _ => Vec::new(),
    };
    let out: Vec<Value> = node
        .accounts_owned_by(&program)
        .into_iter()
        .filter(|(_, a)| filters.iter().all(|f| allows(f, &a.data)))
        .map(|(k, a)| json!({ "pubkey": k.to_string(), "account": ui_account(&a, cfg) }))
        .collect();
    if cfg["withContext"].as_bool() == Some(true) {
        Ok(context(node, Value::Array(out)))
    } else {
        Ok(Value::Array(out))
    }
}

/// Whether `data` passes a `getProgramAccounts`/`programSubscribe` filter.
pub fn allows(filter: &RpcFilterType, data: &[u8]) -> bool {
    match filter {
        RpcFilterType::DataSize(n) => data.len() as u64 == *n,
        RpcFilterType::Memcmp(m) => m.bytes_match(data),
        RpcFilterType::TokenAccountState => data.len() == 165,
    }
}

/// An account in the node's JSON: its data as base64 (honouring `dataSlice`), or base58
/// when the client asks for it.
pub fn ui_account(a: &Account, cfg: &Value) -> Value {
    let mut data: &[u8] = &a.data;
    if let (Some(offset), Some(length)) = (
        cfg["dataSlice"]["offset"].as_u64(),
        cfg["dataSlice"]["length"].as_u64(),
    ) {
        let start = (offset as usize).min(data.len());
        let end = start.saturating_add(length as usize).min(data.len());
        data = &data[start..end];
    }
    let encoded = if cfg["encoding"].as_str() == Some("base58") {
        json!([bs58::encode(data).into_string(), "base58"])
    } else {
        json!([
            base64::engine::general_purpose::STANDARD.encode(data),
            "base64"
        ])
    };
    json!({ "lamports": a.lamports, "data": encoded, "owner": a.owner.to_string(),
            "executable": a.executable, "rentEpoch": a.rent_epoch, "space": a.data.len() })
}
