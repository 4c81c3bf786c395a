//! Lookups from the codes that feeds carry to the dense ids that everything else uses.
//!
//! Built once from a [`CityModel`] and the household list, then shared read-only by validation,
//! the store and the simulator's writers.

use crate::category::CategorySet;
use crate::units::{CityModel, FacilityId, HouseholdId, Level, UnitId, VehicleId};
use std::collections::HashMap;

/// A map from codes to ids that keeps short codes (nearly all of them) inline in the table:
/// one cache miss per lookup instead of two, which matters at a million lookups a second.
#[derive(Clone, Debug)]
struct Map<V> {
    short: HashMap<[u8; 24], V, foldhash::fast::FixedState>,
    long: HashMap<Box<str>, V, foldhash::fast::FixedState>,
}

impl<V> Default for Map<V> {
    fn default() -> Self {
        Map {
            short: HashMap::default(),
            long: HashMap::default(),
        }
    }
}

fn inline(code: &str) -> Option<[u8; 24]> {
    let b = code.as_bytes();
    (b.len() < 24).then(|| {
        let mut key = [0u8; 24];
        key[..b.len()].copy_from_slice(b);
        key[23] = b.len() as u8;
        key
    })
}

impl<V: Copy> Map<V> {
    fn insert(&mut self, code: &str, v: V) {
        match inline(code) {
            Some(k) => self.short.insert(k, v),
            None => self.long.insert(code.into(), v),
        };
    }

    fn get(&self, code: &str) -> Option<V> {
        match inline(code) {
            Some(k) => self.short.get(&k).copied(),
            None => self.long.get(code).copied(),
        }
    }
}

/// Households are many (300,000 in a district, 10 million in a city) and looked up once per
/// put-in, so their table holds only 64-bit fingerprints of the codes (12 bytes a slot): half
/// the cache misses of a table of codes. Two codes with the same fingerprint (about one chance
/// in 10^9 for a district) are both moved to an exact table, so lookups stay exact.
#[derive(Clone, Debug, Default)]
struct FingerprintMap {
    by_fingerprint: HashMap<u64, u32, std::hash::BuildHasherDefault<Passthrough>>,
    exact: HashMap<Box<str>, u32>,
}

/// The fingerprint is already a good hash: use it as is.
#[derive(Default)]
struct Passthrough(u64);

impl std::hash::Hasher for Passthrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ b as u64;
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

const AMBIGUOUS: u32 = u32::MAX;

fn fingerprint(code: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(code.as_bytes())
}

impl FingerprintMap {
    fn insert(&mut self, code: &str, id: u32, code_of: impl Fn(u32) -> Box<str>) {
        self.insert_fingerprinted(fingerprint(code), code, id, code_of);
    }

    fn insert_fingerprinted(
        &mut self,
        fp: u64,
        code: &str,
        id: u32,
        code_of: impl Fn(u32) -> Box<str>,
    ) {
        match self.by_fingerprint.get(&fp).copied() {
            None => {
                self.by_fingerprint.insert(fp, id);
            }
            Some(AMBIGUOUS) => {
                self.exact.insert(code.into(), id);
            }
            Some(other) => {
                let other_code = code_of(other);
                if &*other_code == code {
                    self.by_fingerprint.insert(fp, id);
                } else {
                    self.by_fingerprint.insert(fp, AMBIGUOUS);
                    self.exact.insert(other_code, other);
                    self.exact.insert(code.into(), id);
                }
            }
        }
    }

    fn get(&self, code: &str) -> Option<u32> {
        self.get_fingerprinted(fingerprint(code), code)
    }

    fn get_fingerprinted(&self, fp: u64, code: &str) -> Option<u32> {
        match self.by_fingerprint.get(&fp).copied() {
            Some(AMBIGUOUS) => self.exact.get(code).copied(),
            other => other,
        }
    }
}

impl<'a, V: Copy> FromIterator<(&'a str, V)> for Map<V> {
    fn from_iter<I: IntoIterator<Item = (&'a str, V)>>(iter: I) -> Self {
        let mut m = Map::default();
        for (k, v) in iter {
            m.insert(k, v);
        }
        m
    }
}

/// A registered household.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Household {
    /// Card or account number.
    pub code: String,
    /// Home estate.
    pub estate: UnitId,
    /// The collection point the household is assigned to.
    pub home_point: UnitId,
    /// Persons in the household.
    pub persons: u8,
}

/// What validation needs to know about a collection point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PointInfo {
    /// The point.
    pub id: UnitId,
    /// The estate it serves.
    pub estate: UnitId,
    /// Its bins.
    pub accepts: CategorySet,
}

/// Code → id lookups over a city model and its households.
#[derive(Clone, Debug)]
pub struct Registry {
    model: CityModel,
    units: FingerprintMap,
    /// Each unit's code inline (see `inline`), for confirming lookups.
    unit_codes: Vec<[u8; 24]>,
    vehicles: Map<VehicleId>,
    facilities: Map<FacilityId>,
    households: FingerprintMap,
    /// Household codes back to back, and where each ends: one allocation for millions.
    household_codes: String,
    household_code_ends: Vec<u32>,
    household_estate: Vec<UnitId>,
    household_point: Vec<UnitId>,
    household_persons: Vec<u8>,
    point_estate: Vec<UnitId>,
    /// Per unit: the household ids `lo..hi` whose home is in it (estates and above), when the
    /// households are numbered in tree order; `None` for points, or when they are not.
    household_ranges: Vec<Option<(u32, u32)>>,
    households_loaded: bool,
}

impl Registry {
    /// Builds the lookups. Household `i` in `households` gets `HouseholdId(i)`.
    pub fn new(model: CityModel, households: impl IntoIterator<Item = Household>) -> Registry {
        let mut units = FingerprintMap::default();
        for u in &model.units {
            units.insert(&u.code, u.id.0, |i| {
                model.units[i as usize].code.as_str().into()
            });
        }
        let vehicles = model
            .vehicles
            .iter()
            .enumerate()
            .map(|(i, v)| (v.code.as_str(), VehicleId(i as u32)))
            .collect();
        let facilities = model
            .facilities
            .iter()
            .enumerate()
            .map(|(i, f)| (f.code.as_str(), FacilityId(i as u32)))
            .collect();
        let point_estate = model
            .units
            .iter()
            .map(|u| match u.level {
                Level::Point => u.parent.unwrap_or(u.id),
                _ => u.id,
            })
            .collect();
        let unit_codes = model
            .units
            .iter()
            .map(|u| inline(&u.code).unwrap_or([0xff; 24]))
            .collect();
        let mut registry = Registry {
            model,
            units,
            unit_codes,
            vehicles,
            facilities,
            households: FingerprintMap::default(),
            household_codes: String::new(),
            household_code_ends: Vec::new(),
            household_estate: Vec::new(),
            household_point: Vec::new(),
            household_persons: Vec::new(),
            point_estate,
            household_ranges: Vec::new(),
            households_loaded: true,
        };
        let households = households.into_iter();
        registry
            .households
            .by_fingerprint
            .reserve(households.size_hint().0);
        for h in households {
            registry.push_household(h);
        }
        let spans: Vec<(UnitId, u32, u32)> = {
            let mut spans: Vec<(UnitId, u32, u32)> = Vec::new();
            for (h, &e) in registry.household_estate.iter().enumerate() {
                match spans.last_mut() {
                    Some((last, _, n)) if *last == e => *n += 1,
                    _ => spans.push((e, h as u32, 1)),
                }
            }
            spans
        };
        registry.household_ranges = registry.compute_household_ranges(&spans);
        registry.households_loaded = true;
        registry
    }

    /// A registry of the units, trucks and facilities, and of where each estate's households
    /// lie (`estate, first id, count`), without the households themselves: enough to answer
    /// queries, not to validate put-ins (see [`Self::has_households`]). Loading ten million
    /// household codes takes seconds; a report needs none of them.
    pub fn without_households(
        model: CityModel,
        estate_households: &[(UnitId, u32, u32)],
    ) -> Registry {
        let mut registry = Registry::new(model, std::iter::empty());
        registry.household_ranges = registry.compute_household_ranges(estate_households);
        registry.households_loaded = false;
        registry
    }

    /// Whether the households were loaded: only then can put-ins be validated.
    pub fn has_households(&self) -> bool {
        self.households_loaded
    }

    /// Household id ranges per unit from each estate's runs of households.
    fn compute_household_ranges(&self, spans: &[(UnitId, u32, u32)]) -> Vec<Option<(u32, u32)>> {
        let n = self.model.units.len();
        let mut lo = vec![u32::MAX; n];
        let mut hi = vec![0u32; n];
        let mut count = vec![0u64; n];
        for &(e, first, len) in spans {
            let e = e.0 as usize;
            lo[e] = lo[e].min(first);
            hi[e] = hi[e].max(first + len);
            count[e] += len as u64;
        }
        // Children have larger ids than parents: one pass from the end folds them upwards.
        for u in self.model.units.iter().rev() {
            if let Some(p) = u.parent
                && u.level != Level::Point
            {
                let (i, p) = (u.id.0 as usize, p.0 as usize);
                lo[p] = lo[p].min(lo[i]);
                hi[p] = hi[p].max(hi[i]);
                count[p] += count[i];
            }
        }
        self.model
            .units
            .iter()
            .map(|u| {
                let i = u.id.0 as usize;
                match u.level {
                    Level::Point => None,
                    _ if count[i] == 0 => Some((0, 0)),
                    _ => (hi[i] as u64 - lo[i] as u64 == count[i]).then_some((lo[i], hi[i])),
                }
            })
            .collect()
    }

    /// The household ids `lo..hi` whose home lies in `unit` (an estate or above), if the
    /// households are numbered in tree order (every unit's households consecutive).
    pub fn household_range(&self, unit: UnitId) -> Option<(u32, u32)> {
        self.household_ranges
            .get(unit.0 as usize)
            .copied()
            .flatten()
    }

    /// Registers one more household and returns its id.
    fn push_household(&mut self, h: Household) -> HouseholdId {
        let id = HouseholdId(self.household_code_ends.len() as u32);
        let (codes, ends) = (&self.household_codes, &self.household_code_ends);
        let code_of = |i: u32| {
            let start = if i == 0 {
                0
            } else {
                ends[i as usize - 1] as usize
            };
            codes[start..ends[i as usize] as usize].into()
        };
        self.households.insert(&h.code, id.0, code_of);
        self.household_codes.push_str(&h.code);
        self.household_code_ends
            .push(self.household_codes.len() as u32);
        self.household_estate.push(h.estate);
        self.household_point.push(h.home_point);
        self.household_persons.push(h.persons);
        id
    }

    /// The city model.
    pub fn model(&self) -> &CityModel {
        &self.model
    }

    /// The unit with this code.
    pub fn unit(&self, code: &str) -> Option<UnitId> {
        // Units are few: confirm the fingerprint's match exactly, against inline copies of the
        // codes (a compact table, no pointer to chase).
        let id = UnitId(self.units.get(code)?);
        let confirmed = match inline(code) {
            Some(k) => self.unit_codes[id.0 as usize] == k,
            None => self.model.unit(id).code == code,
        };
        confirmed.then_some(id)
    }

    /// The collection point with this code (units of other levels are not points).
    pub fn point(&self, code: &str) -> Option<PointInfo> {
        let id = self.unit(code)?;
        let u = self.model.unit(id);
        (u.level == Level::Point).then(|| PointInfo {
            id,
            estate: self.point_estate[id.0 as usize],
            accepts: u.accepts,
        })
    }

    /// The estate a point belongs to (the unit itself for other levels).
    pub fn estate_of_point(&self, point: UnitId) -> UnitId {
        self.point_estate[point.0 as usize]
    }

    /// The household with this code.
    pub fn household(&self, code: &str) -> Option<HouseholdId> {
        self.households.get(code).map(HouseholdId)
    }

    /// The code of a household.
    pub fn household_code(&self, id: HouseholdId) -> &str {
        let i = id.0 as usize;
        let start = if i == 0 {
            0
        } else {
            self.household_code_ends[i - 1] as usize
        };
        &self.household_codes[start..self.household_code_ends[i] as usize]
    }

    /// The home estate of a household.
    pub fn household_estate(&self, id: HouseholdId) -> UnitId {
        self.household_estate[id.0 as usize]
    }

    /// The assigned point of a household.
    pub fn household_point(&self, id: HouseholdId) -> UnitId {
        self.household_point[id.0 as usize]
    }

    /// Number of registered households.
    pub fn household_count(&self) -> usize {
        self.household_code_ends.len()
    }

    /// Every household, in id order.
    pub fn households(&self) -> impl Iterator<Item = Household> + '_ {
        (0..self.household_count()).map(|i| Household {
            code: self.household_code(HouseholdId(i as u32)).to_owned(),
            estate: self.household_estate[i],
            home_point: self.household_point[i],
            persons: self.household_persons[i],
        })
    }

    /// The truck with this code.
    pub fn vehicle(&self, code: &str) -> Option<VehicleId> {
        self.vehicles.get(code)
    }

    /// The facility with this code.
    pub fn facility(&self, code: &str) -> Option<FacilityId> {
        self.facilities.get(code)
    }

    /// The code of a unit.
    pub fn unit_code(&self, id: UnitId) -> &str {
        &self.model.unit(id).code
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_with_the_same_fingerprint_stay_apart() {
        let codes: Vec<Box<str>> = vec!["H1".into(), "H2".into(), "H3".into()];
        let mut map = FingerprintMap::default();
        for (i, c) in codes.iter().enumerate() {
            // Force every code onto one fingerprint.
            map.insert_fingerprinted(7, c, i as u32, |j| codes[j as usize].clone());
        }
        for (i, c) in codes.iter().enumerate() {
            assert_eq!(map.get_fingerprinted(7, c), Some(i as u32));
        }
        assert_eq!(map.get_fingerprinted(7, "H4"), None);
    }
}
