//! Risk pools are walls: a long-tail market going to zero is absorbed by its own pool's
//! insurance fund and LPs, to the unit, while the blue-chip pool's LPs, fund, markets and
//! every account in it (including the other account of a user who holds one in each pool)
//! stay exactly as they were. Every instruction that could carry value across the wall names
//! the pools it touches and is refused when they do not match.

use bulwark::error::BulwarkError;
use bulwark::state::MarginAccount;
use bulwark_keeper::{run_cycle, KeeperConfig, RewardAccounts};
use bulwark_sdk::ix::{self, AccountRef, MarketRef, PoolMarkets};
use bulwark_sdk::pda;
use bulwark_testkit::bank_keeper::BankKeeper;
use bulwark_testkit::two_pools::{TwoPools, BLUE_CHIPS, LONG_TAIL, LUNA};
use bulwark_testkit::world::Participant;
use bulwark_tests::*;
use solana_sdk::signature::Signer;

/// LUNA's insurance coverage a day: less than its longs' deficits, so the rest is socialised.
const LUNA_CAP: u64 = 600 * USDC;

/// The scene: blue-chip traders cross-margined in pool 0, LUNA longs (and one short) in pool
/// 1, a user with an account in each pool, and a keeper with a reward account in each.
struct Scene {
    v: TwoPools,
    keeper: Participant,
    keeper_long_tail: Participant,
    dual_blue: Participant,
    dual_tail: Participant,
    luna_longs: Vec<Participant>,
}

async fn scene() -> Scene {
    let mut v = TwoPools::new(LUNA_CAP).await;
    let limit_buy = 1_000 * PRICE;
    // Blue chips: one account long SOL-PERP and short market 1 on one collateral, one long
    // market 2.
    let bc = v.trader_in(0, 2_000 * USDC).await;
    v.w.trade_in(&bc, SOL_PERP, 50 * SOL, limit_buy)
        .await
        .unwrap();
    v.w.trade_in(&bc, 1, -30 * SOL, PRICE).await.unwrap();
    let bc2 = v.trader_in(0, 1_000 * USDC).await;
    v.w.trade_in(&bc2, 2, 20 * SOL, limit_buy).await.unwrap();
    // The user with an account in each pool: 10 SOL long in pool 0, 60 LUNA long in pool 1.
    let dual_blue = v.trader_in(0, 1_000 * USDC).await;
    v.w.trade_in(&dual_blue, SOL_PERP, 10 * SOL, limit_buy)
        .await
        .unwrap();
    let dual_tail = v.second_account(&dual_blue, LONG_TAIL, 500 * USDC).await;
    v.w.trade_in(&dual_tail, LUNA, 60 * SOL, limit_buy)
        .await
        .unwrap();
    // LUNA longs near 10x, and one short.
    let mut luna_longs = vec![];
    for _ in 0..4 {
        let t = v.trader_in(LONG_TAIL, 1_000 * USDC).await;
        v.w.trade_in(&t, LUNA, 120 * SOL, limit_buy).await.unwrap();
        luna_longs.push(t);
    }
    let short = v.trader_in(LONG_TAIL, 2_000 * USDC).await;
    v.w.trade_in(&short, LUNA, -100 * SOL, PRICE).await.unwrap();
    let keeper = v.trader_in(0, 0).await;
    let keeper_long_tail = v.second_account(&keeper, LONG_TAIL, 0).await;
    Scene {
        v,
        keeper,
        keeper_long_tail,
        dual_blue,
        dual_tail,
        luna_longs,
    }
}

impl Scene {
    fn keeper_config(&self) -> KeeperConfig {
        KeeperConfig {
            reward_accounts: RewardAccounts::pool0(self.keeper.margin)
                .with(LONG_TAIL, self.keeper_long_tail.margin),
            ..keeper_config(&self.keeper, None)
        }
    }

    /// Keeper cycles until one does nothing (at most `n`); returns the deficits it resolved.
    async fn keep(&mut self, n: usize) -> u64 {
        let cfg = self.keeper_config();
        let mut deficits = 0;
        for _ in 0..n {
            let mut chain = BankKeeper {
                world: &mut self.v.w,
                key: self.keeper.key.insecure_clone(),
            };
            let r = run_cycle(&mut chain, &cfg).await;
            assert!(r.failures.is_empty(), "{:?}", r.failures);
            deficits += r.deficits_resolved;
            if r.liquidation_stages + r.bankruptcies_resolved + r.sweeps == 0 {
                return deficits;
            }
            self.v.w.bank.advance(2, 1).await;
        }
        deficits
    }
}

/// What must not move in the blue-chip pool: its pool and fund, its markets' ledgers and open
/// interest, and every account in it.
#[derive(Debug, PartialEq)]
struct BlueChipBooks {
    /// The pool's and the fund's account data, byte for byte.
    pool: Vec<u8>,
    fund: Vec<u8>,
    markets: Vec<(bulwark_engine::conservation::MarketLedgers, u64, u64)>,
    accounts: Vec<(
        anchor_lang::prelude::Pubkey,
        i64,
        [bulwark::state::PositionSlot; 8],
    )>,
}

async fn blue_chip_books(v: &mut TwoPools) -> BlueChipBooks {
    let pool = v.w.bank.account(&pda::pool(0).0).await.unwrap().data;
    let fund =
        v.w.bank
            .account(&pda::insurance_fund(0).0)
            .await
            .unwrap()
            .data;
    let mut markets = vec![];
    for i in BLUE_CHIPS {
        let m = v.w.bank.market(i).await;
        markets.push((m.ledgers, m.book.long_oi, m.book.short_oi));
    }
    let accounts = v
        .accounts_of(0)
        .await
        .into_iter()
        .map(|(k, a): (_, MarginAccount)| (k, a.collateral, a.positions))
        .collect();
    BlueChipBooks {
        pool,
        fund,
        markets,
        accounts,
    }
}

#[tokio::test]
async fn a_long_tail_market_going_to_zero_is_absorbed_by_its_own_pool_alone() {
    let mut s = scene().await;
    // Everything the trades owed is swept first, so the books below move only by the crash.
    s.keep(3).await;
    let blue_before = blue_chip_books(&mut s.v).await;
    let (tail_pool0, tail_fund0) = s.v.books(LONG_TAIL).await;
    // LUNA falls 80 → 40 → 4 → 0.40 while SOL holds at 150; the keeper liquidates and
    // resolves what falls below zero after each leg.
    let mut deficits = 0;
    for luna in [40 * USD, 4 * USD, USD / 100 * 40] {
        s.v.refresh(150 * USD, luna).await;
        deficits += s.keep(30).await;
    }
    // The long-tail pool absorbed it: its fund paid up to LUNA's window cap, its LPs bore
    // exactly the rest of the deficits resolved.
    let (tail_pool, tail_fund) = s.v.books(LONG_TAIL).await;
    let paid = tail_fund.total_paid - tail_fund0.total_paid;
    let socialised = tail_pool.total_socialized - tail_pool0.total_socialized;
    assert!(
        deficits > LUNA_CAP,
        "the crash left deficits beyond the cap: {deficits}"
    );
    assert_eq!(
        paid + socialised,
        deficits,
        "every unit of deficit has a payer"
    );
    assert!(
        paid <= LUNA_CAP && socialised > 0,
        "paid {paid}, socialised {socialised}"
    );
    for t in s.luna_longs.iter().chain([&s.dual_tail]) {
        let a = s.v.w.margin(&t.margin).await;
        assert!(a.collateral >= 0, "resolved: {}", a.collateral);
        assert!(a.positions.iter().all(|p| p.base == 0), "liquidated flat");
    }
    // The blue-chip pool did not move by a unit: pool, fund, markets, every account in it,
    // including the dual user's.
    assert_eq!(blue_chip_books(&mut s.v).await, blue_before);
    let dual = s.v.w.margin(&s.dual_blue.margin).await;
    assert!(dual.collateral > 0 && dual.positions.iter().any(|p| p.base == 10 * SOL));
    // The vault backs every bucket; per pool, the accounts' collateral is exactly the pool's
    // deposits plus its markets' trader flow.
    let every = s.v.w.margin_accounts.clone();
    assert_books_balance(&mut s.v.w, &every).await;
    assert_program_error(
        s.v.w.bank.send(&[ix::check_invariant(4, 2)], &[]).await,
        BulwarkError::InvariantHolds,
    );
}

/// Every way across the wall, refused with `PoolMismatch` (or the list error) and nothing
/// changed.
#[tokio::test]
async fn instructions_that_would_cross_pools_are_refused_and_change_nothing() {
    let mut s = scene().await;
    let tail = s.luna_longs[0].duplicate();
    let mut keys = vec![pda::exchange().0, pda::vault().0];
    for p in 0..2 {
        keys.extend([pda::pool(p).0, pda::insurance_fund(p).0]);
    }
    keys.extend((0..4).map(|i| pda::market(i).0));
    keys.extend(s.v.w.margin_accounts.clone());
    let before = Snapshot::take(&mut s.v.w.bank, &keys).await;
    let k = s.keeper.key.insecure_clone();
    // Permissionless instructions: the bank's payer alone signs.
    let payer = s.v.w.bank.payer().insecure_clone();
    let wrong_pool = |index| MarketRef { index, pool: 0 };
    let refusals = [
        // A long-tail account trading a blue-chip market, through either pool's account.
        (
            ix::trade(
                tail.key.pubkey(),
                tail.margin,
                SOL_PERP,
                SOL,
                1_000 * PRICE,
                &[pda::market(LUNA).0],
            ),
            &tail.key,
        ),
        (
            ix::trade(
                tail.key.pubkey(),
                tail.margin,
                MarketRef {
                    index: SOL_PERP,
                    pool: LONG_TAIL,
                },
                SOL,
                1_000 * PRICE,
                &[pda::market(LUNA).0],
            ),
            &tail.key,
        ),
        // LUNA liquidated against the blue-chip fund; or rewarding a blue-chip account.
        (
            ix::liquidate(
                k.pubkey(),
                s.keeper_long_tail.margin,
                tail.margin,
                wrong_pool(LUNA),
                u64::MAX,
                &[],
            ),
            &k,
        ),
        (
            ix::liquidate(
                k.pubkey(),
                s.keeper.margin,
                tail.margin,
                MarketRef {
                    index: LUNA,
                    pool: LONG_TAIL,
                },
                u64::MAX,
                &[],
            ),
            &k,
        ),
        // A long-tail deficit resolved from the blue-chip fund and LPs; swept into them.
        (
            ix::resolve_bankruptcy(tail.margin, wrong_pool(LUNA)),
            &payer,
        ),
        (ix::sweep(wrong_pool(LUNA)), &payer),
        (ix::check_insurance_breaker(wrong_pool(LUNA)), &payer),
        (
            ix::auto_deleverage(tail.margin, wrong_pool(LUNA), SOL as u64),
            &payer,
        ),
        // Collateral booked in another pool's deposits bucket.
        (
            ix::deposit(
                tail.key.pubkey(),
                AccountRef {
                    address: tail.margin,
                    pool: 0,
                },
                tail.token,
                USDC,
            ),
            &tail.key,
        ),
    ];
    for (i, (ix, signer)) in refusals.into_iter().enumerate() {
        let r = s.v.w.bank.send(&[ix], &[signer]).await;
        assert_eq!(
            custom_code(r.as_ref().unwrap_err()),
            Some(BulwarkError::PoolMismatch.into()),
            "refusal {i}: {r:?}"
        );
    }
    // An LP of the long-tail pool valued over the blue-chip markets.
    let lp = &s.v.lps[1];
    let bad = PoolMarkets {
        pool: LONG_TAIL,
        markets: BLUE_CHIPS.to_vec(),
    };
    assert_program_error(
        s.v.w
            .bank
            .send(
                &[ix::pool_deposit(lp.key.pubkey(), lp.token, USDC, 0, bad)],
                &[&lp.key],
            )
            .await,
        BulwarkError::MarketListMismatch,
    );
    before.assert_unchanged(&mut s.v.w.bank).await;
}

#[tokio::test]
async fn governance_alone_creates_pools_in_order_and_within_the_bound() {
    let mut s = scene().await;
    let gov = s.v.w.governance.insecure_clone();
    let payer = s.v.w.bank.payer().insecure_clone();
    let args = bulwark::instructions::common::pool_init::PoolArgs {
        withdraw_delay_secs: bulwark_sdk::params::POOL_WITHDRAW_DELAY_SECS,
        max_pnl_to_pool_ppm: bulwark_sdk::params::MAX_PNL_TO_POOL_PPM,
        unstake_cooldown_secs: bulwark_sdk::params::UNSTAKE_COOLDOWN_SECS,
    };
    let stranger = s.keeper.key.insecure_clone();
    assert_program_error(
        s.v.w
            .bank
            .send(
                &[ix::create_pool(stranger.pubkey(), payer.pubkey(), 2, args)],
                &[&stranger],
            )
            .await,
        BulwarkError::NotGovernance,
    );
    assert_program_error(
        s.v.w
            .bank
            .send(
                &[ix::create_pool(gov.pubkey(), payer.pubkey(), 3, args)],
                &[&gov],
            )
            .await,
        BulwarkError::PoolIndexMismatch,
    );
    for index in 2..bulwark::constants::MAX_POOLS {
        let ix = ix::create_pool(gov.pubkey(), payer.pubkey(), index, args);
        s.v.w.bank.send(&[ix], &[&gov]).await.unwrap();
        let pool = s.v.w.pool_at(index).await;
        assert_eq!((pool.index, pool.market_count, pool.capital), (index, 0, 0));
        assert_eq!(s.v.w.insurance_fund_at(index).await.pool, index);
    }
    let over = ix::create_pool(
        gov.pubkey(),
        payer.pubkey(),
        bulwark::constants::MAX_POOLS,
        args,
    );
    assert_program_error(
        s.v.w.bank.send(&[over], &[&gov]).await,
        BulwarkError::PoolIndexMismatch,
    );
    // A margin account joins a pool for good: it names the pool at creation.
    let a = s.v.w.margin(&s.dual_tail.margin).await;
    assert_eq!((a.pool, a.index), (LONG_TAIL, 1));
}

/// A pool's outflows stop at what the vault holds for it: with pool 1's share of the vault
/// written down (as if its losses had outrun its own tokens), its trader cannot withdraw more
/// than is left, the invariant check pauses the venue, and pool 0's books are untouched.
#[tokio::test]
async fn a_pool_never_pays_out_more_tokens_than_the_vault_holds_for_it() {
    let mut s = scene().await;
    let short = s.v.trader_in(LONG_TAIL, 2_000 * USDC).await;
    let key = pda::pool(LONG_TAIL).0;
    let mut acc = s.v.w.bank.account(&key).await.unwrap();
    let mut pool = bulwark_sdk::accounts::pool(&acc.data).unwrap();
    pool.vault_share = (1_000 * USDC) as i64;
    acc.data[8..8 + std::mem::size_of::<bulwark::state::LiquidityPool>()]
        .copy_from_slice(bytemuck::bytes_of(&pool));
    s.v.w.bank.set_account(&key, &bulwark::ID, acc.data);
    let blue_before = Snapshot::take(&mut s.v.w.bank, &[pda::pool(0).0]).await;
    assert_program_error(
        s.v.w.withdraw(&short, 1_500 * USDC).await,
        BulwarkError::PoolTokensShort,
    );
    s.v.w.withdraw(&short, 1_000 * USDC).await.unwrap();
    assert_eq!(s.v.w.pool_at(LONG_TAIL).await.vault_share, 0);
    // Its buckets now exceed its share: anyone pauses the venue.
    s.v.w
        .bank
        .send(&[ix::check_invariant(4, 2)], &[])
        .await
        .unwrap();
    assert_ne!(s.v.w.bank.exchange().await.invariant_pause_bits, 0);
    blue_before.assert_unchanged(&mut s.v.w.bank).await;
}
