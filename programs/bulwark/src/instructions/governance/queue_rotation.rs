//! `queue_rotation(market_index, position, source, activation_slot)`: governance queues the
//! replacement of one oracle source (Pyth's program ids and feed addresses change). The market's
//! configuration with the new source is validated now (bounds, distinct accounts, quorum);
//! after the timelock anyone executes it, and the switch happens at `activation_slot`, where
//! that source's bookkeeping starts afresh.

use anchor_lang::prelude::*;

use crate::account_init::{create_pda_account, init_zero_copy};
use crate::constants::*;
use crate::error::BulwarkError;
use crate::events::ProposalQueued;
use crate::state::{kind, status, Exchange, Market, OracleConfig, OracleSourceArgs, Proposal};

#[event_cpi]
#[derive(Accounts)]
pub struct QueueRotation<'info> {
    pub governance: Signer<'info>,

    #[account(mut)]
    pub payer: Signer<'info>,

    #[account(mut, address = EXCHANGE_ADDRESS @ ErrorCode::ConstraintSeeds, has_one = governance @ BulwarkError::NotGovernance)]
    pub exchange: AccountLoader<'info, Exchange>,

    pub market: AccountLoader<'info, Market>,

    /// CHECK: the next proposal's PDA, created here.
    #[account(mut, seeds = [PROPOSAL_SEED, &exchange.load()?.proposal_count.to_le_bytes()], bump)]
    pub proposal: UncheckedAccount<'info>,

    pub system_program: Program<'info, System>,
}

pub fn queue_rotation_handler(
    ctx: Context<QueueRotation>,
    position: u8,
    source: OracleSourceArgs,
    activation_slot: u64,
) -> Result<()> {
    let clock = Clock::get()?;
    let a = &ctx.accounts;
    let m = a.market.load()?;
    require!(
        usize::from(position) < usize::from(m.oracle.num_sources),
        BulwarkError::UnknownParameter
    );
    require!(
        activation_slot > clock.slot,
        BulwarkError::InvalidOracleConfig
    );
    let mut side = m.oracle.to_args();
    side.sources[usize::from(position)] = source;
    let cfg = OracleConfig::from_args(&side)?;
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
    p.kind = kind::ROTATE_SOURCE;
    p.market_index = m.index;
    p.param = u16::from(position);
    p.id = id;
    p.created_at = clock.unix_timestamp;
    p.eta = clock.unix_timestamp + i64::from(ex.timelock_secs);
    p.expires = p.eta + i64::from(ex.grace_secs);
    p.activation_slot = activation_slot;
    p.source = cfg.sources[usize::from(position)];
    ex.proposal_count = id + 1;
    emit_cpi!(ProposalQueued {
        id,
        kind: kind::ROTATE_SOURCE,
        market_index: m.index,
        param: u16::from(position),
        value: activation_slot,
        eta: p.eta,
        expires: p.expires
    });
    Ok(())
}
