//! `cancel_proposal`: governance or the guardian cancels a queued change; it never executes.

use anchor_lang::prelude::*;

use crate::constants::*;
use crate::error::BulwarkError;
use crate::events::ProposalExecuted;
use crate::state::{status, Exchange, Proposal};

#[event_cpi]
#[derive(Accounts)]
pub struct CancelProposal<'info> {
    pub authority: Signer<'info>,

    #[account(address = EXCHANGE_ADDRESS @ ErrorCode::ConstraintSeeds)]
    pub exchange: AccountLoader<'info, Exchange>,

    #[account(mut, seeds = [PROPOSAL_SEED, &proposal.load()?.seed.to_le_bytes()], bump = proposal.load()?.bump)]
    pub proposal: AccountLoader<'info, Proposal>,
}

pub fn cancel_proposal_handler(ctx: Context<CancelProposal>) -> Result<()> {
    let ex = ctx.accounts.exchange.load()?;
    let who = ctx.accounts.authority.key();
    require!(
        who == ex.governance || who == ex.guardian,
        BulwarkError::NotGovernanceOrGuardian
    );
    let mut p = ctx.accounts.proposal.load_mut()?;
    require_eq!(p.status, status::QUEUED, BulwarkError::ProposalNotQueued);
    p.status = status::CANCELLED;
    emit_cpi!(ProposalExecuted {
        proposal: ctx.accounts.proposal.key(),
        id: p.id,
        cancelled: true
    });
    Ok(())
}
