//! A market under emergency settlement: its fixed payout ratio and the health view of a
//! position in it (worth what settlement will pay), shared by the program and the SDK.

use bulwark_engine::margin::MarketMargin;
use bulwark_engine::position::Position;
use bulwark_engine::settlement::{settled_view, settlement_value, PayoutRatio};
use bulwark_engine::EngineResult;

use super::{Market, PositionSlot};

impl Market {
    /// The settlement payout ratio once fixed (`None` while positions remain unvisited).
    pub fn settlement_ratio(&self) -> Option<PayoutRatio> {
        (self.settlement.ratio.den != 0).then_some(self.settlement.ratio)
    }

    /// Health view of `slot`'s position in this market once it is at or past Settling: valued
    /// at what settlement will pay (losses whole, profits at the fixed ratio, 0 before it is
    /// fixed), no requirement, funding owed at the frozen index (collateral units). With
    /// `count_losses` false a loss counts 0 (a settlement charging another of the account's
    /// losses must not count this one too).
    pub fn settled_margin(
        &self,
        slot: &PositionSlot,
        decimals: u8,
        now_slot: u64,
        count_losses: bool,
    ) -> EngineResult<(Position, MarketMargin)> {
        let pos = slot.position();
        let price = self.settlement.price;
        let mut value = settlement_value(pos, price, decimals, self.settlement_ratio())?;
        if !count_losses {
            value = value.max(0);
        }
        let funding = self
            .margin(slot, price, decimals, now_slot)?
            .unsettled_funding;
        settled_view(pos, self.index, price, decimals, value, funding)
    }
}
