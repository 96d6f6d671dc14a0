//! One margin account's engine-owned data ([`AccountCore`]: collateral, up to eight position
//! slots, the liquidation episode, the booked deficit and the delegate's limits) and the
//! operations over it and a market's [`crate::market::MarketCore`]: `trade`, `liquidate`,
//! `auto_deleverage`, `resolve_bankruptcy` and the funding and deficit postings they share.
//! The program's zero-copy `MarginAccount` embeds the block beside its keys; the program's
//! handlers, the SDK's previews and the stress simulator call these same operations.
//!
//! An operation that needs the account's positions in other markets asks a callback for
//! them (`others`) at the point the program reads them, so their accounts are read only when
//! needed and a refusal comes in the same order everywhere; the callback's error type is the
//! caller's (`E: From<EngineError>`).

pub mod bankruptcy;
pub mod deleverage;
pub mod liquidate;
pub mod settle;
pub mod trade;

pub use bankruptcy::BankruptcyOutcome;
pub use deleverage::{AdlTrigger, DeleverageOutcome, DrainView};
pub use liquidate::{LiquidationOutcome, StageLimits};
pub use settle::{SettleOutcome, SettlementVisit};
pub use trade::{TradeFill, TradeVenue};

use crate::checked::Checked;
use crate::delegate::DelegateLimits;
use crate::error::EngineResult;
use crate::funding::funding_owed;
use crate::liquidation::LiquidationEpisode;
use crate::market::MarketCore;
use crate::position::Position;
use crate::trade::TradeOutcome;

/// Most positions per account.
pub const MAX_POSITIONS: usize = 8;

stored_block! {
    /// One position slot; free when `base == 0`.
    pub struct PositionSlot {
        /// Index of the market this position belongs to (meaningful while `base != 0`).
        pub market_index: u16,
        pub _padding: [u8; 6],
        /// Signed size, base atoms (1e-9 of a unit).
        pub base: i64,
        /// Signed cost basis, collateral units.
        pub cost: i64,
        /// Slot of the last increase (profit within `min_hold_slots` of it is capped at zero).
        pub last_increase_slot: u64,
        /// The market's funding index when this position last settled funding.
        pub funding_snapshot: i64,
        /// 1 once emergency settlement has recorded this winner's claim (paid at the ratio
        /// later).
        pub settle_claimed: u8,
        pub reserved: [u8; 7],
    }
}
const _: () = assert!(core::mem::size_of::<PositionSlot>() == 48);

stored_block! {
    /// A margin account's engine-owned state (the program's `MarginAccount` embeds it as
    /// `core`).
    pub struct AccountCore {
        /// Collateral in the collateral's smallest unit; negative only after a loss beyond it.
        pub collateral: i64,
        pub positions: [PositionSlot; MAX_POSITIONS],
        /// The liquidation in progress (if any) and the market of the last one.
        pub liquidation: LiquidationEpisode,
        /// Part of this account's negative collateral recognised as pending bad debt in
        /// markets' `bad_debt_pending` (collateral units); equals max(0, −collateral) after
        /// every operation that loads a market and changes the collateral.
        pub deficit_booked: u64,
        /// The owner's limits on the delegate, and the net cost its trades have had since it
        /// was named (collateral units; reset by every appointment).
        pub delegate_limits: DelegateLimits,
        pub delegate_loss: i64,
    }
}

impl PositionSlot {
    /// The engine's view.
    #[inline]
    pub fn position(&self) -> Position {
        Position {
            base: self.base,
            cost: self.cost,
        }
    }
}

/// The time an operation runs at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpClock {
    pub slot: u64,
    /// Unix seconds.
    pub now: i64,
}

impl AccountCore {
    /// Market indices of open positions, ascending.
    #[inline]
    pub fn open_markets(&self) -> ([u16; MAX_POSITIONS], usize) {
        let mut out = [0u16; MAX_POSITIONS];
        let mut n = 0;
        for p in self.positions.iter().filter(|p| p.base != 0) {
            out[n] = p.market_index;
            n += 1;
        }
        out[..n].sort_unstable();
        (out, n)
    }

    /// The slot holding `market_index`'s position, if open.
    #[inline]
    pub fn slot_of(&self, market_index: u16) -> Option<usize> {
        self.positions
            .iter()
            .position(|p| p.base != 0 && p.market_index == market_index)
    }

    /// A free slot.
    #[inline]
    pub fn free_slot(&self) -> Option<usize> {
        self.positions.iter().position(|p| p.base == 0)
    }

    /// No position open.
    #[inline]
    pub fn is_flat(&self) -> bool {
        self.positions.iter().all(|p| p.base == 0)
    }

    /// Nothing left: no collateral, no position, no deficit booked in a market.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.collateral == 0 && self.deficit_booked == 0 && self.is_flat()
    }

    /// Settles position `slot`'s funding since its snapshot: the account pays (or receives)
    /// the pool through the market's PnL ledger. Returns what it paid (collateral units;
    /// negative = received; `funding_owed` rounds in the pool's favour).
    #[inline]
    pub fn settle_funding(
        &mut self,
        slot: usize,
        m: &mut MarketCore,
        decimals: u8,
    ) -> EngineResult<i64> {
        let p = &mut self.positions[slot];
        let owed = funding_owed(p.base, p.funding_snapshot, m.funding.index, decimals)?;
        p.funding_snapshot = m.funding.index;
        m.ledgers.book_funding(&mut self.collateral, owed)?;
        Ok(owed)
    }

    /// Brings this account's booked deficit to max(0, −collateral), booking the increase in
    /// `m` or releasing the decrease from it (SPEC section 5: pending bad debt is recognised
    /// at once). A release larger than what `m` holds (the deficit was booked in another
    /// market) releases what `m` holds and keeps the rest booked on the account, to be
    /// released where it sits; so the markets' `bad_debt_pending` always sums to the accounts'
    /// `deficit_booked`, exactly. A deficit that starts here is attributed to `m`
    /// (`liquidation.last_market`): its resolution, or release once repaid, happens there and
    /// nowhere else.
    #[inline]
    pub fn recognise_deficit(&mut self, m: &mut MarketCore) -> EngineResult<()> {
        let starts = m
            .ledgers
            .recognise_deficit(self.collateral, &mut self.deficit_booked)?;
        if starts {
            self.liquidation.last_market = m.index;
        }
        Ok(())
    }

    /// Books a trade's outcome into position slot `slot` (in `m`) and the market: the
    /// position, its last increase, the collateral change, and the market's book and
    /// sub-ledgers.
    #[inline]
    pub fn apply_trade(
        &mut self,
        m: &mut MarketCore,
        slot: usize,
        out: &TradeOutcome,
    ) -> EngineResult<()> {
        let p = &mut self.positions[slot];
        p.market_index = m.index;
        p.base = out.fill.position.base;
        p.cost = out.fill.position.cost;
        p.last_increase_slot = if p.base == 0 {
            0
        } else {
            out.last_increase_slot
        };
        self.collateral = self.collateral.plus(out.collateral_delta)?;
        m.book_trade(out)?;
        self.recognise_deficit(m)
    }
}

/// The `others` of an account with positions in one market only (off-chain callers that
/// simulate a single market).
pub fn no_other_positions(
    _: &AccountCore,
) -> EngineResult<Vec<(Position, crate::margin::MarketMargin)>> {
    Ok(Vec::new())
}
