//! Seeds, versions and fixed limits shared with the SDK.

use anchor_lang::prelude::*;

/// Seed of the exchange singleton PDA.
#[constant]
pub const EXCHANGE_SEED: &[u8] = b"exchange";
/// Seed of the collateral vault token account PDA (authority: the exchange PDA).
#[constant]
pub const VAULT_SEED: &[u8] = b"vault";
/// Seed prefix of a market PDA: `[MARKET_SEED, index as u16 little-endian]`.
#[constant]
pub const MARKET_SEED: &[u8] = b"market";

/// Seed of the liquidity pool singleton.
#[constant]
pub const POOL_SEED: &[u8] = b"pool";
/// Seed of the insurance fund singleton.
#[constant]
pub const INSURANCE_SEED: &[u8] = b"insurance";
/// Seed prefix of a margin account: `[MARGIN_SEED, owner, index as u16 little-endian]`.
#[constant]
pub const MARGIN_SEED: &[u8] = b"margin";
/// Seed prefix of an LP account: `[LP_SEED, owner]`.
#[constant]
pub const LP_SEED: &[u8] = b"lp";

/// Seed prefix of a staker's account: `[STAKE_SEED, owner]`.
#[constant]
pub const STAKE_SEED: &[u8] = b"stake";

/// Seed prefix of a proposal: `[PROPOSAL_SEED, id as u64 little-endian]`.
#[constant]
pub const PROPOSAL_SEED: &[u8] = b"proposal";
/// Governance step limits are measured per window of this many seconds.
#[constant]
pub const GOV_WINDOW_SECS: i64 = 86_400;

/// Emergency settlement may start only after the market has been ReduceOnly or Halted for this
/// many slots (about an hour).
#[constant]
pub const SETTLE_MIN_SLOTS: u64 = 9_000;

/// Layout version of the `Exchange` account.
pub const EXCHANGE_VERSION: u8 = 1;
/// Layout version of the `Market` account.
pub const MARKET_VERSION: u8 = 1;

/// Most oracle sources per market or for the collateral.
#[constant]
pub const MAX_ORACLE_SOURCES: u8 = 4;
/// Layout version of the other accounts.
pub const ACCOUNT_VERSION: u8 = 1;
