//! The stress signal from leaders to followers: pool 1 (LUNA) names SOL-PERP its leader. When
//! SOL trips a velocity band, anyone propagates the signal: LUNA's maintenance target rises by
//! the pool's step and its spread for increases widens, the ratio climbs through the ramp from
//! the next slot (nobody is liquidated in the slot it arrives), and it goes off only after the
//! leaders have been calm for the pool's calm period. Governance sets it: tightenings at once,
//! loosenings through the timelock.

use bulwark::error::BulwarkError;
use bulwark::events::StressSignal;
use bulwark::state::ProposalAction;
use bulwark_engine::contagion::{PoolParam, NO_LEADER};
use bulwark_engine::margin::HealthKind;
use bulwark_engine::position::Position;
use bulwark_keeper::{run_cycle, RewardAccounts};
use bulwark_sdk::ix::{self, MarketRef};
use bulwark_sdk::params::TIMELOCK_SECS;
use bulwark_sdk::preview::{account_health, max_trade_size, preview_execution_price, PreviewClock};
use bulwark_sdk::{events, pda};
use bulwark_testkit::bank::runs_sbf;
use bulwark_testkit::bank_keeper::BankKeeper;
use bulwark_testkit::two_pools::{TwoPools, LONG_TAIL, LUNA};
use bulwark_testkit::world::Participant;
use bulwark_tests::*;
use solana_sdk::signature::Signer;

const STEP: u64 = 30_000;
const SPREAD: u64 = 2_000;
const CALM: u64 = 600;

/// Governance names SOL-PERP pool 1's leader: a 3% step, 0.2% more spread on increases, off
/// after 10 calm minutes (each a tightening: applied at once).
async fn signal_venue() -> TwoPools {
    let mut v = TwoPools::new(1_000 * USDC).await;
    for (param, value) in [
        (PoolParam::Leader0, u64::from(SOL_PERP)),
        (PoolParam::StepPpm, STEP),
        (PoolParam::SpreadPpm, SPREAD),
        (PoolParam::CalmSecs, CALM),
    ] {
        set(&mut v, param, value).await.unwrap();
    }
    v
}

async fn set(
    v: &mut TwoPools,
    param: PoolParam,
    value: u64,
) -> Result<(), solana_program_test::BanksClientError> {
    let gov = v.w.governance.insecure_clone();
    let ix = ix::set_pool_param(gov.pubkey(), LONG_TAIL, param, value);
    v.w.bank.send(&[ix], &[&gov]).await
}

fn propagate() -> anchor_lang::solana_program::instruction::Instruction {
    ix::propagate_stress(LUNA, LONG_TAIL, &[SOL_PERP])
}

async fn clock(v: &mut TwoPools) -> PreviewClock {
    let c = v.w.bank.clock().await;
    PreviewClock {
        slot: c.slot,
        unix_timestamp: c.unix_timestamp,
        decimals: 6,
    }
}

/// A LUNA long as large as the initial margin allows (its equity a little above 5% of its
/// notional), and a keeper with a reward account in pool 1.
async fn long_at_the_limit(v: &mut TwoPools) -> (Participant, Participant) {
    let t = v.trader_in(LONG_TAIL, 1_000 * USDC).await;
    let account = v.w.margin(&t.margin).await;
    let luna = v.w.bank.market(LUNA).await;
    let pool = v.w.pool_at(LONG_TAIL).await;
    let at = clock(v).await;
    let max = max_trade_size(&account, &[luna], &pool, &at, LUNA, true).unwrap();
    let size = max / 1_000_000 * 1_000_000;
    v.w.trade_in(&t, LUNA, size, 1_000 * PRICE).await.unwrap();
    let keeper = v.trader_in(0, 0).await;
    let keeper_tail = v.second_account(&keeper, LONG_TAIL, 0).await;
    (t, keeper_tail)
}

async fn liquidate(
    v: &mut TwoPools,
    keeper: &Participant,
    t: &Participant,
) -> Result<(), solana_program_test::BanksClientError> {
    let market = MarketRef {
        index: LUNA,
        pool: LONG_TAIL,
    };
    let ix = ix::liquidate(
        keeper.key.pubkey(),
        keeper.margin,
        t.margin,
        market,
        u64::MAX,
        &[],
    );
    v.w.bank.send(&[ix], &[&keeper.key]).await
}

async fn maintenance_free(v: &mut TwoPools, t: &Participant) -> i64 {
    let a = v.w.margin(&t.margin).await;
    let luna = v.w.bank.market(LUNA).await;
    let at = clock(v).await;
    account_health(&a, &[luna], &at, HealthKind::Maintenance)
        .unwrap()
        .free()
}

#[tokio::test]
async fn a_leaders_trip_raises_the_followers_margin_on_the_ramp_and_liquidates_nobody_in_its_slot()
{
    let mut v = signal_venue().await;
    let (t, keeper) = long_at_the_limit(&mut v).await;
    // Calm leader: propagating changes nothing.
    let calm = v.w.bank.market(LUNA).await;
    v.w.bank.send(&[propagate()], &[]).await.unwrap();
    assert_eq!(v.w.bank.market(LUNA).await.contagion, calm.contagion);
    // SOL falls 12% (velocity band 1); LUNA has not moved.
    v.refresh(132 * USD, 80 * USD).await;
    assert_eq!(v.w.bank.market(SOL_PERP).await.velocity.band, 1);
    let slot = v.w.bank.clock().await.slot;
    let before = v.w.bank.market(LUNA).await;
    let mmr_before = before.mmr_at(slot);
    v.w.bank.send(&[propagate()], &[]).await.unwrap();
    let m = v.w.bank.market(LUNA).await;
    assert_eq!((m.contagion.on, m.contagion.step_ppm), (1, STEP as u32));
    assert_eq!(m.ramp.target_ppm, before.ramp.target_ppm + STEP as u32);
    if runs_sbf() {
        let e: Vec<StressSignal> = events::decode_cpi(&v.w.bank.last_events);
        assert_eq!(
            (e.len(), e[0].on, e[0].leader_index, e[0].reason),
            (1, true, SOL_PERP, 1)
        );
    }
    // In the slot it arrives nothing has moved: the ratio in force is the one before, the
    // long is healthy and a liquidation is refused.
    assert_eq!(m.mmr_at(slot), mmr_before);
    assert!(maintenance_free(&mut v, &t).await > 0);
    assert_program_error(
        liquidate(&mut v, &keeper, &t).await,
        BulwarkError::NotLiquidatable,
    );
    // From the next slot the ratio climbs by at most the ramp's step a slot, to the target.
    let step = bulwark_engine::dynamic_margin::ramp_step_ppm(&m.params.dynamics.margin) as u32;
    let mut prev = mmr_before;
    for k in 1..=400 {
        let now = m.mmr_at(slot + k);
        assert!(
            now >= prev && now - prev <= step,
            "slot +{k}: {prev} -> {now}"
        );
        prev = now;
    }
    assert_eq!(prev, m.ramp.target_ppm);
    // Increases pay the signal's spread; reductions do not.
    let now = v.w.bank.clock().await.unix_timestamp;
    let long = Position {
        base: SOL,
        cost: 80 * USDC as i64,
    };
    let spreads = |market| {
        let inc = preview_execution_price(market, &Position::default(), SOL, now).unwrap();
        let red = preview_execution_price(market, &long, -SOL, now).unwrap();
        (inc.spread_ppm, red.spread_ppm)
    };
    let ((inc_off, red_off), (inc_on, red_on)) = (spreads(&before), spreads(&m));
    assert_eq!(red_on, red_off, "reductions pay no more");
    let base = u64::from(m.params.trade.spread.base_spread_ppm);
    assert_eq!(inc_on, inc_off.max(base + SPREAD), "the widened base binds");
    assert!(inc_on > inc_off);
    // Some hundred slots on (prices fresh), the long the signal caught is liquidatable.
    v.w.bank.advance(400, 160).await;
    v.refresh(132 * USD, 80 * USD).await;
    assert!(maintenance_free(&mut v, &t).await < 0);
    liquidate(&mut v, &keeper, &t).await.unwrap();
}

#[tokio::test]
async fn the_signal_goes_off_only_after_the_leaders_stay_calm_and_the_ratio_descends_later() {
    let mut v = signal_venue().await;
    v.refresh(132 * USD, 80 * USD).await;
    v.w.bank.send(&[propagate()], &[]).await.unwrap();
    // SOL holds at 132 past its velocity cooldown: the band clears.
    for _ in 0..8 {
        v.w.bank.advance(200, 100).await;
        v.refresh(132 * USD, 80 * USD).await;
    }
    assert_eq!(v.w.bank.market(SOL_PERP).await.velocity.band, 0);
    // The first calm propagation starts the calm clock; the signal stays on through it.
    v.w.bank.send(&[propagate()], &[]).await.unwrap();
    let calm_since = v.w.bank.market(LUNA).await.contagion.calm_since;
    assert!(calm_since > 0);
    // 599 s on it (a refresh moves the clock one second).
    v.w.bank.advance(99, CALM as i64 - 2).await;
    v.refresh(132 * USD, 80 * USD).await;
    let on = v.w.bank.market(LUNA).await;
    v.w.bank.send(&[propagate()], &[]).await.unwrap();
    assert_eq!(
        v.w.bank.market(LUNA).await.contagion.on,
        1,
        "not calm long enough"
    );
    v.refresh(132 * USD, 80 * USD).await;
    v.w.bank.send(&[propagate()], &[]).await.unwrap();
    let off = v.w.bank.market(LUNA).await;
    assert_eq!((off.contagion.on, off.contagion.step_ppm), (0, 0));
    assert!(off.ramp.target_ppm + STEP as u32 <= on.ramp.target_ppm + 1);
    // The ratio in force descends only after the ramp's own calm period.
    let slot = v.w.bank.clock().await.slot;
    let high = off.mmr_at(slot);
    assert_eq!(off.mmr_at(slot + 100), high);
    let calm_slots = u64::from(off.params.dynamics.margin.mmr_calm_slots);
    assert!(off.mmr_at(slot + calm_slots + 10) < high);
}

#[tokio::test]
async fn the_keeper_carries_the_signal_once_per_change() {
    let mut v = signal_venue().await;
    let keeper = v.trader_in(0, 0).await;
    let tail = v.second_account(&keeper, LONG_TAIL, 0).await;
    let cfg = bulwark_keeper::KeeperConfig {
        reward_accounts: RewardAccounts::pool0(keeper.margin).with(LONG_TAIL, tail.margin),
        ..keeper_config(&keeper, None)
    };
    v.refresh(132 * USD, 80 * USD).await;
    let mut signals = vec![];
    for _ in 0..2 {
        let mut chain = BankKeeper {
            world: &mut v.w,
            key: keeper.key.insecure_clone(),
        };
        let r = run_cycle(&mut chain, &cfg).await;
        assert!(r.failures.is_empty(), "{:?}", r.failures);
        signals.push(r.stress_signals);
    }
    assert_eq!(signals, [1, 0], "sent when it changes, not again");
    assert_eq!(v.w.bank.market(LUNA).await.contagion.on, 1);
}

#[tokio::test]
async fn governance_tightens_at_once_loosens_through_the_timelock_and_bad_input_changes_nothing() {
    let mut v = signal_venue().await;
    let keys = [
        pda::pool(LONG_TAIL).0,
        pda::market(LUNA).0,
        pda::exchange().0,
    ];
    let before = Snapshot::take(&mut v.w.bank, &keys).await;
    for (param, value, err) in [
        (PoolParam::StepPpm, STEP - 1, BulwarkError::MustQueue),
        (
            PoolParam::Leader0,
            u64::from(NO_LEADER),
            BulwarkError::MustQueue,
        ),
        (PoolParam::Leader0, 1, BulwarkError::MustQueue),
        (PoolParam::CalmSecs, CALM - 1, BulwarkError::MustQueue),
        (
            PoolParam::StepPpm,
            200_001,
            BulwarkError::ParameterOutOfBounds,
        ),
        (PoolParam::Leader1, 4, BulwarkError::ParameterOutOfBounds),
        (
            PoolParam::Leader1,
            u64::from(SOL_PERP),
            BulwarkError::InvalidMarketParams,
        ),
    ] {
        assert_program_error(set(&mut v, param, value).await, err);
    }
    let stranger = v.lps[1].key.insecure_clone();
    let ix = ix::set_pool_param(stranger.pubkey(), LONG_TAIL, PoolParam::StepPpm, STEP + 1);
    assert_program_error(
        v.w.bank.send(&[ix], &[&stranger]).await,
        BulwarkError::NotGovernance,
    );
    // Propagation names exactly the pool's leaders, into a market of that pool that is not
    // itself a leader.
    for bad in [
        ix::propagate_stress(LUNA, LONG_TAIL, &[]),
        ix::propagate_stress(LUNA, LONG_TAIL, &[1]),
        ix::propagate_stress(LUNA, 0, &[]),
    ] {
        let r = v.w.bank.send(&[bad], &[]).await;
        let code = custom_code(r.as_ref().unwrap_err());
        let expected = [BulwarkError::LeaderListMismatch, BulwarkError::PoolMismatch];
        assert!(
            expected.iter().any(|e| Some(u32::from(*e)) == code),
            "{r:?}"
        );
    }
    before.assert_unchanged(&mut v.w.bank).await;
    // A loosening goes through the timelock.
    let action = ProposalAction::PoolParam {
        pool_index: LONG_TAIL,
        param: PoolParam::StepPpm,
        value: 10_000,
    };
    let seed = v.w.queue_proposal(action.clone()).await.unwrap();
    v.w.bank.advance(10, TIMELOCK_SECS as i64).await;
    v.w.bank
        .send(&[ix::execute_action(seed, &action)], &[])
        .await
        .unwrap();
    assert_eq!(v.w.pool_at(LONG_TAIL).await.contagion.step_ppm, 10_000);
    // A loosening queued before a tightening of the same parameter is stale.
    let stale = ProposalAction::PoolParam {
        pool_index: LONG_TAIL,
        param: PoolParam::StepPpm,
        value: 5_000,
    };
    let seed = v.w.queue_proposal(stale.clone()).await.unwrap();
    set(&mut v, PoolParam::StepPpm, 40_000).await.unwrap();
    v.w.bank.advance(10, TIMELOCK_SECS as i64).await;
    assert_program_error(
        v.w.bank
            .send(&[ix::execute_action(seed, &stale)], &[])
            .await,
        BulwarkError::ProposalStale,
    );
    assert_eq!(v.w.pool_at(LONG_TAIL).await.contagion.step_ppm, 40_000);
    // Every change counts against the parameter's step limit per window (5 points for the
    // step), at once or queued: a fresh window (the stale proposal's timelock passed) takes
    // 40,000 -> 90,000 and not one unit more; the next window does.
    set(&mut v, PoolParam::StepPpm, 90_000).await.unwrap();
    assert_program_error(
        set(&mut v, PoolParam::StepPpm, 90_001).await,
        BulwarkError::StepLimitExceeded,
    );
    v.w.bank.advance(10, 86_400).await;
    set(&mut v, PoolParam::StepPpm, 90_001).await.unwrap();
    // Naming a follower a leader does not exempt it: it still follows the other leaders
    // (a market never follows itself).
    set(&mut v, PoolParam::Leader1, u64::from(LUNA))
        .await
        .unwrap();
    v.refresh(132 * USD, 80 * USD).await;
    let both = ix::propagate_stress(LUNA, LONG_TAIL, &[SOL_PERP, LUNA]);
    v.w.bank.send(&[both], &[]).await.unwrap();
    let luna = v.w.bank.market(LUNA).await.contagion;
    assert_eq!((luna.on, luna.leader), (1, SOL_PERP));
}
