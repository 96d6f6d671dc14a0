//! Market and exchange states, and the one table that says which operation runs in which
//! market state (SPEC section 7). Every instruction consults it; the price an operation may use
//! is then judged by [`crate::action`].

/// A market's state. Stored as `u8`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(
    feature = "anchor",
    derive(anchor_lang::AnchorSerialize, anchor_lang::AnchorDeserialize),
    borsh(use_discriminant = false)
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[repr(u8)]
pub enum MarketState {
    /// Everything runs.
    #[default]
    Active = 0,
    /// No new risk: reductions, liquidations and ADL run (breakers, guardian).
    ReduceOnly = 1,
    /// No valid price: nothing price-dependent runs; slot clocks freeze.
    Halted = 2,
    /// Emergency settlement under way: positions are cranked out at the settlement price.
    Settling = 3,
    /// All positions settled.
    Settled = 4,
    /// Retired after settlement.
    Delisted = 5,
}

impl MarketState {
    /// All states in code order.
    pub const ALL: [MarketState; 6] = [
        MarketState::Active,
        MarketState::ReduceOnly,
        MarketState::Halted,
        MarketState::Settling,
        MarketState::Settled,
        MarketState::Delisted,
    ];

    /// Decodes a stored byte; unknown values read as `Halted` (fail closed).
    pub fn from_u8(v: u8) -> MarketState {
        MarketState::ALL
            .get(v as usize)
            .copied()
            .unwrap_or(MarketState::Halted)
    }

    /// Short name.
    pub fn name(self) -> &'static str {
        match self {
            MarketState::Active => "Active",
            MarketState::ReduceOnly => "ReduceOnly",
            MarketState::Halted => "Halted",
            MarketState::Settling => "Settling",
            MarketState::Settled => "Settled",
            MarketState::Delisted => "Delisted",
        }
    }
}

/// An operation as the state table knows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Op {
    /// `trade` that opens or adds exposure.
    TradeIncrease = 0,
    /// `trade` that only reduces or closes.
    TradeReduce = 1,
    Liquidate = 2,
    Deleverage = 3,
    ResolveBankruptcy = 4,
    UpdateRisk = 5,
    Sweep = 6,
    SettlePosition = 7,
}

impl Op {
    /// All operations in table order.
    pub const ALL: [Op; 8] = [
        Op::TradeIncrease,
        Op::TradeReduce,
        Op::Liquidate,
        Op::Deleverage,
        Op::ResolveBankruptcy,
        Op::UpdateRisk,
        Op::Sweep,
        Op::SettlePosition,
    ];
}

const Y: bool = true;
const N: bool = false;

/// The table: rows are operations, columns market states from `Active` to `Delisted`.
pub const STATE_TABLE: [[bool; 6]; 8] = [
    //  Active ReduceOnly Halted Settling Settled Delisted
    [Y, N, N, N, N, N], // TradeIncrease
    [Y, Y, N, N, N, N], // TradeReduce (Halted has no price to reduce at)
    [Y, Y, N, N, N, N], // Liquidate: never stopped by a velocity trip while the price is valid
    [Y, Y, N, N, N, N], // Deleverage
    [Y, Y, Y, Y, Y, N], // ResolveBankruptcy (price-free)
    [Y, Y, Y, Y, N, N], // UpdateRisk (a halted market must be able to recover)
    [Y, Y, Y, Y, Y, N], // Sweep (price-free)
    [N, N, N, Y, N, N], // SettlePosition
];

/// Whether `op` may run in `state`.
pub fn allowed(op: Op, state: MarketState) -> bool {
    STATE_TABLE[op as usize][state as usize]
}

/// Exchange-wide pause bits (guardian or the accounting invariant). Liquidation, bankruptcy
/// resolution, `update_risk` and breakers are never pausable: safety must keep running.
pub mod pause {
    /// Deposits into margin accounts.
    pub const DEPOSIT: u32 = 1 << 0;
    /// Withdrawals from margin accounts.
    pub const WITHDRAW: u32 = 1 << 1;
    /// Trades that add risk.
    pub const TRADE_INCREASE: u32 = 1 << 2;
    /// LP deposits.
    pub const POOL_DEPOSIT: u32 = 1 << 3;
    /// LP withdrawals.
    pub const POOL_WITHDRAW: u32 = 1 << 4;
    /// Insurance stakes.
    pub const STAKE: u32 = 1 << 5;
    /// Insurance unstakes.
    pub const UNSTAKE: u32 = 1 << 6;
    /// Every pausable bit.
    pub const ALL: u32 = (1 << 7) - 1;
    /// What the accounting invariant pauses: every way value leaves or risk grows.
    pub const INVARIANT: u32 =
        WITHDRAW | TRADE_INCREASE | POOL_WITHDRAW | UNSTAKE | DEPOSIT | POOL_DEPOSIT | STAKE;
}

/// The effective market state from its parts: settlement states override; no price halts;
/// any breaker flag or the guardian's reduce-only makes it ReduceOnly.
pub fn effective_state(
    settlement: MarketState,
    no_price: bool,
    breaker_flags: u8,
    guardian_reduce_only: bool,
) -> MarketState {
    if settlement >= MarketState::Settling {
        return settlement;
    }
    if no_price {
        return MarketState::Halted;
    }
    if breaker_flags != 0 || guardian_reduce_only {
        return MarketState::ReduceOnly;
    }
    MarketState::Active
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_reads_as_the_spec_says() {
        use MarketState::*;
        assert!(allowed(Op::TradeIncrease, Active));
        for s in [ReduceOnly, Halted, Settling, Settled, Delisted] {
            assert!(!allowed(Op::TradeIncrease, s), "{s:?}");
        }
        for op in [Op::TradeReduce, Op::Liquidate, Op::Deleverage] {
            assert!(allowed(op, Active) && allowed(op, ReduceOnly));
            assert!(!allowed(op, Halted), "nothing price-dependent runs halted");
        }
        assert!(allowed(Op::SettlePosition, Settling) && !allowed(Op::SettlePosition, Active));
        assert!(Op::ALL.iter().all(|op| !allowed(*op, Delisted)));
        assert_eq!(MarketState::from_u8(77), Halted);
    }

    #[test]
    fn the_effective_state_combines_its_causes() {
        use MarketState::*;
        assert_eq!(effective_state(Active, false, 0, false), Active);
        assert_eq!(effective_state(Active, false, 0b10, false), ReduceOnly);
        assert_eq!(effective_state(Active, false, 0, true), ReduceOnly);
        assert_eq!(effective_state(Active, true, 0b10, false), Halted);
        assert_eq!(effective_state(Settling, true, 0, true), Settling);
        assert_eq!(pause::ALL, 0x7f);
    }
}
