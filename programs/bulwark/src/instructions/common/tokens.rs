//! Token movements: the only places tokens enter or leave the vault.

use anchor_lang::prelude::*;
use anchor_spl::token::{transfer, Token, TokenAccount, Transfer};

use crate::constants::EXCHANGE_SEED;
use crate::error::BulwarkError;
use crate::state::Exchange;

/// Checks a user token account against the exchange: collateral mint.
pub fn check_user_token_account(ex: &Exchange, account: &TokenAccount) -> Result<()> {
    require_keys_eq!(account.mint, ex.collateral_mint, BulwarkError::WrongMint);
    Ok(())
}

/// Moves `amount` from a user's token account (signed by `authority`) into the vault.
pub fn into_vault<'info>(
    token_program: &Program<'info, Token>,
    from: &Account<'info, TokenAccount>,
    vault: &Account<'info, TokenAccount>,
    authority: &Signer<'info>,
    amount: u64,
) -> Result<()> {
    let accounts = Transfer {
        from: from.to_account_info(),
        to: vault.to_account_info(),
        authority: authority.to_account_info(),
    };
    transfer(CpiContext::new(token_program.key(), accounts), amount)
}

/// Moves `amount` from the vault to a user's token account, signed by the exchange PDA.
pub fn out_of_vault<'info>(
    token_program: &Program<'info, Token>,
    vault: &Account<'info, TokenAccount>,
    to: &Account<'info, TokenAccount>,
    exchange: &AccountInfo<'info>,
    exchange_bump: u8,
    amount: u64,
) -> Result<()> {
    let accounts = Transfer {
        from: vault.to_account_info(),
        to: to.to_account_info(),
        authority: exchange.clone(),
    };
    let seeds: &[&[u8]] = &[EXCHANGE_SEED, &[exchange_bump]];
    transfer(
        CpiContext::new_with_signer(token_program.key(), accounts, &[seeds]),
        amount,
    )
}
