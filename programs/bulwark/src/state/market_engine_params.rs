//! The market's views for the engine that combine parameters with state: the trading
//! parameters in force (the velocity band's spread) and one position's margin inputs. Pure
//! views, no validation and no writes; the stored blocks themselves are the engine's.

use bulwark_engine::funding::funding_owed;
use bulwark_engine::margin::MarketMargin;
use bulwark_engine::trade::TradeParams;

use super::{Market, PositionSlot};

impl Market {
    /// Trading parameters in force: governance's, with the spread the velocity breaker's band
    /// calls for (`bulwark_engine::trade::TradeParams::in_velocity_band`).
    pub fn trade_params_in_force(&self) -> TradeParams {
        self.params.trade.in_velocity_band(self.velocity.band)
    }

    /// Margin view of `slot`'s position at `price` (the price the caller's action may use)
    /// and slot `now_slot`: the maintenance ratio in force then, and the position's funding
    /// owed since its snapshot up to the stored index.
    pub fn margin(
        &self,
        slot: &PositionSlot,
        price: u64,
        decimals: u8,
        now_slot: u64,
    ) -> bulwark_engine::EngineResult<MarketMargin> {
        let unsettled_funding = funding_owed(
            slot.base,
            slot.funding_snapshot,
            self.funding.index,
            decimals,
        )?;
        let m = &self.params.margin;
        Ok(MarketMargin {
            market_index: self.index,
            price,
            conf: self.aggregate.conf,
            twap: self.twap.price,
            decimals,
            mmr_ppm: self.mmr_at(now_slot),
            base_imr_ppm: m.base_imr_ppm,
            imr_multiplier_ppm: m.imr_multiplier_ppm,
            imf_factor: m.imf_factor,
            conf_k_ppm: m.health_conf_k_ppm,
            unsettled_funding,
        })
    }
}
