//! `cargo run -p bulwark-idl`: builds the program's IDL with cargo alone (the
//! `__anchor_private_print_idl` tests of Anchor's `idl-build` feature) and writes
//! `target/idl/bulwark.json` at the repository root. Fails if the IDL does not build.

use std::path::PathBuf;

fn main() -> anyhow::Result<()> {
    // The manifest directory as cargo sets it for this run (a build cached in a target
    // directory shared between clones carries another clone's compile-time path).
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    let root = manifest.join("..").canonicalize()?;
    // anchor-lang-idl 0.1.4 passes a literal "+{toolchain}" to cargo when RUSTUP_TOOLCHAIN is
    // set (it is, under `cargo run` with rustup): clear it so the machine's cargo is used.
    std::env::remove_var("RUSTUP_TOOLCHAIN");
    // The idl-build feature and its RUSTFLAGS change every fingerprint: build in a separate
    // target directory so the test build's artifacts stay warm.
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    std::env::set_var("CARGO_TARGET_DIR", target.join("idl-build"));
    let idl = anchor_lang_idl::build::IdlBuilder::new()
        .program_path(root.join("programs/bulwark"))
        .resolution(true)
        .skip_lint(false)
        .no_docs(false)
        .build()?;
    let out_dir = root.join("target/idl");
    std::fs::create_dir_all(&out_dir)?;
    let out = out_dir.join("bulwark.json");
    std::fs::write(&out, serde_json::to_string_pretty(&idl)? + "\n")?;
    println!(
        "wrote {} ({} instructions, {} accounts, {} events, {} errors)",
        out.display(),
        idl.instructions.len(),
        idl.accounts.len(),
        idl.events.len(),
        idl.errors.len()
    );
    Ok(())
}
