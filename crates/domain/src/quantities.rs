//! The stored quantities every metric is computed from, for one unit over one period.
//!
//! The store produces them (from rollups), the metrics crate turns them into rates. Keeping
//! them here, in plain numbers, lets a test recompute them from raw events and compare.

use crate::category::Category;
use crate::event::IncidentKind;
use crate::time::DayRange;
use crate::units::UnitId;

/// Additive counters per unit, period and category. The rollup tables hold exactly these.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Facts {
    /// Grams deposited at the points (put-ins).
    pub putin_grams: u64,
    /// Put-ins.
    pub putins: u64,
    /// Put-ins with a verdict.
    pub judged: u64,
    /// Put-ins judged correct.
    pub correct: u64,
    /// Grams lifted by trucks at the points (清运量).
    pub collected_grams: u64,
    /// Of those, grams lifted by a truck of another category (混装混运).
    pub mixed_grams: u64,
    /// Pickups.
    pub pickups: u64,
    /// Pickups graded poor.
    pub poor_pickups: u64,
    /// Grams weighed at facilities with this unit as origin.
    pub weighed_grams: u64,
    /// Containers inspected.
    pub containers: u64,
    /// Containers inspected and found purer than the city's threshold
    /// ([`crate::CityConstants::purity_pass_threshold`]).
    pub containers_pass: u64,
}

impl Facts {
    /// Adds `other` field by field.
    pub fn add(&mut self, other: &Facts) {
        self.putin_grams += other.putin_grams;
        self.putins += other.putins;
        self.judged += other.judged;
        self.correct += other.correct;
        self.collected_grams += other.collected_grams;
        self.mixed_grams += other.mixed_grams;
        self.pickups += other.pickups;
        self.poor_pickups += other.poor_pickups;
        self.weighed_grams += other.weighed_grams;
        self.containers += other.containers;
        self.containers_pass += other.containers_pass;
    }

    /// The fields as an array, in column order.
    pub fn to_array(&self) -> [u64; 11] {
        [
            self.putin_grams,
            self.putins,
            self.judged,
            self.correct,
            self.collected_grams,
            self.mixed_grams,
            self.pickups,
            self.poor_pickups,
            self.weighed_grams,
            self.containers,
            self.containers_pass,
        ]
    }

    /// The facts from an array in column order.
    pub fn from_array(a: [u64; 11]) -> Facts {
        Facts {
            putin_grams: a[0],
            putins: a[1],
            judged: a[2],
            correct: a[3],
            collected_grams: a[4],
            mixed_grams: a[5],
            pickups: a[6],
            poor_pickups: a[7],
            weighed_grams: a[8],
            containers: a[9],
            containers_pass: a[10],
        }
    }

    /// Column names, in array order.
    pub const COLUMNS: [&'static str; 11] = [
        "putin_grams",
        "putins",
        "judged",
        "correct",
        "collected_grams",
        "mixed_grams",
        "pickups",
        "poor_pickups",
        "weighed_grams",
        "containers",
        "containers_pass",
    ];
}

/// A unit's pickups of one category as the weighbridges weighed them: the pickups a weigh
/// ticket covers, by the trucks' scales and by their share of the ticket's net weight. Written
/// by the chain's reconciliation (`fenlei chain reconcile`); zero where it has not run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Weighed {
    /// Grams lifted (trucks' scales) by the pickups a ticket covers.
    pub lifted_grams: u64,
    /// Those pickups' share of their tickets' net weight, grams.
    pub ticketed_grams: u64,
}

impl Weighed {
    /// Adds `other` field by field.
    pub fn add(&mut self, other: &Weighed) {
        self.lifted_grams += other.lifted_grams;
        self.ticketed_grams += other.ticketed_grams;
    }
}

/// One collection point's ticketed pickups of a category on a day: what the chain's
/// reconciliation attributes and the store keeps (summed up the tree).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct PointWeighed {
    /// The point.
    pub point: UnitId,
    /// The pickups' day.
    pub day: crate::Day,
    /// The tickets' declared category (the pickups' own, unless a trip held none of it).
    pub category: Category,
    /// Lifted and ticketed grams.
    pub weighed: Weighed,
}

/// The put-ins of one bin (a collection point's bin of a category) on one day, summed: what
/// the store keeps at ingest so that the collection chain can credit a day's put-ins to the
/// bin's pickups without reading them one by one. Every put-in of the bin-day lies between
/// `first_second` and `last_second` of the day; when no pickup of the bin falls inside that
/// span, all of them were emptied by the same pickup.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BinDay {
    /// The collection point.
    pub point: UnitId,
    /// The bin's category.
    pub category: Category,
    /// Grams put in.
    pub grams: u64,
    /// Second of the day of the first put-in…
    pub first_second: u32,
    /// …and of the last.
    pub last_second: u32,
}

/// Everything stored about one unit over one period.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Quantities {
    /// The unit.
    #[serde(skip)]
    pub unit: UnitId,
    /// The period.
    #[serde(skip)]
    pub range: DayRange,
    /// Households served.
    pub households: u64,
    /// Residents served.
    pub residents: u64,
    /// Estates in the unit (1 for an estate; 0 for a point).
    pub estates: u64,
    /// Facts per bin category, indexed by [`Category::index`].
    pub facts: [Facts; 4],
    /// Distinct households with at least one sorted put-in (verdict not incorrect).
    pub participating_households: u64,
    /// Estates whose collection over exactly the period was sorted (kitchen and other waste
    /// both picked up) and transported sorted (no pickup by a truck of another category).
    pub estates_covered: u64,
    /// Days of the period on which the unit has at least one put-in or pickup stored.
    pub days_with_data: u64,
    /// Put-ins that identified a household.
    pub identified_putins: u64,
    /// Residents asked in awareness surveys.
    pub survey_respondents: u64,
    /// Of those, residents who know the rules.
    pub survey_aware: u64,
    /// Incidents per kind, indexed like [`IncidentKind::ALL`].
    pub incidents: Vec<u64>,
    /// Inspections.
    pub inspections: u64,
    /// Sum of inspection scores.
    pub inspection_score_sum: f64,
    /// Treated output per input category and route over the period, city-wide, grams,
    /// prorated by days where a report spans the period's edge. Indexed
    /// `[Category::index][TreatmentRoute as usize]`.
    pub treated: [[u64; 5]; 4],
    /// What the weighbridges weighed of the unit's pickups, by [`Category::index`] of the
    /// tickets.
    pub weighed: [Weighed; 4],
}

impl Quantities {
    /// Empty quantities for a unit and period.
    pub fn empty(unit: UnitId, range: DayRange) -> Quantities {
        Quantities {
            unit,
            range,
            households: 0,
            residents: 0,
            estates: 0,
            facts: [Facts::default(); 4],
            participating_households: 0,
            estates_covered: 0,
            days_with_data: 0,
            identified_putins: 0,
            survey_respondents: 0,
            survey_aware: 0,
            incidents: vec![0; IncidentKind::ALL.len()],
            inspections: 0,
            inspection_score_sum: 0.0,
            treated: [[0; 5]; 4],
            weighed: [Weighed::default(); 4],
        }
    }

    /// Facts of one category.
    pub fn of(&self, c: Category) -> &Facts {
        &self.facts[c.index()]
    }

    /// Share of the period's days that hold data (0 for an empty period).
    pub fn data_coverage(&self) -> f64 {
        match self.range.len() {
            0 => 0.0,
            n => self.days_with_data as f64 / f64::from(n),
        }
    }

    /// Facts summed over the four bin categories.
    pub fn total(&self) -> Facts {
        let mut t = Facts::default();
        for f in &self.facts {
            t.add(f);
        }
        t
    }
}
