//! City constants as data: every number a formula or a rule depends on (the container-purity
//! threshold, the treatment-route coefficients, how much of a period must hold data, …), per
//! city with a `national` fallback, each with who set it and its source
//! (`data/cities/constants.csv`). Nothing city-specific is written in code.

use crate::event::TreatmentRoute;
use std::collections::HashMap;

/// Who set a number, and so how much it can be relied on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Authority {
    /// A national body (ministry, standard).
    National,
    /// The city government or its waste office.
    City,
    /// A district, street or another local body.
    Local,
    /// Chosen by fenlei where no official figure was found: not official.
    FenleiDefault,
}

impl Authority {
    /// Whether an official body set it.
    pub fn is_official(self) -> bool {
        self != Authority::FenleiDefault
    }

    /// The key used in the data files.
    pub fn key(self) -> &'static str {
        match self {
            Authority::National => "national",
            Authority::City => "city",
            Authority::Local => "local",
            Authority::FenleiDefault => "fenlei_default",
        }
    }

    /// A short bilingual label for tables.
    pub fn label(self) -> &'static str {
        match self {
            Authority::National => "国家 national",
            Authority::City => "市 city",
            Authority::Local => "地方 local",
            Authority::FenleiDefault => "非官方 fenlei default",
        }
    }
}

/// One constant row.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Constant {
    /// City key, or `national`.
    pub city: String,
    /// Constant key, e.g. `purity_pass_threshold`.
    pub key: String,
    /// Value.
    pub value: f64,
    /// What the value measures.
    pub unit: String,
    /// Who set it.
    pub status: Authority,
    /// The body that set it.
    pub set_by: String,
    /// Where it comes from.
    pub source: String,
}

/// A malformed data file (constants or targets).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}, line {line}: {message}")]
pub struct DataError {
    /// File name.
    pub file: String,
    /// 1-based line.
    pub line: u64,
    /// What is wrong.
    pub message: String,
}

/// Reads the rows of a headed CSV data file into `T` with the `csv` crate; errors name the file
/// and line.
pub fn read_rows<T: serde::de::DeserializeOwned>(
    file: &str,
    text: &str,
) -> Result<Vec<T>, DataError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.deserialize() {
        rows.push(record.map_err(|e| DataError {
            file: file.to_owned(),
            line: e.position().map_or(0, |p| p.line()),
            message: e.to_string(),
        })?);
    }
    Ok(rows)
}

/// Keys every city must be able to resolve (through its own row or the national one).
pub const REQUIRED: [&str; 9] = [
    "purity_pass_threshold",
    "route_coefficient.recycled",
    "route_coefficient.composted",
    "route_coefficient.digested",
    "route_coefficient.incinerated",
    "route_coefficient.landfilled",
    "min_data_coverage",
    "sample_z",
    "min_identification_rate",
];

const SHIPPED: &str = include_str!("../../../data/cities/constants.csv");

/// Every constant of every city.
#[derive(Clone, Debug, PartialEq)]
pub struct Constants {
    rows: HashMap<(String, String), Constant>,
}

impl Constants {
    /// The constants fenlei ships.
    pub fn shipped() -> Constants {
        Constants::parse(SHIPPED).expect("shipped constants are well-formed")
    }

    /// Parses `city,key,value,unit,status,set_by,source` rows; every [`REQUIRED`] key must have
    /// a national row.
    pub fn parse(text: &str) -> Result<Constants, DataError> {
        let file = "constants.csv";
        let mut rows = HashMap::new();
        for c in read_rows::<Constant>(file, text)? {
            rows.insert((c.city.clone(), c.key.clone()), c);
        }
        if let Some(missing) = REQUIRED
            .iter()
            .find(|k| !rows.contains_key(&("national".to_owned(), (**k).to_owned())))
        {
            return Err(DataError {
                file: file.into(),
                line: 0,
                message: format!("no national row for {missing:?}"),
            });
        }
        Ok(Constants { rows })
    }

    /// The constants that apply in `city` (its own rows, else the national ones).
    pub fn for_city(&self, city: &str) -> CityConstants {
        let mut rows: HashMap<String, Constant> = HashMap::new();
        for ((c, key), row) in &self.rows {
            let own = c == city;
            if own || (c == "national" && !rows.contains_key(key)) {
                rows.insert(key.clone(), row.clone());
            }
        }
        CityConstants { rows }
    }
}

/// The constants of one city.
#[derive(Clone, Debug, PartialEq)]
pub struct CityConstants {
    rows: HashMap<String, Constant>,
}

impl CityConstants {
    /// The constants of `city` as shipped.
    pub fn shipped(city: &str) -> CityConstants {
        Constants::shipped().for_city(city)
    }

    /// The row of `key`.
    ///
    /// # Panics
    /// When `key` is not one of [`REQUIRED`] and not in the data.
    pub fn row(&self, key: &str) -> &Constant {
        self.rows
            .get(key)
            .unwrap_or_else(|| panic!("constant {key:?} is not in the data"))
    }

    /// The value of `key` (see [`Self::row`]).
    pub fn get(&self, key: &str) -> f64 {
        self.row(key).value
    }

    /// A container passes an inspection when its purity is strictly above this share.
    pub fn purity_pass_threshold(&self) -> f64 {
        self.get("purity_pass_threshold")
    }

    /// The resource-utilisation coefficient (资源化利用率折算系数) of a treatment route.
    pub fn route_coefficient(&self, route: TreatmentRoute) -> f64 {
        self.get(&format!("route_coefficient.{}", route.key()))
    }

    /// A period holding data on less than this share of its days is incomplete.
    pub fn min_data_coverage(&self) -> f64 {
        self.get("min_data_coverage")
    }

    /// The normal quantile of the Wilson interval for sampled shares.
    pub fn sample_z(&self) -> f64 {
        self.get("sample_z")
    }

    /// Below this identification rate, participation is a lower bound.
    pub fn min_identification_rate(&self) -> f64 {
        self.get("min_identification_rate")
    }

    /// Every row, sorted by key: for reports that list the constants they used.
    pub fn rows(&self) -> Vec<&Constant> {
        let mut v: Vec<&Constant> = self.rows.values().collect();
        v.sort_by(|a, b| a.key.cmp(&b.key));
        v
    }
}
