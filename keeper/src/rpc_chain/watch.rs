//! Margin accounts watched over the node's websocket: one `programSubscribe` with the
//! margin-account filters, kept by a background task that reconnects with backoff. While it is
//! live the keeper reads changed accounts from it instead of polling; while it is down, and
//! once after each reconnection (notifications missed in the gap), the keeper polls
//! (`getMultipleAccounts`), and a full `getProgramAccounts` scan still runs every
//! `full_scan_every` cycles (a closed account leaves the filters without a notification).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use futures::StreamExt;
use solana_account_decoder_client_types::UiAccountEncoding;
use solana_commitment_config::CommitmentConfig;
use solana_pubsub_client::nonblocking::pubsub_client::PubsubClient;
use solana_rpc_client_api::config::{RpcAccountInfoConfig, RpcProgramAccountsConfig};

use super::margin_account_filters;

/// Changed accounts heard since the last drain: the slot and data of the latest of each.
type Heard = BTreeMap<Pubkey, (u64, Vec<u8>)>;

/// The websocket watch of every margin account.
pub struct AccountWatch {
    heard: Arc<Mutex<Heard>>,
    live: Arc<AtomicBool>,
    /// Counts subscriptions made: a new one means notifications may have been missed.
    subscriptions: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl AccountWatch {
    /// Starts watching through the websocket at `url` (reconnecting until dropped).
    pub fn start(url: String, commitment: CommitmentConfig) -> AccountWatch {
        let heard = Arc::new(Mutex::new(Heard::new()));
        let live = Arc::new(AtomicBool::new(false));
        let subscriptions = Arc::new(AtomicU64::new(0));
        let task = tokio::spawn(watch_loop(
            url,
            commitment,
            heard.clone(),
            live.clone(),
            subscriptions.clone(),
        ));
        AccountWatch {
            heard,
            live,
            subscriptions,
            task,
        }
    }

    /// Whether the subscription is up.
    pub fn live(&self) -> bool {
        self.live.load(Ordering::SeqCst)
    }

    /// Subscriptions made so far (1 after the first; more after reconnections).
    pub fn subscriptions(&self) -> u64 {
        self.subscriptions.load(Ordering::SeqCst)
    }

    /// The accounts heard since the last call, latest of each.
    pub fn drain(&self) -> Heard {
        std::mem::take(&mut *self.heard.lock().expect("watch lock"))
    }

    /// Waits up to `limit` for the subscription to be up; whether it is.
    pub async fn wait_live(&self, limit: Duration) -> bool {
        let until = tokio::time::Instant::now() + limit;
        while !self.live() && tokio::time::Instant::now() < until {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.live()
    }
}

impl Drop for AccountWatch {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The subscription's config: margin accounts, base64, at the keeper's commitment.
fn subscription_config(commitment: CommitmentConfig) -> RpcProgramAccountsConfig {
    RpcProgramAccountsConfig {
        filters: Some(margin_account_filters()),
        account_config: RpcAccountInfoConfig {
            encoding: Some(UiAccountEncoding::Base64),
            commitment: Some(commitment),
            ..RpcAccountInfoConfig::default()
        },
        ..RpcProgramAccountsConfig::default()
    }
}

/// Subscribes, records what it hears, and on any loss reconnects after a backoff (0.5 s,
/// doubling to 30 s).
async fn watch_loop(
    url: String,
    commitment: CommitmentConfig,
    heard: Arc<Mutex<Heard>>,
    live: Arc<AtomicBool>,
    subscriptions: Arc<AtomicU64>,
) {
    let mut backoff = Duration::from_millis(500);
    loop {
        match PubsubClient::new(url.as_str()).await {
            Ok(client) => {
                let config = subscription_config(commitment);
                match client.program_subscribe(&bulwark::ID, Some(config)).await {
                    Ok((mut stream, _unsubscribe)) => {
                        subscriptions.fetch_add(1, Ordering::SeqCst);
                        live.store(true, Ordering::SeqCst);
                        backoff = Duration::from_millis(500);
                        while let Some(update) = stream.next().await {
                            let (Ok(key), Some(data)) = (
                                update.value.pubkey.parse::<Pubkey>(),
                                update.value.account.data.decode(),
                            ) else {
                                continue;
                            };
                            let slot = update.context.slot;
                            heard.lock().expect("watch lock").insert(key, (slot, data));
                        }
                        tracing::warn!(%url, "account subscription ended; polling until it is back");
                    }
                    Err(e) => tracing::warn!(%url, error = %e, "programSubscribe refused; polling"),
                }
            }
            Err(e) => tracing::warn!(%url, error = %e, "websocket unreachable; polling"),
        }
        live.store(false, Ordering::SeqCst);
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(30));
    }
}

/// The websocket URL of an HTTP RPC URL, as the Solana CLI derives it: `http` becomes `ws`,
/// `https` becomes `wss`, and an explicit port goes up by one (8899 -> 8900).
pub fn websocket_url(http: &str) -> String {
    let (scheme, rest) = match http.split_once("://") {
        Some(("https", rest)) => ("wss", rest),
        Some((_, rest)) => ("ws", rest),
        None => ("ws", http),
    };
    let (host, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let host = match host.rsplit_once(':').map(|(n, p)| (n, p.parse::<u16>())) {
        Some((name, Ok(port))) => format!("{name}:{}", port.saturating_add(1)),
        _ => host.to_string(),
    };
    format!("{scheme}://{host}{path}")
}

#[cfg(test)]
mod tests {
    use super::websocket_url;

    #[test]
    fn the_websocket_url_follows_the_solana_cli_rule() {
        assert_eq!(
            websocket_url("http://127.0.0.1:8899"),
            "ws://127.0.0.1:8900"
        );
        assert_eq!(
            websocket_url("https://api.mainnet-beta.solana.com"),
            "wss://api.mainnet-beta.solana.com"
        );
        assert_eq!(
            websocket_url("https://rpc.example.com:443/key/abc"),
            "wss://rpc.example.com:444/key/abc"
        );
        assert_eq!(
            websocket_url("http://localhost:8899/"),
            "ws://localhost:8900/"
        );
    }
}
