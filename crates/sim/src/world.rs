//! Building the simulated city: the administrative tree, points, households, trucks and
//! facilities, and each estate's sorting profile. Deterministic from the seed.
//!
//! Households are not held in memory: estate `e` owns the contiguous household ids
//! `first_household..first_household + households`, and each household's lasting traits are a
//! hash of the seed and its id. That is what lets the `city` preset (10 million households)
//! stream.

use crate::names;
use crate::rng::{Rng, unit_hash};
use fenlei_domain::{
    Category, CategorySet, CityModel, Facility, FacilityKind, Household, HouseholdId, Level, Unit,
    UnitId, Vehicle,
};

/// The size of the simulated city.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Preset {
    /// One street, a few thousand households: for tests.
    Tiny,
    /// Three small districts (about 7,000 households) and a rural county (towns, villages and
    /// their village groups, about 2,000 households collected door to door): for tests of
    /// anything that spans districts (shared plants, city totals) or sets urban and rural units
    /// side by side.
    Towns,
    /// One district of about 300,000 households.
    District,
    /// A Chongqing-like city of about 10 million households in 38 districts.
    City,
}

impl Preset {
    /// The preset for a name.
    pub fn parse(s: &str) -> Option<Preset> {
        match s {
            "tiny" => Some(Preset::Tiny),
            "towns" => Some(Preset::Towns),
            "district" => Some(Preset::District),
            "city" => Some(Preset::City),
            _ => None,
        }
    }

    /// The preset's name.
    pub fn name(self) -> &'static str {
        match self {
            Preset::Tiny => "tiny",
            Preset::Towns => "towns",
            Preset::District => "district",
            Preset::City => "city",
        }
    }

    fn shape(self) -> Shape {
        match self {
            Preset::Tiny => Shape {
                counties: 0,
                districts: 1,
                streets: (1, 1),
                communities: (2, 2),
                estates: (4, 4),
            },
            Preset::Towns => Shape {
                counties: 1,
                districts: 3,
                streets: (1, 1),
                communities: (2, 2),
                estates: (3, 3),
            },
            Preset::District => Shape {
                counties: 0,
                districts: 1,
                streets: (13, 16),
                communities: (9, 13),
                estates: (4, 6),
            },
            Preset::City => Shape {
                counties: 0,
                districts: 38,
                streets: (11, 15),
                communities: (9, 13),
                estates: (4, 6),
            },
        }
    }
}

struct Shape {
    /// Rural counties after the districts: towns, villages, village groups.
    counties: u32,
    districts: u32,
    streets: (u32, u32),
    communities: (u32, u32),
    estates: (u32, u32),
}

/// How an estate sorts and how it is managed. Lasting for the whole simulation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Profile {
    /// Share of households that sort, when the campaign started.
    pub participation0: f64,
    /// Share of households that sort, once habits have settled.
    pub participation_max: f64,
    /// Put-in accuracy when the campaign started.
    pub accuracy0: f64,
    /// Put-in accuracy once habits have settled.
    pub accuracy_max: f64,
    /// How fast habits settle, per day.
    pub rate: f64,
    /// Days the campaign had run before the simulation's first day.
    pub campaign_age: u32,
    /// Supervision intensity, 0 (none) to 1 (a supervisor at every window).
    pub supervision: f64,
    /// Whether households earn green-account points.
    pub incentives: bool,
    /// Whether the points have smart bins (identify households, AI verdicts, weighing).
    pub smart_bins: bool,
    /// Chance per day that the hauler loads this estate's kitchen bins into an other-waste truck.
    pub mixed_transport: f64,
}

impl Profile {
    fn draw(rng: &mut Rng) -> Profile {
        let supervision = *rng.pick(&[0.0, 0.5, 0.5, 1.0]);
        let incentives = rng.chance(0.45);
        let smart_bins = rng.chance(0.55);
        let participation0 = rng.range_f64(0.40, 0.85);
        let accuracy0 = rng.range_f64(0.50, 0.85);
        let lift = |base: f64, extra: f64| (base + extra).min(0.97);
        Profile {
            participation0,
            participation_max: lift(
                participation0,
                0.08 + 0.10 * supervision + if incentives { 0.08 } else { 0.0 },
            ),
            accuracy0,
            accuracy_max: lift(accuracy0, 0.06 + 0.14 * supervision),
            rate: 0.004 + 0.025 * supervision + if incentives { 0.01 } else { 0.0 },
            campaign_age: rng.between(0, 240),
            supervision,
            incentives,
            smart_bins,
            mixed_transport: if rng.chance(0.06) { 0.3 } else { 0.0 },
        }
    }

    /// A village group's profile: no smart bins and no supervisor at a station; the village
    /// collector comes door to door, knows every household and judges every bag. Habits
    /// start lower than in town.
    fn draw_rural(rng: &mut Rng) -> Profile {
        let incentives = rng.chance(0.30);
        let participation0 = rng.range_f64(0.30, 0.70);
        let accuracy0 = rng.range_f64(0.45, 0.75);
        let lift = |base: f64, extra: f64| (base + extra).min(0.95);
        Profile {
            participation0,
            participation_max: lift(participation0, 0.12 + if incentives { 0.08 } else { 0.0 }),
            accuracy0,
            accuracy_max: lift(accuracy0, 0.12),
            rate: 0.006 + if incentives { 0.008 } else { 0.0 },
            campaign_age: rng.between(0, 120),
            supervision: 0.0,
            incentives,
            smart_bins: false,
            mixed_transport: if rng.chance(0.10) { 0.3 } else { 0.0 },
        }
    }

    fn settle(&self, start: f64, end: f64, day_index: i64) -> f64 {
        let t = (self.campaign_age as i64 + day_index).max(0) as f64;
        end - (end - start) * (-self.rate * t).exp()
    }

    /// Share of households that sort, `day_index` days into the simulation.
    pub fn participation(&self, day_index: i64) -> f64 {
        self.settle(self.participation0, self.participation_max, day_index)
    }

    /// Put-in accuracy, `day_index` days into the simulation.
    pub fn accuracy(&self, day_index: i64) -> f64 {
        self.settle(self.accuracy0, self.accuracy_max, day_index)
    }
}

/// An estate as the simulator sees it.
#[derive(Clone, Debug)]
pub struct EstateSim {
    /// The estate's unit.
    pub unit: UnitId,
    /// The district it lies in.
    pub district: UnitId,
    /// First household id.
    pub first_household: u32,
    /// Number of households.
    pub households: u32,
    /// Its collection points (consecutive unit ids).
    pub points: Vec<UnitId>,
    /// How it sorts.
    pub profile: Profile,
    /// A village group (村民小组) of a rural county, collected door to door.
    pub rural: bool,
}

/// A district's trucks per category and where each category is delivered.
#[derive(Clone, Debug, Default)]
pub struct DistrictFleet {
    /// Trucks per category (indexed by `Category::index`), as vehicle indices.
    pub trucks: [Vec<u32>; 4],
    /// Destination facility per category.
    pub destination: [u32; 4],
}

/// The simulated city: model, estates and fleets.
#[derive(Clone, Debug)]
pub struct World {
    /// Seed everything derives from.
    pub seed: u64,
    /// Preset it was built from.
    pub preset: Preset,
    /// The city model.
    pub model: CityModel,
    /// Every estate, in unit order.
    pub estates: Vec<EstateSim>,
    /// Fleet per district, indexed like `districts`.
    pub fleets: Vec<DistrictFleet>,
    /// District units, in order.
    pub districts: Vec<UnitId>,
    /// Facility receiving other waste from transfer stations (incinerator) per district.
    pub incinerator_of_district: Vec<u32>,
    /// Total households.
    pub household_count: u32,
}

const HH_PERSONS: u64 = 1;
/// Stream id of a household's sorting propensity.
pub const HH_SORTER: u64 = 2;
/// Stream id of a household's put-in frequency.
pub const HH_FREQUENCY: u64 = 3;
/// Stream id of a household's accuracy offset.
pub const HH_ACCURACY: u64 = 4;
/// Stream id of a household's waste generation per person.
pub const HH_KG: u64 = 5;

impl World {
    /// Builds the city for a preset and seed.
    pub fn build(preset: Preset, seed: u64) -> World {
        let shape = preset.shape();
        let mut rng = Rng::for_stream(seed, 100, 0, 0);
        let mut units: Vec<Unit> = Vec::new();
        let mut estates = Vec::new();
        let mut districts = Vec::new();
        let push = |units: &mut Vec<Unit>,
                    code: String,
                    name: String,
                    level,
                    parent: Option<UnitId>,
                    x: i32,
                    y: i32| {
            let id = UnitId(units.len() as u32);
            units.push(Unit {
                id,
                code,
                name,
                level,
                parent,
                households: 0,
                residents: 0,
                accepts: CategorySet::default(),
                x_m: x,
                y_m: y,
            });
            id
        };
        let city = push(
            &mut units,
            "500000".into(),
            "重庆市".into(),
            Level::City,
            None,
            0,
            0,
        );
        let mut household = 0u32;
        let (mut estate_no, mut point_no) = (0u32, 0u32);
        let areas = shape.districts + shape.counties;
        let grid = (areas as f64).sqrt().ceil() as i32;
        for d in 0..areas {
            // Counties come after the districts and take Chongqing's county codes; their towns
            // and villages take the national code ranges for towns (1xx) and villages (2xx).
            let rural = d >= shape.districts;
            let (dcode, dname) = if rural {
                names::CHONGQING_DISTRICTS[names::FIRST_COUNTY + (d - shape.districts) as usize]
            } else {
                names::CHONGQING_DISTRICTS[d as usize]
            };
            let (town_base, village_base) = if rural { (100, 200) } else { (0, 0) };
            // Districts are 12 km squares on a grid; everything inside is placed relative to it.
            let (dx, dy) = ((d as i32 % grid) * 12_000, (d as i32 / grid) * 12_000);
            let district = push(
                &mut units,
                dcode.into(),
                dname.into(),
                Level::District,
                Some(city),
                dx + 6000,
                dy + 6000,
            );
            districts.push(district);
            let streets = if rural {
                rng.between(2, 3)
            } else {
                rng.between(shape.streets.0, shape.streets.1)
            };
            let sgrid = (streets as f64).sqrt().ceil() as i32;
            let cell = 12_000 / sgrid;
            for s in 0..streets {
                let (sx, sy) = (
                    dx + (s as i32 % sgrid) * cell,
                    dy + (s as i32 / sgrid) * cell,
                );
                let street = push(
                    &mut units,
                    format!("{dcode}{:03}", town_base + s + 1),
                    if rural {
                        names::town(&mut rng)
                    } else {
                        names::street(&mut rng)
                    },
                    Level::Street,
                    Some(district),
                    sx + cell / 2,
                    sy + cell / 2,
                );
                let communities = if rural {
                    rng.between(2, 3)
                } else {
                    rng.between(shape.communities.0, shape.communities.1)
                };
                for c in 0..communities {
                    let (cx, cy) = (
                        sx + rng.between(0, cell as u32 - 1) as i32,
                        sy + rng.between(0, cell as u32 - 1) as i32,
                    );
                    let community = push(
                        &mut units,
                        format!("{dcode}{:03}{:03}", town_base + s + 1, village_base + c + 1),
                        if rural {
                            names::village(&mut rng)
                        } else {
                            names::community(&mut rng)
                        },
                        Level::Community,
                        Some(street),
                        cx,
                        cy,
                    );
                    let n_estates = if rural {
                        rng.between(4, 6)
                    } else {
                        rng.between(shape.estates.0, shape.estates.1)
                    };
                    for e in 0..n_estates {
                        estate_no += 1;
                        // A village's groups lie kilometres apart; an estate's buildings close.
                        let spread = if rural { 1_200 } else { 400 };
                        let (ex, ey) = (
                            cx + rng.between(0, 2 * spread) as i32 - spread as i32,
                            cy + rng.between(0, 2 * spread) as i32 - spread as i32,
                        );
                        let name = if rural {
                            format!("{}{}组", units[community.0 as usize].name, e + 1)
                        } else {
                            names::estate(&mut rng, e)
                        };
                        let estate = push(
                            &mut units,
                            format!("E{estate_no:06}"),
                            name,
                            Level::Estate,
                            Some(community),
                            ex,
                            ey,
                        );
                        // Estates range from 200 to 1,500 households, most of them small (domain §2);
                        // a village group (村民小组) holds 40–150, at one collection point.
                        let households = if rural {
                            rng.between(40, 150)
                        } else {
                            (150.0 + rng.normal(5.2, 0.55).exp()).clamp(200.0, 1500.0) as u32
                        };
                        let n_points = if rural {
                            1
                        } else {
                            households.div_ceil(400).max(1)
                        };
                        let mut points = Vec::new();
                        for _ in 0..n_points {
                            point_no += 1;
                            let p = push(
                                &mut units,
                                format!("P{point_no:06}"),
                                String::new(),
                                Level::Point,
                                Some(estate),
                                ex + rng.between(0, 200) as i32 - 100,
                                ey + rng.between(0, 200) as i32 - 100,
                            );
                            units[p.0 as usize].name = format!(
                                "{}{}号投放点",
                                units[estate.0 as usize].name,
                                points.len() + 1
                            );
                            units[p.0 as usize].accepts = CategorySet::BINS;
                            points.push(p);
                        }
                        estates.push(EstateSim {
                            unit: estate,
                            district,
                            first_household: household,
                            households,
                            points,
                            profile: if rural {
                                Profile::draw_rural(&mut rng)
                            } else {
                                Profile::draw(&mut rng)
                            },
                            rural,
                        });
                        household += households;
                    }
                }
            }
        }
        // Households served and residents, summed up the tree; points split their estate.
        for e in &estates {
            let n_points = e.points.len() as u32;
            let mut residents = 0;
            for h in e.first_household..e.first_household + e.households {
                residents += household_persons(seed, h) as u32;
            }
            for (i, p) in e.points.iter().enumerate() {
                let served =
                    e.households / n_points + u32::from((i as u32) < e.households % n_points);
                units[p.0 as usize].households = served;
                units[p.0 as usize].residents = residents * served / e.households.max(1);
            }
            let mut up = Some(e.unit);
            while let Some(u) = up {
                units[u.0 as usize].households += e.households;
                units[u.0 as usize].residents += residents;
                up = units[u.0 as usize].parent;
            }
        }
        // Built depth first (children right after their parent); stored breadth first.
        let (mut model, old_to_new) = CityModel {
            ruleset: "chongqing".into(),
            units,
            vehicles: Vec::new(),
            facilities: Vec::new(),
        }
        .into_breadth_first();
        let renumber = |u: &mut UnitId| *u = old_to_new[u.0 as usize];
        for e in &mut estates {
            renumber(&mut e.unit);
            renumber(&mut e.district);
            e.points.iter_mut().for_each(renumber);
        }
        districts.iter_mut().for_each(renumber);
        let (fleets, incinerator_of_district) = build_fleets(&mut model, &districts, &mut rng);
        World {
            seed,
            preset,
            model,
            estates,
            fleets,
            districts,
            incinerator_of_district,
            household_count: household,
        }
    }

    /// Every household, in id order, streamed.
    pub fn households(&self) -> impl Iterator<Item = Household> + '_ {
        self.estates.iter().flat_map(move |e| {
            (0..e.households).map(move |i| {
                let h = e.first_household + i;
                Household {
                    code: household_code(HouseholdId(h)),
                    estate: e.unit,
                    home_point: e.points[(i as usize) % e.points.len()],
                    persons: household_persons(self.seed, h),
                }
            })
        })
    }
}

/// The card number of a simulated household.
pub fn household_code(id: HouseholdId) -> String {
    format!("H{:09}", id.0)
}

/// Persons in a simulated household: 1–5, mean about 2.6 (domain §2).
pub fn household_persons(seed: u64, h: u32) -> u8 {
    let u = unit_hash(seed, HH_PERSONS, h as u64);
    match u {
        u if u < 0.18 => 1,
        u if u < 0.48 => 2,
        u if u < 0.78 => 3,
        u if u < 0.94 => 4,
        _ => 5,
    }
}

fn build_fleets(
    model: &mut CityModel,
    districts: &[UnitId],
    rng: &mut Rng,
) -> (Vec<DistrictFleet>, Vec<u32>) {
    let facility = |model: &mut CityModel,
                    code: String,
                    name: String,
                    kind,
                    accepts: CategorySet,
                    cap: u32,
                    at: (i32, i32)| {
        model.facilities.push(Facility {
            code,
            name,
            kind,
            accepts,
            capacity_t_per_day: cap,
            x_m: at.0,
            y_m: at.1,
        });
        (model.facilities.len() - 1) as u32
    };
    let n = districts.len() as u32;
    // City-wide plants: ~1 incinerator per 1.5 districts, ~1 kitchen plant per 6, one hazardous plant.
    let mut incinerators = Vec::new();
    for i in 0..n.div_ceil(3).max(1) * 2 - u32::from(n == 1) {
        let at = model.unit(districts[(i as usize * 3 / 2) % districts.len()]);
        let (x, y) = (at.x_m + 5_000, at.y_m - 5_000);
        incinerators.push(facility(
            model,
            format!("INC{:02}", i + 1),
            format!("第{}生活垃圾焚烧发电厂", i + 1),
            FacilityKind::Incinerator,
            CategorySet::only(Category::Other),
            2_000,
            (x, y),
        ));
    }
    let mut kitchen_plants = Vec::new();
    for i in 0..n.div_ceil(6) {
        let at = model.unit(districts[(i as usize * 6) % districts.len()]);
        let (x, y) = (at.x_m - 5_000, at.y_m - 5_000);
        kitchen_plants.push(facility(
            model,
            format!("KIT{:02}", i + 1),
            format!("第{}餐厨垃圾处理厂", i + 1),
            FacilityKind::KitchenPlant,
            CategorySet::only(Category::Kitchen),
            1_200,
            (x, y),
        ));
    }
    let hazardous = facility(
        model,
        "HAZ01".into(),
        "危险废物集中处置中心".into(),
        FacilityKind::HazardousPlant,
        CategorySet::only(Category::Hazardous),
        50,
        (0, 0),
    );
    let mut fleets = Vec::new();
    let mut incinerator_of_district = Vec::new();
    for (i, &d) in districts.iter().enumerate() {
        let (code, name, x, y, households) = {
            let u = model.unit(d);
            (u.code.clone(), u.name.clone(), u.x_m, u.y_m, u.households)
        };
        let transfer = facility(
            model,
            format!("TS{code}"),
            format!("{name}垃圾转运站"),
            FacilityKind::TransferStation,
            CategorySet::only(Category::Other),
            700,
            (x + 4_000, y),
        );
        let recycling = facility(
            model,
            format!("RC{code}"),
            format!("{name}可回收物集散场"),
            FacilityKind::RecyclingCentre,
            CategorySet::only(Category::Recyclable),
            300,
            (x - 4_000, y),
        );
        let kitchen = kitchen_plants[i * kitchen_plants.len() / districts.len()];
        incinerator_of_district.push(incinerators[i * incinerators.len() / districts.len()]);
        // Tonnes per day by category at ~2.6 kg per household (domain §2), over a truck's
        // payload times its trips a day.
        let tonnes = |share: f64| households as f64 * 2.6 * share / 1000.0;
        let mut fleet = DistrictFleet {
            destination: [recycling, hazardous, kitchen, transfer],
            ..DistrictFleet::default()
        };
        // Recyclables are collected street by street every third day, each visit taking three
        // days' worth: the fleet carries the daily share (about two thirds of households sort
        // and hand them in: 0.22 × 0.65), not a third of it.
        let spec = [
            (Category::Recyclable, 8_000, 2.0, 0.15, "蓝"),
            (Category::Hazardous, 2_000, 1.0, 0.0, "红"),
            (Category::Kitchen, 5_000, 3.0, 0.32, "绿"),
            (Category::Other, 10_000, 3.0, 0.46, "灰"),
        ];
        for (category, capacity_kg, trips, share, _) in spec {
            // Hazardous waste weighs next to nothing but is fetched from a seventh of the
            // points each day: one small truck per 150,000 households keeps that round in a day.
            let at_least = if category == Category::Hazardous {
                households.div_ceil(150_000).max(1)
            } else {
                1
            };
            let count = ((tonnes(share) * 1000.0 / (capacity_kg as f64 * trips * 0.85)).ceil()
                as u32)
                .max(at_least);
            for k in 0..count {
                model.vehicles.push(Vehicle {
                    code: format!(
                        "渝{}{}{:03}",
                        &code[4..],
                        category
                            .key()
                            .chars()
                            .next()
                            .unwrap_or('x')
                            .to_ascii_uppercase(),
                        k + 1
                    ),
                    category,
                    capacity_kg,
                    district: d,
                    depot_x_m: x + 3_000 + rng.between(0, 500) as i32,
                    depot_y_m: y + 3_000,
                });
                fleet.trucks[category.index()].push((model.vehicles.len() - 1) as u32);
            }
        }
        fleets.push(fleet);
    }
    (fleets, incinerator_of_district)
}

impl fenlei_domain::wire::Codes for World {
    fn model(&self) -> &CityModel {
        &self.model
    }

    fn household(&self, id: HouseholdId) -> std::borrow::Cow<'_, str> {
        std::borrow::Cow::Owned(household_code(id))
    }
}
