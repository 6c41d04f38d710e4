//! `shequ branches assign` and `shequ election tally`: the 三缘 branch
//! assignment and one round of a candidate-less election, offline, from
//! CSV files, by the same domain code the server runs
//! (`shequ_domain::branches`). A secretary can check the platform's
//! answer with a spreadsheet and this command, and a street can use it
//! before it has the platform.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use shequ_domain::branches::assign::{self, AssignError, CHOICE_FIELDS};
use shequ_domain::branches::{
    Ballots, Branch, BranchKind, DEFAULT_MAX, Decide, FULL_MEMBERS_NEEDED, Preference, RoundRules,
};

#[derive(Debug, clap::Subcommand)]
pub enum BranchesCommand {
    /// Place every member in one branch by their ranked choices, within
    /// each branch's limits: prints `member,branch,rank` CSV on stdout and
    /// the counts on stderr; exit status 1 when no assignment meets the
    /// limits (each branch that falls short is named), 2 on bad input.
    Assign(AssignArgs),
}

#[derive(Debug, clap::Args)]
pub struct AssignArgs {
    /// The branches on offer: `code,name,kind,min,max` (kind interest,
    /// occupation or location, or 趣缘/业缘/地缘; min defaults to 3, max
    /// to 50).
    #[arg(long)]
    pub branches: PathBuf,
    /// The forms: `member,full,home_branch,choice1,choice2,choice3`
    /// (`full` true or false; choices may be empty).
    #[arg(long)]
    pub preferences: PathBuf,
    /// Where members are now: `member,branch`. Ties between equally good
    /// assignments go to the one that moves fewest members.
    #[arg(long)]
    pub current: Option<PathBuf>,
}

#[derive(Debug, clap::Subcommand)]
pub enum ElectionCommand {
    /// Tally one round from its ballots and print the result as JSON:
    /// validity and reason, threshold, counts, elected, who a further or
    /// tie round is among, and seats left.
    Tally(TallyArgs),
}

#[derive(Debug, clap::Args)]
pub struct TallyArgs {
    /// Seats this round fills (a committee has 3 to 7; a further or tie
    /// round the seats left; a secretary's election 1).
    #[arg(long)]
    pub seats: u32,
    /// Members entitled to attend and vote (应到会).
    #[arg(long)]
    pub entitled: u32,
    /// Voting members present.
    #[arg(long)]
    pub present: u32,
    /// Ballots issued.
    #[arg(long)]
    pub issued: u32,
    /// The round: first, further (另行选举, among its candidates) or tie
    /// (among those tied at the cut).
    #[arg(long, default_value = "first", value_parser = ["first", "further", "tie"])]
    pub round: String,
    /// Who may be elected, one name a line (the branch's full members,
    /// or a further or tie round's candidates). Without it every name
    /// written counts.
    #[arg(long)]
    pub eligible: Option<PathBuf>,
    /// The ballots: one a line, the names written comma-separated; an
    /// empty line is a blank ballot.
    pub ballots: PathBuf,
}

/// A file's text: UTF-8 (a byte-order mark dropped) or, failing that,
/// GB18030, as Chinese spreadsheets save CSV.
pub fn read_text(path: &Path) -> anyhow::Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let text = match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => {
            let (s, _, bad) = encoding_rs::GB18030.decode(e.as_bytes());
            if bad {
                anyhow::bail!(
                    "{} is neither UTF-8 nor GB18030 text; save it as CSV (UTF-8)",
                    path.display()
                );
            }
            s.into_owned()
        }
    };
    Ok(text.strip_prefix('\u{feff}').unwrap_or(&text).to_owned())
}

/// One bad row: the file, its line and field, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub file: String,
    pub line: u64,
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} line {}, {}: {}",
            self.file, self.line, self.field, self.message
        )
    }
}

/// A CSV table read by its header: each row's cells by column name, with
/// its line number.
struct Table {
    file: String,
    columns: HashMap<String, usize>,
    rows: Vec<(u64, csv::StringRecord)>,
}

impl Table {
    fn read(file: &str, text: &str, required: &[&str]) -> Result<Table, Vec<RowError>> {
        let bad = |line, field: &str, message: String| RowError {
            file: file.to_owned(),
            line,
            field: field.to_owned(),
            message,
        };
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let header = reader
            .headers()
            .map_err(|e| vec![bad(1, "header", e.to_string())])?
            .clone();
        let columns: HashMap<String, usize> = header
            .iter()
            .enumerate()
            .map(|(i, h)| (h.to_lowercase(), i))
            .collect();
        let missing: Vec<RowError> = required
            .iter()
            .filter(|c| !columns.contains_key(**c))
            .map(|c| {
                bad(
                    1,
                    c,
                    format!(
                        "the header has no column {c}; it needs {}",
                        required.join(",")
                    ),
                )
            })
            .collect();
        if !missing.is_empty() {
            return Err(missing);
        }
        let mut rows = Vec::new();
        let mut errors = Vec::new();
        for rec in reader.records() {
            match rec {
                Ok(r) if r.iter().all(str::is_empty) => {}
                Ok(r) => rows.push((r.position().map_or(0, |p| p.line()), r)),
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    errors.push(bad(line, "row", e.to_string()));
                }
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Table {
            file: file.to_owned(),
            columns,
            rows,
        })
    }

    fn cell<'a>(&self, row: &'a csv::StringRecord, column: &str) -> &'a str {
        self.columns
            .get(column)
            .and_then(|i| row.get(*i))
            .unwrap_or("")
    }

    fn error(&self, line: u64, field: &str, message: impl Into<String>) -> RowError {
        RowError {
            file: self.file.clone(),
            line,
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

/// Reads `code,name,kind,min,max`; every bad row is named.
pub fn read_branches(file: &str, text: &str) -> Result<Vec<Branch>, Vec<RowError>> {
    let t = Table::read(file, text, &["code", "name", "kind"])?;
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut seen = HashMap::new();
    for (line, r) in &t.rows {
        let number = |column: &str, default: u32| -> Result<u32, RowError> {
            let s = t.cell(r, column);
            if s.is_empty() {
                return Ok(default);
            }
            s.parse().map_err(|_| {
                t.error(
                    *line,
                    column,
                    format!("{s:?} is not a whole number of members"),
                )
            })
        };
        let parsed = (|| {
            let kind = BranchKind::parse(t.cell(r, "kind"))
                .map_err(|e| t.error(*line, "kind", e.message))?;
            let min = number("min", FULL_MEMBERS_NEEDED)?;
            let max = number("max", DEFAULT_MAX)?;
            Branch::new(t.cell(r, "code"), t.cell(r, "name"), kind, min, max)
                .map_err(|e| t.error(*line, e.field().unwrap_or("row"), e.message))
        })();
        match parsed {
            Ok(b) => {
                if let Some(first) = seen.insert(b.code.clone(), *line) {
                    errors.push(t.error(
                        *line,
                        "code",
                        format!("branch {} is already on line {first}", b.code),
                    ));
                } else {
                    out.push(b);
                }
            }
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Reads `member,branch` into a map from member to branch.
pub fn read_current(file: &str, text: &str) -> Result<HashMap<String, String>, Vec<RowError>> {
    let t = Table::read(file, text, &["member", "branch"])?;
    let mut out = HashMap::new();
    let mut errors = Vec::new();
    for (line, r) in &t.rows {
        let (m, b) = (t.cell(r, "member"), t.cell(r, "branch"));
        if m.is_empty() {
            errors.push(t.error(*line, "member", "no member named"));
        } else if b.is_empty() {
            errors.push(t.error(*line, "branch", format!("member {m} has no branch")));
        } else if out.insert(m.to_owned(), b.to_owned()).is_some() {
            errors.push(t.error(*line, "member", format!("member {m} is listed twice")));
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Reads `member,full,home_branch,choice1,choice2,choice3` and checks each
/// form against the branches; every bad row is named with its field.
pub fn read_preferences(
    file: &str,
    text: &str,
    branches: &[Branch],
    current: &HashMap<String, String>,
) -> Result<Vec<Preference>, Vec<RowError>> {
    let t = Table::read(file, text, &["member", "full"])?;
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    for (line, r) in &t.rows {
        let member = t.cell(r, "member").to_owned();
        let full = match t.cell(r, "full").to_lowercase().as_str() {
            "true" | "yes" | "1" | "正式" => true,
            "false" | "no" | "0" | "预备" => false,
            other => {
                errors.push(t.error(
                    *line,
                    "full",
                    format!(
                        "{other:?}: write true for a full member, false for a probationary one"
                    ),
                ));
                continue;
            }
        };
        let mut choices = Vec::new();
        let mut gap = None;
        for field in CHOICE_FIELDS {
            let c = t.cell(r, field);
            match (c.is_empty(), gap) {
                (true, None) => gap = Some(field),
                (true, Some(_)) => {}
                (false, None) => choices.push(c.to_owned()),
                (false, Some(empty)) => {
                    errors.push(t.error(
                        *line,
                        empty,
                        format!("member {member}: {field} is filled but {empty} is empty; rank without gaps"),
                    ));
                }
            }
        }
        let home = Some(t.cell(r, "home_branch").to_owned()).filter(|h| !h.is_empty());
        let p = Preference {
            current: current.get(&member).cloned(),
            member,
            full,
            home,
            choices,
        };
        if let Err(e) = assign::check(branches, std::slice::from_ref(&p)) {
            errors.push(t.error(*line, e.field().unwrap_or("row"), e.message));
            continue;
        }
        if let Some(first) = seen.insert(p.member.clone(), *line) {
            errors.push(t.error(
                *line,
                "member",
                format!("member {} already has a form on line {first}", p.member),
            ));
            continue;
        }
        out.push(p);
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// What `shequ branches assign` prints: the CSV (stdout), the report
/// (stderr) and the exit status.
pub struct Printed {
    pub stdout: String,
    pub stderr: String,
    pub status: u8,
}

/// Runs the assignment on the files' texts.
pub fn assign_texts(
    branches: (&str, &str),
    preferences: (&str, &str),
    current: Option<(&str, &str)>,
) -> Printed {
    let fail = |errors: Vec<RowError>| Printed {
        stdout: String::new(),
        stderr: errors.iter().fold(String::new(), |mut s, e| {
            let _ = writeln!(s, "{e}");
            s
        }) + "nothing assigned: mend the rows above and run again\n",
        status: 2,
    };
    let bs = match read_branches(branches.0, branches.1) {
        Ok(b) => b,
        Err(e) => return fail(e),
    };
    let cur = match current.map(|(f, t)| read_current(f, t)).transpose() {
        Ok(c) => c.unwrap_or_default(),
        Err(e) => return fail(e),
    };
    let prefs = match read_preferences(preferences.0, preferences.1, &bs, &cur) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    match assign::assign(&bs, &prefs) {
        Ok(a) => {
            let mut out = String::from("member,branch,rank\n");
            let mut wtr = csv::WriterBuilder::new()
                .has_headers(false)
                .from_writer(Vec::new());
            for p in &a.placed {
                let _ = wtr.write_record([&p.member, &p.branch, p.placement.as_str()]);
            }
            out.push_str(&String::from_utf8_lossy(
                &wtr.into_inner().unwrap_or_default(),
            ));
            let c = a.counts;
            let mut err = format!(
                "{} members in {} branches: first choice {}, second {}, third {}, home {}, moved {}; {} moved from their current branch\n",
                a.placed.len(),
                bs.len(),
                c.first,
                c.second,
                c.third,
                c.home,
                c.moved,
                c.moves
            );
            for p in a.placed.iter().filter(|p| p.reason().is_some()) {
                let _ = writeln!(
                    err,
                    "  {} → {} ({}): {}",
                    p.member,
                    p.branch,
                    p.placement.as_str(),
                    p.reason().unwrap_or_default()
                );
            }
            Printed {
                stdout: out,
                stderr: err,
                status: 0,
            }
        }
        Err(AssignError::Infeasible(why)) => Printed {
            stdout: String::new(),
            stderr: why.iter().fold(
                String::from("no assignment meets the branches' limits:\n"),
                |mut s, w| {
                    let _ = writeln!(s, "  {w}");
                    s
                },
            ),
            status: 1,
        },
        Err(AssignError::Invalid(e)) => Printed {
            stdout: String::new(),
            stderr: format!("{e}\n"),
            status: 2,
        },
    }
}

pub fn run_branches(command: BranchesCommand) -> anyhow::Result<ExitCode> {
    let BranchesCommand::Assign(args) = command;
    let read = |p: &Path| -> anyhow::Result<(String, String)> {
        Ok((p.display().to_string(), read_text(p)?))
    };
    let b = read(&args.branches)?;
    let p = read(&args.preferences)?;
    let c = args.current.as_deref().map(read).transpose()?;
    let printed = assign_texts(
        (&b.0, &b.1),
        (&p.0, &p.1),
        c.as_ref().map(|(f, t)| (f.as_str(), t.as_str())),
    );
    print!("{}", printed.stdout);
    eprint!("{}", printed.stderr);
    Ok(ExitCode::from(printed.status))
}

/// Tallies a round from its ballots' text: the JSON to print, or what is
/// wrong with the input.
pub fn tally_text(
    args: &TallyArgs,
    ballots: &str,
    eligible: Option<&str>,
) -> anyhow::Result<serde_json::Value> {
    if !(1..=7).contains(&args.seats) {
        anyhow::bail!(
            "--seats {}: a round fills 1 to 7 seats (a committee has 3 to 7)",
            args.seats
        );
    }
    let decide = Decide::parse(&args.round).context("--round is first, further or tie")?;
    let eligible = eligible.map(|text| {
        text.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect::<BTreeSet<_>>()
    });
    let rules = RoundRules {
        seats: args.seats,
        entitled: args.entitled,
        present: args.present,
        issued: args.issued,
        eligible,
        decide,
    };
    let ballots = Ballots::parse(ballots)?;
    let result = shequ_domain::branches::tally(&rules, &ballots).map_err(|e| match e.field() {
        Some(f) if f != "ballots" => anyhow::anyhow!("--{f}: {e}"),
        _ => anyhow::anyhow!("{e}"),
    })?;
    Ok(serde_json::to_value(&result)?)
}

pub fn run_election(command: ElectionCommand) -> anyhow::Result<ExitCode> {
    let ElectionCommand::Tally(args) = command;
    let ballots = read_text(&args.ballots)?;
    let eligible = args.eligible.as_deref().map(read_text).transpose()?;
    match tally_text(&args, &ballots, eligible.as_deref()) {
        Ok(json) => {
            println!("{}", serde_json::to_string_pretty(&json)?);
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            Ok(ExitCode::from(2))
        }
    }
}
