//! The keeper core's operational behaviour: sharded keepers cover every account exactly once;
//! a chain that fails mid-cycle is reported and the next cycle resumes; a refused transaction
//! is reported with its program error's name; several stages of one account, and several
//! accounts, share a transaction, and a refused one falls back to each account alone, then to
//! one stage a transaction.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use bulwark::state::{Exchange, MarginAccount, Market};
use bulwark_keeper::{run_cycle, shard_of, ChainError, KeeperChain};
use bulwark_sdk::errors::program_error_name;
use bulwark_testkit::bank_keeper::BankKeeper;
use bulwark_tests::*;

#[tokio::test]
async fn two_sharded_keepers_cover_every_account_exactly_once() {
    let (mut w, traders, keeper) = crash_scene().await;
    let (mut zero, mut one) = (Vec::new(), Vec::new());
    for _ in 0..3 {
        for (shard, seen) in [(0, &mut zero), (1, &mut one)] {
            let r = {
                let mut chain = BankKeeper {
                    world: &mut w,
                    key: keeper.key.insecure_clone(),
                };
                run_cycle(&mut chain, &keeper_config(&keeper, Some((shard, 2)))).await
            };
            seen.extend(r.liquidated_accounts);
        }
    }
    zero.sort();
    zero.dedup();
    one.sort();
    one.dedup();
    assert!(zero.iter().all(|k| shard_of(k, 2) == 0) && one.iter().all(|k| shard_of(k, 2) == 1));
    assert!(
        zero.iter().all(|k| !one.contains(k)),
        "no account handled by both"
    );
    let mut all: Vec<Pubkey> = zero.iter().chain(one.iter()).copied().collect();
    all.sort();
    assert!(all.len() >= 6, "a real cascade: {}", all.len());
    // Every liquidatable account was covered: none is left below maintenance.
    assert_none_below_maintenance(&mut w, &traders).await;
    let margins: Vec<_> = traders
        .iter()
        .map(|t| t.margin)
        .chain([keeper.margin])
        .collect();
    assert_books_balance(&mut w, &margins).await;
}

/// What a lost connection reports.
fn lost() -> ChainError {
    ChainError::Transport("connection lost".into())
}

/// A chain whose calls fail while `down` is set (a lost RPC connection), and which, with
/// `refuse_batches`, refuses every transaction of several instructions as the program would
/// had the chain moved since the keeper read it (with `refuse_shared`, only those liquidating
/// several accounts). Counts the landed transactions that liquidated several accounts.
struct Flaky<'a> {
    inner: BankKeeper<'a>,
    down: bool,
    refuse_batches: bool,
    refuse_shared: bool,
    shared_landed: u32,
}

/// The margin accounts the `liquidate` instructions of `ixs` liquidate.
fn liquidated_in(ixs: &[Instruction]) -> std::collections::BTreeSet<Pubkey> {
    use anchor_lang::Discriminator;
    ixs.iter()
        .filter(|ix| {
            ix.data
                .starts_with(bulwark::instruction::Liquidate::DISCRIMINATOR)
        })
        .map(|ix| ix.accounts[2].pubkey)
        .collect()
}

impl KeeperChain for Flaky<'_> {
    async fn clock(&mut self) -> Result<(u64, i64), ChainError> {
        if self.down {
            Err(lost())
        } else {
            self.inner.clock().await
        }
    }
    async fn exchange(&mut self) -> Result<Exchange, ChainError> {
        if self.down {
            Err(lost())
        } else {
            self.inner.exchange().await
        }
    }
    async fn market(&mut self, index: u16) -> Result<Market, ChainError> {
        if self.down {
            Err(lost())
        } else {
            self.inner.market(index).await
        }
    }
    async fn margin_accounts(&mut self) -> Result<Vec<(Pubkey, MarginAccount)>, ChainError> {
        if self.down {
            Err(lost())
        } else {
            self.inner.margin_accounts().await
        }
    }
    async fn margin_account(&mut self, key: &Pubkey) -> Result<Option<MarginAccount>, ChainError> {
        if self.down {
            Err(lost())
        } else {
            self.inner.margin_account(key).await
        }
    }
    async fn insurance_fund(
        &mut self,
        pool: u16,
    ) -> Result<bulwark::state::InsuranceFund, ChainError> {
        if self.down {
            Err(lost())
        } else {
            self.inner.insurance_fund(pool).await
        }
    }
    async fn pool(&mut self, pool: u16) -> Result<bulwark::state::LiquidityPool, ChainError> {
        if self.down {
            Err(lost())
        } else {
            self.inner.pool(pool).await
        }
    }
    async fn send(&mut self, ixs: &[Instruction]) -> Result<(), ChainError> {
        if self.down {
            Err(lost())
        } else if self.refuse_batches && ixs.len() > 1 {
            Err(ChainError::Program { code: 6_600 })
        } else if self.refuse_shared && liquidated_in(ixs).len() > 1 {
            Err(ChainError::Program { code: 6_600 })
        } else {
            let sent = self.inner.send(ixs).await;
            if sent.is_ok() && liquidated_in(ixs).len() > 1 {
                self.shared_landed += 1;
            }
            sent
        }
    }
    fn keeper(&self) -> Pubkey {
        self.inner.keeper()
    }
}

#[tokio::test]
async fn a_keeper_that_loses_its_connection_reports_it_and_resumes() {
    let (mut w, _traders, keeper) = crash_scene().await;
    let config = keeper_config(&keeper, None);
    let mut chain = Flaky {
        inner: BankKeeper {
            world: &mut w,
            key: keeper.key.insecure_clone(),
        },
        down: true,
        refuse_batches: false,
        refuse_shared: false,
        shared_landed: 0,
    };
    let r = run_cycle(&mut chain, &config).await;
    assert_eq!(r.liquidation_stages, 0);
    assert!(
        r.failures.iter().any(|f| f.contains("connection lost")),
        "{:?}",
        r.failures
    );
    chain.down = false;
    let r = run_cycle(&mut chain, &config).await;
    assert!(r.liquidation_stages > 0, "resumed: {r:?}");
}

#[tokio::test]
async fn a_price_too_old_to_liquidate_on_sends_nothing_and_fresh_prices_liquidate() {
    let (mut w, _traders, keeper) = crash_scene().await;
    // No price update for 200 slots: the stored aggregate is too old to liquidate on, and
    // nothing new has been published for the keeper's refresh to pick up. The keeper judges
    // as the program would (issue 16: one health rule), so it sends nothing the program
    // would refuse with PriceTooOld.
    w.bank.advance(200, 80).await;
    let r = {
        let mut chain = BankKeeper {
            world: &mut w,
            key: keeper.key.insecure_clone(),
        };
        run_cycle(&mut chain, &keeper_config(&keeper, None)).await
    };
    assert!(r.failures.is_empty(), "{:?}", r.failures);
    assert_eq!(r.liquidation_stages, 0);
    // A refusal, when one comes, reads as the program error's name and code.
    assert_eq!(
        program_error_name("Error processing Instruction 1: custom program error: 0x1901")
            .as_deref(),
        Some("InitialMarginViolated (6401)")
    );
    // Fresh prices: the next cycle liquidates.
    w.publish_all(138 * USD, USD).await;
    let r = {
        let mut chain = BankKeeper {
            world: &mut w,
            key: keeper.key.insecure_clone(),
        };
        run_cycle(&mut chain, &keeper_config(&keeper, None)).await
    };
    assert!(r.liquidation_stages > 0);
}

/// How a test chain refuses: batches of several instructions, or transactions liquidating
/// several accounts.
#[derive(Clone, Copy, Default)]
struct Refusing {
    batches: bool,
    shared: bool,
}

/// What three keeper cycles sent.
struct Sent {
    stages: u32,
    transactions: u32,
    shared_landed: u32,
    liquidated: usize,
    failures: Vec<String>,
}

/// Three keeper cycles over the crash scene (a fresh chain each cycle, refusing as asked);
/// what they sent, and every failure. Every account ends above maintenance.
async fn three_cycles(refusing: Refusing) -> Sent {
    let (mut w, traders, keeper) = crash_scene().await;
    let mut s = Sent {
        stages: 0,
        transactions: 0,
        shared_landed: 0,
        liquidated: 0,
        failures: Vec::new(),
    };
    let mut liquidated = std::collections::BTreeSet::new();
    for _ in 0..3 {
        let mut chain = Flaky {
            inner: BankKeeper {
                world: &mut w,
                key: keeper.key.insecure_clone(),
            },
            down: false,
            refuse_batches: refusing.batches,
            refuse_shared: refusing.shared,
            shared_landed: 0,
        };
        let r = run_cycle(&mut chain, &keeper_config(&keeper, None)).await;
        s.shared_landed += chain.shared_landed;
        s.stages += r.liquidation_stages;
        s.transactions += r.liquidation_transactions;
        s.failures.extend(r.failures);
        liquidated.extend(r.liquidated_accounts);
    }
    s.liquidated = liquidated.len();
    assert_none_below_maintenance(&mut w, &traders).await;
    s
}

#[tokio::test]
async fn several_stages_of_one_account_share_a_transaction_the_program_accepts_whole() {
    let s = three_cycles(Refusing::default()).await;
    assert!(s.failures.is_empty(), "{:?}", s.failures);
    assert!(
        s.stages > s.transactions,
        "batched: {} stages in {}",
        s.stages,
        s.transactions
    );
}

#[tokio::test]
async fn several_accounts_share_a_transaction_and_fewer_transactions_carry_the_cascade() {
    let s = three_cycles(Refusing::default()).await;
    assert!(s.failures.is_empty(), "{:?}", s.failures);
    assert!(
        s.shared_landed > 0,
        "no transaction liquidated several accounts"
    );
    assert!(
        (s.transactions as usize) < s.liquidated,
        "{} transactions for {} accounts",
        s.transactions,
        s.liquidated
    );
}

#[tokio::test]
async fn a_refused_shared_transaction_falls_back_to_each_account_alone() {
    let s = three_cycles(Refusing {
        shared: true,
        ..Refusing::default()
    })
    .await;
    assert!(s.failures.is_empty(), "{:?}", s.failures);
    assert_eq!(s.shared_landed, 0);
    assert!(s.stages > 0 && s.transactions as usize >= s.liquidated);
    // Alone, each account's stages still share its transaction (not one stage a transaction).
    assert!(
        s.stages > s.transactions,
        "{} stages in {}",
        s.stages,
        s.transactions
    );
}

#[tokio::test]
async fn a_refused_batch_falls_back_to_one_stage_a_transaction() {
    let s = three_cycles(Refusing {
        batches: true,
        ..Refusing::default()
    })
    .await;
    assert!(s.failures.is_empty(), "{:?}", s.failures);
    assert!(s.stages > 0);
    assert_eq!(s.stages, s.transactions);
}
