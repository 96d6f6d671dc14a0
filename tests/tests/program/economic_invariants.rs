//! Economic invariants, as properties of the real program: random sequences of every user
//! and permissionless instruction by three honest traders, two LPs, two insurance stakers and
//! one adversary. The adversary owns margin accounts 0..4 (account splits), an LP account and
//! a stake account; it trades tiny (about the minimum notional) and large (about 12x) sizes on
//! either side, liquidates any account (its own included) with `max_base` chosen from
//! {1, one lot, random, u64::MAX} and the reward credited to any of its accounts, and calls
//! `resolve_bankruptcy`, `auto_deleverage`, `sweep`, `check_insurance_breaker`, withdrawals,
//! LP deposit/request/withdraw and stake/request/unstake in any order. Prices walk (±3%) with
//! occasional gaps (crashes of 5-12%, rebounds) so accounts go under water; time jumps across
//! the pool's withdrawal delay, the unstake cooldown and the requests' expiry.
//!
//! After every step, succeeded or refused (`BULWARK_ECONOMIC_SEEDS` x `_STEPS`, default
//! 6 x 150; `_FIRST_SEED` to replay one), with W the adversary's wealth (tokens + signed mark
//! equity of its margin accounts, `mark_equity` + its LP shares at the pool's minimum value +
//! its stake at the fund's exit value, both through the engine's `amount_for_shares`):
//! - (a) the vault equals the named buckets, and the collateral bucket the sum over every
//!   margin account (`assert_books_balance`);
//! - (b) a `liquidate` raises the market's `insurance_debt` by at most `min_keeper_reward`, and
//!   only for an account left under water (collateral or maintenance-health equity at or below
//!   zero: the account cannot pay its keeper) whose floor was not yet paid in its
//!   episode (`liquidation.floor_paid == 0` or no liquidation in progress before the call); no other
//!   instruction raises it. The fund's `total_paid` rises only in `resolve_bankruptcy`, by at
//!   most the deficit it resolves, and the fund's balance falls by exactly that. Otherwise the
//!   balance falls only in `if_unstake` (by exactly what the staker receives) and in `sweep`
//!   (to exactly balance + insurance income − advanced rewards);
//! - (c) an instruction (anything but a price or time move) raises W by at most: the keeper
//!   rewards it credits to the adversary for liquidating OTHER actors' accounts, the change
//!   of value of the LP and stake shares the adversary held before the step, the insurance
//!   advance of a minimum reward when it liquidates its own account (bounded by (b)) and the
//!   deficit of its own account that `resolve_bankruptcy` writes off (a gap's loss the venue
//!   absorbs: the adversary's signed equity had already counted it). Price and time moves
//!   change W freely; summed, they are the price PnL (and funding) its positions earned. So at
//!   every step W − (what it put in) ≤ price and funding PnL + rewards from others + holding
//!   PnL + own top-ups + own written-off deficits, each reported at the end;
//! - (d) an LP deposit, request or withdrawal by one holder never lowers another LP's shares'
//!   value at the pool's minimum value; a stake, request or unstake never lowers another
//!   staker's shares' value at the fund's exit value (rounding favours those who stay).

use std::collections::HashMap;

use anchor_lang::prelude::Pubkey;
use bulwark::state::{InsuranceFund, LiquidityPool, Market};
use bulwark_engine::margin::{health, HealthKind};
use bulwark_engine::pool::{amount_for_shares, PoolValue};
use bulwark_sdk::preview::positions_with_markets;
use bulwark_sdk::{ix, pda};
use bulwark_testkit::world::Participant;
use bulwark_tests::*;
use solana_program_test::BanksClientError;
use solana_sdk::signature::Signer;

mod actions;

/// The adversary's margin accounts.
const SPLITS: u16 = 4;
/// Rounding allowed per step on (c), collateral units (floors in share and mark valuations).
const TOL: i128 = 4;
/// Index of the adversary among the LP and stake holders.
const ADV: usize = 2;

/// Which invariants a step's kind engages.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Act {
    /// Price or time moved (`refresh`): W changes freely.
    Market,
    Liquidate {
        target: Pubkey,
        reward_to: Pubkey,
    },
    Resolve {
        target: Pubkey,
    },
    /// An LP deposit, request or withdrawal by holder `.0`.
    Pool(usize),
    /// A stake or request by holder `.0`.
    Stake(usize),
    /// An unstake by holder `.0`, who received `.1`.
    Unstake(usize, u64),
    Sweep,
    Other,
}

/// What the invariants compare, read before and after each step.
#[derive(Clone)]
struct View {
    /// Per margin account: collateral, `liquidation.floor_paid`, `liquidation.active`, and its equity as
    /// the program's maintenance health sees it (conservative prices, unsettled funding).
    accounts: HashMap<Pubkey, (i64, u8, u8, i64)>,
    market: Market,
    fund: InsuranceFund,
    fund_exit: u64,
    pool: LiquidityPool,
    pool_value: Option<PoolValue>,
    lp_shares: Vec<u128>,
    stake_shares: Vec<u128>,
    adv_equity: i128,
    adv_tokens: u64,
}

impl View {
    fn lp_value(&self, holder: usize) -> Option<u64> {
        self.lp_value_of(self.lp_shares[holder])
    }
    fn lp_value_of(&self, shares: u128) -> Option<u64> {
        let v = self.pool_value?;
        Some(amount_for_shares(shares, self.pool.total_shares(), v.min).unwrap())
    }
    fn stake_value_of(&self, shares: u128) -> u64 {
        amount_for_shares(shares, self.fund.total_shares(), self.fund_exit).unwrap()
    }
    /// The adversary's wealth, when the pool can be valued.
    fn wealth(&self) -> Option<i128> {
        Some(
            self.adv_tokens as i128
                + self.adv_equity
                + self.lp_value(ADV)? as i128
                + self.stake_value_of(self.stake_shares[ADV]) as i128,
        )
    }
    fn collateral(&self, k: &Pubkey) -> i64 {
        self.accounts[k].0
    }
    fn health_equity(&self, k: &Pubkey) -> i64 {
        self.accounts[k].3
    }
}

/// The adversary's ledger for (c), collateral units.
#[derive(Default, Debug)]
struct Ledger {
    put_in: i128,
    /// Price and time moves: the signed equity of the adversary's margin accounts (its
    /// positions' price PnL and funding) ...
    price_pnl: i128,
    /// ... and the rest (its shares revalued, its tokens untouched).
    market_moves: i128,
    rewards_from_others: i128,
    holding: i128,
    own_top_ups: i128,
    own_written_off: i128,
    unpriced_steps: u64,
}

impl Ledger {
    fn allowed(&self) -> i128 {
        self.price_pnl
            + self.market_moves
            + self.rewards_from_others
            + self.holding
            + self.own_top_ups
            + self.own_written_off
    }
}

struct Run {
    w: World,
    rng: Rng,
    seed: u64,
    step: u64,
    traders: Vec<Participant>,
    lp_holders: Vec<Participant>,
    stakers: Vec<Participant>,
    adv: Vec<Participant>,
    price_e8: i64,
    trail: Vec<String>,
    ledger: Ledger,
    ok: u64,
    refused: u64,
}

fn clone_of(p: &Participant, margin: Pubkey) -> Participant {
    Participant {
        key: p.key.insecure_clone(),
        token: p.token,
        margin,
        pool: p.pool,
    }
}

impl Run {
    async fn new(seed: u64) -> Run {
        let (mut w, lp0) = venue().await;
        let mut traders = Vec::new();
        for _ in 0..3 {
            let t = w.participant(20_000 * USDC).await;
            w.deposit(&t, 2_000 * USDC).await.unwrap();
            traders.push(t);
        }
        let lp1 = w.participant(300_000 * USDC).await;
        w.pool_deposit(&lp1, 100_000 * USDC).await.unwrap();
        let mut stakers = Vec::new();
        for _ in 0..2 {
            let s = w.participant(60_000 * USDC).await;
            let stake = ix::if_stake(s.key.pubkey(), s.token, 30_000 * USDC, 0);
            w.bank.send(&[stake], &[&s.key]).await.unwrap();
            stakers.push(s);
        }
        let a0 = w.participant(20_000 * USDC).await;
        let mut adv = vec![clone_of(&a0, a0.margin)];
        for i in 1..SPLITS {
            let create = ix::create_margin_account(a0.key.pubkey(), i, 0);
            w.bank.send(&[create], &[&a0.key]).await.unwrap();
            let margin = pda::margin_account(&a0.key.pubkey(), i).0;
            w.margin_accounts.push(margin);
            adv.push(clone_of(&a0, margin));
        }
        let lp_holders = vec![lp0, lp1, clone_of(&a0, a0.margin)];
        stakers.push(a0);
        w.refresh(150 * USD).await;
        let mut run = Run {
            w,
            rng: Rng(seed),
            seed,
            step: 0,
            traders,
            lp_holders,
            stakers,
            adv,
            price_e8: 150 * USD,
            trail: Vec::new(),
            ledger: Ledger::default(),
            ok: 0,
            refused: 0,
        };
        run.ledger.put_in = run.w.bank.token_balance(&run.adv[0].token).await as i128;
        run
    }

    async fn view(&mut self) -> View {
        let w = &mut self.w;
        let mut accounts = HashMap::new();
        let at = preview_clock(w).await;
        let count = w.bank.exchange().await.market_count;
        let mut markets = Vec::new();
        for i in 0..count {
            markets.push(w.bank.market(i).await);
        }
        for k in w.margin_accounts.clone() {
            let a = w.margin(&k).await;
            let positions = positions_with_markets(&a, &markets, &at).unwrap();
            let equity = health(a.collateral, &positions, HealthKind::Maintenance)
                .unwrap()
                .equity;
            accounts.insert(
                k,
                (
                    a.collateral,
                    a.liquidation.floor_paid,
                    a.liquidation.active,
                    equity,
                ),
            );
        }
        let mut adv_equity = 0;
        for p in &self.adv {
            adv_equity += mark_equity(w, &p.margin).await;
        }
        let (fund, fund_exit) = fund_now(w).await;
        let mut lp_shares = Vec::new();
        for p in &self.lp_holders {
            let key = pda::lp_account(0, &p.key.pubkey()).0;
            let held = w.bank.account(&key).await.is_some();
            lp_shares.push(if held { w.lp(p).await.shares() } else { 0 });
        }
        let mut stake_shares = Vec::new();
        for p in &self.stakers {
            let acc = w
                .bank
                .account(&pda::stake_account(0, &p.key.pubkey()).0)
                .await;
            let s = acc.map(|a| {
                bulwark_sdk::accounts::stake_account(&a.data)
                    .unwrap()
                    .shares()
            });
            stake_shares.push(s.unwrap_or(0));
        }
        View {
            accounts,
            market: w.bank.market(SOL_PERP).await,
            fund,
            fund_exit,
            pool: w.pool().await,
            pool_value: pool_value_now(w).await,
            lp_shares,
            stake_shares,
            adv_equity,
            adv_tokens: w.bank.token_balance(&self.adv[0].token).await,
        }
    }

    /// Fails with the seed, the step and the recent steps.
    #[track_caller]
    fn ensure(&self, cond: bool, what: impl FnOnce() -> String) {
        if !cond {
            let from = self.trail.len().saturating_sub(40);
            panic!(
                "seed {} step {}: {}\nrecent steps:\n{}",
                self.seed,
                self.step,
                what(),
                self.trail[from..].join("\n")
            );
        }
    }

    /// Counts a step's result and describes it; a refused step engages only the checks of
    /// an ordinary instruction.
    fn settle(&mut self, act: Act, what: String, r: Result<(), BanksClientError>) -> (Act, String) {
        let code = match &r {
            Ok(()) => "ok".to_string(),
            Err(e) => custom_code(e).map_or("refused".into(), |c| {
                bulwark::error::error_name(c).unwrap_or(c.to_string())
            }),
        };
        if r.is_ok() {
            self.ok += 1;
            (act, format!("{what}: ok"))
        } else {
            self.refused += 1;
            (Act::Other, format!("{what}: {code}"))
        }
    }

    async fn check(&mut self, before: &View, act: Act) {
        let accounts = self.w.margin_accounts.clone();
        assert_books_balance(&mut self.w, &accounts).await;
        let after = self.view().await;
        self.check_insurance(before, &after, act);
        self.check_wealth(before, &after, act);
        self.check_share_values(before, &after, act);
    }

    /// (b): what the insurance fund pays and advances.
    fn check_insurance(&self, b: &View, a: &View, act: Act) {
        let floor = b.market.params.liquidation.min_keeper_reward;
        let debt_up = a
            .market
            .ledgers
            .insurance_debt
            .saturating_sub(b.market.ledgers.insurance_debt);
        if let Act::Liquidate { target, .. } = act {
            let (_, floor_paid, in_liq, _) = b.accounts[&target];
            self.ensure(debt_up <= floor, || {
                format!("advanced {debt_up} > floor {floor}")
            });
            self.ensure(
                debt_up == 0
                    || ((a.collateral(&target) <= 0 || a.health_equity(&target) <= 0)
                        && (floor_paid == 0 || in_liq == 0)),
                || {
                    format!(
                        "advanced {debt_up} for {target}: {:?} -> {:?}",
                        b.accounts[&target], a.accounts[&target]
                    )
                },
            );
        } else if act != Act::Sweep {
            self.ensure(debt_up == 0, || format!("insurance debt rose by {debt_up}"));
        }
        let paid = a.fund.total_paid as i128 - b.fund.total_paid as i128;
        let fell = b.fund.balance as i128 - a.fund.balance as i128;
        match act {
            Act::Resolve { target } => {
                let deficit = (-b.collateral(&target)).max(0) as i128;
                self.ensure((0..=deficit).contains(&paid), || {
                    format!("paid {paid} for a deficit of {deficit}")
                });
                self.ensure(fell == paid, || {
                    format!("balance fell {fell}, total_paid rose {paid}")
                });
            }
            Act::Unstake(_, received) => {
                self.ensure(paid == 0 && fell == received as i128, || {
                    format!("unstake: fell {fell}, paid {received}")
                });
            }
            Act::Sweep => {
                let due = b.fund.balance as i128 + b.market.ledgers.fee_insurance as i128
                    - b.market.ledgers.insurance_debt as i128;
                self.ensure(paid == 0 && a.fund.balance as i128 == due.max(0), || {
                    format!("sweep: {} vs {due}", a.fund.balance)
                });
            }
            _ => self.ensure(paid == 0 && fell <= 0, || {
                format!("{act:?}: balance fell {fell}, paid {paid}")
            }),
        }
    }

    /// (c): the adversary's wealth.
    fn check_wealth(&mut self, b: &View, a: &View, act: Act) {
        let (Some(wb), Some(wa)) = (b.wealth(), a.wealth()) else {
            self.ledger.unpriced_steps += 1;
            return;
        };
        let gain = wa - wb;
        if act == Act::Market {
            self.ledger.price_pnl += a.adv_equity - b.adv_equity;
            self.ledger.market_moves += gain - (a.adv_equity - b.adv_equity);
            return;
        }
        let lp = a.lp_value_of(b.lp_shares[ADV]).zip(b.lp_value(ADV));
        let holding = lp.map_or(0, |(x, y)| x as i128 - y as i128)
            + a.stake_value_of(b.stake_shares[ADV]) as i128
            - b.stake_value_of(b.stake_shares[ADV]) as i128;
        let own = |k: &Pubkey| self.adv.iter().any(|p| p.margin == *k);
        let mut allowed = holding;
        match act {
            Act::Liquidate { target, reward_to } if own(&reward_to) && !own(&target) => {
                let reward = (a.collateral(&reward_to) - b.collateral(&reward_to)) as i128;
                self.ledger.rewards_from_others += reward;
                allowed += reward;
            }
            Act::Liquidate { target, reward_to } if own(&reward_to) && own(&target) => {
                let top_up = a.market.ledgers.insurance_debt as i128
                    - b.market.ledgers.insurance_debt as i128;
                self.ledger.own_top_ups += top_up;
                allowed += top_up;
            }
            Act::Resolve { target } if own(&target) => {
                let deficit = (-b.collateral(&target)).max(0) as i128;
                self.ledger.own_written_off += deficit;
                allowed += deficit;
            }
            _ => {}
        }
        self.ledger.holding += holding;
        self.ensure(gain <= allowed + TOL, || {
            format!("{act:?} made the adversary {gain} richer, allowed {allowed}")
        });
        // Summed from the start (exact when every step could be valued).
        let total = wa - self.ledger.put_in;
        let bound = self.ledger.allowed() + TOL * self.step as i128;
        self.ensure(self.ledger.unpriced_steps > 0 || total <= bound, || {
            format!("W - put in = {total} > {bound}: {:?}", self.ledger)
        });
    }

    /// (d): other holders' share values across one holder's deposit or withdrawal.
    fn check_share_values(&self, b: &View, a: &View, act: Act) {
        match act {
            Act::Pool(h) => {
                for o in (0..b.lp_shares.len()).filter(|o| *o != h) {
                    let (before, after) = (b.lp_value(o), a.lp_value_of(b.lp_shares[o]));
                    if let (Some(x), Some(y)) = (before, after) {
                        self.ensure(y >= x, || format!("LP {o}'s value {x} -> {y} by LP {h}"));
                    }
                }
            }
            Act::Stake(h) | Act::Unstake(h, _) => {
                for o in (0..b.stake_shares.len()).filter(|o| *o != h) {
                    let s = b.stake_shares[o];
                    let (x, y) = (b.stake_value_of(s), a.stake_value_of(s));
                    self.ensure(y >= x, || {
                        format!("staker {o}'s value {x} -> {y} by staker {h}")
                    });
                }
            }
            _ => {}
        }
    }
}

async fn run_seed(seed: u64, steps: u64) -> Run {
    let mut run = Run::new(seed).await;
    for step in 1..=steps {
        run.step = step;
        let before = run.view().await;
        let (act, what) = run.act().await;
        run.trail.push(format!("{step}: {what}"));
        run.check(&before, act).await;
    }
    run
}

#[tokio::test]
async fn no_sequence_of_instructions_pays_an_adversary_beyond_its_trading_and_keeping() {
    let seeds = env_or("BULWARK_ECONOMIC_SEEDS", 6);
    let steps = env_or("BULWARK_ECONOMIC_STEPS", 150);
    let first = env_or("BULWARK_ECONOMIC_FIRST_SEED", 1);
    let (mut ok, mut refused) = (0, 0);
    for seed in first..first + seeds {
        let run = run_seed(seed, steps).await;
        ok += run.ok;
        refused += run.refused;
        eprintln!("economic seed {seed}: {:?}", run.ledger);
        if env_or("BULWARK_ECONOMIC_TRAIL", 0) == 1 {
            eprintln!("{}", run.trail.join("\n"));
        }
    }
    eprintln!("economic invariants: {seeds} seeds x {steps} steps, {ok} ok, {refused} refused");
    assert!(
        ok > seeds * steps / 5,
        "the sequences must do things: {ok} ok, {refused} refused"
    );
}
