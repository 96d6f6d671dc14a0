//! What the keeper checks before its first cycle, each refusal saying what to do: the node
//! answers, the venue exists on it (else whether the program is deployed at all), the keypair
//! can pay fees, and the reward account is a Bulwark margin account (the program refuses every
//! liquidation otherwise). Reads accounts only (`getAccountInfo`).

use anchor_lang::prelude::Pubkey;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;

use bulwark_sdk::{accounts, pda};

/// Why the keeper cannot start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PreflightError {
    /// The node did not answer.
    NodeUnreachable(String),
    /// No exchange account, and no Bulwark program either.
    ProgramMissing,
    /// The program is there but no exchange (the venue is not bootstrapped).
    ExchangeMissing(Pubkey),
    /// The keypair holds `have` lamports, fewer than `need`.
    Unfunded {
        keeper: Pubkey,
        have: u64,
        need: u64,
    },
    /// A pool's reward account is not a Bulwark margin account of that pool (`key` default:
    /// none named).
    RewardAccountMissing { pool: u16, key: Pubkey },
}

impl std::fmt::Display for PreflightError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PreflightError::NodeUnreachable(e) => {
                write!(
                    f,
                    "url: the node did not answer ({e}); check --url and that it runs"
                )
            }
            PreflightError::ProgramMissing => write!(
                f,
                "the Bulwark program {} is not deployed on this cluster; check --url",
                bulwark::ID
            ),
            PreflightError::ExchangeMissing(key) => write!(
                f,
                "no Bulwark exchange at {key}: the venue is not bootstrapped on this cluster \
                 (`bulwark bootstrap`)"
            ),
            PreflightError::Unfunded { keeper, have, need } => write!(
                f,
                "keypair: {keeper} holds {have} lamports, fewer than the {need} the keeper \
                 keeps to pay fees; fund it (or lower min_balance_lamports)"
            ),
            PreflightError::RewardAccountMissing { pool, key } => write!(
                f,
                "reward account of pool {pool}: {key} is not a Bulwark margin account of pool \
                 {pool}; the keeper's rewards in a pool are credited to a margin account of that \
                 pool: open it with `bulwark deposit --pool {pool} --index {pool} --amount 1 \
                 --keypair <the keeper's keypair>` (or, for pool 0, name another with \
                 reward_account in the keeper file)"
            ),
        }
    }
}

impl std::error::Error for PreflightError {}

/// An account's lamports and data (`None` when it does not exist).
async fn account(
    client: &RpcClient,
    key: &Pubkey,
) -> Result<Option<(u64, Pubkey, Vec<u8>, bool)>, PreflightError> {
    client
        .get_account_with_commitment(key, client.commitment())
        .await
        .map(|r| r.value.map(|a| (a.lamports, a.owner, a.data, a.executable)))
        .map_err(|e| PreflightError::NodeUnreachable(e.to_string()))
}

/// Runs the checks in order; `min_balance` 0 skips the balance (a dry run pays nothing).
/// Pool 0 must have a reward account; the other pools without one are returned (the keeper
/// starts, warns, and reports their accounts instead of liquidating them: a pool created
/// later does not stop keepers from restarting).
pub async fn preflight(
    client: &RpcClient,
    keeper: &Pubkey,
    rewards: &crate::cycle::RewardAccounts,
    min_balance: u64,
) -> Result<Vec<u16>, PreflightError> {
    let exchange = pda::exchange().0;
    let venue = account(client, &exchange).await?;
    if !venue.is_some_and(|(_, owner, data, _)| {
        owner == bulwark::ID && accounts::exchange(&data).is_ok()
    }) {
        let program = account(client, &bulwark::ID).await?;
        return Err(match program {
            Some((_, _, _, true)) => PreflightError::ExchangeMissing(exchange),
            _ => PreflightError::ProgramMissing,
        });
    }
    let have = account(client, keeper)
        .await?
        .map_or(0, |(lamports, ..)| lamports);
    if have < min_balance {
        return Err(PreflightError::Unfunded {
            keeper: *keeper,
            have,
            need: min_balance,
        });
    }
    let pools = venue_pool_count(client).await?;
    let mut uncovered = Vec::new();
    for pool in 0..pools {
        let key = rewards.for_pool(pool).unwrap_or_default();
        let reward = account(client, &key).await?;
        if !reward.is_some_and(|(_, owner, data, _)| {
            owner == bulwark::ID && accounts::margin_account(&data).is_ok_and(|m| m.pool == pool)
        }) {
            if pool == 0 {
                return Err(PreflightError::RewardAccountMissing { pool, key });
            }
            uncovered.push(pool);
        }
    }
    Ok(uncovered)
}

/// The exchange's pool count (it exists: checked before).
async fn venue_pool_count(client: &RpcClient) -> Result<u16, PreflightError> {
    let data = account(client, &pda::exchange().0)
        .await?
        .map(|(_, _, data, _)| data)
        .unwrap_or_default();
    Ok(accounts::exchange(&data).map_or(1, |e| e.pool_count))
}
