//! The README's two commands share one build: every dependency the binary needs is built by
//! `cargo test --workspace` with the same features, so `cargo run --bin bulwark -- demo`
//! afterwards compiles nothing again (issue 16, point 6). Compares the feature sets `cargo
//! tree` resolves for the binary alone and for the workspace's test build.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

/// Package (name and version) -> the feature sets `cargo tree` resolves for it.
fn features(args: &[&str]) -> BTreeMap<String, BTreeSet<String>> {
    let out = Command::new(env!("CARGO"))
        .args(["tree", "--locked", "-f", "{p} {f}", "--prefix", "none"])
        .args(args)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut map: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let mut parts = line.splitn(3, ' ');
        let (Some(name), Some(version)) = (parts.next(), parts.next()) else {
            continue;
        };
        let rest = parts.next().unwrap_or("").replace("(*)", "");
        // Workspace members and path dependencies print their path after the version.
        let feats = match rest.trim().strip_prefix('(') {
            Some(after) => after.split_once(')').map_or("", |(_, f)| f),
            None => rest.trim(),
        };
        map.entry(format!("{name} {version}"))
            .or_default()
            .insert(feats.trim().to_string());
    }
    map
}

#[test]
fn the_binary_needs_no_dependency_the_workspace_test_build_compiles_differently() {
    let binary = features(&["-p", "bulwark-app", "-e", "normal,build"]);
    let workspace = features(&["--workspace", "-e", "normal,build,dev"]);
    let differing: Vec<String> = binary
        .iter()
        .filter(|(package, f)| workspace.get(*package).is_some_and(|w| w != *f))
        .map(|(package, f)| {
            format!(
                "{package}: binary {f:?}, workspace {:?}",
                workspace[package]
            )
        })
        .collect();
    assert!(
        differing.is_empty(),
        "features differ (add them to app/Cargo.toml's alignment block): {differing:#?}"
    );
    assert!(
        binary.len() > 100,
        "cargo tree listed {} packages",
        binary.len()
    );
}
