//! More of the ready-made world: a one-market venue, a keeper's liquidation and governance's
//! proposals, kept apart so `world.rs` stays within the house's file size.

use bulwark::instructions::CreateMarketArgs;
use bulwark::state::ProposalAction;
use solana_program_test::BanksClientError;
use solana_sdk::signature::Signer;

use crate::world::{Participant, World};
use bulwark_sdk::ix;

/// Where the world's proposal seeds start.
pub const WORLD_SEEDS: u64 = 0x5EED_0000_0000;

impl World {
    /// A world whose only market (index 0) is SOL-PERP's standard listing with `edit` applied,
    /// priced once (a venue of one market: it measures trades against the whole pool).
    pub async fn with_one_market(edit: impl FnOnce(&mut CreateMarketArgs)) -> World {
        let mut w = World::new().await;
        w.initialize_exchange().await.expect("initialize_exchange");
        w.create_market_like_sol(0, edit)
            .await
            .expect("create_market");
        w.publish_all(15_000_000_000, 100_000_000).await;
        w.update_risk().await.expect("update_risk");
        w
    }

    /// `keeper` liquidates `target`'s position in `market` (no other position markets passed),
    /// crediting the keeper's margin account 0.
    pub async fn liquidate(
        &mut self,
        keeper: &Participant,
        target: &Participant,
        market: u16,
        max_base: u64,
    ) -> Result<(), BanksClientError> {
        let market = ix::MarketRef {
            index: market,
            pool: self.bank.market(market).await.pool,
        };
        let ix = ix::liquidate(
            keeper.key.pubkey(),
            keeper.margin,
            target.margin,
            market,
            max_base,
            &[],
        );
        self.bank.send(&[ix], &[&keeper.key]).await
    }

    /// Governance queues `action`; returns its seed (`WORLD_SEEDS` plus the exchange's
    /// proposal count: distinct from the id it gets, so nothing can confuse the two).
    pub async fn queue_proposal(
        &mut self,
        action: ProposalAction,
    ) -> Result<u64, BanksClientError> {
        let gov = self.governance.insecure_clone();
        let payer = self.bank.payer().pubkey();
        let seed = WORLD_SEEDS + self.bank.exchange().await.proposal_count;
        let q = ix::queue_proposal(gov.pubkey(), payer, seed, action);
        self.bank.send(&[q], &[&gov]).await?;
        Ok(seed)
    }
}
