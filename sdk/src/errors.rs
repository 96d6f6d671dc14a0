//! The program's errors as people and logs read them: a failure message's
//! `custom program error: 0x…` named from the program's own table (`bulwark::error`).

/// The program error code in a failure message (`custom program error: 0x…`), if any.
pub fn program_error_code(failure: &str) -> Option<u32> {
    let hex = failure.split("custom program error: 0x").nth(1)?;
    let digits: String = hex.chars().take_while(|c| c.is_ascii_hexdigit()).collect();
    u32::from_str_radix(&digits, 16).ok()
}

/// Names the program error in a failure message (`custom program error: 0x…`), if any:
/// `SelfLiquidation (6602)`.
pub fn program_error_name(failure: &str) -> Option<String> {
    let code = program_error_code(failure)?;
    bulwark::error::error_name(code).map(|n| format!("{n} ({code})"))
}

/// Program error `code` with what it tells its user (its message), for people rather than
/// logs: `NotRefreshedThisSlot (6209): this needs …`.
pub fn explain(code: u32) -> Option<String> {
    let name = bulwark::error::error_name(code)?;
    let message = bulwark::error::error_message(code)?;
    Some(format!("{name} ({code}): {message}"))
}

/// As [`program_error_name`], followed by the error's message ([`explain`]).
pub fn program_error_explained(failure: &str) -> Option<String> {
    explain(program_error_code(failure)?)
}
