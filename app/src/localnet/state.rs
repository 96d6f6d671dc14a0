//! `--state DIR`: the local cluster's accounts, clock and feeds saved every few seconds and
//! at shutdown, and its keys as Solana CLI keypair files, so a restart continues where it
//! stopped (transaction history is not kept). The program itself is not saved: a restart
//! loads the `--program` given, like an upgrade.

use std::path::{Path, PathBuf};

use anchor_lang::prelude::Pubkey;
use anyhow::{anyhow, Context, Result};
use bulwark_testkit::bank::Bank;
use serde::{Deserialize, Serialize};
use solana_sdk::account::Account;
use solana_sdk::signature::Keypair;

use super::feeds::Asset;
use super::node::Node;
use super::venue::Keys;

/// What the state file holds.
#[derive(Serialize, Deserialize)]
pub struct Saved {
    pub slot: u64,
    pub unix_timestamp: i64,
    pub collateral_mint: Pubkey,
    pub assets: Vec<Asset>,
    pub accounts: Vec<(Pubkey, Account)>,
}

fn state_file(dir: &Path) -> PathBuf {
    dir.join("accounts.bin")
}

/// The keys' files in `dir`.
pub fn key_file(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}.json"))
}

const KEY_NAMES: [&str; 4] = ["payer", "upgrade-authority", "governance", "guardian"];

/// Reads the keys from `dir`, or makes new ones and writes them there.
pub fn keys(dir: Option<&Path>) -> Result<Keys> {
    let mut k: Vec<Keypair> = Vec::new();
    for name in KEY_NAMES {
        let existing = dir.map(|d| key_file(d, name)).filter(|p| p.exists());
        k.push(match existing {
            Some(p) => crate::keeper_cmd::read_keypair(&p)?,
            None => Keypair::new(),
        });
    }
    if let Some(d) = dir {
        std::fs::create_dir_all(d).with_context(|| format!("--state: {}", d.display()))?;
        for (name, key) in KEY_NAMES.iter().zip(&k) {
            let json = serde_json::to_string(&key.to_bytes().to_vec())?;
            std::fs::write(key_file(d, name), json)?;
        }
    }
    let mut k = k.into_iter();
    let mut next = || k.next().expect("four keys");
    Ok(Keys {
        payer: next(),
        upgrade_authority: next(),
        governance: next(),
        guardian: next(),
    })
}

/// The saved state in `dir`, if there is one.
pub fn load(dir: &Path) -> Result<Option<Saved>> {
    let file = state_file(dir);
    if !file.exists() {
        return Ok(None);
    }
    let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
    bincode::deserialize(&bytes)
        .map(Some)
        .map_err(|e| anyhow!("{}: not a saved local cluster: {e}", file.display()))
}

/// Whether an account is the node's to save: not a program, sysvar or the loaders' own.
fn saved_kind(owner: &Pubkey, executable: bool) -> bool {
    let skip = [
        solana_sdk::sysvar::ID,
        solana_sdk::native_loader::ID,
        anchor_lang::solana_program::bpf_loader_upgradeable::ID,
        solana_sdk::bpf_loader::ID,
    ];
    !executable && !skip.contains(owner)
}

/// Writes the node's state to `dir` (through a temporary file, renamed).
pub fn save(dir: &Path, node: &mut Node, collateral_mint: Pubkey) -> Result<()> {
    let accounts: Vec<(Pubkey, Account)> = node
        .bank
        .vm()
        .expect("on the VM")
        .accounts_where(|_, owner, executable| saved_kind(owner, executable));
    let saved = Saved {
        slot: node.slot,
        unix_timestamp: node.unix_timestamp,
        collateral_mint,
        assets: node.assets.clone(),
        accounts,
    };
    let tmp = dir.join("accounts.bin.tmp");
    std::fs::write(&tmp, bincode::serialize(&saved)?)?;
    std::fs::rename(&tmp, state_file(dir))?;
    Ok(())
}

/// Boots the program and puts the saved accounts back, the clock one slot on.
pub async fn restore(elf: &[u8], keys: &Keys, saved: &Saved, now: i64) -> Bank {
    let mut bank = Bank::start_vm(
        elf,
        saved.unix_timestamp,
        keys.payer.insecure_clone(),
        keys.upgrade_authority.insecure_clone(),
    )
    .await;
    let vm = bank.vm().expect("on the VM");
    for (key, account) in &saved.accounts {
        vm.set_account(key, account.clone());
    }
    bank.set_clock(saved.slot + 1, now.max(saved.unix_timestamp))
        .await;
    bank
}
