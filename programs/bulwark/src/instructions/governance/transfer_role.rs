//! `transfer_role(role, new_key)`: governance proposes a new governance (role 0) or guardian
//! (role 1); nothing changes until the new key accepts.

use anchor_lang::prelude::*;

use crate::constants::*;
use crate::error::BulwarkError;
use crate::events::RoleTransfer;
use crate::state::Exchange;

/// Role codes.
pub mod role {
    pub const GOVERNANCE: u8 = 0;
    pub const GUARDIAN: u8 = 1;
}

#[event_cpi]
#[derive(Accounts)]
pub struct TransferRole<'info> {
    pub governance: Signer<'info>,

    #[account(mut, address = EXCHANGE_ADDRESS @ ErrorCode::ConstraintSeeds, has_one = governance @ BulwarkError::NotGovernance)]
    pub exchange: AccountLoader<'info, Exchange>,
}

pub fn transfer_role_handler(ctx: Context<TransferRole>, which: u8, new_key: Pubkey) -> Result<()> {
    require!(new_key != Pubkey::default(), BulwarkError::InvalidRoleKey);
    let mut ex = ctx.accounts.exchange.load_mut()?;
    match which {
        role::GOVERNANCE => ex.pending_governance = new_key,
        role::GUARDIAN => ex.pending_guardian = new_key,
        _ => return err!(BulwarkError::UnknownParameter),
    }
    emit_cpi!(RoleTransfer {
        role: which,
        key: new_key,
        accepted: false
    });
    Ok(())
}
