//! `guardian_pause(bits, duration_secs)`: the guardian pauses operations. It can add bits but
//! never remove them, and never extend a running pause (only governance can): a pause lasts at
//! most `max_pause_secs` and expires by itself, and once it ends the guardian may not start
//! another for as long as it lasted (`bulwark_engine::guardian`). At most
//! `guardian_max_actions` actions per `guardian_window_secs`.

use anchor_lang::prelude::*;
use bulwark_engine::guardian::{guardian_pause, PauseRefusal};

use crate::constants::*;
use crate::error::BulwarkError;
use crate::events::Paused;
use crate::state::Exchange;

#[event_cpi]
#[derive(Accounts)]
pub struct GuardianPause<'info> {
    pub guardian: Signer<'info>,

    #[account(mut, address = EXCHANGE_ADDRESS @ ErrorCode::ConstraintSeeds, has_one = guardian @ BulwarkError::NotGuardian)]
    pub exchange: AccountLoader<'info, Exchange>,
}

/// Counts one guardian action against the rate limit (the window rolls after its length).
pub fn count_guardian_action(ex: &mut Exchange, now: i64) -> Result<()> {
    require!(
        ex.guardian_window.count(now, &ex.guardian_limits),
        BulwarkError::GuardianRateLimited
    );
    Ok(())
}

pub fn guardian_pause_handler(
    ctx: Context<GuardianPause>,
    bits: u32,
    duration_secs: u32,
) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let mut ex = ctx.accounts.exchange.load_mut()?;
    let next = guardian_pause(
        &ex.guardian_pause,
        now,
        bits,
        duration_secs,
        ex.guardian_limits.max_pause_secs,
    )
    .map_err(|r| match r {
        PauseRefusal::Invalid => error!(BulwarkError::InvalidPause),
        PauseRefusal::CoolingOff { until } => {
            msg!("the guardian may pause again at {}", until);
            error!(BulwarkError::GuardianCoolingOff)
        }
    })?;
    count_guardian_action(&mut ex, now)?;
    ex.guardian_pause = next;
    emit_cpi!(Paused {
        bits: next.bits,
        until: next.until,
        by_invariant: false
    });
    Ok(())
}
