//! Creating a risk pool: its liquidity pool and insurance fund at their PDAs for `index`
//! (`initialize_exchange` makes pool 0, `create_pool` the others).

use anchor_lang::prelude::*;
use bulwark_engine::bounds::Param;
use bulwark_engine::contagion::ContagionParams;

use crate::account_init::{create_pda_account, init_zero_copy};
use crate::constants::*;
use crate::error::engine_err;
use crate::state::{InsuranceFund, LiquidityPool};

/// A new pool's own settings (its markets, leaders and contagion settings come later).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolArgs {
    /// Seconds between an LP's withdrawal request and its execution.
    pub withdraw_delay_secs: u32,
    /// Traders' counted profit is capped at this share of the pool (ppm).
    pub max_pnl_to_pool_ppm: u32,
    /// Seconds between a staker's unstake request and its payment.
    pub unstake_cooldown_secs: u32,
}

impl PoolArgs {
    /// Checks every setting against the engine's bounds table.
    pub fn validate(&self) -> Result<()> {
        Param::WithdrawDelay
            .check(u64::from(self.withdraw_delay_secs))
            .map_err(engine_err)?;
        Param::UnstakeCooldown
            .check(u64::from(self.unstake_cooldown_secs))
            .map_err(engine_err)?;
        Param::MaxPnlToPool
            .check(u64::from(self.max_pnl_to_pool_ppm))
            .map_err(engine_err)
    }
}

/// The bumps of pool `index`'s two PDAs.
pub struct PoolBumps {
    pub pool: u8,
    pub fund: u8,
}

/// Creates and initialises pool `index`'s liquidity pool (`pool`) and insurance fund (`fund`),
/// both uncreated accounts at their PDAs, paid by `payer`.
pub fn create_pool_accounts<'info>(
    payer: &AccountInfo<'info>,
    pool: &AccountInfo<'info>,
    fund: &AccountInfo<'info>,
    index: u16,
    bumps: PoolBumps,
    args: &PoolArgs,
) -> Result<()> {
    let seed = index.to_le_bytes();
    create_pda_account(
        payer,
        pool,
        LiquidityPool::SPACE,
        &crate::ID,
        &[POOL_SEED, &seed, &[bumps.pool]],
    )?;
    let mut p = init_zero_copy::<LiquidityPool>(pool)?;
    p.version = ACCOUNT_VERSION;
    p.bump = bumps.pool;
    p.index = index;
    p.withdraw_delay_secs = args.withdraw_delay_secs;
    p.max_pnl_to_pool_ppm = args.max_pnl_to_pool_ppm;
    p.contagion = ContagionParams::OFF;
    create_pda_account(
        payer,
        fund,
        InsuranceFund::SPACE,
        &crate::ID,
        &[INSURANCE_SEED, &seed, &[bumps.fund]],
    )?;
    let mut f = init_zero_copy::<InsuranceFund>(fund)?;
    f.version = ACCOUNT_VERSION;
    f.bump = bumps.fund;
    f.pool = index;
    f.unstake_cooldown_secs = args.unstake_cooldown_secs;
    Ok(())
}
