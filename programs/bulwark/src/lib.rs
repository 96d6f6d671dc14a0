//! Bulwark: a perpetual-futures venue built to survive systemic events. Thin glue over the
//! `bulwark-engine` crate, which holds every formula.

use anchor_lang::prelude::*;

pub mod account_init;
pub mod constants;
pub mod error;
pub mod events;
pub mod instructions;
pub mod oracle;
pub mod state;

use instructions::*;

declare_id!("5gVMrPqA8x9kGFSbY1RH7unGRaofQfbgQnEJGJwN1x2D");

#[program]
pub mod bulwark {
    use super::*;

    /// Creates the exchange and its vault; signed by the program's upgrade authority, once.
    pub fn initialize_exchange(
        ctx: Context<InitializeExchange>,
        args: InitializeExchangeArgs,
    ) -> Result<()> {
        instructions::initialize_exchange_handler(ctx, args)
    }

    /// Lists a market (governance only); parameters within the bounds table, caps at zero.
    pub fn create_market(ctx: Context<CreateMarket>, args: CreateMarketArgs) -> Result<()> {
        instructions::create_market_handler(ctx, args)
    }

    /// Permissionless: reads the market's and the collateral's oracles and stores the aggregate.
    pub fn update_risk<'info>(ctx: Context<'info, UpdateRisk<'info>>) -> Result<()> {
        instructions::update_risk_handler(ctx)
    }
}
