//! A hand-built city small enough to read: one of each level, two points (one without a
//! hazardous bin), one truck per category, one plant.

use fenlei_domain::*;

fn unit(id: u32, code: &str, level: Level, parent: Option<u32>, accepts: CategorySet) -> Unit {
    Unit {
        id: UnitId(id),
        code: code.into(),
        name: format!("unit {code}"),
        level,
        parent: parent.map(UnitId),
        households: 2,
        residents: 5,
        accepts,
        x_m: 0,
        y_m: 0,
    }
}

pub fn registry() -> Registry {
    let none = CategorySet::default();
    let no_hazardous = CategorySet::BINS.0 & !(1 << Category::Hazardous as u8);
    let model = CityModel {
        ruleset: "shanghai".into(),
        units: vec![
            unit(0, "310000", Level::City, None, none),
            unit(1, "310104", Level::District, Some(0), none),
            unit(2, "310104001", Level::Street, Some(1), none),
            unit(3, "310104001001", Level::Community, Some(2), none),
            unit(4, "E1", Level::Estate, Some(3), none),
            unit(5, "P1", Level::Point, Some(4), CategorySet::BINS),
            unit(6, "P2", Level::Point, Some(4), CategorySet(no_hazardous)),
        ],
        vehicles: Category::BINS
            .iter()
            .map(|&c| Vehicle {
                code: format!("T-{c}"),
                category: c,
                capacity_kg: 5000,
                district: UnitId(1),
                depot_x_m: 0,
                depot_y_m: 0,
            })
            .collect(),
        facilities: vec![Facility {
            code: "F1".into(),
            name: "plant".into(),
            kind: FacilityKind::Incinerator,
            accepts: CategorySet::only(Category::Other),
            capacity_t_per_day: 100,
            x_m: 0,
            y_m: 0,
        }],
    };
    model.check().expect("fixture model is well-formed");
    let households = vec![
        Household {
            code: "H1".into(),
            estate: UnitId(4),
            home_point: UnitId(5),
            persons: 3,
        },
        Household {
            code: "H2".into(),
            estate: UnitId(4),
            home_point: UnitId(6),
            persons: 2,
        },
    ];
    Registry::new(model, households)
}

/// 2026-03-01T12:00:00+08:00.
pub const NOW: Timestamp = Timestamp(1_772_337_600);
