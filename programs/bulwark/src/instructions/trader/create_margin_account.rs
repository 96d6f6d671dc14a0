//! `create_margin_account(index)`: a margin account PDA of the owner and an index, in the risk
//! pool named (cross margin inside one account over that pool's markets; isolation by using
//! another index, in the same pool or another).

use anchor_lang::prelude::*;

use crate::account_init::{create_pda_account, init_zero_copy, is_uncreated};
use crate::constants::*;
use crate::error::BulwarkError;
use crate::events::MarginAccountCreated;
use crate::state::{LiquidityPool, MarginAccount};

#[event_cpi]
#[derive(Accounts)]
#[instruction(index: u16)]
pub struct CreateMarginAccount<'info> {
    /// Owner and payer.
    #[account(mut)]
    pub owner: Signer<'info>,

    /// CHECK: the margin account PDA, created here (must not exist yet).
    #[account(mut, seeds = [MARGIN_SEED, owner.key().as_ref(), &index.to_le_bytes()], bump)]
    pub margin_account: UncheckedAccount<'info>,

    /// The risk pool the account joins (for good): it trades only that pool's markets.
    pub pool: AccountLoader<'info, LiquidityPool>,

    pub system_program: Program<'info, System>,
}

pub fn create_margin_account_handler(ctx: Context<CreateMarginAccount>, index: u16) -> Result<()> {
    let a = &ctx.accounts;
    require!(
        is_uncreated(&a.margin_account),
        BulwarkError::AccountAlreadyInitialized
    );
    let owner = a.owner.key();
    let seeds: &[&[u8]] = &[
        MARGIN_SEED,
        owner.as_ref(),
        &index.to_le_bytes(),
        &[ctx.bumps.margin_account],
    ];
    create_pda_account(
        &a.owner.to_account_info(),
        &a.margin_account,
        MarginAccount::SPACE,
        &crate::ID,
        seeds,
    )?;
    let mut m = init_zero_copy::<MarginAccount>(&a.margin_account)?;
    m.version = ACCOUNT_VERSION;
    m.bump = ctx.bumps.margin_account;
    m.index = index;
    m.owner = owner;
    m.pool = a.pool.load()?.index;
    emit_cpi!(MarginAccountCreated {
        margin_account: a.margin_account.key(),
        owner,
        index,
        pool_index: m.pool,
    });
    Ok(())
}
