//! What a wallet signs: each user action as the instruction list the program needs on a
//! cluster, where the slot moves between transactions. Increases and withdrawals with open
//! positions are judged on aggregates of the transaction's own slot, so the list puts an
//! `update_risk` of each market they are judged on first (a refresh that finds nothing new
//! only marks the stored aggregate judged in that slot). A source rotation due by the build
//! slot is applied to the refresh's accounts (one that falls due between building and
//! landing fails with `WrongOracleAccount`: build again). An increase by an account with six
//! or more positions (each market refreshed with its oracle accounts) exceeds 1,232 bytes as a
//! legacy transaction: send it as v0 through the venue's lookup table (`crate::lookup`;
//! `RpcChain` does when one is configured).
//! Reductions refresh their market only when its stored price would be refused for them by
//! the time the transaction can land. Whether an action needs a price, and which, is the
//! engine's rule (`price_for_action`, `is_increase`); this module only assembles.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use bulwark::state::{Exchange, MarginAccount, Market};
use bulwark_engine::action::{price_for_action, Action};
use bulwark_engine::state::MarketState;
use bulwark_engine::trade::is_increase;

use crate::ix::update_risk_ix;
use crate::{ix, pda};

/// How far ahead a reduction's stored price must stay usable: a transaction signed now may
/// land until its blockhash expires (150 slots, about 60 s).
pub const LANDING_SLOTS: u64 = 150;
/// The same allowance in seconds.
pub const LANDING_SECS: i64 = 60;

/// The exchange and its listed markets (any order), as read from the chain.
#[derive(Clone, Copy)]
pub struct Venue<'a> {
    pub exchange: &'a Exchange,
    pub markets: &'a [Market],
}

/// Who acts on which margin account: the signer (its owner, or for trades its delegate),
/// the account's address and its state as read.
#[derive(Clone, Copy)]
pub struct Acting<'a> {
    pub signer: Pubkey,
    pub margin: Pubkey,
    pub account: &'a MarginAccount,
}

/// When the transaction is built: the cluster's current slot and unix time.
#[derive(Clone, Copy, Debug)]
pub struct Now {
    pub slot: u64,
    pub unix_timestamp: i64,
}

impl Venue<'_> {
    /// Market `index`, if listed.
    pub fn market(&self, index: u16) -> Option<&Market> {
        self.markets.iter().find(|m| m.index == index)
    }

    /// Risk pool `pool` with its listed markets, ascending (what its LP and fund
    /// instructions name).
    pub fn pool_markets(&self, pool: u16) -> ix::PoolMarkets {
        ix::PoolMarkets::of(pool, self.markets.iter().map(|m| (m.index, m.pool)))
    }

    /// `update_risk` for `m` landing at `slot` (the keeper's builder: a due source rotation
    /// applied).
    pub fn refresh(&self, m: &Market, slot: u64) -> Instruction {
        update_risk_ix(self.exchange, m, slot)
    }

    /// The markets of `account`'s open positions except `skip`, ascending (the order the
    /// program wants its health markets in).
    fn position_markets(&self, account: &MarginAccount, skip: Option<u16>) -> Vec<&Market> {
        let (open, n) = account.open_markets();
        let mut out: Vec<&Market> = open[..n]
            .iter()
            .filter(|i| Some(**i) != skip)
            .filter_map(|i| self.market(*i))
            .collect();
        out.sort_by_key(|m| m.index);
        out
    }
}

/// Whether the program values a position in `m` at a price: not from Settling on (settlement
/// pays at its fixed price, and a settled market takes no refresh).
fn priced(m: &Market) -> bool {
    m.state() < MarketState::Settling
}

/// Whether `action` in `m` needs `m` refreshed earlier in the same transaction: an increase
/// always (the program judges it on this slot's aggregate); anything else when the stored
/// price would be refused for it by the time the transaction can land.
pub fn needs_refresh(m: &Market, action: Action, now: Now) -> bool {
    action == Action::IncreaseRisk
        || price_for_action(
            action,
            &m.aggregate.stored_price(),
            now.slot.saturating_add(LANDING_SLOTS),
            now.unix_timestamp.saturating_add(LANDING_SECS),
            &m.params.ages,
        )
        .is_err()
}

/// A trade of `delta` base atoms in market `index` by `who`, no worse than `limit_price`:
/// the refreshes it needs (the traded market, and for an increase every other position's
/// market, whose equity backs it), then the trade with its health markets. `None` when the
/// market is not listed.
pub fn trade(
    v: &Venue,
    who: &Acting,
    index: u16,
    delta: i64,
    limit_price: u64,
    now: Now,
) -> Option<Vec<Instruction>> {
    let account = who.account;
    let m = v.market(index)?;
    let position = account
        .slot_of(index)
        .map(|s| account.positions[s].position())
        .unwrap_or_default();
    let action = if is_increase(&position, delta) {
        Action::IncreaseRisk
    } else {
        Action::ReduceRisk
    };
    let others = v.position_markets(account, Some(index));
    let mut out = Vec::new();
    if needs_refresh(m, action, now) {
        out.push(v.refresh(m, now.slot));
    }
    if action == Action::IncreaseRisk {
        let priced_others = others.iter().filter(|o| priced(o));
        out.extend(priced_others.map(|o| v.refresh(o, now.slot)));
    }
    let keys: Vec<Pubkey> = others.iter().map(|o| pda::market(o.index).0).collect();
    out.push(ix::trade(
        who.signer,
        who.margin,
        ix::MarketRef::from(m),
        delta,
        limit_price,
        &keys,
    ));
    Some(out)
}

/// A withdrawal of `amount` by `who` (the owner) to `destination`: with open positions,
/// every position's market refreshed first (the program values them at prices valid for new
/// risk, judged in this slot), then the withdrawal with its health markets.
pub fn withdraw(
    v: &Venue,
    who: &Acting,
    destination: Pubkey,
    amount: u64,
    now: Now,
) -> Vec<Instruction> {
    let markets = v.position_markets(who.account, None);
    let mut out: Vec<Instruction> = markets
        .iter()
        .filter(|m| priced(m))
        .map(|m| v.refresh(m, now.slot))
        .collect();
    let keys: Vec<Pubkey> = markets.iter().map(|m| pda::market(m.index).0).collect();
    out.push(ix::withdraw(
        who.signer,
        ix::AccountRef {
            address: who.margin,
            pool: who.account.pool,
        },
        destination,
        amount,
        &keys,
    ));
    out
}

/// Opening `owner`'s margin account number `index` in risk pool `pool` (at `margin`; when
/// `exists` is false) and depositing `amount` from `source`. An existing account keeps the
/// pool it was opened in: pass that one.
pub fn deposit(
    owner: Pubkey,
    (margin, index, pool): (Pubkey, u16, u16),
    exists: bool,
    source: Pubkey,
    amount: u64,
) -> Vec<Instruction> {
    let mut out = Vec::new();
    if !exists {
        out.push(ix::create_margin_account(owner, index, pool));
    }
    let account = ix::AccountRef {
        address: margin,
        pool,
    };
    out.push(ix::deposit(owner, account, source, amount));
    out
}

/// The refreshes an operation valuing pool `pool` needs: every market of it holding open
/// interest whose stored price would be refused for a reduction by the time the transaction
/// can land (the pool's value is judged at prices usable for reductions).
fn pool_refreshes(v: &Venue, pool: u16, now: Now) -> Vec<Instruction> {
    let mut markets: Vec<&Market> = v.markets.iter().filter(|m| m.pool == pool).collect();
    markets.sort_by_key(|m| m.index);
    markets
        .into_iter()
        .filter(|m| {
            let b = m.book;
            (b.long_oi != 0 || b.short_oi != 0) && needs_refresh(m, Action::ReduceRisk, now)
        })
        .map(|m| v.refresh(m, now.slot))
        .collect()
}

/// An LP deposit into pool `pool` of `amount` from `source` by `owner`, refused if it would
/// mint fewer than `min_shares` (the depositor's slippage bound; 0 for none): the pool's stale
/// markets refreshed, then the deposit (the pool's markets passed).
pub fn pool_deposit(
    v: &Venue,
    (owner, pool): (Pubkey, u16),
    source: Pubkey,
    (amount, min_shares): (u64, u128),
    now: Now,
) -> Vec<Instruction> {
    let mut out = pool_refreshes(v, pool, now);
    out.push(ix::pool_deposit(
        owner,
        source,
        amount,
        min_shares,
        v.pool_markets(pool),
    ));
    out
}

/// An LP's withdrawal request for `shares` of pool `pool` (no price needed).
pub fn pool_request_withdraw(owner: Pubkey, shares: u128, pool: u16) -> Vec<Instruction> {
    vec![ix::pool_request_withdraw(owner, shares, pool)]
}

/// An LP's withdrawal from pool `pool` after its delay, to `destination`: the pool's stale
/// markets refreshed, then the withdrawal.
pub fn pool_withdraw(
    v: &Venue,
    (owner, pool): (Pubkey, u16),
    destination: Pubkey,
    now: Now,
) -> Vec<Instruction> {
    let mut out = pool_refreshes(v, pool, now);
    out.push(ix::pool_withdraw(owner, destination, v.pool_markets(pool)));
    out
}

/// Staking `amount` from `source` into pool `pool`'s insurance fund (no price needed).
pub fn stake(owner: Pubkey, source: Pubkey, amount: u64, pool: u16) -> Vec<Instruction> {
    vec![ix::if_stake(owner, source, amount, pool)]
}

/// A staker's unstake request for `shares` of pool `pool`'s fund (no price needed).
pub fn request_unstake(owner: Pubkey, shares: u128, pool: u16) -> Vec<Instruction> {
    vec![ix::if_request_unstake(owner, shares, pool)]
}

/// An unstake from pool `pool`'s fund after the cooldown, to `destination` (the pool's
/// markets passed for the fund's liabilities; no price needed).
pub fn unstake(v: &Venue, owner: Pubkey, destination: Pubkey, pool: u16) -> Vec<Instruction> {
    vec![ix::if_unstake(owner, destination, v.pool_markets(pool))]
}

/// Naming `delegate` as the account's trading delegate (`Pubkey::default()` revokes).
pub fn set_delegate(who: &Acting, delegate: Pubkey) -> Vec<Instruction> {
    vec![ix::set_delegate(who.signer, who.margin, delegate)]
}

/// Closing an empty margin account (its rent back to the owner).
pub fn close_account(who: &Acting) -> Vec<Instruction> {
    vec![ix::close_margin_account(who.signer, who.margin)]
}
