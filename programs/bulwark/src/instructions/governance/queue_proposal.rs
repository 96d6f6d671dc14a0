//! `queue_proposal(seed, action)`: governance queues one typed action under the timelock at the
//! address `[PROPOSAL_SEED, seed]` the proposer chose (so a DAO drafts the transaction knowing
//! every account, whatever is queued meanwhile). What can be judged now is: bounds of a
//! parameter or the timelock, a pause end, and a source rotation against its market (position,
//! activation slot, distinct accounts, quorum). A market parameter is judged again at execution
//! (step, staleness, the whole set); a rotation against the sources then in force.

use anchor_lang::prelude::*;
use bulwark_engine::governance::schedule;

use crate::account_init::{create_pda_account, init_zero_copy};
use crate::constants::*;
use crate::error::{engine_err, BulwarkError};
use crate::events::ProposalQueued;
use crate::state::{
    status, Exchange, Market, OracleConfig, OracleSource, Proposal, ProposalAction,
};

#[event_cpi]
#[derive(Accounts)]
pub struct QueueProposal<'info> {
    pub governance: Signer<'info>,

    #[account(mut)]
    pub payer: Signer<'info>,

    #[account(mut, address = EXCHANGE_ADDRESS @ ErrorCode::ConstraintSeeds, has_one = governance @ BulwarkError::NotGovernance)]
    pub exchange: AccountLoader<'info, Exchange>,

    /// The market a source rotation replaces a source of (required for that action only).
    pub market: Option<AccountLoader<'info, Market>>,

    /// CHECK: the proposal's PDA (`[PROPOSAL_SEED, seed]`), checked and created by the
    /// handler (a seeds constraint would deserialize the action a second time).
    #[account(mut)]
    pub proposal: UncheckedAccount<'info>,

    pub system_program: Program<'info, System>,
}

/// The validated source a rotation installs (kept out of line: its configuration copies would
/// otherwise sit in the instruction's frame): source `position` of `market` replaced by
/// `source`, the whole configuration judged as it would stand; activation after now.
#[inline(never)]
fn rotation_source(
    market: Option<&AccountLoader<Market>>,
    market_index: u16,
    position: u8,
    source: &crate::state::OracleSourceArgs,
    activation_slot: u64,
) -> Result<OracleSource> {
    let m = market.ok_or(BulwarkError::MarketMismatch)?.load()?;
    require_eq!(m.index, market_index, BulwarkError::MarketMismatch);
    let i = usize::from(position);
    require!(
        i < usize::from(m.oracle.num_sources),
        BulwarkError::UnknownParameter
    );
    require!(
        activation_slot > Clock::get()?.slot,
        BulwarkError::InvalidOracleConfig
    );
    let mut side = m.oracle.to_args();
    side.sources[i] = source.clone();
    Ok(OracleConfig::from_args(&side)?.sources[i])
}

pub fn queue_proposal_handler(
    ctx: Context<QueueProposal>,
    seed: u64,
    action: ProposalAction,
) -> Result<()> {
    action.validate()?;
    let a = &ctx.accounts;
    let source = match &action {
        ProposalAction::RotateSource {
            market_index,
            position,
            source,
            activation_slot,
        } => rotation_source(
            a.market.as_ref(),
            *market_index,
            *position,
            source,
            *activation_slot,
        )?,
        _ => OracleSource::default(),
    };
    let seed_bytes = seed.to_le_bytes();
    let (address, bump) = Pubkey::find_program_address(&[PROPOSAL_SEED, &seed_bytes], &crate::ID);
    require_keys_eq!(a.proposal.key(), address, ErrorCode::ConstraintSeeds);
    let now = Clock::get()?.unix_timestamp;
    let mut ex = a.exchange.load_mut()?;
    let (eta, expires) = schedule(now, ex.timelock_secs, ex.grace_secs).map_err(engine_err)?;
    let seeds: &[&[u8]] = &[PROPOSAL_SEED, &seed_bytes, &[bump]];
    create_pda_account(
        &a.payer.to_account_info(),
        &a.proposal,
        Proposal::SPACE,
        &crate::ID,
        seeds,
    )?;
    let mut p = init_zero_copy::<Proposal>(&a.proposal)?;
    p.version = ACCOUNT_VERSION;
    p.bump = bump;
    p.status = status::QUEUED;
    p.seed = seed;
    p.id = ex.proposal_count;
    p.created_at = now;
    (p.eta, p.expires) = (eta, expires);
    action.store(&mut p, source)?;
    ex.proposal_count = ex.next_proposal_id()?;
    emit_cpi!(ProposalQueued {
        proposal: a.proposal.key(),
        id: p.id,
        action,
        eta,
        expires
    });
    Ok(())
}
