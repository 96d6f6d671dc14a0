//! The exchange singleton.

use anchor_lang::prelude::*;

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
    /// Bucket: collateral deposited into margin accounts minus collateral withdrawn.
    /// Σ account collateral = this + Σ markets' `trader_flow`.
    pub collateral_deposits_net: i64,
    /// Bucket: protocol fees swept from markets, withdrawable by governance.
    pub protocol_fees: u64,
    /// Operations the guardian paused (`bulwark_engine::state::pause` bits), until when.
    pub guardian_pause_bits: u32,
    /// Operations the accounting invariant paused (cleared only by governance).
    pub invariant_pause_bits: u32,
    pub guardian_pause_until: i64,
    /// Guardian rate limit: the window's start and actions taken in it.
    pub guardian_window_start: i64,
    pub guardian_actions: u32,
    /// Longest pause the guardian may set, seconds.
    pub max_pause_secs: u32,
    pub guardian_window_secs: u32,
    pub guardian_max_actions: u32,
    /// Queued changes wait this long, then may execute for `grace_secs` before they expire.
    pub timelock_secs: u32,
    pub grace_secs: u32,
    /// Proposals queued so far (the next proposal's id).
    pub proposal_count: u64,
    /// Two-step role transfers: the proposed keys (default = none).
    pub pending_governance: Pubkey,
    pub pending_guardian: Pubkey,
    /// Length of the guardian's current (or last) pause as it set it, seconds: after the pause
    /// ends the guardian waits as long again before it may pause anew.
    pub guardian_pause_secs: u32,
    pub _padding1: u32,
    /// Markets delisted so far (they hold no open interest).
    pub delisted_count: u16,
    pub _padding2: [u8; 6],
    pub reserved: [u8; 872],
}
const _: () = assert!(core::mem::size_of::<Exchange>() == 1736);
const _: () = assert!(core::mem::size_of::<Exchange>().is_multiple_of(8));

impl Exchange {
    /// Markets listed and not delisted: the pool's capital and the insurance fund are split
    /// evenly among them (a delisted market holds no open interest, so its part would only
    /// shrink the others').
    pub fn live_market_count(&self) -> u16 {
        self.market_count.saturating_sub(self.delisted_count)
    }

    /// Operations paused at `now`: the guardian's until they expire, the invariant's until
    /// governance clears them.
    pub fn paused_bits(&self, now: i64) -> u32 {
        let guardian = if now < self.guardian_pause_until {
            self.guardian_pause_bits
        } else {
            0
        };
        guardian | self.invariant_pause_bits
    }

    /// The guardian's pause for the engine.
    pub fn guardian_pause(&self) -> bulwark_engine::guardian::GuardianPause {
        bulwark_engine::guardian::GuardianPause {
            bits: self.guardian_pause_bits,
            until: self.guardian_pause_until,
            secs: self.guardian_pause_secs,
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

    /// Account size including Anchor's discriminator.
    pub const SPACE: usize = 8 + core::mem::size_of::<Exchange>();
}
