//! The exchange singleton.

use anchor_lang::prelude::*;
use bulwark_engine::guardian::{GuardianLimits, GuardianPause, GuardianWindow};

use super::OracleConfig;

/// Global configuration and roles (PDA `[EXCHANGE_SEED]`). Roles live here, never in code.
#[account(zero_copy)]
#[derive(Debug)]
pub struct Exchange {
    pub version: u8,
    pub bump: u8,
    pub vault_bump: u8,
    /// 0 Active (pause bookkeeping arrives with the breakers).
    pub status: u8,
    pub collateral_decimals: u8,
    pub _padding0: u8,
    /// Markets listed so far; the next market's index.
    pub market_count: u16,
    /// Signer of parameter changes (a DAO).
    pub governance: Pubkey,
    /// Key that may only tighten.
    pub guardian: Pubkey,
    /// Classic SPL Token mint of the collateral.
    pub collateral_mint: Pubkey,
    /// Vault token account (PDA `[VAULT_SEED]`, authority: this account).
    pub vault: Pubkey,
    /// The collateral's own oracle sources (its USD price).
    pub collateral_oracle: OracleConfig,
    /// Risk pools created so far (pool 0 at initialisation); the next pool's index.
    pub pool_count: u16,
    pub _padding3: [u8; 6],
    /// Bucket: protocol fees swept from markets, withdrawable by governance.
    pub protocol_fees: u64,
    /// The guardian's pause (bits, end, and its length: after it ends the guardian waits as
    /// long again before it may pause anew), its rate-limit window and its limits.
    pub guardian_pause: GuardianPause,
    pub guardian_window: GuardianWindow,
    pub guardian_limits: GuardianLimits,
    /// Operations the accounting invariant paused (cleared only by governance).
    pub invariant_pause_bits: u32,
    /// Queued changes wait this long, then may execute for `grace_secs` before they expire.
    pub timelock_secs: u32,
    pub grace_secs: u32,
    pub _padding1: u32,
    /// Proposals queued so far (the next proposal's id).
    pub proposal_count: u64,
    /// Two-step role transfers: the proposed keys (default = none).
    pub pending_governance: Pubkey,
    pub pending_guardian: Pubkey,
    /// Markets delisted so far (they hold no open interest).
    pub delisted_count: u16,
    pub _padding2: [u8; 6],
    pub reserved: [u8; 864],
}
const _: () = assert!(core::mem::size_of::<Exchange>() == 1736);
const _: () = assert!(core::mem::size_of::<Exchange>().is_multiple_of(8));

impl Exchange {
    /// Operations paused at `now`: the guardian's until they expire, the invariant's until
    /// governance clears them.
    pub fn paused_bits(&self, now: i64) -> u32 {
        let guardian = if self.guardian_pause.running(now) {
            self.guardian_pause.bits
        } else {
            0
        };
        guardian | self.invariant_pause_bits
    }

    /// The exchange and `pool` (the traded market's) as a trade at `now` sees them.
    pub fn trade_venue(
        &self,
        pool: &super::LiquidityPool,
        now: i64,
    ) -> bulwark_engine::account::TradeVenue {
        bulwark_engine::account::TradeVenue {
            paused_bits: self.paused_bits(now),
            pool_capital: pool.capital,
            max_pnl_to_pool_ppm: pool.max_pnl_to_pool_ppm,
            live_markets: pool.live_market_count(),
        }
    }

    /// Refuses when `bit` is paused at `now`.
    pub fn require_not_paused(&self, bit: u32, now: i64) -> Result<()> {
        require!(
            self.paused_bits(now) & bit == 0,
            crate::error::BulwarkError::ExchangePaused
        );
        Ok(())
    }

    /// The proposal count once one more is queued (the next queue order; checked).
    pub fn next_proposal_id(&self) -> Result<u64> {
        use crate::error::OrMath;
        bulwark_engine::checked::Checked::plus(self.proposal_count, 1).or_math()
    }

    /// Account size including Anchor's discriminator.
    pub const SPACE: usize = 8 + core::mem::size_of::<Exchange>();
}
