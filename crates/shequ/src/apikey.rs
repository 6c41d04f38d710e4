//! `shequ apikey …`: keys for Open311 clients (a city hotline system, a
//! resident app), created from the command line and printed once.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use shequ_server::app::auth::API_TOKEN_PREFIX;
use shequ_server::app::auth::new_token;
use shequ_server::app::auth::token_hash;
use shequ_server::open311::SCOPE;
use shequ_store::Scope;
use shequ_store::accounts::NewApiToken;

#[derive(Debug, clap::Subcommand)]
pub enum ApikeyCommand {
    /// Create an API key with the open311 scope; the key is printed once.
    Add(AddArgs),
}

#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// Who the key is for, e.g. "12345 市民热线".
    #[arg(long)]
    pub name: String,
    /// Code of the region the key may report in and read; defaults to the
    /// first street of the database.
    #[arg(long)]
    pub region: Option<String>,
    /// Days until the key expires; never when absent.
    #[arg(long)]
    pub expires_in_days: Option<u32>,
    #[command(flatten)]
    pub db: crate::config::DatabaseArgs,
}

pub async fn run(config_file: Option<&Path>, command: ApikeyCommand) -> anyhow::Result<ExitCode> {
    match command {
        ApikeyCommand::Add(args) => add(config_file, args).await,
    }
}

async fn add(config_file: Option<&Path>, args: AddArgs) -> anyhow::Result<ExitCode> {
    let name = args.name.trim();
    anyhow::ensure!(
        !name.is_empty() && name.chars().count() <= 100,
        "--name must have 1 to 100 characters"
    );
    let settings = crate::config::load(config_file, args.db.database_url.as_deref(), None)?;
    let store = crate::config::open_store(&settings.database_url).await?;
    let (region_id, code, region_name) = match &args.region {
        Some(code) => {
            let r = store.region_by_code(code).await?.with_context(|| {
                format!("--region: no region has the code {code:?}; import regions first")
            })?;
            (r.region.id, r.region.code, r.region.name)
        }
        None => {
            let street = store
                .regions_in(&Scope::everything())
                .await?
                .into_iter()
                .find(|r| r.kind == "street")
                .context(
                    "the database has no street yet: import regions first, or name one with --region",
                )?;
            (street.id, street.code, street.name)
        }
    };
    let key = new_token(API_TOKEN_PREFIX);
    let id = store
        .create_api_token(&NewApiToken {
            name: name.to_owned(),
            token_hash: token_hash(&key),
            scopes: SCOPE.to_owned(),
            region_id,
            created_by: None,
            expires_at: args
                .expires_in_days
                .map(|d| shequ_store::now_ms() + i64::from(d) * 86_400_000),
        })
        .await
        .context("while storing the API key")?;
    println!("created API key {id} \"{name}\" for region {code} {region_name}, scope {SCOPE}");
    println!("{key}");
    println!("Keep it now: it is shown only this once. Open311 clients send it as api_key.");
    store.close().await;
    Ok(ExitCode::SUCCESS)
}
