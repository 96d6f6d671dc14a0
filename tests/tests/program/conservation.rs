//! Conservation, as a property of the real program: randomised multi-user sequences of
//! deposits, trades, price moves, withdrawals, pool deposits and withdrawals and sweeps, over
//! 20 seeds of 300 steps each (`BULWARK_CONSERVATION_SEEDS` / `_STEPS` to change). After every
//! instruction, succeeded or refused, the vault balance equals the sum of the named buckets
//! exactly, and the collateral bucket equals the sum over every margin account.

use bulwark_sdk::params::POOL_WITHDRAW_DELAY_SECS;
use bulwark_testkit::world::Participant;
use bulwark_tests::*;

struct Run {
    w: World,
    traders: Vec<Participant>,
    lps: Vec<Participant>,
    price_e8: i64,
    ok: u64,
    refused: u64,
}

impl Run {
    async fn check(&mut self, seed: u64, step: u64, what: &str) {
        let accounts: Vec<_> = self
            .traders
            .iter()
            .chain(self.lps.iter())
            .map(|p| p.margin)
            .collect();
        let vault = self.w.vault_balance().await as i128;
        let buckets = self.w.bucket_total().await;
        assert_eq!(
            vault, buckets,
            "seed {seed} step {step} after {what}: vault vs buckets"
        );
        assert_books_balance(&mut self.w, &accounts).await;
    }

    fn count<T, E>(&mut self, r: Result<T, E>) {
        if r.is_ok() {
            self.ok += 1;
        } else {
            self.refused += 1;
        }
    }
}

async fn run_seed(seed: u64, steps: u64) -> (u64, u64) {
    let mut rng = Rng(seed);
    let (mut w, lp0) = venue().await;
    let mut traders = Vec::new();
    for _ in 0..3 {
        traders.push(w.participant(50_000 * USDC).await);
    }
    let lp1 = w.participant(200_000 * USDC).await;
    let mut run = Run {
        w,
        traders,
        lps: vec![lp0, lp1],
        price_e8: 150 * USD,
        ok: 0,
        refused: 0,
    };
    run.check(seed, 0, "setup").await;
    for step in 1..=steps {
        let what = run.random_step(&mut rng).await;
        run.check(seed, step, what).await;
    }
    (run.ok, run.refused)
}

impl Run {
    /// One random step drawn from `rng`: a trader's deposit, withdrawal or trade, a price
    /// move, an LP's pool step or a sweep. Returns what it was.
    async fn random_step(&mut self, rng: &mut Rng) -> &'static str {
        let t = rng.below(self.traders.len() as u64) as usize;
        match rng.below(10) {
            0 | 1 => {
                let amount = 1 + rng.below(5_000 * USDC);
                let r = self.w.deposit(&self.traders[t], amount).await;
                self.count(r);
                "deposit"
            }
            2 => {
                let amount = 1 + rng.below(3_000 * USDC);
                let r = self.w.withdraw(&self.traders[t], amount).await;
                self.count(r);
                "withdraw"
            }
            3..=5 => {
                let lots = rng.below(40_000) as i64 - 20_000; // ±20 SOL in 0.001 lots
                let delta = lots * 1_000_000;
                let limit = if delta > 0 { 1_000 * PRICE } else { 0 };
                let r = self.w.trade(&self.traders[t], delta, limit).await;
                self.count(r);
                "trade"
            }
            6 => {
                let moved = self.price_e8 as i128 * (970 + rng.below(61) as i128) / 1_000;
                self.price_e8 = moved as i64;
                let slots = 1 + rng.below(40);
                self.w.bank.advance(slots, slots as i64 / 2).await;
                self.w.refresh(self.price_e8).await;
                "price move"
            }
            choice @ (7 | 8) => self.random_pool_step(choice == 7, rng).await,
            _ => {
                let r = self.w.sweep().await;
                self.count(r);
                "sweep"
            }
        }
    }

    /// A random LP's pool step: a deposit (`deposit`), else a withdrawal request for part of
    /// its shares or, half the time or when it holds none, a withdrawal after the delay.
    async fn random_pool_step(&mut self, deposit: bool, rng: &mut Rng) -> &'static str {
        let lp = rng.below(2) as usize;
        if deposit {
            let amount = 1 + rng.below(20_000 * USDC);
            let r = self.w.pool_deposit(&self.lps[lp], amount).await;
            self.count(r);
            return "pool deposit";
        }
        let held = match self
            .w
            .bank
            .account(&bulwark_sdk::pda::lp_account(0, &self.lps[lp].key.pubkey()).0)
            .await
        {
            Some(_) => self.w.lp(&self.lps[lp]).await.shares(),
            None => 0,
        };
        if held > 0 && rng.below(2) == 0 {
            let r = self
                .w
                .pool_request_withdraw(&self.lps[lp], 1 + rng.below_wide(held))
                .await;
            self.count(r);
            "pool request"
        } else {
            self.w
                .bank
                .advance(5, POOL_WITHDRAW_DELAY_SECS as i64)
                .await;
            self.w.refresh(self.price_e8).await;
            let r = self.w.pool_withdraw(&self.lps[lp]).await;
            self.count(r);
            "pool withdraw"
        }
    }
}

#[tokio::test]
async fn the_vault_equals_the_named_buckets_after_every_instruction_over_random_sequences() {
    let seeds = env_or("BULWARK_CONSERVATION_SEEDS", 20);
    let steps = env_or("BULWARK_CONSERVATION_STEPS", 300);
    let (mut ok, mut refused) = (0, 0);
    for seed in 1..=seeds {
        let (o, r) = run_seed(seed, steps).await;
        ok += o;
        refused += r;
    }
    eprintln!("conservation: {seeds} seeds x {steps} steps, {ok} instructions succeeded, {refused} refused");
    assert!(
        ok > seeds * steps / 4,
        "the sequences must mostly do things: {ok} ok, {refused} refused"
    );
}

use solana_sdk::signature::Signer;
