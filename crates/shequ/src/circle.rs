//! `shequ circle distances`: the 15-minute circle offline. For each
//! building of `B.csv` (`code,lon,lat,residents`) and each facility type
//! of `F.csv` (`code,type,lon,lat`), the nearest facility and the walk to
//! it, as CSV `building,type,facility,metres,via` on standard output —
//! over the walking network of `N.geojson` (`via` = `network`), or the
//! straight line times 1.3 where the network does not connect them or no
//! network is given (`via` = `straight`). A bad row is named by file, line
//! and field on standard error, the good rows are used, and the exit code
//! is 1 when any row was refused.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use shequ_domain::circle::geo::Point;
use shequ_domain::circle::{Bounds, CircleType, Network, nearest};

/// `shequ circle …`
#[derive(Debug, clap::Subcommand)]
pub enum CircleCommand {
    /// The nearest facility of each type from each building, as CSV.
    Distances(DistancesArgs),
}

/// Flags of `shequ circle distances`.
#[derive(Debug, clap::Args)]
pub struct DistancesArgs {
    /// The walking network: GeoJSON LineStrings (e.g. exported from
    /// OpenStreetMap); without it, straight lines times 1.3.
    #[arg(long)]
    pub network: Option<PathBuf>,
    /// Buildings: `code,lon,lat,residents`.
    #[arg(long)]
    pub buildings: PathBuf,
    /// Facilities: `code,type,lon,lat`.
    #[arg(long)]
    pub facilities: PathBuf,
}

pub fn run(command: CircleCommand) -> anyhow::Result<ExitCode> {
    match command {
        CircleCommand::Distances(args) => distances(&args, &mut std::io::stdout().lock()),
    }
}

/// A refused row: file, line, field and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Refused {
    pub file: String,
    pub line: u64,
    pub field: String,
    pub why: String,
}

/// Reads a CSV file of named columns, each good row through `row`; a row
/// `row` refuses is named with its line and field.
fn read_rows<T>(
    path: &Path,
    columns: &[&str],
    mut row: impl FnMut(&BTreeMap<&str, &str>) -> Result<T, (String, String)>,
    refused: &mut Vec<Refused>,
) -> anyhow::Result<Vec<T>> {
    let name = path.display().to_string();
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_path(path)
        .with_context(|| format!("cannot read {name}"))?;
    let headers = reader
        .headers()
        .with_context(|| format!("{name}: no header row"))?
        .clone();
    for c in columns {
        if !headers
            .iter()
            .any(|h| h.trim_start_matches('\u{feff}') == *c)
        {
            anyhow::bail!(
                "{name}: no column {c:?}; the header must name {}",
                columns.join(",")
            );
        }
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.with_context(|| format!("{name}: unreadable CSV"))?;
        let line = record.position().map_or(0, |p| p.line());
        let fields: BTreeMap<&str, &str> = headers
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}'))
            .zip(record.iter())
            .collect();
        match row(&fields) {
            Ok(v) => rows.push(v),
            Err((field, why)) => refused.push(Refused {
                file: name.clone(),
                line,
                field,
                why,
            }),
        }
    }
    Ok(rows)
}

fn coordinate(
    fields: &BTreeMap<&str, &str>,
    name: &str,
    range: std::ops::RangeInclusive<f64>,
) -> Result<f64, (String, String)> {
    let text = fields.get(name).copied().unwrap_or("");
    text.parse::<f64>()
        .ok()
        .filter(|v| range.contains(v))
        .ok_or_else(|| {
            (
                name.to_owned(),
                format!("{text:?} is not a {name} in degrees"),
            )
        })
}

fn code(fields: &BTreeMap<&str, &str>) -> Result<String, (String, String)> {
    match fields.get("code").copied().unwrap_or("") {
        "" => Err(("code".to_owned(), "empty".to_owned())),
        c => Ok(c.to_owned()),
    }
}

/// A building of the file.
#[derive(Debug, Clone)]
pub struct Building {
    pub code: String,
    pub point: Point,
    pub residents: u32,
}

/// A facility of the file.
#[derive(Debug, Clone)]
pub struct Facility {
    pub code: String,
    pub kind: CircleType,
    pub point: Point,
}

/// Reads the buildings file.
pub fn read_buildings(path: &Path, refused: &mut Vec<Refused>) -> anyhow::Result<Vec<Building>> {
    read_rows(
        path,
        &["code", "lon", "lat", "residents"],
        |f| {
            let residents = f.get("residents").copied().unwrap_or("");
            Ok(Building {
                code: code(f)?,
                point: (
                    coordinate(f, "lon", -180.0..=180.0)?,
                    coordinate(f, "lat", -90.0..=90.0)?,
                ),
                residents: residents.parse().map_err(|_| {
                    (
                        "residents".to_owned(),
                        format!("{residents:?} is not a whole number of residents"),
                    )
                })?,
            })
        },
        refused,
    )
}

/// Reads the facilities file.
pub fn read_facilities(path: &Path, refused: &mut Vec<Refused>) -> anyhow::Result<Vec<Facility>> {
    read_rows(
        path,
        &["code", "type", "lon", "lat"],
        |f| {
            Ok(Facility {
                code: code(f)?,
                kind: CircleType::parse(f.get("type").copied().unwrap_or(""))
                    .map_err(|e| ("type".to_owned(), e.message))?,
                point: (
                    coordinate(f, "lon", -180.0..=180.0)?,
                    coordinate(f, "lat", -90.0..=90.0)?,
                ),
            })
        },
        refused,
    )
}

/// Writes the distances of every building to the nearest facility of each
/// type that has one, as CSV, a step of `progress` per type.
pub fn write_distances(
    out: &mut impl Write,
    network: Option<&Network>,
    (buildings, facilities): (&[Building], &[Facility]),
    progress: &ProgressBar,
) -> anyhow::Result<()> {
    writeln!(out, "building,type,facility,metres,via")?;
    let points: Vec<Point> = buildings.iter().map(|b| b.point).collect();
    let mut by_type: Vec<Vec<String>> = vec![Vec::new(); buildings.len()];
    progress.set_length(CircleType::ALL.len() as u64);
    for kind in CircleType::ALL {
        progress.set_message(kind.zh());
        progress.inc(1);
        let of_kind: Vec<&Facility> = facilities.iter().filter(|f| f.kind == *kind).collect();
        if of_kind.is_empty() {
            continue;
        }
        let at: Vec<Point> = of_kind.iter().map(|f| f.point).collect();
        for (b, n) in nearest(network, &points, &at).into_iter().enumerate() {
            if let Some(n) = n {
                by_type[b].push(format!(
                    "{},{},{},{:.0},{}",
                    csv_field(&buildings[b].code),
                    kind.as_str(),
                    csv_field(&of_kind[n.facility].code),
                    n.metres,
                    n.via.as_str()
                ));
            }
        }
    }
    progress.finish_and_clear();
    for lines in by_type {
        for l in lines {
            writeln!(out, "{l}")?;
        }
    }
    Ok(())
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

fn distances(args: &DistancesArgs, out: &mut impl Write) -> anyhow::Result<ExitCode> {
    let mut refused = Vec::new();
    let buildings = read_buildings(&args.buildings, &mut refused)?;
    let facilities = read_facilities(&args.facilities, &mut refused)?;
    let network = match &args.network {
        None => None,
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let bounds = Bounds::of(
                buildings
                    .iter()
                    .map(|b| b.point)
                    .chain(facilities.iter().map(|f| f.point)),
            )
            .map(|b| b.grown(2_000.0));
            let (net, report) = Network::from_geojson(&text, bounds)
                .map_err(|e| anyhow::anyhow!("{}: {}", path.display(), e.message))?;
            eprintln!(
                "{}: {} lines, {} nodes, {} edges ({} other features left out)",
                path.display(),
                report.lines,
                net.node_count(),
                net.edge_count(),
                report.skipped
            );
            Some(net)
        }
    };
    // On stderr, and only when it is a terminal: the CSV on stdout stays clean.
    let progress = ProgressBar::new(0);
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} types {msg}",
    ) {
        progress.set_style(style);
    }
    write_distances(out, network.as_ref(), (&buildings, &facilities), &progress)?;
    for r in &refused {
        eprintln!("{} line {}, field {}: {}", r.file, r.line, r.field, r.why);
    }
    Ok(if refused.is_empty() {
        ExitCode::SUCCESS
    } else {
        eprintln!("{} rows refused; the others were used", refused.len());
        ExitCode::FAILURE
    })
}
