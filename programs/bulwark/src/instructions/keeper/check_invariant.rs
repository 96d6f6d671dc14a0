//! `check_invariant`: permissionless. If the vault holds less than the named buckets it backs
//! (Σ over the exchange, every market, the pool and the insurance fund), anyone pauses the
//! exchange (every value-moving operation) until governance clears it. On a healthy exchange
//! it is refused and changes nothing. Remaining accounts: every market, index 0 upwards.

use anchor_lang::prelude::*;
use anchor_spl::token::TokenAccount;
use bulwark_engine::breaker::{invariant_broken, Reason};
use bulwark_engine::conservation::{vault_backs, VenueBuckets};
use bulwark_engine::state::pause;

use crate::constants::*;
use crate::error::{BulwarkError, OrMath};
use crate::events::{BreakerTransition, Paused};
use crate::instructions::common::pool_value::for_every_market;
use crate::state::{Exchange, InsuranceFund, LiquidityPool};
use bulwark_engine::checked::Checked;

#[event_cpi]
#[derive(Accounts)]
pub struct CheckInvariant<'info> {
    #[account(mut, address = EXCHANGE_ADDRESS @ ErrorCode::ConstraintSeeds)]
    pub exchange: AccountLoader<'info, Exchange>,

    #[account(address = exchange.load()?.vault @ BulwarkError::WrongVault)]
    pub vault: Account<'info, TokenAccount>,

    #[account(address = POOL_ADDRESS @ ErrorCode::ConstraintSeeds)]
    pub pool: AccountLoader<'info, LiquidityPool>,

    #[account(address = INSURANCE_ADDRESS @ ErrorCode::ConstraintSeeds)]
    pub insurance_fund: AccountLoader<'info, InsuranceFund>,
}

pub fn check_invariant_handler<'info>(ctx: Context<'info, CheckInvariant<'info>>) -> Result<()> {
    let a = &ctx.accounts;
    let mut ex = a.exchange.load_mut()?;
    let mut markets = 0i128;
    for_every_market(ctx.remaining_accounts, ex.market_count, |m| {
        markets = markets.plus(m.bucket_total()).or_math()?;
        Ok(())
    })?;
    let venue = VenueBuckets {
        deposits_net: ex.collateral_deposits_net,
        protocol_fees: ex.protocol_fees,
        pool_capital: a.pool.load()?.capital,
        insurance_balance: a.insurance_fund.load()?.balance,
    };
    let total = vault_backs(&venue, markets);
    require!(
        invariant_broken(a.vault.amount, total),
        BulwarkError::InvariantHolds
    );
    msg!("vault {} below buckets {}", a.vault.amount, total);
    ex.invariant_pause_bits = pause::INVARIANT;
    emit_cpi!(BreakerTransition {
        market_index: None,
        reason: Reason::AccountingInvariant,
        tripped: true,
        slot: Clock::get()?.slot
    });
    emit_cpi!(Paused {
        bits: pause::INVARIANT,
        until: i64::MAX,
        by_invariant: true
    });
    Ok(())
}
