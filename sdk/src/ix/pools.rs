//! Builders of risk-pool instructions: creating pools, LP and insurance-fund flows (each in one
//! pool, over that pool's markets), the stress signal and its parameters.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use bulwark::instructions::common::pool_init::PoolArgs;
use bulwark_engine::contagion::PoolParam;

use super::build;
use crate::pda;

/// A risk pool as its LP and fund instructions name it: its index and every market listed
/// into it, ascending (the program values the pool over exactly those). A bare market count
/// `n` means pool 0 holding markets `0..n` (a venue with one pool).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolMarkets {
    pub pool: u16,
    pub markets: Vec<u16>,
}

impl From<u16> for PoolMarkets {
    fn from(market_count: u16) -> Self {
        PoolMarkets {
            pool: 0,
            markets: (0..market_count).collect(),
        }
    }
}

impl PoolMarkets {
    /// Pool `pool`'s markets among `markets` (index, pool) pairs, ascending.
    pub fn of(pool: u16, markets: impl IntoIterator<Item = (u16, u16)>) -> PoolMarkets {
        let mut list: Vec<u16> = markets
            .into_iter()
            .filter(|(_, p)| *p == pool)
            .map(|(i, _)| i)
            .collect();
        list.sort_unstable();
        PoolMarkets {
            pool,
            markets: list,
        }
    }

    /// The markets' addresses, in order.
    pub fn addresses(&self) -> Vec<Pubkey> {
        self.markets.iter().map(|i| pda::market(*i).0).collect()
    }
}

/// Every market's address, index 0 upwards.
pub fn all_markets(market_count: u16) -> Vec<Pubkey> {
    (0..market_count).map(|i| pda::market(i).0).collect()
}

/// `create_pool(index, args)`, signed by governance; `payer` funds the two accounts.
pub fn create_pool(governance: Pubkey, payer: Pubkey, index: u16, args: PoolArgs) -> Instruction {
    let accounts = bulwark::accounts::CreatePool {
        governance,
        payer,
        exchange: pda::exchange().0,
        pool: pda::pool(index).0,
        insurance_fund: pda::insurance_fund(index).0,
        system_program: anchor_lang::system_program::ID,
        event_authority: pda::event_authority().0,
        program: bulwark::ID,
    };
    build(
        accounts,
        bulwark::instruction::CreatePool { index, args },
        &[],
    )
}

/// `set_pool_param(param, value)` of pool `pool`, signed by governance (tightenings only).
pub fn set_pool_param(governance: Pubkey, pool: u16, param: PoolParam, value: u64) -> Instruction {
    let accounts = bulwark::accounts::SetPoolParam {
        governance,
        exchange: pda::exchange().0,
        pool: pda::pool(pool).0,
        event_authority: pda::event_authority().0,
        program: bulwark::ID,
    };
    build(
        accounts,
        bulwark::instruction::SetPoolParam { param, value },
        &[],
    )
}

/// `propagate_stress` into follower `market` of pool `pool`, whose named leaders are
/// `leaders` (in the pool's order; `ContagionParams::named_leaders`). Permissionless.
pub fn propagate_stress(market: u16, pool: u16, leaders: &[u16]) -> Instruction {
    let accounts = bulwark::accounts::PropagateStress {
        market: pda::market(market).0,
        pool: pda::pool(pool).0,
        event_authority: pda::event_authority().0,
        program: bulwark::ID,
    };
    let leaders: Vec<Pubkey> = leaders.iter().map(|i| pda::market(*i).0).collect();
    build(accounts, bulwark::instruction::PropagateStress {}, &leaders)
}

/// `pool_deposit(amount, min_shares)` from `source` into `pool` (refused below `min_shares`,
/// 0 for no bound); names the pool's markets.
pub fn pool_deposit(
    owner: Pubkey,
    source: Pubkey,
    amount: u64,
    min_shares: u128,
    pool: impl Into<PoolMarkets>,
) -> Instruction {
    let pool = pool.into();
    let accounts = bulwark::accounts::PoolDeposit {
        owner,
        lp_account: pda::lp_account(pool.pool, &owner).0,
        pool: pda::pool(pool.pool).0,
        exchange: pda::exchange().0,
        vault: pda::vault().0,
        source,
        token_program: anchor_spl::token::ID,
        system_program: anchor_lang::system_program::ID,
        event_authority: pda::event_authority().0,
        program: bulwark::ID,
    };
    build(
        accounts,
        bulwark::instruction::PoolDeposit { amount, min_shares },
        &pool.addresses(),
    )
}

/// `pool_request_withdraw(shares)` of `owner`'s shares in pool `pool`.
pub fn pool_request_withdraw(owner: Pubkey, shares: u128, pool: u16) -> Instruction {
    let accounts = bulwark::accounts::PoolRequestWithdraw {
        owner,
        lp_account: pda::lp_account(pool, &owner).0,
        pool: pda::pool(pool).0,
        event_authority: pda::event_authority().0,
        program: bulwark::ID,
    };
    build(
        accounts,
        bulwark::instruction::PoolRequestWithdraw { shares },
        &[],
    )
}

/// `pool_withdraw` from `pool` to `destination`; names the pool's markets.
pub fn pool_withdraw(
    owner: Pubkey,
    destination: Pubkey,
    pool: impl Into<PoolMarkets>,
) -> Instruction {
    let pool = pool.into();
    let accounts = bulwark::accounts::PoolWithdraw {
        owner,
        lp_account: pda::lp_account(pool.pool, &owner).0,
        pool: pda::pool(pool.pool).0,
        exchange: pda::exchange().0,
        vault: pda::vault().0,
        destination,
        token_program: anchor_spl::token::ID,
        event_authority: pda::event_authority().0,
        program: bulwark::ID,
    };
    build(
        accounts,
        bulwark::instruction::PoolWithdraw {},
        &pool.addresses(),
    )
}

/// `if_stake(amount)` from `source` into pool `pool`'s insurance fund.
pub fn if_stake(owner: Pubkey, source: Pubkey, amount: u64, pool: u16) -> Instruction {
    let accounts = bulwark::accounts::IfStake {
        owner,
        stake_account: pda::stake_account(pool, &owner).0,
        insurance_fund: pda::insurance_fund(pool).0,
        pool: pda::pool(pool).0,
        exchange: pda::exchange().0,
        vault: pda::vault().0,
        source,
        token_program: anchor_spl::token::ID,
        system_program: anchor_lang::system_program::ID,
        event_authority: pda::event_authority().0,
        program: bulwark::ID,
    };
    build(accounts, bulwark::instruction::IfStake { amount }, &[])
}

/// `if_request_unstake(shares)` of `owner`'s stake in pool `pool`'s fund.
pub fn if_request_unstake(owner: Pubkey, shares: u128, pool: u16) -> Instruction {
    let accounts = bulwark::accounts::IfRequestUnstake {
        owner,
        stake_account: pda::stake_account(pool, &owner).0,
        insurance_fund: pda::insurance_fund(pool).0,
        event_authority: pda::event_authority().0,
        program: bulwark::ID,
    };
    build(
        accounts,
        bulwark::instruction::IfRequestUnstake { shares },
        &[],
    )
}

/// `if_unstake` from `pool`'s fund to `destination`; names the pool's markets (the fund's exit
/// value counts what each holds against it).
pub fn if_unstake(owner: Pubkey, destination: Pubkey, pool: impl Into<PoolMarkets>) -> Instruction {
    let pool = pool.into();
    let accounts = bulwark::accounts::IfUnstake {
        owner,
        stake_account: pda::stake_account(pool.pool, &owner).0,
        insurance_fund: pda::insurance_fund(pool.pool).0,
        pool: pda::pool(pool.pool).0,
        exchange: pda::exchange().0,
        vault: pda::vault().0,
        destination,
        token_program: anchor_spl::token::ID,
        event_authority: pda::event_authority().0,
        program: bulwark::ID,
    };
    build(
        accounts,
        bulwark::instruction::IfUnstake {},
        &pool.addresses(),
    )
}
