//! `bulwark inspect oracle FILE` prints exactly the fields of `expected.json` for every real
//! fixture, and refuses the retired legacy Pyth format with a clear message.

use std::process::Command;

use bulwark_sdk::fixtures::{oracle_fixture_dir, read_oracle_fixture};
use serde_json::Value;

fn inspect(name: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(["inspect", "oracle"])
        .arg(oracle_fixture_dir().join(name))
        .output()
        .expect("bulwark runs")
}

#[test]
fn inspect_output_equals_expected_json_for_every_fixture() {
    let Some(bytes) = read_oracle_fixture("expected.json") else {
        return;
    };
    let expected: Value = serde_json::from_slice(&bytes).unwrap();
    let mut compared = 0;
    for (name, want) in expected.as_object().unwrap() {
        if want["kind"] == "pyth_legacy_push_v2" {
            continue;
        }
        let out = inspect(name);
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let got: Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
        assert_eq!(&got, want, "{name}");
        compared += 1;
    }
    assert_eq!(compared, 8);
}

#[test]
fn the_retired_legacy_pyth_format_exits_non_zero_with_a_clear_message() {
    if read_oracle_fixture("pyth_legacy_usdc_mango.bin").is_none() {
        return;
    }
    let out = inspect("pyth_legacy_usdc_mango.bin");
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("legacy Pyth push price account"), "{err}");
}

#[test]
fn an_unknown_format_exits_non_zero() {
    let dir = std::env::temp_dir().join(format!("bulwark-inspect-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("junk.bin");
    std::fs::write(&file, [9u8; 64]).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(["inspect", "oracle"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown discriminator"));
}
