//! One perpetual market.

use anchor_lang::prelude::*;
use bulwark_engine::account::OpClock;
use bulwark_engine::market::{MarketCore, RiskUpdate, SideInput};
use bulwark_engine::oracle::{Observation, ReadingFault};

use super::{OracleConfig, OracleSource, SourceState};

/// A perpetual market (PDA `[MARKET_SEED, index le]`): its keys, symbol and oracle
/// configuration beside the engine-owned [`MarketCore`] (parameters, price, risk state, book
/// and ledgers), which it dereferences to. `update_risk` is its only oracle reader.
#[account(zero_copy)]
#[derive(Debug)]
pub struct Market {
    pub version: u8,
    pub bump: u8,
    /// Position of the source a queued rotation replaces.
    pub pending_source_index: u8,
    pub _padding0: [u8; 5],
    /// Ticker, UTF-8, zero padded.
    pub symbol: [u8; 16],
    /// The asset's sources and aggregation limits.
    pub oracle: OracleConfig,
    /// Bookkeeping of the asset sources, by position.
    pub source_states: [SourceState; 4],
    /// Bookkeeping of the exchange's collateral sources as seen by this market, by position.
    pub collateral_source_states: [SourceState; 4],
    /// A queued oracle-source rotation awaiting its slot (`pending_source_slot` 0 = none).
    pub pending_source: OracleSource,
    pub pending_source_slot: u64,
    /// The market's own address (its PDA), written at creation: instructions that must know
    /// the account sits at its PDA compare against it instead of re-deriving the address
    /// (~1,500 CU); an account copied elsewhere carries the original's address.
    pub address: Pubkey,
    /// Everything the engine's operations read and write.
    pub core: MarketCore,
    pub reserved: [u8; 1016],
}
const _: () = assert!(core::mem::size_of::<Market>() == 3128);
const _: () = assert!(core::mem::size_of::<Market>().is_multiple_of(8));

impl core::ops::Deref for Market {
    type Target = MarketCore;
    #[inline]
    fn deref(&self) -> &MarketCore {
        &self.core
    }
}

impl core::ops::DerefMut for Market {
    #[inline]
    fn deref_mut(&mut self) -> &mut MarketCore {
        &mut self.core
    }
}

impl Market {
    /// Account size including Anchor's discriminator.
    pub const SPACE: usize = 8 + core::mem::size_of::<Market>();

    /// `update_risk`'s effect from the sources' observations (asset then collateral, each in
    /// configured order; `collateral_oracle` is the exchange's): the engine's
    /// `MarketCore::update_risk` over this market's sources and their bookkeeping.
    #[allow(clippy::too_many_arguments)]
    pub fn update_risk_from(
        &mut self,
        collateral_oracle: &OracleConfig,
        asset: &[core::result::Result<Observation, ReadingFault>],
        collateral: &[core::result::Result<Observation, ReadingFault>],
        slot: u64,
        now: i64,
        decimals: u8,
    ) -> core::result::Result<Option<RiskUpdate>, crate::error::OpError> {
        let Market {
            core,
            oracle,
            source_states,
            collateral_source_states,
            ..
        } = self;
        let asset = SideInput {
            config: &*oracle,
            states: source_states,
            observations: asset,
        };
        let collateral = SideInput {
            config: collateral_oracle,
            states: collateral_source_states,
            observations: collateral,
        };
        core.update_risk(asset, collateral, OpClock { slot, now }, decimals)
    }

    /// Applies a pending source rotation once its slot has come: the new source replaces the
    /// old at its position and that source's bookkeeping (replay guard included) starts afresh.
    /// Returns whether it rotated.
    pub fn apply_due_rotation(&mut self, now_slot: u64) -> bool {
        if self.pending_source_slot == 0 || now_slot < self.pending_source_slot {
            return false;
        }
        let i = usize::from(self.pending_source_index);
        self.oracle.sources[i] = self.pending_source;
        self.source_states[i] = SourceState::default();
        self.pending_source = OracleSource::default();
        self.pending_source_slot = 0;
        true
    }
}
