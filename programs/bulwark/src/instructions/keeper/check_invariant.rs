//! `check_invariant`: permissionless. If the vault holds less than the named buckets it backs
//! (Σ over the exchange, every market, every pool and every insurance fund), anyone pauses the
//! exchange (every value-moving operation) until governance clears it. On a healthy exchange
//! it is refused and changes nothing. Remaining accounts: every market, index 0 upwards, then
//! every pool, index 0 upwards, then every pool's insurance fund in the same order.

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

/// Every pool's buckets summed: `accounts` must be pools `0..pool_count` then their funds in the
/// same order (`PoolIndexMismatch` otherwise).
fn pool_buckets<'info>(
    accounts: &'info [AccountInfo<'info>],
    pool_count: u16,
    protocol_fees: u64,
) -> Result<VenueBuckets> {
    let n = usize::from(pool_count);
    require_eq!(accounts.len(), 2 * n, BulwarkError::PoolIndexMismatch);
    let mut venue = VenueBuckets {
        protocol_fees,
        ..Default::default()
    };
    for i in 0..n {
        let pool = AccountLoader::<LiquidityPool>::try_from(&accounts[i])?;
        let fund = AccountLoader::<InsuranceFund>::try_from(&accounts[n + i])?;
        let (pool, fund) = (pool.load()?, fund.load()?);
        require!(
            usize::from(pool.index) == i && usize::from(fund.pool) == i,
            BulwarkError::PoolIndexMismatch
        );
        venue.deposits_net = venue.deposits_net.plus(pool.deposits_net).or_math()?;
        venue.pool_capital = venue.pool_capital.plus(pool.capital).or_math()?;
        venue.insurance_balance = venue.insurance_balance.plus(fund.balance).or_math()?;
    }
    Ok(venue)
}
use bulwark_engine::checked::Checked;

#[event_cpi]
#[derive(Accounts)]
pub struct CheckInvariant<'info> {
    #[account(mut, address = EXCHANGE_ADDRESS @ ErrorCode::ConstraintSeeds)]
    pub exchange: AccountLoader<'info, Exchange>,

    #[account(address = exchange.load()?.vault @ BulwarkError::WrongVault)]
    pub vault: Account<'info, TokenAccount>,
}

pub fn check_invariant_handler<'info>(ctx: Context<'info, CheckInvariant<'info>>) -> Result<()> {
    let a = &ctx.accounts;
    let mut ex = a.exchange.load_mut()?;
    let (markets_n, pools_n) = (usize::from(ex.market_count), usize::from(ex.pool_count));
    require_eq!(
        ctx.remaining_accounts.len(),
        markets_n + 2 * pools_n,
        BulwarkError::MarketListMismatch
    );
    let (market_list, rest) = ctx.remaining_accounts.split_at(markets_n);
    let mut markets = 0i128;
    for_every_market(market_list, ex.market_count, |m| {
        markets = markets.plus(m.bucket_total()).or_math()?;
        Ok(())
    })?;
    let venue = pool_buckets(rest, ex.pool_count, ex.protocol_fees)?;
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
