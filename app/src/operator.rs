//! Operator and trader read commands: `bulwark market list|show` and `bulwark account show`.
//!
//! Every read goes through a JSON-RPC client: a cluster's (`--url`), or, with `--demo-state`,
//! one whose node is the in-process bank holding a small venue (SOL-PERP, an LP, a long and a
//! short), so the commands can be tried and tested with no cluster. Numbers come from the
//! engine through the SDK's previews. Tables by default; `--json` for scripts.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anyhow::{anyhow, bail, Context, Result};
use bulwark::state::{Exchange, MarginAccount, Market};
use bulwark_engine::margin::HealthKind;
use bulwark_engine::num::PRICE_SCALE;
use bulwark_keeper::rpc_chain::{PriorityFee, RpcChain, RpcSettings};
use bulwark_keeper::ChainError;
use bulwark_keeper::KeeperChain;
use bulwark_sdk::preview::{account_health, account_liquidation_price, PreviewClock};
use bulwark_sdk::{accounts, pda};
use bulwark_testkit::bank_rpc::{self, BankRpcControl};
use bulwark_testkit::world::World;
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use serde_json::{json, Value};
use solana_commitment_config::CommitmentConfig;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_sdk::signature::{Keypair, Signer};

/// Where reads come from.
#[derive(clap::Args, Debug, Clone)]
pub struct Source {
    /// JSON-RPC URL of a cluster, or m|d|t|l (default: the Solana CLI config's).
    #[arg(short = 'u', long, conflicts_with = "demo_state")]
    pub url: Option<String>,
    /// Read from a small venue built in an in-process bank (no cluster needed).
    #[arg(long)]
    pub demo_state: bool,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// The key of the demo state's owner `seed`: 1 the LP, 2 the long, 3 the short.
pub fn demo_owner(seed: u8) -> Keypair {
    Keypair::new_from_array([seed; 32])
}

/// A connection: the client, and the bank world it serves from when it is the demo state.
pub struct Reader {
    client: RpcClient,
    /// The cluster's URL (none for the demo state).
    url: Option<String>,
    /// The demo state's bank and its RPC controls.
    _world: Option<(World, BankRpcControl)>,
    /// A fixed priority fee for what this reader sends, micro-lamports per compute unit
    /// (`None`: the percentile policy).
    pub priority_fee: Option<u64>,
    /// Simulate what it would send; send nothing.
    pub dry_run: bool,
}

impl Reader {
    /// Connects as `source` says (building the demo state when asked).
    pub async fn connect(source: &Source) -> Result<Reader> {
        if source.demo_state {
            let world = {
                let _quiet = bulwark_testkit::quiet::StdoutSilenced::new()?;
                demo_state().await?
            };
            let control = BankRpcControl::default();
            *control.known.lock().expect("known lock") = world.margin_accounts.clone();
            let client = bank_rpc::client(world.bank.banks_client(), control.clone());
            return Ok(Reader {
                client,
                url: None,
                _world: Some((world, control)),
                priority_fee: None,
                dry_run: false,
            });
        }
        let url = crate::cluster::url(source.url.as_deref())?;
        Ok(Reader {
            client: RpcClient::new_with_commitment(url.clone(), CommitmentConfig::confirmed()),
            url: Some(url),
            _world: None,
            priority_fee: None,
            dry_run: false,
        })
    }

    pub async fn data(&self, key: &Pubkey, what: &str) -> Result<Vec<u8>> {
        self.maybe_data(key)
            .await
            .with_context(|| format!("reading {what} {key}"))?
            .ok_or_else(|| anyhow!("{what} {key} does not exist"))
    }

    /// An account's data, `None` when it does not exist; a failed read is an error.
    pub async fn maybe_data(&self, key: &Pubkey) -> Result<Option<Vec<u8>>> {
        Ok(self
            .client
            .get_account_with_commitment(key, CommitmentConfig::confirmed())
            .await?
            .value
            .map(|a| a.data))
    }

    /// Risk pool `index`'s liquidity pool.
    pub async fn pool(&self, index: u16) -> Result<bulwark::state::LiquidityPool> {
        accounts::pool(&self.data(&pda::pool(index).0, "pool").await?)
            .map_err(|e| anyhow!("pool {index}: {e}"))
    }

    pub async fn exchange(&self) -> Result<Exchange> {
        accounts::exchange(&self.data(&pda::exchange().0, "exchange").await?)
            .map_err(|e| anyhow!("exchange: {e}"))
    }

    pub async fn markets(&self, ex: &Exchange) -> Result<Vec<Market>> {
        let mut out = Vec::new();
        for i in 0..ex.market_count {
            let data = self.data(&pda::market(i).0, "market").await?;
            out.push(accounts::market(&data).map_err(|e| anyhow!("market {i}: {e}"))?);
        }
        Ok(out)
    }

    pub async fn clock(&self, ex: &Exchange) -> Result<PreviewClock> {
        let id = <anchor_lang::solana_program::clock::Clock as anchor_lang::solana_program::sysvar::SysvarId>::id();
        let d = self.data(&id, "clock sysvar").await?;
        if d.len() < 40 {
            bail!("clock sysvar too short");
        }
        Ok(PreviewClock {
            slot: u64::from_le_bytes(d[0..8].try_into().expect("8 bytes")),
            unix_timestamp: i64::from_le_bytes(d[32..40].try_into().expect("8 bytes")),
            decimals: ex.collateral_decimals,
        })
    }
}

impl Reader {
    /// Sends `ixs` paid and signed by `signer` as the keeper sends its own (the SDK's
    /// `RpcChain`): simulated first, a compute-unit limit from the simulation with a 20%
    /// margin, a priority fee at the 75th percentile of recent fees on the accounts written,
    /// resent on transport failures without signing twice. A refusal is named by its program
    /// error.
    pub async fn send(
        &self,
        ixs: &[Instruction],
        signer: &Keypair,
        tables: &[Pubkey],
    ) -> Result<()> {
        // The bank behind the demo state prints the program's logs to stdout.
        let _quiet = match self._world {
            Some(_) => Some(bulwark_testkit::quiet::StdoutSilenced::new()?),
            None => None,
        };
        let client = match (&self.url, &self._world) {
            (Some(url), _) => {
                RpcClient::new_with_commitment(url.clone(), CommitmentConfig::confirmed())
            }
            (None, Some((world, control))) => {
                bank_rpc::client(world.bank.banks_client(), control.clone())
            }
            (None, None) => bail!("no cluster to send to"),
        };
        let defaults = RpcSettings::default();
        let settings = RpcSettings {
            lookup_tables: tables.to_vec(),
            priority_fee: self
                .priority_fee
                .map_or(defaults.priority_fee, PriorityFee::Fixed),
            dry_run: self.dry_run,
            ..defaults
        };
        let mut chain = RpcChain::new(client, signer.insecure_clone(), settings);
        chain
            .load_lookup_tables()
            .await
            .map_err(|e| anyhow!("--lookup-table: {e}"))?;
        // A refusal for want of this slot's judgement is transient: in the slot where a quiet
        // source ages out of the aggregate with nothing new published, the refresh in the
        // transaction cannot judge the price again; the next publication (Pyth: within a
        // second) can. The same instructions are sent up to three times in all.
        let mut attempts = 0;
        loop {
            attempts += 1;
            match chain.send(ixs).await {
                Ok(()) if self.dry_run => {
                    eprintln!("simulated: the program would accept it (nothing sent)");
                    return Ok(());
                }
                Ok(()) => {
                    self.print_signature(chain.last_signature);
                    return Ok(());
                }
                Err(e) => {
                    let transient = e.program_error().as_deref() == Some("NotRefreshedThisSlot");
                    if transient && attempts < 3 {
                        tokio::time::sleep(std::time::Duration::from_millis(600)).await;
                        continue;
                    }
                    return Err(match e {
                        ChainError::Program { code } => match bulwark_sdk::errors::explain(code) {
                            Some(why) => anyhow!("refused by the program: {why}"),
                            None => anyhow!("refused by the program: error {code}"),
                        },
                        other => anyhow!(other),
                    });
                }
            }
        }
    }
}

impl Reader {
    /// Tells the person (on standard error, so `--json` output stays one document) the landed
    /// transaction's signature and, on a cluster, where the explorer shows it.
    fn print_signature(&self, signature: Option<solana_sdk::signature::Signature>) {
        let Some(sig) = signature else { return };
        eprintln!("signature: {sig}");
        if let Some(url) = &self.url {
            let link = crate::cluster::explorer_url(&sig.to_string(), url);
            eprintln!("explorer: {link}");
        }
    }
}

/// The demo state: SOL-PERP at $150, an LP with 100,000 USDC in the pool, a 10x long of
/// 20 SOL and a 5 SOL short (owners [`demo_owner`] 1, 2, 3); the long and the short also hold
/// 1,000 USDC in their associated token accounts.
pub async fn demo_state() -> Result<World> {
    let mut w = World::with_sol_market().await;
    let sol = 1_000_000_000u64;
    let usdc = 1_000_000u64;
    w.set_open_interest_caps_directly(0, 10_000 * sol, 10_000 * sol)
        .await;
    let lp = w.participant_with_key(demo_owner(1), 100_000 * usdc).await;
    w.pool_deposit(&lp, 100_000 * usdc)
        .await
        .map_err(|e| anyhow!("pool deposit: {e}"))?;
    for (seed, base, limit) in [(2u8, 20i64, 152u64), (3, -5, 148)] {
        let t = w.participant_with_key(demo_owner(seed), 300 * usdc).await;
        w.deposit(&t, 300 * usdc)
            .await
            .map_err(|e| anyhow!("deposit: {e}"))?;
        w.trade(&t, base * sol as i64, limit * PRICE_SCALE)
            .await
            .map_err(|e| anyhow!("trade: {e}"))?;
        // A wallet's usual token account, with 1,000 USDC, for the trader commands.
        let mint = w.collateral_mint;
        let ata = w
            .bank
            .create_associated_token_account(&mint, &t.key.pubkey())
            .await;
        w.bank.mint_to(&mint, &ata, 1_000 * usdc).await;
    }
    Ok(w)
}

/// A market's ticker.
pub fn symbol(m: &Market) -> String {
    String::from_utf8_lossy(&m.symbol)
        .trim_end_matches('\0')
        .to_string()
}

/// A price at 1e-9 as a decimal string (exact).
pub fn price(v: u64) -> String {
    format!("{}.{:09}", v / PRICE_SCALE, v % PRICE_SCALE)
}

/// Base atoms (1e9 a unit) as a decimal string (exact).
pub fn base(v: i128) -> String {
    amount(v, 9)
}

/// Collateral units as a decimal string (exact).
pub fn amount(v: i128, decimals: u8) -> String {
    let scale = 10u128.pow(decimals.min(38) as u32);
    let sign = if v < 0 { "-" } else { "" };
    let a = v.unsigned_abs();
    format!(
        "{sign}{}.{:0w$}",
        a / scale,
        a % scale,
        w = decimals as usize
    )
}

/// Parts per million as a percentage with two decimals (truncated).
pub fn percent(ppm: u32) -> String {
    format!("{}.{:02}%", ppm / 10_000, (ppm % 10_000) / 100)
}

fn market_json(m: &Market, at: &PreviewClock) -> Value {
    json!({
        "index": m.index,
        "symbol": symbol(m),
        "pool": m.pool,
        "state": m.state().name(),
        "stress_signal": m.contagion.on != 0,
        "price": price(m.aggregate.price),
        "aggregate_slot": m.aggregate.slot,
        "price_age_slots": at.slot.saturating_sub(m.aggregate.slot),
        "long_oi": base(m.book.long_oi as i128),
        "short_oi": base(m.book.short_oi as i128),
        "maintenance_ppm_now": m.mmr_at(at.slot),
        "maintenance_ppm_target": m.ramp.target_ppm,
        "adl_episode_start_slot": m.adl_episode.start_slot,
        "adl_water_level_ppm": m.adl_water_level_ppm(at.slot),
    })
}

/// The market's state, with the stress signal when it is on.
fn state_with_signal(m: &Market) -> String {
    let state = m.state().name();
    if m.contagion.on == 0 {
        return state.to_string();
    }
    format!("{state} (stress +{})", percent(m.contagion.step_ppm))
}

/// Finds a market by index or symbol (case-insensitive).
pub fn find_market<'a>(markets: &'a [Market], name: &str) -> Result<&'a Market> {
    markets
        .iter()
        .find(|m| m.index.to_string() == name || symbol(m).eq_ignore_ascii_case(name))
        .ok_or_else(|| {
            let known: Vec<String> = markets.iter().map(symbol).collect();
            anyhow!("MARKET: no market {name:?} (markets: {})", known.join(", "))
        })
}

pub fn print_table(header: &[&str], rows: Vec<Vec<String>>) {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_header(header.to_vec());
    for r in rows {
        t.add_row(r);
    }
    println!("{t}");
}

/// `bulwark market list`.
pub async fn market_list(source: &Source) -> Result<()> {
    let r = Reader::connect(source).await?;
    let ex = r.exchange().await?;
    let at = r.clock(&ex).await?;
    let markets = r.markets(&ex).await?;
    if source.json {
        let v: Vec<Value> = markets.iter().map(|m| market_json(m, &at)).collect();
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    print_table(
        &[
            "index",
            "symbol",
            "pool",
            "state",
            "price",
            "long OI",
            "short OI",
            "maintenance now",
        ],
        markets
            .iter()
            .map(|m| {
                vec![
                    m.index.to_string(),
                    symbol(m),
                    m.pool.to_string(),
                    state_with_signal(m),
                    price(m.aggregate.price),
                    base(m.book.long_oi as i128),
                    base(m.book.short_oi as i128),
                    percent(m.mmr_at(at.slot)),
                ]
            })
            .collect(),
    );
    Ok(())
}

/// `bulwark market show MARKET`.
pub async fn market_show(source: &Source, name: &str) -> Result<()> {
    let r = Reader::connect(source).await?;
    let ex = r.exchange().await?;
    let at = r.clock(&ex).await?;
    let markets = r.markets(&ex).await?;
    let m = find_market(&markets, name)?;
    let j = market_json(m, &at);
    if source.json {
        println!("{}", serde_json::to_string_pretty(&j)?);
        return Ok(());
    }
    print_table(
        &["field", "value"],
        j.as_object()
            .expect("object")
            .iter()
            .map(|(k, v)| vec![k.clone(), v.to_string().trim_matches('"').to_string()])
            .collect(),
    );
    Ok(())
}

/// `bulwark account show OWNER [--index N]`.
pub async fn account_show(source: &Source, owner: &str, index: u16) -> Result<()> {
    let owner = crate::keeper_cmd::parse_pubkey("OWNER", owner)?;
    let r = Reader::connect(source).await?;
    let j = account_json(&r, &owner, index).await?;
    print_account(&j, source.json)
}

/// The margin account `index` of `owner`: collateral, health, positions with liquidation
/// prices (engine previews at the markets' stored prices).
pub async fn account_json(r: &Reader, owner: &Pubkey, index: u16) -> Result<Value> {
    let ex = r.exchange().await?;
    let at = r.clock(&ex).await?;
    let markets = r.markets(&ex).await?;
    let key = pda::margin_account(owner, index).0;
    let data = r.data(&key, "margin account").await?;
    let a: MarginAccount =
        accounts::margin_account(&data).map_err(|e| anyhow!("margin account {key}: {e}"))?;
    let d = ex.collateral_decimals;
    let maint = account_health(&a, &markets, &at, HealthKind::Maintenance)
        .map_err(|e| anyhow!("health: {e:?}"))?;
    let init = account_health(&a, &markets, &at, HealthKind::Initial)
        .map_err(|e| anyhow!("health: {e:?}"))?;
    let mut positions = Vec::new();
    for p in a.positions.iter().filter(|p| p.base != 0) {
        let m = find_market(&markets, &p.market_index.to_string())?;
        let liq = account_liquidation_price(&a, &markets, &at, p.market_index)
            .map_err(|e| anyhow!("liquidation price: {e:?}"))?;
        positions.push(json!({
            "market": symbol(m),
            "base": base(p.base as i128),
            "cost": amount(p.cost as i128, d),
            "mark_price": price(m.aggregate.price),
            "liquidation_price": liq.map(price),
        }));
    }
    let j = json!({
        "account": key.to_string(),
        "owner": owner.to_string(),
        "index": index,
        "collateral": amount(a.collateral as i128, d),
        "equity": amount(maint.equity as i128, d),
        "maintenance_requirement": amount(maint.requirement as i128, d),
        "initial_requirement": amount(init.requirement as i128, d),
        "healthy": maint.is_healthy(),
        "in_liquidation": a.liquidation.active != 0,
        "delegate": (a.delegate != Pubkey::default()).then(|| json!({
            "key": a.delegate.to_string(),
            "max_loss": amount(a.delegate_limits.max_loss as i128, d),
            "max_notional": amount(a.delegate_limits.max_notional as i128, d),
            "reduce_only": a.delegate_limits.reduce_only != 0,
        })),
        "positions": positions,
    });
    Ok(j)
}

/// Prints an [`account_json`] value as JSON or as two tables.
pub fn print_account(j: &Value, as_json: bool) -> Result<()> {
    if as_json {
        println!("{}", serde_json::to_string_pretty(j)?);
        return Ok(());
    }
    let positions = j["positions"].as_array().cloned().unwrap_or_default();
    let obj = j.as_object().expect("object");
    print_table(
        &["field", "value"],
        obj.iter()
            .filter(|(k, _)| *k != "positions")
            .map(|(k, v)| vec![k.clone(), v.to_string().trim_matches('"').to_string()])
            .collect(),
    );
    print_table(
        &["market", "base", "cost", "mark price", "liquidation price"],
        positions
            .iter()
            .map(|p| {
                vec![
                    p["market"].as_str().unwrap_or_default().to_string(),
                    p["base"].as_str().unwrap_or_default().to_string(),
                    p["cost"].as_str().unwrap_or_default().to_string(),
                    p["mark_price"].as_str().unwrap_or_default().to_string(),
                    p["liquidation_price"]
                        .as_str()
                        .unwrap_or("none")
                        .to_string(),
                ]
            })
            .collect(),
    );
    Ok(())
}
