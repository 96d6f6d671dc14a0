//! `bulwark demo`: the real program in an in-process bank. Creates the exchange (USDC
//! collateral priced by Pyth and Chainlink) and SOL-PERP (Pyth, Switchboard, Chainlink, in
//! their real byte layouts), then walks the price through calm, one provider manipulated 10x,
//! one source stale, two providers diverging, a USDC wobble and recovery. Each step prints
//! every source's reading and validity, the aggregate in collateral units, and what each kind
//! of action may do.

use anyhow::{anyhow, Result};
use bulwark::state::{Market, SourceState, SourceStatus};
use bulwark_engine::action::{aged_validity, price_for_action, Action, Refusal};
use bulwark_engine::num::PRICE_SCALE;
use bulwark_engine::oracle::ReadingFault;
use bulwark_sdk::params::symbol_str;
use bulwark_testkit::world::{Feed, World, SOL_PERP};
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};

/// One step of the story: which feeds publish what (USD at 1e-8) after the clock moves.
struct Step {
    title: &'static str,
    story: &'static str,
    advance_secs: i64,
    prices: &'static [(Feed, i64)],
}

const SOL: i64 = 100_000_000; // $1 at 1e-8

const STEPS: &[Step] = &[
    Step {
        title: "1. calm",
        story: "All three providers agree on SOL ≈ $150 and USDC = $1.",
        advance_secs: 2,
        prices: &[(Feed::PythSol, 150 * SOL), (Feed::SwitchboardSol, 150 * SOL + 5_000_000), (Feed::ChainlinkSol, 150 * SOL - 4_000_000), (Feed::PythUsdc, SOL), (Feed::ChainlinkUsdc, SOL)],
    },
    Step {
        title: "2. one provider manipulated 10x",
        story: "Pyth reports $1,500. It is dropped as an outlier; the median of the other two holds.",
        advance_secs: 2,
        prices: &[(Feed::PythSol, 1_500 * SOL), (Feed::SwitchboardSol, 150 * SOL + 10_000_000), (Feed::ChainlinkSol, 150 * SOL), (Feed::PythUsdc, SOL), (Feed::ChainlinkUsdc, SOL)],
    },
    Step {
        title: "3. one source stale",
        story: "Switchboard stops publishing for 70 s (limit 60 s). Pyth and Chainlink still make quorum.",
        advance_secs: 70,
        prices: &[(Feed::PythSol, 150 * SOL + 20_000_000), (Feed::ChainlinkSol, 150 * SOL + 10_000_000), (Feed::PythUsdc, SOL), (Feed::ChainlinkUsdc, SOL)],
    },
    Step {
        title: "4. providers diverging",
        story: "Pyth says $150, Switchboard $154, Chainlink $158: no two agree within 2% (2.6% apart even without the farthest reading). Risk increases stop; reductions and liquidations use the fallback inside the 3% TWAP band, held at the middle reading.",
        advance_secs: 2,
        prices: &[(Feed::PythSol, 150 * SOL), (Feed::SwitchboardSol, 154 * SOL), (Feed::ChainlinkSol, 158 * SOL), (Feed::PythUsdc, SOL), (Feed::ChainlinkUsdc, SOL)],
    },
    Step {
        title: "5. USDC wobble",
        story: "USDC slips to ≈$0.97 (Pyth 0.970, Chainlink 0.971): SOL at $150 is 154.56 USDC. The depeg is priced, not ignored.",
        advance_secs: 2,
        prices: &[(Feed::PythSol, 150 * SOL), (Feed::SwitchboardSol, 150 * SOL), (Feed::ChainlinkSol, 150 * SOL), (Feed::PythUsdc, 97_000_000), (Feed::ChainlinkUsdc, 97_100_000)],
    },
    Step {
        title: "6. recovery",
        story: "Everything agrees again; every action is allowed.",
        advance_secs: 2,
        prices: &[(Feed::PythSol, 150 * SOL + 3_000_000), (Feed::SwitchboardSol, 150 * SOL), (Feed::ChainlinkSol, 150 * SOL - 2_000_000), (Feed::PythUsdc, SOL), (Feed::ChainlinkUsdc, SOL)],
    },
    Step {
        title: "7. keepers stall",
        story: "No source publishes for 20 s (50 slots): update_risk changes nothing, the stored aggregate ages past its 25 freshness slots and reads Stale. Increases and deleveraging stop; reductions and liquidations still run within their age limits.",
        advance_secs: 20,
        prices: &[],
    },
];

/// Runs the story.
pub async fn run(program_logs: bool) -> Result<()> {
    // The story, not the runtime: the natively run program prints its logs only when asked.
    bulwark_testkit::quiet::set_program_logs(program_logs);
    if std::env::var_os("RUST_LOG").is_none() {
        // The bank logs every instruction at debug level; the demo prints its own tables.
        std::env::set_var("RUST_LOG", "error");
    }
    println!(
        "Bulwark demo: the real program in an in-process bank (solana-program-test, native).\n"
    );
    let mut w = World::new().await;
    w.initialize_exchange()
        .await
        .map_err(|e| anyhow!("initialize_exchange: {e}"))?;
    w.create_sol_market()
        .await
        .map_err(|e| anyhow!("create_market: {e}"))?;
    let m = w.bank.market(SOL_PERP).await;
    println!(
        "Exchange created (collateral mint {}), market {} listed with {} sources, quorum {} providers.",
        w.collateral_mint,
        symbol_str(&m.symbol),
        m.oracle.num_sources,
        m.oracle.min_quorum
    );
    println!("Open-interest caps start at zero: trading opens only when governance raises them.\n");

    for step in STEPS {
        w.bank
            .advance(step.advance_secs as u64 * 5 / 2, step.advance_secs)
            .await;
        for (feed, price) in step.prices {
            w.publish(*feed, *price).await;
        }
        w.update_risk()
            .await
            .map_err(|e| anyhow!("update_risk: {e}"))?;
        let market = w.bank.market(SOL_PERP).await;
        let clock = w.bank.clock().await;
        println!("━━ {} ━━", step.title);
        println!("{}", step.story);
        println!("{}", sources_table(&market));
        println!("{}", aggregate_table(&market, clock.slot));
        println!(
            "{}\n",
            actions_table(&market, clock.slot, clock.unix_timestamp)
        );
    }
    println!("Every price above is the program's stored aggregate after a real update_risk.\n");
    let bob = crate::demo_trading::run(&mut w).await?;
    crate::demo_dynamics::run(&mut w, &bob).await?;
    crate::demo_crash::run().await?;
    crate::demo_pools::run().await?;
    if !program_logs {
        println!("`bulwark demo --program-logs` also prints the program's own logs as it runs.");
    }
    Ok(())
}

/// USD or collateral units at 1e-9, shown with 4 decimals (display only, truncated).
pub fn fmt_price(v: u64) -> String {
    format!("{}.{:04}", v / PRICE_SCALE, (v % PRICE_SCALE) / 100_000)
}

fn status(s: &SourceState, survived: bool) -> String {
    let outlier = if survived { "" } else { ", dropped as outlier" };
    match s.status {
        x if x == SourceStatus::New as u8 => format!("valid (new{outlier})"),
        x if x == SourceStatus::Unchanged as u8 => format!("valid (unchanged{outlier})"),
        x if x == SourceStatus::Invalid as u8 => {
            format!(
                "invalid: {}",
                ReadingFault::from_u8(s.fault)
                    .map(|f| f.name())
                    .unwrap_or("?")
            )
        }
        _ => "unread".into(),
    }
}

fn sources_table(m: &Market) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED).set_header(vec![
        "source",
        "reading (USD)",
        "confidence",
        "validity",
    ]);
    let n = m.oracle.num_sources as usize;
    let states = m
        .source_states
        .iter()
        .take(n)
        .chain(m.collateral_source_states.iter().take(Feed::ALL.len() - n));
    let survivors = (0..n)
        .map(|i| m.aggregate.asset_survivors & (1 << i) != 0)
        .chain((0..).map(|i| m.aggregate.collateral_survivors & (1 << i) != 0));
    for ((feed, s), survived) in Feed::ALL.iter().zip(states).zip(survivors) {
        let price = if s.status == SourceStatus::Invalid as u8 {
            "—".into()
        } else {
            fmt_price(s.last_price)
        };
        let conf = if s.status == SourceStatus::Invalid as u8 {
            "—".into()
        } else {
            fmt_price(s.last_conf)
        };
        t.add_row(vec![
            feed.label().to_string(),
            price,
            conf,
            status(s, survived),
        ]);
    }
    t
}

fn aggregate_table(m: &Market, slot: u64) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_header(vec!["SOL-PERP aggregate", "value"]);
    let a = &m.aggregate;
    for (name, value) in [
        ("SOL/USD median", a.asset_price_usd),
        ("USDC/USD median", a.collateral_price_usd),
        ("price (USDC per SOL)", a.price),
        ("confidence (USDC)", a.conf),
    ] {
        t.add_row(vec![name.into(), fmt_price(value)]);
    }
    t.add_row(vec![
        "validity when aggregated".into(),
        a.validity().name().to_string(),
    ]);
    let age = slot.saturating_sub(m.aggregate.slot);
    t.add_row(vec![
        format!("validity now ({age} slots old)"),
        aged_validity(&m.aggregate.stored_price(), slot, &m.params.ages)
            .name()
            .to_string(),
    ]);
    t.add_row(vec!["TWAP (USDC)".into(), fmt_price(m.twap.price)]);
    t.add_row(vec![
        "reduction price (USDC)".into(),
        if m.aggregate.reduce_price == 0 {
            "none".into()
        } else {
            fmt_price(m.aggregate.reduce_price)
        },
    ]);
    t
}

fn refusal(r: Refusal) -> String {
    match r {
        Refusal::Validity(v) => format!("refused: price {}", v.name()),
        Refusal::NotRefreshedThisSlot => "refused: not refreshed this slot".into(),
        Refusal::SourcesTooOld => "refused: a source is too old for increases".into(),
        Refusal::TooOld => "refused: aggregate too old".into(),
        Refusal::NoFallbackReading => "refused: no reading inside the TWAP band".into(),
    }
}

fn actions_table(m: &Market, slot: u64, now: i64) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_header(vec!["action", "allowed now?"]);
    for action in Action::ALL {
        let verdict = match price_for_action(
            action,
            &m.aggregate.stored_price(),
            slot,
            now,
            &m.params.ages,
        ) {
            Ok(p) => format!("yes, at {} USDC", fmt_price(p)),
            Err(r) => refusal(r),
        };
        t.add_row(vec![action.name().to_string(), verdict]);
    }
    t
}
