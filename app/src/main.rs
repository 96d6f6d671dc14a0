//! `bulwark`: the demo, oracle inspection and (as they land) operator commands.

mod demo;
mod demo_crash;
mod demo_dynamics;
mod demo_trading;
mod inspect;
mod keeper_cmd;

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
    /// The keeper bot.
    Keeper {
        #[command(subcommand)]
        what: KeeperCommand,
    },
    /// Decode accounts from raw bytes.
    Inspect {
        #[command(subcommand)]
        what: InspectCommand,
    },
}

#[derive(Subcommand)]
enum KeeperCommand {
    /// Run the keeper against a cluster over JSON-RPC: refresh stale markets, liquidate,
    /// resolve bankruptcies, deleverage, crank settlement, sweep; one metrics line per cycle.
    Run(keeper_cmd::KeeperArgs),
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
        Command::Keeper {
            what: KeeperCommand::Run(args),
        } => {
            tracing_subscriber::fmt()
                .with_env_filter(
                    tracing_subscriber::EnvFilter::try_from_default_env()
                        .unwrap_or_else(|_| "info".into()),
                )
                .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
                .init();
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            rt.block_on(keeper_cmd::run(args))
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
