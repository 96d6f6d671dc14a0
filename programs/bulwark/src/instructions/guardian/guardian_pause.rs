//! `guardian_pause(bits, duration_secs)`: the guardian pauses operations. It can add bits but
//! never remove them, and never extend a running pause (only governance can): a pause lasts at
//! most `max_pause_secs` and expires by itself. At most `guardian_max_actions` actions per
//! `guardian_window_secs`.

use anchor_lang::prelude::*;
use bulwark_engine::state::pause;

use crate::constants::*;
use crate::error::BulwarkError;
use crate::events::Paused;
use crate::state::Exchange;

#[derive(Accounts)]
pub struct GuardianPause<'info> {
    pub guardian: Signer<'info>,

    #[account(mut, seeds = [EXCHANGE_SEED], bump = exchange.load()?.bump, has_one = guardian @ BulwarkError::NotGuardian)]
    pub exchange: AccountLoader<'info, Exchange>,
}

/// Counts one guardian action against the rate limit (the window rolls after its length).
pub fn count_guardian_action(ex: &mut Exchange, now: i64) -> Result<()> {
    if now
        >= ex
            .guardian_window_start
            .saturating_add(ex.guardian_window_secs as i64)
    {
        ex.guardian_window_start = now;
        ex.guardian_actions = 0;
    }
    require!(
        ex.guardian_actions < ex.guardian_max_actions,
        BulwarkError::GuardianRateLimited
    );
    ex.guardian_actions += 1;
    Ok(())
}

pub fn guardian_pause_handler(
    ctx: Context<GuardianPause>,
    bits: u32,
    duration_secs: u32,
) -> Result<()> {
    require!(
        bits != 0 && bits & !pause::ALL == 0,
        BulwarkError::InvalidPause
    );
    let now = Clock::get()?.unix_timestamp;
    let mut ex = ctx.accounts.exchange.load_mut()?;
    require!(
        duration_secs > 0 && duration_secs <= ex.max_pause_secs,
        BulwarkError::InvalidPause
    );
    count_guardian_action(&mut ex, now)?;
    if now < ex.guardian_pause_until {
        // A running pause: add bits, keep its end.
        ex.guardian_pause_bits |= bits;
    } else {
        ex.guardian_pause_bits = bits;
        ex.guardian_pause_until = now + duration_secs as i64;
    }
    emit!(Paused {
        bits: ex.guardian_pause_bits,
        until: ex.guardian_pause_until,
        by_invariant: false
    });
    Ok(())
}
