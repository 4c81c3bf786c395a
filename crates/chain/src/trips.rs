//! Trips: a truck's pickups in time order, ended by its next weigh ticket at a facility.
//!
//! Per vehicle, pickups and tickets are merged in time order (a pickup before a ticket of the
//! same second, then arrival order). A ticket ends the open trip when it comes within
//! `max_trip_gap_s` of the trip's last pickup; a ticket with no open trip (or a later one) is
//! a trip of its own without pickups. Pickups followed by no ticket within that time form an
//! unticketed trip, unless the loaded data end first (then the trip is still open). Tickets
//! without a vehicle are onward loads (transfer station → plant) and end no trip.

use crate::{Chain, kg};
use fenlei_domain::{Category, CityModel, Pickup, Timestamp, VehicleId, WeighTicket};
use std::collections::BTreeMap;

/// How a trip ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TripStatus {
    /// Its pickups were ticketed.
    Ticketed,
    /// Pickups and no ticket within the allowed time.
    Unticketed,
    /// Pickups still awaiting their ticket when the loaded data end.
    Open,
    /// A ticket with no pickups before it.
    TicketOnly,
}

/// One trip: indices into the chain's pickups and tickets.
#[derive(Clone, Debug, PartialEq)]
pub struct Trip {
    /// The truck.
    pub vehicle: VehicleId,
    /// Its pickups, in time order.
    pub pickups: Vec<u32>,
    /// The ticket that ended it.
    pub ticket: Option<u32>,
    /// How it ended.
    pub status: TripStatus,
}

/// Builds the trips. Returns them, the trip of each pickup and the trip of each ticket.
pub(crate) fn assemble(
    model: &CityModel,
    pickups: &[Pickup],
    tickets: &[WeighTicket],
    data_end: Timestamp,
    max_gap: i64,
) -> (Vec<Trip>, Vec<u32>, Vec<Option<u32>>) {
    // (vehicle, time, kind: 0 pickup / 1 ticket, arrival index)
    let mut items: Vec<(u32, Timestamp, u8, u32)> = pickups
        .iter()
        .enumerate()
        .map(|(i, p)| (p.vehicle.0, p.time, 0, i as u32))
        .collect();
    items.extend(tickets.iter().enumerate().filter_map(|(i, t)| {
        t.vehicle
            .filter(|v| (v.0 as usize) < model.vehicles.len())
            .map(|v| (v.0, t.time, 1, i as u32))
    }));
    items.sort_unstable();
    let mut trips: Vec<Trip> = Vec::new();
    let mut trip_of_pickup = vec![u32::MAX; pickups.len()];
    let mut trip_of_ticket = vec![None; tickets.len()];
    let mut open: Option<Trip> = None;
    let mut last_time = Timestamp(0);
    let close = |trip: Trip, trips: &mut Vec<Trip>, tp: &mut Vec<u32>, last: Timestamp| {
        let mut trip = trip;
        if trip.status == TripStatus::Open && data_end.0 - last.0 > max_gap {
            trip.status = TripStatus::Unticketed;
        }
        for &p in &trip.pickups {
            tp[p as usize] = trips.len() as u32;
        }
        trips.push(trip);
    };
    let mut current_vehicle = u32::MAX;
    for (vehicle, time, kind, i) in items {
        if vehicle != current_vehicle {
            if let Some(t) = open.take() {
                close(t, &mut trips, &mut trip_of_pickup, last_time);
            }
            current_vehicle = vehicle;
        }
        if kind == 0 {
            if let Some(t) = open.take() {
                if time.0 - last_time.0 > max_gap {
                    close(t, &mut trips, &mut trip_of_pickup, last_time);
                } else {
                    open = Some(t);
                }
            }
            open.get_or_insert_with(|| Trip {
                vehicle: VehicleId(vehicle),
                pickups: Vec::new(),
                ticket: None,
                status: TripStatus::Open,
            })
            .pickups
            .push(i);
            last_time = time;
        } else {
            match open.take() {
                Some(mut t) if time.0 - last_time.0 <= max_gap => {
                    t.ticket = Some(i);
                    t.status = TripStatus::Ticketed;
                    trip_of_ticket[i as usize] = Some(trips.len() as u32);
                    close(t, &mut trips, &mut trip_of_pickup, last_time);
                }
                stale => {
                    if let Some(t) = stale {
                        close(t, &mut trips, &mut trip_of_pickup, last_time);
                    }
                    trip_of_ticket[i as usize] = Some(trips.len() as u32);
                    trips.push(Trip {
                        vehicle: VehicleId(vehicle),
                        pickups: Vec::new(),
                        ticket: Some(i),
                        status: TripStatus::TicketOnly,
                    });
                }
            }
        }
    }
    if let Some(t) = open.take() {
        close(t, &mut trips, &mut trip_of_pickup, last_time);
    }
    (trips, trip_of_pickup, trip_of_ticket)
}

/// A trip as listed by `fenlei chain trips`.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct TripRow {
    /// The truck's code.
    pub vehicle: String,
    /// The category the truck is marked for.
    pub vehicle_category: Category,
    /// First pickup (or the ticket, for a trip without pickups).
    pub start: Timestamp,
    /// Last pickup.
    pub last_pickup: Option<Timestamp>,
    /// Number of pickups.
    pub pickups: usize,
    /// Distinct points visited.
    pub points: usize,
    /// Weight lifted per bin category, kg.
    pub picked_kg: BTreeMap<Category, f64>,
    /// The ticket's id.
    pub ticket: Option<String>,
    /// Its time.
    pub ticket_time: Option<Timestamp>,
    /// Its facility's code.
    pub facility: Option<String>,
    /// Its declared category.
    pub ticket_category: Option<Category>,
    /// Its net weight, kg.
    pub net_kg: Option<f64>,
    /// How the trip ended.
    pub status: TripStatus,
}

/// The trips whose start falls in the chain's period.
pub(crate) fn rows(chain: &Chain<'_>, within: Option<fenlei_domain::UnitId>) -> Vec<TripRow> {
    let model = chain.model;
    let under = |u: fenlei_domain::UnitId, w| model.ancestors(u).any(|a| a == w);
    let mut out = Vec::new();
    for trip in &chain.trips {
        if let Some(w) = within {
            let inside = if trip.pickups.is_empty() {
                let district = trip
                    .ticket
                    .and_then(|t| crate::rules::ticket_district(chain, &chain.tickets[t as usize]))
                    .unwrap_or(model.vehicles[trip.vehicle.0 as usize].district);
                under(district, w) || model.ancestors(w).any(|a| a == district)
            } else {
                trip.pickups
                    .iter()
                    .any(|&i| under(chain.pickups[i as usize].point, w))
            };
            if !inside {
                continue;
            }
        }
        let row = trip_row(chain, trip);
        if chain.period.contains(row.start.day()) {
            out.push(row);
        }
    }
    out.sort_by(|a, b| (a.start, &a.vehicle).cmp(&(b.start, &b.vehicle)));
    out
}

pub(crate) fn trip_row(chain: &Chain<'_>, trip: &Trip) -> TripRow {
    let model = chain.model;
    let vehicle = &model.vehicles[trip.vehicle.0 as usize];
    let ticket = trip.ticket.map(|t| &chain.tickets[t as usize]);
    let pickups: Vec<&Pickup> = trip
        .pickups
        .iter()
        .map(|&i| &chain.pickups[i as usize])
        .collect();
    let mut picked: BTreeMap<Category, f64> = BTreeMap::new();
    for p in &pickups {
        *picked.entry(p.category).or_default() += p.grams as f64;
    }
    let mut points: Vec<u32> = pickups.iter().map(|p| p.point.0).collect();
    points.sort_unstable();
    points.dedup();
    TripRow {
        vehicle: vehicle.code.clone(),
        vehicle_category: vehicle.category,
        start: pickups
            .first()
            .map(|p| p.time)
            .or(ticket.map(|t| t.time))
            .unwrap_or(Timestamp(0)),
        last_pickup: pickups.last().map(|p| p.time),
        pickups: pickups.len(),
        points: points.len(),
        picked_kg: picked.into_iter().map(|(c, g)| (c, kg(g))).collect(),
        ticket: ticket.map(|t| t.id.clone()),
        ticket_time: ticket.map(|t| t.time),
        facility: ticket.map(|t| model.facilities[t.facility.0 as usize].code.clone()),
        ticket_category: ticket.map(|t| t.category),
        net_kg: ticket.map(|t| kg(t.net_grams as f64)),
        status: trip.status,
    }
}
