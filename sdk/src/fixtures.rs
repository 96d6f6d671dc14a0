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
