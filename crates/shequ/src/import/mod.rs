//! `shequ import`: load regions, places, people, party organisations,
//! party members, or the cooperation lists (units, needs, resources) from
//! CSV or XLSX, row by row validated, upserted by
//! natural key.
//!
//! The file formats, exit status and error output are described in
//! `README.md` beside this file. In short: a header row (column order free,
//! English or Chinese names), one row per region/place/person; every bad row
//! is reported with its line, field and reason while every good row lands;
//! re-importing the same file changes nothing.
//!
//! Rows are validated in Rust first (domain types, codes resolved against
//! an in-memory index of regions and a per-batch lookup of buildings), so
//! only valid rows reach the database, in batches of [`ImportOptions::batch_size`]
//! rows per store call (one transaction each).

mod columns;
mod coop;
mod encoding;
mod fields;
mod households;
mod members;
mod orgs;
mod people;
mod places;
mod regions;
mod report;
pub mod sample;
mod sheet;
mod source;
mod step;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use csv::StringRecord;
use shequ_store::{Store, UpsertCounts};

use columns::{ColumnMap, ColumnSpec};
pub use encoding::TextEncoding;
use fields::RowCheck;
use report::{ErrorSink, Progress};
pub use report::{ImportReport, RowError};
use source::{Cells, Next, Source};

/// Exit status when the file was read but some rows were refused.
pub const EXIT_ROWS_FAILED: u8 = 2;

/// How many errors the CLI prints.
const ERRORS_SHOWN: usize = 50;

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportKind {
    Regions,
    Places,
    People,
    /// Party organisations (党组织).
    Orgs,
    /// Party members (党员), people of the registry.
    Members,
    /// Resident units (驻区单位) of regional cooperation.
    Units,
    /// Needs (需求清单).
    Needs,
    /// Resources (资源清单) the units offer.
    Resources,
    /// The walking network of the 15-minute circle: a GeoJSON file of
    /// LineStrings (e.g. OpenStreetMap's roads and footways).
    Network,
}

impl ImportKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ImportKind::Regions => "regions",
            ImportKind::Places => "places",
            ImportKind::People => "people",
            ImportKind::Orgs => "orgs",
            ImportKind::Members => "members",
            ImportKind::Units => "units",
            ImportKind::Needs => "needs",
            ImportKind::Resources => "resources",
            ImportKind::Network => "network",
        }
    }
}

/// Flags of `shequ import`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// What the file holds.
    pub kind: ImportKind,
    /// A .csv (UTF-8, with or without BOM, or GB18030/GBK) or .xlsx file.
    pub file: PathBuf,
    /// Write every row error to this CSV file (`line,field,reason`).
    #[arg(long, value_name = "FILE")]
    pub errors: Option<PathBuf>,
    /// Rows per store call (one transaction each).
    #[arg(long, default_value_t = ImportOptions::DEFAULT_BATCH_SIZE, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub batch_size: u32,
    #[command(flatten)]
    pub db: crate::config::DatabaseArgs,
}

/// How [`import_file`] runs.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Rows per store call; each call is one transaction.
    pub batch_size: usize,
    /// Draw a progress bar on stderr (only ever drawn on a terminal).
    pub progress: bool,
    /// Write every row error to this CSV file.
    pub errors_csv: Option<PathBuf>,
    /// How many errors the report keeps in memory.
    pub keep_errors: usize,
}

impl ImportOptions {
    pub const DEFAULT_BATCH_SIZE: u32 = 5_000;
}

impl Default for ImportOptions {
    fn default() -> Self {
        Self {
            batch_size: Self::DEFAULT_BATCH_SIZE as usize,
            progress: false,
            errors_csv: None,
            keep_errors: 10_000,
        }
    }
}

/// Runs `shequ import`.
pub async fn run(config_file: Option<&Path>, args: ImportArgs) -> anyhow::Result<ExitCode> {
    // Check the file before touching the database, so a typo in the name
    // does not leave an empty database behind.
    std::fs::metadata(&args.file).with_context(|| {
        format!(
            "cannot read {}: the file does not exist or is not readable",
            args.file.display()
        )
    })?;
    let settings = crate::config::load(config_file, args.db.database_url.as_deref(), None)?;
    let store = crate::config::open_store(&settings.database_url).await?;
    if args.kind == ImportKind::Network {
        let result = import_network(&store, &args.file).await;
        store.close().await;
        return result;
    }
    let opts = ImportOptions {
        batch_size: args.batch_size as usize,
        progress: true,
        errors_csv: args.errors.clone(),
        keep_errors: ERRORS_SHOWN,
    };
    let result = import_file(&store, args.kind, &args.file, &opts).await;
    store.close().await;
    let report = result.with_context(|| format!("while importing {}", args.file.display()))?;
    println!("imported {}", report);
    if report.error_count > 0 {
        eprintln!(
            "{} rows failed{}:",
            report.failed,
            if report.error_count as usize > report.errors.len() {
                format!("; the first {} errors", report.errors.len())
            } else {
                String::new()
            }
        );
        for e in &report.errors {
            eprintln!("  {e}");
        }
        if let Some(p) = &args.errors {
            eprintln!("all {} errors are in {}", report.error_count, p.display());
        }
    }
    Ok(if report.failed > 0 {
        ExitCode::from(EXIT_ROWS_FAILED)
    } else {
        ExitCode::SUCCESS
    })
}

/// `shequ import network FILE.geojson`: the file is checked whole (what is
/// wrong and where) and stored only when it is right.
async fn import_network(store: &Store, path: &Path) -> anyhow::Result<ExitCode> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "network".to_owned());
    match shequ_server::circle::service::import_network(
        store,
        &name,
        &text,
        "cli",
        shequ_store::now_ms(),
    )
    .await
    {
        Ok((report, net)) => {
            println!(
                "imported network {name}: {} lines, {} nodes, {} edges ({} other features left out)",
                report.lines,
                net.node_count(),
                net.edge_count(),
                report.skipped
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(shequ_server::app::error::AppError::Unprocessable(fields)) => {
            for f in fields {
                eprintln!("{}: {}", path.display(), f.message);
            }
            Ok(ExitCode::FAILURE)
        }
        Err(e) => Err(anyhow::anyhow!("{e}")),
    }
}

/// Imports one file into the store. Fails as a whole (storing nothing) when
/// the file cannot be read or its header lacks a required column; otherwise
/// every valid row is stored and every invalid one reported.
pub async fn import_file(
    store: &Store,
    kind: ImportKind,
    path: &Path,
    opts: &ImportOptions,
) -> anyhow::Result<ImportReport> {
    match kind {
        ImportKind::Regions => drive::<regions::RegionImport>(store, kind, path, opts).await,
        ImportKind::Places => drive::<places::PlaceImport>(store, kind, path, opts).await,
        ImportKind::People => drive::<people::PeopleImport>(store, kind, path, opts).await,
        ImportKind::Orgs => drive::<orgs::OrgImport>(store, kind, path, opts).await,
        ImportKind::Members => drive::<members::MemberImport>(store, kind, path, opts).await,
        ImportKind::Units => drive::<coop::UnitImport>(store, kind, path, opts).await,
        ImportKind::Needs => drive::<coop::NeedImport>(store, kind, path, opts).await,
        ImportKind::Resources => drive::<coop::ResourceImport>(store, kind, path, opts).await,
        ImportKind::Network => {
            anyhow::bail!("a network is imported whole: shequ import network FILE.geojson")
        }
    }
}

/// What a store call did to one batch.
#[derive(Debug, Default)]
pub(crate) struct BatchOutcome {
    pub counts: UpsertCounts,
    pub errors: Vec<RowError>,
    pub failed: u64,
}

/// One kind of import: its columns, its per-row checks and its store call.
pub(crate) trait Importer: Sized {
    const COLUMNS: &'static [ColumnSpec];
    /// Whether [`Importer::store`] gets the whole file as one batch (the
    /// party tree is checked as a whole) instead of batches of
    /// [`ImportOptions::batch_size`].
    const WHOLE_FILE: bool = false;
    /// A row that passed the checks that need no database round trip.
    type Row;

    /// Loads what the checks need (e.g. the region index).
    async fn prepare(store: &Store, columns: &ColumnMap) -> anyhow::Result<Self>;

    /// Validates one row; `None` (with errors in `row`) refuses it.
    fn check(&mut self, row: &mut RowCheck<'_>) -> Option<Self::Row>;

    /// Resolves what needs the database and stores the batch, adding to
    /// `out` the counts and the errors of rows refused at this stage.
    async fn store(
        &mut self,
        store: &Store,
        batch: Vec<(u64, Self::Row)>,
        out: &mut BatchOutcome,
    ) -> anyhow::Result<()>;

    /// Waits for store work still in flight after the last batch.
    async fn finish(&mut self, _out: &mut BatchOutcome) -> anyhow::Result<()> {
        Ok(())
    }

    /// Counts of side records (households) to report, if any.
    fn side_counts(&self) -> Option<UpsertCounts> {
        None
    }
}

async fn drive<I: Importer>(
    store: &Store,
    kind: ImportKind,
    path: &Path,
    opts: &ImportOptions,
) -> anyhow::Result<ImportReport> {
    let started = Instant::now();
    let mut source = Source::open(path)?;
    let mut rec = StringRecord::new();
    let mut cells = Cells::default();
    let header_line = match source.next(&mut rec, &mut cells)? {
        Next::Row(line) => line,
        Next::Bad(line, _) => anyhow::bail!(
            "the header row (line {line}) holds bytes that are not UTF-8, although the rest \
             of the file is UTF-8; retype the header; nothing was imported"
        ),
        Next::End => anyhow::bail!(
            "{} is empty; its first row must be the header",
            path.display()
        ),
    };
    let matched = ColumnMap::match_header(I::COLUMNS, &rec)
        .with_context(|| format!("the header row (line {header_line}) of {}", path.display()))?;
    let encoding = source.encoding();
    let mut warnings = Vec::new();
    if encoding == Some(TextEncoding::Gb18030) {
        warnings.push(report::GB18030_NOTE.to_owned());
    }
    if !matched.unknown.is_empty() {
        let w = format!(
            "ignoring unknown columns {}; known columns are {}",
            matched.unknown.join(", "),
            I::COLUMNS
                .iter()
                .map(ColumnSpec::label)
                .collect::<Vec<_>>()
                .join(", ")
        );
        tracing::warn!("{w}");
        warnings.push(w);
    }
    let map = matched.map;
    let mut importer = I::prepare(store, &map).await?;
    let mut sink = ErrorSink::new(opts.keep_errors, opts.errors_csv.as_deref())?;
    let (_, total) = source.progress();
    let progress = Progress::new(opts.progress, total, source.progress_in_bytes());

    let batch_size = if I::WHOLE_FILE {
        usize::MAX
    } else {
        opts.batch_size.max(1)
    };
    let mut rows_read = 0u64;
    let mut failed = 0u64;
    let mut counts = UpsertCounts::default();
    let mut batch = Vec::with_capacity(batch_size.min(100_000));
    let mut batch_errors: Vec<RowError> = Vec::new();
    let mut rows_in_batch = 0usize;
    let mut last_line = header_line;
    loop {
        let next = source.next(&mut rec, &mut cells)?;
        let end = matches!(next, Next::End);
        match next {
            Next::End => {}
            Next::Bad(line, reason) => {
                last_line = line;
                failed += 1;
                batch_errors.push(RowError {
                    line,
                    field: "row",
                    reason,
                });
            }
            Next::Row(line) => {
                last_line = line;
                let mut check = RowCheck::new(line, &rec, &cells, &map, I::COLUMNS);
                let row = importer.check(&mut check);
                check.finish();
                match row {
                    Some(row) if check.ok() => batch.push((line, row)),
                    _ => {
                        failed += 1;
                        batch_errors.append(&mut check.errors);
                    }
                }
            }
        }
        if !end {
            rows_read += 1;
            rows_in_batch += 1;
        }
        if rows_in_batch >= batch_size || (end && rows_in_batch > 0) {
            let mut out = BatchOutcome::default();
            if !batch.is_empty() {
                importer
                    .store(store, std::mem::take(&mut batch), &mut out)
                    .await
                    .with_context(|| format!("while storing the rows up to line {last_line}"))?;
            }
            counts += out.counts;
            failed += out.failed;
            batch_errors.append(&mut out.errors);
            // Errors found while storing come after those found while
            // reading; report the batch's errors in file order.
            batch_errors.sort_by_key(|e| e.line);
            sink.extend(batch_errors.drain(..))?;
            rows_in_batch = 0;
            progress.update(source.progress().0, rows_read);
        }
        if end {
            break;
        }
    }
    let mut out = BatchOutcome::default();
    importer
        .finish(&mut out)
        .await
        .with_context(|| format!("while storing the rows up to line {last_line}"))?;
    counts += out.counts;
    failed += out.failed;
    sink.extend(out.errors)?;
    progress.finish();
    let (errors, error_count) = sink.finish()?;
    Ok(ImportReport {
        kind,
        rows_read,
        counts,
        failed,
        households: importer.side_counts(),
        errors,
        error_count,
        warnings,
        encoding,
        elapsed: started.elapsed(),
    })
}
