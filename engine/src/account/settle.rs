//! Settling a position while its market settles: closes it at the settlement price with no
//! fee, in two passes whose result no crank order can change.
//! - The first visit of a loser charges its loss whole and declares the part its account
//!   cannot pay (equity below zero once charged, its other positions at liquidation prices and
//!   settling losses elsewhere left out) as expected bad debt; only the rest counts as paid in
//!   for the winners.
//! - The first visit of a winner records its profit as a claim and leaves the position open.
//! - Once every position has been visited the ratio is fixed: the pool's funds when settlement
//!   began plus the losses paid in, against the claims (pro rata if short); then winners are
//!   paid at it. The visit that fixes it pays that winner at once.
//!
//! A loser's charge that leaves its collateral below zero attributes the account's bankruptcy
//! to this market. When the last position is settled the market is Settled.

use super::{AccountCore, OpClock};
use crate::checked::Checked;
use crate::error::{EngineError, EngineResult, Refused};
use crate::margin::{health, HealthKind, MarketMargin};
use crate::market::MarketCore;
use crate::position::{apply_fill, Position};
use crate::settlement::settled_pnl;
use crate::state::{MarketState, Op};

/// What a first visit recorded (collateral units).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SettlementVisit {
    /// A winner's profit, claimed against the payout ratio.
    pub claim: u64,
    /// The part of a loser's loss its account cannot pay.
    pub bad_debt: u64,
}

/// What a settlement visit did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SettleOutcome {
    /// Funding the position settled first (collateral units; negative = received).
    pub funding_paid: i64,
    /// What the first visit recorded (`None` on a later visit).
    pub first_visit: Option<SettlementVisit>,
    /// The PnL credited when the position closed (`None`: a winner's claim waits for the
    /// ratio).
    pub realized: Option<i64>,
    /// The last position closed: the market is now Settled.
    pub market_settled: bool,
}

impl AccountCore {
    /// Visits this account's position in settling market `m` at `at` (see the module doc).
    /// `others` gives the account's other positions with their margin views (asked for only
    /// on a loser's first visit).
    pub fn settle_position<E: From<EngineError>>(
        &mut self,
        m: &mut MarketCore,
        others: impl FnOnce(&AccountCore) -> Result<Vec<(Position, MarketMargin)>, E>,
        at: OpClock,
        decimals: u8,
    ) -> Result<SettleOutcome, E> {
        let (slot, pnl, funding_paid) = self.begin_settle(m, decimals)?;
        let mut out = SettleOutcome {
            funding_paid,
            ..Default::default()
        };
        if self.positions[slot].settle_claimed == 0 {
            let others = if pnl < 0 { others(self)? } else { Vec::new() };
            out.first_visit = Some(self.first_visit(slot, m, pnl, &others)?);
        }
        self.finish_settle(m, slot, pnl, &mut out, at, decimals)?;
        Ok(out)
    }

    /// The state allows settling and the account has a position here: its slot, its PnL at
    /// the settlement price, and the funding it settled first.
    fn begin_settle(
        &mut self,
        m: &mut MarketCore,
        decimals: u8,
    ) -> EngineResult<(usize, i64, i64)> {
        m.require_allowed(Op::SettlePosition)?;
        let slot = self.slot_of(m.index).ok_or(Refused::NoPosition)?;
        let funding_paid = self.settle_funding(slot, m, decimals)?;
        let p = self.positions[slot].position();
        let pnl = apply_fill(p, -p.base, m.settlement.price, decimals)?.realized_pnl;
        Ok((slot, pnl, funding_paid))
    }

    /// Closes the position once what it is owed is known: a loser at once, a winner at the
    /// fixed ratio (a first visit before it is fixed leaves the claim waiting; a later one is
    /// refused). Writes what it did into `out`.
    fn finish_settle(
        &mut self,
        m: &mut MarketCore,
        slot: usize,
        pnl: i64,
        out: &mut SettleOutcome,
        at: OpClock,
        decimals: u8,
    ) -> EngineResult<()> {
        let p = self.positions[slot].position();
        let realized = match m.settlement_ratio() {
            Some(r) => settled_pnl(pnl, &r)?,
            // A loser settles at once; a winner's claim waits for the ratio.
            None if pnl <= 0 => pnl,
            None if out.first_visit.is_some() => return Ok(()),
            None => return Err(Refused::SettlementRatioPending.into()),
        };
        self.close_settled(slot, m, p, realized, decimals)?;
        self.recognise_deficit(m)?;
        if realized < 0 && self.collateral < 0 {
            // The deficit this charge leaves is this market's to cover (SPEC section 6).
            self.liquidation.last_market = m.index;
        }
        out.realized = Some(realized);
        if m.book.long_oi == 0 && m.book.short_oi == 0 {
            m.status = MarketState::Settled as u8;
            m.state_since_slot = at.slot;
            out.market_settled = true;
        }
        Ok(())
    }

    /// Records a position's first visit: a winner's claim (marking it claimed), or a loser's
    /// loss less its expected bad debt as paid in, the bad debt judged on the account's equity
    /// once charged with `others` (its other positions). Fixes the ratio when it was the last
    /// unvisited position.
    fn first_visit(
        &mut self,
        slot: usize,
        m: &mut MarketCore,
        pnl: i64,
        others: &[(Position, MarketMargin)],
    ) -> EngineResult<SettlementVisit> {
        let mut visit = SettlementVisit::default();
        if pnl > 0 {
            visit.claim = pnl.unsigned_abs();
            m.settlement.record_claim(visit.claim)?;
            self.positions[slot].settle_claimed = 1;
        } else if pnl < 0 {
            let charged = self.collateral.plus(pnl)?;
            let equity = health(charged, others, HealthKind::Maintenance)?.equity;
            visit.bad_debt = m.settlement.record_loss(pnl.unsigned_abs(), equity)?;
        }
        m.settlement.mark_visited(self.positions[slot].base)?;
        Ok(visit)
    }

    /// Closes the position in `slot` (`p`) at the settlement price, crediting `realized`.
    fn close_settled(
        &mut self,
        slot: usize,
        m: &mut MarketCore,
        p: Position,
        realized: i64,
        decimals: u8,
    ) -> EngineResult<()> {
        let fill = apply_fill(p, -p.base, m.settlement.price, decimals)?;
        let mut book = m.book;
        book.replace(&p, &fill.position)?;
        m.book = book;
        m.ledgers
            .book_settled_close(&mut self.collateral, realized)?;
        self.positions[slot] = Default::default();
        Ok(())
    }
}
