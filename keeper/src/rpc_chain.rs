//! The keeper core's chain over Solana JSON-RPC: margin accounts found with
//! `getProgramAccounts` (discriminator and size filters) and refreshed incrementally, compute
//! limits from simulation, priority fees from a policy, legacy transactions where they fit and
//! v0 with address lookup tables where they do not, transport failures retried with backoff and
//! program refusals returned at once (never retried blindly).

use std::collections::BTreeMap;
use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::Discriminator;
use bulwark::state::{Exchange, LiquidityPool, MarginAccount, Market};
use solana_account_decoder_client_types::UiAccountEncoding;
use solana_commitment_config::CommitmentConfig;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_rpc_client_api::config::{
    RpcAccountInfoConfig, RpcProgramAccountsConfig, RpcSimulateTransactionConfig,
};
use solana_rpc_client_api::filter::{Memcmp, RpcFilterType};
use solana_sdk::hash::Hash;
use solana_sdk::message::AddressLookupTableAccount;
use solana_sdk::signature::{Keypair, Signer};
use solana_sdk::transaction::VersionedTransaction;

use crate::chain_error::ChainError;
pub use crate::rpc_failure::{client_failure, is_program_refusal};
use bulwark_sdk::{accounts, pda};

pub use crate::packing::{MAX_ACCOUNT_LOCKS, MAX_COMPUTE_UNITS, MAX_TRANSACTION_BYTES};

mod transaction;
pub mod watch;
mod wave;

#[cfg(test)]
use transaction::serialized_len;
pub use transaction::{
    compile, compute_unit_limit, distinct_limit, locked_accounts, lookup_table_addresses,
    with_compute_budget,
};

pub use watch::{websocket_url, AccountWatch};
/// Bytes before the first address in an address lookup table account.
const LOOKUP_TABLE_META_BYTES: usize = 56;

/// How the keeper prices its transactions' priority, micro-lamports per compute unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PriorityFee {
    /// Always this price.
    Fixed(u64),
    /// The `percentile` (0–100) of recent fees paid on the accounts written, capped at `max`.
    Percentile { percentile: u8, max: u64 },
}

impl PriorityFee {
    /// The price for recent fees `recent` (any order): for `Percentile`, the value at that rank
    /// rounded up (so the keeper outbids rather than ties), 0 with no history, capped at `max`.
    pub fn price(&self, recent: &[u64]) -> u64 {
        match *self {
            PriorityFee::Fixed(p) => p,
            PriorityFee::Percentile { percentile, max } => {
                if recent.is_empty() {
                    return 0;
                }
                let mut v = recent.to_vec();
                v.sort_unstable();
                let pct = percentile.min(100) as usize;
                let rank = (pct * (v.len() - 1)).div_ceil(100);
                v[rank].min(max)
            }
        }
    }

    /// The price for a transaction signed again after its blockhash expired without it
    /// landing (congestion outbid it): `Fixed` stays; `Percentile` doubles, from at least
    /// 1,000 micro-lamports a unit, capped at `max`.
    pub fn escalate(&self, price: u64) -> u64 {
        match *self {
            PriorityFee::Fixed(p) => p,
            PriorityFee::Percentile { max, .. } => price.saturating_mul(2).max(1_000).min(max),
        }
    }
}

/// Settings of the RPC chain.
#[derive(Clone, Debug)]
pub struct RpcSettings {
    pub commitment: CommitmentConfig,
    /// Simulate only; nothing is sent.
    pub dry_run: bool,
    /// Extra attempts after a transport failure.
    pub max_retries: u32,
    /// First backoff; doubles with each retry.
    pub backoff: Duration,
    /// Headroom over the simulated compute units, percent.
    pub compute_margin_pct: u32,
    /// Compute limit used when simulation reports no units.
    pub default_compute_units: u32,
    pub priority_fee: PriorityFee,
    /// Address lookup tables offered to v0 transactions.
    pub lookup_tables: Vec<Pubkey>,
    /// A full `getProgramAccounts` scan every this many cycles; in between, known accounts
    /// are refreshed with `getMultipleAccounts`.
    pub full_scan_every: u32,
    /// How long a wave of transactions in flight waits between status polls.
    pub confirm_poll: Duration,
    /// How long one signing of a transaction in flight may wait for an outcome (a blockhash
    /// lives about 60 to 90 s): a wave gives up on a transaction after this times
    /// `1 + max_retries`, even when the node cannot say whether its blockhash expired.
    pub signing_lifetime: Duration,
}

impl Default for RpcSettings {
    fn default() -> Self {
        RpcSettings {
            commitment: CommitmentConfig::confirmed(),
            dry_run: false,
            max_retries: 3,
            backoff: Duration::from_millis(500),
            compute_margin_pct: 20,
            default_compute_units: 400_000,
            priority_fee: PriorityFee::Percentile {
                percentile: 75,
                max: 1_000_000,
            },
            lookup_tables: Vec::new(),
            full_scan_every: 10,
            confirm_poll: Duration::from_millis(200),
            signing_lifetime: Duration::from_secs(90),
        }
    }
}

/// The `getProgramAccounts` filters that select margin accounts: exact size and discriminator.
pub fn margin_account_filters() -> Vec<RpcFilterType> {
    vec![
        RpcFilterType::DataSize(MarginAccount::SPACE as u64),
        RpcFilterType::Memcmp(Memcmp::new_raw_bytes(
            0,
            MarginAccount::DISCRIMINATOR.to_vec(),
        )),
    ]
}

/// The keeper's chain over JSON-RPC.
pub struct RpcChain {
    pub client: RpcClient,
    pub payer: Keypair,
    pub settings: RpcSettings,
    tables: Vec<AddressLookupTableAccount>,
    known: BTreeMap<Pubkey, MarginAccount>,
    /// The slot each known account was read at (a lower bound for a full scan's): what the
    /// watch heard from an earlier slot is older than what the keeper holds and is dropped.
    read_at: BTreeMap<Pubkey, u64>,
    cycles: u32,
    scanned_this_cycle: bool,
    /// Transactions simulated but, in dry-run mode, not sent.
    pub dry_run_simulated: u32,
    /// Counts transactions so two identical stages in one blockhash window get distinct
    /// signatures (the limit drops by `sent % 64` units, well inside the margin).
    sent: u32,
    /// The signature of the last transaction that landed.
    pub last_signature: Option<solana_sdk::signature::Signature>,
    /// The websocket watch of margin accounts, when started (`watch_accounts`).
    watch: Option<AccountWatch>,
    /// The watch's subscription count when the keeper last polled after a (re)subscription.
    reconciled: u64,
    /// How the margin accounts were read.
    pub reads: AccountReads,
    /// The latest slot a transaction of a wave landed in: margin accounts are read from a
    /// node at least that far along (`minContextSlot`), never from one that has not seen it.
    landed_slot: u64,
}

/// How the chain read margin accounts, counted per `margin_accounts` call.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AccountReads {
    /// Full `getProgramAccounts` scans.
    pub full_scans: u64,
    /// Polls of the known accounts (`getMultipleAccounts`).
    pub polls: u64,
    /// Reads served by the websocket watch.
    pub watched: u64,
    /// Accounts the watch delivered.
    pub heard: u64,
}

impl RpcChain {
    /// A chain over `client`, paying and signing with `payer`.
    pub fn new(client: RpcClient, payer: Keypair, settings: RpcSettings) -> RpcChain {
        RpcChain {
            client,
            payer,
            settings,
            tables: Vec::new(),
            known: BTreeMap::new(),
            read_at: BTreeMap::new(),
            cycles: 0,
            scanned_this_cycle: false,
            dry_run_simulated: 0,
            sent: 0,
            last_signature: None,
            watch: None,
            reconciled: 0,
            reads: AccountReads::default(),
            landed_slot: 0,
        }
    }

    /// Watches margin accounts through the websocket at `url` (`websocket_url` of the RPC
    /// URL for a usual node): changed accounts come from the subscription while it is live,
    /// and polling covers any time it is not.
    pub fn watch_accounts(&mut self, url: String) {
        self.watch = Some(AccountWatch::start(url, self.settings.commitment));
    }

    /// The watch, when started.
    pub fn watch(&self) -> Option<&AccountWatch> {
        self.watch.as_ref()
    }

    /// Applies what the watch heard to the known accounts; false (nothing applied) when there
    /// is no live watch, or it subscribed again since the last poll (it may have missed some).
    fn apply_watched(&mut self) -> bool {
        let Some(watch) = &self.watch else {
            return false;
        };
        // Live first, then the count: a reconnection between the two reads shows as a new
        // count, never as a live watch with the old one.
        let live = watch.live();
        let subscriptions = watch.subscriptions();
        if !live || subscriptions != self.reconciled {
            self.reconciled = subscriptions;
            return false;
        }
        for (key, (slot, data)) in watch.drain() {
            if self.read_at.get(&key).is_some_and(|read| slot < *read) {
                continue;
            }
            self.reads.heard += 1;
            self.hold(key, accounts::margin_account(&data).ok(), slot);
        }
        true
    }

    /// Holds `account` (`None`: closed, or not a margin account) as read at `slot`.
    fn hold(&mut self, key: Pubkey, account: Option<MarginAccount>, slot: u64) {
        match account {
            Some(m) => {
                self.known.insert(key, m);
                self.read_at.insert(key, slot);
            }
            None => {
                self.known.remove(&key);
                self.read_at.remove(&key);
            }
        }
    }

    /// Loads the configured address lookup tables.
    pub async fn load_lookup_tables(&mut self) -> Result<(), ChainError> {
        let mut tables = Vec::new();
        for key in self.settings.lookup_tables.clone() {
            let data = self
                .data(&key)
                .await?
                .ok_or_else(|| ChainError::Account(format!("lookup table {key} not found")))?;
            let addresses = lookup_table_addresses(&data)
                .map_err(|e| ChainError::Account(format!("lookup table {key}: {e}")))?;
            tables.push(AddressLookupTableAccount { key, addresses });
        }
        self.tables = tables;
        Ok(())
    }

    async fn data(&self, key: &Pubkey) -> Result<Option<Vec<u8>>, ChainError> {
        self.client
            .get_account_with_commitment(key, self.settings.commitment)
            .await
            .map(|r| r.value.map(|a| a.data))
            .map_err(|e| client_failure(&e))
    }

    async fn decoded<T>(
        &self,
        key: &Pubkey,
        decode: fn(&[u8]) -> Result<T, accounts::AccountDecodeError>,
    ) -> Result<T, ChainError> {
        let data = self
            .data(key)
            .await?
            .ok_or_else(|| ChainError::Account(format!("{key} not found")))?;
        decode(&data).map_err(|e| ChainError::Account(format!("{key}: {e}")))
    }

    async fn full_scan(&mut self) -> Result<(), ChainError> {
        // The slot before the scan: a lower bound for what it reads.
        let slot = self
            .client
            .get_slot_with_commitment(self.settings.commitment)
            .await
            .map_err(|e| client_failure(&e))?;
        #[allow(deprecated)]
        let found = self
            .client
            .get_program_accounts_with_config(
                &bulwark::ID,
                RpcProgramAccountsConfig {
                    filters: Some(margin_account_filters()),
                    account_config: RpcAccountInfoConfig {
                        encoding: Some(UiAccountEncoding::Base64),
                        commitment: Some(self.settings.commitment),
                        ..RpcAccountInfoConfig::default()
                    },
                    ..RpcProgramAccountsConfig::default()
                },
            )
            .await
            .map_err(|e| client_failure(&e))?;
        self.known = found
            .into_iter()
            .filter_map(|(k, a)| accounts::margin_account(&a.data).ok().map(|m| (k, m)))
            .collect();
        self.read_at = self.known.keys().map(|k| (*k, slot)).collect();
        Ok(())
    }

    async fn refresh_known(&mut self) -> Result<(), ChainError> {
        let keys: Vec<Pubkey> = self.known.keys().copied().collect();
        self.read_margin_accounts(&keys).await.map(|_| ())
    }

    /// Reads `keys` with `getMultipleAccounts` (100 a call), keeping `known` up to date;
    /// each one's margin account, `None` when closed or not one.
    async fn read_margin_accounts(
        &mut self,
        keys: &[Pubkey],
    ) -> Result<Vec<Option<MarginAccount>>, ChainError> {
        let mut out = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(100) {
            let config = RpcAccountInfoConfig {
                encoding: Some(UiAccountEncoding::Base64),
                commitment: Some(self.settings.commitment),
                min_context_slot: (self.landed_slot > 0).then_some(self.landed_slot),
                ..RpcAccountInfoConfig::default()
            };
            #[allow(deprecated)]
            let got = self
                .client
                .get_multiple_accounts_with_config(chunk, config)
                .await
                .map_err(|e| client_failure(&e))?;
            let slot = got.context.slot;
            for (k, a) in chunk.iter().zip(got.value) {
                let m = a.and_then(|a| accounts::margin_account(&a.data).ok());
                self.hold(*k, m, slot);
                out.push(m);
            }
        }
        Ok(out)
    }

    /// Whether `ixs` fit one transaction as this chain compiles them (legacy, or v0 with its
    /// lookup tables), compute-budget instructions included, within the account-lock limit.
    pub fn fits_transaction(&self, ixs: &[Instruction]) -> bool {
        let all = with_compute_budget(MAX_COMPUTE_UNITS, u64::MAX, ixs);
        compile(&self.payer, &all, &self.tables, Hash::default())
            .is_ok_and(|tx| locked_accounts(&tx.message) <= MAX_ACCOUNT_LOCKS)
    }

    /// Simulates `ixs` (with a ceiling compute limit and the fee) and returns the units used,
    /// or the failure, typed (a program refusal by its error code).
    async fn simulate(&self, ixs: &[Instruction], price: u64) -> Result<Option<u64>, ChainError> {
        let all = with_compute_budget(MAX_COMPUTE_UNITS, price, ixs);
        let tx = compile(&self.payer, &all, &self.tables, Hash::default())
            .map_err(ChainError::Transaction)?;
        let sim = self
            .client
            .simulate_transaction_with_config(
                &tx,
                RpcSimulateTransactionConfig {
                    sig_verify: false,
                    replace_recent_blockhash: true,
                    commitment: Some(self.settings.commitment),
                    ..RpcSimulateTransactionConfig::default()
                },
            )
            .await
            .map_err(|e| client_failure(&e))?
            .value;
        match sim.err {
            Some(err) => Err(ChainError::from_transaction(&err.into())),
            None => Ok(sim.units_consumed),
        }
    }

    async fn priority_price(&self, ixs: &[Instruction]) -> u64 {
        if let PriorityFee::Fixed(p) = self.settings.priority_fee {
            return p;
        }
        let mut writable: Vec<Pubkey> = ixs
            .iter()
            .flat_map(|ix| {
                ix.accounts
                    .iter()
                    .filter(|a| a.is_writable)
                    .map(|a| a.pubkey)
            })
            .collect();
        writable.sort();
        writable.dedup();
        writable.truncate(128);
        let recent: Vec<u64> = match self.client.get_recent_prioritization_fees(&writable).await {
            Ok(fees) => fees.into_iter().map(|f| f.prioritization_fee).collect(),
            Err(e) => {
                tracing::warn!(error = %e, "priority fees unavailable; paying none");
                Vec::new()
            }
        };
        self.settings.priority_fee.price(&recent)
    }
}

impl crate::cycle::KeeperChain for RpcChain {
    fn begin_cycle(&mut self) {
        if self.scanned_this_cycle {
            self.cycles = self.cycles.wrapping_add(1);
        }
        self.scanned_this_cycle = false;
    }

    async fn clock(&mut self) -> Result<(u64, i64), ChainError> {
        let data = self
            .data(&<anchor_lang::solana_program::clock::Clock as anchor_lang::solana_program::sysvar::SysvarId>::id())
            .await?
            .ok_or_else(|| ChainError::Account("clock sysvar missing".into()))?;
        // Clock: slot u64, epoch_start_timestamp i64, epoch u64, leader_schedule_epoch u64,
        // unix_timestamp i64, little-endian.
        if data.len() < 40 {
            return Err(ChainError::Account("clock sysvar too short".into()));
        }
        let slot = u64::from_le_bytes(data[0..8].try_into().expect("8 bytes"));
        let now = i64::from_le_bytes(data[32..40].try_into().expect("8 bytes"));
        Ok((slot, now))
    }

    async fn exchange(&mut self) -> Result<Exchange, ChainError> {
        self.decoded(&pda::exchange().0, accounts::exchange).await
    }

    async fn market(&mut self, index: u16) -> Result<Market, ChainError> {
        self.decoded(&pda::market(index).0, accounts::market).await
    }

    async fn margin_accounts(&mut self) -> Result<Vec<(Pubkey, MarginAccount)>, ChainError> {
        // The first call of a cycle reads the chain: a full scan every `full_scan_every`
        // cycles; otherwise, and on later calls in the cycle, what the live watch heard, or a
        // poll of the known accounts when it is not live.
        let every = self.settings.full_scan_every.max(1);
        if !self.scanned_this_cycle && self.cycles.is_multiple_of(every) {
            // What the watch heard before the scan is older than the scan.
            if let Some(w) = &self.watch {
                w.drain();
            }
            self.full_scan().await?;
            self.reads.full_scans += 1;
        } else if self.apply_watched() {
            self.reads.watched += 1;
        } else {
            self.refresh_known().await?;
            self.reads.polls += 1;
        }
        self.scanned_this_cycle = true;
        Ok(self.known.iter().map(|(k, m)| (*k, *m)).collect())
    }

    async fn margin_account(&mut self, key: &Pubkey) -> Result<Option<MarginAccount>, ChainError> {
        Ok(self.read_margin_accounts(&[*key]).await?.remove(0))
    }

    async fn insurance_fund(
        &mut self,
        pool: u16,
    ) -> Result<bulwark::state::InsuranceFund, ChainError> {
        self.decoded(&pda::insurance_fund(pool).0, accounts::insurance_fund)
            .await
    }

    async fn pool(&mut self, pool: u16) -> Result<LiquidityPool, ChainError> {
        self.decoded(&pda::pool(pool).0, accounts::pool).await
    }

    async fn send(&mut self, ixs: &[Instruction]) -> Result<(), ChainError> {
        let price = self.priority_price(ixs).await;
        let units = self.simulate(ixs, price).await?;
        self.sent = self.sent.wrapping_add(1);
        let limit = distinct_limit(compute_unit_limit(units, &self.settings), units, self.sent);
        if self.settings.dry_run {
            self.dry_run_simulated += 1;
            tracing::info!(
                instructions = ixs.len(),
                compute_limit = limit,
                price,
                "dry run: simulated, not sent"
            );
            return Ok(());
        }
        let all = with_compute_budget(limit, price, ixs);
        let mut wait = self.settings.backoff;
        let mut attempt = 0;
        // Signed once and resent as is: the same signature cannot land twice. A new one is
        // signed only when the pending one's blockhash expired without it landing.
        let mut pending: Option<VersionedTransaction> = None;
        loop {
            let failure = match &pending {
                Some(tx) => match self.client.send_and_confirm_transaction(tx).await {
                    Ok(signature) => {
                        self.last_signature = Some(signature);
                        return Ok(());
                    }
                    Err(e) if is_program_refusal(&e) => return Err(client_failure(&e)),
                    Err(e) => {
                        // The connection may have dropped after the node took it: ask.
                        if let Ok(Some(status)) =
                            self.client.get_signature_status(&tx.signatures[0]).await
                        {
                            self.last_signature = status.is_ok().then_some(tx.signatures[0]);
                            return status.map_err(|te| ChainError::from_transaction(&te));
                        }
                        if matches!(
                            e.get_transaction_error(),
                            Some(solana_sdk::transaction::TransactionError::BlockhashNotFound)
                        ) {
                            pending = None;
                        }
                        e.to_string()
                    }
                },
                None => match self.client.get_latest_blockhash().await {
                    Ok(blockhash) => {
                        let tx = compile(&self.payer, &all, &self.tables, blockhash)
                            .map_err(ChainError::Transaction)?;
                        pending = Some(tx);
                        continue;
                    }
                    Err(e) => e.to_string(),
                },
            };
            if attempt >= self.settings.max_retries {
                let attempts = attempt + 1;
                let why = format!("gave up after {attempts} attempts: {failure}");
                return Err(ChainError::Transport(why));
            }
            tracing::warn!(error = %failure, attempt, ?wait, "transport failure; retrying");
            tokio::time::sleep(wait).await;
            wait = wait.saturating_mul(2);
            attempt += 1;
        }
    }

    fn keeper(&self) -> Pubkey {
        self.payer.pubkey()
    }

    async fn send_wave(
        &mut self,
        transactions: &[Vec<Instruction>],
    ) -> Vec<Result<(), ChainError>> {
        self.send_wave_rpc(transactions).await
    }

    fn fits(&self, ixs: &[Instruction]) -> bool {
        self.fits_transaction(ixs)
    }

    async fn margin_accounts_now(
        &mut self,
        keys: &[Pubkey],
    ) -> Result<Vec<Option<MarginAccount>>, ChainError> {
        self.read_margin_accounts(keys).await
    }
}

#[cfg(test)]
mod tests;
