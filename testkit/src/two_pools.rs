//! A venue of two risk pools, as the risk-pool and stress-signal tests use it: pool 0, the
//! blue-chip pool, cross-margins three markets priced by the world's SOL feeds (0 SOL-PERP,
//! 1 and 2 alike); pool 1, the long-tail pool, backs one market (3, LUNA-PERP) priced by its
//! own Pyth feed. Each pool has its own LP and its own staker.

use crate::world::Participant;
use anchor_lang::prelude::Pubkey;
use bulwark::instructions::common::pool_init::PoolArgs;
use bulwark::instructions::CreateMarketArgs;
use bulwark::oracle::OracleKind;
use bulwark::state::{InsuranceFund, LiquidityPool, MarginAccount};
use bulwark_sdk::oracle_accounts::PYTH_RECEIVER;
use bulwark_sdk::params::*;
use bulwark_sdk::{ix, pda};
use solana_sdk::signature::{Keypair, Signer};

use crate::world::{World, SOL_PERP};

/// 1e-8 USD per whole unit (the feeds' mantissa scale), one USDC (6 decimals), one SOL or
/// LUNA in base atoms.
const USD: i64 = 100_000_000;
const USDC: u64 = 1_000_000;
const BASE: u64 = 1_000_000_000;

/// The long-tail pool.
pub const LONG_TAIL: u16 = 1;
/// The long-tail pool's only market.
pub const LUNA: u16 = 3;
/// The blue-chip pool's markets.
pub const BLUE_CHIPS: [u16; 3] = [SOL_PERP, 1, 2];
/// LUNA's Pyth feed id (made up: the feed exists only in this bank).
pub const PYTH_LUNA_FEED: [u8; 32] = [0x4c; 32];

/// The two-pool venue: the world, LUNA's feed account, and each pool's LP and staker.
pub struct TwoPools {
    pub w: World,
    pub luna_feed: Pubkey,
    luna_round: u32,
    /// Each pool's LP and staker, by pool index.
    pub lps: Vec<Participant>,
    pub stakers: Vec<Participant>,
}

/// LUNA-PERP's listing: one Pyth source, quorum one, the standard parameters with
/// `window_cap` of insurance coverage a day.
fn luna_args(feed: Pubkey, window_cap: u64) -> CreateMarketArgs {
    let mut params = market_params();
    params.insurance.insurance_window_cap = window_cap;
    let pyth = source(
        OracleKind::PythPull,
        PROVIDER_PYTH,
        feed,
        PYTH_RECEIVER,
        PYTH_LUNA_FEED,
    );
    CreateMarketArgs {
        index: LUNA,
        symbol: symbol("LUNA-PERP"),
        oracle: asset_side(vec![pyth], 1),
        params,
    }
}

impl TwoPools {
    /// The venue with SOL at $150 and LUNA at $80, caps open, pool 0's LP holding 1,000,000
    /// USDC and pool 1's 100,000; pool 0's fund 10,000 USDC staked and pool 1's 1,000, LUNA's
    /// coverage capped at `luna_window_cap` a day.
    pub async fn new(luna_window_cap: u64) -> TwoPools {
        let mut w = World::with_sol_market().await;
        for i in [1, 2] {
            w.create_market_like_sol(i, |_| {})
                .await
                .expect("blue chip");
        }
        let gov = w.governance.insecure_clone();
        let payer = w.bank.payer().insecure_clone();
        let args = PoolArgs {
            withdraw_delay_secs: POOL_WITHDRAW_DELAY_SECS,
            max_pnl_to_pool_ppm: MAX_PNL_TO_POOL_PPM,
            unstake_cooldown_secs: UNSTAKE_COOLDOWN_SECS,
        };
        let create = ix::create_pool(gov.pubkey(), payer.pubkey(), LONG_TAIL, args);
        w.bank.send(&[create], &[&gov]).await.expect("create_pool");
        let luna_feed = Pubkey::new_unique();
        w.create_market_in(&gov, LONG_TAIL, luna_args(luna_feed, luna_window_cap))
            .await
            .expect("LUNA-PERP");
        for i in 0..4 {
            w.set_open_interest_caps_directly(i, 1_000_000 * BASE, 1_000_000 * BASE)
                .await;
        }
        let mut v = TwoPools {
            w,
            luna_feed,
            luna_round: 1,
            lps: Vec::new(),
            stakers: Vec::new(),
        };
        v.refresh(150 * USD, 80 * USD).await;
        for (pool, lp_usdc, stake_usdc) in [(0, 1_000_000, 10_000), (LONG_TAIL, 100_000, 1_000)] {
            let lp = v.liquidity(pool, lp_usdc * USDC).await;
            let staker = v.stake(pool, stake_usdc * USDC).await;
            v.lps.push(lp);
            v.stakers.push(staker);
        }
        v
    }

    /// An LP of `pool` holding `amount` in it.
    async fn liquidity(&mut self, pool: u16, amount: u64) -> Participant {
        let lp = self.holder(pool, amount).await;
        self.w
            .pool_deposit(&lp, amount)
            .await
            .expect("pool_deposit");
        lp
    }

    /// A staker of `pool`'s fund holding `amount` in it.
    async fn stake(&mut self, pool: u16, amount: u64) -> Participant {
        let s = self.holder(pool, amount).await;
        let ix = ix::if_stake(s.key.pubkey(), s.token, amount, pool);
        self.w.bank.send(&[ix], &[&s.key]).await.expect("if_stake");
        s
    }

    /// A participant with `usdc` in its token account and margin account 0 in `pool`.
    async fn holder(&mut self, pool: u16, usdc: u64) -> Participant {
        self.w.participant_in_pool(Keypair::new(), usdc, pool).await
    }

    /// A trader with `deposit` collateral in margin account 0 of `pool`.
    pub async fn trader_in(&mut self, pool: u16, deposit: u64) -> Participant {
        let p = self.holder(pool, deposit).await;
        if deposit > 0 {
            self.w.deposit(&p, deposit).await.expect("deposit");
        }
        p
    }

    /// `p`'s second margin account (index 1) in `pool`, holding `deposit` (minted to `p`'s
    /// token account first).
    pub async fn second_account(
        &mut self,
        p: &Participant,
        pool: u16,
        deposit: u64,
    ) -> Participant {
        let key = p.key.insecure_clone();
        let create = ix::create_margin_account(key.pubkey(), 1, pool);
        self.w
            .bank
            .send(&[create], &[&key])
            .await
            .expect("account 1");
        let margin = pda::margin_account(&key.pubkey(), 1).0;
        self.w.margin_accounts.push(margin);
        let second = Participant {
            key,
            token: p.token,
            margin,
            pool,
        };
        if deposit > 0 {
            let mint = self.w.collateral_mint;
            self.w.bank.mint_to(&mint, &second.token, deposit).await;
            self.w.deposit(&second, deposit).await.expect("deposit");
        }
        second
    }

    /// One slot and second on: SOL at `sol_e8` on its feeds, LUNA at `luna_e8` on its own,
    /// USDC at $1; every market refreshed.
    pub async fn refresh(&mut self, sol_e8: i64, luna_e8: i64) {
        self.w.bank.advance(1, 1).await;
        self.publish(sol_e8, luna_e8).await;
        let sol: Vec<Pubkey> = self.w.sol_sources().iter().map(|s| s.account).collect();
        let usdc: Vec<Pubkey> = self.w.usdc_sources().iter().map(|s| s.account).collect();
        let mut ixs: Vec<_> = BLUE_CHIPS
            .iter()
            .map(|i| ix::update_risk(*i, &sol, &usdc))
            .collect();
        ixs.push(ix::update_risk(LUNA, &[self.luna_feed], &usdc));
        for chunk in ixs.chunks(2) {
            self.w.bank.send(chunk, &[]).await.expect("update_risk");
        }
    }

    /// Publishes SOL and USDC on the world's feeds and LUNA on its own, now.
    pub async fn publish(&mut self, sol_e8: i64, luna_e8: i64) {
        self.w.publish_all(sol_e8, USD).await;
        let clock = self.w.bank.clock().await;
        self.luna_round += 1;
        let data = bulwark_sdk::quote::quote_bytes(
            OracleKind::PythPull,
            PYTH_LUNA_FEED,
            luna_e8,
            clock.unix_timestamp,
            clock.slot,
            self.luna_round,
        );
        self.w
            .bank
            .set_account(&self.luna_feed, &PYTH_RECEIVER, data);
    }

    /// Pool `pool`'s liquidity pool and insurance fund.
    pub async fn books(&mut self, pool: u16) -> (LiquidityPool, InsuranceFund) {
        (
            self.w.pool_at(pool).await,
            self.w.insurance_fund_at(pool).await,
        )
    }

    /// Every margin account of `pool` the world knows, decoded.
    pub async fn accounts_of(&mut self, pool: u16) -> Vec<(Pubkey, MarginAccount)> {
        let mut out = Vec::new();
        for k in self.w.margin_accounts.clone() {
            let a = self.w.margin(&k).await;
            if a.pool == pool {
                out.push((k, a));
            }
        }
        out
    }
}
