//! Pure instruction builders: the one set used by tests, the demo, the CLI and integrators.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use anchor_lang::{InstructionData, ToAccountMetas};
use bulwark::instructions::{CreateMarketArgs, InitializeExchangeArgs};

use crate::pda;

/// `initialize_exchange`, signed by the upgrade authority (who pays).
pub fn initialize_exchange(
    authority: Pubkey,
    collateral_mint: Pubkey,
    args: InitializeExchangeArgs,
) -> Instruction {
    let accounts = bulwark::accounts::InitializeExchange {
        authority,
        program_data: pda::program_data(),
        exchange: pda::exchange().0,
        collateral_mint,
        vault: pda::vault().0,
        token_program: anchor_spl::token::ID,
        system_program: anchor_lang::system_program::ID,
    };
    Instruction {
        program_id: bulwark::ID,
        accounts: accounts.to_account_metas(None),
        data: bulwark::instruction::InitializeExchange { args }.data(),
    }
}

/// `create_market`, signed by governance; `payer` funds the market account.
pub fn create_market(governance: Pubkey, payer: Pubkey, args: CreateMarketArgs) -> Instruction {
    let accounts = bulwark::accounts::CreateMarket {
        governance,
        payer,
        exchange: pda::exchange().0,
        market: pda::market(args.index).0,
        system_program: anchor_lang::system_program::ID,
    };
    Instruction {
        program_id: bulwark::ID,
        accounts: accounts.to_account_metas(None),
        data: bulwark::instruction::CreateMarket { args }.data(),
    }
}

/// `update_risk` for market `index`: `asset_oracles` then `collateral_oracles`, each in the
/// configured order (the program rejects any other order, or a missing or extra account).
pub fn update_risk(
    index: u16,
    asset_oracles: &[Pubkey],
    collateral_oracles: &[Pubkey],
) -> Instruction {
    let accounts = bulwark::accounts::UpdateRisk {
        exchange: pda::exchange().0,
        market: pda::market(index).0,
    };
    let mut metas = accounts.to_account_metas(None);
    metas.extend(
        asset_oracles
            .iter()
            .chain(collateral_oracles)
            .map(|k| AccountMeta::new_readonly(*k, false)),
    );
    Instruction {
        program_id: bulwark::ID,
        accounts: metas,
        data: bulwark::instruction::UpdateRisk {}.data(),
    }
}
