//! The vault's conservation identity (SPEC: every token in the vault is owed to a named
//! bucket): the buckets it backs, summed in `i128` (exact for any `i64`/`u64` inputs), which
//! the program's `check_invariant`, the test kit and the stress simulator all compare with the
//! vault's balance.

use crate::checked::Checked;
use crate::error::EngineResult;

stored_block! {
    /// One market's sub-ledgers (collateral units), swept by `sweep`; the impact sub-ledger
    /// is part of the market's book (`trade::MarketBook::impact_ledger`).
    pub struct MarketLedgers {
        /// Realised trader PnL owed to (positive) or by the pool, not yet swept (trader
        /// losses minus trader profits).
        pub pnl_pending: i64,
        /// Fee shares owed to the pool, the insurance fund and the protocol.
        pub fee_pool: u64,
        pub fee_insurance: u64,
        pub fee_protocol: u64,
        /// Rounding remainders of fee splits (swept to the protocol).
        pub dust: u64,
        /// Net change of traders' collateral through this market (PnL, fees, funding).
        pub trader_flow: i64,
        /// What the insurance fund advanced for this market (minimum keeper rewards), not yet
        /// swept: a negative bucket.
        pub insurance_debt: u64,
        /// Negative collateral of accounts whose losses this market realised, recognised at
        /// once as a liability of the pool and the fund; released when the account's deficit
        /// is resolved or repaid. Not a vault bucket (not in [`MarketLedgers::total`]).
        pub bad_debt_pending: u64,
    }
}

impl MarketLedgers {
    /// The market's part of the identity: its ledgers, its book's impact sub-ledger
    /// (`impact_ledger`) and trader flow, less what the fund advanced (that sits in the fund's
    /// balance until swept).
    pub fn total(&self, impact_ledger: u64) -> i128 {
        i128::from(self.pnl_pending)
            + i128::from(self.fee_pool)
            + i128::from(self.fee_insurance)
            + i128::from(self.fee_protocol)
            + i128::from(self.dust)
            + i128::from(impact_ledger)
            + i128::from(self.trader_flow)
            - i128::from(self.insurance_debt)
    }
}

impl MarketLedgers {
    /// Empties what `sweep` has just paid out: realised PnL, fee shares, dust and the fund's
    /// advances. The traders' collateral flow and the bad debt recognised stay.
    pub fn clear_swept(&mut self) {
        *self = MarketLedgers {
            trader_flow: self.trader_flow,
            bad_debt_pending: self.bad_debt_pending,
            ..MarketLedgers::default()
        };
    }

    /// Books a trade's outcome: its realised PnL (owed to the pool: trader losses minus
    /// profits), the fee shares and dust, and the traders' collateral flow. Checked; the book
    /// itself is the outcome's.
    pub fn book_trade(&mut self, out: &crate::trade::TradeOutcome) -> EngineResult<()> {
        self.pnl_pending = self.pnl_pending.minus(out.realized_pnl)?;
        self.fee_pool = self.fee_pool.plus(out.fee.pool)?;
        self.fee_insurance = self.fee_insurance.plus(out.fee.insurance)?;
        self.fee_protocol = self.fee_protocol.plus(out.fee.protocol)?;
        self.dust = self.dust.plus(out.fee.dust)?;
        self.trader_flow = self.trader_flow.plus(out.collateral_delta)?;
        Ok(())
    }
}

/// Where a sweep sent a market's sub-ledgers (collateral units).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SweepOutcome {
    /// To the pool: realised trader PnL and its fee share, less any insurance shortfall.
    pub to_pool: i64,
    /// The insurance fee share.
    pub to_insurance: u64,
    /// The protocol fee share and rounding dust.
    pub to_protocol: u64,
}

/// The money postings of a market's operations: each moves collateral between an account and
/// the market's sub-ledgers (or out of them to the pool, the fund and the protocol), checked,
/// keeping [`MarketLedgers::total`] plus the accounts' collateral and the venue's buckets
/// whole. Each computes every new value first and writes only when all succeeded: a posting
/// that fails changes nothing.
impl MarketLedgers {
    /// Funding `owed` by a position (negative = received) settles through the PnL ledger: the
    /// account's `collateral` pays it, the pool is owed it.
    pub fn book_funding(&mut self, collateral: &mut i64, owed: i64) -> EngineResult<()> {
        let after = collateral.minus(owed)?;
        let pnl_pending = self.pnl_pending.plus(owed)?;
        let trader_flow = self.trader_flow.minus(owed)?;
        (self.pnl_pending, self.trader_flow, *collateral) = (pnl_pending, trader_flow, after);
        Ok(())
    }

    /// A position closed at the settlement price: its `realized` PnL is credited to
    /// `collateral` from the PnL ledger.
    pub fn book_settled_close(&mut self, collateral: &mut i64, realized: i64) -> EngineResult<()> {
        let after = collateral.plus(realized)?;
        let pnl_pending = self.pnl_pending.minus(realized)?;
        let trader_flow = self.trader_flow.plus(realized)?;
        (self.pnl_pending, self.trader_flow, *collateral) = (pnl_pending, trader_flow, after);
        Ok(())
    }

    /// Books a liquidation stage: the realised PnL owed to the pool, the fund's share of the
    /// `charged` penalty, the minimum-reward advance (insurance debt), and the traders'
    /// collateral flow (the liquidated account's +PnL − penalty − its floor payment, plus
    /// everything the keeper is credited). Counting the advance against the coverage window
    /// is the window's (`CoverageWindow::count`).
    pub fn book_liquidation(
        &mut self,
        realized_pnl: i64,
        charged: u64,
        reward: &crate::liquidation::KeeperReward,
    ) -> EngineResult<()> {
        use crate::checked::cast;
        let paid_out = charged.plus(reward.from_account)?;
        let credited: i64 = cast(reward.total())?;
        let flow = realized_pnl.minus(cast(paid_out)?)?.plus(credited)?;
        *self = MarketLedgers {
            pnl_pending: self.pnl_pending.minus(realized_pnl)?,
            fee_insurance: self.fee_insurance.plus(reward.insurance_share)?,
            insurance_debt: self.insurance_debt.plus(reward.from_insurance)?,
            trader_flow: self.trader_flow.plus(flow)?,
            ..*self
        };
        Ok(())
    }

    /// A bankrupt account's `deficit` is written off: its collateral returns to zero, so the
    /// traders' collateral flow rises by the deficit (the fund and the pool pay it:
    /// `insurance::Cover::pay`).
    pub fn book_write_off(&mut self, deficit: u64) -> EngineResult<()> {
        self.trader_flow = self.trader_flow.plus(crate::checked::cast(deficit)?)?;
        Ok(())
    }

    /// Brings an account's booked deficit (`booked`) to max(0, −`collateral`), booking the
    /// increase here or releasing the decrease from here. A release larger than this market
    /// holds (the deficit was booked in another market) releases what it holds and leaves the
    /// rest booked on the account, so the markets' `bad_debt_pending` always sums to the
    /// accounts' booked deficits, exactly. Returns true when a deficit starts here (nothing was
    /// booked and the account is now below zero): the caller attributes it to this market.
    pub fn recognise_deficit(&mut self, collateral: i64, booked: &mut u64) -> EngineResult<bool> {
        let target = collateral.min(0).unsigned_abs();
        let starts = *booked == 0 && target > 0;
        let (pending, now_booked) = if target >= *booked {
            (self.bad_debt_pending.plus(target.minus(*booked)?)?, target)
        } else {
            let release = booked.minus(target)?.min(self.bad_debt_pending);
            (
                self.bad_debt_pending.minus(release)?,
                booked.minus(release)?,
            )
        };
        (self.bad_debt_pending, *booked) = (pending, now_booked);
        Ok(starts)
    }

    /// Sweeps the sub-ledgers to their owners: realised PnL and the pool's fee share to
    /// `pool_capital`, the insurance share to `fund_balance` (which first repays what the
    /// market advanced for it; a shortfall falls on the pool), the protocol share and dust to
    /// `protocol_fees`; the swept ledgers end at zero (`clear_swept`). Nothing is written
    /// unless every step succeeds.
    pub fn sweep(
        &mut self,
        pool_capital: &mut i64,
        fund_balance: &mut u64,
        protocol_fees: &mut u64,
    ) -> EngineResult<SweepOutcome> {
        use crate::checked::cast;
        let fee_pool: i64 = cast(self.fee_pool)?;
        let to_pool = self.pnl_pending.plus(fee_pool)?;
        let to_protocol = self.fee_protocol.plus(self.dust)?;
        let (balance, pool_shortfall) = crate::insurance::sweep_into_fund(
            *fund_balance,
            self.fee_insurance,
            self.insurance_debt,
        )?;
        let to_pool_net = to_pool.minus(pool_shortfall)?;
        let capital = pool_capital.plus(to_pool_net)?;
        *protocol_fees = protocol_fees.plus(to_protocol)?;
        *fund_balance = balance;
        *pool_capital = capital;
        let out = SweepOutcome {
            to_pool: to_pool_net,
            to_insurance: self.fee_insurance,
            to_protocol,
        };
        self.clear_swept();
        Ok(out)
    }

    /// Whether any sub-ledger holds something a sweep would move.
    pub fn has_unswept(&self) -> bool {
        self.pnl_pending != 0
            || self.fee_pool != 0
            || self.fee_insurance != 0
            || self.fee_protocol != 0
            || self.dust != 0
            || self.insurance_debt != 0
    }
}

/// The venue-wide buckets outside the markets (collateral units).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VenueBuckets {
    /// Collateral deposited less collateral withdrawn, over every margin account.
    pub deposits_net: i64,
    pub protocol_fees: u64,
    pub pool_capital: i64,
    pub insurance_balance: u64,
}

/// The markets' parts, summed: each market's ledgers with its book's impact sub-ledger.
pub fn markets_total(markets: impl IntoIterator<Item = (MarketLedgers, u64)>) -> i128 {
    markets.into_iter().map(|(m, impact)| m.total(impact)).sum()
}

/// Everything the vault backs: the venue's buckets plus the markets' parts (`markets_total`,
/// or a running sum of [`MarketLedgers::total`]).
pub fn vault_backs(venue: &VenueBuckets, markets_total: i128) -> i128 {
    i128::from(venue.deposits_net)
        + i128::from(venue.protocol_fees)
        + i128::from(venue.pool_capital)
        + i128::from(venue.insurance_balance)
        + markets_total
}

/// The identity is broken when the vault holds less than the buckets it backs.
pub fn invariant_broken(vault_balance: u64, backs: i128) -> bool {
    i128::from(vault_balance) < backs
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the vault backs of one market and one account: the market's part plus the
    /// account's collateral (a posting between them keeps it).
    fn backed(l: &MarketLedgers, collateral: i64) -> i128 {
        l.total(0) + i128::from(collateral)
    }

    #[test]
    fn funding_and_settled_closes_move_money_between_account_and_market_only() {
        let mut l = MarketLedgers::default();
        let mut collateral = 1_000;
        let before = backed(&l, collateral);
        l.book_funding(&mut collateral, 30).unwrap();
        assert_eq!((collateral, l.pnl_pending, l.trader_flow), (970, 30, -30));
        l.book_funding(&mut collateral, -10).unwrap();
        assert_eq!((collateral, l.pnl_pending, l.trader_flow), (980, 20, -20));
        l.book_settled_close(&mut collateral, 50).unwrap();
        assert_eq!((collateral, l.pnl_pending, l.trader_flow), (1_030, -30, 30));
        // `total` counts trader flow as the traders' side: the pair moves together.
        assert_eq!(backed(&l, collateral) - i128::from(l.trader_flow), before);
    }

    #[test]
    fn a_posting_that_overflows_changes_nothing() {
        let mut l = MarketLedgers {
            pnl_pending: i64::MAX,
            ..Default::default()
        };
        let mut collateral = 5;
        let (l0, c0) = (l, collateral);
        assert!(l.book_funding(&mut collateral, 1).is_err());
        assert_eq!((l, collateral), (l0, c0));
        let reward = crate::liquidation::KeeperReward {
            insurance_share: u64::MAX,
            ..Default::default()
        };
        let mut m = MarketLedgers {
            fee_insurance: 1,
            ..Default::default()
        };
        let m0 = m;
        assert!(m.book_liquidation(0, 0, &reward).is_err());
        assert_eq!(m, m0);
    }

    #[test]
    fn a_deficit_is_booked_where_it_starts_and_released_only_as_far_as_it_was_booked_there() {
        let mut here = MarketLedgers::default();
        let mut booked = 0;
        assert_eq!(here.recognise_deficit(-40, &mut booked), Ok(true));
        assert_eq!((here.bad_debt_pending, booked), (40, 40));
        assert_eq!(here.recognise_deficit(-60, &mut booked), Ok(false));
        assert_eq!((here.bad_debt_pending, booked), (60, 60));
        // Repaid in part, through another market holding 25 of it: that market releases what it
        // holds, the rest stays booked on the account.
        let mut other = MarketLedgers {
            bad_debt_pending: 25,
            ..Default::default()
        };
        assert_eq!(other.recognise_deficit(0, &mut booked), Ok(false));
        assert_eq!((other.bad_debt_pending, booked), (0, 35));
        assert_eq!(here.recognise_deficit(0, &mut booked), Ok(false));
        assert_eq!((here.bad_debt_pending, booked), (25, 0));
    }

    #[test]
    fn a_sweep_pays_every_owner_and_the_pool_covers_the_funds_shortfall() {
        let mut l = MarketLedgers {
            pnl_pending: 500,
            fee_pool: 40,
            fee_insurance: 10,
            fee_protocol: 7,
            dust: 1,
            trader_flow: -600,
            insurance_debt: 30,
            bad_debt_pending: 9,
        };
        let (mut capital, mut fund, mut protocol) = (1_000i64, 5u64, 2u64);
        let venue_before = i128::from(capital) + i128::from(fund) + i128::from(protocol);
        let before = l.total(0) + venue_before;
        let out = l.sweep(&mut capital, &mut fund, &mut protocol).unwrap();
        // The fund had 5 + 10 against 30 advanced: it ends at zero, the pool pays the 15.
        assert_eq!(
            out,
            SweepOutcome {
                to_pool: 525,
                to_insurance: 10,
                to_protocol: 8
            }
        );
        assert_eq!((capital, fund, protocol), (1_525, 0, 10));
        assert!(!l.has_unswept());
        assert_eq!((l.trader_flow, l.bad_debt_pending), (-600, 9));
        let after = l.total(0) + i128::from(capital) + i128::from(fund) + i128::from(protocol);
        assert_eq!(after, before);
    }

    #[test]
    fn every_bucket_counts_once_and_advances_are_subtracted() {
        let m = MarketLedgers {
            pnl_pending: -5,
            fee_pool: 1,
            fee_insurance: 2,
            fee_protocol: 3,
            dust: 4,
            trader_flow: 6,
            insurance_debt: 7,
            bad_debt_pending: 8,
        };
        let impact_ledger = 5;
        assert_eq!(m.total(impact_ledger), 9);
        let v = VenueBuckets {
            deposits_net: 100,
            protocol_fees: 10,
            pool_capital: 1_000,
            insurance_balance: 50,
        };
        assert_eq!(
            vault_backs(&v, markets_total([(m, impact_ledger), (m, impact_ledger)])),
            1_178
        );
        assert!(!invariant_broken(1_178, 1_178));
        assert!(invariant_broken(1_177, 1_178));
    }

    #[test]
    fn extremes_do_not_wrap() {
        let m = MarketLedgers {
            pnl_pending: i64::MAX,
            fee_pool: u64::MAX,
            trader_flow: i64::MAX,
            ..MarketLedgers::default()
        };
        let v = VenueBuckets {
            protocol_fees: u64::MAX,
            ..VenueBuckets::default()
        };
        let expect = 2 * i128::from(i64::MAX) + 2 * i128::from(u64::MAX);
        assert_eq!(vault_backs(&v, markets_total([(m, 0)])), expect);
    }
}
