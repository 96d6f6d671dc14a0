//! Several liquidation stages of one account in one transaction. The keeper runs the
//! program's own operation (`AccountCore::liquidate`) on copies of the account and the markets
//! to know which stages the program will accept, in order, and the health markets each needs
//! (a stage that closes a position changes the next one's list); then sends them together.
//! If the chain moved since the keeper read it and the transaction is refused, the keeper
//! falls back to one stage a transaction, as before.

use bulwark::state::{MarginAccount, Market};
use bulwark_engine::account::{AccountCore, OpClock, StageLimits};
use bulwark_engine::action::Action;
use bulwark_engine::EngineError;
use bulwark_sdk::preview::{other_positions_for_action, PreviewClock};

use crate::rules::{keep_liquidating, liquidation_target};

/// Default most stages sent in one transaction (`KeeperConfig::stages_per_transaction`;
/// 8-position stages measure up to ~38k CU each: four stay far inside the 1.4M limit and a
/// legacy packet).
pub const STAGES_PER_TRANSACTION: u32 = 4;

/// One planned stage: the market it closes in and the account's other open markets then.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedStage {
    pub market: u16,
    pub others: Vec<u16>,
}

/// Up to `max` stages on `account`, each one the program would accept after the ones before
/// (the keeper's own target and continuation rules between them); `fund_share` is the part of
/// the insurance fund the market may advance against, as `liquidate` computes it. Empty when
/// the program would refuse the first. `markets` are the keeper's copies: the planned stages
/// are applied to them, so the next account's plan in the same round sees the markets as
/// these stages leave them (a refused attempt changes nothing).
pub fn plan_stages(
    account: &MarginAccount,
    markets: &mut [Market],
    at: &PreviewClock,
    fund_share: u64,
    max: u32,
) -> Vec<PlannedStage> {
    let (mut a, ms) = (*account, markets);
    let mut plan = Vec::new();
    while (plan.len() as u32) < max {
        let Some(market) = liquidation_target(&a, ms, at) else {
            break;
        };
        let Some(i) = ms.iter().position(|m| m.index == market) else {
            break;
        };
        let (open, n) = a.open_markets();
        let others: Vec<u16> = open[..n].iter().copied().filter(|m| *m != market).collect();
        // The program reads them after funding settles in `market`, which leaves them as they
        // are: read once, here.
        let Ok(views) = other_positions_for_action(&a.core, ms, at, Action::Liquidate, market)
        else {
            break;
        };
        let limits = StageLimits {
            max_base: u64::MAX,
            fund_share,
        };
        let clock = OpClock {
            slot: at.slot,
            now: at.unix_timestamp,
        };
        let given = move |_: &AccountCore| Ok::<_, EngineError>(views);
        let (mut account_copy, mut market_copy) = (a.core, ms[i].core);
        if account_copy
            .liquidate(&mut market_copy, given, limits, clock, at.decimals)
            .is_err()
        {
            break;
        }
        (a.core, ms[i].core) = (account_copy, market_copy);
        plan.push(PlannedStage { market, others });
        if !keep_liquidating(&a, ms, at) {
            break;
        }
    }
    plan
}
