//! A risk pool's value over its markets (remaining accounts: the pool's markets, ascending),
//! and the walk over every market the vault identity needs.

use crate::error::OrMath;
use anchor_lang::prelude::*;
use bulwark_engine::action::{price_for_action, Action};
use bulwark_engine::checked::Checked;
use bulwark_engine::pool::{
    pool_reserves_allow, pool_value, reserved_notional, trader_pnl_bounds, PoolBook, PoolValue,
};

use crate::error::{engine_err, refusal_err, BulwarkError};
use crate::state::{LiquidityPool, Market};

/// The pool's book and each market's reserve, as LP operations need them.
pub struct PoolView {
    /// Value bounds (minimum for withdrawals, maximum for deposits).
    pub value: PoolValue,
    /// What the value is made of.
    pub book: PoolBook,
    /// Per market: (reserved notional, reserve factor).
    pub reserves: Vec<(u64, u32)>,
}

impl PoolView {
    /// True when every market's reserve still fits the pool as a whole after its minimum
    /// value drops by `withdrawn` (`bulwark_engine::pool::pool_reserves_allow`).
    pub fn reserves_allow_withdrawal(&self, withdrawn: u64) -> Result<bool> {
        let after = self.value.min.saturating_sub(withdrawn);
        pool_reserves_allow(&self.reserves, after).map_err(engine_err)
    }
}

/// Runs `f` on every market: `markets` must be exactly markets `0..market_count`, in index
/// order (`MarketListMismatch` otherwise), each a Bulwark `Market` account.
pub fn for_every_market<'info>(
    markets: &'info [AccountInfo<'info>],
    market_count: u16,
    mut f: impl FnMut(&Market) -> Result<()>,
) -> Result<()> {
    require_eq!(
        markets.len(),
        usize::from(market_count),
        BulwarkError::MarketListMismatch
    );
    for (i, info) in markets.iter().enumerate() {
        let loader = AccountLoader::<Market>::try_from(info)?;
        let m = loader.load()?;
        require_eq!(usize::from(m.index), i, BulwarkError::MarketListMismatch);
        f(&m)?;
    }
    Ok(())
}

/// Runs `f` on every market of `pool`: `markets` must be exactly the pool's markets (as many
/// as it has listed, each listed into it), in ascending index order (`MarketListMismatch`
/// otherwise), each a Bulwark `Market` account. Markets of one pool are listed into it for
/// good, so that count of distinct ascending markets of the pool is all of them.
pub fn for_pool_markets<'info>(
    markets: &'info [AccountInfo<'info>],
    pool: &LiquidityPool,
    mut f: impl FnMut(&Market) -> Result<()>,
) -> Result<()> {
    require_eq!(
        markets.len(),
        usize::from(pool.market_count),
        BulwarkError::MarketListMismatch
    );
    let mut previous: Option<u16> = None;
    for info in markets {
        let loader = AccountLoader::<Market>::try_from(info)?;
        let m = loader.load()?;
        require!(
            previous.is_none_or(|p| m.index > p) && m.pool == pool.index,
            BulwarkError::MarketListMismatch
        );
        previous = Some(m.index);
        f(&m)?;
    }
    Ok(())
}

/// Values the pool: capital, what markets owe it, traders' unrealised PnL (a liability at
/// once, capped) and accounts' unresolved negative collateral (a liability at once).
/// `markets` must be exactly the pool's markets ([`for_pool_markets`]); each needs a price
/// usable for reductions.
pub fn value_pool<'info>(
    pool: &LiquidityPool,
    markets: &'info [AccountInfo<'info>],
    decimals: u8,
    clock: &Clock,
) -> Result<PoolView> {
    let mut book = PoolBook {
        capital: pool.capital,
        max_pnl_to_pool_ppm: pool.max_pnl_to_pool_ppm,
        ..Default::default()
    };
    let mut reserves = Vec::with_capacity(markets.len());
    for_pool_markets(markets, pool, |m| {
        let b = &m.book;
        let mut worst = 0;
        let mut best = 0;
        let mut reserved = 0;
        if b.long_oi != 0 || b.short_oi != 0 {
            let price = price_for_action(
                Action::ReduceRisk,
                &m.aggregate.stored_price(),
                clock.slot,
                clock.unix_timestamp,
                &m.params.ages,
            )
            .map_err(refusal_err)?;
            (worst, best) = trader_pnl_bounds(
                b,
                price,
                m.aggregate.conf,
                m.params.margin.health_conf_k_ppm,
                decimals,
            )
            .map_err(engine_err)?;
            reserved = reserved_notional(b, price, decimals).map_err(engine_err)?;
        }
        book.add_market(&m.ledgers, worst, best).or_math()?;
        reserves.push((reserved, m.params.trade.reserve_factor_ppm));
        Ok(())
    })?;
    Ok(PoolView {
        value: pool_value(&book).map_err(engine_err)?,
        book,
        reserves,
    })
}

/// What the pool's markets together hold against its insurance fund: minimum rewards advanced
/// on its behalf and accounts' unresolved negative collateral (collateral units). `markets`
/// must be exactly the pool's markets ([`for_pool_markets`]).
pub fn fund_liabilities<'info>(
    markets: &'info [AccountInfo<'info>],
    pool: &LiquidityPool,
) -> Result<(u64, u64)> {
    let (mut advanced, mut bad_debt) = (0u64, 0u64);
    for_pool_markets(markets, pool, |m| {
        advanced = advanced.plus(m.ledgers.insurance_debt).or_math()?;
        bad_debt = bad_debt.plus(m.ledgers.bad_debt_pending).or_math()?;
        Ok(())
    })?;
    Ok((advanced, bad_debt))
}

/// Refuses a request that is not payable at `now`: `not_ready` while waiting,
/// `RequestExpired` once it is past its validity.
pub fn require_request_ready(
    requested_at: i64,
    delay_secs: u32,
    now: i64,
    not_ready: BulwarkError,
) -> Result<()> {
    use bulwark_engine::pool::{request_state, RequestState};
    match request_state(requested_at, delay_secs, now) {
        RequestState::Waiting => Err(not_ready.into()),
        RequestState::Expired => Err(BulwarkError::RequestExpired.into()),
        RequestState::Ready => Ok(()),
    }
}
