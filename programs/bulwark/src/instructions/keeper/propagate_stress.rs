//! `propagate_stress`: permissionless. Reads the follower market's pool's named leader markets
//! (remaining accounts: exactly those, in the pool's order) and carries their stress signal
//! into the follower (`MarketCore::propagate_stress`; a follower that is itself a leader reads
//! the others): a leader in a velocity band, halted or too stale to see, or with volatility at
//! the pool's trigger, raises the follower's maintenance target by the pool's
//! step and widens its spread for increases; the ratio climbs through the ramp from the next
//! slot (nobody is liquidated in the slot the signal arrives). The signal goes off only after
//! every leader has been calm for the pool's calm period. Evented when it switches or changes.

use anchor_lang::prelude::*;
use bulwark_engine::contagion::{LeaderReading, MAX_LEADERS};

use crate::error::{engine_err, BulwarkError};
use crate::events::StressSignal;
use crate::state::{LiquidityPool, Market};

#[event_cpi]
#[derive(Accounts)]
pub struct PropagateStress<'info> {
    /// The follower.
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,

    /// The follower's risk pool (its leaders and contagion settings).
    pub pool: AccountLoader<'info, LiquidityPool>,
}

/// The leaders' readings at `clock`: `accounts` must be the pool's named leaders, in order
/// (a settled or delisted leader reads as nothing; the follower `(address, index)` itself,
/// when it is one of them, is checked but not read: a market never follows itself).
fn leader_readings<'info>(
    accounts: &'info [AccountInfo<'info>],
    pool: &LiquidityPool,
    clock: &Clock,
    follower: (Pubkey, u16),
) -> Result<Vec<LeaderReading>> {
    let named: Vec<u16> = pool.contagion.named_leaders().collect();
    require_eq!(
        accounts.len(),
        named.len(),
        BulwarkError::LeaderListMismatch
    );
    let mut out = Vec::with_capacity(MAX_LEADERS);
    for (info, index) in accounts.iter().zip(named) {
        if *info.key == follower.0 {
            require_eq!(follower.1, index, BulwarkError::LeaderListMismatch);
            continue;
        }
        let loader = AccountLoader::<Market>::try_from(info)?;
        let m = loader.load()?;
        require_eq!(m.index, index, BulwarkError::LeaderListMismatch);
        out.extend(m.leader_reading(clock.slot, clock.unix_timestamp));
    }
    Ok(out)
}

pub fn propagate_stress_handler<'info>(ctx: Context<'info, PropagateStress<'info>>) -> Result<()> {
    let clock = Clock::get()?;
    let pool = ctx.accounts.pool.load()?;
    let mut m = ctx.accounts.market.load_mut()?;
    pool.require_pool(m.pool)?;
    let follower = (ctx.accounts.market.key(), m.index);
    let readings = leader_readings(ctx.remaining_accounts, &pool, &clock, follower)?;
    let (out, target) = m
        .propagate_stress(&readings, &pool.contagion, clock.slot, clock.unix_timestamp)
        .map_err(engine_err)?;
    if out.changed {
        emit_cpi!(StressSignal {
            market_index: m.index,
            pool_index: m.pool,
            on: out.on,
            leader_index: out.leader,
            reason: if out.on { out.reason as u8 } else { 0 },
            step_ppm: m.contagion.step_ppm,
            spread_ppm: m.contagion.spread_ppm,
            target_mmr_ppm: target,
            slot: clock.slot,
        });
    }
    Ok(())
}
