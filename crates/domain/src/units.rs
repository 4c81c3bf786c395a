//! The administrative tree and the physical network: city → district → street → community →
//! estate → collection point, plus households, trucks and facilities.
//!
//! Units are held in one table indexed by [`UnitId`] (a dense index, parents before children);
//! codes are the national division codes (国标区划编码) where a unit has one, generated codes
//! otherwise. This module is plain data: lookups by code live in [`crate::Registry`].

use crate::category::{Category, CategorySet};
use std::fmt;

/// A level of the administrative tree, top to bottom.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum Level {
    /// 市: the city.
    City = 0,
    /// 区/县: district or county.
    District = 1,
    /// 街道/镇: street or town.
    Street = 2,
    /// 社区/村: community or village.
    Community = 3,
    /// 小区: residential estate.
    Estate = 4,
    /// 投放点: collection point (usually an enclosed station with one bin per category).
    Point = 5,
}

impl Level {
    /// Every level, top to bottom.
    pub const ALL: [Level; 6] = [
        Level::City,
        Level::District,
        Level::Street,
        Level::Community,
        Level::Estate,
        Level::Point,
    ];

    /// The stable key used in flags and reports.
    pub fn key(self) -> &'static str {
        match self {
            Level::City => "city",
            Level::District => "district",
            Level::Street => "street",
            Level::Community => "community",
            Level::Estate => "estate",
            Level::Point => "point",
        }
    }

    /// The Chinese name of the level.
    pub fn label_zh(self) -> &'static str {
        match self {
            Level::City => "市",
            Level::District => "区",
            Level::Street => "街道",
            Level::Community => "社区",
            Level::Estate => "小区",
            Level::Point => "投放点",
        }
    }

    /// The level for a key.
    pub fn parse(s: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.key() == s)
    }

    /// The level with index `i`, if any.
    pub fn from_index(i: u8) -> Option<Level> {
        Level::ALL.get(i as usize).copied()
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// A unit of the tree, as a dense index into [`CityModel::units`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize)]
#[serde(transparent)]
pub struct UnitId(pub u32);

/// A registered household, as a dense index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize)]
#[serde(transparent)]
pub struct HouseholdId(pub u32);

/// A collection truck, as a dense index into [`CityModel::vehicles`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize)]
#[serde(transparent)]
pub struct VehicleId(pub u32);

/// A transfer station or treatment plant, as a dense index into [`CityModel::facilities`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize)]
#[serde(transparent)]
pub struct FacilityId(pub u32);

/// One node of the administrative tree.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Unit {
    /// Dense index; equals the position in [`CityModel::units`].
    #[serde(skip)]
    pub id: UnitId,
    /// National division code where the unit has one, a generated code otherwise.
    pub code: String,
    /// Name, in Chinese.
    pub name: String,
    /// Level in the tree.
    pub level: Level,
    /// Parent unit (none for the city).
    #[serde(skip)]
    pub parent: Option<UnitId>,
    /// Households served (estates: registered; points: assigned; above: the sum below).
    pub households: u32,
    /// Residents served.
    pub residents: u32,
    /// Bins at a collection point (empty above the point level).
    #[serde(skip)]
    pub accepts: CategorySet,
    /// Position in metres east of the city's origin (points and estates).
    pub x_m: i32,
    /// Position in metres north of the city's origin.
    pub y_m: i32,
}

/// What a facility does with what it receives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FacilityKind {
    /// 中转站: compacts and forwards loads.
    TransferStation,
    /// 焚烧厂: incineration with energy recovery.
    Incinerator,
    /// 湿垃圾/厨余处理厂: composting or anaerobic digestion.
    KitchenPlant,
    /// 可回收物集散场: sorting centre for recyclables.
    RecyclingCentre,
    /// 危废处置: hazardous-waste treatment.
    HazardousPlant,
    /// 填埋场: landfill.
    Landfill,
}

impl FacilityKind {
    /// The stable key.
    pub fn key(self) -> &'static str {
        match self {
            FacilityKind::TransferStation => "transfer_station",
            FacilityKind::Incinerator => "incinerator",
            FacilityKind::KitchenPlant => "kitchen_plant",
            FacilityKind::RecyclingCentre => "recycling_centre",
            FacilityKind::HazardousPlant => "hazardous_plant",
            FacilityKind::Landfill => "landfill",
        }
    }

    /// The kind for a key.
    pub fn parse(s: &str) -> Option<FacilityKind> {
        [
            FacilityKind::TransferStation,
            FacilityKind::Incinerator,
            FacilityKind::KitchenPlant,
            FacilityKind::RecyclingCentre,
            FacilityKind::HazardousPlant,
            FacilityKind::Landfill,
        ]
        .into_iter()
        .find(|k| k.key() == s)
    }
}

/// A collection truck, marked by the category it carries (桶车一致).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Vehicle {
    /// Plate or fleet number.
    pub code: String,
    /// The only category this truck may carry.
    pub category: Category,
    /// Payload in kilograms.
    pub capacity_kg: u32,
    /// District whose hauler runs the truck.
    #[serde(skip)]
    pub district: UnitId,
    /// Depot position, metres east.
    pub depot_x_m: i32,
    /// Depot position, metres north.
    pub depot_y_m: i32,
}

/// A transfer station or treatment plant with a weighbridge.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Facility {
    /// Facility code.
    pub code: String,
    /// Name, in Chinese.
    pub name: String,
    /// What it does.
    pub kind: FacilityKind,
    /// Categories it receives.
    #[serde(skip)]
    pub accepts: CategorySet,
    /// Design capacity, tonnes per day.
    pub capacity_t_per_day: u32,
    /// Position, metres east.
    pub x_m: i32,
    /// Position, metres north.
    pub y_m: i32,
}

/// The whole city: units, trucks and facilities. Households are kept apart (there may be
/// millions); see [`crate::Registry`] and the store.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CityModel {
    /// Rule set key (e.g. `chongqing`).
    pub ruleset: String,
    /// All units, parents before children; `units[i].id == UnitId(i)`.
    pub units: Vec<Unit>,
    /// All trucks.
    pub vehicles: Vec<Vehicle>,
    /// All facilities.
    pub facilities: Vec<Facility>,
}

impl CityModel {
    /// The unit with this id.
    pub fn unit(&self, id: UnitId) -> &Unit {
        &self.units[id.0 as usize]
    }

    /// The chain from `id` up to the city, starting with `id` itself.
    pub fn ancestors(&self, id: UnitId) -> impl Iterator<Item = UnitId> + '_ {
        std::iter::successors(Some(id), move |&u| self.unit(u).parent)
    }

    /// Whether `id` lies in the countryside: a town or township (镇/乡), a village (村), or a
    /// village group or point within one. Read from the national division codes
    /// (统计用区划代码): at the village level (12 digits) 001–199 are residents' committees
    /// (居委会) and 200–399 villagers' committees (村委会); at the town level (9 digits) 001–099
    /// are urban sub-districts (街道) and 100–399 towns and townships. The nearest such code
    /// decides; units above the town level, and units without national codes, are not rural.
    pub fn is_rural(&self, id: UnitId) -> bool {
        for u in self.ancestors(id) {
            let unit = self.unit(u);
            let digits = unit.code.len();
            let tail = || {
                unit.code
                    .get(digits.saturating_sub(3)..)
                    .and_then(|t| t.parse::<u32>().ok())
            };
            if !unit.code.bytes().all(|b| b.is_ascii_digit()) {
                continue;
            }
            match (unit.level, digits) {
                (Level::Community, 12) => return tail().is_some_and(|t| (200..400).contains(&t)),
                (Level::Street, 9) => return tail().is_some_and(|t| (100..400).contains(&t)),
                _ => {}
            }
        }
        false
    }

    /// The ancestor of `id` at `level`, if `id` lies at or below it.
    pub fn ancestor_at(&self, id: UnitId, level: Level) -> Option<UnitId> {
        self.ancestors(id).find(|&u| self.unit(u).level == level)
    }

    /// Units at one level, in id order.
    pub fn at_level(&self, level: Level) -> impl Iterator<Item = &Unit> + '_ {
        self.units.iter().filter(move |u| u.level == level)
    }

    /// The root (city) unit.
    pub fn city(&self) -> Option<&Unit> {
        self.units.first()
    }

    /// Renumbers the units breadth first: the city, then every district, every street and so
    /// on, children in their parents' order. Each level then occupies one contiguous range of
    /// ids, which is what lets the store answer for a whole level with range scans. Returns
    /// the map from old ids to new ones.
    pub fn into_breadth_first(mut self) -> (CityModel, Vec<UnitId>) {
        let mut order: Vec<usize> = (0..self.units.len()).collect();
        // Parents come before children and siblings keep their order, so a stable sort by
        // (level, parent's new position) is breadth-first; sorting by level alone, stably,
        // keeps each level in the depth-first order of its parents, which is the same thing.
        order.sort_by_key(|&i| self.units[i].level);
        let mut old_to_new = vec![UnitId(0); self.units.len()];
        for (new, &old) in order.iter().enumerate() {
            old_to_new[old] = UnitId(new as u32);
        }
        let mut units: Vec<Unit> = order.iter().map(|&old| self.units[old].clone()).collect();
        for (new, u) in units.iter_mut().enumerate() {
            u.id = UnitId(new as u32);
            u.parent = u.parent.map(|p| old_to_new[p.0 as usize]);
        }
        for v in &mut self.vehicles {
            v.district = old_to_new[v.district.0 as usize];
        }
        self.units = units;
        (self, old_to_new)
    }

    /// Checks the structural invariants: dense ids, parents before children, one level down,
    /// levels in breadth-first order.
    pub fn check(&self) -> Result<(), String> {
        if self.units.windows(2).any(|w| w[0].level > w[1].level) {
            return Err(
                "units are not in breadth-first order (every level after the one above)".into(),
            );
        }
        for (i, u) in self.units.iter().enumerate() {
            if u.id.0 as usize != i {
                return Err(format!("unit {} has id {} at position {i}", u.code, u.id.0));
            }
            match u.parent {
                None if i != 0 || u.level != Level::City => {
                    return Err(format!("unit {} has no parent", u.code));
                }
                Some(p) => {
                    let parent = self.units.get(p.0 as usize).ok_or("dangling parent")?;
                    if p.0 as usize >= i || parent.level as u8 + 1 != u.level as u8 {
                        return Err(format!("unit {} sits badly under {}", u.code, parent.code));
                    }
                }
                None => {}
            }
        }
        Ok(())
    }
}
