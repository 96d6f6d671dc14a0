//! The economic fuzzer's actors: one random step at a time, by the market (price walk, gaps,
//! time), the honest traders, LPs and stakers, and the adversary.

use anchor_lang::prelude::Pubkey;
use bulwark_sdk::params::{POOL_WITHDRAW_DELAY_SECS, UNSTAKE_COOLDOWN_SECS};
use bulwark_sdk::{ix, pda};
use bulwark_testkit::world::Participant;
use bulwark_tests::*;
use solana_program_test::BanksClientError;
use solana_sdk::signature::Signer;

use bulwark::state::{MarginAccount, Market};
use bulwark_keeper::rules::{is_bankrupt, maintenance_free};
use bulwark_sdk::preview::PreviewClock;

use super::{clone_of, Act, Run, SPLITS};

fn liquidatable(a: &MarginAccount, m: &[Market], at: &PreviewClock) -> bool {
    maintenance_free(a, m, at).is_some_and(|f| f < 0)
}

impl Run {
    /// One random step: returns what it engages and a description for the trail.
    pub(super) async fn act(&mut self) -> (Act, String) {
        match self.rng.below(100) {
            0..=19 => self.market_move().await,
            20..=44 => self.honest().await,
            45..=51 => {
                let h = self.rng.below(3) as usize;
                self.pool_step(h).await
            }
            52..=57 => {
                let h = self.rng.below(3) as usize;
                self.stake_step(h).await
            }
            _ => self.adversary().await,
        }
    }

    async fn market_move(&mut self) -> (Act, String) {
        let r = self.rng.below(20);
        let (slots, secs) = match r {
            0..=11 => {
                let walk = 970 + self.rng.below(61) as i64 + (150 * USD - self.price_e8) / USD / 5;
                self.price_e8 = self.price_e8 * walk / 1_000;
                (1 + self.rng.below(30), 1 + self.rng.below(20) as i64)
            }
            12..=15 => {
                let gap = if self.price_e8 > 120 * USD {
                    880 + self.rng.below(71)
                } else {
                    1_060
                };
                self.price_e8 = self.price_e8 * gap as i64 / 1_000;
                (2, 1)
            }
            _ => {
                let secs = [
                    30,
                    700,
                    POOL_WITHDRAW_DELAY_SECS as i64 + 60,
                    UNSTAKE_COOLDOWN_SECS as i64 + 60,
                    2 * 86_400 + 7_200,
                ];
                let s = secs[self.rng.below(secs.len() as u64) as usize];
                (1 + s as u64 / 4, s)
            }
        };
        self.w.bank.advance(slots, secs).await;
        self.w.refresh(self.price_e8).await;
        (
            Act::Market,
            format!(
                "market: SOL {} after {slots} slots, {secs} s",
                self.price_e8 / USD
            ),
        )
    }

    /// A trade of `delta` for `p` with a loose limit.
    async fn trade(&mut self, p: &Participant, delta: i64) -> Result<(), BanksClientError> {
        let limit = if delta > 0 { 1_000 * PRICE } else { 0 };
        self.w.trade(p, delta, limit).await
    }

    async fn honest(&mut self) -> (Act, String) {
        let t = self.rng.below(self.traders.len() as u64) as usize;
        let p = clone_of(&self.traders[t], self.traders[t].margin);
        let (act, what, r) = match self.rng.below(6) {
            0 => {
                let amount = 1 + self.rng.below(1_000 * USDC);
                (
                    Act::Other,
                    format!("trader {t} deposits {amount}"),
                    self.w.deposit(&p, amount).await,
                )
            }
            1 => {
                let amount = 1 + self.rng.below(3_000 * USDC);
                (
                    Act::Other,
                    format!("trader {t} withdraws {amount}"),
                    self.w.withdraw(&p, amount).await,
                )
            }
            2..=4 => {
                let delta = (self.rng.below(120_000) as i64 - 60_000) * 1_000_000;
                (
                    Act::Other,
                    format!("trader {t} trades {delta}"),
                    self.trade(&p, delta).await,
                )
            }
            _ => {
                let target = self.target(liquidatable).await;
                let (act, r) = self.liquidate(&p, p.margin, target, u64::MAX).await;
                (act, format!("trader {t} liquidates {target}"), r)
            }
        };
        self.settle(act, what, r)
    }

    /// Three times in four an account for which `want` holds (if any), else any account.
    async fn target(
        &mut self,
        want: fn(&MarginAccount, &[Market], &PreviewClock) -> bool,
    ) -> Pubkey {
        if self.rng.below(4) != 0 {
            let m = [self.w.bank.market(SOL_PERP).await];
            let at = preview_clock(&mut self.w).await;
            let mut hits = Vec::new();
            for k in self.w.margin_accounts.clone() {
                if want(&self.w.margin(&k).await, &m, &at) {
                    hits.push(k);
                }
            }
            if !hits.is_empty() {
                return hits[self.rng.below(hits.len() as u64) as usize];
            }
        }
        self.any_account()
    }

    fn any_account(&mut self) -> Pubkey {
        let all = &self.w.margin_accounts;
        all[self.rng.below(all.len() as u64) as usize]
    }

    async fn liquidate(
        &mut self,
        keeper: &Participant,
        reward_to: Pubkey,
        target: Pubkey,
        max_base: u64,
    ) -> (Act, Result<(), BanksClientError>) {
        let others = self.w.health_markets(&target, Some(SOL_PERP)).await;
        let ix = ix::liquidate(
            keeper.key.pubkey(),
            reward_to,
            target,
            SOL_PERP,
            max_base,
            &others,
        );
        let r = self.w.bank.send(&[ix], &[&keeper.key]).await;
        (Act::Liquidate { target, reward_to }, r)
    }
}

impl Run {
    async fn pool_step(&mut self, h: usize) -> (Act, String) {
        let p = clone_of(&self.lp_holders[h], self.lp_holders[h].margin);
        let count = self.w.bank.exchange().await.market_count;
        let (what, r) = match self.rng.below(3) {
            0 => {
                let amount = 1 + self.rng.below(20_000 * USDC);
                (
                    format!("LP {h} deposits {amount}"),
                    self.w.pool_deposit(&p, amount).await,
                )
            }
            1 => {
                let key = pda::lp_account(0, &p.key.pubkey()).0;
                let held = match self.w.bank.account(&key).await {
                    Some(_) => self.w.lp(&p).await.shares(),
                    None => 0,
                };
                let shares = 1 + self.rng.below_wide(held.max(1));
                let r = self.w.pool_request_withdraw(&p, shares).await;
                (format!("LP {h} requests {shares} of {held}"), r)
            }
            _ => {
                let ix = ix::pool_withdraw(p.key.pubkey(), p.token, count);
                (
                    format!("LP {h} withdraws"),
                    self.w.bank.send(&[ix], &[&p.key]).await,
                )
            }
        };
        self.settle(Act::Pool(h), what, r)
    }

    async fn stake_step(&mut self, h: usize) -> (Act, String) {
        let p = clone_of(&self.stakers[h], self.stakers[h].margin);
        let owner = p.key.pubkey();
        let count = self.w.bank.exchange().await.market_count;
        let (act, what, r) = match self.rng.below(3) {
            0 => {
                let amount = 1 + self.rng.below(10_000 * USDC);
                let r = self
                    .w
                    .bank
                    .send(&[ix::if_stake(owner, p.token, amount, 0)], &[&p.key])
                    .await;
                (Act::Stake(h), format!("staker {h} stakes {amount}"), r)
            }
            1 => {
                let acc = self.w.bank.account(&pda::stake_account(0, &owner).0).await;
                let held = acc.map_or(0, |a| {
                    bulwark_sdk::accounts::stake_account(&a.data)
                        .unwrap()
                        .shares()
                });
                let shares = 1 + self.rng.below_wide(held.max(1));
                let r = self
                    .w
                    .bank
                    .send(&[ix::if_request_unstake(owner, shares, 0)], &[&p.key])
                    .await;
                (
                    Act::Stake(h),
                    format!("staker {h} requests {shares} of {held}"),
                    r,
                )
            }
            _ => {
                let before = self.w.bank.token_balance(&p.token).await;
                let r = self
                    .w
                    .bank
                    .send(&[ix::if_unstake(owner, p.token, count)], &[&p.key])
                    .await;
                let got = self.w.bank.token_balance(&p.token).await - before;
                (
                    Act::Unstake(h, got),
                    format!("staker {h} unstakes ({got})"),
                    r,
                )
            }
        };
        self.settle(act, what, r)
    }

    /// The adversary's size for account `i`: tiny (about the minimum notional) or 2-10x its
    /// equity, either side.
    async fn adversary_size(&mut self, i: usize) -> i64 {
        let sign = if self.rng.below(2) == 0 { 1 } else { -1 };
        let lots = if self.rng.below(2) == 0 {
            80 + self.rng.below(120) as i64 // 0.08 - 0.2 SOL
        } else {
            let equity = mark_equity(&mut self.w, &self.adv[i].margin).await.max(0) as i64;
            (equity as i128 * 12 * 100_000 / self.price_e8 as i128) as i64
                + self.rng.below(50) as i64
        };
        sign * lots * 1_000_000
    }

    async fn adversary(&mut self) -> (Act, String) {
        let i = self.rng.below(SPLITS as u64) as usize;
        let p = clone_of(&self.adv[i], self.adv[i].margin);
        let (act, what, r) = match self.rng.below(12) {
            0 | 1 => {
                let amount = 1 + self.rng.below(2_000 * USDC);
                (
                    Act::Other,
                    format!("adv {i} deposits {amount}"),
                    self.w.deposit(&p, amount).await,
                )
            }
            2 => {
                let amount = 1 + self.rng.below(2_000 * USDC);
                (
                    Act::Other,
                    format!("adv {i} withdraws {amount}"),
                    self.w.withdraw(&p, amount).await,
                )
            }
            3..=5 => {
                let delta = self.adversary_size(i).await;
                (
                    Act::Other,
                    format!("adv {i} trades {delta}"),
                    self.trade(&p, delta).await,
                )
            }
            6..=8 => {
                let target = self.target(liquidatable).await;
                let lot = self.w.bank.market(SOL_PERP).await.params.trade.lot_base;
                let choices = [1, lot, 1 + self.rng.below(50 * SOL as u64), u64::MAX];
                let max_base = choices[self.rng.below(4) as usize];
                let (act, r) = self.liquidate(&p, p.margin, target, max_base).await;
                (
                    act,
                    format!("adv liquidates {target} for adv {i}, max {max_base}"),
                    r,
                )
            }
            9 => {
                let target = self.target(|a, _, _| is_bankrupt(a)).await;
                let r = self
                    .w
                    .bank
                    .send(&[ix::resolve_bankruptcy(target, SOL_PERP)], &[])
                    .await;
                (Act::Resolve { target }, format!("adv resolves {target}"), r)
            }
            10 => {
                let target = self.any_account();
                let max_base = 1 + self.rng.below(50 * SOL as u64);
                let ix = ix::auto_deleverage(target, SOL_PERP, max_base);
                (
                    Act::Other,
                    format!("adv deleverages {target} by {max_base}"),
                    self.w.bank.send(&[ix], &[]).await,
                )
            }
            _ => {
                if self.rng.below(2) == 0 {
                    (Act::Sweep, "adv sweeps".into(), self.w.sweep().await)
                } else {
                    let ix = ix::check_insurance_breaker(SOL_PERP);
                    (
                        Act::Other,
                        "adv checks the insurance breaker".into(),
                        self.w.bank.send(&[ix], &[]).await,
                    )
                }
            }
        };
        self.settle(act, what, r)
    }
}
