//! `execute_proposal`: anyone executes a queued change inside `[eta, expires)`; bounds and the
//! window's step limit are checked again now. Remaining account: the market, for a market
//! parameter.

use anchor_lang::prelude::*;
use bulwark_engine::bounds::Param;
use bulwark_engine::governance::{executable, MarketParam, TimelockRefusal};

use crate::constants::*;
use crate::error::{engine_err, BulwarkError};
use crate::events::ProposalExecuted;
use crate::instructions::governance::apply_market_param;
use crate::state::{kind, status, Exchange, Market, Proposal};

#[derive(Accounts)]
pub struct ExecuteProposal<'info> {
    #[account(mut, seeds = [EXCHANGE_SEED], bump = exchange.load()?.bump)]
    pub exchange: AccountLoader<'info, Exchange>,

    #[account(mut, seeds = [PROPOSAL_SEED, &proposal.load()?.id.to_le_bytes()], bump = proposal.load()?.bump)]
    pub proposal: AccountLoader<'info, Proposal>,
}

pub fn execute_proposal_handler<'info>(ctx: Context<'info, ExecuteProposal<'info>>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let mut p = ctx.accounts.proposal.load_mut()?;
    require_eq!(p.status, status::QUEUED, BulwarkError::ProposalNotQueued);
    executable(now, p.eta, p.expires).map_err(|r| match r {
        TimelockRefusal::TooEarly => BulwarkError::TimelockNotElapsed,
        TimelockRefusal::Expired => BulwarkError::ProposalExpired,
    })?;
    match p.kind {
        kind::MARKET_PARAM => {
            let info = ctx
                .remaining_accounts
                .first()
                .ok_or(BulwarkError::MarketMismatch)?;
            let loader = AccountLoader::<Market>::try_from(info)?;
            let mut m = loader.load_mut()?;
            require_eq!(m.index, p.market_index, BulwarkError::MarketMismatch);
            let param = MarketParam::from_u16(p.param).ok_or(BulwarkError::UnknownParameter)?;
            apply_market_param(&mut m, loader.key(), param, p.value, now)?;
        }
        kind::TIMELOCK => {
            Param::Timelock.check(p.value).map_err(engine_err)?;
            ctx.accounts.exchange.load_mut()?.timelock_secs = p.value as u32;
        }
        _ => return err!(BulwarkError::UnknownParameter),
    }
    p.status = status::EXECUTED;
    emit!(ProposalExecuted {
        id: p.id,
        cancelled: false
    });
    Ok(())
}
