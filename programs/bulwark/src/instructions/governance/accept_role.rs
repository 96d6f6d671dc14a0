//! `accept_role(role)`: the proposed key takes the role.

use anchor_lang::prelude::*;

use crate::constants::*;
use crate::error::BulwarkError;
use crate::events::RoleTransfer;
use crate::state::{Exchange, Role};

#[event_cpi]
#[derive(Accounts)]
pub struct AcceptRole<'info> {
    pub new_key: Signer<'info>,

    #[account(mut, address = EXCHANGE_ADDRESS @ ErrorCode::ConstraintSeeds)]
    pub exchange: AccountLoader<'info, Exchange>,
}

pub fn accept_role_handler(ctx: Context<AcceptRole>, which: Role) -> Result<()> {
    let key = ctx.accounts.new_key.key();
    let mut ex = ctx.accounts.exchange.load_mut()?;
    match which {
        Role::Governance => {
            require_keys_eq!(ex.pending_governance, key, BulwarkError::NotPendingRole);
            ex.governance = key;
            ex.pending_governance = Pubkey::default();
        }
        Role::Guardian => {
            require_keys_eq!(ex.pending_guardian, key, BulwarkError::NotPendingRole);
            ex.guardian = key;
            ex.pending_guardian = Pubkey::default();
        }
    }
    emit_cpi!(RoleTransfer {
        role: which,
        key,
        accepted: true
    });
    Ok(())
}
