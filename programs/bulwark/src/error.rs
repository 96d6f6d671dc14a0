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
