//! Events. Every market event names its market by `market_index` (the address is
//! `[MARKET_SEED, index]`); codes are typed enums. Once deployed, append-only: add `FooV2`
//! rather than change `Foo`.

use anchor_lang::prelude::*;

/// The exchange was created.
#[event]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ExchangeInitialized {
    pub exchange: Pubkey,
    pub governance: Pubkey,
    pub guardian: Pubkey,
    pub collateral_mint: Pubkey,
    pub vault: Pubkey,
    pub collateral_sources: u8,
}

/// A market was listed (open-interest caps start at zero).
#[event]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct MarketCreated {
    pub market_index: u16,
    /// The risk pool it is listed into.
    pub pool_index: u16,
    pub symbol: [u8; 16],
    pub sources: u8,
    pub min_quorum: u8,
}

/// Governance created a risk pool (no markets, no capital, stress signal off).
#[event]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct PoolCreated {
    pub pool_index: u16,
    pub withdraw_delay_secs: u32,
    pub max_pnl_to_pool_ppm: u32,
    pub unstake_cooldown_secs: u32,
}

/// A pool's stress-signal parameter changed (at once: a tightening; or a queued change).
#[event]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct PoolParamChanged {
    pub pool_index: u16,
    pub param: bulwark_engine::contagion::PoolParam,
    pub old_value: u64,
    pub new_value: u64,
    /// True when it came through the timelock.
    pub queued: bool,
}

/// The leaders' stress signal switched on or off in a follower market (or changed size).
/// `reason`: 1 a leader's velocity band, 2 a leader's volatility, 0 calm (switched off).
#[event]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct StressSignal {
    pub market_index: u16,
    pub pool_index: u16,
    pub on: bool,
    /// The leader behind the signal (the last one seen stressed).
    pub leader_index: u16,
    pub reason: u8,
    /// Step added to the maintenance target and spread added to increases, ppm.
    pub step_ppm: u32,
    pub spread_ppm: u32,
    /// The maintenance target the ramp now heads for, ppm (the ratio moves from the next slot).
    pub target_mmr_ppm: u32,
    pub slot: u64,
}

pub use bulwark_engine::oracle::SourceOutcome;

/// `update_risk` stored a new aggregate.
#[event]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct RiskUpdated {
    pub market_index: u16,
    pub slot: u64,
    /// Price in collateral units at 1e-9.
    pub price: u64,
    /// Confidence in collateral units at 1e-9.
    pub conf: u64,
    /// Fallback price for reductions (0 = none).
    pub reduce_price: u64,
    pub validity: bulwark_engine::oracle::Validity,
    pub twap: u64,
    pub asset_price_usd: u64,
    pub collateral_price_usd: u64,
    pub sources: Vec<SourceOutcome>,
    pub collateral_sources: Vec<SourceOutcome>,
}

/// A margin account was created.
#[event]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct MarginAccountCreated {
    pub margin_account: Pubkey,
    pub owner: Pubkey,
    pub index: u16,
    /// The risk pool it belongs to.
    pub pool_index: u16,
}

/// A margin account was closed (rent returned).
#[event]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct MarginAccountClosed {
    pub margin_account: Pubkey,
    pub owner: Pubkey,
}

/// Collateral entered a margin account.
#[event]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct CollateralDeposited {
    pub margin_account: Pubkey,
    pub amount: u64,
    pub collateral: i64,
}

/// Collateral left a margin account.
#[event]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct CollateralWithdrawn {
    pub margin_account: Pubkey,
    pub amount: u64,
    pub collateral: i64,
}

/// A trade against the pool (amounts in collateral units, price at 1e-9).
#[event]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct TradeExecuted {
    pub margin_account: Pubkey,
    pub market_index: u16,
    pub base_delta: i64,
    pub price: u64,
    pub spread_ppm: u64,
    pub realized_pnl: i64,
    pub fee: u64,
    pub impact_paid: u64,
    pub impact_received: u64,
    pub base_after: i64,
    pub collateral_after: i64,
    /// Funding the position settled before the fill (positive = paid).
    pub funding_paid: i64,
}

/// An LP deposited.
#[event]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct PoolDeposited {
    /// The risk pool (its LPs' capital, or its insurance fund).
    pub pool_index: u16,
    pub owner: Pubkey,
    pub amount: u64,
    #[cfg_attr(feature = "serde", serde(serialize_with = "u128_as_string"))]
    pub shares: u128,
    #[cfg_attr(feature = "serde", serde(serialize_with = "u128_as_string"))]
    pub total_shares: u128,
}

/// An LP asked to withdraw.
#[event]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct PoolWithdrawRequested {
    /// The risk pool (its LPs' capital, or its insurance fund).
    pub pool_index: u16,
    pub owner: Pubkey,
    #[cfg_attr(feature = "serde", serde(serialize_with = "u128_as_string"))]
    pub shares: u128,
    pub requested_at: i64,
}

/// An LP withdrew.
#[event]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct PoolWithdrawn {
    /// The risk pool (its LPs' capital, or its insurance fund).
    pub pool_index: u16,
    pub owner: Pubkey,
    #[cfg_attr(feature = "serde", serde(serialize_with = "u128_as_string"))]
    pub shares: u128,
    pub amount: u64,
    #[cfg_attr(feature = "serde", serde(serialize_with = "u128_as_string"))]
    pub total_shares: u128,
}

/// A market's sub-ledgers were swept.
#[event]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Swept {
    pub market_index: u16,
    pub to_pool: i64,
    pub to_insurance: u64,
    pub to_protocol: u64,
}

/// A liquidation stage (amounts in collateral units).
#[event]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Liquidated {
    pub margin_account: Pubkey,
    pub market_index: u16,
    pub closed_base: u64,
    pub price: u64,
    pub realized_pnl: i64,
    pub penalty_rate_ppm: u64,
    pub penalty_charged: u64,
    pub keeper_reward: u64,
    pub insurance_share: u64,
    /// Part of the keeper's reward advanced for the insurance fund (account under water).
    pub insurance_advanced: u64,
    pub restored: bool,
    pub collateral_after: i64,
}

/// A bankruptcy was covered: insurance first, the rest socialised to LPs.
#[event]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct BankruptcyResolved {
    pub margin_account: Pubkey,
    pub market_index: u16,
    pub deficit: u64,
    pub insurance_paid: u64,
    pub socialized: u64,
    pub window_remaining_after: u64,
}

/// An ADL episode started: its water level's clock runs from `start_slot` (the call that started
/// it closed nothing: its target was not above the top).
#[event]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct AdlEpisodeStarted {
    pub market_index: u16,
    /// The target the starting call named.
    pub margin_account: Pubkey,
    pub start_slot: u64,
    /// The level at the start (the market's maximum leverage), ppm.
    pub level_ppm: u64,
}

/// A winner was deleveraged.
#[event]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Deleveraged {
    pub margin_account: Pubkey,
    pub market_index: u16,
    pub closed_base: u64,
    pub price: u64,
    pub realized_pnl: i64,
    /// The target's leverage before the close and the water level it was drained to, ppm.
    pub leverage_ppm: u64,
    pub level_ppm: u64,
    /// The slot the ADL episode started.
    pub episode_start_slot: u64,
    pub ratio_before_ppm: u64,
    pub ratio_after_ppm: u64,
}

/// A staker added to the insurance fund.
#[event]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Staked {
    /// The risk pool (its LPs' capital, or its insurance fund).
    pub pool_index: u16,
    pub owner: Pubkey,
    pub amount: u64,
    #[cfg_attr(feature = "serde", serde(serialize_with = "u128_as_string"))]
    pub shares: u128,
    #[cfg_attr(feature = "serde", serde(serialize_with = "u128_as_string"))]
    pub total_shares: u128,
}

/// A staker started the unstake cooldown.
#[event]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct UnstakeRequested {
    /// The risk pool (its LPs' capital, or its insurance fund).
    pub pool_index: u16,
    pub owner: Pubkey,
    #[cfg_attr(feature = "serde", serde(serialize_with = "u128_as_string"))]
    pub shares: u128,
    pub value_at_request: u64,
    pub requested_at: i64,
}

/// A staker was paid.
#[event]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Unstaked {
    /// The risk pool (its LPs' capital, or its insurance fund).
    pub pool_index: u16,
    pub owner: Pubkey,
    #[cfg_attr(feature = "serde", serde(serialize_with = "u128_as_string"))]
    pub shares: u128,
    pub amount: u64,
    #[cfg_attr(feature = "serde", serde(serialize_with = "u128_as_string"))]
    pub total_shares: u128,
}

/// A circuit breaker tripped or recovered.
#[event]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct BreakerTransition {
    /// The market; `None` for the exchange-wide accounting invariant.
    pub market_index: Option<u16>,
    pub reason: bulwark_engine::breaker::Reason,
    pub tripped: bool,
    pub slot: u64,
}

/// The event of a breaker transition.
pub fn breaker_event(
    market_index: u16,
    t: bulwark_engine::breaker::Transition,
    slot: u64,
) -> BreakerTransition {
    let (reason, tripped) = match t {
        bulwark_engine::breaker::Transition::Trip(r) => (r, true),
        bulwark_engine::breaker::Transition::Recover(r) => (r, false),
    };
    BreakerTransition {
        market_index: Some(market_index),
        reason,
        tripped,
        slot,
    }
}

/// A market changed state.
#[event]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct MarketStateChanged {
    pub market_index: u16,
    pub state: bulwark_engine::state::MarketState,
    pub slot: u64,
}

/// Operations were paused (`bulwark_engine::state::pause` bits).
#[event]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Paused {
    pub bits: u32,
    pub until: i64,
    pub by_invariant: bool,
}

/// A governable parameter changed.
#[event]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ParamChanged {
    pub market_index: u16,
    pub param: bulwark_engine::governance::MarketParam,
    pub old: u64,
    pub new: u64,
}

/// A change was queued under the timelock.
#[event]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ProposalQueued {
    /// The proposal's address (`[PROPOSAL_SEED, seed]`).
    pub proposal: Pubkey,
    /// Queue order.
    pub id: u64,
    pub action: crate::state::ProposalAction,
    /// Executable from `eta` until `expires` (unix seconds).
    pub eta: i64,
    pub expires: i64,
}

/// A queued change was executed or cancelled.
#[event]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ProposalExecuted {
    /// The proposal's address.
    pub proposal: Pubkey,
    /// Queue order.
    pub id: u64,
    pub cancelled: bool,
}

/// A role transfer was proposed or accepted.
#[event]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct RoleTransfer {
    pub role: crate::state::Role,
    pub key: Pubkey,
    pub accepted: bool,
}

/// Protocol fees left the vault.
#[event]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ProtocolFeesWithdrawn {
    pub amount: u64,
    pub remaining: u64,
}

/// A position was settled during emergency settlement.
#[event]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct PositionSettled {
    pub margin_account: Pubkey,
    pub market_index: u16,
    pub price: u64,
    pub realized_pnl: i64,
    pub funding_paid: i64,
}

/// A settling winner's profit was recorded as a claim (paid once the ratio is fixed); or a
/// loser's expected bad debt was declared. Collateral units.
#[event]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct SettlementVisited {
    pub margin_account: Pubkey,
    pub market_index: u16,
    /// The winner's profit at the settlement price (0 for a loser).
    pub claim: u64,
    /// The part of the loser's loss its account cannot pay (0 for a winner).
    pub bad_debt: u64,
    /// The ratio once fixed by this visit (0 / 0 while positions remain unvisited).
    pub ratio_num: u64,
    pub ratio_den: u64,
}

/// A market's oracle source was rotated at its activation slot.
#[event]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct SourceRotated {
    pub market_index: u16,
    pub position: u8,
    pub account: Pubkey,
}

/// The trading delegate changed, with the owner's limits on it (collateral units); its cost
/// count starts again at zero.
#[event]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct DelegateSet {
    pub margin_account: Pubkey,
    pub delegate: Pubkey,
    pub max_loss: u64,
    pub max_notional: u64,
    pub reduce_only: bool,
}

/// Shares (u128) as decimal strings in JSON, which holds integers only to 2^53 in most readers.
#[cfg(feature = "serde")]
fn u128_as_string<S: serde::Serializer>(v: &u128, s: S) -> core::result::Result<S::Ok, S::Error> {
    s.serialize_str(&v.to_string())
}
