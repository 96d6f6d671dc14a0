//! The local cluster's endpoints: JSON-RPC over HTTP, and the pubsub websocket
//! (`accountSubscribe`, `programSubscribe` (filters), `logsSubscribe`, `signatureSubscribe`,
//! `slotSubscribe` and their
//! unsubscribes) fed by the node's notices. Calls reach the node, which runs on its own
//! thread, through a channel.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};

use anchor_lang::prelude::Pubkey;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::routing::{any, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use solana_sdk::signature::Signature;
use tokio::sync::{broadcast, mpsc, oneshot};

use super::methods::{allows, ui_account};
use super::node::{Notice, RpcFault};
use solana_rpc_client_api::filter::RpcFilterType;

/// A call for the node thread: a method, its params, where to answer.
pub struct Call {
    pub method: String,
    pub params: Value,
    pub reply: oneshot::Sender<Result<Value, RpcFault>>,
}

/// What the endpoints share: the way to the node and its notices.
#[derive(Clone)]
pub struct Endpoints {
    pub calls: mpsc::Sender<Call>,
    pub notices: broadcast::Sender<Notice>,
}

impl Endpoints {
    /// Asks the node.
    pub async fn ask(&self, method: &str, params: Value) -> Result<Value, RpcFault> {
        let (reply, answer) = oneshot::channel();
        let call = Call {
            method: method.into(),
            params,
            reply,
        };
        let gone = || RpcFault {
            code: -32603,
            message: "the node stopped".into(),
            data: None,
        };
        self.calls.send(call).await.map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }
}

/// The HTTP JSON-RPC router (single calls and batches).
pub fn http(endpoints: Endpoints) -> Router {
    Router::new().route("/", post(rpc)).with_state(endpoints)
}

/// The websocket router.
pub fn websocket(endpoints: Endpoints) -> Router {
    Router::new().route("/", any(upgrade)).with_state(endpoints)
}

async fn rpc(State(e): State<Endpoints>, Json(body): Json<Value>) -> Json<Value> {
    match body {
        Value::Array(calls) => {
            let mut out = Vec::new();
            for c in calls {
                out.push(one(&e, c).await);
            }
            Json(Value::Array(out))
        }
        c => Json(one(&e, c).await),
    }
}

async fn one(e: &Endpoints, call: Value) -> Value {
    let id = call.get("id").cloned().unwrap_or(Value::Null);
    let Some(method) = call.get("method").and_then(Value::as_str) else {
        return reply(
            id,
            Err(RpcFault {
                code: -32600,
                message: "Invalid request".into(),
                data: None,
            }),
        );
    };
    let params = call.get("params").cloned().unwrap_or(json!([]));
    reply(id, e.ask(method, params).await)
}

fn reply(id: Value, result: Result<Value, RpcFault>) -> Value {
    match result {
        Ok(v) => json!({ "jsonrpc": "2.0", "result": v, "id": id }),
        Err(f) => {
            let mut error = json!({ "code": f.code, "message": f.message });
            if let Some(d) = f.data {
                error["data"] = d;
            }
            json!({ "jsonrpc": "2.0", "error": error, "id": id })
        }
    }
}

async fn upgrade(State(e): State<Endpoints>, ws: WebSocketUpgrade) -> axum::response::Response {
    ws.on_upgrade(move |socket| serve_socket(socket, e))
}

/// One subscription.
enum Sub {
    Account(Pubkey, Value),
    /// Accounts owned by the program that pass every filter, and the encoding config.
    Program(Pubkey, Vec<RpcFilterType>, Value),
    /// `None`: every transaction; else those naming the key.
    Logs(Option<Pubkey>),
    Signature(Signature),
    Slot,
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

async fn serve_socket(mut socket: WebSocket, e: Endpoints) {
    let mut notices = e.notices.subscribe();
    let mut subs: HashMap<u64, Sub> = HashMap::new();
    loop {
        tokio::select! {
            msg = socket.recv() => {
                let Some(Ok(msg)) = msg else { return };
                let Message::Text(text) = msg else { continue };
                let Ok(call) = serde_json::from_str::<Value>(&text) else { continue };
                for out in request(&e, &mut subs, call).await {
                    if socket.send(Message::Text(out.to_string().into())).await.is_err() {
                        return;
                    }
                }
            }
            notice = notices.recv() => {
                let notice = match notice {
                    Ok(n) => n,
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(_) => return,
                };
                for out in notify(&mut subs, &notice) {
                    if socket.send(Message::Text(out.to_string().into())).await.is_err() {
                        return;
                    }
                }
            }
        }
    }
}

/// A subscribe/unsubscribe request: the answer, and a notification at once for a signature
/// that has already landed.
async fn request(e: &Endpoints, subs: &mut HashMap<u64, Sub>, call: Value) -> Vec<Value> {
    let id = call.get("id").cloned().unwrap_or(Value::Null);
    let method = call["method"].as_str().unwrap_or_default().to_string();
    let params = call.get("params").cloned().unwrap_or(json!([]));
    if method.ends_with("Unsubscribe") {
        let removed = params[0].as_u64().and_then(|n| subs.remove(&n)).is_some();
        return vec![reply(id, Ok(json!(removed)))];
    }
    let sub = match parse_sub(&method, &params) {
        Ok(s) => s,
        Err(f) => return vec![reply(id, Err(f))],
    };
    let n = NEXT_ID.fetch_add(1, Ordering::SeqCst);
    let mut out = vec![reply(id, Ok(json!(n)))];
    if let Sub::Signature(sig) = &sub {
        let status = e
            .ask("getSignatureStatuses", json!([[sig.to_string()]]))
            .await;
        if let Ok(v) = status {
            let s = &v["value"][0];
            if !s.is_null() {
                out.push(notification(
                    "signatureNotification",
                    n,
                    s["slot"].as_u64().unwrap_or(0),
                    json!({ "err": s["err"] }),
                ));
                return out;
            }
        }
    }
    subs.insert(n, sub);
    out
}

fn parse_sub(method: &str, params: &Value) -> Result<Sub, RpcFault> {
    let key = |v: &Value| {
        Pubkey::from_str(v.as_str().unwrap_or_default())
            .map_err(|_| RpcFault::invalid_params("not a base58 address"))
    };
    match method {
        "accountSubscribe" => Ok(Sub::Account(key(&params[0])?, params[1].clone())),
        "programSubscribe" => {
            let filters = match params[1].get("filters") {
                Some(f) if !f.is_null() => serde_json::from_value(f.clone())
                    .map_err(|e| RpcFault::invalid_params(format!("filters: {e}")))?,
                _ => Vec::new(),
            };
            Ok(Sub::Program(key(&params[0])?, filters, params[1].clone()))
        }
        "logsSubscribe" => match &params[0] {
            Value::String(s) if s == "all" || s == "allWithVotes" => Ok(Sub::Logs(None)),
            v => Ok(Sub::Logs(Some(key(&v["mentions"][0])?))),
        },
        "signatureSubscribe" => Signature::from_str(params[0].as_str().unwrap_or_default())
            .map(Sub::Signature)
            .map_err(|_| RpcFault::invalid_params("not a base58 signature")),
        "slotSubscribe" => Ok(Sub::Slot),
        other => Err(RpcFault {
            code: -32601,
            message: format!("Method not found: {other}"),
            data: None,
        }),
    }
}

fn notification(method: &str, sub: u64, slot: u64, value: Value) -> Value {
    json!({ "jsonrpc": "2.0", "method": method, "params": {
        "result": { "context": { "slot": slot }, "value": value }, "subscription": sub } })
}

/// The notifications `notice` makes for these subscriptions (a landed signature's
/// subscription ends with its notification).
fn notify(subs: &mut HashMap<u64, Sub>, notice: &Notice) -> Vec<Value> {
    let mut out = Vec::new();
    let mut done = Vec::new();
    for (&n, sub) in subs.iter() {
        match (sub, notice) {
            (Sub::Slot, Notice::Slot(slot)) => out.push(json!({ "jsonrpc": "2.0",
                "method": "slotNotification", "params": { "result": { "slot": slot,
                "parent": slot.saturating_sub(1), "root": slot }, "subscription": n } })),
            (Sub::Account(k, cfg), Notice::Account { key, account, slot }) if k == key => out.push(
                notification("accountNotification", n, *slot, ui_account(account, cfg)),
            ),
            (Sub::Program(owner, filters, cfg), Notice::Account { key, account, slot })
                if account.owner == *owner && filters.iter().all(|f| allows(f, &account.data)) =>
            {
                out.push(notification(
                    "programNotification",
                    n,
                    *slot,
                    json!({ "pubkey": key.to_string(), "account": ui_account(account, cfg) }),
                ))
            }
            (
                Sub::Logs(m),
                Notice::Transaction {
                    signature,
                    slot,
                    err,
                    logs,
                    keys,
                },
            ) if m.is_none_or(|k| keys.contains(&k)) => out.push(notification(
                "logsNotification",
                n,
                *slot,
                json!({
                    "signature": signature.to_string(), "err": err, "logs": logs }),
            )),
            (
                Sub::Signature(s),
                Notice::Transaction {
                    signature,
                    slot,
                    err,
                    ..
                },
            ) if s == signature => {
                out.push(notification(
                    "signatureNotification",
                    n,
                    *slot,
                    json!({ "err": err }),
                ));
                done.push(n);
            }
            _ => {}
        }
    }
    for n in done {
        subs.remove(&n);
    }
    out
}
