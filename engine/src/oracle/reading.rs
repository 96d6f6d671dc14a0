//! One source's reading: from a decoded observation to a normalised, validated price.

use crate::error::EngineResult;
use crate::num::{apply_ppm_ceil, ratio_ppm_ceil, to_price_ceil, to_price_floor};

/// What a decoder extracted from an oracle account, before any judgement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Observation {
    /// Price mantissa (`price = mantissa * 10^exponent`, quote per base unit).
    pub price: i128,
    /// Confidence mantissa, same exponent; 0 where the kind has none (Chainlink).
    pub conf: u128,
    /// Decimal exponent of `price` and `conf`.
    pub exponent: i32,
    /// Publish time, unix seconds.
    pub publish_time: i64,
    /// Slot at which the value was produced or posted.
    pub publish_slot: u64,
    /// `false` when the update was only partially verified (Pyth `Partial`).
    pub fully_verified: bool,
    /// Samples behind the value and the minimum the feed itself requires (Switchboard);
    /// `(1, 1)` where the kind has no notion of samples.
    pub samples: (u32, u32),
    /// `false` when the account holds no value yet (Chainlink round id 0).
    pub has_data: bool,
}

/// Per-source limits from the market configuration.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SourceLimits {
    /// Oldest acceptable publish time, in seconds before now.
    pub max_staleness_secs: u32,
    /// Oldest acceptable publish slot, in slots before now.
    pub max_staleness_slots: u32,
    /// Widest acceptable confidence, ppm of price.
    pub max_conf_ppm: u32,
    /// Confidence never taken below this, ppm of price (stands in where a kind has none).
    pub conf_floor_ppm: u32,
    /// How far in the future a publish time may be, in seconds (clock skew).
    pub future_tolerance_secs: u32,
}

/// Why a reading was not used. Codes are stable (`u8` in state); events carry the enum itself
/// (its Borsh tag is its declaration order, as the IDL lists it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "anchor",
    derive(anchor_lang::AnchorSerialize, anchor_lang::AnchorDeserialize),
    borsh(use_discriminant = false)
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[repr(u8)]
pub enum ReadingFault {
    /// Account owned by another program than configured (e.g. closed).
    WrongOwner = 1,
    /// Account discriminator is not the configured kind's.
    BadDiscriminator = 2,
    /// Account too short or otherwise undecodable.
    Malformed = 3,
    /// A retired format (legacy Pyth push account).
    RetiredFormat = 4,
    /// Feed id / feed hash differs from the configured one.
    WrongFeedId = 5,
    /// Update only partially verified.
    PartialVerification = 6,
    /// Fewer samples than the feed requires.
    TooFewSamples = 7,
    /// The feed has never published (Chainlink round id 0).
    NoData = 8,
    /// Price zero or negative (or rounds to zero at 1e-9).
    NonPositivePrice = 9,
    /// Publish time older than `max_staleness_secs`.
    StaleTime = 10,
    /// Publish slot older than `max_staleness_slots`.
    StaleSlot = 11,
    /// Publish time older than the last one accepted for this source (replay).
    Replayed = 12,
    /// Publish time or slot in the future beyond tolerance.
    FromFuture = 13,
    /// Confidence wider than `max_conf_ppm` of price.
    ConfidenceTooWide = 14,
    /// Values too large to represent.
    Overflow = 15,
    /// Same publish time as the last accepted reading, but another price or confidence.
    ChangedWithoutNewTime = 16,
}

impl ReadingFault {
    /// All faults, in code order.
    pub const ALL: [ReadingFault; 16] = [
        ReadingFault::WrongOwner,
        ReadingFault::BadDiscriminator,
        ReadingFault::Malformed,
        ReadingFault::RetiredFormat,
        ReadingFault::WrongFeedId,
        ReadingFault::PartialVerification,
        ReadingFault::TooFewSamples,
        ReadingFault::NoData,
        ReadingFault::NonPositivePrice,
        ReadingFault::StaleTime,
        ReadingFault::StaleSlot,
        ReadingFault::Replayed,
        ReadingFault::FromFuture,
        ReadingFault::ConfidenceTooWide,
        ReadingFault::Overflow,
        ReadingFault::ChangedWithoutNewTime,
    ];

    /// Decodes a stored code (`None` for 0 or unknown).
    pub fn from_u8(code: u8) -> Option<ReadingFault> {
        ReadingFault::ALL.iter().copied().find(|f| *f as u8 == code)
    }

    /// Short name for tables and logs.
    pub fn name(self) -> &'static str {
        match self {
            ReadingFault::WrongOwner => "WrongOwner",
            ReadingFault::BadDiscriminator => "BadDiscriminator",
            ReadingFault::Malformed => "Malformed",
            ReadingFault::RetiredFormat => "RetiredFormat",
            ReadingFault::WrongFeedId => "WrongFeedId",
            ReadingFault::PartialVerification => "PartialVerification",
            ReadingFault::TooFewSamples => "TooFewSamples",
            ReadingFault::NoData => "NoData",
            ReadingFault::NonPositivePrice => "NonPositivePrice",
            ReadingFault::StaleTime => "StaleTime",
            ReadingFault::StaleSlot => "StaleSlot",
            ReadingFault::Replayed => "Replayed",
            ReadingFault::FromFuture => "FromFuture",
            ReadingFault::ConfidenceTooWide => "ConfidenceTooWide",
            ReadingFault::Overflow => "Overflow",
            ReadingFault::ChangedWithoutNewTime => "ChangedWithoutNewTime",
        }
    }
}

/// A usable reading, in USD at [`crate::num::PRICE_SCALE`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reading {
    /// Price, rounded down from the source's precision.
    pub price: u64,
    /// Confidence, rounded up, at least the configured floor.
    pub conf: u64,
    /// Publish time, unix seconds.
    pub publish_time: i64,
    /// Publish slot.
    pub publish_slot: u64,
}

/// A reading that passed every check, and whether it is newer than the last accepted one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CheckedReading {
    /// The normalised reading.
    pub reading: Reading,
    /// `true` when its publish time is later than the last accepted for this source.
    pub is_new: bool,
}

/// Judges one observation against its source's limits (SPEC section 3). `last_publish_time` is
/// the last publish time accepted for this source (0 if none); `now_ts`/`now_slot` the clock.
///
/// Checks in order: verification, samples, data present, positive price, future, replay,
/// staleness (seconds, then slots), confidence. Price rounds down and confidence up when
/// rescaled to 1e-9.
pub fn check_reading(
    obs: &Observation,
    limits: &SourceLimits,
    last_publish_time: i64,
    now_ts: i64,
    now_slot: u64,
) -> Result<CheckedReading, ReadingFault> {
    if !obs.fully_verified {
        return Err(ReadingFault::PartialVerification);
    }
    if obs.samples.0 == 0 || obs.samples.0 < obs.samples.1 {
        return Err(ReadingFault::TooFewSamples);
    }
    if !obs.has_data {
        return Err(ReadingFault::NoData);
    }
    if obs.price <= 0 {
        return Err(ReadingFault::NonPositivePrice);
    }
    let (price, conf) = normalise(obs).map_err(|_| ReadingFault::Overflow)?;
    if price == 0 {
        return Err(ReadingFault::NonPositivePrice);
    }
    let future_limit = now_ts.saturating_add(limits.future_tolerance_secs as i64);
    if obs.publish_time > future_limit || obs.publish_slot > now_slot {
        return Err(ReadingFault::FromFuture);
    }
    if obs.publish_time < last_publish_time {
        return Err(ReadingFault::Replayed);
    }
    if now_ts.saturating_sub(obs.publish_time) > limits.max_staleness_secs as i64 {
        return Err(ReadingFault::StaleTime);
    }
    if now_slot.saturating_sub(obs.publish_slot) > limits.max_staleness_slots as u64 {
        return Err(ReadingFault::StaleSlot);
    }
    let floor =
        apply_ppm_ceil(price, limits.conf_floor_ppm as u64).map_err(|_| ReadingFault::Overflow)?;
    let conf = conf.max(floor);
    let conf_ppm = ratio_ppm_ceil(conf, price).map_err(|_| ReadingFault::Overflow)?;
    if conf_ppm > limits.max_conf_ppm as u64 {
        return Err(ReadingFault::ConfidenceTooWide);
    }
    Ok(CheckedReading {
        reading: Reading {
            price,
            conf,
            publish_time: obs.publish_time,
            publish_slot: obs.publish_slot,
        },
        is_new: obs.publish_time > last_publish_time,
    })
}

/// The reading last accepted for a source (normalised), against which a reading with the
/// same publish time is held.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AcceptedReading {
    /// Its publish time (0 if none yet).
    pub publish_time: i64,
    /// Its price, USD at 1e-9.
    pub price: u64,
    /// Its confidence, USD at 1e-9.
    pub conf: u64,
}

/// [`check_reading`] against the last accepted reading: a reading that is not newer (same
/// publish time) must repeat the accepted price and confidence exactly, or it is
/// `ChangedWithoutNewTime` (a second value for one publish time is not a price).
pub fn check_against_accepted(
    obs: &Observation,
    limits: &SourceLimits,
    accepted: &AcceptedReading,
    now_ts: i64,
    now_slot: u64,
) -> Result<CheckedReading, ReadingFault> {
    let c = check_reading(obs, limits, accepted.publish_time, now_ts, now_slot)?;
    if !c.is_new && (c.reading.price != accepted.price || c.reading.conf != accepted.conf) {
        return Err(ReadingFault::ChangedWithoutNewTime);
    }
    Ok(c)
}

fn normalise(obs: &Observation) -> EngineResult<(u64, u64)> {
    let price = to_price_floor(obs.price, obs.exponent)?;
    let conf_mantissa =
        i128::try_from(obs.conf).map_err(|_| crate::EngineError::math("normalise: conf cast"))?;
    let conf = to_price_ceil(conf_mantissa, obs.exponent)?;
    Ok((price, conf))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs() -> Observation {
        Observation {
            price: 15_000_000_000,
            conf: 10_000_000,
            exponent: -8,
            publish_time: 1_000,
            publish_slot: 500,
            fully_verified: true,
            samples: (1, 1),
            has_data: true,
        }
    }

    fn limits() -> SourceLimits {
        SourceLimits {
            max_staleness_secs: 60,
            max_staleness_slots: 150,
            max_conf_ppm: 20_000,
            conf_floor_ppm: 0,
            future_tolerance_secs: 2,
        }
    }

    #[test]
    fn accepts_and_normalises_a_fresh_reading() {
        let r = check_reading(&obs(), &limits(), 900, 1_010, 520).unwrap();
        assert_eq!(r.reading.price, 150_000_000_000);
        assert_eq!(r.reading.conf, 100_000_000);
        assert!(r.is_new);
        let same = check_reading(&obs(), &limits(), 1_000, 1_010, 520).unwrap();
        assert!(!same.is_new);
    }

    #[test]
    fn each_fault_is_named() {
        let l = limits();
        let check =
            |o: Observation, last: i64, ts: i64, slot: u64| check_reading(&o, &l, last, ts, slot);
        assert_eq!(
            check(
                Observation {
                    fully_verified: false,
                    ..obs()
                },
                0,
                1_010,
                520
            ),
            Err(ReadingFault::PartialVerification)
        );
        assert_eq!(
            check(
                Observation {
                    samples: (1, 3),
                    ..obs()
                },
                0,
                1_010,
                520
            ),
            Err(ReadingFault::TooFewSamples)
        );
        assert_eq!(
            check(
                Observation {
                    has_data: false,
                    ..obs()
                },
                0,
                1_010,
                520
            ),
            Err(ReadingFault::NoData)
        );
        assert_eq!(
            check(Observation { price: 0, ..obs() }, 0, 1_010, 520),
            Err(ReadingFault::NonPositivePrice)
        );
        assert_eq!(check(obs(), 0, 997, 520), Err(ReadingFault::FromFuture));
        assert_eq!(check(obs(), 0, 1_010, 499), Err(ReadingFault::FromFuture));
        assert_eq!(check(obs(), 1_001, 1_010, 520), Err(ReadingFault::Replayed));
        assert_eq!(check(obs(), 0, 1_061, 520), Err(ReadingFault::StaleTime));
        assert_eq!(check(obs(), 0, 1_010, 651), Err(ReadingFault::StaleSlot));
        assert_eq!(
            check(
                Observation {
                    conf: 400_000_000,
                    ..obs()
                },
                0,
                1_010,
                520
            ),
            Err(ReadingFault::ConfidenceTooWide)
        );
    }

    #[test]
    fn an_unchanged_publish_time_must_repeat_the_accepted_reading() {
        let accepted = AcceptedReading {
            publish_time: 1_000,
            price: 150_000_000_000,
            conf: 100_000_000,
        };
        let check = |o: Observation| check_against_accepted(&o, &limits(), &accepted, 1_010, 520);
        let same = check(obs()).unwrap();
        assert!(!same.is_new);
        for other in [
            Observation {
                price: 15_100_000_000,
                ..obs()
            },
            Observation {
                conf: 10_000_001,
                ..obs()
            },
        ] {
            assert_eq!(check(other), Err(ReadingFault::ChangedWithoutNewTime));
        }
        // A newer publish time may carry any price.
        let newer = Observation {
            price: 15_100_000_000,
            publish_time: 1_001,
            ..obs()
        };
        assert!(check(newer).unwrap().is_new);
    }

    #[test]
    fn confidence_floor_stands_in_for_missing_confidence() {
        let l = SourceLimits {
            conf_floor_ppm: 1_000,
            ..limits()
        };
        let r = check_reading(&Observation { conf: 0, ..obs() }, &l, 0, 1_010, 520).unwrap();
        assert_eq!(r.reading.conf, 150_000_000); // 0.1% of 150
    }
}
