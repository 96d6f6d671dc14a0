//! `create_pool(index, args)`: governance creates risk pool `index` (the exchange's pool
//! count; at most `MAX_POOLS`): its liquidity pool and insurance fund, empty, with no markets
//! and the stress signal off. An empty pool bears and shifts no risk, so it is created at once;
//! what it backs comes by `create_market` (open-interest caps start at zero, raising them is
//! timelocked) and its capital by LP deposits and stakes.

use crate::error::OrMath;
use anchor_lang::prelude::*;
use bulwark_engine::checked::Checked;

use crate::account_init::is_uncreated;
use crate::constants::*;
use crate::error::BulwarkError;
use crate::events::PoolCreated;
use crate::instructions::common::pool_init::{create_pool_accounts, PoolArgs, PoolBumps};
use crate::state::Exchange;

#[event_cpi]
#[derive(Accounts)]
#[instruction(index: u16)]
pub struct CreatePool<'info> {
    pub governance: Signer<'info>,

    #[account(mut)]
    pub payer: Signer<'info>,

    #[account(mut, address = EXCHANGE_ADDRESS @ ErrorCode::ConstraintSeeds, has_one = governance @ BulwarkError::NotGovernance)]
    pub exchange: AccountLoader<'info, Exchange>,

    /// CHECK: pool `index`'s liquidity pool PDA, created here.
    #[account(mut, seeds = [POOL_SEED, &index.to_le_bytes()], bump)]
    pub pool: UncheckedAccount<'info>,

    /// CHECK: pool `index`'s insurance fund PDA, created here.
    #[account(mut, seeds = [INSURANCE_SEED, &index.to_le_bytes()], bump)]
    pub insurance_fund: UncheckedAccount<'info>,

    pub system_program: Program<'info, System>,
}

impl CreatePool<'_> {
    pub fn validate(&self, index: u16, args: &PoolArgs) -> Result<()> {
        let count = self.exchange.load()?.pool_count;
        require!(
            index == count && count < MAX_POOLS,
            BulwarkError::PoolIndexMismatch
        );
        require!(
            is_uncreated(&self.pool) && is_uncreated(&self.insurance_fund),
            BulwarkError::AccountAlreadyInitialized
        );
        args.validate()
    }
}

#[access_control(ctx.accounts.validate(index, &args))]
pub fn create_pool_handler(ctx: Context<CreatePool>, index: u16, args: PoolArgs) -> Result<()> {
    let a = &ctx.accounts;
    create_pool_accounts(
        &a.payer.to_account_info(),
        &a.pool,
        &a.insurance_fund,
        index,
        PoolBumps {
            pool: ctx.bumps.pool,
            fund: ctx.bumps.insurance_fund,
        },
        &args,
    )?;
    let mut ex = a.exchange.load_mut()?;
    ex.pool_count = ex.pool_count.plus(1).or_math()?;
    emit_cpi!(PoolCreated {
        pool_index: index,
        withdraw_delay_secs: args.withdraw_delay_secs,
        max_pnl_to_pool_ppm: args.max_pnl_to_pool_ppm,
        unstake_cooldown_secs: args.unstake_cooldown_secs,
    });
    Ok(())
}
