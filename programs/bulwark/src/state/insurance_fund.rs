//! A risk pool's insurance fund and its stakers' accounts.

use anchor_lang::prelude::*;

/// PDA `[INSURANCE_SEED, pool le]`. Balance in the collateral's smallest unit. It covers
/// only its own pool's markets.
#[account(zero_copy)]
#[derive(Debug)]
pub struct InsuranceFund {
    pub version: u8,
    pub bump: u8,
    /// The risk pool it belongs to.
    pub pool: u16,
    pub _padding0: [u8; 4],
    /// Funds held for covering losses (stakes, fee and penalty shares swept from markets).
    pub balance: u64,
    /// Staker shares outstanding (including shares under an unstake request), `u128` LE.
    pub total_shares: [u8; 16],
    /// Shares under an unstake request (they still bear losses), `u128` LE.
    pub requested_shares: [u8; 16],
    /// Seconds between an unstake request and its payment.
    pub unstake_cooldown_secs: u32,
    pub _padding1: u32,
    /// Paid to cover bankruptcies, cumulative.
    pub total_paid: u64,
    pub reserved: [u8; 208],
}
le_u128!(InsuranceFund {
    total_shares / set_total_shares / add_total_shares / sub_total_shares,
    requested_shares / set_requested_shares / add_requested_shares / sub_requested_shares,
});
const _: () = assert!(core::mem::size_of::<InsuranceFund>() == 272);

impl InsuranceFund {
    /// Account size including Anchor's discriminator.
    pub const SPACE: usize = 8 + core::mem::size_of::<InsuranceFund>();

    /// Refuses a market of another risk pool.
    pub fn require_pool(&self, market_pool: u16) -> Result<()> {
        require_eq!(
            self.pool,
            market_pool,
            crate::error::BulwarkError::PoolMismatch
        );
        Ok(())
    }

    /// The fund as a market's coverage breaker sees it.
    pub fn commitment(&self) -> bulwark_engine::market::books::FundCommitment {
        bulwark_engine::market::books::FundCommitment {
            balance: self.balance,
            total_shares: self.total_shares(),
            requested_shares: self.requested_shares(),
        }
    }

    /// The fund and `pool` as the payers of a bankruptcy's deficit.
    pub fn deficit_payers<'a>(
        &'a mut self,
        pool: &'a mut super::LiquidityPool,
    ) -> bulwark_engine::account::bankruptcy::DeficitPayers<'a> {
        bulwark_engine::account::bankruptcy::DeficitPayers {
            fund_balance: &mut self.balance,
            fund_paid: &mut self.total_paid,
            pool_capital: &mut pool.capital,
            pool_socialized: &mut pool.total_socialized,
        }
    }
}

/// A staker's shares and pending unstake in one pool's fund: PDA `[STAKE_SEED, pool le, owner]`.
#[account(zero_copy)]
#[derive(Debug)]
pub struct StakeAccount {
    pub version: u8,
    pub bump: u8,
    /// The risk pool whose fund the shares are of.
    pub pool: u16,
    pub _padding0: [u8; 4],
    pub owner: Pubkey,
    /// Shares held, `u128` LE.
    pub shares: [u8; 16],
    /// Shares under request (0 = none), `u128` LE.
    pub requested_shares: [u8; 16],
    pub requested_at: i64,
    /// What the requested shares were worth at the request (the payout is at most this).
    pub value_at_request: u64,
    pub reserved: [u8; 48],
}
le_u128!(StakeAccount {
    shares / set_shares / add_shares / sub_shares,
    requested_shares / set_requested_shares / add_requested_shares / sub_requested_shares,
});
const _: () = assert!(core::mem::size_of::<StakeAccount>() == 136);

impl StakeAccount {
    /// Account size including Anchor's discriminator.
    pub const SPACE: usize = 8 + core::mem::size_of::<StakeAccount>();
}
