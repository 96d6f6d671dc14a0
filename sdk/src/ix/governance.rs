//! Builders for the guardian's and governance's instructions and the settlement crank.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};

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
    param: u16,
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

/// `queue_change` as proposal number `id` (the exchange's `proposal_count`), signed by
/// governance; `payer` funds the proposal account. Ready to wrap in a DAO proposal.
pub fn queue_change(
    governance: Pubkey,
    payer: Pubkey,
    id: u64,
    kind: u8,
    market_index: u16,
    param: u16,
    value: u64,
) -> Instruction {
    let accounts = bulwark::accounts::QueueChange {
        governance,
        payer,
        exchange: pda::exchange().0,
        proposal: pda::proposal(id).0,
        system_program: anchor_lang::system_program::ID,
        event_authority: crate::pda::event_authority().0,
        program: bulwark::ID,
    };
    build(
        accounts,
        bulwark::instruction::QueueChange {
            kind,
            market_index,
            param,
            value,
        },
        &[],
    )
}

/// `execute_proposal` for proposal `id`; `market_index` names the market a market-parameter
/// change applies to.
pub fn execute_proposal(id: u64, market_index: Option<u16>) -> Instruction {
    let accounts = bulwark::accounts::ExecuteProposal {
        exchange: pda::exchange().0,
        proposal: pda::proposal(id).0,
        event_authority: crate::pda::event_authority().0,
        program: bulwark::ID,
    };
    let mut ix = build(accounts, bulwark::instruction::ExecuteProposal {}, &[]);
    if let Some(i) = market_index {
        ix.accounts.push(AccountMeta::new(pda::market(i).0, false));
    }
    ix
}

/// `cancel_proposal` for proposal `id`, signed by governance or the guardian.
pub fn cancel_proposal(authority: Pubkey, id: u64) -> Instruction {
    let accounts = bulwark::accounts::CancelProposal {
        authority,
        exchange: pda::exchange().0,
        proposal: pda::proposal(id).0,
        event_authority: crate::pda::event_authority().0,
        program: bulwark::ID,
    };
    build(accounts, bulwark::instruction::CancelProposal {}, &[])
}

/// `transfer_role(role, new_key)`, signed by governance.
pub fn transfer_role(governance: Pubkey, role: u8, new_key: Pubkey) -> Instruction {
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
pub fn accept_role(new_key: Pubkey, role: u8) -> Instruction {
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

/// `execute_proposal` for a settlement proposal `id` of market `market_index` (it also reads
/// the pool).
pub fn execute_settlement(id: u64, market_index: u16) -> Instruction {
    let mut ix = execute_proposal(id, Some(market_index));
    ix.accounts
        .push(AccountMeta::new_readonly(pda::pool().0, false));
    ix
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

/// `queue_rotation` as proposal `id`: source `position` of market `market_index` becomes
/// `source` at `activation_slot`. Signed by governance; `payer` funds the proposal.
pub fn queue_rotation(
    governance: Pubkey,
    payer: Pubkey,
    id: u64,
    market_index: u16,
    position: u8,
    source: bulwark::state::OracleSourceArgs,
    activation_slot: u64,
) -> Instruction {
    let accounts = bulwark::accounts::QueueRotation {
        governance,
        payer,
        exchange: pda::exchange().0,
        market: pda::market(market_index).0,
        proposal: pda::proposal(id).0,
        system_program: anchor_lang::system_program::ID,
        event_authority: crate::pda::event_authority().0,
        program: bulwark::ID,
    };
    build(
        accounts,
        bulwark::instruction::QueueRotation {
            position,
            source,
            activation_slot,
        },
        &[],
    )
}
