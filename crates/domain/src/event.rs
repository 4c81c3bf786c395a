//! Validated events: what devices and people report, with every reference resolved to a dense
//! id. Values of these types make sense by construction; [`crate::validate`] builds them from
//! the wire form and rejects the rest with a reason.

use crate::category::Category;
use crate::time::{Day, Timestamp};
use crate::units::{FacilityId, HouseholdId, UnitId, VehicleId};
use xxhash_rust::xxh3::xxh3_64_with_seed;

/// The 64-bit fingerprint of a feed's event id. Re-delivery of the same id yields the same key,
/// which is how ingest stays idempotent. Part of the on-disk format: never change the seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct EventKey(pub u64);

const EVENT_KEY_SEED: u64 = 0x6665_6e6c_6569; // "fenlei"

impl EventKey {
    /// The key of an event id string.
    pub fn of(id: &str) -> EventKey {
        EventKey(xxh3_64_with_seed(id.as_bytes(), EVENT_KEY_SEED))
    }
}

macro_rules! keyed_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $var:ident = $key:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        #[repr(u8)]
        pub enum $name { $($(#[$vm])* $var),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$var),+];
            /// The stable key used in feeds.
            pub fn key(self) -> &'static str {
                match self { $($name::$var => $key),+ }
            }
            /// The value for a key.
            pub fn parse(s: &str) -> Option<$name> {
                match s { $($key => Some($name::$var),)+ _ => None }
            }
            /// The value with index `i` (its `repr`).
            pub fn from_index(i: u8) -> Option<$name> {
                Self::ALL.get(i as usize).copied()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.key())
            }
        }
    };
}

keyed_enum! {
    /// The verdict on a put-in, by an AI camera or the on-site supervisor (督导员).
    Verdict {
        /// Not checked.
        Unchecked = "unchecked",
        /// Sorted correctly.
        Correct = "correct",
        /// Sorted wrongly.
        Incorrect = "incorrect",
    }
}

keyed_enum! {
    /// Who reported a put-in.
    Source {
        /// A smart bin that identifies the household and weighs the deposit.
        SmartBin = "smart_bin",
        /// The on-site supervisor (督导员).
        Supervisor = "supervisor",
        /// An AI camera at the point.
        Camera = "camera",
        /// Manual entry.
        Manual = "manual",
    }
}

keyed_enum! {
    /// Kinds of station incident.
    IncidentKind {
        /// 满溢: a bin is full and overflowing.
        Overflow = "overflow",
        /// 小包垃圾落地: small bags left on the ground.
        BagsOnGround = "bags_on_ground",
        /// 混合投放: mixed put-in.
        MixedPutIn = "mixed_put_in",
        /// 乱扔垃圾: littering.
        Littering = "littering",
        /// 偷倒: illegal dumping.
        IllegalDumping = "illegal_dumping",
        /// Bin fill level report.
        FillLevel = "fill_level",
        /// Device fault or lost heartbeat.
        DeviceFault = "device_fault",
        /// Fire or smoke.
        Fire = "fire",
        /// Water leak.
        WaterLeak = "water_leak",
    }
}

keyed_enum! {
    /// Sorting quality of a bin as judged at pickup.
    Grade {
        /// 好.
        Good = "good",
        /// 中.
        Medium = "medium",
        /// 差.
        Poor = "poor",
    }
}

keyed_enum! {
    /// Where treated waste ends up.
    TreatmentRoute {
        /// Recycled as material.
        Recycled = "recycled",
        /// Composted.
        Composted = "composted",
        /// Anaerobically digested (biogas).
        Digested = "digested",
        /// Incinerated with energy recovery.
        Incinerated = "incinerated",
        /// Landfilled.
        Landfilled = "landfilled",
    }
}

impl TreatmentRoute {
    /// Whether waste on this route avoided incineration and landfill (回收利用).
    pub fn is_recovery(self) -> bool {
        matches!(
            self,
            TreatmentRoute::Recycled | TreatmentRoute::Composted | TreatmentRoute::Digested
        )
    }
}

/// A deposit at a collection point. The hot path: kept small and `Copy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PutIn {
    /// Idempotency key.
    pub key: EventKey,
    /// When the deposit happened.
    pub time: Timestamp,
    /// Collection point.
    pub point: UnitId,
    /// The identified household, if any.
    pub household: Option<HouseholdId>,
    /// The bin deposited into.
    pub category: Category,
    /// Weight in grams (> 0).
    pub grams: u32,
    /// The verdict, if one was made.
    pub verdict: Verdict,
    /// Who reported it.
    pub source: Source,
}

/// An incident at a station.
#[derive(Clone, Debug, PartialEq)]
pub struct Incident {
    /// Idempotency key.
    pub key: EventKey,
    /// The feed's id.
    pub id: String,
    /// When it was observed.
    pub time: Timestamp,
    /// Where.
    pub point: UnitId,
    /// What.
    pub kind: IncidentKind,
    /// The bin concerned, if any.
    pub category: Option<Category>,
    /// Fill level in percent, for fill reports.
    pub fill_pct: Option<u8>,
}

/// Purity of one container at an inspection.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ContainerCheck {
    /// The container's category.
    pub category: Category,
    /// Share of correct content, 0..=1.
    pub purity: f32,
}

/// An inspection of an estate or a point.
#[derive(Clone, Debug, PartialEq)]
pub struct Inspection {
    /// Idempotency key.
    pub key: EventKey,
    /// The feed's id.
    pub id: String,
    /// When.
    pub time: Timestamp,
    /// The estate or point inspected.
    pub unit: UnitId,
    /// Who inspected.
    pub inspector: String,
    /// Container purity per category.
    pub containers: Vec<ContainerCheck>,
    /// Findings from the fixed list.
    pub findings: Vec<String>,
    /// Score out of 100, if scored.
    pub score: Option<f32>,
}

/// A truck emptying a bin at a point.
#[derive(Clone, Debug, PartialEq)]
pub struct Pickup {
    /// Idempotency key.
    pub key: EventKey,
    /// The feed's id.
    pub id: String,
    /// When.
    pub time: Timestamp,
    /// The truck.
    pub vehicle: VehicleId,
    /// The point.
    pub point: UnitId,
    /// The bin's category.
    pub category: Category,
    /// Weight lifted, grams.
    pub grams: u32,
    /// Sorting quality seen at the bin.
    pub grade: Option<Grade>,
}

/// A weighbridge ticket at a transfer station or plant.
#[derive(Clone, Debug, PartialEq)]
pub struct WeighTicket {
    /// Idempotency key.
    pub key: EventKey,
    /// The feed's id.
    pub id: String,
    /// When.
    pub time: Timestamp,
    /// Where.
    pub facility: FacilityId,
    /// The truck, if known to fenlei.
    pub vehicle: Option<VehicleId>,
    /// Declared category of the load.
    pub category: Category,
    /// Net weight, grams.
    pub net_grams: u64,
    /// Unit the load came from, if declared.
    pub origin: Option<UnitId>,
}

/// One flow out of a facility in a treatment report.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TreatmentFlow {
    /// Category of the input it came from.
    pub category: Category,
    /// Where it went.
    pub route: TreatmentRoute,
    /// Grams.
    pub grams: u64,
}

/// A facility's treatment report for a period.
#[derive(Clone, Debug, PartialEq)]
pub struct Treatment {
    /// Idempotency key.
    pub key: EventKey,
    /// The feed's id.
    pub id: String,
    /// The facility.
    pub facility: FacilityId,
    /// First day covered.
    pub from: Day,
    /// Last day covered (inclusive).
    pub to: Day,
    /// Input per category, grams.
    pub input: Vec<(Category, u64)>,
    /// Output per category and route.
    pub output: Vec<TreatmentFlow>,
}

/// A survey of residents' knowledge of the sorting rules (知晓率调查) in one unit.
#[derive(Clone, Debug, PartialEq)]
pub struct Survey {
    /// Idempotency key.
    pub key: EventKey,
    /// The feed's id.
    pub id: String,
    /// When the survey was taken.
    pub time: Timestamp,
    /// The estate (or any unit above it) surveyed.
    pub unit: UnitId,
    /// Residents asked (> 0).
    pub respondents: u32,
    /// Of those, residents who know the rules.
    pub aware: u32,
}

/// Any validated event.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// A put-in.
    PutIn(PutIn),
    /// A station incident.
    Incident(Incident),
    /// An inspection.
    Inspection(Inspection),
    /// A pickup.
    Pickup(Pickup),
    /// A weigh ticket.
    WeighTicket(WeighTicket),
    /// A treatment report.
    Treatment(Treatment),
    /// An awareness survey.
    Survey(Survey),
}

impl Event {
    /// The idempotency key.
    pub fn key(&self) -> EventKey {
        match self {
            Event::PutIn(e) => e.key,
            Event::Incident(e) => e.key,
            Event::Inspection(e) => e.key,
            Event::Pickup(e) => e.key,
            Event::WeighTicket(e) => e.key,
            Event::Treatment(e) => e.key,
            Event::Survey(e) => e.key,
        }
    }

    /// The wire `type` of the event.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::PutIn(_) => "put_in",
            Event::Incident(_) => "incident",
            Event::Inspection(_) => "inspection",
            Event::Pickup(_) => "pickup",
            Event::WeighTicket(_) => "weigh_ticket",
            Event::Treatment(_) => "treatment",
            Event::Survey(_) => "survey",
        }
    }

    /// The local day the event counts for (a treatment report counts for its first day).
    pub fn day(&self) -> Day {
        match self {
            Event::PutIn(e) => e.time.day(),
            Event::Incident(e) => e.time.day(),
            Event::Inspection(e) => e.time.day(),
            Event::Pickup(e) => e.time.day(),
            Event::WeighTicket(e) => e.time.day(),
            Event::Treatment(e) => e.from,
            Event::Survey(e) => e.time.day(),
        }
    }
}
