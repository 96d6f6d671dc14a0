//! The keeper's decisions as pure functions of account and market state: whom to liquidate and
//! in what order, which position first, when to stop, who is bankrupt, when the insurance
//! breaker needs a check, whom to deleverage and when to sweep. The keeper core (`keeper`)
//! applies them to a chain; the stress simulator applies them to its own state, so both make
//! the same choices.

use anchor_lang::prelude::Pubkey;
use bulwark::state::{InsuranceFund, MarginAccount, Market, PositionSlot, MAX_POSITIONS};
use bulwark_engine::account::{DrainView, OpClock};
use bulwark_engine::action::Action;
use bulwark_engine::margin::{health, HealthKind};
use bulwark_engine::market::MarketCore;
use bulwark_engine::state::Op;
use bulwark_engine::EngineResult;

use bulwark_sdk::preview::{positions_for_action_into, PreviewClock};

/// Free maintenance margin (collateral units, negative = liquidatable) of `account` as
/// `liquidate` would judge it now: every position valued at the price a liquidation may use
/// in its market (`MarketCore::margin_view` with `Action::Liquidate`: the aggregate, the
/// divergence fallback, what settlement will pay), funding owed up to the stored index;
/// `None` when it has no position or the program would refuse to price one of them (then it
/// refuses the liquidation too).
pub fn maintenance_free(
    account: &MarginAccount,
    markets: &[Market],
    at: &PreviewClock,
) -> Option<i64> {
    maintenance_free_of(account.collateral, &account.positions, markets, at)
}

/// [`maintenance_free`] of an account given by its collateral and position slots (a caller
/// holding a compact copy of many accounts reads less memory). `at` must be the time the
/// liquidation would run at: the price's age is judged then.
pub fn maintenance_free_of(
    collateral: i64,
    positions: &[PositionSlot],
    markets: &[Market],
    at: &PreviewClock,
) -> Option<i64> {
    let open = || positions.iter().filter(|p| p.base != 0);
    let market_of = |p: &PositionSlot| markets.iter().find(|m| m.index == p.market_index);
    // Nothing to liquidate unless some position sits in a market that liquidates now.
    if !open().any(|p| market_of(p).is_some_and(|m| liquidates_now(m, at))) {
        return None;
    }
    let mut buf = [Default::default(); MAX_POSITIONS];
    let n = positions_for_action_into(positions, markets, at, Action::Liquidate, &mut buf).ok()?;
    health(collateral, &buf[..n], HealthKind::Maintenance)
        .ok()
        .map(|h| h.free())
}

/// Whether `liquidate` may run in `m` at `at`: its state allows it and its stored price may
/// be used for a liquidation then.
pub fn liquidates_now(m: &MarketCore, at: &PreviewClock) -> bool {
    m.require_allowed(Op::Liquidate).is_ok()
        && m.price_for(Action::Liquidate, at.slot, at.unix_timestamp)
            .is_ok()
}

/// The liquidatable accounts among `accounts` with their free margin, most under water first
/// (ties by key); the keeper's own reward accounts are never among them.
pub fn liquidation_queue<'a>(
    accounts: impl IntoIterator<Item = (Pubkey, &'a MarginAccount)>,
    markets: &[Market],
    at: &PreviewClock,
    rewards: &crate::cycle::RewardAccounts,
) -> Vec<(i64, Pubkey, &'a MarginAccount)> {
    let mut queue: Vec<(i64, Pubkey, &MarginAccount)> = accounts
        .into_iter()
        .filter(|(key, _)| !rewards.contains(key))
        .filter_map(|(key, a)| maintenance_free(a, markets, at).map(|free| (free, key, a)))
        .filter(|(free, _, _)| *free < 0)
        .collect();
    // Keys are distinct, so the order is total without a stable sort.
    queue.sort_unstable_by_key(|(free, key, _)| (*free, *key));
    queue
}

/// The market of `account`'s largest position by notional at the stored price, among the
/// markets that liquidate at `at` ([`liquidates_now`]).
pub fn liquidation_target(
    account: &MarginAccount,
    markets: &[Market],
    at: &PreviewClock,
) -> Option<u16> {
    account
        .positions
        .iter()
        .filter(|p| p.base != 0)
        .filter_map(|p| {
            let m = markets.iter().find(|m| m.index == p.market_index)?;
            liquidates_now(m, at).then_some((p, m.aggregate.price))
        })
        .max_by_key(|(p, price)| p.base.unsigned_abs() as u128 * *price as u128)
        .map(|(p, _)| p.market_index)
}

/// Whether another stage should follow: the account is still below maintenance and still in
/// liquidation.
pub fn keep_liquidating(account: &MarginAccount, markets: &[Market], at: &PreviewClock) -> bool {
    account.liquidation.active != 0 && maintenance_free(account, markets, at).is_some_and(|f| f < 0)
}

/// No position left and collateral below zero (or a repaid deficit still recognised in a
/// market): `resolve_bankruptcy` applies.
pub fn is_bankrupt(account: &MarginAccount) -> bool {
    (account.collateral < 0 || account.deficit_booked > 0)
        && account.positions.iter().all(|p| p.base == 0)
}

/// Whether `check_insurance_breaker` would change `m`'s coverage flag now (trip or lift):
/// the engine's own judgement, run on a copy.
pub fn insurance_check_due(
    m: &MarketCore,
    fund: &InsuranceFund,
    decimals: u8,
    slot: u64,
) -> EngineResult<bool> {
    let mut trial = *m;
    trial
        .apply_insurance_coverage(&fund.commitment(), decimals, slot)
        .map(|(t, _)| t.is_some())
}

/// The price deleveraging would use in `m` now, when its ADL trigger holds (traders' profit
/// beyond the trigger share of the pool's value as the program counts it: what `m` owes it in,
/// its bad debt out, `pool::pool_value_seen_by_market`) and the
/// aggregate is fresh enough.
pub fn adl_price(m: &Market, pool_capital: i64, slot: u64, now: i64, decimals: u8) -> Option<u64> {
    let at = OpClock { slot, now };
    m.adl_trigger(pool_capital, at, decimals)
        .ok()
        .map(|t| t.price)
}

/// While `m`'s ADL trigger holds: the most levered eligible account above the water level and
/// the base atoms that bring it down to the level (leverage draining, as the program checks
/// it: `MarketCore::adl_drain_view`); when nobody is above it and a call would start an
/// episode, the most levered eligible account and its whole size (the call records the start,
/// closing only what is above the top). With each pick, whether it closes something (false:
/// it only starts the episode). Ties go to the first (accounts in the chain's order).
pub fn adl_candidate<'a>(
    m: &Market,
    accounts: impl IntoIterator<Item = (Pubkey, &'a MarginAccount)>,
    pool_capital: i64,
    slot: u64,
    now: i64,
    decimals: u8,
) -> Option<(Pubkey, u64, bool)> {
    let price = adl_price(m, pool_capital, slot, now, decimals)?;
    // (above the level, leverage, key, size)
    let mut best: Option<(bool, u64, Pubkey, u64)> = None;
    for (key, a) in accounts {
        let Some((p, v)) = adl_view(m, a, price, slot, decimals) else {
            continue;
        };
        if !v.eligible || (v.cap_base == 0 && !v.starts_episode) {
            continue;
        }
        let above = v.cap_base > 0;
        let size = if above {
            v.cap_base
        } else {
            p.base.unsigned_abs()
        };
        let rank = (above, v.leverage_ppm);
        if best.is_none_or(|(b_above, b_lev, _, _)| rank > (b_above, b_lev)) {
            best = Some((above, v.leverage_ppm, key, size));
        }
    }
    best.map(|(above, _, key, size)| (key, size, above))
}

/// `a`'s open position in `m` and how deleveraging sees it at `price` (`None` without a
/// position or a view).
pub fn adl_view(
    m: &Market,
    a: &MarginAccount,
    price: u64,
    slot: u64,
    decimals: u8,
) -> Option<(PositionSlot, DrainView)> {
    let p = *a
        .positions
        .iter()
        .find(|p| p.base != 0 && p.market_index == m.index)?;
    let v = m
        .adl_drain_view(a.collateral, &p, price, slot, decimals)
        .ok()?;
    Some((p, v))
}

/// The sizes to try deleveraging, largest first: `size`, then halved while at least a lot
/// (the program refuses a close that over-corrects).
pub fn adl_sizes(size: u64, lot: u64) -> impl Iterator<Item = u64> {
    let lot = lot.max(1);
    std::iter::successors(Some(size), |s| Some(s / 2)).take_while(move |s| *s >= lot)
}
