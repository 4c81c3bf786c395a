//! CSV and xlsx export of every table the API and the dashboard show (`?format=csv|xlsx`).
//!
//! A [`Table`] is named columns of text cells; xlsx writes a cell that reads as a finite
//! number as a number, so spreadsheets can sum it. Metric reports go through the CLI's CSV
//! (`fenlei_app::report::render_csv`), so an export equals `fenlei report --format csv`.

use crate::error::ApiError;
use axum::http::header;
use axum::response::{IntoResponse, Response};

/// The formats a table can be asked in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// JSON (the default).
    #[default]
    Json,
    /// Comma-separated values, UTF-8 with a header row.
    Csv,
    /// An Excel workbook with one sheet.
    Xlsx,
}

/// A table: a name (the file's), column names, rows of text cells.
#[derive(Clone, Debug, Default)]
pub struct Table {
    /// File name without extension.
    pub name: String,
    /// Column names.
    pub columns: Vec<String>,
    /// Rows.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// A table named `name` with these columns and no rows.
    pub fn new(name: impl Into<String>, columns: &[&str]) -> Table {
        Table {
            name: name.into(),
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    /// Reads CSV text (header row first) into a table.
    pub fn from_csv(name: impl Into<String>, text: &str) -> Result<Table, ApiError> {
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let columns = r
            .headers()
            .map_err(ApiError::internal)?
            .iter()
            .map(str::to_owned)
            .collect();
        let rows = r
            .records()
            .map(|rec| rec.map(|rec| rec.iter().map(str::to_owned).collect()))
            .collect::<Result<_, _>>()
            .map_err(ApiError::internal)?;
        Ok(Table {
            name: name.into(),
            columns,
            rows,
        })
    }

    /// CSV text.
    pub fn csv(&self) -> Result<Vec<u8>, ApiError> {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(&self.columns).map_err(ApiError::internal)?;
        for row in &self.rows {
            w.write_record(row).map_err(ApiError::internal)?;
        }
        w.into_inner().map_err(ApiError::internal)
    }

    /// An xlsx workbook.
    pub fn xlsx(&self) -> Result<Vec<u8>, ApiError> {
        use rust_xlsxwriter::{Format as XFormat, Workbook};
        let mut wb = Workbook::new();
        let sheet = wb.add_worksheet();
        let bold = XFormat::new().set_bold();
        let x = |e: rust_xlsxwriter::XlsxError| ApiError::internal(e);
        for (c, name) in self.columns.iter().enumerate() {
            sheet
                .write_string_with_format(0, c as u16, name, &bold)
                .map_err(x)?;
        }
        for (r, row) in self.rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (c, cell) in row.iter().enumerate() {
                // Codes with leading zeros stay text.
                let leading_zero =
                    cell.len() > 1 && cell.starts_with('0') && !cell.starts_with("0.");
                match cell.parse::<f64>() {
                    Ok(v) if v.is_finite() && !leading_zero => {
                        sheet.write_number(r, c as u16, v).map_err(x)?;
                    }
                    _ => {
                        sheet.write_string(r, c as u16, cell).map_err(x)?;
                    }
                }
            }
        }
        wb.save_to_buffer().map_err(x)
    }

    /// The table as a download in `format` (JSON answers with `json` instead).
    pub fn respond(
        &self,
        format: Format,
        json: impl FnOnce() -> Response,
    ) -> Result<Response, ApiError> {
        let (body, mime, ext) = match format {
            Format::Json => return Ok(json()),
            Format::Csv => (self.csv()?, "text/csv; charset=utf-8", "csv"),
            Format::Xlsx => (
                self.xlsx()?,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "xlsx",
            ),
        };
        let disposition = format!("attachment; filename=\"{}.{ext}\"", self.name);
        Ok((
            [
                (header::CONTENT_TYPE, mime.to_owned()),
                (header::CONTENT_DISPOSITION, disposition),
            ],
            body,
        )
            .into_response())
    }
}
