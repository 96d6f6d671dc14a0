//! Bulwark: a perpetual-futures venue built to survive systemic events. Thin glue over the
//! `bulwark-engine` crate, which holds every formula.

use anchor_lang::prelude::*;

// The experimental upstream-LLVM SBF build links the compiler builtins from this crate.
#[cfg(all(target_os = "solana", target_arch = "bpf"))]
use solana_compiler_builtins as _;

#[cfg(feature = "heap-report")]
mod heap_report;

pub mod account_init;
pub mod constants;
pub mod error;
pub mod events;
pub mod instructions;
pub mod oracle;
pub mod state;

use bulwark_engine::governance::MarketParam;
use instructions::*;
use state::{ProposalAction, Role};

declare_id!("5gVMrPqA8x9kGFSbY1RH7unGRaofQfbgQnEJGJwN1x2D");

#[program]
pub mod bulwark {
    use super::*;

    /// Creates the exchange and its vault; signed by the program's upgrade authority, once.
    pub fn initialize_exchange(
        ctx: Context<InitializeExchange>,
        args: InitializeExchangeArgs,
    ) -> Result<()> {
        instructions::initialize_exchange_handler(ctx, args)
    }

    /// Lists a market (governance only); parameters within the bounds table, caps at zero.
    pub fn create_market(ctx: Context<CreateMarket>, args: CreateMarketArgs) -> Result<()> {
        instructions::create_market_handler(ctx, args)
    }

    /// Creates risk pool `index` (governance only): its liquidity pool and insurance fund,
    /// empty, without markets.
    pub fn create_pool(
        ctx: Context<CreatePool>,
        index: u16,
        args: instructions::common::pool_init::PoolArgs,
    ) -> Result<()> {
        instructions::create_pool_handler(ctx, index, args)
    }

    /// Permissionless: carries the pool's leader markets' stress signal into a follower market.
    pub fn propagate_stress<'info>(ctx: Context<'info, PropagateStress<'info>>) -> Result<()> {
        instructions::propagate_stress_handler(ctx)
    }

    /// Governance: a risk pool's stress-signal parameter, at once when it only tightens.
    pub fn set_pool_param(
        ctx: Context<SetPoolParam>,
        param: bulwark_engine::contagion::PoolParam,
        value: u64,
    ) -> Result<()> {
        instructions::set_pool_param_handler(ctx, param, value)
    }

    /// Permissionless: reads the market's and the collateral's oracles and stores the aggregate.
    pub fn update_risk<'info>(ctx: Context<'info, UpdateRisk<'info>>) -> Result<()> {
        instructions::update_risk_handler(ctx)
    }

    /// Creates the signer's margin account number `index`.
    pub fn create_margin_account(ctx: Context<CreateMarginAccount>, index: u16) -> Result<()> {
        instructions::create_margin_account_handler(ctx, index)
    }

    /// Moves collateral from the owner's token account into the margin account.
    pub fn deposit(ctx: Context<Deposit>, amount: u64) -> Result<()> {
        instructions::deposit_handler(ctx, amount)
    }

    /// Moves collateral out to a token account if the initial margin still holds.
    pub fn withdraw<'info>(ctx: Context<'info, Withdraw<'info>>, amount: u64) -> Result<()> {
        instructions::withdraw_handler(ctx, amount)
    }

    /// Closes an empty margin account and returns its rent.
    pub fn close_margin_account(ctx: Context<CloseMarginAccount>) -> Result<()> {
        instructions::close_margin_account_handler(ctx)
    }

    /// Names (or removes, with the default key) a delegate that may trade but never withdraw,
    /// within the owner's cost, notional and reduce-only limits.
    pub fn set_delegate(ctx: Context<SetDelegate>, args: SetDelegateArgs) -> Result<()> {
        instructions::set_delegate_handler(ctx, args)
    }

    /// Trades `base_delta` atoms of the market against the pool, no worse than `limit_price`.
    pub fn trade<'info>(
        ctx: Context<'info, Trade<'info>>,
        base_delta: i64,
        limit_price: u64,
    ) -> Result<()> {
        instructions::trade_handler(ctx, base_delta, limit_price)
    }

    /// Adds collateral to the liquidity pool for shares at its maximum value.
    pub fn pool_deposit<'info>(
        ctx: Context<'info, PoolDeposit<'info>>,
        amount: u64,
        min_shares: u128,
    ) -> Result<()> {
        instructions::pool_deposit_handler(ctx, amount, min_shares)
    }

    /// Requests a withdrawal of LP shares (paid after the delay).
    pub fn pool_request_withdraw(ctx: Context<PoolRequestWithdraw>, shares: u128) -> Result<()> {
        instructions::pool_request_withdraw_handler(ctx, shares)
    }

    /// Pays a pending LP withdrawal at the pool's minimum value.
    pub fn pool_withdraw<'info>(ctx: Context<'info, PoolWithdraw<'info>>) -> Result<()> {
        instructions::pool_withdraw_handler(ctx)
    }

    /// Permissionless: moves a market's sub-ledgers to the pool, insurance fund and protocol.
    pub fn sweep(ctx: Context<Sweep>) -> Result<()> {
        instructions::sweep_handler(ctx)
    }

    /// Permissionless: one liquidation stage of an account's position in the market.
    pub fn liquidate<'info>(ctx: Context<'info, Liquidate<'info>>, max_base: u64) -> Result<()> {
        instructions::liquidate_handler(ctx, max_base)
    }

    /// Permissionless: covers a bankrupt account from the insurance fund, then the pool.
    pub fn resolve_bankruptcy(ctx: Context<ResolveBankruptcy>) -> Result<()> {
        instructions::resolve_bankruptcy_handler(ctx)
    }

    /// Permissionless: deleverages a winning position while the market's ADL trigger holds.
    pub fn auto_deleverage(ctx: Context<AutoDeleverage>, max_base: u64) -> Result<()> {
        instructions::auto_deleverage_handler(ctx, max_base)
    }

    /// Stakes collateral in the insurance fund.
    pub fn if_stake(ctx: Context<IfStake>, amount: u64) -> Result<()> {
        instructions::if_stake_handler(ctx, amount)
    }

    /// Starts the unstake cooldown for `shares`.
    pub fn if_request_unstake(ctx: Context<IfRequestUnstake>, shares: u128) -> Result<()> {
        instructions::if_request_unstake_handler(ctx, shares)
    }

    /// Pays a requested unstake after the cooldown.
    pub fn if_unstake<'info>(ctx: Context<'info, IfUnstake<'info>>) -> Result<()> {
        instructions::if_unstake_handler(ctx)
    }

    /// Permissionless: trips or lifts the market's insurance-coverage breaker.
    pub fn check_insurance_breaker(ctx: Context<CheckInsuranceBreaker>) -> Result<()> {
        instructions::check_insurance_breaker_handler(ctx)
    }

    /// Permissionless: pauses the exchange if the vault holds less than its buckets.
    pub fn check_invariant<'info>(ctx: Context<'info, CheckInvariant<'info>>) -> Result<()> {
        instructions::check_invariant_handler(ctx)
    }

    /// Guardian: pauses operations (adds bits; never extends a running pause).
    pub fn guardian_pause(
        ctx: Context<GuardianPause>,
        bits: u32,
        duration_secs: u32,
    ) -> Result<()> {
        instructions::guardian_pause_handler(ctx, bits, duration_secs)
    }

    /// Guardian: puts a market in ReduceOnly.
    pub fn guardian_reduce_only(ctx: Context<GuardianReduceOnly>) -> Result<()> {
        instructions::guardian_reduce_only_handler(ctx)
    }

    /// Governance: applies a change that only tightens risk, at once.
    pub fn set_market_param(
        ctx: Context<SetMarketParam>,
        param: MarketParam,
        value: u64,
    ) -> Result<()> {
        instructions::set_market_param_handler(ctx, param, value)
    }

    /// Governance: queues `action` under the timelock at the proposal address
    /// `[PROPOSAL_SEED, seed]` (the proposer chooses `seed`).
    pub fn queue_proposal(
        ctx: Context<QueueProposal>,
        seed: u64,
        action: ProposalAction,
    ) -> Result<()> {
        instructions::queue_proposal_handler(ctx, seed, action)
    }

    /// Anyone: executes a queued change after its timelock, before it expires.
    pub fn execute_proposal(ctx: Context<ExecuteProposal>) -> Result<()> {
        instructions::execute_proposal_handler(ctx)
    }

    /// Governance or guardian: cancels a queued change.
    pub fn cancel_proposal(ctx: Context<CancelProposal>) -> Result<()> {
        instructions::cancel_proposal_handler(ctx)
    }

    /// Governance: proposes a new governance or guardian key.
    pub fn transfer_role(ctx: Context<TransferRole>, role: Role, new_key: Pubkey) -> Result<()> {
        instructions::transfer_role_handler(ctx, role, new_key)
    }

    /// The proposed key accepts its role.
    pub fn accept_role(ctx: Context<AcceptRole>, role: Role) -> Result<()> {
        instructions::accept_role_handler(ctx, role)
    }

    /// Permissionless: settles one position of a settling market.
    pub fn settle_position<'info>(ctx: Context<'info, SettlePosition<'info>>) -> Result<()> {
        instructions::settle_position_handler(ctx)
    }

    /// Governance: withdraws protocol fees.
    pub fn withdraw_protocol_fees(ctx: Context<WithdrawProtocolFees>, amount: u64) -> Result<()> {
        instructions::withdraw_protocol_fees_handler(ctx, amount)
    }
}
