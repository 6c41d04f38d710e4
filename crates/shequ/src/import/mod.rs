//! `shequ import`: load regions, places or people from CSV or XLSX, row by
//! row validated, upserted by natural key.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// What a file holds.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ImportKind {
    Regions,
    Places,
    People,
}

/// Flags of `shequ import`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// What the file holds.
    pub kind: ImportKind,
    /// A .csv (UTF-8, with or without BOM) or .xlsx file.
    pub file: PathBuf,
    #[command(flatten)]
    pub db: crate::config::DatabaseArgs,
}

pub async fn run(_config_file: Option<&Path>, _args: ImportArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("import is not built yet")
}
