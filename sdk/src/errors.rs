//! The program's errors as people and logs read them: a failure message's
//! `custom program error: 0x…` named from the program's own table (`bulwark::error`).

/// Names the program error in a failure message (`custom program error: 0x…`), if any.
pub fn program_error_name(failure: &str) -> Option<String> {
    let hex = failure.split("custom program error: 0x").nth(1)?;
    let digits: String = hex.chars().take_while(|c| c.is_ascii_hexdigit()).collect();
    let code = u32::from_str_radix(&digits, 16).ok()?;
    bulwark::error::error_name(code).map(|n| format!("{n} ({code})"))
}

/// As [`program_error_name`], followed by what the error tells its user (its message), for
/// people rather than logs: `NotRefreshedThisSlot (6209): this needs …`.
pub fn program_error_explained(failure: &str) -> Option<String> {
    let name = program_error_name(failure)?;
    let code: u32 = name
        .rsplit_once('(')?
        .1
        .trim_end_matches(')')
        .parse()
        .ok()?;
    let message = bulwark::error::error_message(code)?;
    Some(format!("{name}: {message}"))
}
