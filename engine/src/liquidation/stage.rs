//! Sizing one liquidation stage: the least whole number of lots whose closing restores the
//! account, searched with the engine's own health (SPEC section 5).

use super::LiquidationParams;
use crate::error::{EngineError, EngineResult};
use crate::margin::{position_health, Health, HealthKind, MarketMargin};
use crate::num::{apply_ppm_ceil, apply_ppm_floor, notional_ceil};
use crate::position::{apply_fill, Position};

/// Outcome of sizing one stage.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stage {
    /// Atoms to close (≥ 0), in lots, never more than the position.
    pub close: u64,
    /// The smallest stage the caller may ask for: the least whole number of lots that restores
    /// maintenance (without the buffer), or the capped stage itself when even that does not
    /// restore it, or the whole position when it is dust; never below one lot. A caller's
    /// `max_close` below this is refused by the program (`StageBelowMinimum`).
    pub min_close: u64,
    /// Whether closing `close` restores maintenance plus buffer.
    pub restores: bool,
    /// Penalty for this stage, collateral units (penalty rate · closed notional, rounded up).
    pub penalty: u64,
}

/// The account after a probed close: whether it meets maintenance plus buffer and
/// maintenance, the stage's penalty, and by how much it clears each (collateral units,
/// negative when short; these steer the search, the booleans decide).
#[derive(Clone, Copy, Debug)]
struct Probed {
    restores: bool,
    healthy: bool,
    penalty: u64,
    buffer_gap: i128,
    gap: i128,
}

/// Health of the account after closing `close` atoms of the liquidated position at its
/// market's price with the stage's penalty; a probe re-values the liquidated position only.
struct StageProbe<'a> {
    collateral: i64,
    on: StagePosition<'a>,
    penalty_rate_ppm: u64,
    buffer_ppm: u32,
}

impl StageProbe<'_> {
    fn after(&self, close: u64) -> EngineResult<Probed> {
        let (pos, m) = (self.on.position, self.on.market);
        let delta = if pos.base > 0 {
            -(close as i64)
        } else {
            close as i64
        };
        let fill = apply_fill(pos, delta, m.price, m.decimals)?;
        let penalty = apply_ppm_ceil(
            notional_ceil(close as i64, m.price, m.decimals)?,
            self.penalty_rate_ppm,
        )?;
        let collateral = self
            .collateral
            .checked_add(fill.realized_pnl)
            .and_then(|c| c.checked_sub(penalty as i64))
            .ok_or_else(|| EngineError::math("stage collateral"))?;
        let h = self.on.health_at(collateral, &fill.position)?;
        // Restored: equity covers the requirement plus the buffer on the notional (rounded up).
        let gap = h.equity as i128 - h.requirement as i128;
        let buffer = apply_ppm_ceil(h.notional, self.buffer_ppm as u64)? as i128;
        Ok(Probed {
            restores: gap >= buffer,
            healthy: h.is_healthy(),
            penalty,
            buffer_gap: gap - buffer,
            gap,
        })
    }

    /// The least `candidate(lots)` in `1..=hi_lots` for which `test` holds on the probe,
    /// given that it holds at `hi_lots` (health is monotone in the close). Probes `guess`
    /// first and then its neighbour towards the boundary, so an exact guess costs two probes;
    /// bisects what is left. Returns the lots and the probe there.
    fn least_lots(
        &self,
        (hi_lots, at_hi): (u64, Probed),
        guess: u64,
        candidate: impl Fn(u64) -> u64,
        test: impl Fn(&Probed) -> bool,
    ) -> EngineResult<(u64, Probed)> {
        let (mut lo, mut hi, mut best) = (0u64, hi_lots, at_hi);
        let mut next = Some(guess);
        while hi - lo > 1 {
            let mid = match next.take() {
                Some(n) if n > lo && n < hi => n,
                _ => lo + (hi - lo) / 2,
            };
            let probed = self.after(candidate(mid))?;
            let ok = test(&probed);
            if ok {
                (hi, best) = (mid, probed);
            } else {
                lo = mid;
            }
            // After the guess, its neighbour: one probe settles an exact guess.
            if mid == guess {
                next = Some(if ok { mid - 1 } else { mid + 1 });
            }
        }
        Ok((hi, best))
    }
}

/// Where a gap that is `from` (< 0) at no close and `to` (>= 0) at `cap` atoms crosses
/// zero, in whole lots rounded up, assuming it moves linearly in the close (it does, up to
/// rounding: fills, penalty and the maintenance requirement are linear in the closed size).
/// A first guess for the search only.
fn secant_lots(from: i128, to: i128, cap: u64, lot: u64) -> u64 {
    let span = to.saturating_sub(from).max(1);
    let atoms = (from.unsigned_abs().saturating_mul(cap as u128)).div_ceil(span as u128);
    (atoms.div_ceil(lot as u128)).min(u64::MAX as u128) as u64
}

/// Sizes one stage on position `index` of `positions` (each with its market view, at the
/// price liquidation may use): [`stage_of`] with the other positions' health summed here.
pub fn stage(
    collateral: i64,
    positions: &[(Position, MarketMargin)],
    index: usize,
    penalty_rate_ppm: u64,
    lot: u64,
    max_close: u64,
    p: &LiquidationParams,
) -> EngineResult<Stage> {
    let mut others = Health::default();
    for (i, (pos, m)) in positions.iter().enumerate() {
        if i != index {
            others = others.plus(&position_health(pos, m, HealthKind::Maintenance)?)?;
        }
    }
    let (position, market) = &positions[index];
    let on = StagePosition {
        position: *position,
        market,
        others: &others,
    };
    stage_of(collateral, on, penalty_rate_ppm, lot, max_close, p)
}

/// The position a stage closes part of, and the rest of the account.
#[derive(Clone, Copy, Debug)]
pub struct StagePosition<'a> {
    /// The liquidated position.
    pub position: Position,
    /// Its market's view at the price liquidation may use.
    pub market: &'a MarketMargin,
    /// The maintenance health of the account's other positions, collateral excluded (the sum
    /// of their [`position_health`]).
    pub others: &'a Health,
}

impl StagePosition<'_> {
    /// The account's maintenance health at `collateral` with the liquidated position as
    /// `position` (the others as they are): equals `health` over every position, re-valuing
    /// this one only.
    pub fn health_at(&self, collateral: i64, position: &Position) -> EngineResult<Health> {
        Health {
            equity: collateral,
            ..Default::default()
        }
        .plus(self.others)?
        .plus(&position_health(
            position,
            self.market,
            HealthKind::Maintenance,
        )?)
    }
}

/// Sizes one stage on `on.position`: the smallest whole number of lots whose closing at its
/// market's price with `penalty_rate_ppm` restores maintenance plus buffer, capped at
/// `max_fraction` of the position (unless dust). `max_close` may only trim that down to
/// [`Stage::min_close`] (the least that restores maintenance itself): a caller cannot slice a
/// liquidation into stages that leave the account below maintenance (each stage would
/// escalate the penalty and pay the keeper again). Searches with the engine's own health.
pub fn stage_of(
    collateral: i64,
    on: StagePosition,
    penalty_rate_ppm: u64,
    lot: u64,
    max_close: u64,
    p: &LiquidationParams,
) -> EngineResult<Stage> {
    let pos = on.position;
    let size = pos.base.unsigned_abs();
    let lot = lot.max(1);
    let cap = if size <= p.liq_dust_base || size <= lot {
        size
    } else {
        apply_ppm_floor(size, p.liq_max_fraction_ppm as u64)?
            .max(lot)
            .min(size)
    };
    let probe = StageProbe {
        collateral,
        on,
        penalty_rate_ppm,
        buffer_ppm: p.liq_buffer_ppm,
    };
    // Whole lots up to the cap (the cap itself may be a partial lot when it is the position).
    let lots_cap = cap / lot;
    let candidate = |lots: u64| if lots >= lots_cap { cap } else { lots * lot };
    let at_cap = probe.after(cap)?;
    if !at_cap.restores || cap == size && size <= p.liq_dust_base {
        // Deeply under water (the cap does not restore) or dust: the capped stage, whole.
        return Ok(Stage {
            close: cap,
            min_close: cap,
            restores: at_cap.restores,
            penalty: at_cap.penalty,
        });
    }
    let at_zero = probe.after(0)?;
    if at_zero.restores {
        return Ok(Stage {
            close: 0,
            min_close: 0,
            restores: true,
            penalty: 0,
        });
    }
    let top = lots_cap.max(1);
    let guess = secant_lots(at_zero.buffer_gap, at_cap.buffer_gap, cap, lot);
    let (needed_lots, at_needed) =
        probe.least_lots((top, at_cap), guess, candidate, |r| r.restores)?;
    // Restoring the buffer restores maintenance: the minimum is at most what is needed.
    let guess = secant_lots(at_zero.gap, at_needed.gap, candidate(needed_lots), lot);
    let (minimum_lots, at_minimum) =
        probe.least_lots((needed_lots, at_needed), guess, candidate, |r| r.healthy)?;
    let (needed, minimum) = (candidate(needed_lots), candidate(minimum_lots));
    let close = needed.min(max_close.max(minimum) / lot * lot).max(minimum);
    let Probed {
        restores, penalty, ..
    } = match close {
        c if c == needed => at_needed,
        c if c == minimum => at_minimum,
        c => probe.after(c)?,
    };
    Ok(Stage {
        close,
        min_close: minimum,
        restores,
        penalty,
    })
}
