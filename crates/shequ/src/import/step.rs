//! One step of reading an import file, whatever its kind.

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
