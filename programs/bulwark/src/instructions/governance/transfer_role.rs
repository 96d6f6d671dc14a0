//! `transfer_role(role, new_key)`: governance proposes a new governance or guardian; nothing
//! changes until the new key accepts.

use anchor_lang::prelude::*;

use crate::constants::*;
use crate::error::BulwarkError;
use crate::events::RoleTransfer;
use crate::state::{Exchange, Role};

#[event_cpi]
#[derive(Accounts)]
pub struct TransferRole<'info> {
    pub governance: Signer<'info>,

    #[account(mut, address = EXCHANGE_ADDRESS @ ErrorCode::ConstraintSeeds, has_one = governance @ BulwarkError::NotGovernance)]
    pub exchange: AccountLoader<'info, Exchange>,
}

pub fn transfer_role_handler(
    ctx: Context<TransferRole>,
    which: Role,
    new_key: Pubkey,
) -> Result<()> {
    require!(new_key != Pubkey::default(), BulwarkError::InvalidRoleKey);
    let mut ex = ctx.accounts.exchange.load_mut()?;
    match which {
        Role::Governance => ex.pending_governance = new_key,
        Role::Guardian => ex.pending_guardian = new_key,
    }
    emit_cpi!(RoleTransfer {
        role: which,
        key: new_key,
        accepted: false
    });
    Ok(())
}
