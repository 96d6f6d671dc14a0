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
