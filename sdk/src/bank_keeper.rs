//! The keeper core's chain over the in-process bank (tests and the demo use it; the RPC
//! implementation arrives with the keeper bot).

use anchor_lang::prelude::Pubkey;
use solana_sdk::signature::{Keypair, Signer};

use crate::world::World;

/// The keeper core's view of the in-process bank: `key` signs, `world` is the chain.
pub struct BankKeeper<'a> {
    pub world: &'a mut World,
    pub key: Keypair,
}

impl crate::keeper::KeeperChain for BankKeeper<'_> {
    async fn clock(&mut self) -> (u64, i64) {
        let c = self.world.bank.clock().await;
        (c.slot, c.unix_timestamp)
    }

    async fn exchange(&mut self) -> bulwark::state::Exchange {
        self.world.bank.exchange().await
    }

    async fn market(&mut self, index: u16) -> bulwark::state::Market {
        self.world.bank.market(index).await
    }

    async fn margin_accounts(&mut self) -> Vec<(Pubkey, bulwark::state::MarginAccount)> {
        let keys = self.world.margin_accounts.clone();
        let mut out = Vec::new();
        for k in keys {
            if let Some(acc) = self.world.bank.account(&k).await {
                if let Ok(m) = crate::accounts::margin_account(&acc.data) {
                    out.push((k, m));
                }
            }
        }
        out
    }

    async fn margin_account(&mut self, key: &Pubkey) -> Option<bulwark::state::MarginAccount> {
        let acc = self.world.bank.account(key).await?;
        crate::accounts::margin_account(&acc.data).ok()
    }

    async fn pool_capital(&mut self) -> i64 {
        self.world.pool().await.capital
    }

    async fn send(
        &mut self,
        ixs: &[anchor_lang::solana_program::instruction::Instruction],
    ) -> Result<(), String> {
        let key = self.key.insecure_clone();
        let signs = ixs.iter().any(|ix| {
            ix.accounts
                .iter()
                .any(|a| a.is_signer && a.pubkey == key.pubkey())
        });
        let signers: Vec<&Keypair> = if signs { vec![&key] } else { vec![] };
        self.world
            .bank
            .send(ixs, &signers)
            .await
            .map_err(|e| format!("{e}"))
    }

    fn keeper(&self) -> Pubkey {
        self.key.pubkey()
    }
}
