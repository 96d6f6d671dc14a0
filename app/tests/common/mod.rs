//! Helpers shared by the CLI tests: run the `bulwark` binary, read its JSON, check refusals.
#![allow(dead_code)] // each test file uses some of them

pub mod net;

use std::process::{Command, Output};

use serde_json::Value;

/// Runs `bulwark args…`.
pub fn bulwark(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(args)
        .output()
        .expect("bulwark runs")
}

/// Runs `bulwark args…`, which must succeed, and parses its standard output as JSON.
pub fn ok_json(args: &[&str]) -> Value {
    let out = bulwark(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

/// `bulwark args…` must exit non-zero with `names` in its error output.
pub fn assert_refused(args: &[&str], names: &str) {
    let out = bulwark(args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{args:?} should fail");
    assert!(err.contains(names), "{args:?}: {err}");
}

/// The key of the demo state's owner `seed` (1 the LP, 2 the long, 3 the short).
pub fn demo_owner(seed: u8) -> solana_sdk::signature::Keypair {
    solana_sdk::signature::Keypair::new_from_array([seed; 32])
}
