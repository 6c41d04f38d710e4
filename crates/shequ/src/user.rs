//! `shequ user …`: manage accounts from the command line.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use shequ_domain::Role;
use shequ_server::app::auth::password::MIN_PASSWORD_LEN;
use shequ_server::app::auth::password::hash_password;
use shequ_store::accounts::NewUser;

#[derive(Debug, clap::Subcommand)]
pub enum UserCommand {
    /// Create a user bound to a region (their data scope).
    Add(AddArgs),
}

#[derive(Debug, clap::Args)]
pub struct AddArgs {
    #[arg(long)]
    pub username: String,
    #[arg(long, env = "SHEQU_NEW_USER_PASSWORD")]
    pub password: String,
    /// admin, street_operator, cadre, grid_worker, neighbourhood_secretary or district_organiser.
    #[arg(long)]
    pub role: String,
    /// Code of the region the user works in; they see only its subtree.
    #[arg(long)]
    pub region: String,
    /// Name shown in the UI; defaults to the username.
    #[arg(long)]
    pub display_name: Option<String>,
    /// Mobile number for SMS notifications.
    #[arg(long)]
    pub phone: Option<String>,
    #[command(flatten)]
    pub db: crate::config::DatabaseArgs,
}

pub async fn run(config_file: Option<&Path>, command: UserCommand) -> anyhow::Result<ExitCode> {
    match command {
        UserCommand::Add(args) => add(config_file, args).await,
    }
}

async fn add(config_file: Option<&Path>, args: AddArgs) -> anyhow::Result<ExitCode> {
    let role = Role::parse(&args.role).map_err(|e| anyhow::anyhow!("--role: {e}"))?;
    anyhow::ensure!(
        args.password.chars().count() >= MIN_PASSWORD_LEN,
        "--password must have at least {MIN_PASSWORD_LEN} characters"
    );
    let phone = args
        .phone
        .as_deref()
        .map(shequ_domain::PhoneNumber::parse)
        .transpose()
        .map_err(|e| anyhow::anyhow!("--phone: {e}"))?;
    let settings = crate::config::load(config_file, args.db.database_url.as_deref(), None)?;
    let store = crate::config::open_store(&settings.database_url).await?;
    let region = store.region_by_code(&args.region).await?.with_context(|| {
        format!(
            "--region: no region has the code {:?}; import regions first",
            args.region
        )
    })?;
    let password_hash =
        hash_password(&args.password).map_err(|e| anyhow::anyhow!("hashing the password: {e}"))?;
    let id = store
        .create_user(&NewUser {
            username: args.username.clone(),
            display_name: args.display_name.unwrap_or_else(|| args.username.clone()),
            password_hash,
            role,
            region_id: region.region.id,
            phone: phone.map(|p| p.expose().to_owned()),
        })
        .await
        .map_err(|e| match e {
            shequ_store::StoreError::Conflict { .. } => {
                anyhow::anyhow!("the username {:?} is taken; choose another", args.username)
            }
            other => anyhow::Error::new(other).context("while creating the user"),
        })?;
    println!(
        "created user {} (id {id}, role {}, region {} {})",
        args.username,
        role.as_str(),
        region.region.code,
        region.region.name
    );
    store.close().await;
    Ok(ExitCode::SUCCESS)
}
