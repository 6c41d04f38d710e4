//! `shequ audit verify`: proves that nobody rewrote the work-order trail,
//! or names the first order and event where someone did; and counts every
//! branch election round (无候选人直选) again from its stored ballots,
//! naming each round whose recount differs from the tally recorded.

use std::path::Path;
use std::process::ExitCode;

#[derive(Debug, clap::Subcommand)]
pub enum AuditCommand {
    /// Recompute every order's hash chain (or one order's) from the stored
    /// events; exit status 1 and the first broken event if any was changed.
    Verify(VerifyArgs),
}

#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// Check only this order.
    #[arg(long)]
    pub order: Option<i64>,
    #[command(flatten)]
    pub db: crate::config::DatabaseArgs,
}

pub async fn run(config_file: Option<&Path>, command: AuditCommand) -> anyhow::Result<ExitCode> {
    let AuditCommand::Verify(args) = command;
    let settings = crate::config::load(config_file, args.db.database_url.as_deref(), None)?;
    let store = crate::config::open_store(&settings.database_url).await?;
    let started = std::time::Instant::now();
    let report = store.verify_trails(args.order).await?;
    let tallies = if args.order.is_none() {
        Some(recount_elections(&store).await?)
    } else {
        None
    };
    store.close().await;
    let elapsed = started.elapsed().as_secs_f64();
    let mut differs = false;
    if let Some((rounds, wrong)) = &tallies {
        for w in wrong {
            println!("TALLY DIFFERS: {w}");
        }
        if wrong.is_empty() {
            println!("election tallies match: {rounds} rounds counted again from their ballots");
        } else {
            differs = true;
            println!(
                "({} of {rounds} rounds differ: compare the ballots with the paper ones kept by the branch)",
                wrong.len()
            );
        }
    }
    match report.broken {
        None => {
            println!(
                "trail intact: {} orders, {} events verified in {elapsed:.2} s",
                report.orders, report.events
            );
            Ok(if differs {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Some(b) => {
            println!("TRAIL BROKEN: {b}");
            println!(
                "(checked {} orders and {} events before the break; restore the order's events from a backup and investigate who had write access to the database)",
                report.orders, report.events
            );
            Ok(ExitCode::from(1))
        }
    }
}

/// Counts every stored election round again from its ballots: how many
/// rounds, and a line for each whose recount differs from its record.
async fn recount_elections(store: &shequ_store::Store) -> anyhow::Result<(usize, Vec<String>)> {
    let rounds = store.all_election_rounds().await?;
    let mut wrong = Vec::new();
    for row in &rounds {
        let ballots = store.election_ballots(row.id).await?;
        let (recount, matches) =
            shequ_server::branches::service::recount_against_record(row, ballots).map_err(|e| {
                anyhow::anyhow!("election {} round {}: {e}", row.election_id, row.seq)
            })?;
        if !matches {
            wrong.push(format!(
                "election {} round {}: recorded {}, the ballots give {}",
                row.election_id,
                row.seq,
                row.result,
                serde_json::to_string(&recount).unwrap_or_default()
            ));
        }
    }
    Ok((rounds.len(), wrong))
}
