//! Seeds, versions and fixed limits shared with the SDK.

use anchor_lang::prelude::*;

/// Seed of the exchange singleton PDA.
#[constant]
pub const EXCHANGE_SEED: &[u8] = b"exchange";
/// Seed of the collateral vault token account PDA (authority: the exchange PDA).
#[constant]
pub const VAULT_SEED: &[u8] = b"vault";
/// The address of a singleton PDA `[seed]` of this program, derived at compile time.
const fn singleton(seed: &[u8]) -> Pubkey {
    Pubkey::new_from_array(
        anchor_lang::derive_program_address(&[seed], &crate::ID_CONST.to_bytes()).0,
    )
}

/// The exchange's address (the PDA of `[EXCHANGE_SEED]`). Instructions check the exchange
/// against this constant: a key comparison instead of a `create_program_address` (~1,500 CU)
/// per instruction; a wrong account is still refused with Anchor's `ConstraintSeeds`. Pools
/// and funds are checked by the pool index they store (the program creates them only at their
/// PDAs, so an index names exactly one account of each type).
pub const EXCHANGE_ADDRESS: Pubkey = singleton(EXCHANGE_SEED);

/// Seed prefix of a market PDA: `[MARKET_SEED, index as u16 little-endian]`.
#[constant]
pub const MARKET_SEED: &[u8] = b"market";

/// Seed prefix of a risk pool's liquidity pool: `[POOL_SEED, pool index as u16 little-endian]`.
#[constant]
pub const POOL_SEED: &[u8] = b"pool";
/// Seed prefix of a risk pool's insurance fund: `[INSURANCE_SEED, pool index as u16 LE]`.
#[constant]
pub const INSURANCE_SEED: &[u8] = b"insurance";
/// Seed prefix of a margin account: `[MARGIN_SEED, owner, index as u16 little-endian]`.
#[constant]
pub const MARGIN_SEED: &[u8] = b"margin";
/// Seed prefix of an LP account: `[LP_SEED, pool index as u16 LE, owner]`.
#[constant]
pub const LP_SEED: &[u8] = b"lp";

/// Seed prefix of a staker's account: `[STAKE_SEED, pool index as u16 LE, owner]`.
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

/// Most risk pools (pool 0 included): a bound on what `check_invariant` must read.
#[constant]
pub const MAX_POOLS: u16 = 8;

/// Most oracle sources per market or for the collateral.
#[constant]
pub const MAX_ORACLE_SOURCES: u8 = 4;
/// Layout version of the other accounts.
pub const ACCOUNT_VERSION: u8 = 1;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn singleton_addresses_are_the_runtime_derived_pdas() {
        assert_eq!(
            Pubkey::find_program_address(&[EXCHANGE_SEED], &crate::ID).0,
            EXCHANGE_ADDRESS
        );
    }
}
