#![allow(deprecated)] // solana-program-test 3.x flags its API as headed for agave-unstable-api.

//! A ready-made world in the in-process bank: an exchange with USDC collateral priced by Pyth
//! and Chainlink, and a SOL-PERP market priced by Pyth, Switchboard and Chainlink, with feeds
//! in their real byte layouts. The demo and the tests build on it (one set of builders).

use anchor_lang::prelude::Pubkey;
use bulwark::instructions::{CreateMarketArgs, InitializeExchangeArgs};
use bulwark::oracle::OracleKind;
use bulwark::state::OracleSourceArgs;
use solana_program_test::BanksClientError;
use solana_sdk::signature::{Keypair, Signer};

use crate::bank::Bank;
use bulwark_sdk::oracle_accounts::*;
use bulwark_sdk::params::*;
use bulwark_sdk::{ix, pda};

/// Pyth SOL/USD feed id (mainnet).
pub const PYTH_SOL_FEED: [u8; 32] =
    hex32("ef0d8b6fda2ceba41da15d4095d1da392a0d2f8ed0c6c7bc0f4cfac8c280b56d");
/// Pyth USDC/USD feed id (mainnet).
pub const PYTH_USDC_FEED: [u8; 32] =
    hex32("eaa020c61cc479712813461ce153894a96a6c00b21ed0cfc2798d1f9a9e9c94a");
/// Switchboard SOL/USD feed hash (from the real account in the fixtures).
pub const SWITCHBOARD_SOL_FEED: [u8; 32] =
    hex32("4c935636f2523f6aeeb6dc7b7dab0e86a13ff2c794f7895fc78851d69fdb593b");

const fn hex32(s: &str) -> [u8; 32] {
    let b = s.as_bytes();
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = (nibble(b[2 * i]) << 4) | nibble(b[2 * i + 1]);
        i += 1;
    }
    out
}

const fn nibble(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        _ => panic!("not hex"),
    }
}

/// The world's oracle feeds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Feed {
    PythSol,
    SwitchboardSol,
    ChainlinkSol,
    PythUsdc,
    ChainlinkUsdc,
}

impl Feed {
    /// Every feed, SOL first (market order), then USDC (collateral order).
    pub const ALL: [Feed; 5] = [
        Feed::PythSol,
        Feed::SwitchboardSol,
        Feed::ChainlinkSol,
        Feed::PythUsdc,
        Feed::ChainlinkUsdc,
    ];

    /// Short label.
    pub fn label(self) -> &'static str {
        match self {
            Feed::PythSol => "pyth SOL/USD",
            Feed::SwitchboardSol => "switchboard SOL/USD",
            Feed::ChainlinkSol => "chainlink SOL/USD",
            Feed::PythUsdc => "pyth USDC/USD",
            Feed::ChainlinkUsdc => "chainlink USDC/USD",
        }
    }

    /// The program that owns this kind of account on mainnet.
    pub fn owner(self) -> Pubkey {
        match self {
            Feed::PythSol | Feed::PythUsdc => PYTH_RECEIVER,
            Feed::SwitchboardSol => SWITCHBOARD_ON_DEMAND,
            Feed::ChainlinkSol | Feed::ChainlinkUsdc => CHAINLINK_STORE,
        }
    }
}

/// Accounts and keys of the world.
pub struct World {
    pub bank: Bank,
    pub governance: Keypair,
    pub guardian: Keypair,
    pub collateral_mint: Pubkey,
    feeds: [Pubkey; 5],
    chainlink_rounds: [u32; 5],
    /// Every margin account created through this world (what an in-process keeper watches).
    pub margin_accounts: Vec<Pubkey>,
}

/// Index of the SOL-PERP market.
pub const SOL_PERP: u16 = 0;

impl World {
    /// A bank with a classic USDC mint (6 decimals) and feed addresses; no exchange yet.
    pub async fn new() -> World {
        World::on(Bank::start(1_720_000_000).await).await
    }

    /// As [`World::new`], on a bank already started.
    pub async fn on(mut bank: Bank) -> World {
        let collateral_mint = bank.create_mint(6, &anchor_spl::token::ID).await;
        World {
            bank,
            governance: Keypair::new(),
            guardian: Keypair::new(),
            collateral_mint,
            feeds: std::array::from_fn(|_| Pubkey::new_unique()),
            chainlink_rounds: [1_000; 5],
            margin_accounts: Vec::new(),
        }
    }

    /// `new`, then the exchange and SOL-PERP, with every feed published at SOL = $150,
    /// USDC = $1 and one `update_risk` done.
    pub async fn with_sol_market() -> World {
        let mut w = World::new().await;
        w.initialize_exchange().await.expect("initialize_exchange");
        w.create_sol_market().await.expect("create_market");
        w.publish_all(15_000_000_000, 100_000_000).await;
        w.update_risk().await.expect("update_risk");
        w
    }

    /// The account of `feed`.
    pub fn feed(&self, feed: Feed) -> Pubkey {
        self.feeds[feed as usize]
    }

    /// SOL-PERP's sources, in configured order.
    pub fn sol_sources(&self) -> Vec<OracleSourceArgs> {
        vec![
            source(
                OracleKind::PythPull,
                PROVIDER_PYTH,
                self.feed(Feed::PythSol),
                PYTH_RECEIVER,
                PYTH_SOL_FEED,
            ),
            source(
                OracleKind::SwitchboardOnDemand,
                PROVIDER_SWITCHBOARD,
                self.feed(Feed::SwitchboardSol),
                SWITCHBOARD_ON_DEMAND,
                SWITCHBOARD_SOL_FEED,
            ),
            source(
                OracleKind::Chainlink,
                PROVIDER_CHAINLINK,
                self.feed(Feed::ChainlinkSol),
                CHAINLINK_STORE,
                [0; 32],
            ),
        ]
    }

    /// The collateral's sources, in configured order.
    pub fn usdc_sources(&self) -> Vec<OracleSourceArgs> {
        vec![
            source(
                OracleKind::PythPull,
                PROVIDER_PYTH,
                self.feed(Feed::PythUsdc),
                PYTH_RECEIVER,
                PYTH_USDC_FEED,
            ),
            source(
                OracleKind::Chainlink,
                PROVIDER_CHAINLINK,
                self.feed(Feed::ChainlinkUsdc),
                CHAINLINK_STORE,
                [0; 32],
            ),
        ]
    }

    /// Arguments of the standard `initialize_exchange` (USDC quorum 1 of Pyth + Chainlink).
    pub fn exchange_args(&self) -> InitializeExchangeArgs {
        InitializeExchangeArgs {
            governance: self.governance.pubkey(),
            guardian: self.guardian.pubkey(),
            collateral_oracle: collateral_side(self.usdc_sources(), 1),
            pool_withdraw_delay_secs: POOL_WITHDRAW_DELAY_SECS,
            max_pnl_to_pool_ppm: MAX_PNL_TO_POOL_PPM,
            unstake_cooldown_secs: UNSTAKE_COOLDOWN_SECS,
            max_pause_secs: MAX_PAUSE_SECS,
            guardian_window_secs: GUARDIAN_WINDOW_SECS,
            guardian_max_actions: GUARDIAN_MAX_ACTIONS,
            timelock_secs: TIMELOCK_SECS,
            grace_secs: GRACE_SECS,
        }
    }

    /// Arguments of the standard SOL-PERP listing (quorum 2 of 3 providers).
    pub fn sol_market_args(&self) -> CreateMarketArgs {
        CreateMarketArgs {
            index: SOL_PERP,
            symbol: symbol("SOL-PERP"),
            oracle: asset_side(self.sol_sources(), 2),
            params: market_params(),
        }
    }

    /// Sends `initialize_exchange` signed by the upgrade authority.
    pub async fn initialize_exchange(&mut self) -> Result<(), BanksClientError> {
        let args = self.exchange_args();
        self.initialize_exchange_with(args).await
    }

    /// Sends `initialize_exchange` with `args`, signed by the upgrade authority.
    pub async fn initialize_exchange_with(
        &mut self,
        args: InitializeExchangeArgs,
    ) -> Result<(), BanksClientError> {
        let auth = self.bank.upgrade_authority.insecure_clone();
        let ix = ix::initialize_exchange(auth.pubkey(), self.collateral_mint, args);
        self.bank.send(&[ix], &[&auth]).await
    }

    /// Lists SOL-PERP, signed by governance.
    pub async fn create_sol_market(&mut self) -> Result<(), BanksClientError> {
        let args = self.sol_market_args();
        self.create_market_with(&self.governance.insecure_clone(), args)
            .await
    }

    /// Sends `create_market` with `args`, signed by `signer` as governance.
    pub async fn create_market_with(
        &mut self,
        signer: &Keypair,
        args: CreateMarketArgs,
    ) -> Result<(), BanksClientError> {
        self.create_market_in(signer, 0, args).await
    }

    /// Sends `create_market` with `args` into risk pool `pool`, signed by `signer` as
    /// governance.
    pub async fn create_market_in(
        &mut self,
        signer: &Keypair,
        pool: u16,
        args: CreateMarketArgs,
    ) -> Result<(), BanksClientError> {
        let payer = self.bank.payer();
        let ix = ix::create_market(signer.pubkey(), payer.pubkey(), pool, args);
        self.bank.send(&[ix], &[signer]).await
    }

    /// `update_risk` for SOL-PERP with the configured oracle accounts.
    pub async fn update_risk(&mut self) -> Result<(), BanksClientError> {
        let ix = self.update_risk_ix();
        self.bank.send(&[ix], &[]).await
    }

    /// The `update_risk` instruction with the configured oracle accounts, in order.
    pub fn update_risk_ix(&self) -> anchor_lang::solana_program::instruction::Instruction {
        let sol: Vec<Pubkey> = self.sol_sources().iter().map(|s| s.account).collect();
        let usdc: Vec<Pubkey> = self.usdc_sources().iter().map(|s| s.account).collect();
        ix::update_risk(SOL_PERP, &sol, &usdc)
    }

    /// Publishes `price_e8` (USD at 1e-8) on `feed` at the current slot and clock, with a
    /// confidence of 0.05% (Pyth, Switchboard std-dev; Chainlink has none).
    pub async fn publish(&mut self, feed: Feed, price_e8: i64) {
        let clock = self.bank.clock().await;
        self.publish_at(feed, price_e8, clock.unix_timestamp, clock.slot);
    }

    /// Publishes `price_e8` on `feed` as of `publish_time` and `slot` (`quote::quote_bytes`).
    pub fn publish_at(&mut self, feed: Feed, price_e8: i64, publish_time: i64, slot: u64) {
        let (kind, id) = match feed {
            Feed::PythSol => (OracleKind::PythPull, PYTH_SOL_FEED),
            Feed::PythUsdc => (OracleKind::PythPull, PYTH_USDC_FEED),
            Feed::SwitchboardSol => (OracleKind::SwitchboardOnDemand, SWITCHBOARD_SOL_FEED),
            Feed::ChainlinkSol | Feed::ChainlinkUsdc => (OracleKind::Chainlink, [0; 32]),
        };
        self.chainlink_rounds[feed as usize] += 1;
        let round = self.chainlink_rounds[feed as usize];
        let data = bulwark_sdk::quote::quote_bytes(kind, id, price_e8, publish_time, slot, round);
        self.set_feed_bytes(feed, feed.owner(), data);
    }

    /// Replaces `feed`'s account with `data` owned by `owner` (closed feeds, foreign formats).
    pub fn set_feed_bytes(&mut self, feed: Feed, owner: Pubkey, data: Vec<u8>) {
        let key = self.feed(feed);
        self.bank.set_account(&key, &owner, data);
    }

    /// Publishes SOL at `sol_e8` on its three feeds and USDC at `usdc_e8` on both, now.
    pub async fn publish_all(&mut self, sol_e8: i64, usdc_e8: i64) {
        let clock = self.bank.clock().await;
        for f in [Feed::PythSol, Feed::SwitchboardSol, Feed::ChainlinkSol] {
            self.publish_at(f, sol_e8, clock.unix_timestamp, clock.slot);
        }
        for f in [Feed::PythUsdc, Feed::ChainlinkUsdc] {
            self.publish_at(f, usdc_e8, clock.unix_timestamp, clock.slot);
        }
    }

    /// Exchange PDA.
    pub fn exchange_key(&self) -> Pubkey {
        pda::exchange().0
    }
}

/// A participant: a keypair with SOL for fees, a collateral token account and (for traders)
/// margin account number 0, in risk pool `pool`.
pub struct Participant {
    pub key: Keypair,
    pub token: Pubkey,
    pub margin: Pubkey,
    pub pool: u16,
}

impl Participant {
    /// The same participant (its key copied).
    pub fn duplicate(&self) -> Participant {
        Participant {
            key: self.key.insecure_clone(),
            token: self.token,
            margin: self.margin,
            pool: self.pool,
        }
    }

    /// Its margin account as collateral instructions name it.
    pub fn account_ref(&self) -> ix::AccountRef {
        ix::AccountRef {
            address: self.margin,
            pool: self.pool,
        }
    }
}

impl World {
    /// A funded participant holding `usdc` collateral units in a token account, with margin
    /// account 0 created.
    pub async fn participant(&mut self, usdc: u64) -> Participant {
        self.participant_with_key(Keypair::new(), usdc).await
    }

    /// As [`World::participant`], with a chosen key.
    pub async fn participant_with_key(&mut self, key: Keypair, usdc: u64) -> Participant {
        self.participant_in_pool(key, usdc, 0).await
    }

    /// As [`World::participant`], with a chosen key and margin account 0 in risk pool `pool`.
    pub async fn participant_in_pool(&mut self, key: Keypair, usdc: u64, pool: u16) -> Participant {
        self.bank.fund(&key.pubkey(), 10_000_000_000).await;
        let token = self
            .bank
            .create_token_account(&self.collateral_mint.clone(), &key.pubkey())
            .await;
        if usdc > 0 {
            self.bank
                .mint_to(&self.collateral_mint.clone(), &token, usdc)
                .await;
        }
        self.bank
            .send(&[ix::create_margin_account(key.pubkey(), 0, pool)], &[&key])
            .await
            .expect("create margin account");
        let margin = pda::margin_account(&key.pubkey(), 0).0;
        self.margin_accounts.push(margin);
        Participant {
            key,
            token,
            margin,
            pool,
        }
    }

    /// The decoded margin account.
    pub async fn margin(&mut self, account: &Pubkey) -> bulwark::state::MarginAccount {
        let acc = self
            .bank
            .account(account)
            .await
            .expect("margin account exists");
        bulwark_sdk::accounts::margin_account(&acc.data).expect("margin account decodes")
    }

    /// Markets of `account`'s open positions, ascending, except `skip`.
    pub async fn health_markets(&mut self, account: &Pubkey, skip: Option<u16>) -> Vec<Pubkey> {
        let m = self.margin(account).await;
        let (open, n) = m.open_markets();
        open[..n]
            .iter()
            .filter(|i| Some(**i) != skip)
            .map(|i| pda::market(*i).0)
            .collect()
    }

    /// Deposits `amount` into `p`'s margin account.
    pub async fn deposit(&mut self, p: &Participant, amount: u64) -> Result<(), BanksClientError> {
        let ix = ix::deposit(p.key.pubkey(), p.account_ref(), p.token, amount);
        self.bank.send(&[ix], &[&p.key]).await
    }

    /// Withdraws `amount` from `p`'s margin account to its token account.
    pub async fn withdraw(&mut self, p: &Participant, amount: u64) -> Result<(), BanksClientError> {
        let markets = self.health_markets(&p.margin, None).await;
        let ix = ix::withdraw(p.key.pubkey(), p.account_ref(), p.token, amount, &markets);
        self.bank.send(&[ix], &[&p.key]).await
    }

    /// Trades `delta` base atoms of SOL-PERP for `p`, no worse than `limit`.
    pub async fn trade(
        &mut self,
        p: &Participant,
        delta: i64,
        limit: u64,
    ) -> Result<(), BanksClientError> {
        self.trade_in(p, SOL_PERP, delta, limit).await
    }

    /// Trades `delta` base atoms of market `index` for `p`, passing the markets of `p`'s
    /// other open positions for the health check.
    pub async fn trade_in(
        &mut self,
        p: &Participant,
        index: u16,
        delta: i64,
        limit: u64,
    ) -> Result<(), BanksClientError> {
        let markets = self.health_markets(&p.margin, Some(index)).await;
        let market = ix::MarketRef {
            index,
            pool: self.bank.market(index).await.pool,
        };
        let ix = ix::trade(p.key.pubkey(), p.margin, market, delta, limit, &markets);
        self.bank.send(&[ix], &[&p.key]).await
    }

    /// Lists market `index` priced by the same feeds as SOL-PERP, with `edit` applied to the
    /// standard arguments, and sets its open-interest caps (see
    /// [`World::set_open_interest_caps_directly`]).
    pub async fn create_market_like_sol(
        &mut self,
        index: u16,
        edit: impl FnOnce(&mut CreateMarketArgs),
    ) -> Result<(), BanksClientError> {
        let mut args = self.sol_market_args();
        args.index = index;
        args.symbol = symbol(&format!("SOL{index}-PERP"));
        edit(&mut args);
        let gov = self.governance.insecure_clone();
        self.create_market_with(&gov, args).await
    }

    /// Sweeps SOL-PERP's sub-ledgers.
    pub async fn sweep(&mut self) -> Result<(), BanksClientError> {
        self.bank.send(&[ix::sweep(SOL_PERP)], &[]).await
    }

    /// Moves one slot and one second on, republishes every feed at SOL = `sol_e8`,
    /// USDC = $1 and refreshes every market (increases need a same-slot aggregate).
    pub async fn refresh(&mut self, sol_e8: i64) {
        self.bank.advance(1, 1).await;
        self.publish_all(sol_e8, 100_000_000).await;
        let count = self.bank.exchange().await.market_count;
        let sol: Vec<Pubkey> = self.sol_sources().iter().map(|s| s.account).collect();
        let usdc: Vec<Pubkey> = self.usdc_sources().iter().map(|s| s.account).collect();
        let ixs: Vec<_> = (0..count)
            .map(|i| ix::update_risk(i, &sol, &usdc))
            .collect();
        for chunk in ixs.chunks(4) {
            self.bank.send(chunk, &[]).await.expect("update_risk");
        }
    }

    /// Sets SOL-PERP's open-interest caps by writing the market account directly. A harness
    /// shortcut standing in for governance's timelocked cap raise (not built yet): markets list
    /// with zero caps and no instruction raises them today.
    pub async fn set_open_interest_caps_directly(&mut self, index: u16, long: u64, short: u64) {
        let key = pda::market(index).0;
        let mut acc = self.bank.account(&key).await.expect("market exists");
        let mut m = bulwark_sdk::accounts::market(&acc.data).expect("market decodes");
        m.params.trade.open_interest_cap_long = long;
        m.params.trade.open_interest_cap_short = short;
        acc.data[8..8 + std::mem::size_of::<bulwark::state::Market>()]
            .copy_from_slice(bytemuck::bytes_of(&m));
        self.bank.set_account(&key, &bulwark::ID, acc.data);
    }

    /// Raises market `index`'s open-interest caps the way governance must: two queued changes,
    /// the timelock waited out, then executed (by anyone). Moves the clock by the timelock.
    pub async fn raise_caps_through_governance(
        &mut self,
        index: u16,
        long: u64,
        short: u64,
    ) -> Result<(), BanksClientError> {
        use bulwark_engine::governance::MarketParam;
        let mut ids = Vec::new();
        for (param, value) in [
            (MarketParam::OpenInterestCapLong, long),
            (MarketParam::OpenInterestCapShort, short),
        ] {
            let action = bulwark::state::ProposalAction::MarketParam {
                market_index: index,
                param,
                value,
            };
            ids.push(self.queue_proposal(action).await?);
        }
        let timelock = self.bank.exchange().await.timelock_secs as i64;
        self.bank.advance(10, timelock).await;
        for id in ids {
            self.bank
                .send(&[ix::execute_proposal(id, Some(index))], &[])
                .await?;
        }
        Ok(())
    }

    /// The vault's token balance.
    pub async fn vault_balance(&mut self) -> u64 {
        self.bank.token_balance(&pda::vault().0).await
    }

    /// The named buckets the vault backs, summed by the engine's conservation identity
    /// (`conservation::vault_backs`, the sum `check_invariant` compares with the vault), over
    /// every market, pool and fund.
    pub async fn bucket_total(&mut self) -> i128 {
        let ex = self.bank.exchange().await;
        let mut markets = Vec::new();
        for i in 0..ex.market_count {
            let m = self.bank.market(i).await;
            markets.push((m.ledgers, m.book.impact_ledger));
        }
        let mut venue = bulwark_engine::conservation::VenueBuckets {
            protocol_fees: ex.protocol_fees,
            ..Default::default()
        };
        for p in 0..ex.pool_count {
            let pool = self.pool_at(p).await;
            venue.deposits_net += pool.deposits_net;
            venue.pool_capital += pool.capital;
            venue.insurance_balance += self.insurance_fund_at(p).await.balance;
        }
        use bulwark_engine::conservation::{markets_total, vault_backs};
        vault_backs(&venue, markets_total(markets))
    }
}
