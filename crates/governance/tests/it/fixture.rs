//! A hand-built city: one district, two streets, one community each; street S1 has five
//! estates, street S2 two. Quantities are set by hand so that expected ratings can be worked
//! out on paper.

use fenlei_domain::{CategorySet, CityModel, Day, DayRange, Level, Quantities, Unit, UnitId};
use fenlei_governance::evaluate::{Inputs, UnitInput};
use fenlei_governance::rules::figure::CaseCounts;
use std::path::PathBuf;

pub fn shipped(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/rules")
        .join(rel)
}

pub fn period() -> DayRange {
    DayRange::new(
        Day::from_ymd(2026, 11, 1).unwrap(),
        Day::from_ymd(2026, 11, 30).unwrap(),
    )
    .unwrap()
}

fn unit(id: u32, code: &str, level: Level, parent: Option<u32>) -> Unit {
    Unit {
        id: UnitId(id),
        code: code.into(),
        name: format!("单位{code}"),
        level,
        parent: parent.map(UnitId),
        households: 100,
        residents: 250,
        accepts: CategorySet::default(),
        x_m: 0,
        y_m: 0,
    }
}

/// city 0, district 1, streets 2 (S1) and 3 (S2), communities 4 (under S1) and 5 (under S2),
/// estates 6..=10 under community 4 and 11..=12 under community 5.
pub fn model() -> CityModel {
    let mut units = vec![
        unit(0, "C", Level::City, None),
        unit(1, "D", Level::District, Some(0)),
        unit(2, "S1", Level::Street, Some(1)),
        unit(3, "S2", Level::Street, Some(1)),
        unit(4, "M1", Level::Community, Some(2)),
        unit(5, "M2", Level::Community, Some(3)),
    ];
    for i in 0..5 {
        units.push(unit(6 + i, &format!("E1{i}"), Level::Estate, Some(4)));
    }
    for i in 0..2 {
        units.push(unit(11 + i, &format!("E2{i}"), Level::Estate, Some(5)));
    }
    let m = CityModel {
        ruleset: "shanghai".into(),
        units,
        vehicles: vec![],
        facilities: vec![],
    };
    m.check().unwrap();
    m
}

/// What an estate shows, in plain numbers.
#[derive(Clone, Copy)]
pub struct Estate {
    pub participating: u64,
    pub correct_of_100: u64,
    pub containers_pass_of_4: u64,
    pub score: f64,
    pub mixed_incidents: u64,
}

/// An estate that meets every line of the compliant-estate rule (awareness aside).
pub const GOOD: Estate = Estate {
    participating: 90,
    correct_of_100: 85,
    containers_pass_of_4: 4,
    score: 92.0,
    mixed_incidents: 1,
};

pub fn estate_quantities(unit: UnitId, e: Estate) -> Quantities {
    let mut q = Quantities::empty(unit, period());
    q.households = 100;
    q.residents = 250;
    q.estates = 1;
    q.estates_covered = 1;
    q.participating_households = e.participating;
    q.facts[0].judged = 100;
    q.facts[0].correct = e.correct_of_100;
    q.facts[1].containers = 4;
    q.facts[1].containers_pass = e.containers_pass_of_4;
    q.inspections = 2;
    q.inspection_score_sum = 2.0 * e.score;
    q.incidents[fenlei_domain::IncidentKind::MixedPutIn as usize] = e.mixed_incidents;
    q
}

/// Inputs for every unit: estates as given, the rest empty.
pub fn inputs(model: &CityModel, estates: &[Estate]) -> Inputs {
    let mut inputs = Inputs::default();
    for u in &model.units {
        let q = match u.level {
            Level::Estate => estate_quantities(u.id, estates[u.id.0 as usize - 6]),
            _ => Quantities::empty(u.id, period()),
        };
        inputs.units.insert(
            u.id,
            UnitInput {
                quantities: q,
                cases: CaseCounts::default(),
            },
        );
    }
    inputs
}

/// [`model`] with national codes: street S1 an urban sub-district (街道 001) of county 500229
/// with its community (居委会 001), street S2 a town (镇 101) with a village (村 201). Estates
/// 11 and 12 are the village's groups.
pub fn model_with_village() -> CityModel {
    let mut m = model();
    for (id, code) in [
        (1, "500229"),
        (2, "500229001"),
        (3, "500229101"),
        (4, "500229001001"),
        (5, "500229101201"),
    ] {
        m.units[id].code = code.into();
    }
    m.check().unwrap();
    m
}
