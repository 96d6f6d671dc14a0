//! Program errors, by domain, and their mapping from the engine's refusals. Codes are stable
//! once deployed: a new error takes the next free code of its domain's block.

use anchor_lang::prelude::*;
use bulwark_engine::{EngineError, Refused};

/// Declares the program's error enum (Anchor's `#[error_code]`: code = 6000 + discriminant)
/// and generates [`ALL_ERRORS`] from the same list, so the name table cannot drift from it.
macro_rules! program_errors {
    (
        $(#[$($meta:tt)*])*
        pub enum $name:ident { $($(#[$($vmeta:tt)*])* $variant:ident = $code:tt,)* }
    ) => {
        $(#[$($meta)*])*
        #[error_code]
        pub enum $name { $($(#[$($vmeta)*])* $variant = $code,)* }

        /// Every error, in declaration order (by domain, then code).
        pub const ALL_ERRORS: &[$name] = &[$($name::$variant),*];
    };
}

program_errors! {
    /// Program errors, grouped by domain in blocks of 100 codes (6000 accounts and roles, 6100
    /// markets listed, 6200 oracles, 6300 orders, 6400 margin, 6500 pool and fund, 6600
    /// liquidation, 6700 states and breakers, 6800 governance and settlement, 6900 internal);
    /// a new error takes the next free code of its block. Codes are stable once deployed.
    pub enum BulwarkError {
        // ---- 6000: Accounts, signers and roles ----
        #[msg("signer is not the program's upgrade authority")]
        NotUpgradeAuthority = 0,
        #[msg("signer is not the exchange's governance")]
        NotGovernance = 1,
        #[msg("signer is not the exchange's guardian")]
        NotGuardian = 2,
        #[msg("signer is neither governance nor the guardian")]
        NotGovernanceOrGuardian = 3,
        #[msg("signer is not the pending key for this role")]
        NotPendingRole = 4,
        #[msg("guardian or governance key must not be the default key")]
        InvalidRoleKey = 5,
        #[msg("signer is not the account's owner")]
        NotOwner = 6,
        #[msg("signer is neither the account's owner nor its delegate")]
        NotOwnerOrDelegate = 7,
        #[msg("account already initialized")]
        AccountAlreadyInitialized = 8,
        #[msg("account still holds collateral or positions")]
        AccountNotEmpty = 9,
        #[msg("account layout version not supported")]
        UnsupportedVersion = 10,
        #[msg("collateral mint must be a classic SPL Token mint (Token-2022 is rejected)")]
        CollateralMintNotClassicToken = 11,
        #[msg("collateral mint account is not an initialized mint")]
        InvalidCollateralMint = 12,
        #[msg("vault is not the exchange's vault")]
        WrongVault = 13,
        #[msg("token account is not of the collateral mint")]
        WrongMint = 14,
        // ---- 6100: Markets and the accounts an instruction lists ----
        #[msg("market index must equal the exchange's market count")]
        MarketIndexMismatch = 100,
        #[msg("market account is not at its PDA")]
        MarketAddressMismatch = 101,
        #[msg("market account does not match")]
        MarketMismatch = 102,
        #[msg("all markets must be passed in index order")]
        MarketListMismatch = 103,
        #[msg("a market of the account's open positions is missing")]
        MissingHealthMarket = 104,
        #[msg("health markets must be in ascending index order without duplicates")]
        HealthMarketsUnsorted = 105,
        #[msg("a market without a position in this account was passed")]
        ForeignHealthMarket = 106,
        #[msg("the pool, insurance fund, market or margin account belongs to another risk pool")]
        PoolMismatch = 107,
        #[msg("pool index must equal the exchange's pool count, below the maximum")]
        PoolIndexMismatch = 108,
        #[msg("the vault holds fewer tokens for this pool than this outflow: a pool's losses stay inside it")]
        PoolTokensShort = 109,
        #[msg("the leader markets passed are not the pool's named leaders in order")]
        LeaderListMismatch = 110,
        // ---- 6200: Oracles and prices ----
        #[msg("unknown oracle kind")]
        InvalidOracleKind = 200,
        #[msg("the same oracle account is listed twice")]
        DuplicateOracleAccount = 201,
        #[msg("oracle configuration is inconsistent")]
        InvalidOracleConfig = 202,
        #[msg("fewer oracle accounts than configured sources")]
        MissingOracleAccount = 203,
        #[msg("more oracle accounts than configured sources")]
        ExtraOracleAccount = 204,
        #[msg("oracle account does not match the configured source at its position")]
        WrongOracleAccount = 205,
        #[msg("another oracle-source rotation is pending; execute this one after it activates")]
        RotationPending = 206,
        #[msg("the market's stored price may not be used for this action now")]
        PriceUnavailable = 207,
        #[msg("the market's stored price is older than this action allows")]
        PriceTooOld = 208,
        #[msg("this needs the market's price judged in this slot: put update_risk for the market (with its oracle accounts) first in the same transaction")]
        NotRefreshedThisSlot = 209,
        #[msg("a price source of this market published too long ago for opening risk or withdrawing; wait for fresh feeds (reductions stay open)")]
        SourcesTooOld = 210,
        // ---- 6300: Orders, trades and delegates ----
        #[msg("amount must be greater than zero")]
        ZeroAmount = 300,
        #[msg("trade size must not be zero")]
        ZeroSize = 301,
        #[msg("amount does not fit the signed collateral range")]
        AmountTooLarge = 302,
        #[msg("execution price is beyond the limit price")]
        Slippage = 303,
        #[msg("order below the minimum size")]
        MinOrderSize = 304,
        #[msg("order size is not a whole number of lots")]
        LotSize = 305,
        #[msg("limit price is not a whole number of ticks")]
        TickSize = 306,
        #[msg("open interest cap reached")]
        OpenInterestCap = 307,
        #[msg("pool reserve cap reached")]
        ReserveCap = 308,
        #[msg("position notional cap reached")]
        PositionNotionalCap = 309,
        #[msg("a position may not be left below the market's minimum notional (close it whole)")]
        PositionBelowMinimum = 310,
        #[msg("the account already holds eight positions")]
        TooManyPositions = 311,
        #[msg("the delegate may only reduce positions")]
        DelegateReduceOnly = 312,
        #[msg("the delegate's increase would exceed the owner's notional limit")]
        DelegateNotionalLimit = 313,
        #[msg("the delegate's trades would cost the account more than the owner's loss limit")]
        DelegateLossLimit = 314,
        // ---- 6400: Margin and collateral ----
        #[msg("amount exceeds the account's collateral")]
        InsufficientCollateral = 400,
        #[msg("initial margin would not hold afterwards")]
        InitialMarginViolated = 401,
        #[msg("position notional would exceed the market's maximum leverage")]
        LeverageCapExceeded = 402,
        // ---- 6500: Liquidity pool, insurance fund and protocol fees ----
        #[msg("pool capital is not enough for this withdrawal")]
        InsufficientPoolCapital = 500,
        #[msg("withdrawal delay has not passed")]
        WithdrawalNotReady = 501,
        #[msg("no withdrawal request is pending")]
        NoWithdrawalRequest = 502,
        #[msg("not enough LP shares")]
        InsufficientShares = 503,
        #[msg("withdrawal would leave open interest beyond the reserve")]
        WithdrawalExceedsUnreserved = 504,
        #[msg("the deposit would mint fewer shares than the minimum asked: the pool's value moved since the quote; quote again")]
        SharesBelowMinimum = 505,
        #[msg("the withdrawal or unstake request expired; request again")]
        RequestExpired = 506,
        #[msg("unstake cooldown has not passed")]
        CooldownNotOver = 507,
        #[msg("insurance fund balance is not enough for this payout")]
        InsufficientInsurance = 508,
        #[msg("amount exceeds the protocol fees")]
        InsufficientProtocolFees = 509,
        // ---- 6600: Liquidation, bankruptcy and ADL ----
        #[msg("the account meets its maintenance requirement")]
        NotLiquidatable = 600,
        #[msg("the account has no position in this market")]
        NoPosition = 601,
        #[msg("the keeper's account may not be the liquidated account")]
        SelfLiquidation = 602,
        #[msg("max_base is below the least stage that restores maintenance")]
        StageBelowMinimum = 603,
        #[msg("the account is not bankrupt (positions open, or collateral not negative)")]
        NotBankrupt = 604,
        #[msg("bankruptcy coverage must be attributed to the account's last liquidated market")]
        WrongBankruptcyMarket = 605,
        #[msg("auto-deleveraging is not triggered in this market")]
        AdlNotTriggered = 606,
        #[msg("the target is not profitable on the stressed side with positive equity")]
        AdlTargetNotEligible = 607,
        #[msg("the deleverage would not lower the ratio, or would take it below the floor")]
        AdlOverCorrects = 608,
        #[msg("the target's leverage is not above the ADL water level yet")]
        AdlBelowWaterLevel = 609,
        // ---- 6700: Market states, breakers, the guardian and the invariant ----
        #[msg("the market's state does not allow this operation")]
        MarketStateForbids = 700,
        #[msg("this operation is paused")]
        ExchangePaused = 701,
        #[msg("the guardian's pause is longer than allowed or names unknown bits")]
        InvalidPause = 702,
        #[msg("the guardian has used all its actions in this window")]
        GuardianRateLimited = 703,
        #[msg("the guardian's last pause ended less than its own length ago (cool-off)")]
        GuardianCoolingOff = 704,
        #[msg("the accounting invariant holds: nothing to pause")]
        InvariantHolds = 705,
        // ---- 6800: Parameters, governance and settlement ----
        #[msg("a parameter is outside its hard bounds")]
        ParameterOutOfBounds = 800,
        #[msg("market parameters are inconsistent")]
        InvalidMarketParams = 801,
        #[msg("unknown governable parameter or role")]
        UnknownParameter = 802,
        #[msg("this change loosens risk or moves value: queue it under the timelock")]
        MustQueue = 803,
        #[msg("the change exceeds the parameter's step limit for this window")]
        StepLimitExceeded = 804,
        #[msg("the change loosens by more than one step from the value in force")]
        StepFromValueInForce = 805,
        #[msg("the timelock has not elapsed")]
        TimelockNotElapsed = 806,
        #[msg("the queued change has expired")]
        ProposalExpired = 807,
        #[msg("the proposal is not queued (executed or cancelled)")]
        ProposalNotQueued = 808,
        #[msg("a tightening of this parameter came after the change was queued: it is stale")]
        ProposalStale = 809,
        #[msg("settlement needs a market ReduceOnly or Halted for the minimum time")]
        SettlementNotAllowed = 810,
        #[msg("the market has no settlement price (no TWAP)")]
        NoSettlementPrice = 811,
        #[msg("this winner's claim is recorded; it is paid once every position has been visited")]
        SettlementRatioPending = 812,
        // ---- 6900: Internal ----
        #[msg("arithmetic error")]
        MathError = 900,
    }
}

/// Maps an engine error to the program error, logging what the engine said (parameter name,
/// or the file and line where arithmetic failed).
pub fn engine_err(e: EngineError) -> Error {
    msg!("engine: {}", e);
    engine_error(e).into()
}

/// The program error an engine error is (no logging: clients name a refusal they computed
/// off chain with it).
pub fn engine_error(e: EngineError) -> BulwarkError {
    match e {
        EngineError::Math { .. } => BulwarkError::MathError,
        EngineError::OutOfBounds { .. } => BulwarkError::ParameterOutOfBounds,
        EngineError::InvalidConfig { .. } => BulwarkError::InvalidOracleConfig,
        EngineError::Refused(r) => refused_error(r),
    }
}

/// An engine operation's refusal as its program error, one to one.
fn refused_error(r: Refused) -> BulwarkError {
    use bulwark_engine::action::Refusal;
    use bulwark_engine::delegate::DelegateRejection;
    use bulwark_engine::trade::TradeRejection;
    match r {
        Refused::MarketState { .. } => BulwarkError::MarketStateForbids,
        Refused::Paused => BulwarkError::ExchangePaused,
        Refused::Price(Refusal::TooOld) => BulwarkError::PriceTooOld,
        Refused::Price(Refusal::NotRefreshedThisSlot) => BulwarkError::NotRefreshedThisSlot,
        Refused::Price(Refusal::SourcesTooOld) => BulwarkError::SourcesTooOld,
        Refused::Price(_) => BulwarkError::PriceUnavailable,
        Refused::Trade(t) => match t {
            TradeRejection::ZeroSize => BulwarkError::ZeroSize,
            TradeRejection::LotSize => BulwarkError::LotSize,
            TradeRejection::MinOrderSize => BulwarkError::MinOrderSize,
            TradeRejection::TickSize => BulwarkError::TickSize,
            TradeRejection::Slippage => BulwarkError::Slippage,
            TradeRejection::OpenInterestCap => BulwarkError::OpenInterestCap,
            TradeRejection::PositionNotionalCap => BulwarkError::PositionNotionalCap,
            TradeRejection::PositionBelowMinimum => BulwarkError::PositionBelowMinimum,
            TradeRejection::ReserveCap => BulwarkError::ReserveCap,
        },
        Refused::Delegate(d) => match d {
            DelegateRejection::ReduceOnly => BulwarkError::DelegateReduceOnly,
            DelegateRejection::NotionalLimit => BulwarkError::DelegateNotionalLimit,
            DelegateRejection::LossLimit => BulwarkError::DelegateLossLimit,
        },
        Refused::TooManyPositions => BulwarkError::TooManyPositions,
        Refused::NoPosition => BulwarkError::NoPosition,
        Refused::InitialMarginViolated => BulwarkError::InitialMarginViolated,
        Refused::LeverageCapExceeded => BulwarkError::LeverageCapExceeded,
        Refused::NotLiquidatable => BulwarkError::NotLiquidatable,
        Refused::ZeroSize => BulwarkError::ZeroSize,
        Refused::StageBelowMinimum => BulwarkError::StageBelowMinimum,
        Refused::NotBankrupt => BulwarkError::NotBankrupt,
        Refused::WrongBankruptcyMarket => BulwarkError::WrongBankruptcyMarket,
        Refused::AdlNotTriggered => BulwarkError::AdlNotTriggered,
        Refused::AdlTargetNotEligible => BulwarkError::AdlTargetNotEligible,
        Refused::AdlOverCorrects => BulwarkError::AdlOverCorrects,
        Refused::AdlBelowWaterLevel => BulwarkError::AdlBelowWaterLevel,
        Refused::SettlementRatioPending => BulwarkError::SettlementRatioPending,
    }
}

/// An engine operation's error inside a handler: the engine's own (mapped by [`engine_err`])
/// or the program's, from a callback the operation called (reading the health markets). `?`
/// turns it back into the handler's error.
pub struct OpError(pub Error);

impl From<EngineError> for OpError {
    fn from(e: EngineError) -> Self {
        OpError(engine_err(e))
    }
}

impl From<Error> for OpError {
    fn from(e: Error) -> Self {
        OpError(e)
    }
}

impl From<OpError> for Error {
    fn from(e: OpError) -> Self {
        e.0
    }
}

/// An engine result as the program's: a math failure is `MathError`, logged with the file and
/// line that asked for the operation (see `bulwark_engine::checked`).
pub trait OrMath<T> {
    /// The value, or the engine error mapped by [`engine_err`].
    fn or_math(self) -> Result<T>;
}

impl<T> OrMath<T> for bulwark_engine::error::EngineResult<T> {
    #[inline]
    fn or_math(self) -> Result<T> {
        self.map_err(engine_err)
    }
}

/// Maps an engine error from checking market trading parameters: inconsistent relations are
/// `InvalidMarketParams`, the rest as [`engine_err`].
pub fn market_params_err(e: EngineError) -> Error {
    match e {
        EngineError::InvalidConfig { what } => {
            msg!("engine: {}", what);
            BulwarkError::InvalidMarketParams.into()
        }
        other => engine_err(other),
    }
}

/// Maps an action-table refusal to its error, logging why: an aggregate too old for the
/// action (`PriceTooOld`), an increase without this slot's judgement (`NotRefreshedThisSlot`)
/// or with a source too old (`SourcesTooOld`); a validity level the action may not use, or no
/// fallback reading, is `PriceUnavailable`.
pub fn refusal_err(r: bulwark_engine::action::Refusal) -> Error {
    msg!("price refused: {:?}", r);
    refused_error(Refused::Price(r)).into()
}

/// The name of program error `code` (e.g. 6401 -> "InitialMarginViolated"), for clients that
/// name a failed transaction's error from its code.
pub fn error_name(code: u32) -> Option<String> {
    error_of(code).map(|e| e.name())
}

/// The program error whose code is `code`.
pub fn error_of(code: u32) -> Option<BulwarkError> {
    ALL_ERRORS.iter().copied().find(|e| u32::from(*e) == code)
}

/// What program error `code` tells its user (its `#[msg]`: what went wrong and, where the
/// user can act, what to do).
pub fn error_message(code: u32) -> Option<String> {
    error_of(code).map(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_tells_its_user_something() {
        for &e in ALL_ERRORS {
            let code: u32 = e.into();
            let m = error_message(code).unwrap();
            assert!(m.len() > 10 && m != e.name(), "{}: {m:?}", e.name());
        }
        let refresh: u32 = BulwarkError::NotRefreshedThisSlot.into();
        assert!(error_message(refresh).unwrap().contains("update_risk"));
    }

    #[test]
    fn codes_rise_within_their_domain_blocks_and_name_their_error() {
        let mut last = None;
        for &e in ALL_ERRORS {
            let code: u32 = e.into();
            assert!((6_000..7_000).contains(&code), "{}", e.name());
            if let Some(prev) = last {
                assert!(code > prev, "{} out of order", e.name());
                // Within a block codes are consecutive; a new block starts at its hundred.
                assert!(
                    code == prev + 1 || code % 100 == 0,
                    "{} leaves a gap",
                    e.name()
                );
            }
            last = Some(code);
            assert_eq!(error_name(code), Some(e.name()));
        }
        assert_eq!(ALL_ERRORS.len(), 95);
        assert_eq!(error_name(6_401).as_deref(), Some("InitialMarginViolated"));
        assert_eq!(error_name(5_999), None);
        assert_eq!(error_name(6_099), None);
    }
}
