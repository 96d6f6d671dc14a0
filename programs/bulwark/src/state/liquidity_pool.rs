//! A risk pool's liquidity pool (the traders' counterparty in its markets) and its LPs'
//! accounts. A pool is the unit of loss-sharing: its markets' losses reach its own insurance
//! fund and LPs, never another pool's.

use anchor_lang::prelude::*;

/// PDA `[POOL_SEED, index le]`. Values in the collateral's smallest unit.
#[account(zero_copy)]
#[derive(Debug)]
pub struct LiquidityPool {
    pub version: u8,
    pub bump: u8,
    /// The pool's index (its PDA seed; pool 0 is the default).
    pub index: u16,
    /// Markets listed into this pool so far, and how many of them are delisted.
    pub market_count: u16,
    pub delisted_count: u16,
    /// Capital held for the pool (deposits, swept trader PnL and fee share, minus withdrawals).
    pub capital: i64,
    /// LP shares outstanding (including shares under a withdrawal request), `u128` LE.
    pub total_shares: [u8; 16],
    /// Shares under a withdrawal request, `u128` LE.
    pub requested_shares: [u8; 16],
    /// Seconds between a withdrawal request and its execution.
    pub withdraw_delay_secs: u32,
    /// Traders' counted profit is capped at this share of the pool (ppm).
    pub max_pnl_to_pool_ppm: u32,
    /// Bankruptcy losses socialised to LPs, cumulative.
    pub total_socialized: u64,
    /// Bucket: collateral deposited into this pool's margin accounts minus collateral
    /// withdrawn. Σ the pool's account collateral = this + Σ its markets' `trader_flow`.
    pub deposits_net: i64,
    /// The stress signal: leaders and what it does to this pool's other markets.
    pub contagion: bulwark_engine::contagion::ContagionParams,
    /// Tokens the shared vault holds for this pool: every deposit, LP deposit and stake into
    /// it, less every withdrawal, LP withdrawal and unstake from it and the protocol fees swept
    /// out of its markets. Equals its buckets (`deposits_net` + `capital` + its fund's balance
    /// + its markets' ledgers); no outflow takes it below zero, so a pool whose losses exceed
    /// its own tokens can never pay them with another pool's.
    pub vault_share: i64,
    /// Per stress-signal parameter (`PoolParam` order): the proposal count when governance
    /// last tightened it at once. A queued change of it with a lower id is stale.
    pub tightened_at: [u64; 8],
    /// Governance's step window for the stress-signal parameters: when it started (unix
    /// seconds) and how far each numeric parameter (step, spread, trigger, calm) has moved in it.
    pub step_window_start: i64,
    pub step_moved: [u64; 4],
    pub reserved: [u8; 88],
}
le_u128!(LiquidityPool {
    total_shares / set_total_shares / add_total_shares / sub_total_shares,
    requested_shares / set_requested_shares / add_requested_shares / sub_requested_shares,
});
const _: () = assert!(core::mem::size_of::<LiquidityPool>() == 296);

impl LiquidityPool {
    /// Account size including Anchor's discriminator.
    pub const SPACE: usize = 8 + core::mem::size_of::<LiquidityPool>();

    /// Markets listed into the pool and not delisted: its capital and its insurance fund are
    /// split evenly among them (a delisted market holds no open interest, so its part would
    /// only shrink the others').
    pub fn live_market_count(&self) -> u16 {
        self.market_count.saturating_sub(self.delisted_count)
    }

    /// Books `amount` of tokens coming into the vault for this pool.
    pub fn tokens_in(&mut self, amount: u64) -> Result<()> {
        use crate::error::OrMath;
        let a = i64::try_from(amount).map_err(|_| crate::error::BulwarkError::AmountTooLarge)?;
        self.vault_share = bulwark_engine::checked::Checked::plus(self.vault_share, a).or_math()?;
        Ok(())
    }

    /// Books `amount` of tokens leaving the vault from this pool; refused (`PoolTokensShort`)
    /// beyond what the vault holds for it.
    pub fn tokens_out(&mut self, amount: u64) -> Result<()> {
        let a = i64::try_from(amount).map_err(|_| crate::error::BulwarkError::AmountTooLarge)?;
        require!(
            self.vault_share >= a,
            crate::error::BulwarkError::PoolTokensShort
        );
        self.vault_share -= a;
        Ok(())
    }

    /// Refuses a market or account of another risk pool.
    pub fn require_pool(&self, pool: u16) -> Result<()> {
        require_eq!(self.index, pool, crate::error::BulwarkError::PoolMismatch);
        Ok(())
    }

    /// What a trade in one of `market_count` markets (a hot path that reads only this account,
    /// not every market) measures against: the market's even part of the pool's capital as
    /// the value for its reserve cap, and its even part of the pool-wide cap on traders' counted profit
    /// (`bulwark_engine::pool::market_trade_limits`), rounded down.
    pub fn trade_limits(&self, market_count: u16) -> bulwark_engine::EngineResult<(u64, i64)> {
        bulwark_engine::pool::market_trade_limits(
            self.capital,
            self.max_pnl_to_pool_ppm,
            market_count,
        )
    }
}

/// An LP's shares and pending withdrawal request in one pool: PDA `[LP_SEED, pool le, owner]`.
#[account(zero_copy)]
#[derive(Debug)]
pub struct LpAccount {
    pub version: u8,
    pub bump: u8,
    /// The pool whose shares these are.
    pub pool: u16,
    pub _padding0: [u8; 4],
    pub owner: Pubkey,
    /// Shares held (including requested ones), `u128` LE.
    pub shares: [u8; 16],
    /// Shares under request (0 = none), `u128` LE.
    pub requested_shares: [u8; 16],
    /// Unix time of the request.
    pub requested_at: i64,
    pub reserved: [u8; 48],
}
le_u128!(LpAccount {
    shares / set_shares / add_shares / sub_shares,
    requested_shares / set_requested_shares / add_requested_shares / sub_requested_shares,
});
const _: () = assert!(core::mem::size_of::<LpAccount>() == 128);

impl LpAccount {
    /// Account size including Anchor's discriminator.
    pub const SPACE: usize = 8 + core::mem::size_of::<LpAccount>();
}
