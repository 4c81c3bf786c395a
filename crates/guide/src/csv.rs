//! The guide's data files as tables, read and written with the `csv` crate.
//!
//! The files are small, UTF-8, comma-separated with RFC 4180 quoting and a header row. Rows may
//! be shorter than the header: lookups by column name then give an empty field.

/// One parsed file: the header and the rows.
#[derive(Debug, Clone)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<csv::StringRecord>,
}

impl Table {
    /// Parses `text` (header first; blank lines are skipped, a leading BOM is dropped).
    pub fn parse(text: &str) -> Table {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(text.as_bytes());
        let header = reader
            .headers()
            .map(|h| h.iter().map(str::to_owned).collect())
            .unwrap_or_default();
        let rows = reader
            .records()
            .map(|r| r.expect("UTF-8 text with flexible row lengths always reads"))
            .collect();
        Table { header, rows }
    }

    /// The index of column `name`, if present.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    /// Rows as accessors by column name.
    pub fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        self.rows.iter().map(move |fields| Row {
            table: self,
            fields,
        })
    }

    /// Number of data rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when there are no data rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// One row of a [`Table`].
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    table: &'a Table,
    fields: &'a csv::StringRecord,
}

impl<'a> Row<'a> {
    /// The field in column `name`, trimmed; empty when the column is missing.
    pub fn get(&self, name: &str) -> &'a str {
        self.table
            .column(name)
            .and_then(|i| self.fields.get(i))
            .map(|s| s.trim())
            .unwrap_or("")
    }
}

/// Writes one record as a CSV line (with the trailing newline), quoting where needed.
pub fn line(fields: &[&str]) -> String {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    w.write_record(fields)
        .expect("writing to memory cannot fail");
    let bytes = w.into_inner().expect("writing to memory cannot fail");
    String::from_utf8(bytes).expect("UTF-8 fields")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_fields_keep_commas_and_quotes() {
        let t = Table::parse("a,b\n\"x, y\",\"say \"\"hi\"\"\"\n\nz\n");
        let rows: Vec<_> = t.rows().collect();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].get("a"), "x, y");
        assert_eq!(rows[0].get("b"), "say \"hi\"");
        assert_eq!(rows[1].get("b"), "");
        assert_eq!(line(&["a,b", "c"]), "\"a,b\",c\n");
    }
}
