//! `create_market`: governance lists a market with 1–4 oracle sources into one risk pool (the
//! `pool` account named; for good: its pool's LPs and insurance fund back it, and only that
//! pool's margin accounts trade it); every parameter is checked against the engine's bounds
//! table; open-interest caps start at zero.

use crate::error::OrMath;
use anchor_lang::prelude::*;
use bulwark_engine::checked::Checked;

use crate::account_init::{create_pda_account, init_zero_copy, is_uncreated};
use crate::constants::*;
use crate::error::BulwarkError;
use crate::events::MarketCreated;
pub use crate::state::market_args::*;
use crate::state::{Exchange, LiquidityPool, Market};

#[event_cpi]
#[derive(Accounts)]
#[instruction(args: CreateMarketArgs)]
pub struct CreateMarket<'info> {
    pub governance: Signer<'info>,

    #[account(mut)]
    pub payer: Signer<'info>,

    #[account(mut, address = EXCHANGE_ADDRESS @ ErrorCode::ConstraintSeeds, has_one = governance @ BulwarkError::NotGovernance)]
    pub exchange: AccountLoader<'info, Exchange>,

    /// CHECK: the market PDA for `args.index`, created by this instruction.
    #[account(mut, seeds = [MARKET_SEED, &args.index.to_le_bytes()], bump)]
    pub market: UncheckedAccount<'info>,

    /// The risk pool the market is listed into.
    #[account(mut)]
    pub pool: AccountLoader<'info, LiquidityPool>,

    pub system_program: Program<'info, System>,
}

impl CreateMarket<'_> {
    pub fn validate(&self, args: &CreateMarketArgs) -> Result<()> {
        require_eq!(
            args.index,
            self.exchange.load()?.market_count,
            BulwarkError::MarketIndexMismatch
        );
        require!(
            is_uncreated(&self.market),
            BulwarkError::AccountAlreadyInitialized
        );
        Ok(())
    }
}

#[access_control(ctx.accounts.validate(&args))]
pub fn create_market_handler(ctx: Context<CreateMarket>, args: CreateMarketArgs) -> Result<()> {
    let a = &ctx.accounts;
    let seeds: &[&[u8]] = &[MARKET_SEED, &args.index.to_le_bytes(), &[ctx.bumps.market]];
    create_pda_account(
        &a.payer.to_account_info(),
        &a.market,
        Market::SPACE,
        &crate::ID,
        seeds,
    )?;
    let mut ex = a.exchange.load_mut()?;
    ex.market_count = ex.market_count.plus(1).or_math()?;
    let mut pool = a.pool.load_mut()?;
    pool.market_count = pool.market_count.plus(1).or_math()?;
    let mut m = init_zero_copy::<Market>(&a.market)?;
    m.version = MARKET_VERSION;
    m.bump = ctx.bumps.market;
    m.address = ctx.accounts.market.key();
    let clock = Clock::get()?;
    m.apply_listing(&args, clock.slot, clock.unix_timestamp)?;
    m.pool = pool.index;
    emit_cpi!(MarketCreated {
        market_index: args.index,
        pool_index: pool.index,
        symbol: args.symbol,
        sources: m.oracle.num_sources,
        min_quorum: m.oracle.min_quorum,
    });
    Ok(())
}
