//! `initialize_exchange`: creates the exchange singleton and the collateral vault. Only the
//! program's upgrade authority (read from its ProgramData account) may call it, once.

use anchor_lang::prelude::*;
use anchor_lang::solana_program::bpf_loader_upgradeable;
use anchor_spl::token::{initialize_account3, InitializeAccount3, Mint, Token, TokenAccount};

use crate::account_init::{create_pda_account, init_zero_copy, is_uncreated};
use crate::constants::*;
use crate::error::{engine_err, BulwarkError};
use crate::events::ExchangeInitialized;
use crate::instructions::common::pool_init::{create_pool_accounts, PoolArgs, PoolBumps};
use crate::state::{Exchange, OracleConfig, OracleSideArgs};
use bulwark_engine::bounds::Param;

/// Arguments of `initialize_exchange`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct InitializeExchangeArgs {
    /// Signer of parameter changes (hand to the DAO).
    pub governance: Pubkey,
    /// Key that may only tighten.
    pub guardian: Pubkey,
    /// The collateral's own USD price sources (e.g. USDC/USD).
    pub collateral_oracle: OracleSideArgs,
    /// Seconds between an LP's withdrawal request and its payment.
    pub pool_withdraw_delay_secs: u32,
    /// Traders' counted profit is capped at this share of the pool (ppm).
    pub max_pnl_to_pool_ppm: u32,
    /// Seconds between an insurance unstake request and its payment.
    pub unstake_cooldown_secs: u32,
    /// Longest pause the guardian may set, seconds.
    pub max_pause_secs: u32,
    /// Guardian rate limit: at most `guardian_max_actions` per `guardian_window_secs`.
    pub guardian_window_secs: u32,
    pub guardian_max_actions: u32,
    /// Queued changes wait this long, then may execute for `grace_secs`.
    pub timelock_secs: u32,
    pub grace_secs: u32,
}

impl InitializeExchangeArgs {
    /// Pool 0's settings.
    pub fn pool_args(&self) -> PoolArgs {
        PoolArgs {
            withdraw_delay_secs: self.pool_withdraw_delay_secs,
            max_pnl_to_pool_ppm: self.max_pnl_to_pool_ppm,
            unstake_cooldown_secs: self.unstake_cooldown_secs,
        }
    }
}

#[event_cpi]
#[derive(Accounts)]
pub struct InitializeExchange<'info> {
    /// The program's upgrade authority; pays for the accounts.
    #[account(mut)]
    pub authority: Signer<'info>,

    /// The program's ProgramData (PDA of the program id under the upgradeable loader).
    #[account(
        seeds = [crate::ID.as_ref()],
        bump,
        seeds::program = bpf_loader_upgradeable::ID,
        constraint = program_data.upgrade_authority_address == Some(authority.key()) @ BulwarkError::NotUpgradeAuthority,
    )]
    pub program_data: Account<'info, ProgramData>,

    /// CHECK: the exchange PDA, created by this instruction (must not exist yet).
    #[account(mut, seeds = [EXCHANGE_SEED], bump)]
    pub exchange: UncheckedAccount<'info>,

    /// CHECK: must be owned by the classic SPL Token program and hold an initialized mint
    /// (checked in `validate`, so a Token-2022 mint gets its own error).
    pub collateral_mint: UncheckedAccount<'info>,

    /// CHECK: the vault PDA, created here as a token account of `collateral_mint` owned by
    /// the exchange PDA.
    #[account(mut, seeds = [VAULT_SEED], bump)]
    pub vault: UncheckedAccount<'info>,

    /// CHECK: the liquidity pool PDA, created here.
    #[account(mut, seeds = [POOL_SEED, &0u16.to_le_bytes()], bump)]
    pub pool: UncheckedAccount<'info>,

    /// CHECK: the insurance fund PDA, created here.
    #[account(mut, seeds = [INSURANCE_SEED, &0u16.to_le_bytes()], bump)]
    pub insurance_fund: UncheckedAccount<'info>,

    pub token_program: Program<'info, Token>,
    pub system_program: Program<'info, System>,
}

impl InitializeExchange<'_> {
    /// Once only; a classic SPL Token mint; real role keys. The collateral oracle is checked
    /// against the bounds table in `OracleConfig::from_args`.
    pub fn validate(&self, args: &InitializeExchangeArgs) -> Result<()> {
        require!(
            is_uncreated(&self.exchange),
            BulwarkError::AccountAlreadyInitialized
        );
        require!(
            is_uncreated(&self.vault),
            BulwarkError::AccountAlreadyInitialized
        );
        require_keys_eq!(
            *self.collateral_mint.owner,
            Token::id(),
            BulwarkError::CollateralMintNotClassicToken
        );
        let data = self.collateral_mint.try_borrow_data()?;
        let mint = Mint::try_deserialize(&mut &data[..])
            .map_err(|_| BulwarkError::InvalidCollateralMint)?;
        require!(mint.is_initialized, BulwarkError::InvalidCollateralMint);
        require!(
            args.governance != Pubkey::default(),
            BulwarkError::InvalidRoleKey
        );
        require!(
            args.guardian != Pubkey::default(),
            BulwarkError::InvalidRoleKey
        );
        Param::Timelock
            .check(u64::from(args.timelock_secs))
            .map_err(engine_err)?;
        Param::Grace
            .check(u64::from(args.grace_secs))
            .map_err(engine_err)?;
        Param::MaxPauseSecs
            .check(u64::from(args.max_pause_secs))
            .map_err(engine_err)?;
        Param::GuardianWindow
            .check(u64::from(args.guardian_window_secs))
            .map_err(engine_err)?;
        Param::GuardianMaxActions
            .check(u64::from(args.guardian_max_actions))
            .map_err(engine_err)?;
        args.pool_args().validate()
    }
}

#[access_control(ctx.accounts.validate(&args))]
pub fn initialize_exchange_handler(
    ctx: Context<InitializeExchange>,
    args: InitializeExchangeArgs,
) -> Result<()> {
    let collateral_oracle = OracleConfig::from_args(&args.collateral_oracle)?;
    let a = &ctx.accounts;
    let decimals = Mint::try_deserialize(&mut &a.collateral_mint.try_borrow_data()?[..])?.decimals;
    let payer = a.authority.to_account_info();

    create_pda_account(
        &payer,
        &a.exchange,
        Exchange::SPACE,
        &crate::ID,
        &[EXCHANGE_SEED, &[ctx.bumps.exchange]],
    )?;
    create_pda_account(
        &payer,
        &a.vault,
        TokenAccount::LEN,
        &Token::id(),
        &[VAULT_SEED, &[ctx.bumps.vault]],
    )?;
    let accounts = InitializeAccount3 {
        account: a.vault.to_account_info(),
        mint: a.collateral_mint.to_account_info(),
        authority: a.exchange.to_account_info(),
    };
    initialize_account3(CpiContext::new(Token::id(), accounts))?;

    create_pool_accounts(
        &payer,
        &a.pool,
        &a.insurance_fund,
        0,
        PoolBumps {
            pool: ctx.bumps.pool,
            fund: ctx.bumps.insurance_fund,
        },
        &args.pool_args(),
    )?;

    let mut ex = init_zero_copy::<Exchange>(&a.exchange)?;
    ex.version = EXCHANGE_VERSION;
    ex.bump = ctx.bumps.exchange;
    ex.vault_bump = ctx.bumps.vault;
    ex.collateral_decimals = decimals;
    ex.governance = args.governance;
    ex.guardian = args.guardian;
    ex.collateral_mint = a.collateral_mint.key();
    ex.vault = a.vault.key();
    ex.collateral_oracle = collateral_oracle;
    ex.guardian_limits.max_pause_secs = args.max_pause_secs;
    ex.guardian_limits.guardian_window_secs = args.guardian_window_secs;
    ex.guardian_limits.guardian_max_actions = args.guardian_max_actions;
    ex.timelock_secs = args.timelock_secs;
    ex.pool_count = 1;
    ex.grace_secs = args.grace_secs;
    emit_cpi!(ExchangeInitialized {
        exchange: a.exchange.key(),
        governance: ex.governance,
        guardian: ex.guardian,
        collateral_mint: ex.collateral_mint,
        vault: ex.vault,
        collateral_sources: collateral_oracle.num_sources,
    });
    Ok(())
}
