//! `fenlei units`: the units' outlines on the map. `import-geojson` reads a GeoJSON
//! FeatureCollection whose features name their unit by a property (see
//! `fenlei_app::shapes` for the projection of longitude/latitude).

use super::store_args::StoreArgs;
use anyhow::Context;
use fenlei_app::shapes::{Crs, ImportOptions, Origin};
use std::path::PathBuf;

/// Subcommands of `fenlei units`.
#[derive(Debug, clap::Subcommand)]
pub enum UnitsCommand {
    /// Store units' outlines from a GeoJSON FeatureCollection (Polygon or MultiPolygon
    /// features naming their unit's code); bad features are reported by index, the rest kept.
    ImportGeojson(ImportArgs),
}

/// Arguments of `fenlei units import-geojson`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// The GeoJSON file.
    file: PathBuf,
    /// The feature property holding the unit's code.
    #[arg(long, default_value = "code")]
    property: String,
    /// The positions' reference: wgs84 (longitude/latitude, GeoJSON's own) or local (metres
    /// east and north of the city's origin, as the units' positions).
    #[arg(long, default_value = "wgs84", value_parser = ["wgs84", "local"])]
    crs: String,
    /// The city's origin as LON,LAT (wgs84 only): the point the local plane's (0, 0) stands
    /// for. Kept in the store after the first import; later imports may leave it out.
    #[arg(long, allow_hyphen_values = true)]
    origin: Option<String>,
}

/// Runs `fenlei units`.
pub fn run(command: UnitsCommand) -> anyhow::Result<()> {
    match command {
        UnitsCommand::ImportGeojson(args) => import(args),
    }
}

fn import(args: ImportArgs) -> anyhow::Result<()> {
    let opts = ImportOptions {
        property: args.property,
        crs: Crs::parse(&args.crs).expect("clap checked the value"),
        origin: args
            .origin
            .as_deref()
            .map(Origin::parse)
            .transpose()
            .map_err(anyhow::Error::msg)?,
    };
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("reading {}", args.file.display()))?;
    let mut store = fenlei_store::EmbeddedStore::open_for_queries(&args.store.db)
        .with_context(|| format!("opening {}", args.store.db.display()))?;
    let report = fenlei_app::shapes::import_geojson(&mut store, &text, &opts)
        .with_context(|| args.file.display().to_string())?;
    for p in &report.problems {
        eprintln!("{}: {p}", args.file.display());
    }
    if let Some(o) = report.origin {
        println!("projected longitude/latitude around the origin {o} (local equirectangular)");
    }
    println!("{}: {report}", args.file.display());
    if report.features > 0 && report.stored_features == 0 {
        anyhow::bail!("no feature of {} was stored", args.file.display());
    }
    Ok(())
}
