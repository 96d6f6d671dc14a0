//! `bulwark localnet`: a local cluster for everything that needs one. The program's SBF build
//! runs on the VM behind a JSON-RPC endpoint (HTTP) and a pubsub websocket on 127.0.0.1;
//! slots advance in real time with the wall clock, the oracle feeds publish on their own
//! cadences, and the venue starts listed, capped through governance and funded. Every CLI
//! command, `bulwark keeper run` and Anchor's TS client use it through `--url` as they would a
//! cluster.

mod block;
mod feeds;
mod ledger;
mod methods;
mod node;
mod server;
mod state;
mod venue;

use std::path::PathBuf;
use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use anyhow::{anyhow, bail, Context, Result};
use serde_json::json;
use tokio::sync::{mpsc, oneshot};

use feeds::PricePath;
use node::Node;
use server::{Call, Endpoints};
use venue::{MarketSpec, VenueSettings};

/// `bulwark localnet` arguments.
#[derive(clap::Args, Debug)]
pub struct LocalnetArgs {
    /// JSON-RPC port on 127.0.0.1 (0: any free port; the ready line names it).
    #[arg(long, default_value_t = 8899)]
    pub port: u16,
    /// Websocket port (default: the JSON-RPC port + 1, as clients assume; any free port when
    /// the JSON-RPC port is 0).
    #[arg(long)]
    pub ws_port: Option<u16>,
    /// The program's SBF build (`sbf/build-sbf.sh . bulwark` prints its path).
    #[arg(long, env = "BULWARK_SBF_SO")]
    pub program: PathBuf,
    /// A market to list, `SYMBOL=PRICE` (a seeded walk from that price, in USD) or
    /// `SYMBOL=FILE` (a `unix_ts,open,high,low,close` file replayed; see --speed). Repeat for
    /// several. Default: SOL-PERP=150, BTC-PERP=90000, ETH-PERP=3000.
    #[arg(long = "market", value_name = "SYMBOL=PRICE|FILE")]
    pub markets: Vec<String>,
    /// How many times faster than recorded a price file replays.
    #[arg(long, default_value_t = 60)]
    pub speed: u32,
    /// Seed of the random walks.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Milliseconds per slot.
    #[arg(long, default_value_t = 400)]
    pub slot_ms: u64,
    /// Land every transaction as it arrives instead of in the slot's block (the block's and
    /// each written account's compute limits then do not apply).
    #[arg(long)]
    pub land_on_receipt: bool,
    /// Directory keeping accounts, clock, feeds and keys across restarts.
    #[arg(long)]
    pub state: Option<PathBuf>,
    /// An owner (base58 address or keypair file) to give 100 SOL and 100,000 USDC at
    /// creation. Repeat for several.
    #[arg(long, value_name = "PUBKEY|KEYPAIR")]
    pub fund: Vec<String>,
    /// The pool's withdrawal delay, seconds.
    #[arg(long, default_value_t = 10)]
    pub pool_withdraw_delay_secs: u32,
    /// The insurance stake's unstake cooldown, seconds.
    #[arg(long, default_value_t = 10)]
    pub unstake_cooldown_secs: u32,
    /// Stop (saving state) after this many seconds.
    #[arg(long)]
    pub stop_after_secs: Option<u64>,
}

/// Per-slot standard deviation of the walks: about 80% a year.
const WALK_SIGMA_PPM: u32 = 90;

fn market_specs(args: &LocalnetArgs) -> Result<Vec<MarketSpec>> {
    let given = if args.markets.is_empty() {
        vec![
            "SOL-PERP=150".into(),
            "BTC-PERP=90000".into(),
            "ETH-PERP=3000".into(),
        ]
    } else {
        args.markets.clone()
    };
    let now = node::wall_clock();
    given
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let (symbol, what) = m
                .split_once('=')
                .ok_or_else(|| anyhow!("--market: {m:?} is not SYMBOL=PRICE or SYMBOL=FILE"))?;
            if symbol.is_empty() || symbol.len() > 16 {
                bail!("--market: {symbol:?} must be 1 to 16 characters");
            }
            let path = match bulwark_sdk::fixtures::parse_decimal_e8(what) {
                Ok(price_e8) if price_e8 > 0 => PricePath::Walk {
                    state: args.seed.wrapping_mul(1_000_003).wrapping_add(i as u64),
                    price_e8,
                    sigma_ppm: WALK_SIGMA_PPM,
                },
                _ => {
                    let bars = bulwark_sdk::fixtures::load_bars(std::path::Path::new(what))
                        .map_err(|e| anyhow!("--market {symbol}: {e}"))?;
                    PricePath::from_bars(&bars, args.speed, now)
                }
            };
            Ok(MarketSpec {
                symbol: symbol.into(),
                path,
            })
        })
        .collect()
}

/// What the node reports once it is up.
struct Ready {
    collateral_mint: Pubkey,
    markets: Vec<String>,
    restored: bool,
}

/// Builds (or restores) the node, reports it, then serves calls and ticks slots until the
/// endpoints are gone; saves the state on the way out.
async fn node_thread(
    args: &LocalnetArgs,
    mut calls: mpsc::Receiver<Call>,
    ready: oneshot::Sender<Result<(Ready, tokio::sync::broadcast::Sender<node::Notice>)>>,
) {
    let built = build_node(args).await;
    let (mut node, mint, restored) = match built {
        Ok(b) => b,
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    node.land_on_receipt = args.land_on_receipt;
    let markets = node.assets[1..].iter().map(|a| a.symbol.clone()).collect();
    let info = Ready {
        collateral_mint: mint,
        markets,
        restored,
    };
    let _ = ready.send(Ok((info, node.notices.clone())));
    let mut tick = tokio::time::interval(Duration::from_millis(args.slot_ms.max(1)));
    let mut save = tokio::time::interval(Duration::from_secs(5));
    loop {
        tokio::select! {
            _ = tick.tick() => node.tick().await,
            _ = save.tick() => save_state(args, &mut node, mint),
            call = calls.recv() => match call {
                Some(c) => {
                    let answer = methods::call(&mut node, &c.method, &c.params);
                    let _ = c.reply.send(answer);
                }
                None => break,
            },
        }
    }
    save_state(args, &mut node, mint);
}

fn save_state(args: &LocalnetArgs, node: &mut Node, mint: Pubkey) {
    if let Some(dir) = &args.state {
        if let Err(e) = state::save(dir, node, mint) {
            eprintln!("localnet: saving state in {}: {e:#}", dir.display());
        }
    }
}

async fn build_node(args: &LocalnetArgs) -> Result<(Node, Pubkey, bool)> {
    let elf = std::fs::read(&args.program)
        .with_context(|| format!("--program: cannot read {}", args.program.display()))?;
    let keys = state::keys(args.state.as_deref())?;
    let now = node::wall_clock();
    if let Some(saved) = args
        .state
        .as_deref()
        .map(state::load)
        .transpose()?
        .flatten()
    {
        let bank = state::restore(&elf, &keys, &saved, now).await;
        return Ok((
            Node::new(bank, saved.assets).await,
            saved.collateral_mint,
            true,
        ));
    }
    let mut assets = venue::assets(market_specs(args)?);
    let fund = args
        .fund
        .iter()
        .map(|k| match k.parse::<Pubkey>() {
            Ok(key) => Ok(key),
            Err(_) => crate::keeper_cmd::read_keypair(std::path::Path::new(k))
                .map(|kp| solana_sdk::signature::Signer::pubkey(&kp))
                .map_err(|e| anyhow!("--fund: {k:?} is neither an address nor a keypair: {e}")),
        })
        .collect::<Result<Vec<_>>>()?;
    let settings = VenueSettings {
        pool_withdraw_delay_secs: args.pool_withdraw_delay_secs,
        unstake_cooldown_secs: args.unstake_cooldown_secs,
        fund,
    };
    let (bank, mint) = venue::create(&elf, &keys, &mut assets, &settings, now).await?;
    Ok((Node::new(bank, assets).await, mint, false))
}

async fn bind(port: u16) -> Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .with_context(|| format!("binding 127.0.0.1:{port}"))
}

/// Runs the local cluster until Ctrl-C (or `--stop-after-secs`).
pub async fn run(args: LocalnetArgs) -> Result<()> {
    let http = bind(args.port).await?;
    let ws_port = args
        .ws_port
        .unwrap_or(if args.port == 0 { 0 } else { args.port + 1 });
    let ws = bind(ws_port).await?;
    let (calls_tx, calls_rx) = mpsc::channel::<Call>(1024);
    let (ready_tx, ready_rx) = oneshot::channel();
    let state_dir = args.state.clone();
    let stop_after = args.stop_after_secs;
    let thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build();
        match rt {
            Ok(rt) => rt.block_on(node_thread(&args, calls_rx, ready_tx)),
            Err(e) => eprintln!("localnet: node runtime: {e}"),
        }
    });
    let (info, notices) = ready_rx
        .await
        .map_err(|_| anyhow!("the node thread stopped"))??;
    let endpoints = Endpoints {
        calls: calls_tx,
        notices,
    };
    let rpc_url = format!("http://{}", http.local_addr()?);
    let ws_url = format!("ws://{}", ws.local_addr()?);
    let ready = json!({
        "rpc_url": rpc_url, "ws_url": ws_url, "program_id": bulwark::ID.to_string(),
        "exchange": bulwark_sdk::pda::exchange().0.to_string(),
        "collateral_mint": info.collateral_mint.to_string(), "markets": info.markets,
        "restored": info.restored,
        "state": state_dir.as_ref().map(|d| d.display().to_string()),
    });
    println!("{ready}");
    let shutdown = async move {
        let deadline = Duration::from_secs(stop_after.unwrap_or(u64::MAX / 4));
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = tokio::time::sleep(deadline) => {}
        }
    };
    let http_server = axum::serve(http, server::http(endpoints.clone()));
    let ws_server = axum::serve(ws, server::websocket(endpoints.clone()));
    tokio::select! {
        r = http_server => r?,
        r = ws_server => r?,
        _ = shutdown => {}
    }
    drop(endpoints);
    let _ = tokio::task::spawn_blocking(move || thread.join()).await;
    Ok(())
}
