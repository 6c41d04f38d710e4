//! Matching a file's header row to the columns an import knows: names are
//! compared case-insensitively, with spaces and hyphens read as `_` and a
//! trailing `*` (a "required" mark in many templates) ignored; each column
//! has an English name and Chinese equivalents.

use csv::StringRecord;

/// A column an import understands.
#[derive(Debug)]
pub struct ColumnSpec {
    /// The English name, also used as the field name in error reports.
    pub name: &'static str,
    /// Other accepted header names, Chinese first.
    pub aliases: &'static [&'static str],
    /// Whether a file without this column is refused.
    pub required: bool,
}

impl ColumnSpec {
    /// `name (first alias)`, for messages.
    pub fn label(&self) -> String {
        match self.aliases.first() {
            Some(zh) => format!("{} ({zh})", self.name),
            None => self.name.to_owned(),
        }
    }
}

/// Which file column holds each known column.
#[derive(Debug)]
pub struct ColumnMap {
    index: Vec<Option<usize>>,
    /// Cells in the header up to its last non-empty one.
    width: usize,
}

/// The header matched: the map and the header cells that matched nothing.
#[derive(Debug)]
pub struct Matched {
    pub map: ColumnMap,
    pub unknown: Vec<String>,
}

fn normalise(header: &str) -> String {
    header
        .trim()
        .trim_start_matches('\u{feff}')
        .trim_end_matches(['*', '＊'])
        .trim()
        .to_lowercase()
        .replace([' ', '-'], "_")
}

impl ColumnMap {
    /// Matches the header row against `specs`. Fails, naming what to fix,
    /// when a required column is missing or a column appears twice.
    pub fn match_header(specs: &[ColumnSpec], header: &StringRecord) -> anyhow::Result<Matched> {
        let mut index = vec![None; specs.len()];
        let mut unknown = Vec::new();
        let mut problems = Vec::new();
        for (col, cell) in header.iter().enumerate() {
            let norm = normalise(cell);
            if norm.is_empty() {
                continue;
            }
            let found = specs
                .iter()
                .position(|s| s.name == norm || s.aliases.iter().any(|a| a.to_lowercase() == norm));
            match found {
                Some(f) => match index[f] {
                    None => index[f] = Some(col),
                    Some(first) => problems.push(format!(
                        "columns {} ({:?}) and {} ({:?}) both give {}; keep one",
                        first + 1,
                        header.get(first).unwrap_or_default().trim(),
                        col + 1,
                        cell.trim(),
                        specs[f].name
                    )),
                },
                None => unknown.push(cell.trim().to_owned()),
            }
        }
        let missing: Vec<String> = specs
            .iter()
            .zip(&index)
            .filter(|(s, i)| s.required && i.is_none())
            .map(|(s, _)| s.label())
            .collect();
        if !missing.is_empty() {
            problems.insert(
                0,
                format!(
                    "the header row has no column for {}; the required columns are {}",
                    missing.join(", "),
                    specs
                        .iter()
                        .filter(|s| s.required)
                        .map(|s| s.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
        if !problems.is_empty() {
            anyhow::bail!("{}; nothing was imported", problems.join("; "));
        }
        let width = (0..header.len())
            .rfind(|&i| !normalise(&header[i]).is_empty())
            .map_or(0, |i| i + 1);
        Ok(Matched {
            map: ColumnMap { index, width },
            unknown,
        })
    }

    /// Whether the file has the column `field` (an index into the specs).
    pub fn has(&self, field: usize) -> bool {
        self.index.get(field).is_some_and(Option::is_some)
    }

    /// How many cells the header has, up to its last non-empty one.
    pub fn width(&self) -> usize {
        self.width
    }

    /// The file column (0-based) holding `field`, if the file has one.
    pub fn column(&self, field: usize) -> Option<usize> {
        self.index.get(field).copied().flatten()
    }

    /// The field the file column `col` (0-based) holds, if any.
    pub fn field_at(&self, col: usize) -> Option<usize> {
        self.index.iter().position(|c| *c == Some(col))
    }

    /// The trimmed cell of `field` in `rec`; empty when the file lacks the
    /// column or the row is short.
    pub fn get<'r>(&self, rec: &'r StringRecord, field: usize) -> &'r str {
        self.index
            .get(field)
            .copied()
            .flatten()
            .and_then(|c| rec.get(c))
            .map_or("", str::trim)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPECS: &[ColumnSpec] = &[
        ColumnSpec {
            name: "code",
            aliases: &["编码"],
            required: true,
        },
        ColumnSpec {
            name: "parent_code",
            aliases: &["上级编码"],
            required: false,
        },
    ];

    #[test]
    fn matches_case_and_chinese_and_reports_unknown() {
        let header = StringRecord::from(vec!["\u{feff}CODE*", "Parent Code", "备注"]);
        let m = ColumnMap::match_header(SPECS, &header).expect("matches");
        assert!(m.map.has(0) && m.map.has(1));
        assert_eq!(m.unknown, ["备注"]);
        assert_eq!(m.map.width(), 3);
        let trailing = StringRecord::from(vec!["code", "", " "]);
        let m = ColumnMap::match_header(SPECS, &trailing).expect("matches");
        assert_eq!(m.map.width(), 1, "empty cells after the last name");
        let row = StringRecord::from(vec![" a ", "b"]);
        assert_eq!(m.map.get(&row, 0), "a");
        let zh = StringRecord::from(vec!["上级编码", "编码"]);
        let m = ColumnMap::match_header(SPECS, &zh).expect("matches");
        assert_eq!(m.map.get(&StringRecord::from(vec!["p", "c"]), 0), "c");
    }

    #[test]
    fn missing_and_duplicate_columns_fail() {
        let err = ColumnMap::match_header(SPECS, &StringRecord::from(vec!["parent_code"]))
            .expect_err("missing");
        assert!(
            err.to_string().contains("no column for code (编码)"),
            "{err}"
        );
        let err = ColumnMap::match_header(SPECS, &StringRecord::from(vec!["code", "编码"]))
            .expect_err("twice");
        assert!(err.to_string().contains("both give code"), "{err}");
    }
}
