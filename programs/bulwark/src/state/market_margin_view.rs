//! How a position counts in its account's health for an action: the one rule the program's
//! instructions, the keeper's decisions and the previews share. In a market at or past
//! Settling a position is worth what settlement will pay (no price needed); otherwise it is
//! valued at the price the action may use now (`action::price_for_action`: the aggregate, or
//! the divergence fallback for reductions and liquidations), or refused.

use bulwark_engine::action::{price_for_action, Action, Refusal};
use bulwark_engine::margin::MarketMargin;
use bulwark_engine::position::Position;
use bulwark_engine::state::MarketState;
use bulwark_engine::EngineError;

use crate::state::{Market, PositionSlot};

/// How positions in markets at or past Settling count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SettlingLosses {
    /// At what settlement will pay: losses whole, profits at the fixed ratio (0 before).
    Counted,
    /// As above, but a loss not yet charged counts 0: the view of a settlement that is
    /// charging one of the account's losses and must not count the others twice.
    Ignored,
}

/// Why a position cannot be valued for an action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarginViewError {
    /// The market's price may not be used for this action now.
    Refused(Refusal),
    Engine(EngineError),
}

impl Market {
    /// `position`'s margin view for `action` at `now_slot`/`now` (see the module doc).
    pub fn margin_view(
        &self,
        position: &PositionSlot,
        action: Action,
        now_slot: u64,
        now: i64,
        decimals: u8,
        settling: SettlingLosses,
    ) -> Result<(Position, MarketMargin), MarginViewError> {
        if self.state() >= MarketState::Settling {
            let counted = settling == SettlingLosses::Counted;
            return self
                .settled_margin(position, decimals, now_slot, counted)
                .map_err(MarginViewError::Engine);
        }
        let price = price_for_action(
            action,
            &self.aggregate.stored_price(),
            now_slot,
            now,
            &self.params.ages,
        )
        .map_err(MarginViewError::Refused)?;
        let margin = self
            .margin(position, price, decimals, now_slot)
            .map_err(MarginViewError::Engine)?;
        Ok((position.position(), margin))
    }
}
