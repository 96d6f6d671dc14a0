//! Pure instruction builders: the one set used by tests, the demo, the CLI and integrators.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use anchor_lang::{InstructionData, ToAccountMetas};
use bulwark::instructions::{CreateMarketArgs, InitializeExchangeArgs, SetDelegateArgs};
use bulwark::state::{Exchange, Market};

use crate::pda;

mod governance;
pub use governance::*;

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
        pool: pda::pool().0,
        insurance_fund: pda::insurance_fund().0,
        token_program: anchor_spl::token::ID,
        system_program: anchor_lang::system_program::ID,
        event_authority: crate::pda::event_authority().0,
        program: bulwark::ID,
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
        event_authority: crate::pda::event_authority().0,
        program: bulwark::ID,
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
        event_authority: crate::pda::event_authority().0,
        program: bulwark::ID,
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

fn readonly(keys: &[Pubkey]) -> impl Iterator<Item = AccountMeta> + '_ {
    keys.iter().map(|k| AccountMeta::new_readonly(*k, false))
}

fn build(
    accounts: impl ToAccountMetas,
    data: impl InstructionData,
    extra: &[Pubkey],
) -> Instruction {
    let mut metas = accounts.to_account_metas(None);
    metas.extend(readonly(extra));
    Instruction {
        program_id: bulwark::ID,
        accounts: metas,
        data: data.data(),
    }
}

/// `create_margin_account(index)` for `owner` (who pays).
pub fn create_margin_account(owner: Pubkey, index: u16) -> Instruction {
    let accounts = bulwark::accounts::CreateMarginAccount {
        owner,
        margin_account: pda::margin_account(&owner, index).0,
        system_program: anchor_lang::system_program::ID,
        event_authority: crate::pda::event_authority().0,
        program: bulwark::ID,
    };
    build(
        accounts,
        bulwark::instruction::CreateMarginAccount { index },
        &[],
    )
}

/// `deposit(amount)` from `source` (a token account of the collateral owned by `owner`).
pub fn deposit(owner: Pubkey, margin_account: Pubkey, source: Pubkey, amount: u64) -> Instruction {
    let accounts = bulwark::accounts::Deposit {
        owner,
        margin_account,
        exchange: pda::exchange().0,
        vault: pda::vault().0,
        source,
        token_program: anchor_spl::token::ID,
        event_authority: crate::pda::event_authority().0,
        program: bulwark::ID,
    };
    build(accounts, bulwark::instruction::Deposit { amount }, &[])
}

/// `withdraw(amount)` to `destination`; `health_markets` are the markets of the account's
/// open positions, ascending by index.
pub fn withdraw(
    owner: Pubkey,
    margin_account: Pubkey,
    destination: Pubkey,
    amount: u64,
    health_markets: &[Pubkey],
) -> Instruction {
    let accounts = bulwark::accounts::Withdraw {
        owner,
        margin_account,
        exchange: pda::exchange().0,
        vault: pda::vault().0,
        destination,
        token_program: anchor_spl::token::ID,
        event_authority: crate::pda::event_authority().0,
        program: bulwark::ID,
    };
    build(
        accounts,
        bulwark::instruction::Withdraw { amount },
        health_markets,
    )
}

/// `close_margin_account` (rent back to `owner`).
pub fn close_margin_account(owner: Pubkey, margin_account: Pubkey) -> Instruction {
    let accounts = bulwark::accounts::CloseMarginAccount {
        owner,
        margin_account,
        event_authority: crate::pda::event_authority().0,
        program: bulwark::ID,
    };
    build(accounts, bulwark::instruction::CloseMarginAccount {}, &[])
}

/// `set_delegate` naming `delegate` with the standard limits
/// (`bulwark_engine::delegate::DelegateLimits::STANDARD`: its trades may cost the account at
/// most 100 USDC net and its increases may leave at most 10,000 USDC of notional); the
/// default key removes the delegate. [`set_delegate_with`] sets other limits.
pub fn set_delegate(owner: Pubkey, margin_account: Pubkey, delegate: Pubkey) -> Instruction {
    let l = bulwark_engine::delegate::DelegateLimits::STANDARD;
    set_delegate_with(
        owner,
        margin_account,
        SetDelegateArgs {
            delegate,
            max_loss: l.max_loss,
            max_notional: l.max_notional,
            reduce_only: l.reduce_only != 0,
        },
    )
}

/// `set_delegate(args)`: the delegate and the owner's limits on it (collateral units).
pub fn set_delegate_with(
    owner: Pubkey,
    margin_account: Pubkey,
    args: SetDelegateArgs,
) -> Instruction {
    let accounts = bulwark::accounts::SetDelegate {
        owner,
        margin_account,
        event_authority: crate::pda::event_authority().0,
        program: bulwark::ID,
    };
    build(accounts, bulwark::instruction::SetDelegate { args }, &[])
}

/// `trade(base_delta, limit_price)` in market `market_index`, signed by the owner or the
/// delegate; `other_health_markets` are the markets of the account's other open positions,
/// ascending by index.
pub fn trade(
    trader: Pubkey,
    margin_account: Pubkey,
    market_index: u16,
    base_delta: i64,
    limit_price: u64,
    other_health_markets: &[Pubkey],
) -> Instruction {
    let accounts = bulwark::accounts::Trade {
        trader,
        margin_account,
        market: pda::market(market_index).0,
        exchange: pda::exchange().0,
        pool: pda::pool().0,
        event_authority: crate::pda::event_authority().0,
        program: bulwark::ID,
    };
    build(
        accounts,
        bulwark::instruction::Trade {
            base_delta,
            limit_price,
        },
        other_health_markets,
    )
}

/// Every market's address, index 0 upwards (what pool operations take).
pub fn all_markets(market_count: u16) -> Vec<Pubkey> {
    (0..market_count).map(|i| pda::market(i).0).collect()
}

/// `pool_deposit(amount, min_shares)` from `source` (refused below `min_shares`, 0 for no
/// bound); needs every market.
pub fn pool_deposit(
    owner: Pubkey,
    source: Pubkey,
    amount: u64,
    min_shares: u128,
    market_count: u16,
) -> Instruction {
    let accounts = bulwark::accounts::PoolDeposit {
        owner,
        lp_account: pda::lp_account(&owner).0,
        pool: pda::pool().0,
        exchange: pda::exchange().0,
        vault: pda::vault().0,
        source,
        token_program: anchor_spl::token::ID,
        system_program: anchor_lang::system_program::ID,
        event_authority: crate::pda::event_authority().0,
        program: bulwark::ID,
    };
    build(
        accounts,
        bulwark::instruction::PoolDeposit { amount, min_shares },
        &all_markets(market_count),
    )
}

/// `pool_request_withdraw(shares)`.
pub fn pool_request_withdraw(owner: Pubkey, shares: u128) -> Instruction {
    let accounts = bulwark::accounts::PoolRequestWithdraw {
        owner,
        lp_account: pda::lp_account(&owner).0,
        pool: pda::pool().0,
        event_authority: crate::pda::event_authority().0,
        program: bulwark::ID,
    };
    build(
        accounts,
        bulwark::instruction::PoolRequestWithdraw { shares },
        &[],
    )
}

/// `pool_withdraw` to `destination`; needs every market.
pub fn pool_withdraw(owner: Pubkey, destination: Pubkey, market_count: u16) -> Instruction {
    let accounts = bulwark::accounts::PoolWithdraw {
        owner,
        lp_account: pda::lp_account(&owner).0,
        pool: pda::pool().0,
        exchange: pda::exchange().0,
        vault: pda::vault().0,
        destination,
        token_program: anchor_spl::token::ID,
        event_authority: crate::pda::event_authority().0,
        program: bulwark::ID,
    };
    build(
        accounts,
        bulwark::instruction::PoolWithdraw {},
        &all_markets(market_count),
    )
}

/// `sweep` of market `market_index` (permissionless).
pub fn sweep(market_index: u16) -> Instruction {
    let accounts = bulwark::accounts::Sweep {
        market: pda::market(market_index).0,
        pool: pda::pool().0,
        insurance_fund: pda::insurance_fund().0,
        exchange: pda::exchange().0,
        event_authority: crate::pda::event_authority().0,
        program: bulwark::ID,
    };
    build(accounts, bulwark::instruction::Sweep {}, &[])
}

/// `liquidate(max_base)` of `margin_account`'s position in `market_index`, rewarding
/// `keeper_account`; `other_health_markets` are the markets of its other open positions,
/// ascending.
pub fn liquidate(
    keeper: Pubkey,
    keeper_account: Pubkey,
    margin_account: Pubkey,
    market_index: u16,
    max_base: u64,
    other_health_markets: &[Pubkey],
) -> Instruction {
    let accounts = bulwark::accounts::Liquidate {
        keeper,
        keeper_account,
        margin_account,
        market: pda::market(market_index).0,
        exchange: pda::exchange().0,
        insurance_fund: pda::insurance_fund().0,
        event_authority: crate::pda::event_authority().0,
        program: bulwark::ID,
    };
    build(
        accounts,
        bulwark::instruction::Liquidate { max_base },
        other_health_markets,
    )
}

/// `resolve_bankruptcy` of `margin_account`, attributed to `market_index` (its last
/// liquidated market).
pub fn resolve_bankruptcy(margin_account: Pubkey, market_index: u16) -> Instruction {
    let accounts = bulwark::accounts::ResolveBankruptcy {
        margin_account,
        market: pda::market(market_index).0,
        insurance_fund: pda::insurance_fund().0,
        pool: pda::pool().0,
        event_authority: crate::pda::event_authority().0,
        program: bulwark::ID,
    };
    build(accounts, bulwark::instruction::ResolveBankruptcy {}, &[])
}

/// `auto_deleverage(max_base)` of `margin_account`'s position in `market_index`.
pub fn auto_deleverage(margin_account: Pubkey, market_index: u16, max_base: u64) -> Instruction {
    let accounts = bulwark::accounts::AutoDeleverage {
        margin_account,
        market: pda::market(market_index).0,
        pool: pda::pool().0,
        exchange: pda::exchange().0,
        event_authority: crate::pda::event_authority().0,
        program: bulwark::ID,
    };
    build(
        accounts,
        bulwark::instruction::AutoDeleverage { max_base },
        &[],
    )
}

/// `if_stake(amount)` from `source`.
pub fn if_stake(owner: Pubkey, source: Pubkey, amount: u64) -> Instruction {
    let accounts = bulwark::accounts::IfStake {
        owner,
        stake_account: pda::stake_account(&owner).0,
        insurance_fund: pda::insurance_fund().0,
        exchange: pda::exchange().0,
        vault: pda::vault().0,
        source,
        token_program: anchor_spl::token::ID,
        system_program: anchor_lang::system_program::ID,
        event_authority: crate::pda::event_authority().0,
        program: bulwark::ID,
    };
    build(accounts, bulwark::instruction::IfStake { amount }, &[])
}

/// `if_request_unstake(shares)`.
pub fn if_request_unstake(owner: Pubkey, shares: u128) -> Instruction {
    let accounts = bulwark::accounts::IfRequestUnstake {
        owner,
        stake_account: pda::stake_account(&owner).0,
        insurance_fund: pda::insurance_fund().0,
        event_authority: crate::pda::event_authority().0,
        program: bulwark::ID,
    };
    build(
        accounts,
        bulwark::instruction::IfRequestUnstake { shares },
        &[],
    )
}

/// `if_unstake` to `destination`; needs every market (the fund's exit value counts what each
/// market holds against it).
pub fn if_unstake(owner: Pubkey, destination: Pubkey, market_count: u16) -> Instruction {
    let accounts = bulwark::accounts::IfUnstake {
        owner,
        stake_account: pda::stake_account(&owner).0,
        insurance_fund: pda::insurance_fund().0,
        exchange: pda::exchange().0,
        vault: pda::vault().0,
        destination,
        token_program: anchor_spl::token::ID,
        event_authority: crate::pda::event_authority().0,
        program: bulwark::ID,
    };
    build(
        accounts,
        bulwark::instruction::IfUnstake {},
        &all_markets(market_count),
    )
}

/// `check_insurance_breaker` for market `market_index` (permissionless).
pub fn check_insurance_breaker(market_index: u16) -> Instruction {
    let accounts = bulwark::accounts::CheckInsuranceBreaker {
        market: pda::market(market_index).0,
        insurance_fund: pda::insurance_fund().0,
        exchange: pda::exchange().0,
        event_authority: crate::pda::event_authority().0,
        program: bulwark::ID,
    };
    build(
        accounts,
        bulwark::instruction::CheckInsuranceBreaker {},
        &[],
    )
}

/// `check_invariant` (permissionless); needs every market.
pub fn check_invariant(market_count: u16) -> Instruction {
    let accounts = bulwark::accounts::CheckInvariant {
        exchange: pda::exchange().0,
        vault: pda::vault().0,
        pool: pda::pool().0,
        insurance_fund: pda::insurance_fund().0,
        event_authority: crate::pda::event_authority().0,
        program: bulwark::ID,
    };
    build(
        accounts,
        bulwark::instruction::CheckInvariant {},
        &all_markets(market_count),
    )
}

/// `update_risk` for `m` landing at `slot`: its active sources' accounts, then the
/// collateral's, in the configured order, with a queued source rotation applied when it is
/// due by `slot` (the program applies it before it checks the accounts).
pub fn update_risk_ix(ex: &Exchange, m: &Market, slot: u64) -> Instruction {
    let mut m = *m;
    m.apply_due_rotation(slot);
    let asset: Vec<Pubkey> = m.oracle.active().iter().map(|s| s.account).collect();
    let collateral: Vec<Pubkey> = ex
        .collateral_oracle
        .active()
        .iter()
        .map(|s| s.account)
        .collect();
    update_risk(m.index, &asset, &collateral)
}
