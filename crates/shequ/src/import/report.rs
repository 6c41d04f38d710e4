//! What an import tells its user: per-row errors (kept in memory up to a
//! limit, and all of them optionally written as CSV `line,field,reason`),
//! the progress bar, and the closing summary.

use std::fmt;
use std::fs::File;
use std::io::BufWriter;
use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use shequ_store::UpsertCounts;

use super::{ImportKind, TextEncoding};

/// What the report says of a CSV file that was read as GB18030.
pub const GB18030_NOTE: &str =
    "file was not UTF-8; read as GB18030 (GBK), the encoding a Chinese Excel saves \"CSV\" in";

/// One problem with one row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// The row number a spreadsheet shows (the header is normally 1).
    pub line: u64,
    /// The column at fault (its English name), or `row` for the whole row.
    pub field: &'static str,
    /// What is wrong and, where it helps, what to do.
    pub reason: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, field {}: {}",
            self.line, self.field, self.reason
        )
    }
}

/// The outcome of importing one file.
#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    pub kind: ImportKind,
    /// Data rows read (blank rows are not counted).
    pub rows_read: u64,
    /// Rows stored, by what happened to them.
    pub counts: UpsertCounts,
    /// Rows refused; each has at least one entry among the errors.
    pub failed: u64,
    /// Households created or changed along with people (people imports).
    pub households: Option<UpsertCounts>,
    /// The first errors, in file order (all of them unless there were more
    /// than `ImportOptions::keep_errors`).
    pub errors: Vec<RowError>,
    /// Number of errors in all, which may exceed `errors.len()`.
    pub error_count: u64,
    /// Things the user should know that refused nothing (unknown columns,
    /// a CSV file read as GB18030).
    pub warnings: Vec<String>,
    /// The text encoding a CSV file was read in; `None` for a spreadsheet.
    pub encoding: Option<TextEncoding>,
    pub elapsed: Duration,
}

impl ImportReport {
    /// Rows read per second of wall-clock time.
    pub fn rows_per_second(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.rows_read as f64 / secs
        } else {
            0.0
        }
    }
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.counts;
        write!(
            f,
            "{}: {} rows read, {} inserted, {} updated, {} unchanged, {} failed in {:.2} s ({:.0} rows/s)",
            self.kind.as_str(),
            self.rows_read,
            c.inserted,
            c.updated,
            c.unchanged,
            self.failed,
            self.elapsed.as_secs_f64(),
            self.rows_per_second()
        )?;
        if let Some(h) = &self.households {
            write!(
                f,
                "\nhouseholds: {} inserted, {} updated, {} unchanged",
                h.inserted, h.updated, h.unchanged
            )?;
        }
        if self.encoding == Some(TextEncoding::Gb18030) {
            write!(f, "\nnote: {GB18030_NOTE}")?;
        }
        Ok(())
    }
}

/// Collects row errors: keeps the first `keep`, counts all, and writes all
/// to the CSV file when one was asked for.
pub struct ErrorSink {
    kept: Vec<RowError>,
    keep: usize,
    total: u64,
    csv: Option<csv::Writer<BufWriter<File>>>,
}

impl ErrorSink {
    pub fn new(keep: usize, csv_path: Option<&Path>) -> anyhow::Result<Self> {
        let csv = match csv_path {
            Some(p) => {
                let file = File::create(p)
                    .with_context(|| format!("cannot create the errors file {}", p.display()))?;
                let mut w = csv::WriterBuilder::new()
                    .has_headers(false)
                    .from_writer(BufWriter::new(file));
                w.write_record(["line", "field", "reason"])?;
                Some(w)
            }
            None => None,
        };
        Ok(Self {
            kept: Vec::new(),
            keep,
            total: 0,
            csv,
        })
    }

    /// Adds errors; the caller passes them in file order.
    pub fn extend(&mut self, errors: impl IntoIterator<Item = RowError>) -> anyhow::Result<()> {
        for e in errors {
            self.total += 1;
            if let Some(w) = &mut self.csv {
                w.serialize(&e).context("while writing the errors file")?;
            }
            if self.kept.len() < self.keep {
                self.kept.push(e);
            }
        }
        Ok(())
    }

    /// Flushes the CSV file and hands back the kept errors and the total.
    pub fn finish(self) -> anyhow::Result<(Vec<RowError>, u64)> {
        if let Some(mut w) = self.csv {
            w.flush().context("while writing the errors file")?;
        }
        Ok((self.kept, self.total))
    }
}

/// A progress bar on stderr, drawn only when stderr is a terminal and the
/// caller asked for one.
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    pub fn new(show: bool, total: u64, in_bytes: bool) -> Self {
        if !show {
            return Self {
                bar: ProgressBar::hidden(),
            };
        }
        let template = if in_bytes {
            "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} {msg}"
        } else {
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} rows {msg}"
        };
        // ProgressBar::new draws to stderr and stays hidden when stderr is
        // not a terminal, so redirected output carries no control codes.
        let bar = ProgressBar::new(total);
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style);
        }
        Self { bar }
    }

    pub fn update(&self, pos: u64, rows: u64) {
        self.bar.set_position(pos);
        self.bar.set_message(format!("{rows} rows"));
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
