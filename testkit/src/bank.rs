// solana-program-test 3.x flags its whole API as headed for "agave-unstable-api"; we pin 3.1.
#![allow(deprecated)]

//! The in-process bank: the real program inside `solana-program-test`, with controllable slot
//! and clock. Tests and `bulwark demo` use it; no validator is involved. The program runs
//! natively (no compute units, stack or heap limits) unless `BULWARK_SBF_SO` names the SBF
//! build (`sbf/build-sbf.sh`): then the bank loads that `.so` as an upgradeable BPF program
//! and runs it on the VM, with the mainnet limits and compute units reported.

use anchor_lang::prelude::{AccountInfo, Pubkey};
use anchor_lang::solana_program::bpf_loader_upgradeable;
use anchor_lang::solana_program::instruction::Instruction;
use solana_compute_budget_interface::ComputeBudgetInstruction;
use solana_program_test::{processor, BanksClientError, ProgramTest, ProgramTestContext};
use solana_sdk::account::{Account, AccountSharedData};
use solana_sdk::clock::Clock;
use solana_sdk::hash::Hash;
use solana_sdk::message::{v0, AddressLookupTableAccount, VersionedMessage};
use solana_sdk::program_pack::Pack;
use solana_sdk::signature::{Keypair, Signer};
use solana_sdk::transaction::{Transaction, TransactionError, VersionedTransaction};
use solana_system_interface::instruction as system_instruction;

use bulwark_sdk::{accounts, pda};

/// Runs Anchor's entry point as a native builtin (the lifetime transmute `processor!` needs).
fn process_instruction(
    program_id: &Pubkey,
    accounts: &[AccountInfo],
    data: &[u8],
) -> anchor_lang::solana_program::entrypoint::ProgramResult {
    let accounts: &[AccountInfo] = unsafe { std::mem::transmute(accounts) };
    bulwark::entry(program_id, accounts, data)
}

/// What a transaction logged and the compute units it consumed.
#[derive(Clone, Debug, Default)]
pub struct Metered {
    pub logs: Vec<String>,
    pub compute_units: u64,
    /// The transaction's inner instructions that carry an event tag, as (program id, data),
    /// in order (decode with `events::decode_cpi`, which keeps the program's own): on the VM;
    /// natively empty (`solana-program-test` reports no inner instructions).
    pub events: Vec<(Pubkey, Vec<u8>)>,
}

/// A running bank with the Bulwark program and an injected ProgramData account whose upgrade
/// authority is `upgrade_authority` (the native program has no ProgramData of its own).
pub struct Bank {
    chain: Chain,
    payer: Keypair,
    pub upgrade_authority: Keypair,
    /// Compute units the last processed transaction consumed, refused ones included (see
    /// [`Bank::send_metered`]).
    pub last_compute_units: u64,
    /// The log messages of that transaction.
    pub last_logs: Vec<String>,
    /// The last transaction's CPI events (see [`Metered::events`]).
    pub last_events: Vec<(Pubkey, Vec<u8>)>,
    nonce: u32,
}

/// Where the program runs.
enum Chain {
    /// Natively, inside `solana-program-test`'s bank.
    Native(Box<ProgramTestContext>),
    /// Its SBF build on LiteSVM's VM.
    #[cfg(feature = "vm")]
    Vm(Box<crate::bank_vm::Vm>),
}

/// ProgramData account bytes: `UpgradeableLoaderState::ProgramData { slot, authority }`.
pub fn program_data_bytes(upgrade_authority: Option<Pubkey>) -> Vec<u8> {
    let mut data = Vec::with_capacity(45);
    data.extend_from_slice(&3u32.to_le_bytes());
    data.extend_from_slice(&0u64.to_le_bytes());
    match upgrade_authority {
        Some(k) => {
            data.push(1);
            data.extend_from_slice(k.as_ref());
        }
        None => data.push(0),
    }
    data
}

/// The environment variable naming the SBF build of the program to run instead of the native
/// one (`sbf/build-sbf.sh` prints its path).
pub const SBF_SO_ENV: &str = "BULWARK_SBF_SO";

/// The SBF program's ELF when [`SBF_SO_ENV`] names one (panics when it names a missing file:
/// a test run meant for the VM must not silently run natively).
pub fn sbf_program() -> Option<Vec<u8>> {
    let path = std::env::var_os(SBF_SO_ENV).filter(|p| !p.is_empty())?;
    Some(std::fs::read(&path).unwrap_or_else(|e| panic!("{SBF_SO_ENV}={path:?}: {e}")))
}

/// True when the bank runs the SBF build.
pub fn runs_sbf() -> bool {
    std::env::var_os(SBF_SO_ENV).is_some_and(|p| !p.is_empty())
}

/// The native bank: Anchor's entry point as a builtin, the ProgramData injected.
async fn start_native(program_data_header: Vec<u8>) -> (Chain, Keypair) {
    let mut pt = ProgramTest::new("bulwark", bulwark::ID, processor!(process_instruction));
    pt.prefer_bpf(false);
    pt.add_account(
        pda::program_data(),
        Account {
            lamports: 1_000_000_000,
            data: program_data_header,
            owner: bpf_loader_upgradeable::ID,
            executable: false,
            rent_epoch: 0,
        },
    );
    let ctx = pt.start_with_context().await;
    let payer = ctx.payer.insecure_clone();
    (Chain::Native(Box::new(ctx)), payer)
}

/// The VM with the SBF build.
#[cfg(feature = "vm")]
fn start_vm(elf: &[u8], program_data_header: &[u8], payer: Keypair) -> (Chain, Keypair) {
    let vm = crate::bank_vm::Vm::start(elf, program_data_header, &payer.pubkey());
    (Chain::Vm(Box::new(vm)), payer)
}

#[cfg(not(feature = "vm"))]
fn start_vm(_elf: &[u8], _program_data_header: &[u8], _payer: Keypair) -> (Chain, Keypair) {
    panic!("{SBF_SO_ENV} is set but bulwark-sdk was built without its `vm` feature")
}

impl Bank {
    /// Boots the bank at slot 1 with `unix_timestamp` on the clock: natively, or on the VM
    /// when [`SBF_SO_ENV`] names the SBF build.
    pub async fn start(unix_timestamp: i64) -> Bank {
        let upgrade_authority = Keypair::new();
        let header = program_data_bytes(Some(upgrade_authority.pubkey()));
        let (chain, payer) = match sbf_program() {
            Some(elf) => start_vm(&elf, &header, Keypair::new()),
            None => start_native(header).await,
        };
        Bank::started(chain, payer, upgrade_authority, unix_timestamp).await
    }

    /// Boots the VM with the SBF build `elf`, paid by `payer` and upgradeable by
    /// `upgrade_authority` (a local cluster restarting from saved state keeps its keys).
    pub async fn start_vm(
        elf: &[u8],
        unix_timestamp: i64,
        payer: Keypair,
        upgrade_authority: Keypair,
    ) -> Bank {
        let header = program_data_bytes(Some(upgrade_authority.pubkey()));
        let (chain, payer) = start_vm(elf, &header, payer);
        Bank::started(chain, payer, upgrade_authority, unix_timestamp).await
    }

    async fn started(
        chain: Chain,
        payer: Keypair,
        upgrade_authority: Keypair,
        unix_timestamp: i64,
    ) -> Bank {
        let mut bank = Bank {
            chain,
            payer,
            upgrade_authority,
            last_compute_units: 0,
            last_logs: Vec::new(),
            last_events: Vec::new(),
            nonce: 0,
        };
        let authority = bank.upgrade_authority.pubkey();
        bank.fund(&authority, 100_000_000_000).await;
        bank.set_clock(2, unix_timestamp).await;
        bank
    }

    /// A handle on the native bank's client (what [`crate::bank_rpc`] serves JSON-RPC from;
    /// panics on the VM, where there is no `solana-program-test` bank).
    pub fn banks_client(&self) -> solana_program_test::BanksClient {
        match &self.chain {
            Chain::Native(ctx) => ctx.banks_client.clone(),
            #[cfg(feature = "vm")]
            Chain::Vm(_) => panic!("the program runs on the VM: no solana-program-test bank"),
        }
    }

    /// The VM backend (for a local cluster node), `None` when the program runs natively.
    #[cfg(feature = "vm")]
    pub fn vm(&mut self) -> Option<&mut crate::bank_vm::Vm> {
        match &mut self.chain {
            Chain::Vm(vm) => Some(vm),
            Chain::Native(_) => None,
        }
    }

    /// The fee payer.
    pub fn payer(&self) -> Keypair {
        self.payer.insecure_clone()
    }

    /// Current clock.
    pub async fn clock(&mut self) -> Clock {
        match &mut self.chain {
            Chain::Native(ctx) => ctx.banks_client.get_sysvar::<Clock>().await.expect("clock"),
            #[cfg(feature = "vm")]
            Chain::Vm(vm) => vm.clock(),
        }
    }

    /// Moves to `slot` (forward only; same slot keeps it) and sets the clock's unix time.
    pub async fn set_clock(&mut self, slot: u64, unix_timestamp: i64) {
        let current = self.clock().await;
        match &mut self.chain {
            Chain::Native(ctx) => {
                if slot > current.slot {
                    ctx.warp_to_slot(slot).expect("warp");
                }
                let mut clock = ctx.banks_client.get_sysvar::<Clock>().await.expect("clock");
                clock.unix_timestamp = unix_timestamp;
                ctx.set_sysvar(&clock);
            }
            #[cfg(feature = "vm")]
            Chain::Vm(vm) => {
                let mut clock = current.clone();
                clock.slot = slot.max(current.slot);
                clock.unix_timestamp = unix_timestamp;
                vm.set_clock(&clock);
            }
        }
    }

    /// Lamports for rent exemption of `space` bytes.
    pub async fn rent_exempt(&mut self, space: usize) -> u64 {
        match &mut self.chain {
            Chain::Native(ctx) => ctx
                .banks_client
                .get_rent()
                .await
                .expect("rent")
                .minimum_balance(space),
            #[cfg(feature = "vm")]
            Chain::Vm(vm) => vm.rent_exempt(space),
        }
    }

    /// Advances by `slots` and `secs`.
    pub async fn advance(&mut self, slots: u64, secs: i64) {
        let c = self.clock().await;
        self.set_clock(c.slot + slots, c.unix_timestamp + secs)
            .await;
    }

    /// Sends one transaction: `ixs` paid by the payer and signed by `signers` too. A compute
    /// unit limit instruction with a per-bank counter keeps otherwise identical transactions
    /// in one slot distinct.
    pub async fn send(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<(), BanksClientError> {
        self.send_logged(ixs, signers).await.map(|_| ())
    }

    /// As [`Bank::send`], returning the transaction's log messages (events included).
    pub async fn send_logged(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<Vec<String>, BanksClientError> {
        Ok(self.send_metered(ixs, signers).await?.logs)
    }

    /// As [`Bank::send`], returning the log messages and the compute units the transaction
    /// consumed (its compute-budget instruction included; 0 when the program runs natively,
    /// where only the builtins it calls are metered).
    pub async fn send_metered(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<Metered, BanksClientError> {
        self.send_with_tables(ixs, signers, &[]).await
    }

    /// As [`Bank::send_metered`], as a v0 transaction resolving its accounts through
    /// `tables` when any are given (a legacy transaction otherwise).
    pub async fn send_with_tables(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
        tables: &[AddressLookupTableAccount],
    ) -> Result<Metered, BanksClientError> {
        self.nonce += 1;
        let mut all = vec![ComputeBudgetInstruction::set_compute_unit_limit(
            1_400_000 - self.nonce,
        )];
        all.extend_from_slice(ixs);
        let payer = self.payer();
        let mut keys: Vec<&Keypair> = vec![&payer];
        keys.extend(
            signers
                .iter()
                .copied()
                .filter(|k| k.pubkey() != payer.pubkey()),
        );
        let (metered, result) = match &mut self.chain {
            Chain::Native(ctx) => {
                let tx = signed(&all, &payer.pubkey(), &keys, tables, ctx.last_blockhash)?;
                let quiet = crate::quiet::program_run();
                let out = ctx
                    .banks_client
                    .process_transaction_with_metadata(tx)
                    .await?;
                drop(quiet);
                let (logs, compute_units) = out
                    .metadata
                    .map(|m| (m.log_messages, m.compute_units_consumed))
                    .unwrap_or_default();
                let metered = Metered {
                    logs,
                    compute_units,
                    events: Vec::new(),
                };
                (
                    metered,
                    out.result.map_err(BanksClientError::TransactionError),
                )
            }
            #[cfg(feature = "vm")]
            Chain::Vm(vm) => match tables {
                [] => vm.send(&all, &payer.pubkey(), &keys),
                _ => {
                    let tx = signed(&all, &payer.pubkey(), &keys, tables, vm.blockhash())?;
                    vm.send_versioned(&tx)
                }
            },
        };
        self.last_compute_units = metered.compute_units;
        self.last_logs.clone_from(&metered.logs);
        self.last_events.clone_from(&metered.events);
        result?;
        Ok(metered)
    }
    /// Transfers `lamports` from the payer to `to`.
    pub async fn fund(&mut self, to: &Pubkey, lamports: u64) {
        let payer = self.payer();
        self.send(
            &[system_instruction::transfer(&payer.pubkey(), to, lamports)],
            &[],
        )
        .await
        .expect("fund");
    }

    /// Writes an account directly (oracle feeds, test fixtures).
    pub fn set_account(&mut self, key: &Pubkey, owner: &Pubkey, data: Vec<u8>) {
        let account = Account {
            lamports: 1_000_000_000,
            data,
            owner: *owner,
            executable: false,
            rent_epoch: 0,
        };
        match &mut self.chain {
            Chain::Native(ctx) => ctx.set_account(key, &AccountSharedData::from(account)),
            #[cfg(feature = "vm")]
            Chain::Vm(vm) => vm.set_account(key, account),
        }
    }

    /// Reads an account.
    pub async fn account(&mut self, key: &Pubkey) -> Option<Account> {
        match &mut self.chain {
            Chain::Native(ctx) => ctx
                .banks_client
                .get_account(*key)
                .await
                .expect("banks client"),
            #[cfg(feature = "vm")]
            Chain::Vm(vm) => vm.account(key),
        }
    }

    /// The decoded `Market` at `index`.
    pub async fn market(&mut self, index: u16) -> bulwark::state::Market {
        let acc = self
            .account(&pda::market(index).0)
            .await
            .expect("market exists");
        accounts::market(&acc.data).expect("market decodes")
    }

    /// The decoded `Exchange`.
    pub async fn exchange(&mut self) -> bulwark::state::Exchange {
        let acc = self
            .account(&pda::exchange().0)
            .await
            .expect("exchange exists");
        accounts::exchange(&acc.data).expect("exchange decodes")
    }

    /// Creates a mint owned by `token_program` (classic SPL Token or Token-2022).
    pub async fn create_mint(&mut self, decimals: u8, token_program: &Pubkey) -> Pubkey {
        let mint = Keypair::new();
        let payer = self.payer();
        let space = anchor_spl::token::spl_token::state::Mint::LEN;
        let rent = self.rent_exempt(space).await;
        let init = if *token_program == anchor_spl::token_2022::ID {
            anchor_spl::token_2022::spl_token_2022::instruction::initialize_mint2(
                token_program,
                &mint.pubkey(),
                &payer.pubkey(),
                None,
                decimals,
            )
        } else {
            anchor_spl::token::spl_token::instruction::initialize_mint2(
                token_program,
                &mint.pubkey(),
                &payer.pubkey(),
                None,
                decimals,
            )
        }
        .expect("mint instruction");
        let ixs = [
            system_instruction::create_account(
                &payer.pubkey(),
                &mint.pubkey(),
                rent,
                space as u64,
                token_program,
            ),
            init,
        ];
        self.send(&ixs, &[&mint]).await.expect("create mint");
        mint.pubkey()
    }
}

impl Bank {
    /// Creates `owner`'s associated token account of `mint` (classic SPL Token) through the
    /// associated-token program, and returns its address.
    pub async fn create_associated_token_account(
        &mut self,
        mint: &Pubkey,
        owner: &Pubkey,
    ) -> Pubkey {
        use anchor_spl::associated_token::spl_associated_token_account;
        let payer = self.payer();
        let ix = spl_associated_token_account::instruction::create_associated_token_account(
            &payer.pubkey(),
            owner,
            mint,
            &anchor_spl::token::ID,
        );
        self.send(&[ix], &[])
            .await
            .expect("create associated token account");
        bulwark_sdk::pda::associated_token_account(owner, mint)
    }

    /// Creates a token account of `mint` owned by `owner` (classic SPL Token).
    pub async fn create_token_account(&mut self, mint: &Pubkey, owner: &Pubkey) -> Pubkey {
        let account = Keypair::new();
        let payer = self.payer();
        let space = anchor_spl::token::spl_token::state::Account::LEN;
        let rent = self.rent_exempt(space).await;
        let token = anchor_spl::token::ID;
        let ixs = [
            system_instruction::create_account(
                &payer.pubkey(),
                &account.pubkey(),
                rent,
                space as u64,
                &token,
            ),
            anchor_spl::token::spl_token::instruction::initialize_account3(
                &token,
                &account.pubkey(),
                mint,
                owner,
            )
            .expect("init"),
        ];
        self.send(&ixs, &[&account])
            .await
            .expect("create token account");
        account.pubkey()
    }

    /// Mints `amount` of `mint` (whose authority is the payer) to `account`.
    pub async fn mint_to(&mut self, mint: &Pubkey, account: &Pubkey, amount: u64) {
        let payer = self.payer();
        let ix = anchor_spl::token::spl_token::instruction::mint_to(
            &anchor_spl::token::ID,
            mint,
            account,
            &payer.pubkey(),
            &[],
            amount,
        )
        .expect("mint_to");
        self.send(&[ix], &[]).await.expect("mint");
    }

    /// Token balance of `account` (0 when it does not exist).
    pub async fn token_balance(&mut self, account: &Pubkey) -> u64 {
        match self.account(account).await {
            Some(a) => anchor_spl::token::spl_token::state::Account::unpack(&a.data)
                .map(|t| t.amount)
                .unwrap_or(0),
            None => 0,
        }
    }
}

/// The transaction error of a failed send, if it was one.
pub fn tx_error(e: &BanksClientError) -> Option<TransactionError> {
    match e {
        BanksClientError::TransactionError(err) | BanksClientError::SimulationError { err, .. } => {
            Some(err.clone())
        }
        _ => None,
    }
}

/// `ixs` paid by `payer` and signed by `keys`: legacy without `tables`, else v0 resolving
/// accounts through them.
fn signed(
    ixs: &[Instruction],
    payer: &Pubkey,
    keys: &[&Keypair],
    tables: &[AddressLookupTableAccount],
    blockhash: Hash,
) -> Result<VersionedTransaction, BanksClientError> {
    let bad = |e: String| BanksClientError::ClientError(Box::leak(e.into_boxed_str()));
    if tables.is_empty() {
        return Ok(Transaction::new_signed_with_payer(ixs, Some(payer), keys, blockhash).into());
    }
    let msg =
        v0::Message::try_compile(payer, ixs, tables, blockhash).map_err(|e| bad(e.to_string()))?;
    VersionedTransaction::try_new(VersionedMessage::V0(msg), keys).map_err(|e| bad(e.to_string()))
}
