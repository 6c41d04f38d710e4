//! `shequ serve`: run the platform on a database.

use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;

/// Flags of `shequ serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: crate::config::DatabaseArgs,
    /// Address to listen on, e.g. 127.0.0.1:8080 (port 0 picks a free one).
    #[arg(long)]
    pub listen: Option<SocketAddr>,
}

pub async fn run(config_file: Option<&Path>, args: ServeArgs) -> anyhow::Result<ExitCode> {
    let settings = crate::config::load(config_file, args.db.database_url.as_deref(), args.listen)?;
    let store = crate::config::open_store(&settings.database_url).await?;
    shequ_server::run_with(
        settings,
        store,
        shequ_server::AppState::with_rules_engine,
        |addr| {
            println!("shequ is listening on http://{addr}/");
        },
    )
    .await?;
    Ok(ExitCode::SUCCESS)
}
