//! `bulwark pool list`: every risk pool with its markets, its LPs' capital, its insurance fund,
//! the losses each has borne and its stress-signal settings (leaders by symbol).

use anyhow::Result;
use bulwark::state::{Exchange, InsuranceFund, LiquidityPool, Market};
use bulwark_sdk::{accounts, pda};
use serde_json::{json, Value};

use crate::operator::{amount, percent, print_table, symbol, Reader, Source};

/// One pool as read.
struct PoolRow {
    pool: LiquidityPool,
    fund: InsuranceFund,
    markets: Vec<String>,
    leaders: Vec<String>,
}

/// Every pool of `ex`, with its markets and leaders named by symbol.
async fn read_pools(r: &Reader, ex: &Exchange, markets: &[Market]) -> Result<Vec<PoolRow>> {
    let name = |i: u16| {
        markets
            .iter()
            .find(|m| m.index == i)
            .map_or_else(|| i.to_string(), symbol)
    };
    let mut out = Vec::new();
    for p in 0..ex.pool_count {
        let pool = r.pool(p).await?;
        let data = r.data(&pda::insurance_fund(p).0, "insurance fund").await?;
        let fund = accounts::insurance_fund(&data)
            .map_err(|e| anyhow::anyhow!("insurance fund {p}: {e}"))?;
        let listed = markets.iter().filter(|m| m.pool == p).map(symbol).collect();
        let leaders = pool.contagion.named_leaders().map(name).collect();
        out.push(PoolRow {
            pool,
            fund,
            markets: listed,
            leaders,
        });
    }
    Ok(out)
}

fn pool_json(row: &PoolRow, decimals: u8) -> Value {
    let (p, f, c) = (&row.pool, &row.fund, &row.pool.contagion);
    json!({
        "index": p.index,
        "markets": row.markets,
        "capital": amount(p.capital.into(), decimals),
        "lp_shares": p.total_shares().to_string(),
        "socialised": amount(p.total_socialized.into(), decimals),
        "insurance_balance": amount(f.balance.into(), decimals),
        "insurance_paid": amount(f.total_paid.into(), decimals),
        "leaders": row.leaders,
        "stress_step_ppm": c.step_ppm,
        "stress_spread_ppm": c.spread_ppm,
        "stress_sigma_trigger_ppm": c.sigma_trigger_ppm,
        "stress_calm_secs": c.calm_secs,
    })
}

/// `bulwark pool list`.
pub async fn pool_list(source: &Source) -> Result<()> {
    let r = Reader::connect(source).await?;
    let ex = r.exchange().await?;
    let markets = r.markets(&ex).await?;
    let rows = read_pools(&r, &ex, &markets).await?;
    let d = ex.collateral_decimals;
    if source.json {
        let v: Vec<Value> = rows.iter().map(|row| pool_json(row, d)).collect();
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    let header = [
        "pool",
        "markets",
        "LP capital",
        "insurance",
        "paid",
        "socialised",
        "leaders",
        "stress step",
    ];
    let table = rows
        .iter()
        .map(|row| {
            let (p, f) = (&row.pool, &row.fund);
            vec![
                p.index.to_string(),
                row.markets.join(", "),
                amount(p.capital.into(), d),
                amount(f.balance.into(), d),
                amount(f.total_paid.into(), d),
                amount(p.total_socialized.into(), d),
                row.leaders.join(", "),
                percent(p.contagion.step_ppm),
            ]
        })
        .collect();
    print_table(&header, table);
    Ok(())
}
