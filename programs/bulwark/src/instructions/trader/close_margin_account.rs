//! `close_margin_account`: an empty account (no collateral, no position) is closed and its
//! rent returned to the owner.

use anchor_lang::prelude::*;

use crate::error::BulwarkError;
use crate::events::MarginAccountClosed;
use crate::state::MarginAccount;

#[event_cpi]
#[derive(Accounts)]
pub struct CloseMarginAccount<'info> {
    #[account(mut)]
    pub owner: Signer<'info>,

    #[account(mut, has_one = owner @ BulwarkError::NotOwner, close = owner)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
}

pub fn close_margin_account_handler(ctx: Context<CloseMarginAccount>) -> Result<()> {
    let m = ctx.accounts.margin_account.load()?;
    require!(m.is_empty(), BulwarkError::AccountNotEmpty);
    emit_cpi!(MarginAccountClosed {
        margin_account: ctx.accounts.margin_account.key(),
        owner: m.owner
    });
    Ok(())
}
