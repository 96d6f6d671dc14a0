//! The insurance fund singleton (staking arrives with the loss waterfall).

use anchor_lang::prelude::*;

/// PDA `[INSURANCE_SEED]`. Balance in the collateral's smallest unit.
#[account(zero_copy)]
#[derive(Debug)]
pub struct InsuranceFund {
    pub version: u8,
    pub bump: u8,
    pub _padding0: [u8; 6],
    /// Funds held for covering losses (fee share swept from markets).
    pub balance: u64,
    pub reserved: [u8; 256],
}
const _: () = assert!(core::mem::size_of::<InsuranceFund>() == 272);

impl InsuranceFund {
    /// Account size including Anchor's discriminator.
    pub const SPACE: usize = 8 + core::mem::size_of::<InsuranceFund>();
}
