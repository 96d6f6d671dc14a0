//! The market's stored aggregate: what the last judgement with news gave, as the market keeps
//! it between `update_risk` calls and every action reads it.

use super::market::MarketAggregate;
use super::validity::Validity;
use crate::action::StoredPrice;

stored_block! {
    /// The stored aggregate (prices at 1e-9 collateral per base unit unless stated).
    pub struct AggregateRecord {
        /// Aggregate price.
        pub price: u64,
        /// Aggregate confidence.
        pub conf: u64,
        /// Price for reductions and liquidations (differs while Divergent; 0 = none).
        pub reduce_price: u64,
        /// Asset source dispersion.
        pub dispersion: u64,
        /// Slot and unix time of the aggregate (of the last news: every age limit counts from
        /// `slot`).
        pub slot: u64,
        pub time: i64,
        /// Oldest publish time of the readings behind it.
        pub oldest_publish_time: i64,
        /// The asset's aggregate in USD at 1e-9, and its confidence.
        pub asset_price_usd: u64,
        pub asset_conf_usd: u64,
        /// The collateral's aggregate in USD at 1e-9, and its confidence.
        pub collateral_price_usd: u64,
        pub collateral_conf_usd: u64,
        /// The latest slot at which the readings were judged and gave this aggregate: `slot`
        /// on news, later when a refresh found nothing new and the same judgement. Only the
        /// increase rule reads it.
        pub judged_slot: u64,
        /// [`Validity`] code of the aggregate.
        pub validity: u8,
        /// Bit `i` set when asset source `i` survived the outlier pass; the same for the
        /// collateral's sources.
        pub asset_survivors: u8,
        pub collateral_survivors: u8,
        pub _padding: [u8; 5],
    }
}

impl AggregateRecord {
    /// Records `agg`, judged with news at `slot` and `now` (unix seconds).
    pub fn record(&mut self, agg: &MarketAggregate, slot: u64, now: i64) {
        *self = AggregateRecord {
            price: agg.price,
            conf: agg.conf,
            reduce_price: agg.reduce_price,
            dispersion: agg.dispersion,
            slot,
            time: now,
            oldest_publish_time: agg.oldest_publish_time,
            asset_price_usd: agg.asset.price,
            asset_conf_usd: agg.asset.conf,
            collateral_price_usd: agg.collateral.price,
            collateral_conf_usd: agg.collateral.conf,
            judged_slot: slot,
            validity: agg.validity as u8,
            asset_survivors: agg.asset.survivors,
            collateral_survivors: agg.collateral.survivors,
            _padding: [0; 5],
        };
    }

    /// The aggregate's validity.
    pub fn validity(&self) -> Validity {
        Validity::from_u8(self.validity)
    }

    /// The record as the engine's action table reads it.
    pub fn stored_price(&self) -> StoredPrice {
        StoredPrice {
            price: self.price,
            reduce_price: self.reduce_price,
            validity: self.validity(),
            slot: self.slot,
            judged_slot: self.judged_slot,
            oldest_publish_time: self.oldest_publish_time,
        }
    }
}
