//! Listing a market: everything `create_market` writes into a new market account from its
//! arguments, and every check it makes, in one place the program and off-chain tools
//! (bootstrap validation, the stress simulator) share.

use anchor_lang::prelude::*;

use crate::state::{CreateMarketArgs, Market, OracleConfig};

impl Market {
    /// Fills a freshly created (zeroed) market from `args` at `slot`/`now` and validates the
    /// whole parameter set against the engine's bounds and cross-field rules
    /// ([`Market::validate_param_set`], the check every later parameter change runs too);
    /// listed Halted, with zero open-interest caps, until the first `update_risk`.
    pub fn apply_listing(&mut self, args: &CreateMarketArgs, slot: u64, now: i64) -> Result<()> {
        self.index = args.index;
        self.symbol = args.symbol;
        self.oracle = OracleConfig::from_args(&args.oracle)?;
        self.params = args.params;
        self.params.trade.open_interest_cap_long = 0;
        self.params.trade.open_interest_cap_short = 0;
        let base_mmr_ppm = self.params.dynamics.margin.base_mmr_ppm;
        self.ramp.current_ppm = base_mmr_ppm;
        self.ramp.target_ppm = base_mmr_ppm;
        self.ramp.slot = slot;
        self.ramp.calm_since_slot = slot;
        self.funding.last_time = now;
        // Listed without a price: Halted until the first update_risk.
        self.status = bulwark_engine::state::MarketState::Halted as u8;
        self.state_since_slot = slot;
        // The whole set, checked as stored (so the limits the market runs on are the ones
        // validated), by the same validation every later parameter change runs.
        self.validate_param_set()
    }
}
