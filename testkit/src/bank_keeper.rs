//! The keeper core's chain over the in-process bank (tests and the demo use it; the RPC one is
//! `bulwark_keeper::rpc_chain`).

use anchor_lang::prelude::Pubkey;
use solana_sdk::signature::{Keypair, Signer};

use bulwark_keeper::ChainError;

use crate::world::World;

/// The keeper core's view of the in-process bank: `key` signs, `world` is the chain.
pub struct BankKeeper<'a> {
    pub world: &'a mut World,
    pub key: Keypair,
}

/// A bank failure, typed as the RPC chain types the node's (`ChainError::from_transaction`).
pub fn bank_failure(e: &solana_program_test::BanksClientError) -> ChainError {
    match crate::bank::tx_error(e) {
        Some(te) => ChainError::from_transaction(&te),
        None => ChainError::Transaction(e.to_string()),
    }
}

impl bulwark_keeper::cycle::KeeperChain for BankKeeper<'_> {
    async fn clock(&mut self) -> Result<(u64, i64), ChainError> {
        let c = self.world.bank.clock().await;
        Ok((c.slot, c.unix_timestamp))
    }

    async fn exchange(&mut self) -> Result<bulwark::state::Exchange, ChainError> {
        Ok(self.world.bank.exchange().await)
    }

    async fn market(&mut self, index: u16) -> Result<bulwark::state::Market, ChainError> {
        Ok(self.world.bank.market(index).await)
    }

    async fn margin_accounts(
        &mut self,
    ) -> Result<Vec<(Pubkey, bulwark::state::MarginAccount)>, ChainError> {
        let keys = self.world.margin_accounts.clone();
        let mut out = Vec::new();
        for k in keys {
            if let Some(acc) = self.world.bank.account(&k).await {
                if let Ok(m) = bulwark_sdk::accounts::margin_account(&acc.data) {
                    out.push((k, m));
                }
            }
        }
        Ok(out)
    }

    async fn margin_account(
        &mut self,
        key: &Pubkey,
    ) -> Result<Option<bulwark::state::MarginAccount>, ChainError> {
        Ok(self
            .world
            .bank
            .account(key)
            .await
            .and_then(|acc| bulwark_sdk::accounts::margin_account(&acc.data).ok()))
    }

    async fn insurance_fund(
        &mut self,
        pool: u16,
    ) -> Result<bulwark::state::InsuranceFund, ChainError> {
        let acc = self
            .world
            .bank
            .account(&bulwark_sdk::pda::insurance_fund(pool).0)
            .await
            .ok_or_else(|| ChainError::Account(format!("insurance fund {pool} missing")))?;
        bulwark_sdk::accounts::insurance_fund(&acc.data)
            .map_err(|e| ChainError::Account(e.to_string()))
    }

    async fn pool(&mut self, pool: u16) -> Result<bulwark::state::LiquidityPool, ChainError> {
        let acc = self
            .world
            .bank
            .account(&bulwark_sdk::pda::pool(pool).0)
            .await
            .ok_or_else(|| ChainError::Account(format!("pool {pool} missing")))?;
        bulwark_sdk::accounts::pool(&acc.data).map_err(|e| ChainError::Account(e.to_string()))
    }

    async fn send(
        &mut self,
        ixs: &[anchor_lang::solana_program::instruction::Instruction],
    ) -> Result<(), ChainError> {
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
            .map_err(|e| bank_failure(&e))
    }

    fn keeper(&self) -> Pubkey {
        self.key.pubkey()
    }
}
