//! `bulwark`: the demo, oracle inspection and (as they land) operator commands.

mod demo;
mod demo_crash;
mod demo_dynamics;
mod demo_trading;
mod inspect;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "bulwark",
    version,
    about = "Bulwark: a Solana perpetuals venue built to survive systemic events"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Boot the real program in an in-process bank and walk SOL-PERP's oracles through calm,
    /// manipulation, staleness, divergence, a USDC wobble and recovery.
    Demo,
    /// Decode accounts from raw bytes.
    Inspect {
        #[command(subcommand)]
        what: InspectCommand,
    },
}

#[derive(Subcommand)]
enum InspectCommand {
    /// Decode a raw oracle account file (kind from its discriminator) and print it as JSON.
    Oracle {
        /// File holding the account's data bytes.
        file: std::path::PathBuf,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Demo => {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            rt.block_on(demo::run())
        }
        Command::Inspect {
            what: InspectCommand::Oracle { file },
        } => {
            let bytes = std::fs::read(&file)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
            let json = inspect::oracle_json(&bytes)
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            println!("{}", serde_json::to_string_pretty(&json)?);
            Ok(())
        }
    }
}
