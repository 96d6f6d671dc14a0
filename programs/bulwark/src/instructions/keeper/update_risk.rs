//! `update_risk(market)`: permissionless. Reads the market's oracle accounts and the
//! collateral's (remaining accounts: exactly the market's sources in order, then the
//! exchange's collateral sources in order), aggregates them through the engine and stores the
//! price in collateral units, its confidence, validity, TWAP and slot. Changes nothing when no
//! source has published anything new.

use anchor_lang::prelude::*;
use bulwark_engine::action::{price_for_action, Action};
use bulwark_engine::breaker::{
    flags as breaker_flags, oracle_flags, update_velocity, Reason, Transition,
};
use bulwark_engine::dynamic_margin::{retarget, target_mmr_ppm};
use bulwark_engine::oracle::{
    check_reading, price_market, ProviderReading, ReadingFault, Validity, MAX_SOURCES,
};
use bulwark_engine::volatility::update_volatility;

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

    // Funding accrues up to now at the price stored so far (frozen while it was unusable).
    let usable = price_for_action(
        Action::ReduceRisk,
        &m.stored_price(),
        clock.slot,
        clock.unix_timestamp,
        &m.age_limits(),
    )
    .is_ok();
    m.accrue_funding(clock.unix_timestamp, usable, ex.collateral_decimals)?;
    m.priced_slots = m.priced_clock(clock.slot, usable);

    record(&mut m.source_states, &asset, n_asset);
    record(&mut m.collateral_source_states, &collateral, n_coll);
    m.price = agg.price;
    m.conf = agg.conf;
    m.reduce_price = agg.reduce_price;
    m.validity = agg.validity as u8;
    m.dispersion = agg.dispersion;
    m.asset_survivors = agg.asset.survivors;
    m.collateral_survivors = agg.collateral.survivors;
    m.aggregate_slot = clock.slot;
    m.aggregate_time = clock.unix_timestamp;
    m.oldest_publish_time = agg.oldest_publish_time;
    m.asset_price_usd = agg.asset.price;
    m.asset_conf_usd = agg.asset.conf;
    m.collateral_price_usd = agg.collateral.price;
    m.collateral_conf_usd = agg.collateral.conf;
    m.twap_price = agg.twap.price;
    m.twap_last_slot = agg.twap.last_slot;
    m.twap_last_time = agg.twap.last_time;
    // Breakers: velocity on every priced aggregate, oracle health and divergence from its
    // validity; then the state follows.
    let mut transitions: Vec<Transition> = Vec::new();
    if agg.validity != Validity::NoPrice {
        let (params, state) = m.velocity();
        let (v, t) = update_velocity(&state, agg.price, clock.unix_timestamp, &params)
            .map_err(engine_err)?;
        m.set_velocity(&v);
        transitions.extend(t);
    }
    let before_flags = m.breaker_flags;
    m.breaker_flags = oracle_flags(m.breaker_flags, agg.validity);
    for (flag, reason) in [
        (breaker_flags::ORACLE_HEALTH, Reason::OracleBelowQuorum),
        (breaker_flags::DIVERGENCE, Reason::Divergence),
    ] {
        match (before_flags & flag != 0, m.breaker_flags & flag != 0) {
            (false, true) => transitions.push(Transition::Trip(reason)),
            (true, false) => transitions.push(Transition::Recover(reason)),
            _ => {}
        }
    }
    let market_key = ctx.accounts.market.key();
    for t in transitions {
        emit_breaker(market_key, t, clock.slot);
    }
    if let Some(state) = m.refresh_state(clock.slot) {
        emit!(MarketStateChanged {
            market: market_key,
            state: state as u8,
            slot: clock.slot
        });
    }
    if agg.validity > Validity::Divergent {
        // Volatility folds at most one return per sampling interval; the ramp re-aims.
        let dynamics = m.dynamics();
        let vol = update_volatility(&m.vol(), agg.price, clock.unix_timestamp, &dynamics.vol)
            .map_err(engine_err)?;
        m.vol_anchor_price = vol.anchor_price;
        m.vol_anchor_time = vol.anchor_time;
        m.vol_variance = vol.variance;
        m.sigma_ppm = vol.sigma_ppm();
        let target = target_mmr_ppm(&dynamics.margin, m.sigma_ppm, agg.conf, agg.price)
            .map_err(engine_err)?;
        let ramp = retarget(&m.ramp(), target, clock.slot, &dynamics.margin);
        m.set_ramp(&ramp);
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
