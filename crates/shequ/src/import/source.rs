//! Reading an import file: CSV (UTF-8, with or without a byte-order mark,
//! or else GB18030, as a Chinese Excel saves it) or a spreadsheet (the first sheet of an XLSX, XLSM, XLS or ODS file),
//! row by row, each row with the number a person sees for it in a
//! spreadsheet (the header is row 1 when it is the first line).
//!
//! Cells come out as trimmed text. Spreadsheet cells are turned into the
//! text a person sees: whole numbers without a decimal point (a phone typed
//! as a number stays `13800138000`), dates as `YYYY-MM-DD`.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use anyhow::{Context, bail};
use calamine::{Data, Range, Reader};
use csv::StringRecord;

use super::encoding::{self, Gb18030Reader, TextEncoding, Verdict};

/// One step of reading.
#[derive(Debug)]
pub enum Next {
    /// A row was read into the record; its spreadsheet row number.
    Row(u64),
    /// The row at this number cannot be read (bytes that are not UTF-8 in
    /// a file that otherwise is); the reason is for the user. Reading may
    /// go on.
    Bad(u64, String),
    /// No more rows.
    End,
}

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
    fn clear(&mut self) {
        self.origin = None;
        self.numbers.clear();
        self.unsaved.clear();
    }

    /// The formula cells of the row whose value the file does not hold:
    /// record index and formula (without its `=`).
    pub fn unsaved_formulas(&self) -> impl Iterator<Item = (usize, &str)> {
        self.unsaved.iter().map(|(i, f)| (*i, f.as_str()))
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

/// An open import file.
pub enum Source {
    Csv(CsvSource),
    Sheet(SheetSource),
}

pub struct CsvSource {
    reader: csv::Reader<Box<dyn Read + Send>>,
    encoding: TextEncoding,
    /// Length of the text the CSV reader sees: the file's, or for GB18030
    /// the length of its UTF-8 decoding.
    len: u64,
    /// Bytes skipped before the CSV reader starts (a byte-order mark).
    skipped: u64,
    /// Whether the file's last byte is a line feed.
    ends_with_newline: bool,
    /// Line breaks inside quoted fields of the records read so far: each
    /// makes the text one line longer than the spreadsheet.
    breaks_before: u64,
}

pub struct SheetSource {
    range: Range<Data>,
    /// Formula cells with no saved value, by sheet (row, column); the
    /// value range leaves them out as empty.
    unsaved: BTreeMap<(u32, u32), String>,
    /// Sheet rows and columns (0-based) holding any cell: values and
    /// formulas without one.
    rows: std::ops::Range<u32>,
    cols: std::ops::Range<u32>,
    next: u32,
}

impl Source {
    /// Opens `path`, choosing the reader by extension (`.csv`/`.txt` → CSV,
    /// `.xlsx`/`.xlsm`/`.xls`/`.ods` → spreadsheet) and, for other names, by
    /// the file's first bytes.
    pub fn open(path: &Path) -> anyhow::Result<Source> {
        let meta = std::fs::metadata(path).with_context(|| {
            format!(
                "cannot read {}: the file does not exist or is not readable",
                path.display()
            )
        })?;
        anyhow::ensure!(meta.is_file(), "{} is not a file", path.display());
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        let sheet = match ext.as_str() {
            "csv" | "txt" => false,
            "xlsx" | "xlsm" | "xls" | "ods" => true,
            _ => sniff_spreadsheet(path)?,
        };
        if sheet {
            Ok(Source::Sheet(SheetSource::open(path)?))
        } else {
            Ok(Source::Csv(CsvSource::open(path, meta.len())?))
        }
    }

    /// Reads the next row into `rec` and what a spreadsheet knows of its
    /// cells into `cells`, skipping rows whose cells are all empty.
    pub fn next(&mut self, rec: &mut StringRecord, cells: &mut Cells) -> anyhow::Result<Next> {
        loop {
            cells.clear();
            let next = match self {
                Source::Csv(s) => s.next(rec)?,
                Source::Sheet(s) => s.next(rec, cells),
            };
            if matches!(next, Next::Row(_))
                && rec.iter().all(|c| c.trim().is_empty())
                && cells.unsaved.is_empty()
            {
                continue;
            }
            return Ok(next);
        }
    }

    /// How far reading has got and the total, in bytes (CSV) or rows.
    pub fn progress(&self) -> (u64, u64) {
        match self {
            Source::Csv(s) => (s.reader.position().byte(), s.len),
            Source::Sheet(s) => (
                u64::from(s.next - s.rows.start),
                u64::from(s.rows.end - s.rows.start),
            ),
        }
    }

    /// The text encoding a CSV file is read in; `None` for a spreadsheet.
    pub fn encoding(&self) -> Option<TextEncoding> {
        match self {
            Source::Csv(s) => Some(s.encoding),
            Source::Sheet(_) => None,
        }
    }

    /// Whether [`Source::progress`] counts bytes rather than rows.
    pub fn progress_in_bytes(&self) -> bool {
        matches!(self, Source::Csv(_))
    }
}

/// Zip archives (XLSX, ODS) start with `PK`; legacy XLS with the OLE magic.
fn sniff_spreadsheet(path: &Path) -> anyhow::Result<bool> {
    let mut reader = BufReader::new(
        File::open(path).with_context(|| format!("cannot open {}", path.display()))?,
    );
    let head = reader
        .fill_buf()
        .with_context(|| format!("cannot read {}", path.display()))?;
    Ok(head.starts_with(b"PK\x03\x04") || head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]))
}

impl CsvSource {
    fn open(path: &Path, len: u64) -> anyhow::Result<Self> {
        let mut file =
            File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        let ends_with_newline = len > 0 && {
            file.seek(SeekFrom::End(-1))?;
            let mut last = [0u8];
            file.read_exact(&mut last)?;
            file.seek(SeekFrom::Start(0))?;
            last[0] == b'\n'
        };
        let mut buf = BufReader::with_capacity(256 * 1024, file);
        let head = buf
            .fill_buf()
            .with_context(|| format!("cannot read {}", path.display()))?;
        if head.starts_with(b"PK\x03\x04") {
            bail!(
                "{} looks like a spreadsheet, not CSV; give it the .xlsx extension",
                path.display()
            );
        }
        let bom = head.starts_with(b"\xEF\xBB\xBF");
        let verdict =
            encoding::sniff(&mut buf).with_context(|| format!("cannot read {}", path.display()))?;
        let (text, encoding, len, skipped): (Box<dyn Read + Send>, _, _, _) = match verdict {
            Verdict::Utf8 => {
                let skipped = if bom { 3 } else { 0 };
                buf.seek(SeekFrom::Start(skipped))?;
                (Box::new(buf), TextEncoding::Utf8, len, skipped)
            }
            Verdict::Gb18030 { decoded_len } => {
                buf.seek(SeekFrom::Start(0))?;
                (
                    Box::new(Gb18030Reader::new(buf)),
                    TextEncoding::Gb18030,
                    decoded_len,
                    0,
                )
            }
            Verdict::Neither(at) => bail!(
                "{} is neither UTF-8 nor GB18030 (GBK) text: the bytes at offset {} (line {}) \
                 are valid in neither; save it from Excel as \"CSV UTF-8\" or as XLSX; \
                 nothing was imported",
                path.display(),
                at.offset,
                at.line
            ),
        };
        // Records end at a line feed; a carriage return before it stays in
        // the last cell, which is trimmed. That way every record consumes its
        // own line end, which the row numbering below relies on.
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .terminator(csv::Terminator::Any(b'\n'))
            .from_reader(text);
        Ok(Self {
            reader,
            encoding,
            len,
            skipped,
            ends_with_newline,
            breaks_before: 0,
        })
    }

    fn next(&mut self, rec: &mut StringRecord) -> anyhow::Result<Next> {
        let result = self.reader.read_record(rec);
        if let Ok(false) = result {
            return Ok(Next::End);
        }
        // The reader has consumed the record and its line feed (none after
        // the last record of a file without a final line break), and any
        // blank lines before it, so count back from where it stopped. A
        // spreadsheet shows a record whose quoted cells hold line breaks as
        // one row, and a blank line as an empty row: number rows that way.
        let end = self.reader.position();
        let at_eof_unterminated = end.byte() + self.skipped >= self.len && !self.ends_with_newline;
        let last_line = end.line() - u64::from(!at_eof_unterminated);
        let breaks = match &result {
            Ok(_) => rec
                .iter()
                .map(|f| f.bytes().filter(|&b| b == b'\n').count() as u64)
                .sum(),
            Err(_) => 0,
        };
        let row = last_line.saturating_sub(breaks + self.breaks_before);
        self.breaks_before += breaks;
        match result {
            Ok(_) => Ok(Next::Row(row)),
            Err(e) => match e.kind() {
                csv::ErrorKind::Utf8 { .. } => Ok(Next::Bad(
                    row,
                    "the row holds bytes that are not UTF-8, although the rest of the file \
                     is UTF-8; retype its text and import the row again"
                        .to_owned(),
                )),
                _ => Err(anyhow::Error::new(e).context("while reading the CSV file")),
            },
        }
    }
}

impl SheetSource {
    fn open(path: &Path) -> anyhow::Result<Self> {
        let mut book = calamine::open_workbook_auto(path)
            .map_err(|e| anyhow::anyhow!("cannot read {} as a spreadsheet: {e}", path.display()))?;
        let first = book
            .sheet_names()
            .into_iter()
            .next()
            .with_context(|| format!("{} has no sheet", path.display()))?;
        let sheet_error =
            |e| anyhow::anyhow!("cannot read the first sheet of {}: {e}", path.display());
        let range = book.worksheet_range(&first).map_err(sheet_error)?;
        // A second pass over the sheet: the value range cannot tell a
        // formula whose value was never saved from an empty cell.
        let formulas = book.worksheet_formula(&first).map_err(sheet_error)?;
        let unsaved = unsaved_formulas(&range, &formulas);
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

    fn next(&mut self, rec: &mut StringRecord, cells: &mut Cells) -> Next {
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

/// The formula cells, by sheet (row, column), for which the file holds no
/// value. Excel and WPS save a formula's last value beside it; files
/// written by some programs (Apache POI, openpyxl, export tools) do not,
/// and what the formula would give is unknown until a spreadsheet
/// program recalculates and saves it. A saved empty text (`=IF(…,"",…)`)
/// is a value, not a missing one.
fn unsaved_formulas(
    values: &Range<Data>,
    formulas: &Range<String>,
) -> BTreeMap<(u32, u32), String> {
    let Some((r0, c0)) = formulas.start() else {
        return BTreeMap::new();
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

    /// The row numbers and first cells of every row of `text` read as CSV.
    fn rows(text: &[u8]) -> Vec<(u64, String)> {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("t.csv");
        std::fs::write(&path, text).expect("write");
        let mut source = Source::open(&path).expect("open");
        let mut rec = StringRecord::new();
        let mut cells = Cells::default();
        let mut out = Vec::new();
        loop {
            match source.next(&mut rec, &mut cells).expect("read") {
                Next::Row(line) => {
                    out.push((line, rec.get(0).unwrap_or_default().trim().to_owned()))
                }
                Next::Bad(line, _) => out.push((line, "BAD".to_owned())),
                Next::End => return out,
            }
        }
    }

    fn numbered(rows: &[(u64, &str)]) -> Vec<(u64, String)> {
        rows.iter().map(|(l, s)| (*l, (*s).to_owned())).collect()
    }

    #[test]
    fn rows_are_numbered_as_a_spreadsheet_shows_them() {
        let want = numbered(&[(1, "h"), (2, "a"), (4, "b\ny"), (5, "c")]);
        assert_eq!(rows(b"h\na\n\n\"b\ny\"\nc\n"), want, "LF");
        assert_eq!(rows(b"h\na\n\n\"b\ny\"\nc"), want, "no final line break");
        let crlf = numbered(&[(1, "h"), (2, "a"), (4, "b\r\ny"), (5, "c")]);
        assert_eq!(rows(b"h\r\na\r\n\r\n\"b\r\ny\"\r\nc\r\n"), crlf, "CRLF");
        assert_eq!(
            rows(b"\xEF\xBB\xBFh\na\n,,\nc"),
            numbered(&[(1, "h"), (2, "a"), (4, "c")]),
            "BOM, empty cells"
        );
        assert_eq!(
            rows(b"h\n\xE5\xBC\xA0\n\xE8\x8A\n\xE6\x9D\x8E\n"),
            numbered(&[(1, "h"), (2, "张"), (3, "BAD"), (4, "李")]),
            "UTF-8 with a damaged character"
        );
        let gbk = |text: &str| encoding_rs::GB18030.encode(text).0.into_owned();
        let want = numbered(&[(1, "h"), (2, "甲"), (4, "乙\n丙"), (5, "丁")]);
        assert_eq!(rows(&gbk("h\n甲\n\n\"乙\n丙\"\n丁\n")), want, "GB18030");
        assert_eq!(
            rows(&gbk("h\n甲\n\n\"乙\n丙\"\n丁")),
            want,
            "GB18030, no final line break"
        );
        assert_eq!(rows(b""), numbered(&[]));
    }

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
