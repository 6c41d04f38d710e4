//! Reading an import file row by row, each row with the number a person
//! sees for it in a spreadsheet (the header is row 1 when it is the first
//! line): CSV here (UTF-8, with or without a byte-order mark, or else
//! GB18030, as a Chinese Excel saves it), the first sheet of a spreadsheet
//! in `sheet.rs`. Cells come out as text, trimmed by the caller.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use anyhow::{Context, bail};
use csv::StringRecord;

use super::encoding::{self, Gb18030Reader, TextEncoding, Verdict};
pub use super::sheet::Cells;
use super::sheet::SheetSource;
pub use super::step::Next;

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
                && !cells.has_unsaved_formulas()
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
            Source::Sheet(s) => s.progress(),
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
}
