//! Bootstrap's comparison of an existing market with the deployment file: what differs, each
//! with the `bulwark governance propose` command that would queue it.

use bulwark_engine::governance::MarketParam;

use crate::accounts;
use crate::bootstrap::{account_error, BootstrapError, BootstrapReport, Deployment};
use crate::params::symbol_str;

/// An existing market `i` (its account `bytes`, called `name`) against the file: its symbol
/// and every governable parameter the file states, each difference reported with the
/// proposal that would queue it.
pub(crate) fn compare_market(
    bytes: &[u8],
    d: &Deployment,
    i: usize,
    name: String,
    r: &mut BootstrapReport,
) -> Result<(), BootstrapError> {
    let args = &d.markets[i];
    let m = accounts::market(bytes).map_err(|e| account_error(&name, e))?;
    let before = r.drift.len();
    if m.pool != d.market_pools[i] {
        r.drift.push(format!(
            "{name}: listed into pool {} on chain, pool {} in the file (a market's pool is fixed at listing)",
            m.pool, d.market_pools[i]
        ));
    }
    if m.symbol != args.symbol {
        r.drift.push(format!(
            "{name}: chain symbol {:?} (index {i} is another market)",
            symbol_str(&m.symbol)
        ));
    }
    let (long, short) = d.caps[i];
    for p in MarketParam::ALL {
        let file = match p {
            MarketParam::OpenInterestCapLong => long,
            MarketParam::OpenInterestCapShort => short,
            MarketParam::BaseImr => Some(args.params.margin.base_imr_ppm as u64),
            MarketParam::BaseMmr => Some(args.params.dynamics.margin.base_mmr_ppm as u64),
            MarketParam::MaxMmr => Some(args.params.dynamics.margin.max_mmr_ppm as u64),
            MarketParam::MaxLeverage => Some(args.params.margin.max_leverage as u64),
            MarketParam::MaxPositionNotional => Some(args.params.trade.max_position_notional),
            MarketParam::TakerFee => Some(args.params.trade.fees.taker_fee_ppm as u64),
            MarketParam::InsuranceWindowCap => Some(args.params.insurance.insurance_window_cap),
            MarketParam::ReserveFactor => Some(args.params.trade.reserve_factor_ppm as u64),
        };
        let chain = m.params.value(p);
        if let Some(v) = file.filter(|v| *v != chain) {
            r.drift.push(proposal_hint(&name, i, p, chain, v));
        }
    }
    if r.drift.len() == before {
        r.unchanged.push(name);
    }
    Ok(())
}

pub(crate) fn proposal_hint(
    name: &str,
    index: usize,
    p: MarketParam,
    chain: u64,
    file: u64,
) -> String {
    let one_step = bulwark_engine::governance::within_step(chain, file, &p.spec()) == Ok(true);
    let (value, steps) = if one_step {
        (file.to_string(), "")
    } else {
        (
            "<next step>".to_string(),
            " (beyond one step's limit: queue it in several steps, one per window)",
        )
    };
    format!(
        "{name}: {} is {chain} on chain, {file} in the file; queue it with `bulwark governance propose param --market {index} --param {} --value {value} --governance <DAO key>`{steps}",
        p.name(),
        p.name()
    )
}
