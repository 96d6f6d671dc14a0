//! `bulwark`: the demo, oracle inspection and (as they land) operator commands.

mod account_cmd;
mod bootstrap_cmd;
mod cluster;
mod demo;
mod demo_crash;
mod demo_dynamics;
mod demo_pools;
mod demo_trading;
mod events_cmd;
mod governance_cmd;
mod inspect;
mod inspect_account;
mod keeper_cmd;
mod keeper_metrics;
mod localnet;
mod lookup_cmd;
mod operator;
mod pool_cmd;
mod pool_list;
mod signer_source;
mod stress_chart;
mod stress_cmd;
mod stress_multi;
mod trader_cmd;

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

#[derive(Subcommand, Debug)]
enum LookupCommand {
    /// Create the venue's lookup table and fill it with the venue's addresses.
    Create(lookup_cmd::LookupArgs),
}

#[derive(Subcommand)]
enum Command {
    /// Boot the real program in an in-process bank and walk SOL-PERP's oracles through calm,
    /// manipulation, staleness, divergence, a USDC wobble and recovery.
    Demo {
        /// Also print the program's own logs (`Instruction: …`, refusals) as it runs.
        #[arg(long)]
        program_logs: bool,
    },
    /// The keeper bot.
    Keeper {
        #[command(subcommand)]
        what: KeeperCommand,
    },
    /// Markets: list them, or show one.
    Market {
        #[command(subcommand)]
        what: MarketCommand,
    },
    /// Margin accounts.
    Account {
        #[command(subcommand)]
        what: AccountCommand,
    },
    /// Replay a crash (or a synthetic shock) through the risk engine over seeded populations.
    Stress(stress_cmd::StressArgs),
    /// Create or check a deployment from a file (idempotent; differences reported).
    Bootstrap(bootstrap_cmd::BootstrapArgs),
    /// Deposit collateral into a margin account (created if missing).
    Deposit {
        /// Amount in collateral units as a decimal (e.g. 250.5 USDC).
        #[arg(long, allow_hyphen_values = true)]
        amount: String,
        #[command(flatten)]
        actor: trader_cmd::Actor,
    },
    /// Withdraw collateral (only while initial margin holds afterwards).
    Withdraw {
        /// Amount in collateral units as a decimal.
        #[arg(long, allow_hyphen_values = true)]
        amount: String,
        #[command(flatten)]
        actor: trader_cmd::Actor,
    },
    /// Trade against the pool.
    Trade {
        /// Market index or symbol.
        #[arg(long)]
        market: String,
        /// Base units as a decimal; negative sells (e.g. --size=-1.5).
        #[arg(long, allow_hyphen_values = true)]
        size: String,
        /// Worst acceptable price.
        #[arg(long, allow_hyphen_values = true)]
        limit_price: String,
        /// Preview the trade with the program's own operation (fill price, fee, margin and
        /// liquidation price after) and simulate the transaction; send nothing.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        actor: trader_cmd::Actor,
    },
    /// Close a whole position at market, within a slippage bound from the stored price.
    ClosePosition {
        /// Market index or symbol.
        #[arg(long)]
        market: String,
        /// How far through the stored price the limit may be, percent (e.g. 2 or 0.5).
        #[arg(long, default_value = "2")]
        max_slippage_pct: String,
        /// Preview and simulate only; send nothing.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        actor: trader_cmd::Actor,
    },
    /// Name (or revoke) the account's trading delegate and its limits.
    Delegate {
        #[command(flatten)]
        delegate: account_cmd::DelegateArgs,
        #[command(flatten)]
        actor: trader_cmd::Actor,
    },
    /// Close the (empty) margin account; its rent returns to the owner.
    CloseAccount {
        #[command(flatten)]
        actor: trader_cmd::Actor,
    },
    /// The risk pools: list them; deposit into one, request a withdrawal, withdraw after the
    /// delay (`--pool`, default 0).
    Pool {
        #[command(subcommand)]
        what: pool_cmd::PoolCommand,
    },
    /// The insurance fund: stake, request an unstake, unstake after the cooldown.
    Insurance {
        #[command(subcommand)]
        what: pool_cmd::InsuranceCommand,
    },
    /// The program's events as JSON lines: recent ones, then new ones with --follow.
    Events(events_cmd::EventsArgs),
    /// Address lookup tables: `create` makes the venue's.
    LookupTable {
        #[command(subcommand)]
        what: LookupCommand,
    },
    /// A local cluster: the program on the VM behind JSON-RPC and websocket endpoints, slots
    /// in real time, feeds on their cadences, a venue listed and funded.
    Localnet(localnet::LocalnetArgs),
    /// Governance: build the instruction a DAO proposal wraps.
    Governance {
        #[command(subcommand)]
        what: GovernanceCommand,
    },
    /// Decode accounts from raw bytes.
    Inspect {
        #[command(subcommand)]
        what: InspectCommand,
    },
}

#[derive(Subcommand)]
enum MarketCommand {
    /// Every market: state, price, open interest, maintenance ratio.
    List {
        #[command(flatten)]
        source: operator::Source,
    },
    /// One market by index or symbol.
    Show {
        /// Index or symbol (e.g. 0 or SOL-PERP).
        market: String,
        #[command(flatten)]
        source: operator::Source,
    },
}

#[derive(Subcommand)]
enum AccountCommand {
    /// A margin account: collateral, health, positions and liquidation prices.
    Show {
        /// The owner's public key (base58).
        owner: String,
        /// The account index.
        #[arg(long, default_value_t = 0)]
        index: u16,
        #[command(flatten)]
        source: operator::Source,
    },
}

#[derive(Subcommand)]
enum GovernanceCommand {
    /// Print the `queue_proposal` instruction (program, accounts, base64 data, the proposal's
    /// seed and address) a DAO proposal wraps.
    Propose {
        #[command(subcommand)]
        proposal: governance_cmd::Proposal,
    },
    /// Print the permissionless `execute_proposal` instruction for a proposal whose timelock
    /// has passed.
    Execute(governance_cmd::ExecuteArgs),
    /// Print the `cancel_proposal` instruction governance or the guardian signs.
    Cancel(governance_cmd::CancelArgs),
}

#[derive(Subcommand)]
enum KeeperCommand {
    /// Run the keeper against a cluster over JSON-RPC: refresh stale markets, liquidate,
    /// resolve bankruptcies, deleverage, crank settlement, sweep; one metrics line per cycle.
    Run(keeper_cmd::KeeperArgs),
}

#[derive(Subcommand)]
enum InspectCommand {
    /// Decode a Bulwark account (exchange, market, margin account, pool, insurance fund,
    /// LP/stake account, proposal) from a file of its bytes or its address, as JSON.
    Account {
        #[command(flatten)]
        target: Target,
    },
    /// Decode an oracle account (Pyth PriceUpdateV2, Switchboard On-Demand, Chainlink; kind
    /// from its discriminator) from a file of its bytes or its address, as JSON.
    Oracle {
        #[command(flatten)]
        target: Target,
    },
}

/// What `inspect` reads: a file of account bytes, or an address fetched over JSON-RPC.
#[derive(clap::Args)]
struct Target {
    /// A file holding the account's data, or the account's address (base58).
    target: String,
    /// JSON-RPC URL to fetch an address from, or m|d|t|l (default: the Solana CLI config's).
    #[arg(short = 'u', long, conflicts_with = "demo_state")]
    url: Option<String>,
    /// Fetch the address from the bank-backed demo state.
    #[arg(long)]
    demo_state: bool,
}

impl Target {
    /// The account's bytes, from the file or the chain.
    fn bytes(self) -> anyhow::Result<Vec<u8>> {
        let path = std::path::Path::new(&self.target);
        if path.is_file() {
            return std::fs::read(path)
                .map_err(|e| anyhow::anyhow!("TARGET: cannot read {}: {e}", self.target));
        }
        let key: anchor_lang::prelude::Pubkey = self.target.parse().map_err(|_| {
            anyhow::anyhow!(
                "TARGET: {:?} is neither a file nor a base58 address",
                self.target
            )
        })?;
        if self.url.is_none() && !self.demo_state && cluster::url(None).is_err() {
            anyhow::bail!("--url: needed to fetch {} (or --demo-state)", self.target);
        }
        let source = operator::Source {
            url: self.url,
            demo_state: self.demo_state,
            json: true,
        };
        runtime()?.block_on(async {
            let reader = operator::Reader::connect(&source).await?;
            reader.data(&key, "account").await
        })
    }
}

fn main() -> std::process::ExitCode {
    match run(Cli::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // The message names the argument or field; no backtrace for a user's mistake.
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Demo { program_logs } => plain_runtime()?.block_on(demo::run(program_logs)),
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
            plain_runtime()?.block_on(keeper_cmd::run(args))
        }
        Command::Market { what } => runtime()?.block_on(async {
            match what {
                MarketCommand::List { source } => operator::market_list(&source).await,
                MarketCommand::Show { market, source } => {
                    operator::market_show(&source, &market).await
                }
            }
        }),
        Command::Account {
            what:
                AccountCommand::Show {
                    owner,
                    index,
                    source,
                },
        } => runtime()?.block_on(operator::account_show(&source, &owner, index)),
        c @ (Command::Deposit { .. }
        | Command::Withdraw { .. }
        | Command::Trade { .. }
        | Command::ClosePosition { .. }
        | Command::Delegate { .. }
        | Command::CloseAccount { .. }) => runtime()?.block_on(run_account_command(c)),
        Command::Pool { what } => runtime()?.block_on(pool_cmd::pool(what)),
        Command::Insurance { what } => runtime()?.block_on(pool_cmd::insurance(what)),
        Command::Events(args) => runtime()?.block_on(events_cmd::run(args)),
        Command::LookupTable {
            what: LookupCommand::Create(args),
        } => runtime()?.block_on(lookup_cmd::create(args)),
        Command::Localnet(args) => plain_runtime()?.block_on(localnet::run(args)),
        Command::Stress(args) => stress_cmd::run_stress(args),
        Command::Bootstrap(args) => runtime()?.block_on(bootstrap_cmd::run(args)),
        Command::Governance { what } => match what {
            GovernanceCommand::Propose { proposal } => governance_cmd::propose(proposal),
            GovernanceCommand::Execute(a) => governance_cmd::execute(a),
            GovernanceCommand::Cancel(a) => governance_cmd::cancel(a),
        },
        Command::Inspect { what } => inspect_cmd(what),
    }
}

/// The commands a margin account's owner (or delegate) runs.
async fn run_account_command(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Deposit { amount, actor } => trader_cmd::deposit(actor, amount).await,
        Command::Withdraw { amount, actor } => trader_cmd::withdraw(actor, amount).await,
        Command::Trade {
            market,
            size,
            limit_price,
            dry_run,
            actor,
        } => {
            let order = trader_cmd::OrderArgs {
                market,
                size,
                limit_price,
                dry_run,
            };
            trader_cmd::trade(actor, order).await
        }
        Command::ClosePosition {
            market,
            max_slippage_pct,
            dry_run,
            actor,
        } => account_cmd::close_position(actor, market, max_slippage_pct, dry_run).await,
        Command::Delegate { delegate, actor } => account_cmd::delegate(actor, delegate).await,
        Command::CloseAccount { actor } => account_cmd::close_account(actor).await,
        _ => unreachable!("only account commands are routed here"),
    }
}

/// `bulwark inspect account|oracle`: the decoded account as JSON.
fn inspect_cmd(what: InspectCommand) -> anyhow::Result<()> {
    let json = match what {
        InspectCommand::Account { target } => inspect_account::account_json(&target.bytes()?)
            .map_err(|e| anyhow::anyhow!("TARGET: {e}"))?,
        InspectCommand::Oracle { target } => {
            let name = target.target.clone();
            inspect::oracle_json(&target.bytes()?).map_err(|e| anyhow::anyhow!("{name}: {e}"))?
        }
    };
    println!("{}", serde_json::to_string_pretty(&json)?);
    Ok(())
}

/// A runtime for commands that log as they are configured (the demo, the keeper, localnet).
fn plain_runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    if std::env::var_os("RUST_LOG").is_none() {
        // The bank behind --demo-state logs every instruction at debug level.
        std::env::set_var("RUST_LOG", "error");
    }
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}
