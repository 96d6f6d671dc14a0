//! The cycle's stress-signal step: for every risk pool with leaders, each follower market
//! whose signal state would change now (on, off, or its calm clock started) (the engine's `MarketCore::propagate_stress` run on a copy,
//! with the leaders as read) gets `propagate_stress`. A follower whose signal would stay as it
//! is costs nothing.

use bulwark::state::{Exchange, LiquidityPool, Market};
use bulwark_engine::state::MarketState;
use bulwark_sdk::ix;

use crate::chain_error::ChainError;
use crate::cycle::{CycleReport, KeeperChain};

/// Whether propagating `pool`'s signal into `follower` at `slot`/`now` would change it, by the
/// program's own rule; `markets` holds every market (the leaders among them).
pub fn signal_due(
    follower: &Market,
    pool: &LiquidityPool,
    markets: &[Market],
    slot: u64,
    now: i64,
) -> bool {
    let c = &pool.contagion;
    // Without leaders only a signal still on can change (it goes off after the calm period).
    let idle = c.named_leaders().next().is_none() && follower.contagion.on == 0;
    if follower.pool != pool.index || idle || follower.state() >= MarketState::Settled {
        return false;
    }
    let mut readings = Vec::new();
    for i in c.named_leaders() {
        let Some(m) = markets.iter().find(|m| m.index == i) else {
            return false;
        };
        readings.extend(m.leader_reading(slot, now));
    }
    let mut copy = follower.core;
    copy.propagate_stress(&readings, c, slot, now)
        .is_ok_and(|(out, _)| out.recorded)
}

/// Sends `propagate_stress` to every follower whose signal is due to change.
pub(crate) async fn propagate_signals<C: KeeperChain>(
    chain: &mut C,
    ex: &Exchange,
    markets: &[Market],
    r: &mut CycleReport,
) -> Result<(), ChainError> {
    let (slot, now) = chain.clock().await?;
    for p in 0..ex.pool_count {
        let pool = chain.pool(p).await?;
        let leaders: Vec<u16> = pool.contagion.named_leaders().collect();
        for m in markets
            .iter()
            .filter(|m| signal_due(m, &pool, markets, slot, now))
        {
            match chain
                .send(&[ix::propagate_stress(m.index, p, &leaders)])
                .await
            {
                Ok(()) => r.stress_signals += 1,
                Err(e) => r.fail(format!("propagate_stress {}", m.index), e),
            }
        }
    }
    Ok(())
}
