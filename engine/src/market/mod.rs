//! One market's engine-owned data ([`MarketCore`]): its parameters, price, risk state, book
//! and ledgers, as one stored block the program's zero-copy `Market` embeds beside its keys
//! and oracle configuration. The operations over it live in the submodules: the views the
//! margin rules read (`views`), storing a fresh aggregate (`risk`), and moving money out of
//! its ledgers (`books`).

pub mod books;
pub mod risk;
pub mod stress;
pub mod views;

pub use risk::{RiskUpdate, SideInput};
pub use views::{MarginViewError, SettlingLosses};

use crate::breaker::{flags as breaker_flags, VelocityState};
use crate::conservation::MarketLedgers;
use crate::contagion::ContagionState;
use crate::dynamic_margin::{effective_mmr_ppm, MarginRamp};
use crate::error::{EngineResult, Refused};
use crate::funding::FundingState;
use crate::governance::GovernanceRecord;
use crate::insurance::CoverageWindow;
use crate::market_params::MarketParamSet;
use crate::oracle::{AggregateRecord, TwapState, Validity};
use crate::settlement::SettlementState;
use crate::state::{allowed, effective_state, MarketState, Op};
use crate::trade::{MarketBook, TradeOutcome};
use crate::volatility::VolState;

stored_block! {
    /// A market's engine-owned state (the program's `Market` embeds it as `core`).
    pub struct MarketCore {
        /// The market's index (its PDA seed and the positions' `market_index`).
        pub index: u16,
        /// `MarketState` code.
        pub status: u8,
        /// Breakers (`crate::breaker::flags`).
        pub breaker_flags: u8,
        /// 1 while the guardian holds the market reduce-only.
        pub guardian_reduce_only: u8,
        /// 1 while the insurance-coverage breaker is tripped.
        pub insurance_tripped: u8,
        /// The risk pool the market is listed into (its LPs and insurance fund back it; only
        /// that pool's margin accounts trade it). Fixed at listing.
        pub pool: u16,
        /// Volatility per √second in ppm (from `vol.variance`).
        pub sigma_ppm: u32,
        pub _padding1: [u8; 4],
        /// Slots this market has had a usable price (the clock of liquidation fee escalation;
        /// it stops while the price is unusable). Counted up to `aggregate.slot`.
        pub priced_slots: u64,
        /// Slot the market entered its current state.
        pub state_since_slot: u64,
        /// The stored aggregate: what the last judgement with news gave (`update_risk` is its
        /// only writer).
        pub aggregate: AggregateRecord,
        /// TWAP of the aggregate, collateral units at 1e-9 (0 until the first sample).
        pub twap: TwapState,
        /// Every configurable parameter, as governance set it (one name, one bounds entry and
        /// one validation per parameter).
        pub params: MarketParamSet,
        /// Open interest (base atoms), cost aggregates and the impact sub-ledger.
        pub book: MarketBook,
        /// Sub-ledgers (collateral units), swept by `sweep`, and the bad debt recognised.
        pub ledgers: MarketLedgers,
        /// Volatility estimate, maintenance-ratio ramp, funding and velocity-breaker state.
        pub vol: VolState,
        pub ramp: MarginRamp,
        pub funding: FundingState,
        pub velocity: VelocityState,
        /// Insurance coverage window of this market.
        pub coverage: CoverageWindow,
        /// Governance memory: the step window and which queued loosenings are stale.
        pub governance: GovernanceRecord,
        /// Emergency settlement: its price, bookkeeping and the winners' payout ratio.
        pub settlement: SettlementState,
        /// The stress signal from the pool's leader markets (`crate::contagion`).
        pub contagion: ContagionState,
        /// The current ADL episode: the clock of leverage draining's water level.
        pub adl_episode: crate::adl::AdlEpisode,
    }
}

impl MarketCore {
    /// The escalation clock at `now_slot`: slots with a usable price so far.
    #[inline]
    pub fn priced_clock(&self, now_slot: u64, price_usable: bool) -> u64 {
        let running = if price_usable {
            now_slot.saturating_sub(self.aggregate.slot)
        } else {
            0
        };
        self.priced_slots.saturating_add(running)
    }

    /// The market's state.
    #[inline]
    pub fn state(&self) -> MarketState {
        MarketState::from_u8(self.status)
    }

    /// Refuses `op` unless the state table allows it in the market's state.
    #[inline]
    pub fn require_allowed(&self, op: Op) -> EngineResult<()> {
        let state = self.state();
        if allowed(op, state) {
            Ok(())
        } else {
            Err(Refused::MarketState { op, state }.into())
        }
    }

    /// Recomputes the state from its causes at `now_slot`; returns the new state if it changed.
    #[inline]
    pub fn refresh_state(&mut self, now_slot: u64) -> Option<MarketState> {
        let no_price = Validity::from_u8(self.aggregate.validity) == Validity::NoPrice;
        let next = effective_state(
            self.state(),
            no_price,
            self.breaker_flags,
            self.guardian_reduce_only != 0,
        );
        if next == self.state() {
            return None;
        }
        self.status = next as u8;
        self.state_since_slot = now_slot;
        Some(next)
    }

    /// Writes the velocity state back and its flag.
    #[inline]
    pub fn set_velocity(&mut self, v: &VelocityState) {
        self.velocity = *v;
        if v.band > 0 {
            self.breaker_flags |= breaker_flags::VELOCITY;
        } else {
            self.breaker_flags &= !breaker_flags::VELOCITY;
        }
    }

    /// The maintenance target the ramp heads for: the volatility and confidence target at
    /// the stored aggregate (`dynamic_margin::target_mmr_ppm`) plus the stress signal's step,
    /// within the ratio's ceiling (ppm).
    pub fn margin_target(&self) -> EngineResult<u32> {
        let p = &self.params.dynamics.margin;
        let agg = &self.aggregate;
        let target = crate::dynamic_margin::target_mmr_ppm(p, self.sigma_ppm, agg.conf, agg.price)?;
        let ceiling = p.max_mmr_ppm.max(p.base_mmr_ppm);
        Ok(target.saturating_add(self.contagion.step_ppm).min(ceiling))
    }

    /// The maintenance ratio in force at `now_slot` (ppm).
    #[inline]
    pub fn mmr_at(&self, now_slot: u64) -> u32 {
        effective_mmr_ppm(&self.ramp, now_slot, &self.params.dynamics.margin)
    }

    /// Accrues funding up to `now` at the stored price when `price_usable`; otherwise the
    /// clock freezes (the elapsed time is skipped). Settlement freezes it too. Returns the
    /// index delta.
    #[inline]
    pub fn accrue_funding(
        &mut self,
        now: i64,
        price_usable: bool,
        decimals: u8,
    ) -> EngineResult<i64> {
        let frozen = self.funding_frozen(price_usable);
        let params = &self.params.dynamics.funding;
        self.funding.accrue(
            now,
            frozen,
            self.aggregate.price,
            &self.book,
            decimals,
            params,
        )
    }

    /// Whether funding stands still: no usable price, or settlement (which fixes every payout
    /// at once).
    #[inline]
    fn funding_frozen(&self, price_usable: bool) -> bool {
        !price_usable || self.state() >= MarketState::Settling
    }

    /// Whether the stored price counts as usable for funding at `now_slot`/`now`: it may be
    /// used for reducing risk (the rule `update_risk` accrues by before storing news).
    pub fn funding_price_usable(&self, now_slot: u64, now: i64) -> bool {
        self.price_for(crate::action::Action::ReduceRisk, now_slot, now)
            .is_ok()
    }

    /// The funding index as the program would have it at `now_slot`/`now`: accrued at the
    /// stored price while it is usable ([`Self::funding_price_usable`]), frozen otherwise and
    /// while the market settles. Changes nothing (previews, keepers).
    pub fn funding_index_at(&self, now_slot: u64, now: i64, decimals: u8) -> EngineResult<i64> {
        let frozen = self.funding_frozen(self.funding_price_usable(now_slot, now));
        let mut funding = self.funding;
        let params = &self.params.dynamics.funding;
        funding.accrue(
            now,
            frozen,
            self.aggregate.price,
            &self.book,
            decimals,
            params,
        )?;
        Ok(funding.index)
    }

    /// Books a trade's outcome: open interest, cost aggregates and impact ledger, realised
    /// PnL owed to the pool, fee shares, dust and the traders' collateral flow.
    #[inline]
    pub fn book_trade(&mut self, out: &TradeOutcome) -> EngineResult<()> {
        self.book = out.book;
        self.ledgers.book_trade(out)
    }

    /// This market's part of the vault identity (`conservation::MarketLedgers::total`).
    #[inline]
    pub fn bucket_total(&self) -> i128 {
        self.ledgers.total(self.book.impact_ledger)
    }
}
