//! `withdraw_protocol_fees(amount)`: governance takes protocol fees out of the vault.

use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};

use crate::constants::*;
use crate::error::{BulwarkError, OrMath};
use crate::events::ProtocolFeesWithdrawn;
use crate::instructions::common::tokens::{check_user_token_account, out_of_vault};
use crate::state::Exchange;
use bulwark_engine::checked::Checked;

#[event_cpi]
#[derive(Accounts)]
pub struct WithdrawProtocolFees<'info> {
    pub governance: Signer<'info>,

    #[account(mut, address = EXCHANGE_ADDRESS @ ErrorCode::ConstraintSeeds, has_one = governance @ BulwarkError::NotGovernance)]
    pub exchange: AccountLoader<'info, Exchange>,

    #[account(mut, address = exchange.load()?.vault @ BulwarkError::WrongVault)]
    pub vault: Account<'info, TokenAccount>,

    #[account(mut)]
    pub destination: Account<'info, TokenAccount>,

    pub token_program: Program<'info, Token>,
}

pub fn withdraw_protocol_fees_handler(
    ctx: Context<WithdrawProtocolFees>,
    amount: u64,
) -> Result<()> {
    require!(amount > 0, BulwarkError::ZeroAmount);
    let a = &ctx.accounts;
    let bump = {
        let ex = a.exchange.load()?;
        check_user_token_account(&ex, &a.destination)?;
        require_gte!(
            ex.protocol_fees,
            amount,
            BulwarkError::InsufficientProtocolFees
        );
        ex.bump
    };
    out_of_vault(
        &a.token_program,
        &a.vault,
        &a.destination,
        &a.exchange.to_account_info(),
        bump,
        amount,
    )?;
    let mut ex = a.exchange.load_mut()?;
    ex.protocol_fees = ex.protocol_fees.minus(amount).or_math()?;
    emit_cpi!(ProtocolFeesWithdrawn {
        amount,
        remaining: ex.protocol_fees
    });
    Ok(())
}
