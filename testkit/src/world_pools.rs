//! The ready-made world's risk pools: LP and insurance-fund flows and reads, per pool.

use solana_program_test::BanksClientError;
use solana_sdk::signature::Signer;

use crate::world::{Participant, World};
use bulwark_sdk::{ix, pda};

impl World {
    /// Deposits `amount` into the pool for `p`.
    pub async fn pool_deposit(
        &mut self,
        p: &Participant,
        amount: u64,
    ) -> Result<(), BanksClientError> {
        let pool = self.pool_markets(p.pool).await;
        let ix = ix::pool_deposit(p.key.pubkey(), p.token, amount, 0, pool);
        self.bank.send(&[ix], &[&p.key]).await
    }

    /// Risk pool `pool` and its listed markets (what its LP and fund instructions name).
    pub async fn pool_markets(&mut self, pool: u16) -> ix::PoolMarkets {
        let count = self.bank.exchange().await.market_count;
        let mut pairs = Vec::new();
        for i in 0..count {
            pairs.push((i, self.bank.market(i).await.pool));
        }
        ix::PoolMarkets::of(pool, pairs)
    }

    /// `p`'s LP account.
    pub async fn lp(&mut self, p: &Participant) -> bulwark::state::LpAccount {
        let acc = self
            .bank
            .account(&pda::lp_account(p.pool, &p.key.pubkey()).0)
            .await
            .expect("lp account exists");
        bulwark_sdk::accounts::lp_account(&acc.data).expect("lp account decodes")
    }

    /// Pool 0 (the default pool).
    pub async fn pool(&mut self) -> bulwark::state::LiquidityPool {
        self.pool_at(0).await
    }

    /// Risk pool `index`'s liquidity pool.
    pub async fn pool_at(&mut self, index: u16) -> bulwark::state::LiquidityPool {
        let acc = self
            .bank
            .account(&pda::pool(index).0)
            .await
            .expect("pool exists");
        bulwark_sdk::accounts::pool(&acc.data).expect("pool decodes")
    }

    /// Risk pool `index`'s insurance fund.
    pub async fn insurance_fund_at(&mut self, index: u16) -> bulwark::state::InsuranceFund {
        let acc = self
            .bank
            .account(&pda::insurance_fund(index).0)
            .await
            .expect("insurance fund exists");
        bulwark_sdk::accounts::insurance_fund(&acc.data).expect("fund decodes")
    }

    /// Pool 0's insurance fund balance.
    pub async fn insurance_balance(&mut self) -> u64 {
        self.insurance_fund_at(0).await.balance
    }

    /// Requests a withdrawal of `shares` for `p`.
    pub async fn pool_request_withdraw(
        &mut self,
        p: &Participant,
        shares: u128,
    ) -> Result<(), BanksClientError> {
        self.bank
            .send(
                &[ix::pool_request_withdraw(p.key.pubkey(), shares, p.pool)],
                &[&p.key],
            )
            .await
    }

    /// Executes `p`'s pending pool withdrawal into its token account.
    pub async fn pool_withdraw(&mut self, p: &Participant) -> Result<(), BanksClientError> {
        let pool = self.pool_markets(p.pool).await;
        self.bank
            .send(
                &[ix::pool_withdraw(p.key.pubkey(), p.token, pool)],
                &[&p.key],
            )
            .await
    }
}
