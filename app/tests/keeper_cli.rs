//! `bulwark keeper run` refuses bad settings before touching the network, naming what is
//! wrong, and exits non-zero.

mod common;

fn keeper(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(["keeper", "run"])
        .env("RUST_LOG", "info")
        .args(args)
        .output()
        .expect("bulwark runs")
}

fn refused(args: &[&str], names: &str) {
    common::assert_refused(&[&["keeper", "run"], args].concat(), names);
}

#[test]
fn a_malformed_shard_is_refused_by_name() {
    refused(
        &[
            "--url",
            "http://127.0.0.1:1",
            "--keypair",
            "k.json",
            "--shard",
            "2/2",
        ],
        "--shard",
    );
}

#[test]
fn a_missing_keypair_file_is_refused_by_name() {
    refused(
        &[
            "--url",
            "http://127.0.0.1:1",
            "--keypair",
            "/nonexistent/keeper.json",
        ],
        "keypair",
    );
}

#[test]
fn a_metrics_address_that_is_no_address_is_refused_by_name() {
    refused(
        &[
            "--url",
            "http://127.0.0.1:1",
            "--keypair",
            "k.json",
            "--metrics",
            "everywhere",
        ],
        "metrics",
    );
}

#[test]
fn no_url_is_refused_by_name() {
    refused(&["--keypair", "k.json"], "url");
}

#[test]
fn an_unknown_commitment_is_refused_by_name() {
    refused(
        &[
            "--url",
            "http://127.0.0.1:1",
            "--keypair",
            "k.json",
            "--commitment",
            "fast",
        ],
        "commitment",
    );
}

#[test]
fn an_unknown_key_in_the_config_file_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keeper.toml");
    std::fs::write(
        &path,
        "url = \"http://127.0.0.1:1\"\nkeypair = \"k.json\"\nshards = 2\n",
    )
    .unwrap();
    refused(&["--config", path.to_str().unwrap()], "shards");
}

#[test]
fn an_unreachable_rpc_at_start_is_refused_naming_the_url_and_exits_non_zero() {
    use solana_sdk::signature::Keypair;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keeper.json");
    let bytes: Vec<u8> = Keypair::new().to_bytes().to_vec();
    std::fs::write(&path, serde_json::to_string(&bytes).unwrap()).unwrap();
    let out = keeper(&[
        "--url",
        "http://127.0.0.1:1",
        "--keypair",
        path.to_str().unwrap(),
        "--cycles",
        "3",
        "--interval-ms",
        "5",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("url: the node did not answer"), "{err}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("cycle="));
}

/// A Solana CLI config in `dir` naming `url` and a fresh keypair file; returns its path.
fn solana_config(dir: &std::path::Path, url: &str) -> std::path::PathBuf {
    use solana_sdk::signature::Keypair;
    let key = dir.join("id.json");
    let bytes: Vec<u8> = Keypair::new().to_bytes().to_vec();
    std::fs::write(&key, serde_json::to_string(&bytes).unwrap()).unwrap();
    let config = dir.join("config.yml");
    let text = format!(
        "---\njson_rpc_url: \"{url}\"\nwebsocket_url: ''\nkeypair_path: {}\ncommitment: confirmed\n",
        key.display()
    );
    std::fs::write(&config, text).unwrap();
    config
}

#[test]
fn without_url_or_keypair_the_solana_cli_config_names_them_and_monikers_expand() {
    let dir = tempfile::tempdir().unwrap();
    let config = solana_config(dir.path(), "http://127.0.0.1:1");
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_bulwark"))
            .args(["keeper", "run"])
            .args(args)
            .env("SOLANA_CONFIG", &config)
            .output()
            .expect("bulwark runs")
    };
    // URL and keypair from the config: the keypair is read, then the node is asked.
    let out = run(&[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("url: the node did not answer"), "{err}");
    assert!(err.contains("127.0.0.1:1"), "{err}");
    // `-u l` is the local validator's URL.
    let out = run(&["-u", "l"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("127.0.0.1:8899"), "{err}");
}
