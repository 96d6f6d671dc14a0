//! Events. Append-only: add `FooV2` rather than change `Foo`.

use anchor_lang::prelude::*;

/// The exchange was created.
#[event]
pub struct ExchangeInitialized {
    pub exchange: Pubkey,
    pub governance: Pubkey,
    pub guardian: Pubkey,
    pub collateral_mint: Pubkey,
    pub vault: Pubkey,
    pub collateral_sources: u8,
}

/// A market was listed (open-interest caps start at zero).
#[event]
pub struct MarketCreated {
    pub market: Pubkey,
    pub index: u16,
    pub symbol: [u8; 16],
    pub sources: u8,
    pub min_quorum: u8,
}

/// One source's outcome in an `update_risk`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SourceOutcome {
    /// `SourceStatus` code (1 new, 2 unchanged, 3 invalid).
    pub status: u8,
    /// `ReadingFault` code when invalid, else 0.
    pub fault: u8,
    /// Reading in USD at 1e-9 (0 when invalid).
    pub price: u64,
    /// Confidence in USD at 1e-9.
    pub conf: u64,
    /// Publish time of the reading.
    pub publish_time: i64,
}

/// `update_risk` stored a new aggregate.
#[event]
pub struct RiskUpdated {
    pub market: Pubkey,
    pub slot: u64,
    /// Price in collateral units at 1e-9.
    pub price: u64,
    /// Confidence in collateral units at 1e-9.
    pub conf: u64,
    /// Fallback price for reductions (0 = none).
    pub reduce_price: u64,
    /// `Validity` code.
    pub validity: u8,
    pub twap: u64,
    pub asset_price_usd: u64,
    pub collateral_price_usd: u64,
    pub sources: Vec<SourceOutcome>,
    pub collateral_sources: Vec<SourceOutcome>,
}
