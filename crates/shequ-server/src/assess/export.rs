//! A period's ranking as an XLSX workbook: one sheet of every subject
//! with its score, rank and each indicator's rate and value, and one sheet
//! of the scheme with each indicator's definition beside its weight — the
//! file the street sends up with the period's results.

use axum::response::{IntoResponse, Response};
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use shequ_domain::assess::{Indicator, Rater};

use crate::assess::service::Ranking;

/// The words the workbook needs, in the reader's language: an indicator's
/// name and definition, a subject kind's name.
pub struct Words<'a> {
    pub indicator: &'a dyn Fn(&Indicator) -> String,
    pub definition: &'a dyn Fn(&Indicator) -> String,
    pub kind: &'a dyn Fn(&str) -> String,
    pub rater: &'a dyn Fn(Rater) -> String,
}

/// The workbook's bytes.
pub fn workbook(r: &Ranking, w: &Words<'_>) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = book.add_worksheet();
    sheet.set_name("排名 Ranking")?;
    let mut heads: Vec<String> = [
        "类别 Kind",
        "名次 Rank",
        "考核对象 Subject",
        "得分 Score",
        "工单 Orders",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    for i in &r.info.scheme.indicators {
        heads.push(format!(
            "{} ({})",
            (w.indicator)(&i.indicator),
            (w.rater)(i.rater)
        ));
    }
    for (c, h) in heads.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, h, &bold)?;
    }
    for (row, s) in r.subjects.iter().enumerate() {
        let row = row as u32 + 1;
        sheet.write_string(row, 0, (w.kind)(&s.subject.kind))?;
        if let Some(rank) = s.rank {
            sheet.write_number(row, 1, f64::from(rank))?;
        }
        sheet.write_string(row, 2, &s.subject.name)?;
        if let Some(total) = s.score.rounded() {
            sheet.write_number(row, 3, total)?;
        }
        sheet.write_number(row, 4, s.inputs.counts.orders as f64)?;
        for (c, part) in s.score.indicators.iter().enumerate() {
            let col = 5 + c as u16;
            let text = match (part.rate, part.value) {
                (Some(rate), Some(v)) => {
                    format!("{v:.1} ({}/{})", rate.numerator, rate.denominator)
                }
                (None, Some(v)) => format!("{v:.1}"),
                (_, None) => "—".to_owned(),
            };
            sheet.write_string(row, col, text)?;
        }
    }
    sheet.set_column_width(0, 14)?;
    sheet.set_column_width(2, 28)?;

    let defs = book.add_worksheet();
    defs.set_name("指标定义 Definitions")?;
    for (c, h) in [
        "评价方 Rater",
        "权重 Weight %",
        "指标 Indicator",
        "权重 Weight %",
        "定义 Definition",
    ]
    .iter()
    .enumerate()
    {
        defs.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (row, i) in r.info.scheme.indicators.iter().enumerate() {
        let row = row as u32 + 1;
        defs.write_string(row, 0, (w.rater)(i.rater))?;
        defs.write_number(row, 1, f64::from(r.info.scheme.weight_of(i.rater)))?;
        defs.write_string(row, 2, (w.indicator)(&i.indicator))?;
        defs.write_number(row, 3, f64::from(i.weight))?;
        defs.write_string(row, 4, (w.definition)(&i.indicator))?;
    }
    defs.set_column_width(2, 24)?;
    defs.set_column_width(4, 90)?;
    book.save_to_buffer()
}

/// The workbook as a download named for the period.
pub fn download(r: &Ranking, bytes: Vec<u8>) -> Response {
    let code = r.info.period.code();
    let name = format!("考核-{code}.xlsx");
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
                    "attachment; filename=\"assessment-{code}.xlsx\"; filename*=UTF-8''{}",
                    encoded.replace('+', "%20")
                ),
            ),
            (axum::http::header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response()
}
