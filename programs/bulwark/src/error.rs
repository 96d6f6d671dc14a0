//! Program errors. Codes are stable: append, never renumber.

use anchor_lang::prelude::*;
use bulwark_engine::EngineError;

#[error_code]
pub enum BulwarkError {
    /// 6000
    #[msg("signer is not the program's upgrade authority")]
    NotUpgradeAuthority,
    /// 6001
    #[msg("collateral mint must be a classic SPL Token mint (Token-2022 is rejected)")]
    CollateralMintNotClassicToken,
    /// 6002
    #[msg("signer is not the exchange's governance")]
    NotGovernance,
    /// 6003
    #[msg("market index must equal the exchange's market count")]
    MarketIndexMismatch,
    /// 6004
    #[msg("unknown oracle kind")]
    InvalidOracleKind,
    /// 6005
    #[msg("the same oracle account is listed twice")]
    DuplicateOracleAccount,
    /// 6006
    #[msg("a parameter is outside its hard bounds")]
    ParameterOutOfBounds,
    /// 6007
    #[msg("oracle configuration is inconsistent")]
    InvalidOracleConfig,
    /// 6008
    #[msg("fewer oracle accounts than configured sources")]
    MissingOracleAccount,
    /// 6009
    #[msg("more oracle accounts than configured sources")]
    ExtraOracleAccount,
    /// 6010
    #[msg("oracle account does not match the configured source at its position")]
    WrongOracleAccount,
    /// 6011
    #[msg("market account is not at its PDA")]
    MarketAddressMismatch,
    /// 6012
    #[msg("arithmetic error")]
    MathError,
    /// 6013
    #[msg("account layout version not supported")]
    UnsupportedVersion,
    /// 6014
    #[msg("guardian or governance key must not be the default key")]
    InvalidRoleKey,
    /// 6015
    #[msg("account already initialized")]
    AccountAlreadyInitialized,
    /// 6016
    #[msg("collateral mint account is not an initialized mint")]
    InvalidCollateralMint,
    /// 6017
    #[msg("amount must be greater than zero")]
    ZeroAmount,
    /// 6018
    #[msg("amount exceeds the account's collateral")]
    InsufficientCollateral,
    /// 6019
    #[msg("initial margin would not hold afterwards")]
    InitialMarginViolated,
    /// 6020
    #[msg("position notional would exceed the market's maximum leverage")]
    LeverageCapExceeded,
    /// 6021
    #[msg("a market of the account's open positions is missing")]
    MissingHealthMarket,
    /// 6022
    #[msg("health markets must be in ascending index order without duplicates")]
    HealthMarketsUnsorted,
    /// 6023
    #[msg("a market without a position in this account was passed")]
    ForeignHealthMarket,
    /// 6024
    #[msg("execution price is beyond the limit price")]
    Slippage,
    /// 6025
    #[msg("open interest cap reached")]
    OpenInterestCap,
    /// 6026
    #[msg("pool reserve cap reached")]
    ReserveCap,
    /// 6027
    #[msg("position notional cap reached")]
    PositionNotionalCap,
    /// 6028
    #[msg("order below the minimum size")]
    MinOrderSize,
    /// 6029
    #[msg("order size is not a whole number of lots")]
    LotSize,
    /// 6030
    #[msg("limit price is not a whole number of ticks")]
    TickSize,
    /// 6031
    #[msg("the account already holds eight positions")]
    TooManyPositions,
    /// 6032
    #[msg("the market's stored price may not be used for this action now")]
    PriceUnavailable,
    /// 6033
    #[msg("signer is not the account's owner")]
    NotOwner,
    /// 6034
    #[msg("signer is neither the account's owner nor its delegate")]
    NotOwnerOrDelegate,
    /// 6035
    #[msg("account still holds collateral or positions")]
    AccountNotEmpty,
    /// 6036
    #[msg("vault is not the exchange's vault")]
    WrongVault,
    /// 6037
    #[msg("token account is not of the collateral mint")]
    WrongMint,
    /// 6038
    #[msg("withdrawal delay has not passed")]
    WithdrawalNotReady,
    /// 6039
    #[msg("no withdrawal request is pending")]
    NoWithdrawalRequest,
    /// 6040
    #[msg("not enough LP shares")]
    InsufficientShares,
    /// 6041
    #[msg("withdrawal would leave open interest beyond the reserve")]
    WithdrawalExceedsUnreserved,
    /// 6042
    #[msg("all markets must be passed in index order")]
    MarketListMismatch,
    /// 6043
    #[msg("pool capital is not enough for this withdrawal")]
    InsufficientPoolCapital,
    /// 6044
    #[msg("trade size must not be zero")]
    ZeroSize,
    /// 6045
    #[msg("market parameters are inconsistent")]
    InvalidMarketParams,
    /// 6046
    #[msg("market account does not match")]
    MarketMismatch,
    /// 6047
    #[msg("amount does not fit the signed collateral range")]
    AmountTooLarge,
    /// 6048
    #[msg("the market's stored price is older than this action allows")]
    PriceTooOld,
    /// 6049
    #[msg("the account meets its maintenance requirement")]
    NotLiquidatable,
    /// 6050
    #[msg("the account has no position in this market")]
    NoPosition,
    /// 6051
    #[msg("the keeper's account may not be the liquidated account")]
    SelfLiquidation,
    /// 6052
    #[msg("the account is not bankrupt (positions open, or collateral not negative)")]
    NotBankrupt,
    /// 6053
    #[msg("bankruptcy coverage must be attributed to the account's last liquidated market")]
    WrongBankruptcyMarket,
    /// 6054
    #[msg("unstake cooldown has not passed")]
    CooldownNotOver,
    /// 6055
    #[msg("auto-deleveraging is not triggered in this market")]
    AdlNotTriggered,
    /// 6056
    #[msg("the target is not profitable on the stressed side with a score above the threshold")]
    AdlTargetNotEligible,
    /// 6057
    #[msg("the deleverage would not lower the ratio, or would take it below the floor")]
    AdlOverCorrects,
    /// 6058
    #[msg("insurance fund balance is not enough for this payout")]
    InsufficientInsurance,
    /// 6059
    #[msg("the market's state does not allow this operation")]
    MarketStateForbids,
    /// 6060
    #[msg("this operation is paused")]
    ExchangePaused,
    /// 6061
    #[msg("signer is not the exchange's guardian")]
    NotGuardian,
    /// 6062
    #[msg("the guardian's pause is longer than allowed or names unknown bits")]
    InvalidPause,
    /// 6063
    #[msg("the guardian has used all its actions in this window")]
    GuardianRateLimited,
    /// 6064
    #[msg("the accounting invariant holds: nothing to pause")]
    InvariantHolds,
    /// 6065
    #[msg("this change loosens risk or moves value: queue it under the timelock")]
    MustQueue,
    /// 6066
    #[msg("the change exceeds the parameter's step limit for this window")]
    StepLimitExceeded,
    /// 6067
    #[msg("the timelock has not elapsed")]
    TimelockNotElapsed,
    /// 6068
    #[msg("the queued change has expired")]
    ProposalExpired,
    /// 6069
    #[msg("the proposal is not queued (executed or cancelled)")]
    ProposalNotQueued,
    /// 6070
    #[msg("unknown governable parameter or role")]
    UnknownParameter,
    /// 6071
    #[msg("signer is not the pending key for this role")]
    NotPendingRole,
    /// 6072
    #[msg("signer is neither governance nor the guardian")]
    NotGovernanceOrGuardian,
    /// 6073
    #[msg("amount exceeds the protocol fees")]
    InsufficientProtocolFees,
    /// 6074
    #[msg("settlement needs a market ReduceOnly or Halted for the minimum time")]
    SettlementNotAllowed,
    /// 6075
    #[msg("the market has no settlement price (no TWAP)")]
    NoSettlementPrice,
    /// 6076
    #[msg("max_base is below the least stage that restores maintenance")]
    StageBelowMinimum,
    /// 6077
    #[msg("a position may not be left below the market's minimum notional (close it whole)")]
    PositionBelowMinimum,
    /// 6078
    #[msg("the withdrawal or unstake request expired; request again")]
    RequestExpired,
    /// 6079
    #[msg("a tightening of this parameter came after the change was queued: it is stale")]
    ProposalStale,
    /// 6080
    #[msg("the change loosens by more than one step from the value in force")]
    StepFromValueInForce,
    /// 6081
    #[msg("the guardian's last pause ended less than its own length ago (cool-off)")]
    GuardianCoolingOff,
    /// 6082
    #[msg("this winner's claim is recorded; it is paid once every position has been visited")]
    SettlementRatioPending,
    /// 6083
    #[msg("the delegate may only reduce positions")]
    DelegateReduceOnly,
    /// 6084
    #[msg("the delegate's increase would exceed the owner's notional limit")]
    DelegateNotionalLimit,
    /// 6085
    #[msg("the delegate's trades would cost the account more than the owner's loss limit")]
    DelegateLossLimit,
    /// 6086
    #[msg("another oracle-source rotation is pending; execute this one after it activates")]
    RotationPending,
    /// 6087
    #[msg("this needs the market's price judged in this slot: put update_risk for the market (with its oracle accounts) first in the same transaction")]
    NotRefreshedThisSlot,
    /// 6088
    #[msg("a price source of this market published too long ago for opening risk or withdrawing; wait for fresh feeds (reductions stay open)")]
    SourcesTooOld,
    /// 6089
    #[msg("the deposit would mint fewer shares than the minimum asked: the pool's value moved since the quote; quote again")]
    SharesBelowMinimum,
}

/// Maps an engine error to the program error, logging what the engine said (parameter name,
/// or the file and line where arithmetic failed).
pub fn engine_err(e: EngineError) -> Error {
    msg!("engine: {}", e);
    match e {
        EngineError::Math { .. } => BulwarkError::MathError.into(),
        EngineError::OutOfBounds { .. } => BulwarkError::ParameterOutOfBounds.into(),
        EngineError::InvalidConfig { .. } => BulwarkError::InvalidOracleConfig.into(),
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

/// Maps an engine trade rejection to its program error.
pub fn trade_rejection_err(r: bulwark_engine::trade::TradeRejection) -> Error {
    use bulwark_engine::trade::TradeRejection::*;
    match r {
        ZeroSize => BulwarkError::ZeroSize,
        LotSize => BulwarkError::LotSize,
        MinOrderSize => BulwarkError::MinOrderSize,
        TickSize => BulwarkError::TickSize,
        Slippage => BulwarkError::Slippage,
        OpenInterestCap => BulwarkError::OpenInterestCap,
        PositionNotionalCap => BulwarkError::PositionNotionalCap,
        PositionBelowMinimum => BulwarkError::PositionBelowMinimum,
        ReserveCap => BulwarkError::ReserveCap,
    }
    .into()
}

/// Maps a delegate-limit rejection to its program error.
pub fn delegate_rejection_err(r: bulwark_engine::delegate::DelegateRejection) -> Error {
    use bulwark_engine::delegate::DelegateRejection::*;
    match r {
        ReduceOnly => BulwarkError::DelegateReduceOnly,
        NotionalLimit => BulwarkError::DelegateNotionalLimit,
        LossLimit => BulwarkError::DelegateLossLimit,
    }
    .into()
}

/// Maps an action-table refusal to its error, logging why: an aggregate too old for the
/// action (`PriceTooOld`), an increase without this slot's judgement (`NotRefreshedThisSlot`)
/// or with a source too old (`SourcesTooOld`); a validity level the action may not use, or no
/// fallback reading, is `PriceUnavailable`.
pub fn refusal_err(r: bulwark_engine::action::Refusal) -> Error {
    use bulwark_engine::action::Refusal;
    msg!("price refused: {:?}", r);
    match r {
        Refusal::TooOld => BulwarkError::PriceTooOld.into(),
        Refusal::NotRefreshedThisSlot => BulwarkError::NotRefreshedThisSlot.into(),
        Refusal::SourcesTooOld => BulwarkError::SourcesTooOld.into(),
        Refusal::Validity(_) | Refusal::NoFallbackReading => BulwarkError::PriceUnavailable.into(),
    }
}

/// Every program error in code order (6000 upwards), for clients that name a failed
/// transaction's error from its code.
pub const ALL_ERRORS: [BulwarkError; 90] = [
    BulwarkError::NotUpgradeAuthority,
    BulwarkError::CollateralMintNotClassicToken,
    BulwarkError::NotGovernance,
    BulwarkError::MarketIndexMismatch,
    BulwarkError::InvalidOracleKind,
    BulwarkError::DuplicateOracleAccount,
    BulwarkError::ParameterOutOfBounds,
    BulwarkError::InvalidOracleConfig,
    BulwarkError::MissingOracleAccount,
    BulwarkError::ExtraOracleAccount,
    BulwarkError::WrongOracleAccount,
    BulwarkError::MarketAddressMismatch,
    BulwarkError::MathError,
    BulwarkError::UnsupportedVersion,
    BulwarkError::InvalidRoleKey,
    BulwarkError::AccountAlreadyInitialized,
    BulwarkError::InvalidCollateralMint,
    BulwarkError::ZeroAmount,
    BulwarkError::InsufficientCollateral,
    BulwarkError::InitialMarginViolated,
    BulwarkError::LeverageCapExceeded,
    BulwarkError::MissingHealthMarket,
    BulwarkError::HealthMarketsUnsorted,
    BulwarkError::ForeignHealthMarket,
    BulwarkError::Slippage,
    BulwarkError::OpenInterestCap,
    BulwarkError::ReserveCap,
    BulwarkError::PositionNotionalCap,
    BulwarkError::MinOrderSize,
    BulwarkError::LotSize,
    BulwarkError::TickSize,
    BulwarkError::TooManyPositions,
    BulwarkError::PriceUnavailable,
    BulwarkError::NotOwner,
    BulwarkError::NotOwnerOrDelegate,
    BulwarkError::AccountNotEmpty,
    BulwarkError::WrongVault,
    BulwarkError::WrongMint,
    BulwarkError::WithdrawalNotReady,
    BulwarkError::NoWithdrawalRequest,
    BulwarkError::InsufficientShares,
    BulwarkError::WithdrawalExceedsUnreserved,
    BulwarkError::MarketListMismatch,
    BulwarkError::InsufficientPoolCapital,
    BulwarkError::ZeroSize,
    BulwarkError::InvalidMarketParams,
    BulwarkError::MarketMismatch,
    BulwarkError::AmountTooLarge,
    BulwarkError::PriceTooOld,
    BulwarkError::NotLiquidatable,
    BulwarkError::NoPosition,
    BulwarkError::SelfLiquidation,
    BulwarkError::NotBankrupt,
    BulwarkError::WrongBankruptcyMarket,
    BulwarkError::CooldownNotOver,
    BulwarkError::AdlNotTriggered,
    BulwarkError::AdlTargetNotEligible,
    BulwarkError::AdlOverCorrects,
    BulwarkError::InsufficientInsurance,
    BulwarkError::MarketStateForbids,
    BulwarkError::ExchangePaused,
    BulwarkError::NotGuardian,
    BulwarkError::InvalidPause,
    BulwarkError::GuardianRateLimited,
    BulwarkError::InvariantHolds,
    BulwarkError::MustQueue,
    BulwarkError::StepLimitExceeded,
    BulwarkError::TimelockNotElapsed,
    BulwarkError::ProposalExpired,
    BulwarkError::ProposalNotQueued,
    BulwarkError::UnknownParameter,
    BulwarkError::NotPendingRole,
    BulwarkError::NotGovernanceOrGuardian,
    BulwarkError::InsufficientProtocolFees,
    BulwarkError::SettlementNotAllowed,
    BulwarkError::NoSettlementPrice,
    BulwarkError::StageBelowMinimum,
    BulwarkError::PositionBelowMinimum,
    BulwarkError::RequestExpired,
    BulwarkError::ProposalStale,
    BulwarkError::StepFromValueInForce,
    BulwarkError::GuardianCoolingOff,
    BulwarkError::SettlementRatioPending,
    BulwarkError::DelegateReduceOnly,
    BulwarkError::DelegateNotionalLimit,
    BulwarkError::DelegateLossLimit,
    BulwarkError::RotationPending,
    BulwarkError::NotRefreshedThisSlot,
    BulwarkError::SourcesTooOld,
    BulwarkError::SharesBelowMinimum,
];

/// The name of program error `code` (e.g. 6019 -> "InitialMarginViolated").
pub fn error_name(code: u32) -> Option<String> {
    let i = code.checked_sub(anchor_lang::error::ERROR_CODE_OFFSET)? as usize;
    ALL_ERRORS.get(i).map(|e| e.name())
}

/// What program error `code` tells its user (its `#[msg]`: what went wrong and, where the
/// user can act, what to do).
pub fn error_message(code: u32) -> Option<String> {
    let i = code.checked_sub(anchor_lang::error::ERROR_CODE_OFFSET)? as usize;
    ALL_ERRORS.get(i).map(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_tells_its_user_something() {
        for e in ALL_ERRORS {
            let code: u32 = e.into();
            let m = error_message(code).unwrap();
            assert!(m.len() > 10 && m != e.name(), "{}: {m:?}", e.name());
        }
        assert!(error_message(6_087).unwrap().contains("update_risk"));
    }

    #[test]
    fn error_codes_are_consecutive_and_named() {
        for (i, e) in ALL_ERRORS.iter().enumerate() {
            let code: u32 = (*e).into();
            assert_eq!(code, 6_000 + i as u32);
            assert_eq!(error_name(code), Some(e.name()));
        }
        assert_eq!(error_name(6_019).as_deref(), Some("InitialMarginViolated"));
        assert_eq!(error_name(5_999), None);
    }
}
