//! The search's working solution: one route per available vehicle (used or empty), each a
//! node sequence `[start depot, ..., end depot]` with cached prefix and suffix segments,
//! plus where every client is. Routes of a vehicle type with a break always hold exactly
//! one break node, so a move never has to create or drop one.

use super::cost::CostEvaluator;
use super::data::{Kind, SearchData};
use super::segment::{Ctx, Seg};
use crate::solution::{Route as PlainRoute, Solution, Visit};

/// A place in the working solution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Pos {
    pub route: usize,
    pub idx: usize,
}

/// One vehicle's route with cached segments.
#[derive(Clone, Debug)]
pub(crate) struct Route {
    pub vt: usize,
    pub nodes: Vec<u32>,
    /// `prefix[i]` covers `nodes[..=i]`.
    pub prefix: Vec<Seg>,
    /// `suffix[i]` covers `nodes[i..]`.
    pub suffix: Vec<Seg>,
    /// `blocks[k - 1][i]` covers `nodes[i..i + 2^k]` (`k` = 1..=[`BLOCK_LEVELS`]), so that
    /// [`Self::between`] glues a long stretch from a few blocks instead of stop by stop.
    blocks: Vec<Vec<Seg>>,
    pub clients: usize,
    pub facilities: usize,
    /// Position of the break node, if the type has a break.
    pub lunch: Option<usize>,
    /// Penalised cost under the evaluator last used in `update`.
    pub cost: i64,
    /// Changes whenever the node list is rebuilt; equal versions mean equal node lists (a
    /// clone keeps its version), so per-route caches can check they are current.
    pub version: u64,
}

/// Levels of [`Route::between`]'s cached blocks: 2, 4, 8 and 16 stops.
const BLOCK_LEVELS: usize = 4;

/// Source of route versions, unique across all states and threads.
static NEXT_VERSION: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

impl Route {
    pub fn new(sd: &SearchData, vt: usize) -> Self {
        let v = &sd.vts[vt];
        let mut nodes = vec![v.start];
        nodes.extend(v.lunch);
        nodes.push(v.end);
        Self {
            vt,
            nodes,
            prefix: Vec::new(),
            suffix: Vec::new(),
            blocks: Vec::new(),
            clients: 0,
            facilities: 0,
            lunch: None,
            cost: 0,
            version: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// The whole route.
    #[inline(always)]
    pub fn whole(&self) -> &Seg {
        &self.prefix[self.nodes.len() - 1]
    }

    /// Segment of `nodes[i..=j]` (`i <= j`): glued from the longest cached blocks that fit,
    /// so a stretch of `m` stops takes about `m / 16 + 4` gluings.
    #[inline]
    pub fn between(&self, sd: &SearchData, ctx: &Ctx, i: usize, j: usize) -> Seg {
        let mut seg = sd.node_seg[self.nodes[i] as usize];
        let mut at = i + 1;
        while at <= j {
            let left = j + 1 - at;
            let k = (usize::BITS - 1 - left.leading_zeros()).min(BLOCK_LEVELS as u32) as usize;
            let next = match k {
                0 => &sd.node_seg[self.nodes[at] as usize],
                _ => &self.blocks[k - 1][at],
            };
            seg = seg.then(next, ctx);
            at += 1 << k;
        }
        seg
    }

    /// Segment of `nodes[j..=i]` in reverse order (`i >= j`).
    pub fn reversed(&self, sd: &SearchData, ctx: &Ctx, j: usize, i: usize) -> Seg {
        let mut seg = sd.node_seg[self.nodes[i] as usize];
        for k in (j..i).rev() {
            seg = seg.then(&sd.node_seg[self.nodes[k] as usize], ctx);
        }
        seg
    }

    /// Rebuilds caches after the node list changed.
    pub fn update(&mut self, sd: &SearchData, ce: &CostEvaluator) {
        if self.nodes.len() > 2 && !self.nodes.iter().any(|&n| sd.is_client(n)) {
            // An unused vehicle keeps no facility visits.
            self.nodes
                .retain(|&n| !matches!(sd.node_kind[n as usize], Kind::Facility(_)));
        }
        let ctx = sd.ctx(self.vt);
        let n = self.nodes.len();
        self.prefix.clear();
        self.suffix.clear();
        self.prefix.reserve(n);
        self.suffix.resize(n, Seg::EMPTY);
        let mut acc = Seg::EMPTY;
        self.clients = 0;
        self.facilities = 0;
        self.lunch = None;
        for (i, &node) in self.nodes.iter().enumerate() {
            acc = acc.then(&sd.node_seg[node as usize], &ctx);
            self.prefix.push(acc);
            match sd.node_kind[node as usize] {
                Kind::Client => self.clients += 1,
                Kind::Facility(_) => self.facilities += 1,
                Kind::Break => self.lunch = Some(i),
                Kind::Depot => {}
            }
        }
        let mut acc = Seg::EMPTY;
        for i in (0..n).rev() {
            acc = sd.node_seg[self.nodes[i] as usize].then(&acc, &ctx);
            self.suffix[i] = acc;
        }
        self.blocks.resize(BLOCK_LEVELS, Vec::new());
        for k in 1..=BLOCK_LEVELS {
            let (done, rest) = self.blocks.split_at_mut(k - 1);
            let level = &mut rest[0];
            level.clear();
            let half = 1 << (k - 1);
            for i in 0..(n + 1).saturating_sub(1 << k) {
                level.push(match k {
                    1 => sd.node_seg[self.nodes[i] as usize]
                        .then(&sd.node_seg[self.nodes[i + 1] as usize], &ctx),
                    _ => done[k - 2][i].then(&done[k - 2][i + half], &ctx),
                });
            }
        }
        self.cost = ce.route_cost(sd, self.vt, self.whole());
        self.version = NEXT_VERSION.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Client position entry for a client that is in no route.
pub(crate) const UNROUTED: (u32, u32) = (u32::MAX, u32::MAX);

/// The working solution.
#[derive(Clone, Debug)]
pub(crate) struct State {
    pub routes: Vec<Route>,
    /// Per client: (route, index).
    pub place: Vec<(u32, u32)>,
}

impl State {
    /// All vehicles, all empty.
    pub fn empty(sd: &SearchData, ce: &CostEvaluator) -> Self {
        let mut routes = Vec::new();
        for (t, v) in sd.vts.iter().enumerate() {
            for _ in 0..v.count {
                let mut r = Route::new(sd, t);
                r.update(sd, ce);
                routes.push(r);
            }
        }
        Self {
            routes,
            place: vec![UNROUTED; sd.n_clients],
        }
    }

    /// Position of client `c`, if routed.
    #[inline(always)]
    pub fn pos(&self, c: u32) -> Option<Pos> {
        let (r, i) = self.place[c as usize];
        (r != u32::MAX).then_some(Pos {
            route: r as usize,
            idx: i as usize,
        })
    }

    /// Rebuilds route `r`'s caches and its clients' positions.
    pub fn refresh(&mut self, sd: &SearchData, ce: &CostEvaluator, r: usize) {
        let route = &mut self.routes[r];
        route.update(sd, ce);
        for (i, &node) in route.nodes.iter().enumerate() {
            if sd.is_client(node) {
                self.place[node as usize] = (r as u32, i as u32);
            }
        }
    }

    /// Recomputes every route's cost (after the penalty weights changed).
    pub fn reprice(&mut self, sd: &SearchData, ce: &CostEvaluator) {
        for r in &mut self.routes {
            r.cost = ce.route_cost(sd, r.vt, r.whole());
        }
    }

    /// Removes the client at `pos` (caches are refreshed).
    pub fn remove(&mut self, sd: &SearchData, ce: &CostEvaluator, pos: Pos) -> u32 {
        let node = self.routes[pos.route].nodes.remove(pos.idx);
        self.place[node as usize] = UNROUTED;
        self.refresh(sd, ce, pos.route);
        node
    }

    /// Inserts `node` right after `pos` (caches are refreshed).
    pub fn insert_after(&mut self, sd: &SearchData, ce: &CostEvaluator, node: u32, pos: Pos) {
        self.routes[pos.route].nodes.insert(pos.idx + 1, node);
        self.refresh(sd, ce, pos.route);
    }

    /// Sum of route costs.
    pub fn cost(&self) -> i64 {
        self.routes.iter().map(|r| r.cost).sum()
    }

    /// The first empty route of each vehicle type: where a client may open a vehicle (one
    /// per type, since empty vehicles of a type are interchangeable).
    pub fn first_empty_of_each_type(&self, sd: &SearchData) -> Vec<usize> {
        let mut seen = vec![false; sd.vts.len()];
        let mut out = Vec::new();
        for (r, route) in self.routes.iter().enumerate() {
            if route.clients == 0 && !seen[route.vt] {
                seen[route.vt] = true;
                out.push(r);
            }
        }
        out
    }

    /// Number of used routes.
    pub fn vehicles(&self) -> usize {
        self.routes.iter().filter(|r| r.clients > 0).count()
    }

    /// True when every client is routed and no route violates anything.
    pub fn is_feasible(&self, sd: &SearchData) -> bool {
        self.place.iter().all(|&p| p != UNROUTED)
            && self.routes.iter().all(|r| {
                r.clients == 0 || CostEvaluator::measure(sd, r.vt, r.whole()).1.is_feasible()
            })
    }

    /// Converts to a plain solution.
    pub fn export(&self, sd: &SearchData) -> Solution {
        let mut routes = Vec::new();
        for r in &self.routes {
            if r.clients == 0 {
                continue;
            }
            let visits = r.nodes[1..r.nodes.len() - 1]
                .iter()
                .map(|&n| match sd.node_kind[n as usize] {
                    Kind::Client => Visit::Client(n as usize),
                    Kind::Facility(f) => Visit::Facility(f),
                    Kind::Break => Visit::Break,
                    Kind::Depot => unreachable!("depots only at the ends"),
                })
                .collect();
            routes.push(PlainRoute {
                vehicle_type: r.vt,
                visits,
            });
        }
        Solution { routes }
    }

    /// Loads a plain solution (routes beyond the fleet of a type are dropped, their
    /// clients left unrouted; missing breaks are added at the start).
    pub fn load(sd: &SearchData, ce: &CostEvaluator, solution: &Solution) -> Self {
        let mut state = Self::empty(sd, ce);
        let mut next_of_type: Vec<usize> = Vec::new();
        let mut offset = 0;
        for v in &sd.vts {
            next_of_type.push(offset);
            offset += v.count;
        }
        let facility_base = sd.n_clients as u32;
        for route in &solution.routes {
            let t = route.vehicle_type;
            if t >= sd.vts.len() || route.num_clients() == 0 {
                continue;
            }
            let end = next_of_type[t] + sd.vts[t].count;
            if next_of_type[t] >= end {
                continue;
            }
            let r = next_of_type[t];
            next_of_type[t] += 1;
            let v = &sd.vts[t];
            let mut nodes = vec![v.start];
            let mut has_break = false;
            for visit in &route.visits {
                match *visit {
                    Visit::Client(c) => nodes.push(c as u32),
                    Visit::Facility(f) => nodes.push(facility_base + f as u32),
                    Visit::Break => {
                        if let Some(b) = v.lunch
                            && !has_break
                        {
                            nodes.push(b);
                            has_break = true;
                        }
                    }
                }
            }
            if !has_break && let Some(b) = v.lunch {
                nodes.insert(1, b);
            }
            nodes.push(v.end);
            state.routes[r].nodes = nodes;
            state.refresh(sd, ce, r);
        }
        state
    }
}
