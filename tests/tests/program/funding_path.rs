//! Funding does not depend on how often it is accrued: refreshing a market every second (which
//! anyone may do) accrues the same index as one refresh over the same time. Before, each
//! accrual truncated its delta and reset the clock, so on a $0.05 market with a 50,000 USDC
//! skew one accrual over 600 s gave 173 index units and 600 one-second accruals gave 0.

use bulwark_sdk::pda;
use bulwark_tests::*;

/// SOL-PERP priced at $0.05 with 1,000,000 SOL of net long open interest (50,000 USDC skew:
/// 500 ppm a day at the standard 100,000 USDC depth), written into the market directly (a
/// harness shortcut: no positions are needed for the index to move).
async fn five_cent_market_long_skewed() -> World {
    let mut w = World::new().await;
    w.initialize_exchange().await.unwrap();
    w.create_sol_market().await.unwrap();
    w.publish_all(5_000_000, USD).await;
    w.update_risk().await.unwrap();
    let key = pda::market(SOL_PERP).0;
    let mut acc = w.bank.account(&key).await.unwrap();
    let at = 8 + std::mem::offset_of!(bulwark::state::Market, core.book.long_oi);
    acc.data[at..at + 8].copy_from_slice(&(1_000_000 * SOL as u64).to_le_bytes());
    w.bank.set_account(&key, &bulwark::ID, acc.data);
    assert_eq!(
        w.bank.market(SOL_PERP).await.book.long_oi,
        1_000_000 * SOL as u64
    );
    w
}

/// Refreshes after each of `gaps` (seconds, one slot per second) and returns the index.
async fn index_after(gaps: &[u64]) -> i64 {
    let mut w = five_cent_market_long_skewed().await;
    for gap in gaps {
        // `refresh` moves one slot and one second itself.
        if *gap > 1 {
            w.bank.advance(gap - 1, *gap as i64 - 1).await;
        }
        w.refresh(5_000_000).await;
    }
    let m = w.bank.market(SOL_PERP).await;
    assert_eq!(m.funding.rate_ppm, 500);
    m.funding.index
}

#[tokio::test]
async fn refreshing_every_second_accrues_what_one_refresh_over_ten_minutes_does() {
    // 0.05e9 * 500 * 600 / (1e6 * 86_400) = 173.6 -> 173.
    assert_eq!(index_after(&[600]).await, 173);
    assert_eq!(index_after(&[1; 600]).await, 173);
}

#[tokio::test]
async fn irregular_refreshes_accrue_the_same_index() {
    let gaps: Vec<u64> = (0..)
        .map(|i| [1, 2, 3, 5, 7][i % 5])
        .scan(0, |t, g| {
            *t += g;
            (*t <= 600).then_some(g)
        })
        .collect();
    let rest = 600 - gaps.iter().sum::<u64>();
    let gaps: Vec<u64> = gaps.into_iter().chain((rest > 0).then_some(rest)).collect();
    assert_eq!(gaps.iter().sum::<u64>(), 600);
    assert_eq!(index_after(&gaps).await, 173);
}
