//! The arguments of a market listing (`create_market`): its sources and the engine's whole
//! parameter set (`bulwark_engine::market_params::MarketParamSet`, one name per parameter).
//! The listing itself (`Market::apply_listing`) and off-chain tools read them;
//! `instructions` re-exports them.

use anchor_lang::prelude::*;
use bulwark_engine::market_params::MarketParamSet;

use crate::state::OracleSideArgs;

/// Arguments of `create_market`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct CreateMarketArgs {
    /// Must equal the exchange's market count (markets are numbered from 0).
    pub index: u16,
    /// Ticker, UTF-8, zero padded.
    pub symbol: [u8; 16],
    /// The asset's USD price sources and aggregation limits.
    pub oracle: OracleSideArgs,
    /// Every parameter of the market. The open-interest caps are ignored: a market lists with
    /// zero caps, raised only through the timelock.
    pub params: MarketParamSet,
}
