//! Pure instruction builders: the one set used by tests, the demo, the CLI and integrators.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use anchor_lang::{InstructionData, ToAccountMetas};
use bulwark::instructions::{CreateMarketArgs, InitializeExchangeArgs, SetDelegateArgs};
use bulwark::state::{Exchange, Market};

use crate::pda;

mod governance;
mod pools;
pub use governance::*;
pub use pools::*;

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
        pool: pda::pool(0).0,
        insurance_fund: pda::insurance_fund(0).0,
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

/// `create_market` into risk pool `pool`, signed by governance; `payer` funds the market
/// account.
pub fn create_market(
    governance: Pubkey,
    payer: Pubkey,
    pool: u16,
    args: CreateMarketArgs,
) -> Instruction {
    let accounts = bulwark::accounts::CreateMarket {
        governance,
        payer,
        exchange: pda::exchange().0,
        market: pda::market(args.index).0,
        pool: pda::pool(pool).0,
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

/// A market as instructions name it: its index and the risk pool it is listed into. A bare
/// index means a market of pool 0 (a venue with one pool); the program refuses a market of
/// another pool with `PoolMismatch`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MarketRef {
    pub index: u16,
    pub pool: u16,
}

impl From<u16> for MarketRef {
    fn from(index: u16) -> Self {
        MarketRef { index, pool: 0 }
    }
}

impl From<&Market> for MarketRef {
    fn from(m: &Market) -> Self {
        MarketRef {
            index: m.index,
            pool: m.pool,
        }
    }
}

/// A margin account as instructions that move its collateral name it: its address and its
/// risk pool. A bare address means an account of pool 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccountRef {
    pub address: Pubkey,
    pub pool: u16,
}

impl From<Pubkey> for AccountRef {
    fn from(address: Pubkey) -> Self {
        AccountRef { address, pool: 0 }
    }
}

pub(crate) fn readonly(keys: &[Pubkey]) -> impl Iterator<Item = AccountMeta> + '_ {
    keys.iter().map(|k| AccountMeta::new_readonly(*k, false))
}

pub(crate) fn build(
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

/// `create_margin_account(index)` for `owner` (who pays), in risk pool `pool` for good.
pub fn create_margin_account(owner: Pubkey, index: u16, pool: u16) -> Instruction {
    let accounts = bulwark::accounts::CreateMarginAccount {
        owner,
        margin_account: pda::margin_account(&owner, index).0,
        pool: pda::pool(pool).0,
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

/// `deposit(amount)` from `source` (a token account of the collateral owned by `owner`) into
/// `margin_account` (of risk pool `account.pool`).
pub fn deposit(
    owner: Pubkey,
    account: impl Into<AccountRef>,
    source: Pubkey,
    amount: u64,
) -> Instruction {
    let AccountRef {
        address: margin_account,
        pool,
    } = account.into();
    let accounts = bulwark::accounts::Deposit {
        owner,
        margin_account,
        pool: pda::pool(pool).0,
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
    account: impl Into<AccountRef>,
    destination: Pubkey,
    amount: u64,
    health_markets: &[Pubkey],
) -> Instruction {
    let AccountRef {
        address: margin_account,
        pool,
    } = account.into();
    let accounts = bulwark::accounts::Withdraw {
        owner,
        margin_account,
        pool: pda::pool(pool).0,
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
    market: impl Into<MarketRef>,
    base_delta: i64,
    limit_price: u64,
    other_health_markets: &[Pubkey],
) -> Instruction {
    let market = market.into();
    let accounts = bulwark::accounts::Trade {
        trader,
        margin_account,
        market: pda::market(market.index).0,
        exchange: pda::exchange().0,
        pool: pda::pool(market.pool).0,
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

/// `sweep` of `market` into its pool and fund (permissionless).
pub fn sweep(market: impl Into<MarketRef>) -> Instruction {
    let MarketRef { index, pool } = market.into();
    let accounts = bulwark::accounts::Sweep {
        market: pda::market(index).0,
        pool: pda::pool(pool).0,
        insurance_fund: pda::insurance_fund(pool).0,
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
    market: impl Into<MarketRef>,
    max_base: u64,
    other_health_markets: &[Pubkey],
) -> Instruction {
    let MarketRef { index, pool } = market.into();
    let accounts = bulwark::accounts::Liquidate {
        keeper,
        keeper_account,
        margin_account,
        market: pda::market(index).0,
        exchange: pda::exchange().0,
        insurance_fund: pda::insurance_fund(pool).0,
        pool: pda::pool(pool).0,
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
pub fn resolve_bankruptcy(margin_account: Pubkey, market: impl Into<MarketRef>) -> Instruction {
    let MarketRef { index, pool } = market.into();
    let accounts = bulwark::accounts::ResolveBankruptcy {
        margin_account,
        market: pda::market(index).0,
        insurance_fund: pda::insurance_fund(pool).0,
        pool: pda::pool(pool).0,
        event_authority: crate::pda::event_authority().0,
        program: bulwark::ID,
    };
    build(accounts, bulwark::instruction::ResolveBankruptcy {}, &[])
}

/// `auto_deleverage(max_base)` of `margin_account`'s position in `market_index`.
pub fn auto_deleverage(
    margin_account: Pubkey,
    market: impl Into<MarketRef>,
    max_base: u64,
) -> Instruction {
    let MarketRef { index, pool } = market.into();
    let accounts = bulwark::accounts::AutoDeleverage {
        margin_account,
        market: pda::market(index).0,
        pool: pda::pool(pool).0,
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

/// `check_insurance_breaker` for market `market_index` (permissionless).
pub fn check_insurance_breaker(market: impl Into<MarketRef>) -> Instruction {
    let MarketRef { index, pool } = market.into();
    let accounts = bulwark::accounts::CheckInsuranceBreaker {
        market: pda::market(index).0,
        insurance_fund: pda::insurance_fund(pool).0,
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

/// `check_invariant` (permissionless); needs every market, every pool and every fund.
pub fn check_invariant(market_count: u16, pool_count: u16) -> Instruction {
    let accounts = bulwark::accounts::CheckInvariant {
        exchange: pda::exchange().0,
        vault: pda::vault().0,
        event_authority: crate::pda::event_authority().0,
        program: bulwark::ID,
    };
    let mut extra: Vec<Pubkey> = (0..market_count).map(|i| pda::market(i).0).collect();
    extra.extend((0..pool_count).map(|p| pda::pool(p).0));
    extra.extend((0..pool_count).map(|p| pda::insurance_fund(p).0));
    build(accounts, bulwark::instruction::CheckInvariant {}, &extra)
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
