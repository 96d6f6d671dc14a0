//! `set_delegate(args)`: the owner names a key that may trade but never withdraw (the default
//! key removes it), with limits on what its trades may do: a net cost budget, a notional cap
//! on its increases, and reduce-only. Every call starts a fresh cost count (see
//! `bulwark_engine::delegate`).

use anchor_lang::prelude::*;
use bulwark_engine::delegate::DelegateLimits;

use crate::error::BulwarkError;
use crate::events::DelegateSet;
use crate::state::MarginAccount;

/// Arguments of `set_delegate` (amounts in collateral units).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct SetDelegateArgs {
    /// The delegate; the default key removes it (the limits are then ignored and cleared).
    pub delegate: Pubkey,
    /// Most the delegate's trades may cost the account, net, until the next `set_delegate`.
    pub max_loss: u64,
    /// Largest total notional of the account's positions a delegate's increase may leave.
    pub max_notional: u64,
    /// The delegate may only reduce positions.
    pub reduce_only: bool,
}

impl SetDelegateArgs {
    /// The engine's view of the limits.
    pub fn limits(&self) -> DelegateLimits {
        DelegateLimits {
            max_loss: self.max_loss,
            max_notional: self.max_notional,
            reduce_only: u8::from(self.reduce_only),
            _padding: [0; 7],
        }
    }
}

#[event_cpi]
#[derive(Accounts)]
pub struct SetDelegate<'info> {
    pub owner: Signer<'info>,

    #[account(mut, has_one = owner @ BulwarkError::NotOwner)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
}

pub fn set_delegate_handler(ctx: Context<SetDelegate>, args: SetDelegateArgs) -> Result<()> {
    let mut m = ctx.accounts.margin_account.load_mut()?;
    m.appoint_delegate(args.delegate, &args.limits());
    let l = m.delegate_limits;
    emit_cpi!(DelegateSet {
        margin_account: ctx.accounts.margin_account.key(),
        delegate: m.delegate,
        max_loss: l.max_loss,
        max_notional: l.max_notional,
        reduce_only: l.reduce_only != 0,
    });
    Ok(())
}
