//! `check_invariant`: permissionless. If the vault holds less than the named buckets it backs
//! (Σ over the exchange, every market, every pool and every insurance fund), anyone pauses the
//! exchange (every value-moving operation) until governance clears it. On a healthy exchange
//! it is refused and changes nothing. It also pauses when any pool's buckets exceed what the
//! vault holds for that pool (`LiquidityPool::vault_share`): one pool's claims may never rest on
//! another's tokens. Remaining accounts: every market, index 0 upwards, then
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

/// Every pool's buckets summed, and the pools whose buckets (its deposits, capital, fund and
/// its markets' parts `by_pool`) exceed what the vault holds for it (`vault_share`): `accounts`
/// must be pools `0..pool_count` then their funds in the same order (`PoolIndexMismatch`
/// otherwise).
fn pool_buckets<'info>(
    accounts: &'info [AccountInfo<'info>],
    pool_count: u16,
    protocol_fees: u64,
    by_pool: &[i128],
) -> Result<(VenueBuckets, Vec<u16>)> {
    let n = usize::from(pool_count);
    require_eq!(accounts.len(), 2 * n, BulwarkError::PoolIndexMismatch);
    let mut venue = VenueBuckets {
        protocol_fees,
        ..Default::default()
    };
    let mut short = Vec::new();
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
        let own = i128::from(pool.deposits_net)
            + i128::from(pool.capital)
            + i128::from(fund.balance)
            + by_pool.get(i).copied().unwrap_or(0);
        if own > i128::from(pool.vault_share) {
            short.push(i as u16);
        }
    }
    Ok((venue, short))
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
    let mut by_pool = vec![0i128; pools_n];
    for_every_market(market_list, ex.market_count, |m| {
        markets = markets.plus(m.bucket_total()).or_math()?;
        let part = by_pool
            .get_mut(usize::from(m.pool))
            .ok_or(BulwarkError::PoolIndexMismatch)?;
        *part = part.plus(m.bucket_total()).or_math()?;
        Ok(())
    })?;
    let (venue, short) = pool_buckets(rest, ex.pool_count, ex.protocol_fees, &by_pool)?;
    let total = vault_backs(&venue, markets);
    require!(
        invariant_broken(a.vault.amount, total) || !short.is_empty(),
        BulwarkError::InvariantHolds
    );
    msg!(
        "vault {} vs buckets {}; pools whose buckets exceed their vault share: {:?}",
        a.vault.amount,
        total,
        short
    );
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
