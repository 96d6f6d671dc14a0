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

/// Why a text is not a price: not a plain non-negative decimal, or beyond what 1e-8 units in
/// an `i64` hold. Carries the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecimalError {
    NotADecimal(String),
    TooLarge(String),
}

impl std::fmt::Display for DecimalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DecimalError::NotADecimal(s) => write!(f, "{s:?} is not a decimal number"),
            DecimalError::TooLarge(s) => write!(f, "{s}: too large"),
        }
    }
}

impl std::error::Error for DecimalError {}

/// Parses a non-negative decimal string into a 1e-8 mantissa, truncating beyond 8 places.
/// A sign, exponent or any other character is refused.
pub fn parse_decimal_e8(s: &str) -> Result<i64, DecimalError> {
    let s = s.trim();
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if (int.is_empty() && frac.is_empty())
        || !int.chars().chain(frac.chars()).all(|c| c.is_ascii_digit())
    {
        return Err(DecimalError::NotADecimal(s.to_string()));
    }
    let too_large = || DecimalError::TooLarge(s.to_string());
    // Digits only: a parse can fail only by overflow.
    let int: i64 = if int.is_empty() {
        0
    } else {
        int.parse().map_err(|_| too_large())?
    };
    let mut frac8 = String::from(frac);
    frac8.truncate(8);
    while frac8.len() < 8 {
        frac8.push('0');
    }
    let frac: i64 = frac8.parse().map_err(|_| too_large())?;
    int.checked_mul(100_000_000)
        .and_then(|v| v.checked_add(frac))
        .ok_or_else(too_large)
}

/// Why a price file was refused: the file, the 1-based line (the header is line 1) and the
/// field, then what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PriceFileError {
    pub file: String,
    pub line: u64,
    pub field: &'static str,
    pub reason: String,
}

impl std::fmt::Display for PriceFileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}: {}: {}",
            self.file, self.line, self.field, self.reason
        )
    }
}

impl std::error::Error for PriceFileError {}

/// Reads and validates a `unix_ts,open,high,low,close` price file (prices as 1e-8 mantissas):
/// every line well formed, every price positive, low <= open, close <= high, timestamps
/// strictly increasing (an unsorted or duplicated timestamp is refused).
pub fn load_bars(path: &std::path::Path) -> Result<Vec<Bar>, PriceFileError> {
    let file = path.display().to_string();
    let err = |line: u64, field: &'static str, reason: String| PriceFileError {
        file: file.clone(),
        line,
        field,
        reason,
    };
    let mut reader = csv::Reader::from_path(path).map_err(|e| err(0, "file", e.to_string()))?;
    let header = reader
        .headers()
        .map_err(|e| err(1, "header", e.to_string()))?;
    if header.iter().collect::<Vec<_>>() != ["unix_ts", "open", "high", "low", "close"] {
        return Err(err(
            1,
            "header",
            "expected unix_ts,open,high,low,close".into(),
        ));
    }
    let mut bars: Vec<Bar> = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i as u64 + 2;
        let record = record.map_err(|e| err(line, "line", e.to_string()))?;
        let bar = parse_bar(&record, line, &err)?;
        let unix_ts = bar.unix_ts;
        if let Some(prev) = bars.last() {
            if unix_ts <= prev.unix_ts {
                let what = if unix_ts == prev.unix_ts {
                    "duplicated"
                } else {
                    "out of order"
                };
                return Err(err(
                    line,
                    "unix_ts",
                    format!("{unix_ts} is {what} (previous {})", prev.unix_ts),
                ));
            }
        }
        bars.push(bar);
    }
    if bars.is_empty() {
        return Err(err(2, "line", "no bars".into()));
    }
    Ok(bars)
}

/// One line of a price file (line `line`): five fields, an integer timestamp, four positive
/// prices, open and close within [low, high]. `err` makes the error naming the line.
fn parse_bar(
    record: &csv::StringRecord,
    line: u64,
    err: &dyn Fn(u64, &'static str, String) -> PriceFileError,
) -> Result<Bar, PriceFileError> {
    if record.len() != 5 {
        return Err(err(
            line,
            "line",
            format!("{} fields, expected 5", record.len()),
        ));
    }
    let unix_ts: i64 = record[0].trim().parse().map_err(|_| {
        err(
            line,
            "unix_ts",
            format!("{:?} is not an integer", &record[0]),
        )
    })?;
    let mut prices = [0i64; 4];
    for (k, name) in ["open", "high", "low", "close"].into_iter().enumerate() {
        let v = parse_decimal_e8(&record[k + 1]).map_err(|e| err(line, name, e.to_string()))?;
        if v <= 0 {
            return Err(err(
                line,
                name,
                format!("{:?} is not positive", &record[k + 1]),
            ));
        }
        prices[k] = v;
    }
    let [open, high, low, close] = prices;
    if low > open.min(close) || high < open.max(close) {
        return Err(err(
            line,
            "high/low",
            "open and close must lie within [low, high]".into(),
        ));
    }
    Ok(Bar {
        unix_ts,
        open,
        high,
        low,
        close,
    })
}

/// Reads a validated price path from the shared data directory. Missing file: panics under
/// `CI`, else `None` (the caller skips with a message); an invalid file panics with the error.
pub fn read_price_path(name: &str) -> Option<Vec<Bar>> {
    let path = price_data_dir().join(name);
    if !path.exists() {
        if std::env::var_os("CI").is_some() {
            panic!("price path {} missing under CI", path.display());
        }
        eprintln!("skipping: price path {} not found", path.display());
        return None;
    }
    Some(load_bars(&path).unwrap_or_else(|e| panic!("{e}")))
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

    fn load(text: &str) -> Result<Vec<super::Bar>, super::PriceFileError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.csv");
        std::fs::write(&path, text).unwrap();
        super::load_bars(&path)
    }

    const HEAD: &str = "unix_ts,open,high,low,close\n";

    #[test]
    fn a_bad_price_file_is_refused_naming_line_and_field() {
        let ok = "60,1,2,0.5,1.5\n";
        for (body, line, field) in [
            (format!("{ok}120,1,2,0.5\n"), 3, "line"),
            (format!("{ok}120,1,2,x,1\n"), 3, "low"),
            (format!("{ok}120,0,2,0.5,1\n"), 3, "open"),
            (format!("{ok}120,-1,2,0.5,1\n"), 3, "open"),
            (format!("{ok}60,1,2,0.5,1\n"), 3, "unix_ts"),
            (format!("{ok}30,1,2,0.5,1\n"), 3, "unix_ts"),
            (format!("{ok}120,1,2,1.2,1\n"), 3, "high/low"),
            ("t,1,2,0.5,1\n".to_string(), 2, "unix_ts"),
        ] {
            let e = load(&format!("{HEAD}{body}")).unwrap_err();
            assert_eq!((e.line, e.field), (line, field), "{e}");
            assert!(e.to_string().contains("p.csv:"), "{e}");
        }
        assert!(load("ts,o,h,l,c\n1,1,1,1,1\n").unwrap_err().field == "header");
        assert_eq!(load(&format!("{HEAD}{ok}")).unwrap().len(), 1);
    }

    #[test]
    fn every_shared_price_file_loads() {
        let dir = super::price_data_dir();
        let Ok(entries) = std::fs::read_dir(&dir) else {
            assert!(
                std::env::var_os("CI").is_none(),
                "{} missing under CI",
                dir.display()
            );
            return;
        };
        let mut n = 0;
        for e in entries {
            let path = e.unwrap().path();
            if path.extension().is_some_and(|x| x == "csv") {
                let bars = super::load_bars(&path).unwrap_or_else(|e| panic!("{e}"));
                assert!(bars.len() >= 1_000, "{}", path.display());
                n += 1;
            }
        }
        assert_eq!(n, 12);
    }
}
