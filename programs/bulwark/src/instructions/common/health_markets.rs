//! The markets of an account's open positions, passed as remaining accounts: exactly those
//! (minus one passed separately), in ascending index order, no duplicates.

use anchor_lang::prelude::*;
use bulwark_engine::action::{price_for_action, Action};
use bulwark_engine::margin::MarketMargin;
use bulwark_engine::position::Position;

use crate::error::{refusal_err, BulwarkError};
use crate::state::{MarginAccount, Market, MAX_POSITIONS};

/// Checks `accounts` against the account's open positions except `skip`, and returns each
/// position paired with its market's margin view at the price `action` may use.
pub fn load_health_markets<'info>(
    account: &MarginAccount,
    accounts: &'info [AccountInfo<'info>],
    skip: Option<u16>,
    action: Action,
    decimals: u8,
    clock: &Clock,
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
        let price = price_for_action(
            action,
            &m.stored_price(),
            clock.slot,
            clock.unix_timestamp,
            &m.age_limits(),
        )
        .map_err(refusal_err)?;
        let slot = account
            .slot_of(m.index)
            .ok_or(BulwarkError::ForeignHealthMarket)?;
        let position = &account.positions[slot];
        out.push((
            position.position(),
            m.margin(position, price, decimals, clock.slot)
                .map_err(crate::error::engine_err)?,
        ));
    }
    require_eq!(out.len(), expected.len(), BulwarkError::MissingHealthMarket);
    Ok(out)
}
