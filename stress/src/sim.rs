//! The simulation core (first cut): one market, a population opened at the path's first price,
//! then one step a second. Every mechanism is the program's own code: the oracle aggregate
//! from `bulwark_engine::oracle::price_market` stored by `Market::apply_aggregate` (TWAP,
//! funding, velocity and oracle breakers, state table, volatility and the margin ramp);
//! trades by `bulwark_engine::trade::trade` booked by `MarginAccount::apply_trade`; liquidation
//! stages by `MarginAccount::liquidation_stage`; bankruptcies by
//! `MarginAccount::resolve_bankruptcy`. The keeper acts after a delay with a capacity per step.
//!
//! Not yet modelled (issue 7 continues): ADL, sweeps of the market's sub-ledgers into the
//! insurance fund and pool, oracle faults, the collateral's own price path, several markets.

use bulwark::instructions::CreateMarketArgs;
use bulwark::state::{InsuranceFund, LiquidityPool, MarginAccount, Market};
use bulwark_engine::action::{price_for_action, Action};
use bulwark_engine::breaker::Transition;
use bulwark_engine::margin::{health, HealthKind};
use bulwark_engine::oracle::{price_market, ProviderReading, Reading};
use bulwark_engine::trade::{trade, TradeInput};

use crate::path::PricePoint;
use crate::population::AccountSpec;

/// Slots per second on the simulated chain (400 ms slots).
pub const SLOTS_PER_SEC_X10: u64 = 25;

/// What the simulation starts from.
#[derive(Clone, Debug)]
pub struct SimConfig {
    pub market: CreateMarketArgs,
    /// The exchange's collateral oracle (its aggregation limits).
    pub collateral_oracle: bulwark::state::OracleSideArgs,
    pub collateral_decimals: u8,
    pub insurance_balance: u64,
    pub pool_capital: i64,
    /// Open-interest caps per side, base atoms.
    pub open_interest_cap: u64,
    /// Seconds an account must stay liquidatable before the keeper acts.
    pub keeper_delay_secs: i64,
    /// Liquidation stages the keeper sends per second.
    pub keeper_capacity: usize,
    /// Whether a caller may size the pool and insurance fund to its population (false once a
    /// parameter file states them).
    pub size_venue_to_population: bool,
}

/// Totals of a run (collateral units, counts).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SimReport {
    pub opened: usize,
    pub refused_at_open: usize,
    pub liquidations: u64,
    pub liquidated_accounts: usize,
    pub bankruptcies: u64,
    pub bad_debt: u64,
    pub insurance_paid: u64,
    pub socialised_loss: u64,
    pub keeper_rewards: u64,
    pub breaker_trips: u64,
    pub max_insurance_drawdown: u64,
    /// Accounts still below maintenance at the end.
    pub left_liquidatable: usize,
    /// One point a minute (and the last step), taken after the step's aggregate is stored.
    pub series: Vec<SeriesPoint>,
}

/// The run at a moment: price (1e-9), market state, the insurance fund and the pool (collateral
/// units), cumulative bad debt and liquidation stages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SeriesPoint {
    pub ts: i64,
    pub price: u64,
    pub state: u8,
    pub insurance: u64,
    pub pool_capital: i64,
    pub bad_debt: u64,
    pub liquidations: u64,
}

fn slot_at(t: i64, t0: i64) -> u64 {
    1 + ((t - t0).max(0) as u64) * SLOTS_PER_SEC_X10 / 10
}

/// Three providers quoting `price` with a 0.01% confidence; the collateral at $1.
fn readings(
    price: u64,
    t: i64,
    slot: u64,
) -> ([Option<ProviderReading>; 4], [Option<ProviderReading>; 4]) {
    let r = |provider: u8, price: u64| {
        Some(ProviderReading {
            provider,
            reading: Reading {
                price,
                conf: price / 10_000 + 1,
                publish_time: t,
                publish_slot: slot,
            },
        })
    };
    let usd = bulwark_engine::num::PRICE_SCALE;
    (
        [r(0, price), r(1, price), r(2, price), None],
        [r(0, usd), r(2, usd), None, None],
    )
}

/// Runs `population` over `path`.
pub fn run(
    path: &[PricePoint],
    population: &[AccountSpec],
    cfg: &SimConfig,
) -> anchor_lang::Result<SimReport> {
    let mut r = SimReport::default();
    let Some(first) = path.first() else {
        return Ok(r);
    };
    let t0 = first.ts;
    let d = cfg.collateral_decimals;
    let mut m: Market = bytemuck::Zeroable::zeroed();
    m.apply_listing(&cfg.market, slot_at(t0, t0), t0)?;
    m.open_interest_cap_long = cfg.open_interest_cap;
    m.open_interest_cap_short = cfg.open_interest_cap;
    let coll = bulwark::state::OracleConfig::from_args(&cfg.collateral_oracle)?;
    let mut fund: InsuranceFund = bytemuck::Zeroable::zeroed();
    fund.balance = cfg.insurance_balance;
    let mut pool: LiquidityPool = bytemuck::Zeroable::zeroed();
    pool.capital = cfg.pool_capital;
    pool.max_pnl_to_pool_ppm = 500_000;

    let mut accounts: Vec<MarginAccount> = Vec::with_capacity(population.len());
    let mut unhealthy_since: Vec<Option<i64>> = vec![None; population.len()];
    let mut liquidated = vec![false; population.len()];
    let mut fund_peak = fund.balance;

    for (step, point) in path.iter().enumerate() {
        let t = point.ts;
        let slot = slot_at(t, t0);
        let (asset, collateral) = readings(point.price, t, slot);
        let agg = price_market(
            &asset[..3],
            &m.oracle.aggregation(),
            &collateral[..2],
            &coll.aggregation(),
            &m.oracle_limits(),
            &m.twap(),
            slot,
            t,
        )
        .map_err(bulwark::error::engine_err)?;
        let (transitions, _) = m.apply_aggregate(&agg, slot, t, d)?;
        if step % 60 == 0 || step + 1 == path.len() {
            r.series.push(SeriesPoint {
                ts: t,
                price: m.price,
                state: m.status,
                insurance: fund.balance,
                pool_capital: pool.capital,
                bad_debt: r.bad_debt,
                liquidations: r.liquidations,
            });
        }
        r.breaker_trips += transitions
            .iter()
            .filter(|x| matches!(x, Transition::Trip(_)))
            .count() as u64;

        if step == 0 {
            // The population opens at the first price, as traders would: each trade through
            // the engine's own checks (caps, margin, leverage); refused ones stay out.
            for spec in population {
                let mut a: MarginAccount = bytemuck::Zeroable::zeroed();
                a.collateral = spec.collateral as i64;
                a.positions[0].funding_snapshot = m.funding_index;
                let delta = spec.base - spec.base % (m.lot_base.max(1) as i64);
                let (pool_min, cap) = pool.trade_limits().map_err(bulwark::error::engine_err)?;
                // Market orders: a limit on the tick grid far beyond the price.
                let tick = m.tick_price.max(1);
                let limit = if delta > 0 {
                    agg.price * 2 / tick * tick
                } else {
                    tick
                };
                let input = TradeInput {
                    position: a.positions[0].position(),
                    last_increase_slot: 0,
                    delta,
                    limit_price: limit,
                    now_slot: slot,
                    prices: m.price_inputs(agg.price, t),
                    decimals: d,
                    pool_value_min: pool_min,
                    profit_cap: cap,
                };
                let ok = match trade(&input, &m.book(), &m.trade_params()) {
                    Ok(Ok(out)) => {
                        let mut trial = a;
                        let mut trial_m = m;
                        trial.apply_trade(&mut trial_m, 0, &out)?;
                        let view = trial_m
                            .margin(&trial.positions[0], agg.price, d, slot)
                            .map_err(bulwark::error::engine_err)?;
                        let h = health(
                            trial.collateral,
                            &[(trial.positions[0].position(), view)],
                            HealthKind::Initial,
                        )
                        .map_err(bulwark::error::engine_err)?;
                        if h.is_healthy() {
                            a = trial;
                            m = trial_m;
                            true
                        } else {
                            false
                        }
                    }
                    _ => false,
                };
                if ok {
                    r.opened += 1;
                } else {
                    r.refused_at_open += 1;
                }
                accounts.push(a);
            }
            continue;
        }

        // The keeper: liquidatable accounts, most under water first, after the delay, up to
        // its capacity; then bankruptcies.
        let Ok(price) = price_for_action(
            Action::Liquidate,
            &m.stored_price(),
            slot,
            t,
            &m.age_limits(),
        ) else {
            continue;
        };
        let mut candidates: Vec<(i64, usize)> = Vec::new();
        for (i, a) in accounts.iter().enumerate() {
            if a.positions[0].base == 0 {
                unhealthy_since[i] = None;
                continue;
            }
            let view = m
                .margin(&a.positions[0], price, d, slot)
                .map_err(bulwark::error::engine_err)?;
            let h = health(
                a.collateral,
                &[(a.positions[0].position(), view)],
                HealthKind::Maintenance,
            )
            .map_err(bulwark::error::engine_err)?;
            if h.is_healthy() {
                unhealthy_since[i] = None;
            } else {
                let since = *unhealthy_since[i].get_or_insert(t);
                if t - since >= cfg.keeper_delay_secs {
                    candidates.push((h.free(), i));
                }
            }
        }
        candidates.sort();
        for &(_, i) in candidates.iter().take(cfg.keeper_capacity) {
            let a = &mut accounts[i];
            let out =
                a.liquidation_stage(&mut m, Vec::new(), price, fund.balance, u64::MAX, slot, d)?;
            r.liquidations += 1;
            r.keeper_rewards += out.reward;
            liquidated[i] = true;
            if a.positions[0].base == 0 && a.collateral < 0 {
                let b = a.resolve_bankruptcy(&mut m, &mut fund, &mut pool, t)?;
                r.bankruptcies += 1;
                r.bad_debt += b.deficit;
                r.insurance_paid += b.insurance_paid;
                r.socialised_loss += b.socialized;
            }
        }
        fund_peak = fund_peak.max(fund.balance);
        r.max_insurance_drawdown = r.max_insurance_drawdown.max(fund_peak - fund.balance);
    }
    r.liquidated_accounts = liquidated.iter().filter(|x| **x).count();
    let last = path.last().expect("non-empty");
    let slot = slot_at(last.ts, t0);
    r.left_liquidatable = accounts
        .iter()
        .filter(|a| a.positions[0].base != 0)
        .filter(|a| {
            m.margin(&a.positions[0], m.price, d, slot)
                .and_then(|v| {
                    health(
                        a.collateral,
                        &[(a.positions[0].position(), v)],
                        HealthKind::Maintenance,
                    )
                })
                .map(|h| !h.is_healthy())
                .unwrap_or(false)
        })
        .count();
    Ok(r)
}

/// The defaults: SOL-PERP-like listing from the SDK's parameters, a USDC collateral side,
/// 100,000 USDC of insurance, a 10 M USDC pool, caps of 10 M units a side, a keeper with a 2 s
/// delay and 50 stages a second.
pub fn default_config() -> SimConfig {
    use bulwark_sdk::params::*;
    use bulwark_sdk::Pubkey;
    let src = |kind, provider| {
        source(
            kind,
            provider,
            Pubkey::new_unique(),
            Pubkey::new_unique(),
            [0; 32],
        )
    };
    use bulwark::oracle::OracleKind::*;
    SimConfig {
        market: CreateMarketArgs {
            index: 0,
            symbol: symbol("SIM-PERP"),
            oracle: asset_side(
                vec![
                    src(PythPull, PROVIDER_PYTH),
                    src(SwitchboardOnDemand, PROVIDER_SWITCHBOARD),
                    src(Chainlink, PROVIDER_CHAINLINK),
                ],
                2,
            ),
            risk: market_risk(),
            trading: market_trading(),
            dynamics: market_dynamics(),
            liquidation: market_liquidation(),
            breakers: market_breakers(),
        },
        collateral_oracle: collateral_side(
            vec![
                src(PythPull, PROVIDER_PYTH),
                src(Chainlink, PROVIDER_CHAINLINK),
            ],
            1,
        ),
        collateral_decimals: 6,
        insurance_balance: 100_000_000_000,
        pool_capital: 10_000_000_000_000,
        open_interest_cap: 10_000_000 * bulwark_engine::num::BASE_SCALE,
        keeper_delay_secs: 2,
        keeper_capacity: 50,
        size_venue_to_population: true,
    }
}

/// `cfg` with the dynamic parts off, to show what they buy: static margin (no volatility or
/// confidence widening) and no circuit breakers (velocity bands and insurance floor out of
/// reach).
pub fn baseline(cfg: &SimConfig) -> SimConfig {
    let mut c = cfg.clone();
    c.market.dynamics.vol_k_ppm = 0;
    c.market.dynamics.mmr_conf_k_ppm = 0;
    c.market.breakers.velocity_band1_ppm = 500_000;
    c.market.breakers.velocity_band2_ppm = 900_000;
    c.market.breakers.insurance_floor_ppm = 0;
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::population::{generate, PopulationSpec};
    use crate::synthetic::{gap_crash, to_zero};

    const P: u64 = 150 * bulwark_engine::num::PRICE_SCALE;

    fn population(n: usize) -> Vec<AccountSpec> {
        let spec = PopulationSpec {
            count: n,
            ..PopulationSpec::default()
        };
        generate(3, &spec, P, 6)
    }

    #[test]
    fn a_calm_path_liquidates_nobody() {
        let path: Vec<_> = gap_crash(0, P, 600, 601, 0);
        let r = run(&path, &population(50), &default_config()).unwrap();
        assert!(r.opened > 30, "{r:?}");
        assert_eq!(
            (r.liquidations, r.bankruptcies, r.bad_debt),
            (0, 0, 0),
            "{r:?}"
        );
    }

    #[test]
    fn a_gap_crash_liquidates_the_leveraged_longs_and_balances_its_losses() {
        let path = gap_crash(0, P, 1_200, 300, 200_000);
        let r = run(&path, &population(60), &default_config()).unwrap();
        assert!(r.liquidations > 0 && r.liquidated_accounts > 0, "{r:?}");
        // Every bankruptcy's deficit went to the insurance fund or the pool, to the unit.
        assert_eq!(r.bad_debt, r.insurance_paid + r.socialised_loss, "{r:?}");
        assert_eq!(r.left_liquidatable, 0, "{r:?}");
        assert!(
            r.breaker_trips >= 1,
            "a 20% gap trips the velocity breaker: {r:?}"
        );
    }

    #[test]
    fn the_baseline_trips_no_breaker_where_bulwark_does() {
        let path = gap_crash(0, P, 1_200, 300, 200_000);
        let b = run(&path, &population(40), &baseline(&default_config())).unwrap();
        let d = run(&path, &population(40), &default_config()).unwrap();
        assert_eq!(b.breaker_trips, 0, "{b:?}");
        assert!(d.breaker_trips > 0, "{d:?}");
    }

    #[test]
    fn a_slower_keeper_leaves_more_bad_debt_on_a_slide_to_zero() {
        let path = to_zero(0, P, 3_600);
        let fast = run(&path, &population(60), &default_config()).unwrap();
        let slow = run(
            &path,
            &population(60),
            &SimConfig {
                keeper_delay_secs: 600,
                ..default_config()
            },
        )
        .unwrap();
        assert!(slow.bad_debt > fast.bad_debt, "fast {fast:?} slow {slow:?}");
    }
}
