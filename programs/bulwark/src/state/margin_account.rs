//! A trader's margin account: collateral and up to eight positions (cross margin inside one
//! account; isolation by opening another index).

use crate::error::OrMath;
use anchor_lang::prelude::*;
use bulwark_engine::checked::Checked;
use bulwark_engine::delegate::DelegateLimits;
use bulwark_engine::liquidation::LiquidationEpisode;
use bulwark_engine::position::Position;

use crate::state::Market;

/// Most positions per account.
pub const MAX_POSITIONS: usize = 8;

/// One position slot; free when `base == 0`.
#[zero_copy]
#[derive(Debug, Default, PartialEq, Eq)]
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
    /// 1 once emergency settlement has recorded this winner's claim (paid at the ratio later).
    pub settle_claimed: u8,
    pub reserved: [u8; 7],
}
const _: () = assert!(core::mem::size_of::<PositionSlot>() == 48);

impl PositionSlot {
    /// The engine's view.
    pub fn position(&self) -> Position {
        Position {
            base: self.base,
            cost: self.cost,
        }
    }
}

/// PDA `[MARGIN_SEED, owner, index le]`.
#[account(zero_copy)]
#[derive(Debug)]
pub struct MarginAccount {
    pub version: u8,
    pub bump: u8,
    pub _padding0: [u8; 4],
    /// The account number of this owner (isolation by index).
    pub index: u16,
    pub owner: Pubkey,
    /// May trade but never withdraw; default key = none.
    pub delegate: Pubkey,
    /// Collateral in the collateral's smallest unit; negative only after a loss beyond it.
    pub collateral: i64,
    pub positions: [PositionSlot; 8],
    /// The liquidation in progress (if any) and the market of the last one.
    pub liquidation: LiquidationEpisode,
    /// Part of this account's negative collateral recognised as pending bad debt in markets'
    /// `bad_debt_pending` (collateral units); equals max(0, −collateral) after every
    /// instruction that loads a market and changes the collateral.
    pub deficit_booked: u64,
    /// The owner's limits on the delegate, and the net cost its trades have had since it was
    /// named (collateral units; reset by every `set_delegate`).
    pub delegate_limits: DelegateLimits,
    pub delegate_loss: i64,
    pub reserved: [u8; 200],
}
const _: () = assert!(core::mem::size_of::<MarginAccount>() == 720);
const _: () = assert!(core::mem::size_of::<MarginAccount>().is_multiple_of(8));

impl MarginAccount {
    /// Account size including Anchor's discriminator.
    pub const SPACE: usize = 8 + core::mem::size_of::<MarginAccount>();

    /// Market indices of open positions, ascending.
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
    pub fn slot_of(&self, market_index: u16) -> Option<usize> {
        self.positions
            .iter()
            .position(|p| p.base != 0 && p.market_index == market_index)
    }

    /// A free slot.
    pub fn free_slot(&self) -> Option<usize> {
        self.positions.iter().position(|p| p.base == 0)
    }

    /// Nothing left: no collateral, no position, no deficit booked in a market.
    pub fn is_empty(&self) -> bool {
        self.collateral == 0
            && self.deficit_booked == 0
            && self.positions.iter().all(|p| p.base == 0)
    }

    /// `key` is the owner or the delegate.
    pub fn may_trade(&self, key: &Pubkey) -> bool {
        *key == self.owner || self.is_delegate(key)
    }

    /// `key` is the delegate (and not the owner, who is never limited).
    pub fn is_delegate(&self, key: &Pubkey) -> bool {
        *key != self.owner && self.delegate != Pubkey::default() && *key == self.delegate
    }

    /// Names `delegate` (the default key: none) with `limits`, starting a fresh cost count.
    pub fn appoint_delegate(&mut self, delegate: Pubkey, limits: &DelegateLimits) {
        let none = delegate == Pubkey::default();
        let l = if none {
            DelegateLimits::default()
        } else {
            *limits
        };
        self.delegate = delegate;
        self.delegate_limits = l;
        self.delegate_loss = 0;
    }
}

impl MarginAccount {
    /// Books a trade's outcome into position slot `slot` (in `m`) and the market: the position,
    /// its last increase, the collateral change, and the market's book and sub-ledgers. Shared
    /// by `trade` and the stress simulator.
    pub fn apply_trade(
        &mut self,
        m: &mut Market,
        slot: usize,
        out: &bulwark_engine::trade::TradeOutcome,
    ) -> Result<()> {
        let p = &mut self.positions[slot];
        p.market_index = m.index;
        p.base = out.fill.position.base;
        p.cost = out.fill.position.cost;
        p.last_increase_slot = if p.base == 0 {
            0
        } else {
            out.last_increase_slot
        };
        self.collateral = self.collateral.plus(out.collateral_delta).or_math()?;
        m.book_trade(out)?;
        self.recognise_deficit(m)
    }
}
