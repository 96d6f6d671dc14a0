//! `bulwark bootstrap`: a malformed deployment file is refused, naming the field, before any
//! cluster is contacted; `--check` validates a good file without one.

use std::process::Command;

fn bootstrap(file: &std::path::Path, extra: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .arg("bootstrap")
        .arg("--file")
        .arg(file)
        .args(extra)
        .output()
        .expect("bulwark runs")
}

fn example_with_keys() -> String {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../migrations/deployment.example.toml"),
    )
    .unwrap();
    let mut out = String::new();
    for line in text.lines() {
        let line = match line.find("\"REPLACE_WITH_") {
            Some(i) => format!(
                "{}\"{}\"",
                &line[..i],
                solana_sdk::pubkey::Pubkey::new_unique()
            ),
            None => line.to_string(),
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}

#[test]
fn the_example_with_its_placeholders_filled_passes_check() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deploy.toml");
    std::fs::write(&path, example_with_keys()).unwrap();
    let out = bootstrap(&path, &["--check"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("valid") && text.contains("SOL-PERP"),
        "{text}"
    );
}

#[test]
fn the_example_as_shipped_names_its_first_placeholder() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../migrations/deployment.example.toml");
    let out = bootstrap(&path, &["--check"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("is not a base58 public key") && err.contains("REPLACE_WITH_"),
        "{err}"
    );
}

#[test]
fn a_malformed_file_is_refused_by_field_before_any_cluster_is_contacted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deploy.toml");
    let bad = example_with_keys().replace("taker_fee_ppm = 600", "taker_fee_ppm = 600000");
    std::fs::write(&path, bad).unwrap();
    // The URL is unreachable: the error must be the field's, not the connection's.
    let out = bootstrap(
        &path,
        &[
            "--url",
            "http://127.0.0.1:1",
            "--authority-keypair",
            "/nonexistent.json",
            "--governance-keypair",
            "/nonexistent.json",
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("markets[0].trading.taker_fee_ppm"), "{err}");
}
