//! `pool_deposit(amount)`: an LP adds collateral to the pool for shares priced at the pool's
//! maximum value. The LP's PDA is created on the first deposit. Remaining accounts: every
//! market, index 0 upwards (traders' unrealised PnL is part of the pool's value).

use crate::error::OrMath;
use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};
use bulwark_engine::checked::Checked;
use bulwark_engine::pool::shares_for_deposit_into;

use crate::account_init::load_or_create;
use crate::constants::*;
use crate::error::{engine_err, BulwarkError};
use crate::events::PoolDeposited;
use crate::instructions::common::pool_value::value_pool;
use crate::instructions::common::tokens::{check_user_token_account, into_vault};
use crate::state::{Exchange, LiquidityPool, LpAccount};

#[event_cpi]
#[derive(Accounts)]
pub struct PoolDeposit<'info> {
    #[account(mut)]
    pub owner: Signer<'info>,

    #[account(mut)]
    pub pool: AccountLoader<'info, LiquidityPool>,

    /// CHECK: the LP's PDA; created here on the first deposit, else loaded and checked.
    #[account(mut, seeds = [LP_SEED, &pool.load()?.index.to_le_bytes(), owner.key().as_ref()], bump)]
    pub lp_account: UncheckedAccount<'info>,

    #[account(address = EXCHANGE_ADDRESS @ ErrorCode::ConstraintSeeds)]
    pub exchange: AccountLoader<'info, Exchange>,

    #[account(mut, address = exchange.load()?.vault @ BulwarkError::WrongVault)]
    pub vault: Account<'info, TokenAccount>,

    #[account(mut)]
    pub source: Account<'info, TokenAccount>,

    pub token_program: Program<'info, Token>,
    pub system_program: Program<'info, System>,
}

pub fn pool_deposit_handler<'info>(
    ctx: Context<'info, PoolDeposit<'info>>,
    amount: u64,
    min_shares: u128,
) -> Result<()> {
    require!(amount > 0, BulwarkError::ZeroAmount);
    let a = &ctx.accounts;
    a.exchange.load()?.require_not_paused(
        bulwark_engine::state::pause::POOL_DEPOSIT,
        Clock::get()?.unix_timestamp,
    )?;
    let clock = Clock::get()?;
    let decimals = {
        let ex = a.exchange.load()?;
        check_user_token_account(&ex, &a.source)?;
        ex.collateral_decimals
    };
    let shares = {
        let pool = a.pool.load()?;
        let view = value_pool(&pool, ctx.remaining_accounts, decimals, &clock)?;
        shares_for_deposit_into(&view.book, amount, pool.total_shares()).map_err(engine_err)?
    };
    require!(shares > 0, BulwarkError::ZeroAmount);
    // The depositor's slippage bound: the pool's value may move between quote and landing.
    require!(shares >= min_shares, BulwarkError::SharesBelowMinimum);
    let owner = a.owner.key();
    into_vault(&a.token_program, &a.source, &a.vault, &a.owner, amount)?;
    let bump = ctx.bumps.lp_account;
    let pool_index = a.pool.load()?.index;
    let seeds: &[&[u8]] = &[LP_SEED, &pool_index.to_le_bytes(), owner.as_ref(), &[bump]];
    let mut lp = load_or_create::<LpAccount>(
        &a.owner.to_account_info(),
        &a.lp_account,
        LpAccount::SPACE,
        seeds,
        |x| {
            x.version = ACCOUNT_VERSION;
            x.bump = bump;
            x.owner = owner;
            x.pool = pool_index;
        },
    )?;
    require_keys_eq!(lp.owner, owner, BulwarkError::NotOwner);
    lp.add_shares(shares)?;
    let mut pool = a.pool.load_mut()?;
    pool.add_total_shares(shares)?;
    pool.capital = pool
        .capital
        .plus(i64::try_from(amount).map_err(|_| BulwarkError::AmountTooLarge)?)
        .or_math()?;
    pool.tokens_in(amount)?;
    emit_cpi!(PoolDeposited {
        pool_index: pool.index,
        owner,
        amount,
        shares,
        total_shares: pool.total_shares()
    });
    Ok(())
}
