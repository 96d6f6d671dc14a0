//! The venue a local cluster starts with: USDC collateral priced by Pyth and Chainlink,
//! markets priced by Pyth, Switchboard and Chainlink feeds, listed by governance, their
//! open-interest caps raised through governance's timelock (the setup runs in the clock's
//! past so the timelock is really waited out), a house LP's liquidity in the pool, and the
//! wallets named with `--fund` holding SOL and USDC.

use anchor_lang::prelude::Pubkey;
use anyhow::{anyhow, Result};
use bulwark::oracle::OracleKind;
use bulwark::state::OracleSourceArgs;
use bulwark_engine::governance::MarketParam;
use bulwark_sdk::ix;
use bulwark_sdk::oracle_accounts::{CHAINLINK_STORE, PYTH_RECEIVER, SWITCHBOARD_ON_DEMAND};
use bulwark_sdk::params::*;
use bulwark_testkit::bank::Bank;
use bulwark_testkit::world::World;
use solana_sdk::signature::Keypair;

use super::feeds::{Asset, Cadence, PricePath, Source};

/// One USDC, in collateral units.
pub const USDC: u64 = 1_000_000;
/// Seconds a quiet Chainlink reading stays in the aggregate: as long as increases accept a
/// source's age (`max_age_for_increase_secs`), so a feed on a 60 s heartbeat drops out
/// instead of holding every increase back (Pyth and Switchboard carry the quorum).
pub const CHAINLINK_STALENESS_SECS: u32 = 10;

/// A market to list: its symbol and price path.
pub struct MarketSpec {
    pub symbol: String,
    pub path: PricePath,
}

/// The keys a local cluster runs with (kept in `--state`).
pub struct Keys {
    pub payer: Keypair,
    pub upgrade_authority: Keypair,
    pub governance: Keypair,
    pub guardian: Keypair,
}

/// The venue's settings a user may change.
pub struct VenueSettings {
    pub pool_withdraw_delay_secs: u32,
    pub unstake_cooldown_secs: u32,
    /// Owners given SOL and USDC.
    pub fund: Vec<Pubkey>,
}

fn feed_id(tag: &str, symbol: &str) -> [u8; 32] {
    solana_sdk::hash::hash(format!("{tag}:{symbol}").as_bytes()).to_bytes()
}

fn new_source(kind: OracleKind, symbol: &str, cadence: Cadence) -> Source {
    let (owner, id) = match kind {
        OracleKind::PythPull => (PYTH_RECEIVER, feed_id("pyth", symbol)),
        OracleKind::SwitchboardOnDemand => (SWITCHBOARD_ON_DEMAND, feed_id("switchboard", symbol)),
        OracleKind::Chainlink => (CHAINLINK_STORE, [0; 32]),
    };
    Source {
        key: Pubkey::new_unique(),
        kind: kind as u8,
        owner,
        feed_id: id,
        cadence,
        last: None,
        round: 0,
    }
}

/// Pyth: a new price every second. The receiver's price-feed accounts take an update only
/// when its publish time (whole seconds) is later than the one stored, so however often Pyth
/// prices, an account changes at most once a second; the program, which holds a publish time
/// to one price, relies on that.
const PYTH: Cadence = Cadence::EverySecs(1);

const CHAINLINK: Cadence = Cadence::HeartbeatOrDeviation {
    heartbeat_secs: 60,
    deviation_ppm: 5_000,
};

/// The collateral (USDC at $1, Pyth and Chainlink) and each market's asset (Pyth every
/// second, Switchboard every 3 s, Chainlink on a 60 s heartbeat or a 0.5% move).
pub fn assets(markets: Vec<MarketSpec>) -> Vec<Asset> {
    let usdc = Asset {
        symbol: "USDC".into(),
        path: PricePath::Walk {
            state: 0,
            price_e8: 100_000_000,
            sigma_ppm: 0,
        },
        sources: vec![
            new_source(OracleKind::PythPull, "USDC", PYTH),
            new_source(OracleKind::Chainlink, "USDC", CHAINLINK),
        ],
    };
    let mut out = vec![usdc];
    for m in markets {
        out.push(Asset {
            sources: vec![
                new_source(OracleKind::PythPull, &m.symbol, PYTH),
                new_source(
                    OracleKind::SwitchboardOnDemand,
                    &m.symbol,
                    Cadence::EverySecs(3),
                ),
                new_source(OracleKind::Chainlink, &m.symbol, CHAINLINK),
            ],
            symbol: m.symbol,
            path: m.path,
        });
    }
    out
}

/// A source's listing arguments (provider by kind; Chainlink's staleness as above).
fn source_args(s: &Source) -> OracleSourceArgs {
    let kind = OracleKind::try_from(s.kind).expect("a kind this module made");
    let provider = match kind {
        OracleKind::PythPull => PROVIDER_PYTH,
        OracleKind::SwitchboardOnDemand => PROVIDER_SWITCHBOARD,
        OracleKind::Chainlink => PROVIDER_CHAINLINK,
    };
    let mut args = source(kind, provider, s.key, s.owner, s.feed_id);
    if kind == OracleKind::Chainlink {
        args.max_staleness_secs = CHAINLINK_STALENESS_SECS;
        args.max_staleness_slots = CHAINLINK_STALENESS_SECS * 5 / 2;
    }
    args
}

/// Oracle account keys of an asset, in listing order.
pub fn oracle_keys(a: &Asset) -> Vec<Pubkey> {
    a.sources.iter().map(|s| s.key).collect()
}

/// Publishes every asset's due feeds at the bank's clock.
pub async fn publish(bank: &mut Bank, assets: &mut [Asset]) {
    let clock = bank.clock().await;
    for a in assets.iter_mut() {
        for (key, owner, data) in a.publish_due(clock.unix_timestamp, clock.slot) {
            bank.set_account(&key, &owner, data);
        }
    }
}

/// Refreshes every market (asset `i + 1` prices market `i`).
pub async fn refresh_all(bank: &mut Bank, assets: &[Asset]) -> Result<()> {
    let usdc = oracle_keys(&assets[0]);
    for (i, a) in assets[1..].iter().enumerate() {
        let ix = ix::update_risk(i as u16, &oracle_keys(a), &usdc);
        bank.send(&[ix], &[])
            .await
            .map_err(|e| anyhow!("update_risk {i}: {e}"))?;
    }
    Ok(())
}

/// Boots the program (`elf`) and builds the venue; the clock ends at `now`. Returns the
/// bank and the collateral mint.
pub async fn create(
    elf: &[u8],
    keys: &Keys,
    assets: &mut [Asset],
    settings: &VenueSettings,
    now: i64,
) -> Result<(Bank, Pubkey)> {
    let timelock = TIMELOCK_SECS as i64;
    let start = now - timelock - 120;
    let bank = Bank::start_vm(
        elf,
        start,
        keys.payer.insecure_clone(),
        keys.upgrade_authority.insecure_clone(),
    )
    .await;
    let mut w = World::on(bank).await;
    w.governance = keys.governance.insecure_clone();
    w.guardian = keys.guardian.insecure_clone();
    publish(&mut w.bank, assets).await;
    let mut args = w.exchange_args();
    args.collateral_oracle =
        collateral_side(assets[0].sources.iter().map(source_args).collect(), 1);
    args.pool_withdraw_delay_secs = settings.pool_withdraw_delay_secs;
    args.unstake_cooldown_secs = settings.unstake_cooldown_secs;
    w.initialize_exchange_with(args)
        .await
        .map_err(|e| anyhow!("initialize_exchange: {e}"))?;
    let gov = w.governance.insecure_clone();
    for (i, a) in assets[1..].iter().enumerate() {
        let mut m = w.sol_market_args();
        m.index = i as u16;
        m.symbol = symbol(&a.symbol);
        m.oracle = asset_side(a.sources.iter().map(source_args).collect(), 2);
        w.create_market_with(&gov, m)
            .await
            .map_err(|e| anyhow!("list {}: {e}", a.symbol))?;
    }
    raise_caps(&mut w, assets.len() as u16 - 1).await?;
    let slot = w.bank.clock().await.slot;
    w.bank.set_clock(slot + 1, now).await;
    publish(&mut w.bank, assets).await;
    refresh_all(&mut w.bank, assets).await?;
    seed_pool_and_wallets(&mut w, settings).await?;
    Ok((w.bank, w.collateral_mint))
}

/// Queues both open-interest caps of every market, waits the timelock out, executes them.
async fn raise_caps(w: &mut World, markets: u16) -> Result<()> {
    // One governance step from zero (10,000 base units).
    let cap = 10_000 * 1_000_000_000u64;
    let mut queued = Vec::new();
    for index in 0..markets {
        for param in [
            MarketParam::OpenInterestCapLong,
            MarketParam::OpenInterestCapShort,
        ] {
            let action = bulwark::state::ProposalAction::MarketParam {
                market_index: index,
                param,
                value: cap,
            };
            let id = w
                .queue_proposal(action)
                .await
                .map_err(|e| anyhow!("queue cap: {e}"))?;
            queued.push((id, index));
        }
    }
    w.bank.advance(10, TIMELOCK_SECS as i64 + 1).await;
    for (id, index) in queued {
        let x = ix::execute_proposal(id, Some(index));
        w.bank
            .send(&[x], &[])
            .await
            .map_err(|e| anyhow!("execute cap raise: {e}"))?;
    }
    Ok(())
}

/// A house LP deposits 1,000,000 USDC into the pool; each funded owner gets 100 SOL and
/// 100,000 USDC in its associated token account.
async fn seed_pool_and_wallets(w: &mut World, settings: &VenueSettings) -> Result<()> {
    let lp = w.participant(1_000_000 * USDC).await;
    w.pool_deposit(&lp, 1_000_000 * USDC)
        .await
        .map_err(|e| anyhow!("house LP: {e}"))?;
    let mint = w.collateral_mint;
    for owner in &settings.fund {
        w.bank.fund(owner, 100_000_000_000).await;
        let ata = w.bank.create_associated_token_account(&mint, owner).await;
        w.bank.mint_to(&mint, &ata, 100_000 * USDC).await;
    }
    Ok(())
}
