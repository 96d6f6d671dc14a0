//! Where the shared real oracle fixtures live: `$BULWARK_ORACLE_FIXTURES`, else
//! `../shared/fixtures/oracles` beside the repository.

use std::path::PathBuf;

/// The fixture directory.
pub fn oracle_fixture_dir() -> PathBuf {
    match std::env::var_os("BULWARK_ORACLE_FIXTURES") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/fixtures/oracles"
        )),
    }
}

/// Reads a fixture file. When it is missing: panics if `CI` is set (a test must fail, not
/// skip), else returns `None` so the caller can skip with a message.
pub fn read_oracle_fixture(name: &str) -> Option<Vec<u8>> {
    let path = oracle_fixture_dir().join(name);
    match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(e) if std::env::var_os("CI").is_some() => {
            panic!("fixture {} missing under CI: {e}", path.display())
        }
        Err(e) => {
            eprintln!("skipping: fixture {} not readable: {e}", path.display());
            None
        }
    }
}

/// Where the shared price paths live: `$BULWARK_PRICE_DATA`, else `../shared/data/prices`.
pub fn price_data_dir() -> PathBuf {
    match std::env::var_os("BULWARK_PRICE_DATA") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/data/prices"
        )),
    }
}

/// One bar of a price path: prices as 1e-8 USD mantissas (exact decimal parsing, no floats).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bar {
    pub unix_ts: i64,
    pub open: i64,
    pub high: i64,
    pub low: i64,
    pub close: i64,
}

#[derive(serde::Deserialize)]
struct RawBar {
    unix_ts: i64,
    open: String,
    high: String,
    low: String,
    close: String,
}

/// Parses a non-negative decimal string into a 1e-8 mantissa, truncating beyond 8 places.
pub fn parse_decimal_e8(s: &str) -> Result<i64, String> {
    let s = s.trim();
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let int: i64 = if int.is_empty() {
        0
    } else {
        int.parse().map_err(|e| format!("{s}: {e}"))?
    };
    let mut frac8 = String::from(frac);
    frac8.truncate(8);
    while frac8.len() < 8 {
        frac8.push('0');
    }
    let frac: i64 = frac8.parse().map_err(|e| format!("{s}: {e}"))?;
    int.checked_mul(100_000_000)
        .and_then(|v| v.checked_add(frac))
        .ok_or_else(|| format!("{s}: too large"))
}

/// Reads a `unix_ts,open,high,low,close` price path. Missing file: panics under `CI`, else
/// `None` (the caller skips with a message).
pub fn read_price_path(name: &str) -> Option<Vec<Bar>> {
    let path = price_data_dir().join(name);
    let mut reader = match csv::Reader::from_path(&path) {
        Ok(r) => r,
        Err(e) if std::env::var_os("CI").is_some() => {
            panic!("price path {} missing under CI: {e}", path.display())
        }
        Err(e) => {
            eprintln!("skipping: price path {} not readable: {e}", path.display());
            return None;
        }
    };
    let mut bars = Vec::new();
    for row in reader.deserialize::<RawBar>() {
        let r = row.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let p = |s: &str| parse_decimal_e8(s).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        bars.push(Bar {
            unix_ts: r.unix_ts,
            open: p(&r.open),
            high: p(&r.high),
            low: p(&r.low),
            close: p(&r.close),
        });
    }
    Some(bars)
}

#[cfg(test)]
mod tests {
    use super::parse_decimal_e8;

    #[test]
    fn decimals_parse_exactly() {
        assert_eq!(parse_decimal_e8("77.5"), Ok(7_750_000_000));
        assert_eq!(parse_decimal_e8("0.00004"), Ok(4_000));
        assert_eq!(parse_decimal_e8("22159.79"), Ok(2_215_979_000_000));
        assert_eq!(parse_decimal_e8("1.123456789"), Ok(112_345_678));
        assert!(parse_decimal_e8("abc").is_err());
    }
}
