//! Reading the first sheet of a spreadsheet (XLSX, XLSM, XLS, ODS) row by
//! row: each cell as the text a person sees (whole numbers without a
//! decimal point, so a phone typed as a number stays `13800138000`; dates
//! as `YYYY-MM-DD`), and what the sheet knows beyond the text: which cells
//! are numbers, and which formulas have no saved value.

use std::collections::BTreeMap;
use std::io::{Read, Seek};
use std::path::Path;

use anyhow::Context;
use calamine::{Cell, Data, Range, Reader, Sheets, Xlsx, XlsxError};
use csv::StringRecord;

use super::step::Next;

/// What a spreadsheet knows of a row's cells beyond their text; nothing
/// for CSV.
#[derive(Debug, Default)]
pub struct Cells {
    /// The sheet row and the sheet column (0 is A) of the record's first
    /// cell; `None` for CSV.
    origin: Option<(u64, u32)>,
    /// Record indices of cells holding numbers.
    numbers: Vec<usize>,
    /// Record indices of formula cells the file holds no value for, with
    /// their formulas.
    unsaved: Vec<(usize, String)>,
}

impl Cells {
    pub(super) fn clear(&mut self) {
        self.origin = None;
        self.numbers.clear();
        self.unsaved.clear();
    }

    pub(super) fn has_unsaved_formulas(&self) -> bool {
        !self.unsaved.is_empty()
    }

    /// The formula cells of the row whose value the file does not hold:
    /// record index and formula (without its `=`).
    pub fn unsaved_formulas(&self) -> impl Iterator<Item = (usize, &str)> {
        self.unsaved.iter().map(|(i, f)| (*i, f.as_str()))
    }

    /// Whether the row comes from a spreadsheet.
    pub fn in_sheet(&self) -> bool {
        self.origin.is_some()
    }

    /// The spreadsheet's name of the record's cell `i` ("D5"); `None` for
    /// CSV.
    pub fn name(&self, i: usize) -> Option<String> {
        let (row, first) = self.origin?;
        let col = u32::try_from(i).ok()?.checked_add(first)?;
        Some(format!("{}{row}", column_name(col)))
    }

    /// Whether the record's cell `i` holds a number (not text).
    pub fn is_number(&self, i: usize) -> bool {
        self.numbers.contains(&i)
    }
}

/// A spreadsheet column's letters: 0 is A, 25 is Z, 26 is AA.
fn column_name(col: u32) -> String {
    let mut letters = Vec::new();
    let mut n = col + 1;
    while n > 0 {
        n -= 1;
        letters.push(b'A' + (n % 26) as u8);
        n /= 26;
    }
    letters.iter().rev().map(|&b| char::from(b)).collect()
}

/// Formula cells with no saved value: their formulas by sheet (row,
/// column), 0-based.
type Unsaved = BTreeMap<(u32, u32), String>;

pub struct SheetSource {
    range: Range<Data>,
    /// Formula cells with no saved value; the value range leaves them out
    /// as empty.
    unsaved: Unsaved,
    /// Sheet rows and columns (0-based) holding any cell: values and
    /// formulas without one.
    rows: std::ops::Range<u32>,
    cols: std::ops::Range<u32>,
    next: u32,
}

impl SheetSource {
    pub(super) fn open(path: &Path) -> anyhow::Result<Self> {
        let mut book = calamine::open_workbook_auto(path)
            .map_err(|e| anyhow::anyhow!("cannot read {} as a spreadsheet: {e}", path.display()))?;
        let first = book
            .sheet_names()
            .into_iter()
            .next()
            .with_context(|| format!("{} has no sheet", path.display()))?;
        let sheet_error = |e: &dyn std::fmt::Display| {
            anyhow::anyhow!("cannot read the first sheet of {}: {e}", path.display())
        };
        // The value range cannot tell a formula whose value was never saved
        // from an empty cell, so the formulas are read too. For XLSX in the
        // same pass over the sheet's XML: on 100,000 rows of 8 cells a
        // second pass (worksheet_formula) added 0.85–1.0 s to the 1.0–1.3 s
        // the values took, one pass took 1.0–1.6 s (release build, the
        // two-core machine at load average 7).
        let (range, unsaved) = if let Sheets::Xlsx(xlsx) = &mut book {
            xlsx_values_and_unsaved_formulas(xlsx, &first).map_err(|e| sheet_error(&e))?
        } else {
            let range = book.worksheet_range(&first).map_err(|e| sheet_error(&e))?;
            let formulas = book
                .worksheet_formula(&first)
                .map_err(|e| sheet_error(&e))?;
            let unsaved = unsaved_formulas(&range, &formulas);
            (range, unsaved)
        };
        let (mut rows, mut cols) = match (range.start(), range.end()) {
            (Some((r0, c0)), Some((r1, c1))) => (r0..r1 + 1, c0..c1 + 1),
            _ => (0..0, 0..0),
        };
        for &(r, c) in unsaved.keys() {
            (rows, cols) = if rows.is_empty() {
                (r..r + 1, c..c + 1)
            } else {
                (
                    rows.start.min(r)..rows.end.max(r + 1),
                    cols.start.min(c)..cols.end.max(c + 1),
                )
            };
        }
        Ok(Self {
            range,
            unsaved,
            next: rows.start,
            rows,
            cols,
        })
    }

    /// Rows read and rows in all.
    pub(super) fn progress(&self) -> (u64, u64) {
        (
            u64::from(self.next - self.rows.start),
            u64::from(self.rows.end - self.rows.start),
        )
    }

    pub(super) fn next(&mut self, rec: &mut StringRecord, cells: &mut Cells) -> Next {
        if self.next >= self.rows.end {
            return Next::End;
        }
        let r = self.next;
        self.next += 1;
        cells.origin = Some((u64::from(r) + 1, self.cols.start));
        rec.clear();
        let mut text = String::new();
        for c in self.cols.clone() {
            text.clear();
            let i = (c - self.cols.start) as usize;
            if let Some(cell) = self.range.get_value((r, c)) {
                cell_text(cell, &mut text);
                if matches!(cell, Data::Float(_) | Data::Int(_)) {
                    cells.numbers.push(i);
                }
            }
            rec.push_field(&text);
        }
        for (&(_, c), formula) in self.unsaved.range((r, 0)..(r + 1, 0)) {
            cells
                .unsaved
                .push(((c - self.cols.start) as usize, formula.clone()));
        }
        // The row ends at its last cell holding something, as a CSV row
        // ends at its last comma, so a short row looks short.
        let used = (0..rec.len())
            .rfind(|&i| !rec[i].trim().is_empty())
            .map_or(0, |i| i + 1)
            .max(cells.unsaved.iter().map(|&(i, _)| i + 1).max().unwrap_or(0));
        rec.truncate(used);
        Next::Row(u64::from(r) + 1)
    }
}

/// The values of an XLSX sheet and, by sheet (row, column), its formula
/// cells without a saved value, as [`unsaved_formulas`] finds them.
fn xlsx_values_and_unsaved_formulas<RS: Read + Seek>(
    xlsx: &mut Xlsx<RS>,
    sheet: &str,
) -> Result<(Range<Data>, Unsaved), XlsxError> {
    let mut reader = xlsx.worksheet_cells_reader(sheet)?;
    let mut values = Vec::new();
    let mut unsaved = BTreeMap::new();
    while let Some(cell) = reader.next_cell_with_formula()? {
        let value = Data::from(cell.value);
        if !matches!(value, Data::Empty) {
            values.push(Cell::new(cell.pos, value));
        } else if let Some(formula) = cell.formula.filter(|f| !f.is_empty()) {
            unsaved.insert(cell.pos, formula);
        }
    }
    Ok((Range::from_sparse(values), unsaved))
}

/// The formula cells, by sheet (row, column), for which the file holds no
/// value. Excel and WPS save a formula's last value beside it; files
/// written by some programs (Apache POI, openpyxl, export tools) do not,
/// and what the formula would give is unknown until a spreadsheet
/// program recalculates and saves it. A saved empty text (`=IF(…,"",…)`)
/// is a value, not a missing one.
fn unsaved_formulas(values: &Range<Data>, formulas: &Range<String>) -> Unsaved {
    let Some((r0, c0)) = formulas.start() else {
        return Unsaved::new();
    };
    formulas
        .used_cells()
        .filter_map(|(r, c, formula)| {
            let at = (r0 + r as u32, c0 + c as u32);
            matches!(values.get_value(at), None | Some(Data::Empty)).then(|| (at, formula.clone()))
        })
        .collect()
}

/// The text a person sees in a cell.
fn cell_text(cell: &Data, out: &mut String) {
    use std::fmt::Write;
    // Writing to a String cannot fail.
    let _ = match cell {
        Data::Empty => Ok(()),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => {
            out.push_str(s);
            Ok(())
        }
        Data::Int(i) => write!(out, "{i}"),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e17 => write!(out, "{}", *f as i64),
        Data::Float(f) => write!(out, "{f}"),
        Data::Bool(b) => write!(out, "{b}"),
        Data::DateTime(dt) => {
            let (y, m, d, hh, mm, ss, _) = dt.to_ymd_hms_milli();
            if dt.is_datetime() && (hh, mm, ss) == (0, 0, 0) {
                write!(out, "{y:04}-{m:02}-{d:02}")
            } else if dt.is_datetime() {
                write!(out, "{y:04}-{m:02}-{d:02} {hh:02}:{mm:02}:{ss:02}")
            } else {
                write!(out, "{}", dt.as_f64())
            }
        }
        Data::Error(e) => write!(out, "#{e:?}"),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_named_as_a_spreadsheet_names_them() {
        let names: Vec<String> = [0, 3, 25, 26, 51, 52, 701, 702]
            .into_iter()
            .map(column_name)
            .collect();
        assert_eq!(names, ["A", "D", "Z", "AA", "AZ", "BA", "ZZ", "AAA"]);
        let cells = Cells {
            origin: Some((5, 1)),
            numbers: vec![2],
            unsaved: Vec::new(),
        };
        assert_eq!(cells.name(2).as_deref(), Some("D5"));
        assert!(cells.is_number(2) && !cells.is_number(1));
        assert_eq!(Cells::default().name(0), None);
    }

    #[test]
    fn formulas_without_a_saved_value_are_found() {
        // Values from C2: C2 a saved text, D2 empty text, C3 a number.
        let mut values = Range::new((1, 2), (2, 3));
        values.set_value((1, 2), Data::String("张伟".into()));
        values.set_value((1, 3), Data::String(String::new()));
        values.set_value((2, 2), Data::Float(1.0));
        // Formulas in C2, D2 (both saved) and B3, E3 (neither).
        let mut formulas = Range::new((1, 1), (2, 4));
        for at in [(1, 2), (1, 3), (2, 1), (2, 4)] {
            formulas.set_value(at, format!("F{}{}", at.0, at.1));
        }
        let unsaved: Vec<_> = unsaved_formulas(&values, &formulas).into_iter().collect();
        assert_eq!(
            unsaved,
            [((2, 1), "F21".to_owned()), ((2, 4), "F24".to_owned())]
        );
        assert!(unsaved_formulas(&values, &Range::empty()).is_empty());
    }
}
