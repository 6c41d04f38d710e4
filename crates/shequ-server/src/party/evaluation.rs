//! The annual democratic evaluation (民主评议党员) of a double-registered
//! member: what they registered for and every service of the year, with
//! its hours, as a page and as an XLSX file the branch keeps (seed 001:
//! 在职党员参与社区公益活动的情况作为民主评议党员的重要内容). Volunteering
//! hours (regional cooperation) arrive as records of their own source on
//! the same registration, so they count here too.
//!
//! Both reads name a member: the page is logged as a view, the file as an
//! export with the reason the user gave.

use axum::response::{IntoResponse, Response};
use chrono::Datelike;
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use serde::Serialize;
use shequ_domain::Code;
use shequ_domain::party::registration::{Hours, LAPSED_AFTER_MONTHS, lapsed};
use shequ_store::access_log::{AccessAction, NewAccess};
use shequ_store::party::{RegistrationRow, ServiceRecordRow};

use crate::app::access::{ClientAddr, actor, check_reason};
use crate::app::auth::Principal;
use crate::app::error::AppError;
use crate::app::state::Core;
use crate::party::service::{log_view, require_member_reader};

/// The years an evaluation may be asked for.
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// A member's year of double registration.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Evaluation {
    pub year: i32,
    pub registration: RegistrationRow,
    pub records: Vec<ServiceRecordRow>,
    /// Six months or more without a service (as of today).
    pub lapsed: bool,
}

impl Evaluation {
    pub fn hours(&self) -> Hours {
        Hours::from_tenths(self.registration.hours_tenths.max(0) as u32)
    }
}

async fn read(
    core: &Core,
    who: &Principal,
    id: i64,
    year: Option<i32>,
) -> Result<Evaluation, AppError> {
    require_member_reader(who)?;
    let today = core.today();
    let year = year.unwrap_or_else(|| today.year());
    if !YEARS.contains(&year) {
        return Err(AppError::unprocessable(
            "year",
            Code::NumberInvalid,
            format!("a year from {} to {}", YEARS.start(), YEARS.end()),
        ));
    }
    let registration = core
        .store
        .registration_in(&who.scope()?, id, year)
        .await?
        .ok_or(AppError::NotFound("party registration"))?;
    let (registered, last) = registration.days()?;
    Ok(Evaluation {
        year,
        records: core.store.service_records(id, year).await?,
        lapsed: lapsed(registered, last, today, LAPSED_AFTER_MONTHS),
        registration,
    })
}

fn subject(r: &RegistrationRow) -> (&'static str, String) {
    match r.person_id {
        Some(p) => ("party_member", p.to_string()),
        None => ("party_registration", r.id.to_string()),
    }
}

/// Registration `id` of the caller's area with its year; the read is
/// logged.
pub async fn view(
    core: &Core,
    who: &Principal,
    id: i64,
    year: Option<i32>,
    addr: &ClientAddr,
) -> Result<Evaluation, AppError> {
    let e = read(core, who, id, year).await?;
    let (kind, subject_id) = subject(&e.registration);
    let path = Some(e.registration.region_path.clone());
    log_view(core, who, kind, subject_id, path, addr).await?;
    Ok(e)
}

/// The evaluation of registration `id` as an XLSX file, logged as an
/// export with `reason` (2 to 200 characters, or refused naming it).
pub async fn export(
    core: &Core,
    who: &Principal,
    id: i64,
    year: Option<i32>,
    reason: &str,
    addr: &ClientAddr,
) -> Result<(Evaluation, Vec<u8>), AppError> {
    let reason = check_reason(reason).map_err(|e| AppError::Unprocessable(vec![e]))?;
    let e = read(core, who, id, year).await?;
    let bytes = workbook(&e).map_err(|err| {
        AppError::Internal(anyhow::anyhow!("writing the evaluation workbook: {err}"))
    })?;
    let (actor_user_id, actor_username) = actor(who);
    let (kind, subject_id) = subject(&e.registration);
    core.store
        .log_access(&NewAccess {
            actor_user_id,
            actor_username,
            action: AccessAction::Export,
            subject_kind: kind,
            subject_id,
            subject_path: Some(e.registration.region_path.clone()),
            fields: "evaluation_xlsx".to_owned(),
            reason: reason.to_owned(),
            remote_addr: addr.0.clone(),
        })
        .await?;
    Ok((e, bytes))
}

fn source_label(source: &str) -> &'static str {
    match source {
        "volunteering" => "志愿服务 volunteering",
        _ => "报到服务 registration",
    }
}

/// The workbook: the member's facts, then one row per service and the
/// year's total (hours as numbers, so the branch can add them up).
pub fn workbook(e: &Evaluation) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = book.add_worksheet();
    sheet.set_name("民主评议")?;
    let r = &e.registration;
    let facts: [(&str, String); 7] = [
        ("姓名 Name", r.name.clone()),
        (
            "党组织 Organisation",
            r.org_code.clone().unwrap_or_default(),
        ),
        ("报到居民区 Registered with", r.region_name.clone()),
        ("报到日期 Registered on", r.registered_on.clone()),
        ("认领岗位 Posts", r.posts.replace(',', "、")),
        ("年度 Year", e.year.to_string()),
        (
            "半年未服务 Six months without service",
            if e.lapsed { "是 yes" } else { "否 no" }.to_owned(),
        ),
    ];
    for (i, (label, value)) in facts.iter().enumerate() {
        sheet.write_string_with_format(i as u32, 0, *label, &bold)?;
        sheet.write_string(i as u32, 1, value)?;
    }
    let head = facts.len() as u32 + 1;
    for (c, h) in [
        "日期 Day",
        "时长 Hours",
        "服务内容 What",
        "来源 Source",
        "确认人 Confirmed by",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string_with_format(head, c as u16, *h, &bold)?;
    }
    for (i, s) in e.records.iter().enumerate() {
        let row = head + 1 + i as u32;
        sheet.write_string(row, 0, &s.day)?;
        sheet.write_number(row, 1, s.hours_tenths as f64 / 10.0)?;
        sheet.write_string(row, 2, &s.what)?;
        sheet.write_string(row, 3, source_label(&s.source))?;
        sheet.write_string(row, 4, &s.confirmed_by)?;
    }
    let total = head + 1 + e.records.len() as u32;
    sheet.write_string_with_format(total, 0, "合计 Total", &bold)?;
    sheet.write_number_with_format(total, 1, r.hours_tenths as f64 / 10.0, &bold)?;
    sheet.write_string(total, 2, format!("{} 次 services", e.records.len()))?;
    sheet.set_column_width(0, 34)?;
    sheet.set_column_width(1, 12)?;
    sheet.set_column_width(2, 40)?;
    sheet.set_column_width(3, 24)?;
    sheet.set_column_width(4, 16)?;
    book.save_to_buffer()
}

/// The workbook as a download named for the member and the year.
pub fn download(e: &Evaluation, bytes: Vec<u8>) -> Response {
    let name = format!("民主评议-{}-{}.xlsx", e.registration.name, e.year);
    let encoded: String = url::form_urlencoded::byte_serialize(name.as_bytes()).collect();
    (
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"evaluation-{}-{}.xlsx\"; filename*=UTF-8''{}",
                    e.registration.id,
                    e.year,
                    encoded.replace('+', "%20")
                ),
            ),
            (axum::http::header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response()
}
