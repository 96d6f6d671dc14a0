//! `update_risk(market)`: permissionless. Reads the market's oracle accounts and the
//! collateral's (remaining accounts: exactly the market's sources in order, then the
//! exchange's collateral sources in order), aggregates them through the engine and stores the
//! price in collateral units, its confidence, validity, TWAP and slot. When no source has
//! published anything new the stored aggregate stands; if the stored readings judged at this
//! slot give it again, it is marked judged in this slot (`judged_slot`, read only by the
//! increase rule), so an increase or withdrawal after it in the same transaction is judged
//! on it. Every other age limit still counts from the last news.

use anchor_lang::prelude::*;
use bulwark_engine::oracle::{Observation, ReadingFault};

use crate::constants::*;
use crate::error::BulwarkError;
use crate::events::{breaker_event, MarketStateChanged, RiskUpdated, SourceRotated};
use crate::oracle::{observe, OracleKind};
use crate::state::{Exchange, Market, OracleConfig, RiskUpdate};

#[event_cpi]
#[derive(Accounts)]
pub struct UpdateRisk<'info> {
    #[account(address = EXCHANGE_ADDRESS @ ErrorCode::ConstraintSeeds)]
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
        // Written at creation from the PDA: a copy elsewhere carries the original's address.
        require_keys_eq!(
            m.address,
            self.market.key(),
            BulwarkError::MarketAddressMismatch
        );
        let ex = self.exchange.load()?;
        let configured = m
            .oracle
            .active()
            .iter()
            .chain(ex.collateral_oracle.active().iter());
        let wanted =
            usize::from(m.oracle.num_sources) + usize::from(ex.collateral_oracle.num_sources);
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

/// The observations of `cfg`'s active sources from `accounts` (same order): the owner must be
/// the kind's program and the bytes must decode.
fn observe_side(
    cfg: &OracleConfig,
    accounts: &[AccountInfo],
) -> Result<Vec<core::result::Result<Observation, ReadingFault>>> {
    let mut out = Vec::with_capacity(accounts.len());
    for (source, account) in cfg.active().iter().zip(accounts.iter()) {
        let kind = OracleKind::try_from(source.kind)?;
        let data = account.try_borrow_data()?;
        out.push(observe(
            kind,
            account.owner,
            &source.owner_program,
            &data,
            &source.feed_id,
        ));
    }
    Ok(out)
}

pub fn update_risk_handler<'info>(ctx: Context<'info, UpdateRisk<'info>>) -> Result<()> {
    // A queued source rotation takes effect at its slot, before the accounts are checked.
    {
        let mut m = ctx.accounts.market.load_mut()?;
        let index = m.pending_source_index;
        if m.apply_due_rotation(Clock::get()?.slot) {
            emit_cpi!(SourceRotated {
                market_index: m.index,
                position: index,
                account: m.oracle.sources[usize::from(index)].account
            });
        }
    }
    ctx.accounts.validate(ctx.remaining_accounts)?;
    ctx.accounts
        .market
        .load()?
        .require_allowed(bulwark_engine::state::Op::UpdateRisk)
        .map_err(crate::error::engine_err)?;
    let clock = Clock::get()?;
    let ex = ctx.accounts.exchange.load()?;
    let mut m = ctx.accounts.market.load_mut()?;
    let n_asset = usize::from(m.oracle.num_sources);
    let (asset_accounts, collateral_accounts) = ctx.remaining_accounts.split_at(n_asset);
    let asset = observe_side(&m.oracle, asset_accounts)?;
    let collateral = observe_side(&ex.collateral_oracle, collateral_accounts)?;
    let Some(update) = m.update_risk_from(
        &ex.collateral_oracle,
        &asset,
        &collateral,
        clock.slot,
        clock.unix_timestamp,
        ex.collateral_decimals,
    )?
    else {
        msg!("update_risk: nothing new; the stored aggregate stands");
        return Ok(());
    };
    let n_collateral = usize::from(ex.collateral_oracle.num_sources);
    let market_index = m.index;
    drop((ex, m));
    let counts = (n_asset, n_collateral);
    emit_update(&ctx, &update, clock.slot, market_index, counts)
}

/// What an update did: breaker transitions and a state change as CPI events (rare, and what
/// people watch), then the new aggregate with every source's outcome as a log event (every
/// refresh: a self-CPI would cost ~2.5k CU on the keepers' hottest instruction). Kept out of
/// line: inlined into the instruction's dispatch, its event buffers pushed that frame to
/// within 1 KB of the VM's 4 KB limit.
#[inline(never)]
fn emit_update<'info>(
    ctx: &Context<'info, UpdateRisk<'info>>,
    update: &RiskUpdate,
    slot: u64,
    market_index: u16,
    (n_asset, n_collateral): (usize, usize),
) -> Result<()> {
    let agg = &update.aggregate;
    for t in update.transitions.iter().copied() {
        emit_cpi!(breaker_event(market_index, t, slot));
    }
    if let Some(state) = update.new_state {
        emit_cpi!(MarketStateChanged {
            market_index,
            state,
            slot
        });
    }
    emit!(RiskUpdated {
        market_index,
        slot,
        price: agg.price,
        conf: agg.conf,
        reduce_price: agg.reduce_price,
        validity: agg.validity,
        twap: agg.twap.price,
        asset_price_usd: agg.asset.price,
        collateral_price_usd: agg.collateral.price,
        sources: update.asset.outcomes[..n_asset].to_vec(),
        collateral_sources: update.collateral.outcomes[..n_collateral].to_vec(),
    });
    Ok(())
}
