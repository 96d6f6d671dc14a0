//! Builders for the guardian's and governance's instructions and the settlement crank.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use bulwark::state::{ProposalAction, Role};
use bulwark_engine::governance::MarketParam;

use super::build;
use crate::pda;

/// `guardian_pause(bits, duration_secs)`, signed by the guardian.
pub fn guardian_pause(guardian: Pubkey, bits: u32, duration_secs: u32) -> Instruction {
    let accounts = bulwark::accounts::GuardianPause {
        guardian,
        exchange: pda::exchange().0,
        event_authority: crate::pda::event_authority().0,
        program: bulwark::ID,
    };
    build(
        accounts,
        bulwark::instruction::GuardianPause {
            bits,
            duration_secs,
        },
        &[],
    )
}

/// `guardian_reduce_only` for market `market_index`, signed by the guardian.
pub fn guardian_reduce_only(guardian: Pubkey, market_index: u16) -> Instruction {
    let accounts = bulwark::accounts::GuardianReduceOnly {
        guardian,
        exchange: pda::exchange().0,
        market: pda::market(market_index).0,
        event_authority: crate::pda::event_authority().0,
        program: bulwark::ID,
    };
    build(accounts, bulwark::instruction::GuardianReduceOnly {}, &[])
}

/// `set_market_param(param, value)` (tightening only), signed by governance.
pub fn set_market_param(
    governance: Pubkey,
    market_index: u16,
    param: MarketParam,
    value: u64,
) -> Instruction {
    let accounts = bulwark::accounts::SetMarketParam {
        governance,
        exchange: pda::exchange().0,
        market: pda::market(market_index).0,
        event_authority: crate::pda::event_authority().0,
        program: bulwark::ID,
    };
    build(
        accounts,
        bulwark::instruction::SetMarketParam { param, value },
        &[],
    )
}

/// `queue_proposal(seed, action)`, signed by governance; `payer` funds the proposal account at
/// [`pda::proposal`]`(seed)`. Every account is known from `seed` and `action` alone, so the
/// instruction can be drafted into a DAO proposal long before it executes.
pub fn queue_proposal(
    governance: Pubkey,
    payer: Pubkey,
    seed: u64,
    action: ProposalAction,
) -> Instruction {
    let market = match action {
        ProposalAction::RotateSource { market_index, .. } => Some(pda::market(market_index).0),
        _ => None,
    };
    let accounts = bulwark::accounts::QueueProposal {
        governance,
        payer,
        exchange: pda::exchange().0,
        market,
        proposal: pda::proposal(seed).0,
        system_program: anchor_lang::system_program::ID,
        event_authority: crate::pda::event_authority().0,
        program: bulwark::ID,
    };
    build(
        accounts,
        bulwark::instruction::QueueProposal { seed, action },
        &[],
    )
}

/// `execute_proposal` for the proposal at seed `seed` of a venue with one risk pool (pool 0),
/// naming the accounts `action` needs. Permissionless. [`execute_action_in`] for a market of
/// another pool.
pub fn execute_action(seed: u64, action: &ProposalAction) -> Instruction {
    execute_action_in(seed, action, 0)
}

/// `execute_proposal` for the proposal at seed `seed`, naming the accounts `action` needs: its
/// market, and the pool it acts in (`market_pool`, the market's pool, for settlement and
/// delisting; the pool named by a pool parameter). Permissionless.
pub fn execute_action_in(seed: u64, action: &ProposalAction, market_pool: u16) -> Instruction {
    let pool = match *action {
        ProposalAction::PoolParam { pool_index, .. } => Some(pool_index),
        _ => action.needs_pool().then_some(market_pool),
    };
    execute_with(seed, action.market_index(), pool)
}

/// `execute_proposal` for the proposal at seed `seed`; `market_index` names the market a market
/// action applies to.
pub fn execute_proposal(seed: u64, market_index: Option<u16>) -> Instruction {
    execute_with(seed, market_index, None)
}

/// `execute_proposal` for the proposal at seed `seed` naming the market `market_index` (if
/// any) and risk pool `pool` (if any: settlement, delisting and pool parameters need it).
pub fn execute_proposal_with(
    seed: u64,
    market_index: Option<u16>,
    pool: Option<u16>,
) -> Instruction {
    execute_with(seed, market_index, pool)
}

/// `execute_proposal` naming the market `market_index` (if any) and the pool `pool` (if any).
fn execute_with(seed: u64, market_index: Option<u16>, pool: Option<u16>) -> Instruction {
    let accounts = bulwark::accounts::ExecuteProposal {
        exchange: pda::exchange().0,
        proposal: pda::proposal(seed).0,
        market: market_index.map(|i| pda::market(i).0),
        pool: pool.map(|p| pda::pool(p).0),
        event_authority: crate::pda::event_authority().0,
        program: bulwark::ID,
    };
    build(accounts, bulwark::instruction::ExecuteProposal {}, &[])
}

/// `cancel_proposal` for the proposal at seed `seed`, signed by governance or the guardian.
pub fn cancel_proposal(authority: Pubkey, seed: u64) -> Instruction {
    let accounts = bulwark::accounts::CancelProposal {
        authority,
        exchange: pda::exchange().0,
        proposal: pda::proposal(seed).0,
        event_authority: crate::pda::event_authority().0,
        program: bulwark::ID,
    };
    build(accounts, bulwark::instruction::CancelProposal {}, &[])
}

/// `transfer_role(role, new_key)`, signed by governance.
pub fn transfer_role(governance: Pubkey, role: Role, new_key: Pubkey) -> Instruction {
    let accounts = bulwark::accounts::TransferRole {
        governance,
        exchange: pda::exchange().0,
        event_authority: crate::pda::event_authority().0,
        program: bulwark::ID,
    };
    build(
        accounts,
        bulwark::instruction::TransferRole { role, new_key },
        &[],
    )
}

/// `accept_role(role)`, signed by the proposed key.
pub fn accept_role(new_key: Pubkey, role: Role) -> Instruction {
    let accounts = bulwark::accounts::AcceptRole {
        new_key,
        exchange: pda::exchange().0,
        event_authority: crate::pda::event_authority().0,
        program: bulwark::ID,
    };
    build(accounts, bulwark::instruction::AcceptRole { role }, &[])
}

/// `withdraw_protocol_fees(amount)` to `destination`, signed by governance.
pub fn withdraw_protocol_fees(governance: Pubkey, destination: Pubkey, amount: u64) -> Instruction {
    let accounts = bulwark::accounts::WithdrawProtocolFees {
        governance,
        exchange: pda::exchange().0,
        vault: pda::vault().0,
        destination,
        token_program: anchor_spl::token::ID,
        event_authority: crate::pda::event_authority().0,
        program: bulwark::ID,
    };
    build(
        accounts,
        bulwark::instruction::WithdrawProtocolFees { amount },
        &[],
    )
}

/// `execute_proposal` for a settlement proposal at seed `seed` of market `market_index` (it
/// also reads the pool).
pub fn execute_settlement(seed: u64, market_index: u16) -> Instruction {
    execute_action(seed, &ProposalAction::Settle { market_index })
}

/// `settle_position` of `margin_account` in settling market `market_index` (permissionless),
/// for an account with no other open position (see [`settle_position_with`]).
pub fn settle_position(margin_account: Pubkey, market_index: u16) -> Instruction {
    settle_position_with(margin_account, market_index, &[])
}

/// `settle_position` passing `health_markets`: the markets of the account's other open
/// positions, ascending (a loser's expected bad debt is judged on its whole account).
pub fn settle_position_with(
    margin_account: Pubkey,
    market_index: u16,
    health_markets: &[Pubkey],
) -> Instruction {
    let accounts = bulwark::accounts::SettlePosition {
        margin_account,
        market: pda::market(market_index).0,
        exchange: pda::exchange().0,
        event_authority: crate::pda::event_authority().0,
        program: bulwark::ID,
    };
    build(
        accounts,
        bulwark::instruction::SettlePosition {},
        health_markets,
    )
}
