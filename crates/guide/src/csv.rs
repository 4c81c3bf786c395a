//! A minimal CSV reader and writer for the guide's own data files.
//!
//! The files are small, UTF-8, comma-separated with an optional double-quoted field (RFC 4180
//! quoting). This is not a general CSV library: no other separators, no streaming, no BOM
//! sniffing beyond stripping one at the start.

/// One parsed file: the header and the rows, each row as many fields as the header (shorter rows
/// are padded with empty fields so that lookups by column never panic).
#[derive(Debug, Clone)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// Parses `text`. Blank lines are skipped.
    pub fn parse(text: &str) -> Table {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut records = parse_records(text).into_iter();
        let header = records.next().unwrap_or_default();
        let width = header.len();
        let rows = records
            .filter(|r| !(r.len() == 1 && r[0].is_empty()))
            .map(|mut r| {
                if r.len() < width {
                    r.resize(width, String::new());
                }
                r
            })
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
    fields: &'a [String],
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

fn parse_records(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut in_quotes = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => in_quotes = false,
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' => in_quotes = true,
            ',' => record.push(std::mem::take(&mut field)),
            '\r' => {}
            '\n' => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            _ => field.push(c),
        }
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    records
}

/// Quotes one field for writing when it needs it.
pub fn quote(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

/// Writes one record as a CSV line (with the trailing newline).
pub fn line(fields: &[&str]) -> String {
    let mut out = fields
        .iter()
        .map(|f| quote(f))
        .collect::<Vec<_>>()
        .join(",");
    out.push('\n');
    out
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
