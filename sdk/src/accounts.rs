//! Account decoders: discriminator checked, bytes read without alignment assumptions.

use anchor_lang::{Discriminator, ZeroCopy};
use bulwark::state::{
    Exchange, InsuranceFund, LiquidityPool, LpAccount, MarginAccount, Market, StakeAccount,
};

/// Why account bytes could not be decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountDecodeError {
    /// Shorter than discriminator plus the type's size.
    TooShort,
    /// Not this account type.
    WrongDiscriminator,
}

impl std::fmt::Display for AccountDecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AccountDecodeError::TooShort => write!(f, "account data too short"),
            AccountDecodeError::WrongDiscriminator => {
                write!(f, "account discriminator does not match")
            }
        }
    }
}

impl std::error::Error for AccountDecodeError {}

/// Decodes a zero-copy Bulwark account (copies it out, so any alignment works).
pub fn decode<T: ZeroCopy + Discriminator>(data: &[u8]) -> Result<T, AccountDecodeError> {
    let disc = T::DISCRIMINATOR;
    let size = std::mem::size_of::<T>();
    if data.len() < disc.len() + size {
        return Err(AccountDecodeError::TooShort);
    }
    if &data[..disc.len()] != disc {
        return Err(AccountDecodeError::WrongDiscriminator);
    }
    Ok(bytemuck::pod_read_unaligned(
        &data[disc.len()..disc.len() + size],
    ))
}

/// Decodes an `Exchange`.
pub fn exchange(data: &[u8]) -> Result<Exchange, AccountDecodeError> {
    decode(data)
}

/// Decodes a `Market`.
pub fn market(data: &[u8]) -> Result<Market, AccountDecodeError> {
    decode(data)
}

/// Decodes a `MarginAccount`.
pub fn margin_account(data: &[u8]) -> Result<MarginAccount, AccountDecodeError> {
    decode(data)
}

/// Decodes the `LiquidityPool`.
pub fn pool(data: &[u8]) -> Result<LiquidityPool, AccountDecodeError> {
    decode(data)
}

/// Decodes an `LpAccount`.
pub fn lp_account(data: &[u8]) -> Result<LpAccount, AccountDecodeError> {
    decode(data)
}

/// Decodes the `InsuranceFund`.
pub fn insurance_fund(data: &[u8]) -> Result<InsuranceFund, AccountDecodeError> {
    decode(data)
}

/// Decodes a `StakeAccount`.
pub fn stake_account(data: &[u8]) -> Result<StakeAccount, AccountDecodeError> {
    decode(data)
}
