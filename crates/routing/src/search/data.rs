//! The problem prepared for search: one node per client, facility, depot end and break,
//! each with its one-stop segment, vehicle types with capacities in fixed arrays, and the
//! granular neighbourhood (each client's closest clients in space and time).

use super::segment::{Ctx, Seg};
use crate::model::{MAX_DIMS, ProblemData, TIME_MAX};

/// What a node stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Client,
    Facility(usize),
    Depot,
    Break,
}

/// A vehicle type in search form.
#[derive(Clone, Debug)]
pub(crate) struct VtInfo {
    pub count: usize,
    pub start: u32,
    pub end: u32,
    pub lunch: Option<u32>,
    pub capacity: [i64; MAX_DIMS],
    pub fixed: i64,
    pub unit_distance: i64,
    pub unit_duration: i64,
    pub max_duration: i64,
    pub max_distance: i64,
    pub max_daily: [i64; MAX_DIMS],
    pub max_stops: i64,
    pub end_empty: bool,
    /// Facility nodes this type may unload at.
    pub facilities: Vec<u32>,
}

/// Search-side view of a problem.
pub(crate) struct SearchData<'a> {
    pub problem: &'a ProblemData,
    pub n_clients: usize,
    pub dims: usize,
    pub node_seg: Vec<Seg>,
    pub node_kind: Vec<Kind>,
    pub node_loc: Vec<u32>,
    pub vts: Vec<VtInfo>,
    pub neighbours: Vec<Vec<u32>>,
}

/// How many neighbours each client of an `n`-client instance gets in the granular
/// neighbourhood: 40 up to 400 clients (on Solomon at 4–5 s, 40 gave a lower mean gap than
/// 20 or 60; R2/RC2 gained most), 20 on larger instances such as a district's day, which was
/// tuned with 20.
pub(crate) fn num_neighbours(n: usize) -> usize {
    if n <= 400 { 40 } else { 20 }
}

impl<'a> SearchData<'a> {
    /// Prepares `problem`.
    pub fn new(problem: &'a ProblemData) -> Self {
        let n = problem.clients().len();
        let dims = problem.dims();
        let multi_trip =
            !problem.facilities().is_empty() || problem.clients().iter().any(|c| c.release > 0);
        let mut node_seg = Vec::new();
        let mut node_kind = Vec::new();
        let mut node_loc = Vec::new();
        for c in problem.clients() {
            node_seg.push(Seg::client(
                c.location as u32,
                c.service,
                c.window.early,
                c.window.late,
                c.release,
                &c.demand,
            ));
            node_kind.push(Kind::Client);
            node_loc.push(c.location as u32);
        }
        let facility_base = node_seg.len() as u32;
        for (i, f) in problem.facilities().iter().enumerate() {
            node_seg.push(Seg::boundary(
                f.location as u32,
                f.service,
                f.window.early,
                f.window.late,
                false,
            ));
            node_kind.push(Kind::Facility(i));
            node_loc.push(f.location as u32);
        }
        let mut vts = Vec::new();
        for v in problem.vehicle_types() {
            let start_depot = &problem.depots()[v.start_depot];
            let end_depot = &problem.depots()[v.end_depot];
            let start = node_seg.len() as u32;
            let (s_early, s_late) = (
                start_depot.window.early.max(v.shift.early),
                start_depot.window.late.min(v.shift.late),
            );
            let (e_early, e_late) = (
                end_depot.window.early.max(v.shift.early),
                end_depot.window.late.min(v.shift.late),
            );
            let sl = start_depot.location as u32;
            let el = end_depot.location as u32;
            if multi_trip {
                node_seg.push(Seg::boundary(sl, 0, s_early, s_late, false));
                node_seg.push(Seg::boundary(el, 0, e_early, e_late, v.end_empty));
            } else {
                node_seg.push(Seg::plain(sl, 0, s_early, s_late));
                node_seg.push(Seg::plain(el, 0, e_early, e_late));
            }
            node_kind.extend([Kind::Depot, Kind::Depot]);
            node_loc.extend([sl, el]);
            let lunch = v.lunch.map(|b| {
                node_seg.push(Seg::lunch(b.duration, b.window.early, b.window.late));
                node_kind.push(Kind::Break);
                node_loc.push(u32::MAX);
                node_seg.len() as u32 - 1
            });
            let mut capacity = [0; MAX_DIMS];
            capacity[..dims].copy_from_slice(&v.capacity);
            let mut max_daily = [TIME_MAX; MAX_DIMS];
            if let Some(limit) = &v.max_daily_load {
                max_daily[..dims].copy_from_slice(limit);
            }
            vts.push(VtInfo {
                count: v.count,
                start,
                end: start + 1,
                lunch,
                capacity,
                fixed: v.fixed_cost,
                unit_distance: v.unit_distance_cost,
                unit_duration: v.unit_duration_cost,
                max_duration: v.max_duration,
                max_distance: v.max_distance,
                max_daily,
                max_stops: v.max_stops.map_or(i64::MAX, |s| s as i64),
                end_empty: v.end_empty,
                facilities: v
                    .reload_facilities
                    .iter()
                    .map(|&f| facility_base + f as u32)
                    .collect(),
            });
        }
        let neighbours = granular_neighbours(problem);
        Self {
            problem,
            n_clients: n,
            dims,
            node_seg,
            node_kind,
            node_loc,
            vts,
            neighbours,
        }
    }

    /// Concatenation context for routes of vehicle type `vt`.
    #[inline(always)]
    pub fn ctx(&self, vt: usize) -> Ctx<'_> {
        Ctx {
            dist: self.problem.distance(),
            dur: self.problem.duration(),
            dims: self.dims,
            capacity: self.vts[vt].capacity,
        }
    }

    /// True for client nodes.
    #[inline(always)]
    pub fn is_client(&self, node: u32) -> bool {
        (node as usize) < self.n_clients
    }

    /// Distance between two nodes' locations (0 when either is a break).
    #[inline(always)]
    pub fn dist(&self, a: u32, b: u32) -> i64 {
        let (la, lb) = (self.node_loc[a as usize], self.node_loc[b as usize]);
        if la == u32::MAX || lb == u32::MAX {
            0
        } else {
            self.problem.distance().get(la as usize, lb as usize)
        }
    }
}

/// Each client's closest clients by a mix of distance, forced waiting and lateness when
/// going from one to the other (PyVRP's proximity, made symmetric).
fn granular_neighbours(problem: &ProblemData) -> Vec<Vec<u32>> {
    let clients = problem.clients();
    let n = clients.len();
    let k = num_neighbours(n).min(n.saturating_sub(1));
    let dist = problem.distance();
    let dur = problem.duration();
    let one_way = |i: usize, j: usize| -> f64 {
        let (a, b) = (&clients[i], &clients[j]);
        let t = dur.get(a.location, b.location);
        let wait = (b.window.early - t - a.service - a.window.late).max(0) as f64;
        let late = (a.window.early + a.service + t - b.window.late).max(0) as f64;
        dist.get(a.location, b.location) as f64 + 0.2 * wait + late
    };
    let mut out = Vec::with_capacity(n);
    let mut scored: Vec<(f64, u32)> = Vec::with_capacity(n);
    for i in 0..n {
        scored.clear();
        for j in 0..n {
            if i != j {
                scored.push((one_way(i, j).min(one_way(j, i)), j as u32));
            }
        }
        scored.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        out.push(scored.iter().take(k).map(|&(_, j)| j).collect());
    }
    out
}
