//! `bulwark pool deposit|request-withdraw|withdraw` and `bulwark insurance
//! stake|request-unstake|unstake`: a keypair's liquidity-pool and insurance-fund actions over
//! JSON-RPC, built by the SDK's wallet builders (with the refreshes the program needs). After
//! the transaction the LP or stake account is printed as `bulwark inspect account` decodes it.

use std::path::PathBuf;

use anchor_lang::prelude::Pubkey;
use anyhow::{anyhow, bail, Result};
use bulwark_sdk::{accounts, pda, wallet};
use solana_sdk::signature::{Keypair, Signer};

use crate::operator::{Reader, Source};
use crate::trader_cmd::{parse_decimal, token_account};

/// Who acts, and the token account collateral comes from or goes to.
#[derive(clap::Args, Debug)]
pub struct Holder {
    /// Keypair file (Solana CLI JSON) of the LP or staker.
    /// Default: the Solana CLI config's keypair, else ~/.config/solana/id.json.
    #[arg(short = 'k', long)]
    pub keypair: Option<PathBuf>,
    /// Token account to move collateral from or to (default: the owner's associated one).
    #[arg(long)]
    pub token_account: Option<String>,
    /// Priority fee, micro-lamports per compute unit (default: the 75th percentile of recent
    /// fees on the accounts written, capped as the keeper caps it).
    #[arg(long)]
    pub priority_fee: Option<u64>,
    /// The risk pool (its LPs' capital or its insurance fund; `bulwark inspect exchange`
    /// lists them). Pool 0 is the default pool.
    #[arg(long, default_value_t = 0)]
    pub pool: u16,
    #[command(flatten)]
    pub source: Source,
}

/// How many shares a request names.
#[derive(clap::Args, Debug)]
#[group(required = true, multiple = false)]
pub struct SharesArg {
    /// A number of shares.
    #[arg(long)]
    pub shares: Option<u128>,
    /// Every share held (and not already requested).
    #[arg(long)]
    pub all: bool,
}

/// The pool's commands.
#[derive(clap::Subcommand, Debug)]
pub enum PoolCommand {
    /// Every risk pool: its markets, LP capital, insurance fund, the losses each bore and
    /// its stress-signal leaders.
    List {
        #[command(flatten)]
        source: crate::operator::Source,
    },
    /// Deposit collateral for pool shares.
    Deposit {
        /// Amount in collateral units as a decimal.
        #[arg(long)]
        amount: String,
        /// Refuse if fewer shares would be minted (slippage bound; default none).
        #[arg(long, default_value_t = 0)]
        min_shares: u128,
        #[command(flatten)]
        holder: Holder,
    },
    /// Ask to withdraw shares (they can be withdrawn after the pool's delay).
    RequestWithdraw {
        #[command(flatten)]
        shares: SharesArg,
        #[command(flatten)]
        holder: Holder,
    },
    /// Withdraw the requested shares once the delay has passed.
    Withdraw {
        #[command(flatten)]
        holder: Holder,
    },
}

/// The insurance fund's commands.
#[derive(clap::Subcommand, Debug)]
pub enum InsuranceCommand {
    /// Stake collateral in the insurance fund.
    Stake {
        /// Amount in collateral units as a decimal.
        #[arg(long)]
        amount: String,
        #[command(flatten)]
        holder: Holder,
    },
    /// Ask to unstake shares (after the cooldown they can be unstaked).
    RequestUnstake {
        #[command(flatten)]
        shares: SharesArg,
        #[command(flatten)]
        holder: Holder,
    },
    /// Unstake the requested shares once the cooldown has passed.
    Unstake {
        #[command(flatten)]
        holder: Holder,
    },
}

struct Ctx {
    reader: Reader,
    key: Keypair,
    token: Pubkey,
    decimals: u32,
}

async fn ctx(h: &Holder) -> Result<Ctx> {
    let key = crate::keeper_cmd::read_keypair(&crate::cluster::keypair(h.keypair.as_deref())?)?;
    let mut reader = Reader::connect(&h.source).await?;
    reader.priority_fee = h.priority_fee;
    let ex = reader.exchange().await?;
    let token = token_account(
        h.token_account.as_deref(),
        &key.pubkey(),
        &ex.collateral_mint,
    )?;
    Ok(Ctx {
        reader,
        key,
        token,
        decimals: ex.collateral_decimals as u32,
    })
}

fn amount(c: &Ctx, s: &str) -> Result<u64> {
    let units = parse_decimal("--amount", s, c.decimals, false)?;
    u64::try_from(units).map_err(|_| anyhow!("--amount: {s:?} is too large"))
}

/// The shares a request names: the number given, or every share not yet requested.
fn shares(arg: &SharesArg, held: u128, requested: u128) -> Result<u128> {
    let free = held.saturating_sub(requested);
    let n = match arg.shares {
        Some(n) => n,
        None => free,
    };
    if n == 0 {
        bail!("--shares: nothing to request ({held} held, {requested} already requested)");
    }
    Ok(n)
}

async fn venue_now(
    c: &Ctx,
) -> Result<(
    bulwark::state::Exchange,
    Vec<bulwark::state::Market>,
    wallet::Now,
)> {
    let ex = c.reader.exchange().await?;
    let markets = c.reader.markets(&ex).await?;
    let clock = c.reader.clock(&ex).await?;
    let now = wallet::Now {
        slot: clock.slot,
        unix_timestamp: clock.unix_timestamp,
    };
    Ok((ex, markets, now))
}

/// Sends `ixs` and prints the account at `show` (LP or stake account).
async fn send_and_show(
    c: &Ctx,
    h: &Holder,
    ixs: &[anchor_lang::solana_program::instruction::Instruction],
    show: &Pubkey,
    what: String,
) -> Result<()> {
    c.reader.send(ixs, &c.key, &[]).await?;
    if !h.source.json {
        println!("{what}");
    }
    let data = c.reader.data(show, "account").await?;
    let json = crate::inspect_account::account_json(&data).map_err(|e| anyhow!("{e}"))?;
    println!("{}", serde_json::to_string_pretty(&json)?);
    Ok(())
}

/// `bulwark pool ...`.
pub async fn pool(what: PoolCommand) -> Result<()> {
    match what {
        PoolCommand::List { source } => crate::pool_list::pool_list(&source).await,
        PoolCommand::Deposit {
            amount: a,
            min_shares,
            holder,
        } => {
            let c = ctx(&holder).await?;
            let units = amount(&c, &a)?;
            let (ex, markets, now) = venue_now(&c).await?;
            let v = wallet::Venue {
                exchange: &ex,
                markets: &markets,
            };
            let ixs = wallet::pool_deposit(
                &v,
                (c.key.pubkey(), holder.pool),
                c.token,
                (units, min_shares),
                now,
            );
            let lp = pda::lp_account(holder.pool, &c.key.pubkey()).0;
            send_and_show(
                &c,
                &holder,
                &ixs,
                &lp,
                format!("deposited {a} into the pool"),
            )
            .await
        }
        PoolCommand::RequestWithdraw { shares: s, holder } => {
            let c = ctx(&holder).await?;
            let lp = pda::lp_account(holder.pool, &c.key.pubkey()).0;
            let acc = accounts::lp_account(&c.reader.data(&lp, "LP account").await?)
                .map_err(|e| anyhow!("LP account: {e}"))?;
            let n = shares(&s, acc.shares(), acc.requested_shares())?;
            let ixs = wallet::pool_request_withdraw(c.key.pubkey(), n, holder.pool);
            send_and_show(&c, &holder, &ixs, &lp, format!("requested {n} shares")).await
        }
        PoolCommand::Withdraw { holder } => {
            let c = ctx(&holder).await?;
            let (ex, markets, now) = venue_now(&c).await?;
            let v = wallet::Venue {
                exchange: &ex,
                markets: &markets,
            };
            let ixs = wallet::pool_withdraw(&v, (c.key.pubkey(), holder.pool), c.token, now);
            let lp = pda::lp_account(holder.pool, &c.key.pubkey()).0;
            send_and_show(&c, &holder, &ixs, &lp, format!("withdrew to {}", c.token)).await
        }
    }
}

/// `bulwark insurance ...`.
pub async fn insurance(what: InsuranceCommand) -> Result<()> {
    match what {
        InsuranceCommand::Stake { amount: a, holder } => {
            let c = ctx(&holder).await?;
            let units = amount(&c, &a)?;
            let ixs = wallet::stake(c.key.pubkey(), c.token, units, holder.pool);
            let st = pda::stake_account(holder.pool, &c.key.pubkey()).0;
            send_and_show(&c, &holder, &ixs, &st, format!("staked {a}")).await
        }
        InsuranceCommand::RequestUnstake { shares: s, holder } => {
            let c = ctx(&holder).await?;
            let st = pda::stake_account(holder.pool, &c.key.pubkey()).0;
            let acc = accounts::stake_account(&c.reader.data(&st, "stake account").await?)
                .map_err(|e| anyhow!("stake account: {e}"))?;
            let n = shares(&s, acc.shares(), acc.requested_shares())?;
            let ixs = wallet::request_unstake(c.key.pubkey(), n, holder.pool);
            send_and_show(&c, &holder, &ixs, &st, format!("requested {n} shares")).await
        }
        InsuranceCommand::Unstake { holder } => {
            let c = ctx(&holder).await?;
            let (ex, markets, _) = venue_now(&c).await?;
            let v = wallet::Venue {
                exchange: &ex,
                markets: &markets,
            };
            let ixs = wallet::unstake(&v, c.key.pubkey(), c.token, holder.pool);
            let st = pda::stake_account(holder.pool, &c.key.pubkey()).0;
            send_and_show(&c, &holder, &ixs, &st, format!("unstaked to {}", c.token)).await
        }
    }
}
