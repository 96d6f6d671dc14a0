//! `queue_change(kind, market_index, param, value)`: governance queues a change (a market
//! parameter, or the timelock itself) under the timelock. Bounds are checked now and again at
//! execution; the step limit at execution.

use anchor_lang::prelude::*;
use bulwark_engine::bounds::Param;
use bulwark_engine::governance::{check_bounds, MarketParam};

use crate::account_init::{create_pda_account, init_zero_copy};
use crate::constants::*;
use crate::error::{engine_err, BulwarkError};
use crate::events::ProposalQueued;
use crate::state::{kind, status, Exchange, Proposal};

#[event_cpi]
#[derive(Accounts)]
pub struct QueueChange<'info> {
    pub governance: Signer<'info>,

    #[account(mut)]
    pub payer: Signer<'info>,

    #[account(mut, address = EXCHANGE_ADDRESS @ ErrorCode::ConstraintSeeds, has_one = governance @ BulwarkError::NotGovernance)]
    pub exchange: AccountLoader<'info, Exchange>,

    /// CHECK: the next proposal's PDA (`[PROPOSAL_SEED, exchange.proposal_count]`), created here.
    #[account(mut, seeds = [PROPOSAL_SEED, &exchange.load()?.proposal_count.to_le_bytes()], bump)]
    pub proposal: UncheckedAccount<'info>,

    pub system_program: Program<'info, System>,
}

pub fn queue_change_handler(
    ctx: Context<QueueChange>,
    change_kind: u8,
    market_index: u16,
    param: u16,
    value: u64,
) -> Result<()> {
    match change_kind {
        kind::MARKET_PARAM => {
            let p = MarketParam::from_u16(param).ok_or(BulwarkError::UnknownParameter)?;
            check_bounds(&p.spec(), value).map_err(engine_err)?;
        }
        kind::TIMELOCK => Param::Timelock.check(value).map_err(engine_err)?,
        // A pause end is a unix time: one that is no i64 could never execute.
        kind::EXTEND_PAUSE => require!(
            i64::try_from(value).is_ok(),
            BulwarkError::ParameterOutOfBounds
        ),
        kind::SETTLE | kind::DELIST | kind::LIFT_REDUCE_ONLY | kind::CLEAR_INVARIANT_PAUSE => {}
        _ => return err!(BulwarkError::UnknownParameter),
    }
    let now = Clock::get()?.unix_timestamp;
    let a = &ctx.accounts;
    let mut ex = a.exchange.load_mut()?;
    let id = ex.proposal_count;
    let seeds: &[&[u8]] = &[PROPOSAL_SEED, &id.to_le_bytes(), &[ctx.bumps.proposal]];
    create_pda_account(
        &a.payer.to_account_info(),
        &a.proposal,
        Proposal::SPACE,
        &crate::ID,
        seeds,
    )?;
    let mut p = init_zero_copy::<Proposal>(&a.proposal)?;
    p.version = ACCOUNT_VERSION;
    p.bump = ctx.bumps.proposal;
    p.status = status::QUEUED;
    p.kind = change_kind;
    p.market_index = market_index;
    p.param = param;
    p.id = id;
    p.value = value;
    p.created_at = now;
    p.eta = now + i64::from(ex.timelock_secs);
    p.expires = p.eta + i64::from(ex.grace_secs);
    ex.proposal_count = id + 1;
    emit_cpi!(ProposalQueued {
        id,
        kind: change_kind,
        market_index,
        param,
        value,
        eta: p.eta,
        expires: p.expires
    });
    Ok(())
}
