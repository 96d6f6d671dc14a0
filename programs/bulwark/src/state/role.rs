//! The exchange's roles that move in two steps (`transfer_role`, then `accept_role`).

use anchor_lang::prelude::*;

/// A role that moves in two steps.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum Role {
    Governance,
    Guardian,
}
