//! A `bulwark localnet` for the tests that need a cluster: the binary on free loopback ports
//! with the program's SBF build (`BULWARK_SBF_SO`), and keypair files for its wallets.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use serde_json::Value;
use solana_sdk::signature::Keypair;

const BIN: &str = env!("CARGO_BIN_EXE_bulwark");

/// A running `bulwark localnet`, interrupted (so it saves its state) when dropped.
pub struct Localnet {
    pub child: Child,
    /// The first line it printed: endpoints, program, exchange, mint, markets.
    pub ready: Value,
    pub started: Instant,
}

impl Localnet {
    pub fn start(args: &[String]) -> Localnet {
        let so = std::env::var("BULWARK_SBF_SO")
            .expect("BULWARK_SBF_SO names the SBF build (sbf/build-sbf.sh . bulwark)");
        let mut child = Command::new(BIN)
            .args([
                "localnet",
                "--port",
                "0",
                "--program",
                &so,
                "--stop-after-secs",
                "600",
            ])
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .expect("bulwark localnet starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("ready line");
        let ready: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{line}: {e}"));
        Localnet {
            child,
            ready,
            started: Instant::now(),
        }
    }

    pub fn url(&self) -> String {
        self.ready["rpc_url"].as_str().expect("rpc_url").to_string()
    }

    /// Interrupts it as Ctrl-C would and waits for it to save and exit.
    pub fn stop(mut self) {
        unsafe { libc::kill(self.child.id() as i32, libc::SIGINT) };
        let status = self.child.wait().expect("localnet exits");
        assert!(status.success(), "localnet exit: {status}");
        std::mem::forget(self);
    }
}

impl Drop for Localnet {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A new keypair written as a Solana CLI keypair file `DIR/NAME.json`.
pub fn keypair_file(dir: &Path, name: &str) -> (PathBuf, Keypair) {
    let k = Keypair::new();
    let path = dir.join(format!("{name}.json"));
    std::fs::write(
        &path,
        serde_json::to_string(&k.to_bytes().to_vec()).unwrap(),
    )
    .unwrap();
    (path, k)
}
