//! Several transactions in flight at once over JSON-RPC. Each is priced and simulated (all at
//! once; a refusal ends it there, named by its program error, and nothing is sent), signed,
//! and sent without waiting; their statuses are then polled together
//! (`getSignatureStatuses`) until each reaches the chain's commitment. A transaction that has
//! not landed is rebroadcast as signed (the same signature cannot land twice); only once its
//! blockhash has expired (the block height passed its last valid height) is it simulated again
//! and signed afresh, with its priority price raised (`PriorityFee::escalate`), at most
//! `max_retries` times; a transaction with no outcome after `signing_lifetime` times
//! `1 + max_retries` is reported.

use anchor_lang::solana_program::instruction::Instruction;
use solana_rpc_client_api::config::RpcSendTransactionConfig;
use solana_sdk::signature::Signature;
use solana_sdk::transaction::VersionedTransaction;

use super::with_compute_budget;
use super::RpcChain;
use super::{client_failure, compile, compute_unit_limit, distinct_limit, is_program_refusal};
use crate::chain_error::ChainError;

/// Polls between rebroadcasts of a transaction still without a status.
const POLLS_PER_REBROADCAST: u32 = 5;
/// Most signatures one `getSignatureStatuses` call takes.
const STATUS_BATCH: usize = 256;

/// A transaction of the wave on its way.
struct Flight {
    /// Its place in the wave.
    index: usize,
    /// The caller's instructions.
    ixs: Vec<Instruction>,
    limit: u32,
    price: u64,
    /// Signed, with the last block height its blockhash is valid for.
    signed: Option<(VersionedTransaction, u64)>,
    /// Times signed.
    signings: u32,
    /// The poll it was last broadcast at (`None`: not since it was signed).
    broadcast_at: Option<u32>,
}

impl Flight {
    fn signature(&self) -> Option<Signature> {
        self.signed.as_ref().map(|(tx, _)| tx.signatures[0])
    }
}

impl RpcChain {
    /// `send_wave`: every transaction priced and simulated, then all in flight at once.
    pub(super) async fn send_wave_rpc(
        &mut self,
        transactions: &[Vec<Instruction>],
    ) -> Vec<Result<(), ChainError>> {
        let mut out: Vec<Result<(), ChainError>> = vec![Ok(()); transactions.len()];
        let prepared = futures::future::join_all(transactions.iter().map(|ixs| async {
            let price = self.priority_price(ixs).await;
            (price, self.simulate(ixs, price).await)
        }))
        .await;
        let mut flights = Vec::new();
        for (index, (ixs, (price, simulated))) in transactions.iter().zip(prepared).enumerate() {
            match simulated {
                Err(e) => out[index] = Err(e),
                Ok(_) if self.settings.dry_run => self.dry_run_simulated += 1,
                Ok(units) => {
                    self.sent = self.sent.wrapping_add(1);
                    let limit = compute_unit_limit(units, &self.settings);
                    flights.push(Flight {
                        index,
                        ixs: ixs.clone(),
                        limit: distinct_limit(limit, units, self.sent),
                        price,
                        signed: None,
                        signings: 0,
                        broadcast_at: None,
                    });
                }
            }
        }
        self.fly(flights, &mut out).await;
        out
    }

    /// Signs, sends and tracks `flights` until each has an outcome in `out`.
    async fn fly(&mut self, mut flights: Vec<Flight>, out: &mut [Result<(), ChainError>]) {
        let mut polls = 0u32;
        let limit = self.settings.signing_lifetime * (1 + self.settings.max_retries);
        let deadline = tokio::time::Instant::now() + limit;
        while !flights.is_empty() {
            if tokio::time::Instant::now() >= deadline {
                for f in flights.drain(..) {
                    let why = format!("no outcome within {} s", limit.as_secs());
                    out[f.index] = Err(ChainError::Transport(why));
                }
                break;
            }
            self.resimulate_expired(&mut flights, out).await;
            if let Err(e) = self.sign_unsigned(&mut flights).await {
                flights.retain(|f| {
                    if f.signed.is_none() {
                        out[f.index] = Err(e.clone());
                    }
                    f.signed.is_some()
                });
            }
            self.broadcast(&mut flights, polls, out).await;
            if let Err(e) = self.settle(&mut flights, out).await {
                tracing::warn!(error = %e, "signature statuses unavailable; polling again");
            }
            if flights.is_empty() {
                break;
            }
            polls += 1;
            tokio::time::sleep(self.settings.confirm_poll).await;
        }
    }

    /// Simulates again, at the raised price, every flight whose blockhash expired: the chain
    /// has moved since it was planned, and one the program now refuses ends here (named by
    /// its error) instead of failing on chain at a higher fee.
    async fn resimulate_expired(
        &mut self,
        flights: &mut Vec<Flight>,
        out: &mut [Result<(), ChainError>],
    ) {
        let mut refused = Vec::new();
        for (i, f) in flights.iter_mut().enumerate() {
            if f.signed.is_some() || f.signings == 0 {
                continue;
            }
            f.price = self.settings.priority_fee.escalate(f.price);
            match self.simulate(&f.ixs, f.price).await {
                Err(e @ ChainError::Program { .. }) => refused.push((i, e)),
                // Unknown (transport): signed again as planned; the chain will judge it.
                _ => {}
            }
        }
        for (i, e) in refused.into_iter().rev() {
            out[flights.remove(i).index] = Err(e);
        }
    }

    /// Signs every flight without a signature on the latest blockhash (their prices raised
    /// already by `resimulate_expired` when signed before).
    async fn sign_unsigned(&mut self, flights: &mut Vec<Flight>) -> Result<(), ChainError> {
        if flights.iter().all(|f| f.signed.is_some()) {
            return Ok(());
        }
        let (blockhash, last_valid) = self.latest_blockhash().await?;
        for f in flights.iter_mut().filter(|f| f.signed.is_none()) {
            f.signings += 1;
            f.broadcast_at = None;
            let tx = compile(
                &self.payer,
                &with_compute_budget(f.limit, f.price, &f.ixs),
                &self.tables,
                blockhash,
            )
            .map_err(ChainError::Transaction)?;
            f.signed = Some((tx, last_valid));
        }
        Ok(())
    }

    /// The latest blockhash and its last valid block height, retried with backoff.
    async fn latest_blockhash(&self) -> Result<(solana_sdk::hash::Hash, u64), ChainError> {
        let mut wait = self.settings.backoff;
        let mut attempt = 0;
        loop {
            match self
                .client
                .get_latest_blockhash_with_commitment(self.settings.commitment)
                .await
            {
                Ok(got) => return Ok(got),
                Err(e) if attempt >= self.settings.max_retries => {
                    return Err(ChainError::Transport(format!(
                        "no blockhash after {} attempts: {e}",
                        attempt + 1
                    )))
                }
                Err(e) => tracing::warn!(error = %e, attempt, "no blockhash; retrying"),
            }
            tokio::time::sleep(wait).await;
            wait = wait.saturating_mul(2);
            attempt += 1;
        }
    }

    /// Sends at once every flight signed since its last broadcast or not broadcast for
    /// `POLLS_PER_REBROADCAST` polls (skipping preflight: each was simulated). A refusal at
    /// send ends that flight; a transport failure leaves it to the next broadcast.
    async fn broadcast(
        &mut self,
        flights: &mut Vec<Flight>,
        poll: u32,
        out: &mut [Result<(), ChainError>],
    ) {
        let config = RpcSendTransactionConfig {
            skip_preflight: true,
            preflight_commitment: Some(self.settings.commitment.commitment),
            max_retries: Some(0),
            ..RpcSendTransactionConfig::default()
        };
        let due = |f: &Flight| {
            f.broadcast_at
                .is_none_or(|at| poll.saturating_sub(at) >= POLLS_PER_REBROADCAST)
        };
        let client = &self.client;
        let sent = futures::future::join_all(flights.iter().map(|f| async move {
            match &f.signed {
                Some((tx, _)) if due(f) => {
                    Some(client.send_transaction_with_config(tx, config).await)
                }
                _ => None,
            }
        }))
        .await;
        for (f, result) in flights.iter_mut().zip(&sent) {
            if result.is_some() {
                f.broadcast_at = Some(poll);
            }
        }
        let mut refused = Vec::new();
        for (i, result) in sent.into_iter().enumerate() {
            match result {
                Some(Err(e)) if is_program_refusal(&e) => refused.push((i, client_failure(&e))),
                Some(Err(e)) => tracing::warn!(error = %e, "send failed; rebroadcasting later"),
                _ => {}
            }
        }
        for (i, e) in refused.into_iter().rev() {
            out[flights.remove(i).index] = Err(e);
        }
    }

    /// Reads the flights' statuses: a status at the commitment ends a flight (landed, or
    /// failed as the chain says); a flight whose blockhash expired without one is signed
    /// afresh, or fails once it has been signed `1 + max_retries` times.
    async fn settle(
        &mut self,
        flights: &mut Vec<Flight>,
        out: &mut [Result<(), ChainError>],
    ) -> Result<(), ChainError> {
        let signed: Vec<usize> = (0..flights.len())
            .filter(|i| flights[*i].signed.is_some())
            .collect();
        let signatures: Vec<Signature> = signed
            .iter()
            .filter_map(|i| flights[*i].signature())
            .collect();
        let mut statuses = Vec::with_capacity(signatures.len());
        for chunk in signatures.chunks(STATUS_BATCH) {
            let got = self
                .client
                .get_signature_statuses(chunk)
                .await
                .map_err(|e| client_failure(&e))?;
            statuses.extend(got.value);
        }
        // Without a block height nothing is judged expired: the flights are rebroadcast.
        let height = self.client.get_block_height().await.ok();
        let commitment = self.settings.commitment;
        let mut done = Vec::new();
        for (&i, status) in signed.iter().zip(statuses) {
            let f = &mut flights[i];
            match status {
                Some(s) if s.satisfies_commitment(commitment) => {
                    if s.status.is_ok() {
                        self.last_signature = f.signature();
                        self.landed_slot = self.landed_slot.max(s.slot);
                    }
                    out[f.index] = s.status.map_err(|te| ChainError::from_transaction(&te));
                    done.push(i);
                }
                Some(_) => {}
                None => {
                    let expired =
                        matches!((height, &f.signed), (Some(h), Some((_, last))) if h > *last);
                    if expired && f.signings > self.settings.max_retries {
                        let why = format!("not landed after {} signings", f.signings);
                        out[f.index] = Err(ChainError::Transport(why));
                        done.push(i);
                    } else if expired {
                        f.signed = None;
                    }
                }
            }
        }
        for i in done.into_iter().rev() {
            flights.remove(i);
        }
        Ok(())
    }
}
