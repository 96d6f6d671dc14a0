//! `set_delegate(delegate)`: the owner names a key that may trade but never withdraw
//! (the default key removes it).

use anchor_lang::prelude::*;

use crate::error::BulwarkError;
use crate::events::DelegateSet;
use crate::state::MarginAccount;

#[derive(Accounts)]
pub struct SetDelegate<'info> {
    pub owner: Signer<'info>,

    #[account(mut, has_one = owner @ BulwarkError::NotOwner)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
}

pub fn set_delegate_handler(ctx: Context<SetDelegate>, delegate: Pubkey) -> Result<()> {
    let mut m = ctx.accounts.margin_account.load_mut()?;
    m.delegate = delegate;
    emit!(DelegateSet {
        margin_account: ctx.accounts.margin_account.key(),
        delegate
    });
    Ok(())
}
