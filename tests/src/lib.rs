#![allow(deprecated)] // solana-program-test 3.x flags its API as headed for agave-unstable-api.

//! Test harness: helpers over the SDK's world and bank so each test reads as a specification.

use anchor_lang::prelude::Pubkey;
use solana_program_test::BanksClientError;
use solana_sdk::instruction::InstructionError;
use solana_sdk::transaction::TransactionError;

mod wallet_scenes;
pub use wallet_scenes::{
    acting, adl_scene, adl_triggered_scene, built_trade, start_adl_and_drain, venue_state,
    wallet_now,
};

pub use bulwark_testkit::bank::Bank;
pub use bulwark_testkit::world::{Feed, World, SOL_PERP};

/// The custom error code of a failed transaction, if it failed with one.
pub fn custom_code(e: &BanksClientError) -> Option<u32> {
    match bulwark_testkit::bank::tx_error(e)? {
        TransactionError::InstructionError(_, InstructionError::Custom(code)) => Some(code),
        _ => None,
    }
}

/// Asserts that `result` failed because its instruction's data does not deserialize (Anchor's
/// `InstructionDidNotDeserialize`, 102): an argument outside its type, such as an unknown enum
/// tag.
#[track_caller]
pub fn assert_does_not_deserialize<T: std::fmt::Debug>(result: Result<T, BanksClientError>) {
    let e = result.expect_err("expected InstructionDidNotDeserialize, got success");
    assert_eq!(
        custom_code(&e),
        Some(102),
        "Anchor InstructionDidNotDeserialize: {e:?}"
    );
}

/// Asserts that `result` failed with the program error `expected`.
#[track_caller]
pub fn assert_program_error<T: std::fmt::Debug>(
    result: Result<T, BanksClientError>,
    expected: bulwark::error::BulwarkError,
) {
    let code: u32 = expected.into();
    match result {
        Ok(v) => panic!("expected error {code} ({expected:?}), got success {v:?}"),
        Err(e) => assert_eq!(
            custom_code(&e),
            Some(code),
            "expected {expected:?} ({code}), got {e:?}"
        ),
    }
}

/// An account's lamports and data, or `None` when it does not exist.
type AccountState = Option<(u64, Vec<u8>)>;

/// Snapshot of accounts' data and lamports, to prove a failed call changed nothing.
pub struct Snapshot(Vec<(Pubkey, AccountState)>);

impl Snapshot {
    /// Records `keys` now.
    pub async fn take(bank: &mut Bank, keys: &[Pubkey]) -> Snapshot {
        let mut out = Vec::new();
        for k in keys {
            out.push((*k, bank.account(k).await.map(|a| (a.lamports, a.data))));
        }
        Snapshot(out)
    }

    /// Asserts every recorded account is as it was.
    pub async fn assert_unchanged(&self, bank: &mut Bank) {
        for (k, before) in &self.0 {
            let now = bank.account(k).await.map(|a| (a.lamports, a.data));
            assert!(now == *before, "account {k} changed");
        }
    }
}

/// 1e-8 USD per whole unit, the feeds' mantissa scale in the world.
pub const USD: i64 = 100_000_000;
/// 1e-9, the engine's price scale.
pub const PRICE: u64 = bulwark_engine::num::PRICE_SCALE;

/// What `action` may do on SOL-PERP's stored aggregate right now (the engine's table).
pub async fn allowed(
    w: &mut World,
    action: bulwark_engine::action::Action,
) -> Result<u64, bulwark_engine::action::Refusal> {
    let m = w.bank.market(SOL_PERP).await;
    let clock = w.bank.clock().await;
    bulwark_engine::action::price_for_action(
        action,
        &m.aggregate.stored_price(),
        clock.slot,
        clock.unix_timestamp,
        &m.params.ages,
    )
}

/// Runs `update_risk` on SOL-PERP and returns the market after it, asserting what a
/// successful `update_risk` must not touch: the exchange, the market's configuration,
/// limits, caps, identity and reserved bytes (its state may change: breakers act here).
pub async fn update_risk_checked(w: &mut World) -> bulwark::state::Market {
    let exchange = Snapshot::take(&mut w.bank, &[bulwark_sdk::pda::exchange().0]).await;
    let before = w.bank.market(SOL_PERP).await;
    w.update_risk().await.expect("update_risk succeeds");
    let after = w.bank.market(SOL_PERP).await;
    exchange.assert_unchanged(&mut w.bank).await;
    assert_eq!(after.oracle, before.oracle, "oracle configuration");
    assert_eq!(
        (after.version, after.bump, after.index, after.symbol),
        (before.version, before.bump, before.index, before.symbol),
        "identity"
    );
    assert_eq!(after.params.ages, before.params.ages, "age limits");
    assert_eq!(after.params.oracle, before.params.oracle, "oracle limits");
    assert_eq!(
        (
            after.params.trade.open_interest_cap_long,
            after.params.trade.open_interest_cap_short
        ),
        (
            before.params.trade.open_interest_cap_long,
            before.params.trade.open_interest_cap_short
        ),
        "open-interest caps"
    );
    assert_eq!(after.reserved, before.reserved, "reserved bytes");
    after
}

/// Whole SOL in base atoms.
pub const SOL: i64 = 1_000_000_000;
/// Whole USDC in collateral units (6 decimals).
pub const USDC: u64 = 1_000_000;

/// A venue ready to trade: SOL-PERP at $150 with open-interest caps of 10,000 SOL a side and
/// an LP who put 1,000,000 USDC in the pool.
pub async fn venue() -> (World, bulwark_testkit::world::Participant) {
    let mut w = World::with_sol_market().await;
    w.set_open_interest_caps_directly(SOL_PERP, 10_000 * SOL as u64, 10_000 * SOL as u64)
        .await;
    let lp = w.participant(1_000_000 * USDC).await;
    w.pool_deposit(&lp, 1_000_000 * USDC)
        .await
        .expect("pool deposit");
    (w, lp)
}

/// A trader with `deposit` collateral in margin account 0.
pub async fn trader(w: &mut World, deposit: u64) -> bulwark_testkit::world::Participant {
    let p = w.participant(deposit).await;
    if deposit > 0 {
        w.deposit(&p, deposit).await.expect("deposit");
    }
    p
}

/// The vault holds exactly the named buckets; every risk pool's buckets equal what the vault
/// holds for it (`vault_share`), and its collateral bucket equals the sum over the pool's
/// accounts among `accounts` (every margin account in play): Σ collateral of the pool's
/// accounts = its `deposits_net` + Σ its markets' trader flow.
pub async fn assert_books_balance(w: &mut World, accounts: &[Pubkey]) {
    let vault = w.vault_balance().await as i128;
    assert_eq!(
        vault,
        w.bucket_total().await,
        "vault balance vs named buckets"
    );
    let ex = w.bank.exchange().await;
    let mut shares = ex.protocol_fees as i128;
    for pool in 0..ex.pool_count {
        let p = w.pool_at(pool).await;
        let fund = w.insurance_fund_at(pool).await;
        let mut flow = p.deposits_net as i128;
        let mut own = p.deposits_net as i128 + p.capital as i128 + fund.balance as i128;
        for i in 0..ex.market_count {
            let m = w.bank.market(i).await;
            if m.pool == pool {
                flow += m.ledgers.trader_flow as i128;
                own += m.bucket_total();
            }
        }
        assert_eq!(
            own, p.vault_share as i128,
            "pool {pool}: its buckets vs its vault share"
        );
        shares += p.vault_share as i128;
        let mut held = 0i128;
        for a in accounts {
            let m = w.margin(a).await;
            if m.pool == pool {
                held += m.collateral as i128;
            }
        }
        assert_eq!(
            held, flow,
            "pool {pool}: Σ account collateral vs collateral bucket"
        );
    }
    assert_eq!(
        shares, vault,
        "Σ pools' vault shares + protocol fees vs the vault"
    );
}

/// Twelve leveraged longs, then SOL drops 8%: most of them are liquidatable.
pub async fn crash_scene() -> (
    World,
    Vec<bulwark_testkit::world::Participant>,
    bulwark_testkit::world::Participant,
) {
    let (mut w, _lp) = venue().await;
    let keeper = w.participant(0).await;
    w.refresh(150 * USD).await;
    let mut traders = Vec::new();
    for i in 0..12i64 {
        let t = trader(&mut w, 500 * USDC).await;
        let lots = (10 + i % 8) * 500 * 1_000 / 150;
        w.trade(&t, lots * 1_000_000, 151 * PRICE).await.unwrap();
        traders.push(t);
    }
    w.bank.advance(75, 30).await;
    w.publish_all(138 * USD, USD).await;
    w.update_risk().await.unwrap();
    (w, traders, keeper)
}

pub fn keeper_config(
    keeper: &bulwark_testkit::world::Participant,
    shard: Option<(u32, u32)>,
) -> bulwark_keeper::KeeperConfig {
    bulwark_keeper::KeeperConfig {
        reward_accounts: bulwark_keeper::RewardAccounts::pool0(keeper.margin),
        max_stages_per_account: 8,
        stages_per_transaction: bulwark_keeper::stage_plan::STAGES_PER_TRANSACTION,
        max_in_flight: bulwark_keeper::MAX_IN_FLIGHT,
        shard,
    }
}

/// No trader holds positions below maintenance: each is healthy or flat.
pub async fn assert_none_below_maintenance(
    w: &mut World,
    traders: &[bulwark_testkit::world::Participant],
) {
    let clock = w.bank.clock().await;
    let at = bulwark_sdk::preview::PreviewClock {
        slot: clock.slot,
        unix_timestamp: clock.unix_timestamp,
        decimals: 6,
    };
    let m = w.bank.market(SOL_PERP).await;
    for t in traders {
        let a = w.margin(&t.margin).await;
        let h = bulwark_sdk::preview::account_health(
            &a,
            &[m],
            &at,
            bulwark_engine::margin::HealthKind::Maintenance,
        )
        .unwrap();
        assert!(
            h.is_healthy() || a.positions.iter().all(|p| p.base == 0),
            "{}",
            t.margin
        );
    }
}

/// splitmix64: a small deterministic generator so a failing seed replays exactly (shared by
/// the randomised sequence tests).
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform-ish in `0..n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// As [`Rng::below`], for share counts (`u128`).
    pub fn below_wide(&mut self, n: u128) -> u128 {
        ((self.next_u64() as u128) << 64 | self.next_u64() as u128) % n
    }
}

/// The environment variable `name` as a number, or `default`.
pub fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The SDK's preview clock at the bank's slot and time (collateral with 6 decimals).
pub async fn preview_clock(w: &mut World) -> bulwark_sdk::preview::PreviewClock {
    let c = w.bank.clock().await;
    bulwark_sdk::preview::PreviewClock {
        slot: c.slot,
        unix_timestamp: c.unix_timestamp,
        decimals: 6,
    }
}

/// The pool's value bounds now, over every market, built from the engine's functions the way
/// `pool_deposit` and `pool_withdraw` build them (traders' PnL at the price usable for
/// reductions, pending sub-ledgers, unresolved bad debt). `None` when a market with open
/// interest has no such price (the program refuses LP operations then).
pub async fn pool_value_now(w: &mut World) -> Option<bulwark_engine::pool::PoolValue> {
    use bulwark_engine::action::{price_for_action, Action};
    use bulwark_engine::pool::{pool_value, trader_pnl_bounds, PoolBook};
    let count = w.bank.exchange().await.market_count;
    let c = w.bank.clock().await;
    let pool = w.pool().await;
    let mut book = PoolBook {
        capital: pool.capital,
        max_pnl_to_pool_ppm: pool.max_pnl_to_pool_ppm,
        ..Default::default()
    };
    for i in 0..count {
        let m = w.bank.market(i).await;
        let b = m.book;
        if b.long_oi != 0 || b.short_oi != 0 {
            let at = (c.slot, c.unix_timestamp);
            let price = price_for_action(
                Action::ReduceRisk,
                &m.aggregate.stored_price(),
                at.0,
                at.1,
                &m.params.ages,
            )
            .ok()?;
            let (worst, best) = trader_pnl_bounds(
                &b,
                price,
                m.aggregate.conf,
                m.params.margin.health_conf_k_ppm,
                6,
            )
            .expect("pnl bounds");
            book.trader_pnl_worst += worst;
            book.trader_pnl_best += best;
        }
        book.pending += m.ledgers.pnl_pending + m.ledgers.fee_pool as i64;
        book.bad_debt += m.ledgers.bad_debt_pending;
    }
    Some(pool_value(&book).expect("pool value"))
}

/// The insurance fund and its exit value now (what `if_unstake` values shares at: the balance
/// less every market's advanced minimum rewards and unresolved bad debt).
pub async fn fund_now(w: &mut World) -> (bulwark::state::InsuranceFund, u64) {
    let acc = w
        .bank
        .account(&bulwark_sdk::pda::insurance_fund(0).0)
        .await
        .expect("insurance fund");
    let fund = bulwark_sdk::accounts::insurance_fund(&acc.data).expect("fund decodes");
    let count = w.bank.exchange().await.market_count;
    let (mut advanced, mut bad_debt) = (0u64, 0u64);
    for i in 0..count {
        let m = w.bank.market(i).await;
        advanced += m.ledgers.insurance_debt;
        bad_debt += m.ledgers.bad_debt_pending;
    }
    let exit = bulwark_engine::insurance::fund_exit_value(fund.balance, advanced, bad_debt);
    (fund, exit)
}

/// An account's equity at the markets' stored prices, signed: collateral, plus what closing
/// each position whole there would realise (the engine's `apply_fill`), less the funding each
/// owes accrued to now (the SDK's `funding_owed_now`).
pub async fn mark_equity(w: &mut World, account: &Pubkey) -> i128 {
    let a = w.margin(account).await;
    let at = preview_clock(w).await;
    let mut e = a.collateral as i128;
    for p in a.positions.iter().filter(|p| p.base != 0) {
        let m = w.bank.market(p.market_index).await;
        let fill =
            bulwark_engine::position::apply_fill(p.position(), -p.base, m.aggregate.price, 6)
                .expect("close at mark");
        let owed = bulwark_sdk::preview::funding_owed_now(&a, &m, &at).expect("funding");
        e += fill.realized_pnl as i128 - owed as i128;
    }
    e
}

/// Moves to `activation`, publishes every feed at SOL = $151 and a Switchboard SOL feed at
/// `account` (the rotated-in source) dated now; returns the current SOL and USDC accounts.
pub async fn at_activation_with_new_feed(
    w: &mut World,
    activation: u64,
    account: Pubkey,
) -> (Vec<Pubkey>, Vec<Pubkey>) {
    let slot = w.bank.clock().await.slot;
    w.bank.advance(activation - slot, 100).await;
    w.publish_all(151 * USD, USD).await;
    let clock = w.bank.clock().await;
    use bulwark_sdk::oracle_accounts::{encode_switchboard, switchboard_feed};
    let feed = switchboard_feed(
        bulwark_testkit::world::SWITCHBOARD_SOL_FEED,
        151 * 1_000_000_000_000_000_000,
        0,
        3,
        clock.slot,
        clock.unix_timestamp,
    );
    w.bank.set_account(
        &account,
        &bulwark_testkit::world::Feed::SwitchboardSol.owner(),
        encode_switchboard(&feed),
    );
    let old = w.sol_sources().iter().map(|s| s.account).collect();
    let usdc = w.usdc_sources().iter().map(|s| s.account).collect();
    (old, usdc)
}

/// Walks SOL through `prices` (whole USD): at each, 150 slots and 60 s on, then every feed
/// republished and every market refreshed (a fast TWAP follows within a step or two).
pub async fn walk_prices(w: &mut World, prices: &[i64]) {
    for p in prices {
        w.bank.advance(150, 60).await;
        w.refresh(p * USD).await;
    }
}

/// Queues a rotation of SOL-PERP's source `position` to `account` activating at `activation`.
pub async fn queue_rotation_to(
    w: &mut World,
    position: u8,
    account: Pubkey,
    activation: u64,
) -> u64 {
    let mut source = w.sol_sources()[position as usize].clone();
    source.account = account;
    w.queue_proposal(bulwark::state::ProposalAction::RotateSource {
        market_index: SOL_PERP,
        position,
        source,
        activation_slot: activation,
    })
    .await
    .unwrap()
}
