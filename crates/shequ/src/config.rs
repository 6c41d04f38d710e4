//! Loading settings (defaults → shequ.toml → SHEQU__ environment → flags)
//! and opening the store with a message that says what to do on failure.

use std::net::SocketAddr;
use std::path::Path;

use anyhow::Context;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use shequ_server::Settings;
use shequ_store::Store;

/// The `--database-url` flag shared by commands that work on a database.
#[derive(Debug, clap::Args)]
pub struct DatabaseArgs {
    /// `sqlite://PATH` or `postgres://USER:PASSWORD@HOST/DB`; defaults to the
    /// configured database.
    #[arg(long, env = "SHEQU_DATABASE_URL")]
    pub database_url: Option<String>,
}

/// Loads settings from every source; flags win.
pub fn load(
    config_file: Option<&Path>,
    database_url: Option<&str>,
    listen: Option<SocketAddr>,
) -> anyhow::Result<Settings> {
    let mut fig = Figment::from(Serialized::defaults(Settings::default()));
    match config_file {
        Some(path) => {
            anyhow::ensure!(
                path.exists(),
                "configuration file {} does not exist",
                path.display()
            );
            fig = fig.merge(Toml::file(path));
        }
        None => fig = fig.merge(Toml::file("shequ.toml")),
    }
    fig = fig.merge(Env::prefixed("SHEQU__").split("__"));
    if let Some(url) = database_url {
        fig = fig.merge(Serialized::default("database_url", url));
    }
    if let Some(addr) = listen {
        fig = fig.merge(Serialized::default("listen", addr.to_string()));
    }
    fig.extract().context("while reading the configuration")
}

/// Opens and migrates the store, explaining a failure in terms of the URL
/// (without its password).
pub async fn open_store(url: &str) -> anyhow::Result<Store> {
    if let Some(path) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    {
        let path = path.split('?').next().unwrap_or(path);
        if let Some(dir) = Path::new(path)
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("while creating the data directory {}", dir.display()))?;
        }
    }
    let store = Store::connect(url).await.context(
        "the database is not reachable; check that it is running and that the URL is right",
    )?;
    store.migrate().await.with_context(|| {
        format!(
            "while migrating the database at {}",
            shequ_store::redact_url(url)
        )
    })?;
    Ok(store)
}
