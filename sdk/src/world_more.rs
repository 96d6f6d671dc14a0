//! More of the ready-made world: a one-market venue and a keeper's liquidation, kept apart so
//! `world.rs` stays within the house's file size.

use bulwark::instructions::CreateMarketArgs;
use solana_program_test::BanksClientError;
use solana_sdk::signature::Signer;

use crate::ix;
use crate::world::{Participant, World};

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
}
