//! `shequ demo`: generate a demo street modelled on Tianlin Street into an
//! SQLite file and serve it.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Flags of `shequ demo`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Directory for the demo's data; its database is DIR/shequ.db.
    #[arg(long, default_value = "shequ-data")]
    pub data_dir: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Number of residents to generate.
    #[arg(long, default_value_t = 100_000)]
    pub residents: u32,
    /// Seed of the generator; the same seed gives the same street.
    #[arg(long, default_value_t = 2018)]
    pub seed: u64,
    /// Password of the demo's admin (and the other demo accounts); a random
    /// one is generated and printed when not given.
    #[arg(long, env = "SHEQU_DEMO_ADMIN_PASSWORD")]
    pub admin_password: Option<String>,
    /// Generate the data and exit without serving.
    #[arg(long)]
    pub no_serve: bool,
}

pub async fn run(_config_file: Option<&Path>, _args: DemoArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("the demo generator is not built yet")
}
