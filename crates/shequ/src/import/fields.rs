//! Reading one row's cells into validated values, collecting every problem
//! of the row (not only the first) so a user fixes a row in one go.

use chrono::NaiveDate;
use csv::StringRecord;
use shequ_domain::{Code, InvalidValue};

use super::columns::{ColumnMap, ColumnSpec};
use super::report::RowError;
use super::source::Cells;

/// One row being validated: its cells and the errors found so far.
pub struct RowCheck<'a> {
    pub line: u64,
    rec: &'a StringRecord,
    cells: &'a Cells,
    map: &'a ColumnMap,
    specs: &'static [ColumnSpec],
    pub errors: Vec<RowError>,
    /// Fields whose value the file does not hold (a formula never
    /// calculated): every other complaint about them would be a guess.
    unknown: Vec<&'static str>,
}

impl<'a> RowCheck<'a> {
    pub fn new(
        line: u64,
        rec: &'a StringRecord,
        cells: &'a Cells,
        map: &'a ColumnMap,
        specs: &'static [ColumnSpec],
    ) -> Self {
        let mut row = Self {
            line,
            rec,
            cells,
            map,
            specs,
            errors: Vec::new(),
            unknown: Vec::new(),
        };
        for (i, formula) in cells.unsaved_formulas() {
            let Some(f) = map.field_at(i) else {
                continue;
            };
            let cell = cells.name(i).unwrap_or_else(|| "the cell".to_owned());
            row.fail(
                f,
                format!(
                    "cell {cell} holds a formula (={formula}) with no saved value, so its value \
                     is unknown; open the file in Excel or WPS and save it again, which saves \
                     the values, or paste the column over itself as values"
                ),
            );
            row.unknown.push(specs[f].name);
        }
        row
    }

    /// The English name of field `f`.
    pub fn name(&self, f: usize) -> &'static str {
        self.specs[f].name
    }

    /// The trimmed cell of field `f` (empty when absent).
    pub fn get(&self, f: usize) -> &'a str {
        self.map.get(self.rec, f)
    }

    /// The cell of field `f`, or `None` when it is empty.
    pub fn opt(&self, f: usize) -> Option<&'a str> {
        Some(self.get(f)).filter(|s| !s.is_empty())
    }

    pub fn fail(&mut self, f: usize, reason: impl Into<String>) {
        let field = self.name(f);
        self.fail_named(field, reason);
    }

    pub fn fail_named(&mut self, field: &'static str, reason: impl Into<String>) {
        if self.unknown.contains(&field) {
            return;
        }
        self.errors.push(RowError {
            line: self.line,
            field,
            reason: reason.into(),
        });
    }

    pub fn ok(&self) -> bool {
        self.errors.is_empty()
    }

    /// Called once the row is checked. In a row with fewer cells than the
    /// header, an empty field past its end is not the user's mistake to
    /// fix one by one (the row lost its end: a comma left out, a line
    /// break outside quotes), so those errors become one saying the row
    /// is short. Fields past the end that are rightly empty say nothing.
    pub fn finish(&mut self) {
        let (cells, width) = (self.rec.len(), self.map.width());
        if cells >= width {
            return;
        }
        let mut missing: Vec<(usize, &'static str)> = (0..self.specs.len())
            .filter_map(|f| Some((self.map.column(f)?, self.specs[f].name)))
            .filter(|&(c, name)| c >= cells && self.errors.iter().any(|e| e.field == name))
            .collect();
        if missing.is_empty() {
            return;
        }
        missing.sort_unstable();
        self.errors
            .retain(|e| !missing.iter().any(|&(_, name)| name == e.field));
        let names: Vec<String> = missing
            .iter()
            .map(|&(c, name)| match self.cells.name(c) {
                Some(cell) => format!("{name} ({cell})"),
                None => name.to_owned(),
            })
            .collect();
        let what_to_do = if self.cells.in_sheet() {
            "fill in those cells"
        } else {
            "add the missing cells; a cell holding a line break must be in quotes"
        };
        self.errors.insert(
            0,
            RowError {
                line: self.line,
                field: "row",
                reason: format!(
                    "the row is short: it has {cells} {} but the header has {width}, \
                     so it has no {}; {what_to_do}",
                    if cells == 1 { "cell" } else { "cells" },
                    names.join(", ")
                ),
            },
        );
    }

    /// The cell of field `f`, or an error saying it is required.
    pub fn required(&mut self, f: usize) -> Option<&'a str> {
        let v = self.opt(f);
        if v.is_none() {
            self.fail(f, "is required but empty");
        }
        v
    }

    /// Parses a required cell with a domain parser.
    pub fn parse<T>(
        &mut self,
        f: usize,
        parse: impl FnOnce(&'a str) -> Result<T, InvalidValue>,
    ) -> Option<T> {
        let s = self.required(f)?;
        self.check(f, parse(s))
    }

    /// Parses a required cell that a spreadsheet must hold as text: a
    /// number cell is refused, naming the cell and saying `why`, before
    /// `parse` sees digits that may no longer be the ones typed.
    pub fn parse_text<T>(
        &mut self,
        f: usize,
        why: &str,
        parse: impl FnOnce(&'a str) -> Result<T, InvalidValue>,
    ) -> Option<T> {
        let number_cell = self
            .map
            .column(f)
            .filter(|&c| self.cells.is_number(c))
            .and_then(|c| self.cells.name(c));
        if let Some(cell) = number_cell {
            let column = self.name(f);
            self.fail(
                f,
                format!(
                    "cell {cell} is a number, not text: {why}; format the {column} column \
                     as text (设置单元格格式 → 文本) and type the values in again"
                ),
            );
            return None;
        }
        self.parse(f, parse)
    }

    /// Parses an optional cell with a domain parser.
    pub fn parse_opt<T>(
        &mut self,
        f: usize,
        parse: impl FnOnce(&'a str) -> Result<T, InvalidValue>,
    ) -> Option<T> {
        let s = self.opt(f)?;
        self.check(f, parse(s))
    }

    fn check<T>(&mut self, f: usize, r: Result<T, InvalidValue>) -> Option<T> {
        r.map_err(|e| self.fail(f, e.message)).ok()
    }

    /// A required free-text value of at most `max` characters.
    pub fn text(&mut self, f: usize, max: usize) -> Option<&'a str> {
        let s = self.required(f)?;
        self.check(f, text(s, max))
    }

    /// An optional number within `range` (inclusive).
    pub fn number_opt(&mut self, f: usize, lo: f64, hi: f64) -> Option<f64> {
        let s = self.opt(f)?;
        self.check(f, number(s, lo, hi))
    }

    /// A required number within `range` (inclusive).
    pub fn number(&mut self, f: usize, lo: f64, hi: f64) -> Option<f64> {
        let s = self.required(f)?;
        self.check(f, number(s, lo, hi))
    }

    /// An optional whole number within `lo..=hi`.
    pub fn integer_opt(&mut self, f: usize, lo: i32, hi: i32) -> Option<i32> {
        let s = self.opt(f)?;
        self.check(f, integer(s, lo, hi))
    }
}

/// Free text: non-empty after trimming, at most `max` characters, no
/// control characters.
pub fn text(s: &str, max: usize) -> Result<&str, InvalidValue> {
    if s.chars().count() > max {
        return Err(invalid(format!("is longer than {max} characters")));
    }
    if s.chars().any(char::is_control) {
        return Err(invalid(
            "contains a control character (a line break or tab)",
        ));
    }
    Ok(s)
}

/// A code of a place or household: 1–64 characters without spaces or
/// control characters.
pub fn code(s: &str) -> Result<&str, InvalidValue> {
    if s.chars().count() > 64 {
        return Err(invalid(format!("code {s:?} is longer than 64 characters")));
    }
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid(format!("code {s:?} may not contain spaces")));
    }
    Ok(s)
}

pub fn number(s: &str, lo: f64, hi: f64) -> Result<f64, InvalidValue> {
    let v: f64 = s
        .parse()
        .map_err(|_| invalid(format!("{s:?} is not a number")))?;
    if !(lo..=hi).contains(&v) {
        return Err(invalid(format!("{v} is outside {lo}..{hi}")));
    }
    Ok(v)
}

pub fn integer(s: &str, lo: i32, hi: i32) -> Result<i32, InvalidValue> {
    let v: i32 = s
        .strip_suffix(".0")
        .unwrap_or(s)
        .parse()
        .map_err(|_| invalid(format!("{s:?} is not a whole number")))?;
    if !(lo..=hi).contains(&v) {
        return Err(invalid(format!("{v} is outside {lo}..{hi}")));
    }
    Ok(v)
}

/// A calendar date as `YYYY-MM-DD`, `YYYY/M/D`, `YYYY.M.D`, `YYYYMMDD` or
/// `YYYY年M月D日`; a time after the date (from a spreadsheet) is ignored.
pub fn date(s: &str) -> Result<NaiveDate, InvalidValue> {
    let bad = || invalid(format!("{s:?} is not a date; write it as YYYY-MM-DD"));
    let day = s.split([' ', 'T']).next().unwrap_or(s);
    if day.len() == 8 && day.bytes().all(|b| b.is_ascii_digit()) {
        return NaiveDate::parse_from_str(day, "%Y%m%d").map_err(|_| bad());
    }
    let parts: Vec<&str> = day
        .trim_end_matches('日')
        .split(['-', '/', '.', '年', '月'])
        .collect();
    let [y, m, d] = parts[..] else {
        return Err(bad());
    };
    let (y, m, d) = (
        y.parse().map_err(|_| bad())?,
        m.parse().map_err(|_| bad())?,
        d.parse().map_err(|_| bad())?,
    );
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(bad)
}

fn invalid(message: impl Into<String>) -> InvalidValue {
    // Import-local checks reuse the domain's error shape; their codes are
    // not shown to users (the CLI prints the message).
    InvalidValue::new(Code::ImportValueInvalid, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_common_spellings() {
        let want = NaiveDate::from_ymd_opt(1990, 3, 7).expect("date");
        for s in [
            "1990-03-07",
            "1990/3/7",
            "1990.03.07",
            "19900307",
            "1990年3月7日",
            "1990-03-07 00:00:00",
        ] {
            assert_eq!(date(s), Ok(want), "{s}");
        }
        assert!(date("1990-02-30").is_err());
        assert!(date("yesterday").is_err());
    }

    const SPECS: &[ColumnSpec] = &[
        ColumnSpec {
            name: "code",
            aliases: &[],
            required: true,
        },
        ColumnSpec {
            name: "name",
            aliases: &[],
            required: true,
        },
        ColumnSpec {
            name: "note",
            aliases: &[],
            required: false,
        },
    ];

    /// The errors of a row of `cells` checked as code, name, note (the
    /// code also must be "a").
    fn check(cells: &[&str]) -> Vec<(&'static str, String)> {
        let header = StringRecord::from(vec!["code", "name", "note"]);
        let map = ColumnMap::match_header(SPECS, &header).expect("header").map;
        let rec = StringRecord::from(cells.to_vec());
        let sheet = Cells::default();
        let mut row = RowCheck::new(2, &rec, &sheet, &map, SPECS);
        if row.required(0).is_some_and(|c| c != "a") {
            row.fail(0, "is not a");
        }
        row.required(1);
        row.opt(2);
        row.finish();
        row.errors
            .into_iter()
            .map(|e| (e.field, e.reason))
            .collect()
    }

    #[test]
    fn a_short_row_says_so_once() {
        let errors = check(&["b"]);
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert_eq!(errors[0].0, "row");
        assert!(
            errors[0].1.starts_with(
                "the row is short: it has 1 cell but the header has 3, so it has no name;"
            ),
            "{}",
            errors[0].1
        );
        assert_eq!(errors[1], ("code", "is not a".to_owned()), "kept");
        assert!(
            check(&["a", "x"]).is_empty(),
            "only the optional note is past the end"
        );
        assert_eq!(
            check(&["a", "", ""]),
            [("name", "is required but empty".to_owned())],
            "not short: the cell is there and empty"
        );
    }

    #[test]
    fn numbers_and_codes() {
        assert_eq!(number("121.43", -180.0, 180.0), Ok(121.43));
        assert!(number("200", -180.0, 180.0).is_err());
        assert_eq!(integer("12.0", 1, 300), Ok(12));
        assert!(code("A 1").is_err());
        assert!(text("a\nb", 10).is_err());
    }
}
