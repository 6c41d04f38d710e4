//! `shequ audit verify`: proves that nobody rewrote the work-order trail,
//! or names the first order and event where someone did.

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
    store.close().await;
    let elapsed = started.elapsed().as_secs_f64();
    match report.broken {
        None => {
            println!(
                "trail intact: {} orders, {} events verified in {elapsed:.2} s",
                report.orders, report.events
            );
            Ok(ExitCode::SUCCESS)
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
