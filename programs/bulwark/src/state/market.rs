//! One perpetual market.

use anchor_lang::prelude::*;
use bulwark_engine::breaker::{flags as breaker_flags, VelocityState};
use bulwark_engine::conservation::MarketLedgers;
use bulwark_engine::dynamic_margin::{effective_mmr_ppm, MarginRamp};
use bulwark_engine::execution::PriceInputs;
use bulwark_engine::funding::FundingState;
use bulwark_engine::governance::GovernanceRecord;
use bulwark_engine::insurance::CoverageWindow;
use bulwark_engine::market_params::MarketParamSet;
use bulwark_engine::oracle::{AggregateRecord, TwapState, Validity};
use bulwark_engine::settlement::SettlementState;
use bulwark_engine::state::{allowed, effective_state, MarketState, Op};
use bulwark_engine::trade::{MarketBook, TradeOutcome};
use bulwark_engine::volatility::VolState;

use super::{OracleConfig, OracleSource, SourceState};

/// A perpetual market (PDA `[MARKET_SEED, index le]`). `update_risk` is its only oracle reader.
#[account(zero_copy)]
#[derive(Debug)]
pub struct Market {
    pub version: u8,
    pub bump: u8,
    /// `MarketState` code.
    pub status: u8,
    pub _padding0: u8,
    pub index: u16,
    pub _padding1: [u8; 2],
    /// Ticker, UTF-8, zero padded.
    pub symbol: [u8; 16],
    /// The asset's sources and aggregation limits.
    pub oracle: OracleConfig,
    /// Bookkeeping of the asset sources, by position.
    pub source_states: [SourceState; 4],
    /// Bookkeeping of the exchange's collateral sources as seen by this market, by position.
    pub collateral_source_states: [SourceState; 4],

    /// The stored aggregate: what the last judgement with news gave (`update_risk` is its
    /// only writer).
    pub aggregate: AggregateRecord,
    /// TWAP of the aggregate, collateral units at 1e-9 (0 until the first sample).
    pub twap: TwapState,

    /// Every configurable parameter, as governance set it (the engine's one set: one name,
    /// one bounds entry and one validation per parameter).
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
    /// Slots this market has had a usable price (the clock of liquidation fee escalation;
    /// it stops while the price is unusable). Counted up to `aggregate.slot`.
    pub priced_slots: u64,
    /// Insurance coverage window of this market.
    pub coverage: CoverageWindow,
    /// Slot the market entered its current state.
    pub state_since_slot: u64,
    /// Volatility per √second in ppm (from `vol.variance`).
    pub sigma_ppm: u32,
    /// Breakers (`bulwark_engine::breaker::flags`), the guardian's reduce-only and the
    /// insurance-coverage trip.
    pub breaker_flags: u8,
    pub guardian_reduce_only: u8,
    pub insurance_tripped: u8,
    /// Position of the source a queued rotation replaces.
    pub pending_source_index: u8,

    /// Governance memory: the step window and which queued loosenings are stale.
    pub governance: GovernanceRecord,
    /// Emergency settlement: its price, bookkeeping and the winners' payout ratio.
    pub settlement: SettlementState,
    /// A queued oracle-source rotation awaiting its slot (`pending_source_slot` 0 = none).
    pub pending_source: OracleSource,
    pub pending_source_slot: u64,
    /// The market's own address (its PDA), written at creation: instructions that must know
    /// the account sits at its PDA compare against it instead of re-deriving the address
    /// (~1,500 CU); an account copied elsewhere carries the original's address.
    pub address: Pubkey,
    pub reserved: [u8; 1064],
}
const _: () = assert!(core::mem::size_of::<Market>() == 3128);
const _: () = assert!(core::mem::size_of::<Market>().is_multiple_of(8));

impl Market {
    /// Account size including Anchor's discriminator.
    pub const SPACE: usize = 8 + core::mem::size_of::<Market>();

    /// The escalation clock at `now_slot`: slots with a usable price so far.
    pub fn priced_clock(&self, now_slot: u64, price_usable: bool) -> u64 {
        let running = if price_usable {
            now_slot.saturating_sub(self.aggregate.slot)
        } else {
            0
        };
        self.priced_slots.saturating_add(running)
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

    /// The market's state.
    pub fn state(&self) -> MarketState {
        MarketState::from_u8(self.status)
    }

    /// Refuses `op` unless the state table allows it in the market's state.
    pub fn require_allowed(&self, op: Op) -> Result<()> {
        if !allowed(op, self.state()) {
            msg!(
                "{:?} not allowed while the market is {}",
                op,
                self.state().name()
            );
            return err!(crate::error::BulwarkError::MarketStateForbids);
        }
        Ok(())
    }

    /// Recomputes the state from its causes at `now_slot`; returns the new state if it changed.
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
    pub fn set_velocity(&mut self, v: &VelocityState) {
        self.velocity = *v;
        if v.band > 0 {
            self.breaker_flags |= breaker_flags::VELOCITY;
        } else {
            self.breaker_flags &= !breaker_flags::VELOCITY;
        }
    }

    /// The maintenance ratio in force at `now_slot` (ppm).
    pub fn mmr_at(&self, now_slot: u64) -> u32 {
        effective_mmr_ppm(&self.ramp, now_slot, &self.params.dynamics.margin)
    }

    /// Accrues funding up to `now` at the stored price when `price_usable`; otherwise the
    /// clock freezes (the elapsed time is skipped). Returns the index delta.
    pub fn accrue_funding(&mut self, now: i64, price_usable: bool, decimals: u8) -> Result<i64> {
        // Settlement fixes every payout at once: funding stops with it.
        let frozen = !price_usable || self.state() >= MarketState::Settling;
        let params = &self.params.dynamics.funding;
        self.funding
            .accrue(
                now,
                frozen,
                self.aggregate.price,
                &self.book,
                decimals,
                params,
            )
            .map_err(crate::error::engine_err)
    }

    /// Price inputs of an execution price at `price` (the one the action may use), `now`
    /// being the current unix time (the sources' age feeds the latency spread).
    pub fn price_inputs(&self, price: u64, now: i64) -> PriceInputs {
        PriceInputs {
            price,
            twap: self.twap.price,
            conf: self.aggregate.conf,
            dispersion: self.aggregate.dispersion,
            sigma_ppm: self.sigma_ppm,
            source_age_secs: now
                .saturating_sub(self.aggregate.oldest_publish_time)
                .max(0)
                .unsigned_abs(),
        }
    }

    /// Books a trade's outcome: open interest, cost aggregates and impact ledger, realised
    /// PnL owed to the pool, fee shares, dust and the traders' collateral flow.
    pub fn book_trade(&mut self, out: &TradeOutcome) -> Result<()> {
        self.book = out.book;
        self.ledgers
            .book_trade(out)
            .map_err(crate::error::engine_err)
    }

    /// This market's part of the vault identity (`conservation::MarketLedgers::total`).
    pub fn bucket_total(&self) -> i128 {
        self.ledgers.total(self.book.impact_ledger)
    }
}
