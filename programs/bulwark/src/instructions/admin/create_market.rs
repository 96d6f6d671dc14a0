//! `create_market`: governance lists a market with 1–4 oracle sources; every parameter is
//! checked against the engine's bounds table; open-interest caps start at zero.

use anchor_lang::prelude::*;
use bulwark_engine::dynamic_margin::validate_dynamics;
use bulwark_engine::liquidation::validate_liquidation;
use bulwark_engine::oracle::validate_market_oracle;
use bulwark_engine::trade::validate_params;

use crate::account_init::{create_pda_account, init_zero_copy, is_uncreated};
use crate::constants::*;
use crate::error::{engine_err, market_params_err, BulwarkError};
use crate::events::MarketCreated;
use crate::state::{Exchange, Market, OracleConfig, OracleSideArgs};

/// Market-level oracle and age limits.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MarketRiskArgs {
    pub max_twap_deviation_ppm: u32,
    pub fallback_band_ppm: u32,
    pub twap_window_secs: u32,
    pub twap_max_step_ppm: u32,
    pub max_age_for_increase_secs: u32,
    pub fresh_slots: u32,
    pub max_age_reduce_slots: u32,
    pub max_age_liquidate_slots: u32,
}

/// Arguments of `create_market`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct CreateMarketArgs {
    /// Must equal the exchange's market count (markets are numbered from 0).
    pub index: u16,
    /// Ticker, UTF-8, zero padded.
    pub symbol: [u8; 16],
    /// The asset's USD price sources and aggregation limits.
    pub oracle: OracleSideArgs,
    pub risk: MarketRiskArgs,
    pub trading: MarketTradingArgs,
    pub dynamics: MarketDynamicsArgs,
    pub liquidation: MarketLiquidationArgs,
    pub breakers: MarketBreakerArgs,
}

/// Circuit-breaker parameters (see `bulwark_engine::breaker`).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MarketBreakerArgs {
    pub velocity_window_secs: u32,
    pub velocity_band1_ppm: u32,
    pub velocity_band2_ppm: u32,
    pub velocity_cooldown_secs: u32,
    pub velocity_hysteresis_ppm: u32,
    pub insurance_floor_ppm: u32,
    pub insurance_hysteresis_ppm: u32,
}

/// Liquidation, insurance-coverage and ADL parameters.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MarketLiquidationArgs {
    pub liq_buffer_ppm: u32,
    pub liq_max_fraction_ppm: u32,
    pub liq_dust_base: u64,
    pub liq_base_penalty_ppm: u32,
    pub liq_escalation_ppm_per_slot: u32,
    pub liq_max_penalty_ppm: u32,
    pub keeper_share_ppm: u32,
    pub min_keeper_reward: u64,
    pub insurance_window_cap: u64,
    pub insurance_window_secs: u32,
    pub adl_trigger_ppm: u32,
    pub adl_floor_ppm: u32,
    pub adl_min_score_ppm: u64,
}

/// Volatility, dynamic-margin and funding parameters (see `bulwark_engine::dynamic_margin`).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MarketDynamicsArgs {
    pub vol_sample_secs: u32,
    pub vol_window_secs: u32,
    pub vol_k_ppm: u32,
    pub vol_horizon_secs: u32,
    pub max_mmr_ppm: u32,
    pub mmr_conf_k_ppm: u32,
    pub mmr_ramp_slots: u32,
    pub mmr_calm_slots: u32,
    pub funding_k_ppm: u32,
    pub funding_depth: u64,
    pub max_funding_rate_ppm: u32,
}

/// Trading and margin parameters (see `bulwark_engine::trade` and `margin`).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MarketTradingArgs {
    pub base_spread_ppm: u32,
    pub conf_spread_k_ppm: u32,
    pub dispersion_spread_k_ppm: u32,
    pub latency_spread_k_ppm: u32,
    pub max_spread_ppm: u32,
    pub impact_depth: u64,
    pub max_impact_ppm: u32,
    pub taker_fee_ppm: u32,
    pub pool_share_ppm: u32,
    pub insurance_share_ppm: u32,
    pub protocol_share_ppm: u32,
    pub min_order_base: u64,
    pub lot_base: u64,
    pub tick_price: u64,
    pub max_position_notional: u64,
    pub min_hold_slots: u32,
    pub reserve_factor_ppm: u32,
    pub max_leverage: u32,
    pub base_imr_ppm: u32,
    pub base_mmr_ppm: u32,
    pub imr_multiplier_ppm: u32,
    pub imf_factor: u32,
    pub health_conf_k_ppm: u32,
}

#[derive(Accounts)]
#[instruction(args: CreateMarketArgs)]
pub struct CreateMarket<'info> {
    pub governance: Signer<'info>,

    #[account(mut)]
    pub payer: Signer<'info>,

    #[account(mut, seeds = [EXCHANGE_SEED], bump = exchange.load()?.bump, has_one = governance @ BulwarkError::NotGovernance)]
    pub exchange: AccountLoader<'info, Exchange>,

    /// CHECK: the market PDA for `args.index`, created by this instruction.
    #[account(mut, seeds = [MARKET_SEED, &args.index.to_le_bytes()], bump)]
    pub market: UncheckedAccount<'info>,

    pub system_program: Program<'info, System>,
}

impl CreateMarket<'_> {
    pub fn validate(&self, args: &CreateMarketArgs) -> Result<()> {
        require_eq!(
            args.index,
            self.exchange.load()?.market_count,
            BulwarkError::MarketIndexMismatch
        );
        require!(
            is_uncreated(&self.market),
            BulwarkError::AccountAlreadyInitialized
        );
        Ok(())
    }
}

#[access_control(ctx.accounts.validate(&args))]
pub fn create_market_handler(ctx: Context<CreateMarket>, args: CreateMarketArgs) -> Result<()> {
    let oracle = OracleConfig::from_args(&args.oracle)?;
    let a = &ctx.accounts;
    let seeds: &[&[u8]] = &[MARKET_SEED, &args.index.to_le_bytes(), &[ctx.bumps.market]];
    create_pda_account(
        &a.payer.to_account_info(),
        &a.market,
        Market::SPACE,
        &crate::ID,
        seeds,
    )?;
    let mut ex = a.exchange.load_mut()?;
    ex.market_count = ex
        .market_count
        .checked_add(1)
        .ok_or(BulwarkError::MathError)?;
    let mut m = init_zero_copy::<Market>(&a.market)?;
    m.version = MARKET_VERSION;
    m.bump = ctx.bumps.market;
    m.index = args.index;
    m.symbol = args.symbol;
    m.oracle = oracle;
    let r = args.risk;
    m.max_twap_deviation_ppm = r.max_twap_deviation_ppm;
    m.fallback_band_ppm = r.fallback_band_ppm;
    m.twap_window_secs = r.twap_window_secs;
    m.twap_max_step_ppm = r.twap_max_step_ppm;
    m.max_age_for_increase_secs = r.max_age_for_increase_secs;
    m.fresh_slots = r.fresh_slots;
    m.max_age_reduce_slots = r.max_age_reduce_slots;
    m.max_age_liquidate_slots = r.max_age_liquidate_slots;
    m.open_interest_cap_long = 0;
    m.open_interest_cap_short = 0;
    let t = args.trading;
    m.base_spread_ppm = t.base_spread_ppm;
    m.conf_spread_k_ppm = t.conf_spread_k_ppm;
    m.dispersion_spread_k_ppm = t.dispersion_spread_k_ppm;
    m.latency_spread_k_ppm = t.latency_spread_k_ppm;
    m.max_spread_ppm = t.max_spread_ppm;
    m.impact_depth = t.impact_depth;
    m.max_impact_ppm = t.max_impact_ppm;
    m.taker_fee_ppm = t.taker_fee_ppm;
    m.pool_share_ppm = t.pool_share_ppm;
    m.insurance_share_ppm = t.insurance_share_ppm;
    m.protocol_share_ppm = t.protocol_share_ppm;
    m.min_order_base = t.min_order_base;
    m.lot_base = t.lot_base;
    m.tick_price = t.tick_price;
    m.max_position_notional = t.max_position_notional;
    m.min_hold_slots = t.min_hold_slots;
    m.reserve_factor_ppm = t.reserve_factor_ppm;
    m.max_leverage = t.max_leverage;
    m.base_imr_ppm = t.base_imr_ppm;
    m.base_mmr_ppm = t.base_mmr_ppm;
    m.imr_multiplier_ppm = t.imr_multiplier_ppm;
    m.imf_factor = t.imf_factor;
    m.health_conf_k_ppm = t.health_conf_k_ppm;
    validate_params(&m.trade_params(), &m.margin_params()).map_err(market_params_err)?;
    let d = args.dynamics;
    m.vol_sample_secs = d.vol_sample_secs;
    m.vol_window_secs = d.vol_window_secs;
    m.vol_k_ppm = d.vol_k_ppm;
    m.vol_horizon_secs = d.vol_horizon_secs;
    m.max_mmr_ppm = d.max_mmr_ppm;
    m.mmr_conf_k_ppm = d.mmr_conf_k_ppm;
    m.mmr_ramp_slots = d.mmr_ramp_slots;
    m.mmr_calm_slots = d.mmr_calm_slots;
    m.funding_k_ppm = d.funding_k_ppm;
    m.funding_depth = d.funding_depth;
    m.max_funding_rate_ppm = d.max_funding_rate_ppm;
    validate_dynamics(&m.dynamics()).map_err(market_params_err)?;
    let l = args.liquidation;
    m.liq_buffer_ppm = l.liq_buffer_ppm;
    m.liq_max_fraction_ppm = l.liq_max_fraction_ppm;
    m.liq_dust_base = l.liq_dust_base;
    m.liq_base_penalty_ppm = l.liq_base_penalty_ppm;
    m.liq_escalation_ppm_per_slot = l.liq_escalation_ppm_per_slot;
    m.liq_max_penalty_ppm = l.liq_max_penalty_ppm;
    m.keeper_share_ppm = l.keeper_share_ppm;
    m.min_keeper_reward = l.min_keeper_reward;
    m.insurance_window_cap = l.insurance_window_cap;
    m.insurance_window_secs = l.insurance_window_secs;
    m.adl_trigger_ppm = l.adl_trigger_ppm;
    m.adl_floor_ppm = l.adl_floor_ppm;
    m.adl_min_score_ppm = l.adl_min_score_ppm;
    validate_liquidation(&m.liquidation_params(), m.base_mmr_ppm).map_err(market_params_err)?;
    {
        use bulwark_engine::bounds::Param::*;
        InsuranceWindowCap
            .check(l.insurance_window_cap)
            .map_err(engine_err)?;
        InsuranceWindow
            .check(l.insurance_window_secs as u64)
            .map_err(engine_err)?;
        AdlTrigger
            .check(l.adl_trigger_ppm as u64)
            .map_err(engine_err)?;
        AdlFloor.check(l.adl_floor_ppm as u64).map_err(engine_err)?;
        AdlMinScore.check(l.adl_min_score_ppm).map_err(engine_err)?;
        require!(
            l.adl_floor_ppm < l.adl_trigger_ppm,
            BulwarkError::InvalidMarketParams
        );
        let b = args.breakers;
        VelocityWindow
            .check(b.velocity_window_secs as u64)
            .map_err(engine_err)?;
        VelocityBand1
            .check(b.velocity_band1_ppm as u64)
            .map_err(engine_err)?;
        VelocityBand2
            .check(b.velocity_band2_ppm as u64)
            .map_err(engine_err)?;
        VelocityCooldown
            .check(b.velocity_cooldown_secs as u64)
            .map_err(engine_err)?;
        VelocityHysteresis
            .check(b.velocity_hysteresis_ppm as u64)
            .map_err(engine_err)?;
        InsuranceFloor
            .check(b.insurance_floor_ppm as u64)
            .map_err(engine_err)?;
        InsuranceHysteresis
            .check(b.insurance_hysteresis_ppm as u64)
            .map_err(engine_err)?;
        require!(
            b.velocity_band1_ppm < b.velocity_band2_ppm
                && b.velocity_hysteresis_ppm < b.velocity_band1_ppm,
            BulwarkError::InvalidMarketParams
        );
        m.velocity_window_secs = b.velocity_window_secs;
        m.velocity_band1_ppm = b.velocity_band1_ppm;
        m.velocity_band2_ppm = b.velocity_band2_ppm;
        m.velocity_cooldown_secs = b.velocity_cooldown_secs;
        m.velocity_hysteresis_ppm = b.velocity_hysteresis_ppm;
        m.insurance_floor_ppm = b.insurance_floor_ppm;
        m.insurance_hysteresis_ppm = b.insurance_hysteresis_ppm;
    }
    let clock = Clock::get()?;
    m.mmr_current_ppm = m.base_mmr_ppm;
    m.mmr_target_ppm = m.base_mmr_ppm;
    m.mmr_slot = clock.slot;
    m.mmr_calm_since_slot = clock.slot;
    m.funding_last_time = clock.unix_timestamp;
    // Listed without a price: Halted until the first update_risk.
    m.status = bulwark_engine::state::MarketState::Halted as u8;
    m.state_since_slot = clock.slot;
    // Checked as stored, so the limits the market will run on are the ones validated.
    validate_market_oracle(&m.oracle_limits(), &m.age_limits()).map_err(engine_err)?;
    emit!(MarketCreated {
        market: ctx.accounts.market.key(),
        index: args.index,
        symbol: args.symbol,
        sources: oracle.num_sources,
        min_quorum: oracle.min_quorum,
    });
    Ok(())
}
