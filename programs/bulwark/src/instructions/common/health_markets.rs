//! The markets of an account's open positions, passed as remaining accounts: exactly those
//! (minus one passed separately), in ascending index order, no duplicates.

use anchor_lang::prelude::*;
use bulwark_engine::action::Action;
use bulwark_engine::margin::MarketMargin;
use bulwark_engine::position::Position;

use crate::error::{engine_err, refusal_err, BulwarkError};
pub use crate::state::SettlingLosses;
use crate::state::{MarginViewError, Market, MAX_POSITIONS};
use bulwark_engine::account::AccountCore;

/// A margin view's failure as the program's error.
fn margin_view_err(e: MarginViewError) -> Error {
    match e {
        MarginViewError::Refused(r) => refusal_err(r),
        MarginViewError::Engine(e) => engine_err(e),
    }
}

/// Checks `accounts` against the account's open positions except `skip`, and returns each
/// position paired with its market's margin view at the price `action` may use; positions in
/// markets at or past Settling are valued at what settlement will pay (no price needed).
pub fn load_health_markets<'info>(
    account: &AccountCore,
    accounts: &'info [AccountInfo<'info>],
    skip: Option<u16>,
    action: Action,
    decimals: u8,
    clock: &Clock,
) -> Result<Vec<(Position, MarketMargin)>> {
    load_health_markets_valued(
        account,
        accounts,
        skip,
        action,
        decimals,
        clock,
        SettlingLosses::Counted,
    )
}

/// [`load_health_markets`] with a choice of how settling losses count.
pub fn load_health_markets_valued<'info>(
    account: &AccountCore,
    accounts: &'info [AccountInfo<'info>],
    skip: Option<u16>,
    action: Action,
    decimals: u8,
    clock: &Clock,
    settling: SettlingLosses,
) -> Result<Vec<(Position, MarketMargin)>> {
    let (open, n) = account.open_markets();
    let expected: Vec<u16> = open[..n]
        .iter()
        .copied()
        .filter(|i| Some(*i) != skip)
        .collect();
    let mut out = Vec::with_capacity(MAX_POSITIONS);
    let mut previous: Option<u16> = None;
    for info in accounts {
        let loader = AccountLoader::<Market>::try_from(info)?;
        let m = loader.load()?;
        if previous.is_some_and(|p| m.index <= p) {
            return err!(BulwarkError::HealthMarketsUnsorted);
        }
        previous = Some(m.index);
        if !expected.contains(&m.index) {
            msg!("market {} has no position in this account", m.index);
            return err!(BulwarkError::ForeignHealthMarket);
        }
        let slot = account
            .slot_of(m.index)
            .ok_or(BulwarkError::ForeignHealthMarket)?;
        let position = &account.positions[slot];
        let view = m.margin_view(
            position,
            action,
            clock.slot,
            clock.unix_timestamp,
            decimals,
            settling,
        );
        out.push(view.map_err(margin_view_err)?);
    }
    require_eq!(out.len(), expected.len(), BulwarkError::MissingHealthMarket);
    Ok(out)
}
