//! `shequ export projects --year Y`: the year's projects list (项目清单) as
//! an XLSX workbook, one project a row with its need, the resources it
//! takes, its outcome and rating — the sheet a street office files.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use rust_xlsxwriter::{Format, Workbook};
use shequ_store::Scope;
use shequ_store::coop::{ProjectResourceRow, ProjectRow};

/// What to export.
#[derive(Debug, clap::Subcommand)]
pub enum ExportCommand {
    /// The projects of a year, as XLSX.
    Projects(ProjectsArgs),
}

/// Flags of `shequ export projects`.
#[derive(Debug, clap::Args)]
pub struct ProjectsArgs {
    /// The year whose projects to export.
    #[arg(long)]
    pub year: i32,
    /// Where to write the workbook; defaults to `projects-YEAR.xlsx`.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub db: crate::config::DatabaseArgs,
}

pub async fn run(config_file: Option<&Path>, command: ExportCommand) -> anyhow::Result<ExitCode> {
    let ExportCommand::Projects(args) = command;
    let settings = crate::config::load(config_file, args.db.database_url.as_deref(), None)?;
    let store = crate::config::open_store(&settings.database_url).await?;
    let projects = store.projects_in(&Scope::everything(), args.year).await?;
    let mut takes = Vec::with_capacity(projects.len());
    for p in &projects {
        takes.push(store.project_resources(p.id).await?);
    }
    store.close().await;
    let bytes = workbook(args.year, &projects, &takes)
        .map_err(|e| anyhow::anyhow!("cannot write the workbook: {e}"))?;
    let out = args
        .out
        .unwrap_or_else(|| PathBuf::from(format!("projects-{}.xlsx", args.year)));
    std::fs::write(&out, bytes).with_context(|| format!("cannot write {}", out.display()))?;
    println!(
        "exported {} projects of {} to {}",
        projects.len(),
        args.year,
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}

const STATUS: &[(&str, &str)] = &[
    ("proposed", "提议 proposed"),
    ("agreed", "已商定 agreed"),
    ("running", "实施中 running"),
    ("done", "已完成 done"),
    ("dropped", "已终止 dropped"),
];

/// The workbook: a header row, then one row per project (numbers as
/// numbers, so the office can add them up).
pub fn workbook(
    year: i32,
    projects: &[ProjectRow],
    takes: &[Vec<ProjectResourceRow>],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = book.add_worksheet();
    sheet.set_name(format!("{year}年项目清单"))?;
    let head = [
        "编号 No.",
        "项目 Project",
        "需求编码 Need",
        "需求 Need title",
        "类别 Category",
        "负责人 Owner",
        "状态 Status",
        "开始 From",
        "结束 To",
        "资源 Resources",
        "参与人数 Participants",
        "受益人数 Beneficiaries",
        "成效 Outcome",
        "评分 Rating",
        "终止原因 Dropped because",
    ];
    for (c, h) in head.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (i, (p, t)) in projects.iter().zip(takes).enumerate() {
        let row = 1 + i as u32;
        let status = STATUS
            .iter()
            .find(|(code, _)| *code == p.status)
            .map_or(p.status.as_str(), |(_, label)| label);
        let category = shequ_domain::coop::Category::parse(&p.category)
            .map_or(p.category.clone(), |c| c.zh().to_owned());
        let resources = t
            .iter()
            .map(|r| format!("{}（{}）{}", r.resource_title, r.unit_name, r.amount))
            .collect::<Vec<_>>()
            .join("；");
        sheet.write_number(row, 0, p.id as f64)?;
        sheet.write_string(row, 1, &p.title)?;
        sheet.write_string(row, 2, &p.need_code)?;
        sheet.write_string(row, 3, &p.need_title)?;
        sheet.write_string(row, 4, &category)?;
        sheet.write_string(row, 5, &p.owner)?;
        sheet.write_string(row, 6, status)?;
        sheet.write_string(row, 7, &p.starts_on)?;
        sheet.write_string(row, 8, &p.ends_on)?;
        sheet.write_string(row, 9, &resources)?;
        sheet.write_number(row, 10, p.participants as f64)?;
        sheet.write_number(row, 11, p.beneficiaries as f64)?;
        sheet.write_string(row, 12, &p.outcome)?;
        if let Some(r) = p.rating {
            sheet.write_number(row, 13, r as f64)?;
        }
        if let Some(reason) = &p.drop_reason {
            sheet.write_string(row, 14, reason)?;
        }
    }
    for (c, w) in [8, 30, 16, 30, 12, 12, 16, 12, 12, 40, 10, 10, 30, 8, 24]
        .iter()
        .enumerate()
    {
        sheet.set_column_width(c as u16, *w)?;
    }
    book.save_to_buffer()
}
