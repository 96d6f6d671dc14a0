//! Default configuration builders (oracle sources, aggregation and risk limits) used by the
//! demo, the tests and deployment files. Values are configuration, checked by the program
//! against the engine's bounds table; no formula lives here.

use anchor_lang::prelude::Pubkey;
use bulwark::oracle::OracleKind;
use bulwark::state::{OracleSideArgs, OracleSourceArgs};
use bulwark_engine::action::AgeLimits;
use bulwark_engine::adl::AdlParams;
use bulwark_engine::breaker::VelocityParams;
use bulwark_engine::dynamic_margin::{DynamicMarginParams, DynamicsParams};
use bulwark_engine::execution::{ImpactParams, SpreadParams};
use bulwark_engine::fees::FeeParams;
use bulwark_engine::funding::FundingParams;
use bulwark_engine::liquidation::LiquidationParams;
use bulwark_engine::market_params::{InsuranceParams, MarketParamSet};
use bulwark_engine::oracle::{MarketOracleConfig, TwapConfig};
use bulwark_engine::trade::{MarginParams, TradeParams};
use bulwark_engine::volatility::VolParams;

/// Provider tag of Pyth feeds.
pub const PROVIDER_PYTH: u8 = 0;
/// Provider tag of Switchboard feeds.
pub const PROVIDER_SWITCHBOARD: u8 = 1;
/// Provider tag of Chainlink feeds.
pub const PROVIDER_CHAINLINK: u8 = 2;

/// A source with the default limits of its kind: 60 s / 150 slots of staleness (Chainlink,
/// which publishes on a heartbeat, 120 s / 300 slots), confidence at most 2% of price, a
/// floor of 0.01% (Chainlink, which reports none: 0.1%).
pub fn source(
    kind: OracleKind,
    provider: u8,
    account: Pubkey,
    owner_program: Pubkey,
    feed_id: [u8; 32],
) -> OracleSourceArgs {
    let chainlink = kind == OracleKind::Chainlink;
    OracleSourceArgs {
        kind: kind as u8,
        provider,
        account,
        owner_program,
        feed_id,
        max_staleness_secs: if chainlink { 120 } else { 60 },
        max_staleness_slots: if chainlink { 300 } else { 150 },
        max_conf_ppm: 20_000,
        conf_floor_ppm: if chainlink { 1_000 } else { 100 },
    }
}

/// An asset side: outliers beyond 5% dropped, survivors must agree within 2%, aggregate
/// confidence at most 2%, 5 s of clock tolerance.
pub fn asset_side(sources: Vec<OracleSourceArgs>, min_quorum: u8) -> OracleSideArgs {
    OracleSideArgs {
        sources,
        min_quorum,
        max_deviation_ppm: 50_000,
        max_divergence_ppm: 20_000,
        max_aggregate_conf_ppm: 20_000,
        future_tolerance_secs: 5,
    }
}

/// A stablecoin collateral side: outliers beyond 2% dropped, survivors within 1%.
pub fn collateral_side(sources: Vec<OracleSourceArgs>, min_quorum: u8) -> OracleSideArgs {
    OracleSideArgs {
        sources,
        min_quorum,
        max_deviation_ppm: 20_000,
        max_divergence_ppm: 10_000,
        max_aggregate_conf_ppm: 10_000,
        future_tolerance_secs: 5,
    }
}

/// A ticker as the fixed 16-byte field (truncated, zero padded).
pub fn symbol(s: &str) -> [u8; 16] {
    let mut out = [0u8; 16];
    let n = s.len().min(16);
    out[..n].copy_from_slice(&s.as_bytes()[..n]);
    out
}

/// The ticker as text.
pub fn symbol_str(s: &[u8; 16]) -> String {
    String::from_utf8_lossy(s)
        .trim_end_matches('\0')
        .to_string()
}

/// Every parameter of a liquid market, by concern (the functions below).
pub fn market_params() -> MarketParamSet {
    MarketParamSet {
        trade: market_trade(),
        dynamics: market_dynamics(),
        liquidation: market_liquidation(),
        adl: market_adl(),
        insurance: market_insurance(),
        margin: market_margin(),
        oracle: market_oracle_limits(),
        ages: market_ages(),
        velocity: market_velocity(),
        _padding: 0,
    }
}

/// Market oracle limits: TooVolatile beyond 15% from the TWAP; divergence fallback band 3%;
/// 10-minute TWAP with samples clamped to 2%.
pub fn market_oracle_limits() -> MarketOracleConfig {
    MarketOracleConfig {
        max_twap_deviation_ppm: 150_000,
        fallback_band_ppm: 30_000,
        twap: TwapConfig {
            twap_window_secs: 600,
            twap_max_step_ppm: 20_000,
        },
    }
}

/// Age limits: increases need sources within 10 s; stale after 25 slots; reductions accept
/// 1500 slots, liquidations 150.
pub fn market_ages() -> AgeLimits {
    AgeLimits {
        max_age_for_increase_secs: 10,
        fresh_slots: 25,
        max_age_reduce_slots: 1_500,
        max_age_liquidate_slots: 150,
    }
}

/// Trading defaults for a liquid market: 5 bps base spread (at least 1x confidence, 0.5x
/// source dispersion, 1x σ·√age), at most 2%; impact depth 100M collateral units·1e6 (a
/// 1M USDC skew costs 1%), capped at 1% of the trade; 6 bps taker fee split 70/20/10 between
/// pool, insurance and protocol; 0.01 SOL minimum, 0.001 SOL lots, 0.001 USDC ticks; 1M USDC
/// position cap, 10 USDC smallest position; profit within 25 slots of an increase capped at
/// zero; open interest within 50% of the pool. Open-interest caps start at zero.
pub fn market_trade() -> TradeParams {
    TradeParams {
        impact: ImpactParams {
            impact_depth: 100_000_000_000_000,
            max_impact_ppm: 10_000,
            _padding: 0,
        },
        min_order_base: 10_000_000,
        lot_base: 1_000_000,
        tick_price: 1_000_000,
        max_position_notional: 1_000_000_000_000,
        min_position_notional: 10_000_000,
        open_interest_cap_long: 0,
        open_interest_cap_short: 0,
        spread: SpreadParams {
            base_spread_ppm: 500,
            conf_spread_k_ppm: 1_000_000,
            dispersion_spread_k_ppm: 500_000,
            latency_spread_k_ppm: 1_000_000,
            max_spread_ppm: 20_000,
        },
        fees: FeeParams {
            taker_fee_ppm: 600,
            pool_share_ppm: 700_000,
            insurance_share_ppm: 200_000,
            protocol_share_ppm: 100_000,
        },
        min_hold_slots: 25,
        reserve_factor_ppm: 500_000,
        _padding: 0,
    }
}

/// Margin defaults: 20x leverage, 5% initial margin, initial at least 1.5x maintenance, a
/// small size premium, health widened by 1x confidence (the 2.5% base maintenance is the
/// dynamic ratio's floor, [`market_dynamics`]).
pub fn market_margin() -> MarginParams {
    MarginParams {
        max_leverage: 20,
        base_imr_ppm: 50_000,
        imr_multiplier_ppm: 1_500_000,
        imf_factor: 5,
        health_conf_k_ppm: 1_000_000,
        _padding: 0,
    }
}

/// LP withdrawals wait an hour.
pub const POOL_WITHDRAW_DELAY_SECS: u32 = 3_600;
/// Traders' counted profit at most 50% of the pool.
pub const MAX_PNL_TO_POOL_PPM: u32 = 500_000;

/// Dynamics defaults: one return folded per 30 s, one-hour EWMA; maintenance = 3σ over a
/// one-hour horizon plus 1x confidence, between 2.5% and 15%, ramping base to max over 1,500
/// slots (~10 min) and descending after 9,000 calm slots (~1 h); funding 0.1% a day per
/// 100,000 USDC of skew, capped at 0.5% a day.
pub fn market_dynamics() -> DynamicsParams {
    DynamicsParams {
        vol: VolParams {
            vol_sample_secs: 30,
            vol_window_secs: 3_600,
        },
        margin: DynamicMarginParams {
            base_mmr_ppm: 25_000,
            max_mmr_ppm: 150_000,
            vol_k_ppm: 3_000_000,
            vol_horizon_secs: 3_600,
            mmr_conf_k_ppm: 1_000_000,
            mmr_ramp_slots: 1_500,
            mmr_calm_slots: 9_000,
            _padding: 0,
        },
        funding: FundingParams {
            funding_depth: 100_000_000_000,
            funding_k_ppm: 1_000,
            max_funding_rate_ppm: 5_000,
        },
    }
}

/// Liquidation defaults: restore maintenance plus 0.5% of notional, at most half a position per
/// call (positions of 0.1 SOL or less close whole); penalty 0.5% rising 1 ppm a priced slot to
/// 1.5% (with 0.5% buffer, below the 2.5% base maintenance), half to the keeper; a keeper
/// earns at least 0.10 USDC.
pub fn market_liquidation() -> LiquidationParams {
    LiquidationParams {
        liq_buffer_ppm: 5_000,
        liq_max_fraction_ppm: 500_000,
        liq_dust_base: 100_000_000,
        liq_base_penalty_ppm: 5_000,
        liq_escalation_ppm_per_slot: 1,
        liq_max_penalty_ppm: 15_000,
        keeper_share_ppm: 500_000,
        min_keeper_reward: 100_000,
    }
}

/// ADL while traders' profit exceeds 50% of the pool, never taking it below 30%, draining
/// leverage from the market's maximum to zero over 300 slots (about two minutes).
pub fn market_adl() -> AdlParams {
    AdlParams {
        adl_trigger_ppm: 500_000,
        adl_floor_ppm: 300_000,
        adl_drain_slots: 300,
    }
}

/// The insurance fund covers at most 50,000 USDC per market per day; coverage trips below 1%
/// of open-interest notional and lifts above 1.2%.
pub fn market_insurance() -> InsuranceParams {
    InsuranceParams {
        insurance_window_cap: 50_000_000_000,
        insurance_window_secs: 86_400,
        insurance_floor_ppm: 10_000,
        insurance_hysteresis_ppm: 200_000,
        _padding: 0,
    }
}

/// Insurance unstakes wait a day.
pub const UNSTAKE_COOLDOWN_SECS: u32 = 86_400;

/// Velocity breaker defaults: a 10% move within five minutes trips band 1 (2x base spread),
/// 20% band 2 (3x); a trip lasts at least ten minutes and lifts once the move is back under 7%.
pub fn market_velocity() -> VelocityParams {
    VelocityParams {
        velocity_window_secs: 300,
        velocity_band1_ppm: 100_000,
        velocity_band2_ppm: 200_000,
        velocity_cooldown_secs: 600,
        velocity_hysteresis_ppm: 30_000,
    }
}

/// The guardian's pauses last at most a day.
pub const MAX_PAUSE_SECS: u32 = 86_400;
/// The guardian acts at most three times a day.
pub const GUARDIAN_WINDOW_SECS: u32 = 86_400;
/// See [`GUARDIAN_WINDOW_SECS`].
pub const GUARDIAN_MAX_ACTIONS: u32 = 3;

/// Queued changes wait a day and may execute for a week after.
pub const TIMELOCK_SECS: u32 = 86_400;
/// See [`TIMELOCK_SECS`].
pub const GRACE_SECS: u32 = 604_800;
