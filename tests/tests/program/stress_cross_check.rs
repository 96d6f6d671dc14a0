//! The stress simulator against the real program: the same population on the same crash path,
//! once through `bulwark_stress` (the program's state transitions run in memory, the keeper
//! core's decisions) and once through the program in the bank (feeds written as real
//! accounts, `update_risk` sent each second, the keeper core's `run_cycle` over the bank).
//! Every account, the market's book, the insurance fund and the pool agree to the unit after
//! every step, and the simulator's report agrees with the bank's liquidations, insurance
//! payments and socialised loss.

use bulwark_keeper::{run_cycle, CycleReport, KeeperConfig};
use bulwark_sdk::ix;
use bulwark_stress::feeds::{Feeds, OracleScenario};
use bulwark_stress::path::PricePoint;
use bulwark_stress::population::{generate, PopulationSpec};
use bulwark_stress::sim::{default_config, open_venue, run_with_keys, SimConfig};
use bulwark_stress::venue::{KeeperModel, Venue};
use bulwark_testkit::bank_keeper::BankKeeper;
use bulwark_testkit::world::{Feed, Participant, World, SOL_PERP};
use solana_sdk::signature::{Keypair, Signer};

const T0: i64 = 1_720_000_000;
const P0: u64 = 150 * bulwark_engine::num::PRICE_SCALE;
const ACCOUNTS: usize = 30;

/// A minute flat, a 12% slide over a minute, a 10% gap, then two minutes of slow bleed.
fn crash_path() -> Vec<PricePoint> {
    let mut path = Vec::new();
    let mut price = P0;
    for s in 0..300i64 {
        price = match s {
            0..60 => P0,
            60..120 => price - P0 * 2 / 1_000,
            120 => price * 90 / 100,
            _ => price - price / 4_000,
        };
        path.push(PricePoint { ts: T0 + s, price });
    }
    path
}

struct Scene {
    cfg: SimConfig,
    population: Vec<bulwark_stress::population::AccountSpec>,
}

fn scene(w: &World) -> Scene {
    let spec = PopulationSpec {
        count: ACCOUNTS,
        leverage_min_x100: 300,
        leverage_max_x100: 2_000,
        collateral_min: 200_000_000,
        collateral_max: 20_000_000_000,
        ..PopulationSpec::default()
    };
    let population = generate(11, &spec, P0, 6);
    let cfg = SimConfig {
        market: w.sol_market_args(),
        collateral_oracle: w.exchange_args().collateral_oracle,
        insurance_balance: 2_000_000_000,
        pool_capital: 5_000_000_000_000,
        open_interest_cap: 1_000_000 * bulwark_engine::num::BASE_SCALE,
        keeper: KeeperModel {
            delay_secs: 0,
            capacity: usize::MAX,
            max_stages_per_account: 8,
            stages_per_transaction: bulwark_keeper::stage_plan::STAGES_PER_TRANSACTION,
        },
        size_venue_to_population: false,
        oracles: OracleScenario::default(),
        ..default_config()
    };
    Scene { cfg, population }
}

/// Writes the feeds' quotes as real accounts.
fn publish(w: &mut World, quotes: &[bulwark_stress::feeds::Quote; 5]) {
    // Feed::ALL is the market's sources then the collateral's, the simulator's order too.
    for (feed, q) in Feed::ALL.iter().zip(quotes) {
        w.publish_at(*feed, q.price_e8, q.publish_time, q.slot);
    }
}

#[tokio::test]
async fn the_simulator_and_the_program_agree_to_the_unit_on_a_crash() {
    let mut w = World::new().await;
    let Scene {
        mut cfg,
        population,
    } = scene(&w);
    // The simulated chain starts at the bank's slot.
    cfg.first_slot = w.bank.clock().await.slot;
    let path = crash_path();
    let mut feeds = Feeds::new(&cfg.oracles, T0);
    let (keeper, traders) = open_bank_venue(&mut w, &cfg, &population, &mut feeds).await;
    let keys: Vec<_> = traders.iter().map(|t| t.margin).collect();

    // The simulator's venue, stepped alongside.
    let mut feeds_sim = Feeds::new(&cfg.oracles, T0);
    let mut v = open_venue(&cfg, T0, &population, keys.clone()).unwrap();
    v.update_risk(&mut feeds_sim, T0, cfg.slot_at(T0, T0), P0)
        .unwrap();
    let opened = open_positions_on_both(&mut w, &mut v, &traders, &population, &cfg).await;
    assert!(opened >= ACCOUNTS * 2 / 3, "{opened} opened");

    let config = KeeperConfig {
        reward_accounts: bulwark_keeper::RewardAccounts::pool0(keeper.margin),
        max_stages_per_account: cfg.keeper.max_stages_per_account,
        stages_per_transaction: bulwark_keeper::stage_plan::STAGES_PER_TRANSACTION,
        max_in_flight: bulwark_keeper::MAX_IN_FLIGHT,
        shard: None,
    };
    let (mut stages, mut resolved, mut deficits) = (0u64, 0u64, 0u64);
    for point in &path[1..] {
        let (t, slot) = (point.ts, cfg.slot_at(point.ts, T0));
        let r = bank_second(&mut w, &mut feeds, &keeper.key, &config, point, slot).await;
        stages += r.liquidation_stages as u64;
        resolved += r.bankruptcies_resolved as u64;
        deficits += r.deficits_resolved;

        v.update_risk(&mut feeds_sim, t, slot, point.price).unwrap();
        v.keeper_cycle(&cfg.keeper, slot, t).unwrap();
        assert_bank_equals_simulator(&mut w, &v, &keys, slot, t).await;
    }
    assert!(
        stages > 0 && resolved > 0,
        "the crash liquidates and bankrupts"
    );

    // The simulator's own run over the same inputs reports what the bank did.
    let r = run_with_keys(&path, &population, &cfg, keys).unwrap();
    let fund = bulwark_sdk::accounts::insurance_fund(
        &w.bank
            .account(&bulwark_sdk::pda::insurance_fund(0).0)
            .await
            .unwrap()
            .data,
    )
    .unwrap();
    let pool = w.pool().await;
    assert_eq!(r.opened, opened);
    assert_eq!(r.liquidations, stages);
    assert_eq!(r.bankruptcies, resolved);
    assert_eq!(r.bad_debt, deficits);
    assert_eq!(r.insurance_paid, fund.total_paid);
    assert_eq!(r.socialised_loss, pool.total_socialized);
    assert_eq!(r.bad_debt, r.insurance_paid + r.socialised_loss);
    println!(
        "cross-check: {} opened, {} stages, {} bankruptcies, bad debt {} = insurance {} + socialised {}",
        r.opened, r.liquidations, r.bankruptcies, r.bad_debt, r.insurance_paid, r.socialised_loss
    );
}

/// One second of the path in the bank (at `slot`): the clock, the feeds' quotes,
/// `update_risk`, then a keeper cycle, which must send nothing that fails.
async fn bank_second(
    w: &mut World,
    feeds: &mut Feeds,
    keeper: &Keypair,
    config: &KeeperConfig,
    point: &PricePoint,
    slot: u64,
) -> CycleReport {
    let t = point.ts;
    w.bank.set_clock(slot, t).await;
    let c = w.bank.clock().await;
    assert_eq!((c.slot, c.unix_timestamp), (slot, t));
    publish(w, &feeds.quotes(t, slot, point.price));
    w.update_risk().await.unwrap();
    let r = run_cycle(
        &mut BankKeeper {
            world: &mut *w,
            key: keeper.insecure_clone(),
        },
        config,
    )
    .await;
    assert!(r.failures.is_empty(), "at {t}: {:?}", r.failures);
    r
}

/// The bank's venue at the path's first second: the listing, first prices, caps, pool,
/// insurance and the population's accounts funded. Returns the keeper and the traders.
async fn open_bank_venue(
    w: &mut World,
    cfg: &SimConfig,
    population: &[bulwark_stress::population::AccountSpec],
    feeds: &mut Feeds,
) -> (Participant, Vec<Participant>) {
    w.bank.set_clock(cfg.slot_at(T0, T0), T0).await;
    let c = w.bank.clock().await;
    assert_eq!(
        (c.slot, c.unix_timestamp),
        (cfg.slot_at(T0, T0), T0),
        "the bank starts where the simulator does"
    );
    w.initialize_exchange().await.unwrap();
    w.create_sol_market().await.unwrap();
    publish(w, &feeds.quotes(T0, cfg.slot_at(T0, T0), P0));
    w.update_risk().await.unwrap();
    w.set_open_interest_caps_directly(SOL_PERP, cfg.open_interest_cap, cfg.open_interest_cap)
        .await;
    let lp = w.participant(cfg.pool_capital as u64).await;
    w.pool_deposit(&lp, cfg.pool_capital as u64).await.unwrap();
    let staker = w.participant(cfg.insurance_balance).await;
    let stake = ix::if_stake(staker.key.pubkey(), staker.token, cfg.insurance_balance, 0);
    w.bank.send(&[stake], &[&staker.key]).await.unwrap();
    let keeper = w.participant(0).await;
    let mut traders = Vec::new();
    for spec in population {
        let t = w.participant(spec.collateral).await;
        w.deposit(&t, spec.collateral).await.unwrap();
        traders.push(t);
    }
    (keeper, traders)
}

/// Each account's opening trade, in the bank and in the simulator: both accept or both
/// refuse it. Returns how many opened.
async fn open_positions_on_both(
    w: &mut World,
    v: &mut Venue,
    traders: &[Participant],
    population: &[bulwark_stress::population::AccountSpec],
    cfg: &SimConfig,
) -> usize {
    let lot = v.market.params.trade.lot_base as i64;
    let tick = v.market.params.trade.tick_price;
    let mut opened = 0;
    for (i, spec) in population.iter().enumerate() {
        let delta = spec.base - spec.base % lot;
        let limit = if delta > 0 {
            P0 * 2 / tick * tick
        } else {
            tick
        };
        let bank_ok = w.trade(&traders[i], delta, limit).await.is_ok();
        let sim_ok = v.trade(i, delta, cfg.slot_at(T0, T0), T0);
        assert_eq!(bank_ok, sim_ok, "account {i} opening");
        opened += bank_ok as usize;
    }
    opened
}

/// Every account, the market's book and sub-ledgers, the insurance fund and the pool agree
/// between the bank and the simulator at `t` (slot `slot`).
async fn assert_bank_equals_simulator(
    w: &mut World,
    v: &Venue,
    keys: &[anchor_lang::prelude::Pubkey],
    slot: u64,
    t: i64,
) {
    for (i, key) in keys.iter().enumerate() {
        let bank = w.margin(key).await;
        let sim = &v.accounts()[i];
        assert_eq!(
            (
                bank.collateral,
                bank.positions[0].base,
                bank.positions[0].cost
            ),
            (sim.collateral, sim.positions[0].base, sim.positions[0].cost),
            "account {i} at {t}"
        );
    }
    let m = w.bank.market(SOL_PERP).await;
    let market = |m: &bulwark::state::Market| {
        (
            (
                m.aggregate.price,
                m.aggregate.conf,
                m.book.long_oi,
                m.book.short_oi,
                m.mmr_at(slot),
            ),
            (m.funding.index, m.status, m.breaker_flags, m.twap.price),
            (
                m.ledgers.pnl_pending,
                m.ledgers.fee_insurance,
                m.ledgers.insurance_debt,
                m.ledgers.trader_flow,
            ),
        )
    };
    assert_eq!(market(&m), market(&v.market), "market at {t}");
    let (fund, pool) = (w.insurance_balance().await, w.pool().await);
    assert_eq!(
        (fund, pool.capital, pool.total_socialized),
        (v.fund.balance, v.pool.capital, v.pool.total_socialized),
        "fund and pool at {t}"
    );
}
