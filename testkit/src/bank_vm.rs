//! The bank's second backend: the program's SBF build on LiteSVM's VM (agave 4.x, mainnet
//! feature set, SBPF v3), with compute units, 4 KB stack frames and the 32 KB heap enforced as
//! on a cluster. `solana-program-test` 3.1's VM cannot load the SBPF v3 object that the
//! upstream-LLVM route builds, and newer program-test lines need a newer rustc; LiteSVM 0.16
//! runs it. The bank's API is the same over both backends, so every test runs on either.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::bpf_loader_upgradeable;
use anchor_lang::solana_program::instruction::Instruction;
use litesvm::LiteSVM;
use solana_account_v4::Account as VmAccount;
use solana_program_test::BanksClientError;
use solana_sdk::account::Account;
use solana_sdk::clock::Clock;
use solana_sdk::signature::Keypair;
use solana_transaction_v4::Transaction as VmTransaction;

use crate::bank::Metered;

/// LiteSVM with the Bulwark program loaded from its SBF build.
pub struct Vm {
    pub(crate) svm: LiteSVM,
}

impl Vm {
    /// A VM with mainnet's features, the builtins, sysvars and default programs (SPL Token,
    /// Token-2022, associated token), `elf` deployed at Bulwark's id through the upgradeable
    /// loader, and its ProgramData carrying `program_data_header` (the upgrade authority
    /// `initialize_exchange` checks). `payer` is funded.
    pub fn start(elf: &[u8], program_data_header: &[u8], payer: &Pubkey) -> Vm {
        let mut svm = LiteSVM::new()
            .with_mainnet_features()
            .with_builtins()
            .with_sysvars()
            .with_default_programs()
            .with_sigverify(true);
        // ProgramData first (the upgrade authority in its header, then the ELF), then the
        // program account: writing an executable account makes LiteSVM load and verify the
        // program from its ProgramData.
        let data = [program_data_header, elf].concat();
        let programdata = VmAccount {
            lamports: svm.minimum_balance_for_rent_exemption(data.len()),
            data,
            owner: bpf_loader_upgradeable::ID,
            executable: false,
            rent_epoch: u64::MAX,
        };
        svm.set_account(bulwark_sdk::pda::program_data(), programdata)
            .expect("ProgramData written");
        let mut data = 2u32.to_le_bytes().to_vec();
        data.extend_from_slice(bulwark_sdk::pda::program_data().as_ref());
        let program = VmAccount {
            lamports: svm.minimum_balance_for_rent_exemption(data.len()),
            data,
            owner: bpf_loader_upgradeable::ID,
            executable: true,
            rent_epoch: u64::MAX,
        };
        svm.set_account(bulwark::ID, program)
            .expect("the SBF program loads");
        svm.airdrop(payer, 100_000_000_000_000)
            .expect("payer funded");
        Vm { svm }
    }

    /// The clock sysvar.
    pub fn clock(&self) -> Clock {
        self.svm.get_sysvar::<Clock>()
    }

    /// Sets the clock sysvar.
    pub fn set_clock(&mut self, clock: &Clock) {
        self.svm.set_sysvar(clock);
        // A cluster's SlotHashes names its recent slots (newest first; programs such as the
        // address-lookup-table program check a "recent slot" against it). LiteSVM keeps only
        // its genesis entry, so the slots before this one are entered (their hashes unused).
        let recent: Vec<_> = (clock.slot.saturating_sub(150)..clock.slot)
            .rev()
            .map(|slot| (slot, Default::default()))
            .collect();
        self.svm
            .set_sysvar(&solana_slot_hashes::SlotHashes::new(&recent));
    }

    /// Lamports for rent exemption of `space` bytes.
    pub fn rent_exempt(&self, space: usize) -> u64 {
        self.svm.minimum_balance_for_rent_exemption(space)
    }

    /// Sends `ixs` paid by `payer` and signed by `keys`; the logs and compute units of the
    /// transaction, refused or not, and its result.
    pub fn send(
        &mut self,
        ixs: &[Instruction],
        payer: &Pubkey,
        keys: &[&Keypair],
    ) -> (Metered, Result<(), BanksClientError>) {
        let blockhash = self.svm.latest_blockhash();
        let tx = VmTransaction::new_signed_with_payer(ixs, Some(payer), keys, blockhash);
        let static_keys = host_keys(tx.message.account_keys.iter().map(|k| k.to_bytes()));
        let result = self.svm.send_transaction(tx);
        self.metered(result, &static_keys)
    }

    /// A transaction's logs and compute units, its event-tagged inner instructions (program
    /// ids resolved through `static_keys`, the message's own), and its outcome.
    fn metered(
        &self,
        result: litesvm::types::TransactionResult,
        static_keys: &[Pubkey],
    ) -> (Metered, Result<(), BanksClientError>) {
        match result {
            Ok(meta) => (
                Metered {
                    events: cpi_events(&meta, static_keys),
                    logs: meta.logs,
                    compute_units: meta.compute_units_consumed,
                },
                Ok(()),
            ),
            Err(failed) => (
                Metered {
                    events: Vec::new(),
                    logs: failed.meta.logs,
                    compute_units: failed.meta.compute_units_consumed,
                },
                Err(BanksClientError::TransactionError(failed.err)),
            ),
        }
    }

    /// The blockhash a transaction must name.
    pub fn blockhash(&self) -> solana_sdk::hash::Hash {
        solana_sdk::hash::Hash::new_from_array(self.svm.latest_blockhash().to_bytes())
    }

    /// Sends a signed (e.g. v0) transaction built with the host's types: its wire bytes are
    /// the VM's transaction too.
    pub fn send_versioned(
        &mut self,
        tx: &solana_sdk::transaction::VersionedTransaction,
    ) -> (Metered, Result<(), BanksClientError>) {
        let static_keys = tx.message.static_account_keys().to_vec();
        let bytes = bincode::serialize(tx).expect("transaction serialises");
        let tx: solana_transaction_v4::versioned::VersionedTransaction =
            bincode::deserialize(&bytes).expect("same wire format");
        let result = self.svm.send_transaction(tx);
        self.metered(result, &static_keys)
    }

    /// Writes an account directly.
    pub fn set_account(&mut self, key: &Pubkey, account: Account) {
        let account = VmAccount {
            lamports: account.lamports,
            data: account.data,
            owner: account.owner,
            executable: account.executable,
            rent_epoch: account.rent_epoch,
        };
        self.svm
            .set_account(*key, account)
            .expect("account written");
    }

    /// Reads an account (`None` when it does not exist or holds no lamports).
    pub fn account(&self, key: &Pubkey) -> Option<Account> {
        self.svm
            .get_account(key)
            .filter(|a| a.lamports > 0)
            .map(|a| Account {
                lamports: a.lamports,
                data: a.data,
                owner: a.owner,
                executable: a.executable,
                rent_epoch: a.rent_epoch,
            })
    }
}

/// Every inner instruction that carries Anchor's event tag, as (program id, data), in order
/// (program ids are never looked up in tables: they index the message's own keys).
fn cpi_events(
    meta: &litesvm::types::TransactionMetadata,
    static_keys: &[Pubkey],
) -> Vec<(Pubkey, Vec<u8>)> {
    meta.inner_instructions
        .iter()
        .flatten()
        .filter(|i| {
            i.instruction
                .data
                .starts_with(anchor_lang::event::EVENT_IX_TAG_LE)
        })
        .filter_map(|i| {
            let program = static_keys.get(i.instruction.program_id_index as usize)?;
            Some((*program, i.instruction.data.clone()))
        })
        .collect()
}

/// Keys as the host's type.
fn host_keys(keys: impl Iterator<Item = [u8; 32]>) -> Vec<Pubkey> {
    keys.map(Pubkey::new_from_array).collect()
}
