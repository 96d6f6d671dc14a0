//! What a proposal does: one typed action, queued by `queue_proposal` and run by
//! `execute_proposal`. The proposal account stores it in fixed fields (`kind`, `market_index`,
//! `param`, `value`, `activation_slot`, `source`); [`ProposalAction::store`] and
//! [`Proposal::action`] are the only two places that know that encoding.

use anchor_lang::prelude::*;
use bulwark_engine::bounds::Param;
use bulwark_engine::checked::cast;
use bulwark_engine::contagion::PoolParam;
use bulwark_engine::governance::{check_bounds, MarketParam};

use crate::error::{engine_err, BulwarkError, OrMath};
use crate::state::{kind, OracleSource, OracleSourceArgs, Proposal};

/// A change governance queues under the timelock.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum ProposalAction {
    /// Sets a market parameter (judged again at execution: bounds, step, staleness, the whole
    /// parameter set).
    MarketParam {
        market_index: u16,
        param: MarketParam,
        value: u64,
    },
    /// Sets the exchange's timelock, seconds (the timelock changes only through itself).
    Timelock { secs: u32 },
    /// Starts emergency settlement of a market (ReduceOnly or Halted long enough).
    Settle { market_index: u16 },
    /// Delists a settled market.
    Delist { market_index: u16 },
    /// Replaces oracle source `position` of a market with `source` from `activation_slot`.
    RotateSource {
        market_index: u16,
        position: u8,
        source: OracleSourceArgs,
        activation_slot: u64,
    },
    /// Lifts the guardian's ReduceOnly on a market.
    LiftReduceOnly { market_index: u16 },
    /// Clears the accounting invariant's pause (after the books are mended).
    ClearInvariantPause,
    /// Sets the end of the guardian's pause, unix seconds.
    ExtendPause { until: i64 },
    /// Sets a risk pool's stress-signal parameter (judged again at execution).
    PoolParam {
        pool_index: u16,
        param: PoolParam,
        value: u64,
    },
}

impl ProposalAction {
    /// The market it acts on, if any (that market's account is named at execution).
    pub fn market_index(&self) -> Option<u16> {
        match *self {
            ProposalAction::MarketParam { market_index, .. }
            | ProposalAction::Settle { market_index }
            | ProposalAction::Delist { market_index }
            | ProposalAction::RotateSource { market_index, .. }
            | ProposalAction::LiftReduceOnly { market_index } => Some(market_index),
            ProposalAction::Timelock { .. }
            | ProposalAction::ClearInvariantPause
            | ProposalAction::ExtendPause { .. }
            | ProposalAction::PoolParam { .. } => None,
        }
    }

    /// Whether execution needs a risk pool account: settlement records its funds for winners,
    /// delisting stops counting the market in it, and pool parameters are its own. The market's
    /// pool for market actions; for `PoolParam` the pool named (`pool_index`).
    pub fn needs_pool(&self) -> bool {
        matches!(
            self,
            ProposalAction::Settle { .. }
                | ProposalAction::Delist { .. }
                | ProposalAction::PoolParam { .. }
        )
    }

    /// Its stored kind code (`state::kind`).
    pub fn kind(&self) -> u8 {
        match self {
            ProposalAction::MarketParam { .. } => kind::MARKET_PARAM,
            ProposalAction::Timelock { .. } => kind::TIMELOCK,
            ProposalAction::Settle { .. } => kind::SETTLE,
            ProposalAction::Delist { .. } => kind::DELIST,
            ProposalAction::RotateSource { .. } => kind::ROTATE_SOURCE,
            ProposalAction::LiftReduceOnly { .. } => kind::LIFT_REDUCE_ONLY,
            ProposalAction::ClearInvariantPause => kind::CLEAR_INVARIANT_PAUSE,
            ProposalAction::ExtendPause { .. } => kind::EXTEND_PAUSE,
            ProposalAction::PoolParam { .. } => kind::POOL_PARAM,
        }
    }

    /// What can be judged without any account: a parameter's and the timelock's hard bounds;
    /// a pause end must be a unix time (not before 1970). A source rotation is judged against
    /// its market by `queue_proposal`.
    pub fn validate(&self) -> Result<()> {
        match *self {
            ProposalAction::MarketParam { param, value, .. } => {
                check_bounds(&param.spec(), value).map_err(engine_err)
            }
            ProposalAction::Timelock { secs } => {
                Param::Timelock.check(u64::from(secs)).map_err(engine_err)
            }
            ProposalAction::ExtendPause { until } => {
                require!(until >= 0, BulwarkError::ParameterOutOfBounds);
                Ok(())
            }
            // A leader's market is judged against the markets listed at execution.
            ProposalAction::PoolParam { param, value, .. } => {
                require!(
                    param.check(value, u16::MAX).is_ok(),
                    BulwarkError::ParameterOutOfBounds
                );
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Writes the action into `p`'s fixed fields; `source` is the rotation's validated source
    /// (ignored by other actions).
    pub fn store(&self, p: &mut Proposal, source: OracleSource) -> Result<()> {
        p.kind = self.kind();
        p.market_index = self.market_index().unwrap_or(0);
        match *self {
            ProposalAction::MarketParam { param, value, .. } => {
                p.param = param as u16;
                p.value = value;
            }
            ProposalAction::Timelock { secs } => p.value = u64::from(secs),
            ProposalAction::ExtendPause { until } => p.value = cast(until).or_math()?,
            ProposalAction::PoolParam {
                pool_index,
                param,
                value,
            } => {
                p.market_index = pool_index;
                p.param = param as u16;
                p.value = value;
            }
            ProposalAction::RotateSource {
                position,
                activation_slot,
                ..
            } => {
                p.param = u16::from(position);
                p.activation_slot = activation_slot;
                p.source = source;
            }
            _ => {}
        }
        Ok(())
    }
}

impl Proposal {
    /// The action stored in this proposal.
    pub fn action(&self) -> Result<ProposalAction> {
        let market_index = self.market_index;
        Ok(match self.kind {
            kind::MARKET_PARAM => ProposalAction::MarketParam {
                market_index,
                param: MarketParam::from_u16(self.param).ok_or(BulwarkError::UnknownParameter)?,
                value: self.value,
            },
            kind::TIMELOCK => ProposalAction::Timelock {
                secs: cast(self.value).or_math()?,
            },
            kind::SETTLE => ProposalAction::Settle { market_index },
            kind::DELIST => ProposalAction::Delist { market_index },
            kind::ROTATE_SOURCE => ProposalAction::RotateSource {
                market_index,
                position: cast(self.param).or_math()?,
                source: self.source.to_args(),
                activation_slot: self.activation_slot,
            },
            kind::LIFT_REDUCE_ONLY => ProposalAction::LiftReduceOnly { market_index },
            kind::CLEAR_INVARIANT_PAUSE => ProposalAction::ClearInvariantPause,
            kind::EXTEND_PAUSE => ProposalAction::ExtendPause {
                until: cast(self.value).or_math()?,
            },
            kind::POOL_PARAM => ProposalAction::PoolParam {
                pool_index: market_index,
                param: PoolParam::from_u16(self.param).ok_or(BulwarkError::UnknownParameter)?,
                value: self.value,
            },
            _ => return err!(BulwarkError::UnknownParameter),
        })
    }
}
