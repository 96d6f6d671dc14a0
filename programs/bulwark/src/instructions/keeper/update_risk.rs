//! `update_risk(market)`: permissionless. Reads the market's oracle accounts and the
//! collateral's (remaining accounts: exactly the market's sources in order, then the
//! exchange's collateral sources in order), aggregates them through the engine and stores the
//! price in collateral units, its confidence, validity, TWAP and slot. Changes nothing when no
//! source has published anything new.

use anchor_lang::prelude::*;
use bulwark_engine::oracle::{
    check_reading, price_market, ProviderReading, ReadingFault, MAX_SOURCES,
};

use crate::constants::*;
use crate::error::{engine_err, BulwarkError};
use crate::events::{emit_breaker, MarketStateChanged, RiskUpdated, SourceOutcome, SourceRotated};
use crate::oracle::{observe, OracleKind};
use crate::state::{Exchange, Market, OracleConfig, SourceState, SourceStatus};

#[derive(Accounts)]
pub struct UpdateRisk<'info> {
    #[account(seeds = [EXCHANGE_SEED], bump = exchange.load()?.bump)]
    pub exchange: AccountLoader<'info, Exchange>,

    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
}

impl UpdateRisk<'_> {
    /// The market must sit at its PDA; the oracle accounts must be exactly the configured
    /// sources (asset then collateral), in order.
    pub fn validate(&self, oracles: &[AccountInfo]) -> Result<()> {
        let m = self.market.load()?;
        require_eq!(m.version, MARKET_VERSION, BulwarkError::UnsupportedVersion);
        let expected = Pubkey::create_program_address(
            &[MARKET_SEED, &m.index.to_le_bytes(), &[m.bump]],
            &crate::ID,
        )
        .map_err(|_| BulwarkError::MarketAddressMismatch)?;
        require_keys_eq!(
            expected,
            self.market.key(),
            BulwarkError::MarketAddressMismatch
        );
        let ex = self.exchange.load()?;
        let configured = m
            .oracle
            .active()
            .iter()
            .chain(ex.collateral_oracle.active().iter());
        let wanted = m.oracle.num_sources as usize + ex.collateral_oracle.num_sources as usize;
        require_gte!(oracles.len(), wanted, BulwarkError::MissingOracleAccount);
        require_gte!(wanted, oracles.len(), BulwarkError::ExtraOracleAccount);
        for (i, (source, account)) in configured.zip(oracles.iter()).enumerate() {
            if source.account != *account.key {
                msg!(
                    "oracle account {} is {}, expected {}",
                    i,
                    account.key,
                    source.account
                );
                return err!(BulwarkError::WrongOracleAccount);
            }
        }
        Ok(())
    }
}

/// One side's readings: engine inputs plus what to record per source.
struct SideReadings {
    inputs: [Option<ProviderReading>; MAX_SOURCES],
    outcomes: [SourceOutcome; MAX_SOURCES],
    any_new: bool,
}

fn read_side(
    cfg: &OracleConfig,
    states: &[SourceState; 4],
    accounts: &[AccountInfo],
    clock: &Clock,
) -> Result<SideReadings> {
    let mut side = SideReadings {
        inputs: [None; MAX_SOURCES],
        outcomes: [SourceOutcome::default(); MAX_SOURCES],
        any_new: false,
    };
    for (i, (source, account)) in cfg.active().iter().zip(accounts.iter()).enumerate() {
        let kind = OracleKind::try_from(source.kind)?;
        let data = account.try_borrow_data()?;
        let checked = observe(
            kind,
            account.owner,
            &source.owner_program,
            &data,
            &source.feed_id,
        )
        .and_then(|obs| {
            check_reading(
                &obs,
                &cfg.limits(source),
                states[i].last_publish_time,
                clock.unix_timestamp,
                clock.slot,
            )
        });
        side.outcomes[i] = match checked {
            Ok(c) => {
                side.inputs[i] = Some(ProviderReading {
                    provider: source.provider,
                    reading: c.reading,
                });
                side.any_new |= c.is_new;
                let status = if c.is_new {
                    SourceStatus::New
                } else {
                    SourceStatus::Unchanged
                };
                SourceOutcome {
                    status: status as u8,
                    fault: 0,
                    price: c.reading.price,
                    conf: c.reading.conf,
                    publish_time: c.reading.publish_time,
                }
            }
            Err(fault) => invalid(fault),
        };
    }
    Ok(side)
}

fn invalid(fault: ReadingFault) -> SourceOutcome {
    SourceOutcome {
        status: SourceStatus::Invalid as u8,
        fault: fault as u8,
        ..Default::default()
    }
}

/// Records each source's outcome; the replay guard advances only on valid new readings.
fn record(states: &mut [SourceState; 4], side: &SideReadings, n: usize) {
    for ((s, o), input) in states
        .iter_mut()
        .zip(side.outcomes.iter())
        .zip(side.inputs.iter())
        .take(n)
    {
        s.status = o.status;
        s.fault = o.fault;
        s.last_price = o.price;
        s.last_conf = o.conf;
        if let (Some(r), true) = (input, o.status == SourceStatus::New as u8) {
            s.last_publish_time = r.reading.publish_time;
            s.last_publish_slot = r.reading.publish_slot;
        }
    }
}

pub fn update_risk_handler<'info>(ctx: Context<'info, UpdateRisk<'info>>) -> Result<()> {
    // A queued source rotation takes effect at its slot, before the accounts are checked.
    {
        let mut m = ctx.accounts.market.load_mut()?;
        let index = m.pending_source_index;
        if m.apply_due_rotation(Clock::get()?.slot) {
            emit!(SourceRotated {
                market: ctx.accounts.market.key(),
                position: index,
                account: m.oracle.sources[index as usize].account
            });
        }
    }
    ctx.accounts.validate(ctx.remaining_accounts)?;
    ctx.accounts
        .market
        .load()?
        .require_allowed(bulwark_engine::state::Op::UpdateRisk)?;
    let clock = Clock::get()?;
    let ex = ctx.accounts.exchange.load()?;
    let mut m = ctx.accounts.market.load_mut()?;
    let n_asset = m.oracle.num_sources as usize;
    let (asset_accounts, collateral_accounts) = ctx.remaining_accounts.split_at(n_asset);
    let asset = read_side(&m.oracle, &m.source_states, asset_accounts, &clock)?;
    let collateral = read_side(
        &ex.collateral_oracle,
        &m.collateral_source_states,
        collateral_accounts,
        &clock,
    )?;
    if !asset.any_new && !collateral.any_new {
        msg!("update_risk: no source has anything new");
        return Ok(());
    }
    let n_coll = ex.collateral_oracle.num_sources as usize;
    let agg = price_market(
        &asset.inputs[..n_asset],
        &m.oracle.aggregation(),
        &collateral.inputs[..n_coll],
        &ex.collateral_oracle.aggregation(),
        &m.oracle_limits(),
        &m.twap(),
        clock.slot,
        clock.unix_timestamp,
    )
    .map_err(engine_err)?;

    record(&mut m.source_states, &asset, n_asset);
    record(&mut m.collateral_source_states, &collateral, n_coll);
    let (transitions, new_state) = m.apply_aggregate(
        &agg,
        clock.slot,
        clock.unix_timestamp,
        ex.collateral_decimals,
    )?;
    let market_key = ctx.accounts.market.key();
    for t in transitions {
        emit_breaker(market_key, t, clock.slot);
    }
    if let Some(state) = new_state {
        emit!(MarketStateChanged {
            market: market_key,
            state: state as u8,
            slot: clock.slot
        });
    }

    emit!(RiskUpdated {
        market: ctx.accounts.market.key(),
        slot: clock.slot,
        price: agg.price,
        conf: agg.conf,
        reduce_price: agg.reduce_price,
        validity: agg.validity as u8,
        twap: agg.twap.price,
        asset_price_usd: agg.asset.price,
        collateral_price_usd: agg.collateral.price,
        sources: asset.outcomes[..n_asset].to_vec(),
        collateral_sources: collateral.outcomes[..n_coll].to_vec(),
    });
    Ok(())
}
