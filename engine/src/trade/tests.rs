//! The trade engine's behaviour, case by case.

use super::*;

const SOL: i64 = 1_000_000_000;
const P150: u64 = 150_000_000_000;

fn params() -> TradeParams {
    TradeParams {
        spread: SpreadParams {
            base_spread_ppm: 1_000,
            conf_spread_k_ppm: 1_000_000,
            dispersion_spread_k_ppm: 0,
            latency_spread_k_ppm: 0,
            max_spread_ppm: 50_000,
        },
        impact: ImpactParams {
            impact_depth: 100_000_000_000_000,
            max_impact_ppm: 10_000,
            _padding: 0,
        },
        fees: FeeParams {
            taker_fee_ppm: 1_000,
            pool_share_ppm: 700_000,
            insurance_share_ppm: 200_000,
            protocol_share_ppm: 100_000,
        },
        min_order_base: 10_000_000,
        lot_base: 1_000_000,
        tick_price: 1_000,
        max_position_notional: 1_000_000_000_000,
        min_position_notional: 0,
        min_hold_slots: 10,
        reserve_factor_ppm: 500_000,
        open_interest_cap_long: 10_000 * SOL as u64,
        open_interest_cap_short: 10_000 * SOL as u64,
        _padding: 0,
    }
}

fn input(position: Position, delta: i64, limit_price: u64, now_slot: u64) -> TradeInput {
    TradeInput {
        position,
        last_increase_slot: 100,
        delta,
        limit_price,
        now_slot,
        prices: PriceInputs {
            price: P150,
            twap: P150,
            conf: 0,
            dispersion: 0,
            sigma_ppm: 0,
            source_age_secs: 0,
        },
        decimals: 6,
        pool_value_part: 10_000_000_000_000,
        profit_cap: i64::MAX,
    }
}

#[test]
fn opening_a_long_pays_spread_fee_and_impact_to_the_smallest_unit() {
    let o = trade(
        &input(Position::default(), 10 * SOL, 151_000_000_000, 100),
        &MarketBook::default(),
        &params(),
    )
    .unwrap()
    .unwrap();
    // 150 * 1.001 = 150.15 per SOL; 10 SOL cost 1501.5 USDC.
    assert_eq!(o.exec.price, 150_150_000_000);
    assert_eq!(
        o.fill.position,
        Position {
            base: 10 * SOL,
            cost: 1_501_500_000
        }
    );
    // Fee 0.1% of notional at the reference price (1500 USDC): 1.5 USDC.
    assert_eq!(o.fee.total, 1_500_000);
    assert_eq!(
        (o.fee.pool, o.fee.insurance, o.fee.protocol, o.fee.dust),
        (1_050_000, 300_000, 150_000, 0)
    );
    // Impact: (1.5e9)^2 / 1e14 = 22_500 units (0.0225 USDC), under the 1% cap.
    assert_eq!(o.impact_paid, 22_500);
    assert_eq!(o.collateral_delta, -1_522_500);
    assert_eq!(
        o.book,
        MarketBook {
            long_oi: 10 * SOL as u64,
            short_oi: 0,
            long_cost: 1_501_500_000,
            short_cost: 0,
            impact_ledger: 22_500,
            impact_fresh: 22_500,
            impact_fresh_slot: 100,
        }
    );
    assert!(o.increases);
    assert_eq!(o.last_increase_slot, 100);
}

#[test]
fn profit_inside_the_minimum_hold_is_capped_at_zero_but_losses_count() {
    let pos = Position {
        base: 10 * SOL,
        cost: 1_400_000_000,
    };
    let book = MarketBook {
        long_oi: 10 * SOL as u64,
        long_cost: 1_400_000_000,
        ..Default::default()
    };
    let early = trade(&input(pos, -10 * SOL, 0, 105), &book, &params())
        .unwrap()
        .unwrap();
    assert!(early.fill.realized_pnl > 0);
    assert_eq!(early.realized_pnl, 0);
    let late = trade(&input(pos, -10 * SOL, 0, 110), &book, &params())
        .unwrap()
        .unwrap();
    // Sold at 150 * 0.999 = 149.85: 1498.5 - 1400 = 98.5 USDC.
    assert_eq!(late.realized_pnl, 98_500_000);
    let losing = Position {
        base: 10 * SOL,
        cost: 1_600_000_000,
    };
    let book = MarketBook {
        long_cost: 1_600_000_000,
        ..book
    };
    let loss = trade(&input(losing, -10 * SOL, 0, 105), &book, &params())
        .unwrap()
        .unwrap();
    assert_eq!(loss.realized_pnl, -101_500_000);
    assert!(!loss.increases);
    // Closing skew back to zero earns the impact back only up to the ledger (empty here).
    assert_eq!(loss.impact_received, 0);
}

#[test]
fn each_rule_refuses_with_its_own_reason() {
    let p = params();
    let book = MarketBook::default();
    let r = |i: TradeInput, p: &TradeParams| trade(&i, &book, p).unwrap().err();
    let flat = Position::default();
    assert_eq!(
        r(input(flat, 0, P150, 100), &p),
        Some(TradeRejection::ZeroSize)
    );
    assert_eq!(
        r(input(flat, 10 * SOL + 1, 151_000_000_000, 100), &p),
        Some(TradeRejection::LotSize)
    );
    assert_eq!(
        r(input(flat, 1_000_000, 151_000_000_000, 100), &p),
        Some(TradeRejection::MinOrderSize)
    );
    assert_eq!(
        r(input(flat, SOL, 151_000_000_001, 100), &p),
        Some(TradeRejection::TickSize)
    );
    assert_eq!(
        r(input(flat, SOL, 150_100_000_000, 100), &p),
        Some(TradeRejection::Slippage)
    );
    assert_eq!(
        r(input(flat, -SOL, 149_900_000_000, 100), &p),
        Some(TradeRejection::Slippage)
    );
    let capped = TradeParams {
        open_interest_cap_long: SOL as u64,
        ..p
    };
    assert_eq!(
        r(input(flat, 2 * SOL, 151_000_000_000, 100), &capped),
        Some(TradeRejection::OpenInterestCap)
    );
    let capped = TradeParams {
        max_position_notional: 100_000_000,
        ..p
    };
    assert_eq!(
        r(input(flat, SOL, 151_000_000_000, 100), &capped),
        Some(TradeRejection::PositionNotionalCap)
    );
    let mut small_pool = input(flat, 100 * SOL, 151_000_000_000, 100);
    small_pool.pool_value_part = 20_000_000_000;
    assert_eq!(r(small_pool, &p), Some(TradeRejection::ReserveCap));
    // A position smaller than the minimum order may still be closed exactly.
    let dust = Position {
        base: 1_000_000,
        cost: 150_000,
    };
    let b = MarketBook {
        long_oi: 1_000_000,
        long_cost: 150_000,
        ..Default::default()
    };
    assert!(trade(&input(dust, -1_000_000, 0, 200), &b, &p)
        .unwrap()
        .is_ok());
}

#[test]
fn no_trade_leaves_a_position_below_the_minimum_notional_but_closing_whole_is_allowed() {
    let p = TradeParams {
        min_position_notional: 100_000_000, // 100 USDC
        ..params()
    };
    let flat = Position::default();
    let r = |i: TradeInput, b: &MarketBook| trade(&i, b, &p).unwrap().err();
    let empty = MarketBook::default();
    // 0.5 SOL at ~150 = 75 USDC: too small to open.
    assert_eq!(
        r(input(flat, SOL / 2, 151_000_000_000, 100), &empty),
        Some(TradeRejection::PositionBelowMinimum)
    );
    // 1 SOL (150 USDC) opens; reducing it to 0.5 SOL is refused, closing it whole is not.
    let one = Position {
        base: SOL,
        cost: 150_000_000,
    };
    let b = MarketBook {
        long_oi: SOL as u64,
        long_cost: 150_000_000,
        ..Default::default()
    };
    assert_eq!(r(input(flat, SOL, 151_000_000_000, 100), &empty), None);
    assert_eq!(
        r(input(one, -SOL / 2, 0, 200), &b),
        Some(TradeRejection::PositionBelowMinimum)
    );
    assert_eq!(r(input(one, -SOL, 0, 200), &b), None);
}

#[test]
fn helpful_impact_never_draws_on_impact_booked_in_the_same_slot() {
    let open = trade(
        &input(Position::default(), 10 * SOL, 151_000_000_000, 100),
        &MarketBook::default(),
        &params(),
    )
    .unwrap()
    .unwrap();
    assert_eq!((open.book.impact_fresh, open.impact_paid), (22_500, 22_500));
    // A second account sells the skew back to zero in the same slot: nothing is paid out.
    let flat = Position::default();
    let same = trade(&input(flat, -10 * SOL, 0, 100), &open.book, &params())
        .unwrap()
        .unwrap();
    assert_eq!(same.impact_received, 0);
    assert_eq!(same.book.impact_ledger, 22_500);
    // One slot later the impact has matured and pays the helpful trade.
    let next = trade(&input(flat, -10 * SOL, 0, 101), &open.book, &params())
        .unwrap()
        .unwrap();
    assert_eq!(next.impact_received, 22_500);
    assert_eq!((next.book.impact_ledger, next.book.impact_fresh), (0, 0));
}
