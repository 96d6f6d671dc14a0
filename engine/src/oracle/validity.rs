//! The validity ladder, most severe first.

/// How usable a price is. Ordered from most severe (`NoPrice`) to `Valid`; `a < b` means
/// `a` is worse. Stored as `u8` in accounts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(
    feature = "anchor",
    derive(anchor_lang::AnchorSerialize, anchor_lang::AnchorDeserialize),
    borsh(use_discriminant = false)
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[repr(u8)]
pub enum Validity {
    /// No usable reading at all (or no collateral price).
    #[default]
    NoPrice = 0,
    /// Surviving readings disagree beyond `max_divergence`.
    Divergent = 1,
    /// The aggregate is too far from the internal TWAP.
    TooVolatile = 2,
    /// The aggregate's confidence is too wide relative to its price.
    TooUncertain = 3,
    /// The stored aggregate is older than the freshness limit (judged when it is used).
    Stale = 4,
    /// Fewer distinct providers than the quorum survived.
    BelowQuorum = 5,
    /// Good for every action.
    Valid = 6,
}

impl Validity {
    /// All levels, most severe first.
    pub const ALL: [Validity; 7] = [
        Validity::NoPrice,
        Validity::Divergent,
        Validity::TooVolatile,
        Validity::TooUncertain,
        Validity::Stale,
        Validity::BelowQuorum,
        Validity::Valid,
    ];

    /// Decodes the stored byte; unknown values read as `NoPrice` (fail closed).
    pub fn from_u8(v: u8) -> Validity {
        Validity::ALL
            .get(v as usize)
            .copied()
            .unwrap_or(Validity::NoPrice)
    }

    /// The worse of two levels.
    pub fn worst(self, other: Validity) -> Validity {
        self.min(other)
    }

    /// Short name for tables and logs.
    pub fn name(self) -> &'static str {
        match self {
            Validity::NoPrice => "NoPrice",
            Validity::Divergent => "Divergent",
            Validity::TooVolatile => "TooVolatile",
            Validity::TooUncertain => "TooUncertain",
            Validity::Stale => "Stale",
            Validity::BelowQuorum => "BelowQuorum",
            Validity::Valid => "Valid",
        }
    }
}
