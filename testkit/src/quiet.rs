//! Off-chain, the program's `msg!` logs (Anchor prints `Instruction: …` for every call) go
//! straight to standard output (`solana-msg` uses `println!` outside the SBF target). Commands
//! whose output scripts parse (`--json`) silence standard output while the bank runs the
//! program, and restore it before printing; the demo turns the program's logs off
//! ([`set_program_logs`]) so it prints its story, not the runtime's.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether the bank lets the natively run program print its logs (on unless turned off).
static PROGRAM_LOGS: AtomicBool = AtomicBool::new(true);

/// Turns the natively run program's printed logs on or off for every bank in the process (the
/// logs stay in each transaction's metadata either way).
pub fn set_program_logs(on: bool) {
    PROGRAM_LOGS.store(on, Ordering::Relaxed);
}

/// Silences standard output while the program runs, when its logs are off.
pub fn program_run() -> Option<StdoutSilenced> {
    if PROGRAM_LOGS.load(Ordering::Relaxed) {
        return None;
    }
    StdoutSilenced::new().ok()
}

/// Standard output goes to /dev/null until this is dropped.
pub struct StdoutSilenced {
    #[cfg(unix)]
    saved: i32,
}

impl StdoutSilenced {
    /// Silences standard output (a no-op where there are no file descriptors).
    pub fn new() -> std::io::Result<StdoutSilenced> {
        std::io::stdout().flush()?;
        #[cfg(unix)]
        {
            let null = std::fs::OpenOptions::new().write(true).open("/dev/null")?;
            // SAFETY: dup/dup2 on the process's own descriptors; `null` outlives the calls.
            let saved = unsafe { libc::dup(1) };
            if saved < 0 || unsafe { libc::dup2(std::os::fd::AsRawFd::as_raw_fd(&null), 1) } < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(StdoutSilenced { saved })
        }
        #[cfg(not(unix))]
        Ok(StdoutSilenced {})
    }
}

impl Drop for StdoutSilenced {
    fn drop(&mut self) {
        let _ = std::io::stdout().flush();
        #[cfg(unix)]
        // SAFETY: restores the descriptor saved in `new` and closes the copy.
        unsafe {
            libc::dup2(self.saved, 1);
            libc::close(self.saved);
        }
    }
}
