//! The `shequ` binary: one program with subcommands for running a street's
//! platform, loading its data and operating it.

mod apikey;
mod audit;
mod serve;
mod user;

use shequ::{bench, branches, circle, config, demo, export, import, simulate};

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// mimalloc instead of the system allocator: ingest allocates and frees
/// millions of small strings a second across threads, and glibc's malloc
/// spent a fifth of the request threads' time on it (`perf` on `shequ bench
/// ingest`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// shequ (社区): grassroots community governance for a street, a district or a city.
#[derive(Debug, Parser)]
#[command(name = "shequ", version, about, long_about = None)]
struct Cli {
    /// Configuration file (TOML); defaults to ./shequ.toml when present.
    #[arg(long, global = true, env = "SHEQU_CONFIG")]
    config: Option<std::path::PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Generate a demo street into an SQLite file and serve it.
    Demo(demo::DemoArgs),
    /// Serve the platform on a database (migrating it first).
    Serve(serve::ServeArgs),
    /// Import regions, places, people, party organisations and members, or resident units, needs and resources from a CSV or XLSX file.
    Import(import::ImportArgs),
    /// Export the cooperation projects of a year as XLSX.
    Export {
        #[command(subcommand)]
        command: export::ExportCommand,
    },
    /// Drive the street's door controllers with simulated events.
    Simulate(simulate::SimulateArgs),
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        command: user::UserCommand,
    },
    /// Manage API keys for Open311 clients.
    Apikey {
        #[command(subcommand)]
        command: apikey::ApikeyCommand,
    },
    /// Check that the work-order trail was not rewritten.
    Audit {
        #[command(subcommand)]
        command: audit::AuditCommand,
    },
    /// 三缘 branches: assign members by their ranked choices, offline.
    Branches {
        #[command(subcommand)]
        command: branches::BranchesCommand,
    },
    /// Candidate-less direct elections: tally a round from its ballots.
    Election {
        #[command(subcommand)]
        command: branches::ElectionCommand,
    },
    /// The 15-minute circle offline: nearest facilities by walking distance.
    Circle {
        #[command(subcommand)]
        command: circle::CircleCommand,
    },
    /// Run a benchmark and print its figures beside their baselines.
    Bench {
        #[command(subcommand)]
        command: bench::BenchCommand,
    },
    /// Print a commented example configuration file.
    DefaultConfig,
    /// Apply database migrations and exit.
    Migrate(config::DatabaseArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let config_file = cli.config.as_deref();
    match cli.command {
        Command::Demo(args) => demo::run(config_file, args).await,
        Command::Serve(args) => serve::run(config_file, args).await,
        Command::Import(args) => import::run(config_file, args).await,
        Command::Export { command } => export::run(config_file, command).await,
        Command::Simulate(args) => simulate::run(config_file, args).await,
        Command::User { command } => user::run(config_file, command).await,
        Command::Apikey { command } => apikey::run(config_file, command).await,
        Command::Audit { command } => audit::run(config_file, command).await,
        Command::Bench { command } => bench::run(command).await,
        Command::Circle { command } => circle::run(command),
        Command::Branches { command } => branches::run_branches(command),
        Command::Election { command } => branches::run_election(command),
        Command::DefaultConfig => {
            print!("{}", shequ_server::Settings::example_toml());
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate(db) => {
            let settings = config::load(config_file, db.database_url.as_deref(), None)?;
            config::open_store(&settings.database_url).await?;
            println!("database is up to date");
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_env("SHEQU_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
