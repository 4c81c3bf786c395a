//! Granular local search (first improvement): for every promising client `u` and each of its
//! granular neighbours `v`, try the node moves on `(u, v)` and on `(u, stop before v)`, but
//! only when one of the two routes changed since `u` was last tried in this search. On
//! instances up to [`FOLLOW_MOVES_UP_TO`] clients a move makes the clients at and next to both
//! of its ends promising again, so the search goes on around every change until no move
//! improves; after a small perturbation only the neighbourhood of what changed is searched.
//! Then facility visits and breaks are tidied per route. When no node move improves any
//! more, multi-trip days exchange whole trips between trucks (run exchange, every pair of
//! routes of which one changed), and SWAP* is tried on every pair of neighbouring routes
//! (some client of one has a granular neighbour in the other) of which one changed since the
//! pair was last tried; what it changes is searched again (instances up to
//! [`SWAP_STAR_UP_TO`] clients). Empty vehicles are offered to each client as a split of its
//! route after it (2-opt*) at the first pass, and to all node moves from the second.

use super::cost::CostEvaluator;
use super::data::SearchData;
use super::ops::NodeOp;
use super::ops::RouteOp;
use super::ops::break_move::BreakMove;
use super::ops::reload_insert::ReloadInsert;
use super::ops::reload_remove::ReloadRemove;
use super::ops::relocate::Relocate;
use super::ops::run_exchange::RunExchange;
use super::ops::swap::Swap;
use super::ops::swap_star::SwapStar;
use super::ops::two_opt::TwoOpt;
use super::ops::two_opt_star::TwoOptStar;
use super::route::{Pos, State};
use crate::rng::Rng;

/// On instances up to this many clients a move makes the clients at and next to both of its
/// ends promising again (as in PyVRP), so the search goes on around every change until no
/// move improves. Without it the search stopped short of a local optimum and on
/// Gehring–Homberger r2_2_1 (30 s, seed 0) settled on 3,476.0 with 12 routes where 13 give
/// PyVRP's 3,468.0. On a district's day (1,171 points, three trips a truck) it halved the
/// iterations and, at seed 1, left the other-waste day infeasible after 10 s (239 iterations
/// against 1,853), so larger instances follow only the perturbation and the facility moves.
pub(crate) const FOLLOW_MOVES_UP_TO: usize = 400;

/// SWAP* runs on instances up to this many clients. On a district's day (~1,000 points, 60+
/// a route) it took most of the time and left the search 4× fewer iterations and a longer
/// plan at the same fleet (measured at 30 s on the kitchen-waste day).
pub(crate) const SWAP_STAR_UP_TO: usize = 400;

pub(crate) struct LocalSearch {
    ops: Vec<Box<dyn NodeOp>>,
    reload_insert: ReloadInsert,
    reload_remove: ReloadRemove,
    break_move: BreakMove,
    swap_star: SwapStar,
    run_exchange: RunExchange,
    /// Per route pair `a * routes + b`: the update counter when SWAP* last tried it.
    pair_tested: Vec<u64>,
    /// The same for run exchange.
    runs_tested: Vec<u64>,
    /// Per node: its successor in a route before a route move, valid where `succ_stamp`
    /// equals `stamp` (scratch for marking what a route move changed).
    succ: Vec<u32>,
    succ_stamp: Vec<u64>,
    stamp: u64,
    /// Clients whose surroundings changed and that are worth another look.
    promising: Vec<bool>,
    work: Vec<u32>,
    /// Per route: the update counter when it last changed.
    last_updated: Vec<u64>,
    /// Per client: the update counter when its neighbours were last tried.
    tested_at: Vec<u64>,
    updates: u64,
    /// Routes changed since the last `take_dirty`.
    dirty: Vec<bool>,
    dirty_list: Vec<usize>,
    /// Whether empty vehicles may be opened by moves.
    pub allow_empty: bool,
    /// Whether SWAP* runs (instances up to [`SWAP_STAR_UP_TO`] clients).
    route_moves: bool,
    /// Whether a move marks its surroundings (instances up to [`FOLLOW_MOVES_UP_TO`]).
    follow_moves: bool,
}

impl LocalSearch {
    pub fn new(sd: &SearchData, routes: usize) -> Self {
        let ops: Vec<Box<dyn NodeOp>> = vec![
            Box::new(Relocate {
                len: 1,
                reverse: false,
            }),
            Box::new(Relocate {
                len: 2,
                reverse: false,
            }),
            Box::new(Relocate {
                len: 2,
                reverse: true,
            }),
            Box::new(Relocate {
                len: 3,
                reverse: false,
            }),
            Box::new(Relocate {
                len: 3,
                reverse: true,
            }),
            Box::new(Swap { n: 1, m: 1 }),
            Box::new(Swap { n: 2, m: 1 }),
            Box::new(Swap { n: 2, m: 2 }),
            Box::new(Swap { n: 3, m: 1 }),
            Box::new(Swap { n: 3, m: 2 }),
            Box::new(Swap { n: 3, m: 3 }),
            Box::new(TwoOptStar),
            Box::new(TwoOpt),
        ];
        Self {
            ops,
            reload_insert: ReloadInsert::default(),
            reload_remove: ReloadRemove,
            break_move: BreakMove::default(),
            swap_star: SwapStar::default(),
            run_exchange: RunExchange::default(),
            pair_tested: vec![0; routes * routes],
            runs_tested: vec![0; routes * routes],
            succ: vec![0; sd.node_seg.len()],
            succ_stamp: vec![0; sd.node_seg.len()],
            stamp: 0,
            promising: vec![true; sd.n_clients],
            work: Vec::new(),
            last_updated: vec![1; routes],
            tested_at: vec![0; sd.n_clients],
            updates: 1,
            dirty: vec![false; routes],
            dirty_list: Vec::new(),
            allow_empty: true,
            route_moves: sd.n_clients <= SWAP_STAR_UP_TO,
            follow_moves: sd.n_clients <= FOLLOW_MOVES_UP_TO,
        }
    }

    /// Marks route `r` as changed (by the caller, e.g. a perturbation or a restore).
    pub fn touch(&mut self, r: usize) {
        self.updates += 1;
        self.last_updated[r] = self.updates;
        if !self.dirty[r] {
            self.dirty[r] = true;
            self.dirty_list.push(r);
        }
    }

    /// Routes changed since the last call.
    pub fn take_dirty(&mut self) -> Vec<usize> {
        for &r in &self.dirty_list {
            self.dirty[r] = false;
        }
        std::mem::take(&mut self.dirty_list)
    }

    /// Forgets what was tested, so the next search looks at everything.
    pub fn reset_tested(&mut self) {
        self.updates += 1;
        for t in &mut self.last_updated {
            *t = self.updates;
        }
        self.promising.fill(true);
    }

    /// Marks client `c` and the clients next to it as worth another look.
    pub fn mark_around(&mut self, sd: &SearchData, st: &State, c: u32) {
        self.promising[c as usize] = true;
        if let Some(p) = st.pos(c) {
            let nodes = &st.routes[p.route].nodes;
            for idx in [p.idx - 1, p.idx + 1] {
                if sd.is_client(nodes[idx]) {
                    self.promising[nodes[idx] as usize] = true;
                }
            }
        }
    }

    /// Marks every client of every route changed since the last `take_dirty` that violates a
    /// constraint (before a boosted search). Routes left alone were searched before: marking
    /// them too made each iteration of an infeasible search (a descent to a smaller fleet)
    /// a sweep of the whole district's day.
    pub fn mark_infeasible(&mut self, sd: &SearchData, st: &State) {
        for &ri in &self.dirty_list {
            let r = &st.routes[ri];
            if r.clients > 0 && !CostEvaluator::measure(sd, r.vt, r.whole()).1.is_feasible() {
                for &n in &r.nodes {
                    if sd.is_client(n) {
                        self.promising[n as usize] = true;
                    }
                }
            }
        }
    }

    /// Marks the clients at and next to position `idx` of route `r`.
    pub fn mark_position(&mut self, sd: &SearchData, st: &State, r: usize, idx: usize) {
        let nodes = &st.routes[r].nodes;
        for k in idx.saturating_sub(1)..(idx + 2).min(nodes.len()) {
            if sd.is_client(nodes[k]) {
                self.promising[nodes[k] as usize] = true;
            }
        }
    }

    fn apply(
        &mut self,
        sd: &SearchData,
        st: &mut State,
        ce: &CostEvaluator,
        op: usize,
        u: Pos,
        v: Pos,
    ) {
        let touched = self.ops[op].apply(sd, st, u, v);
        self.refresh(sd, st, ce, touched);
    }

    fn refresh(
        &mut self,
        sd: &SearchData,
        st: &mut State,
        ce: &CostEvaluator,
        touched: [usize; 2],
    ) {
        st.refresh(sd, ce, touched[0]);
        self.touch(touched[0]);
        if touched[1] != touched[0] {
            st.refresh(sd, ce, touched[1]);
            self.touch(touched[1]);
        }
    }

    /// Tries all node moves on `(u, v)`; true when one was applied.
    fn try_ops(
        &mut self,
        sd: &SearchData,
        st: &mut State,
        ce: &CostEvaluator,
        u: Pos,
        v: Pos,
    ) -> bool {
        for op in 0..self.ops.len() {
            let delta = self.ops[op].evaluate(sd, st, ce, u, v);
            if delta < 0 {
                if self.follow_moves {
                    self.mark_position(sd, st, u.route, u.idx);
                    self.mark_position(sd, st, v.route, v.idx);
                }
                self.apply(sd, st, ce, op, u, v);
                return true;
            }
        }
        false
    }

    /// Runs until no move improves around the promising clients.
    pub fn search(&mut self, sd: &SearchData, st: &mut State, ce: &CostEvaluator, rng: &mut Rng) {
        rng.shuffle(&mut self.ops);
        let has_facilities = sd.vts.iter().any(|v| !v.facilities.is_empty());
        let has_breaks = sd.vts.iter().any(|v| v.lunch.is_some());
        let mut step = 0;
        let call_start = self.updates;
        loop {
            let start_updates = self.updates;
            self.work.clear();
            self.work
                .extend((0..sd.n_clients as u32).filter(|&c| self.promising[c as usize]));
            if self.work.is_empty() && step > 0 {
                break;
            }
            let mut work = std::mem::take(&mut self.work);
            rng.shuffle(&mut work);
            for &u in &work {
                if !self.promising[u as usize] {
                    continue;
                }
                self.promising[u as usize] = false;
                let Some(pu) = st.pos(u) else {
                    continue;
                };

                if has_facilities {
                    for side in [pu.idx - 1, pu.idx + 1] {
                        let at = Pos {
                            route: pu.route,
                            idx: side,
                        };
                        if self.reload_remove.evaluate(sd, st, ce, pu, at) <= 0 {
                            let touched = self.reload_remove.apply(sd, st, pu, at);
                            self.refresh(sd, st, ce, touched);
                            self.mark_around(sd, st, u);
                            break;
                        }
                    }
                }

                let last_test = self.tested_at[u as usize];
                self.tested_at[u as usize] = self.updates;
                for n in 0..sd.neighbours[u as usize].len() {
                    let v = sd.neighbours[u as usize][n];
                    let Some(pv) = st.pos(v) else {
                        continue;
                    };
                    let pu = st.pos(u).expect("routed");
                    // Nothing to find where neither route changed since `u` was last tried
                    // in this search (costs do not change within one search).
                    if last_test > call_start
                        && self.last_updated[pu.route] <= last_test
                        && self.last_updated[pv.route] <= last_test
                    {
                        continue;
                    }
                    if self.try_ops(sd, st, ce, pu, pv) {
                        continue;
                    }
                    let before = st.routes[pv.route].nodes[pv.idx - 1];
                    if !sd.is_client(before) {
                        let pb = Pos {
                            route: pv.route,
                            idx: pv.idx - 1,
                        };
                        let pu = st.pos(u).expect("routed");
                        self.try_ops(sd, st, ce, pu, pb);
                    }
                }

                let pu = st.pos(u).expect("routed");
                if has_facilities && self.reload_insert.evaluate(sd, st, ce, pu, pu) < 0 {
                    let touched = self.reload_insert.apply(sd, st, pu, pu);
                    self.refresh(sd, st, ce, touched);
                    self.mark_around(sd, st, u);
                }

                if self.allow_empty {
                    if step > 0 {
                        self.empty_route_moves(sd, st, ce, u);
                    } else {
                        self.split_into_empty(sd, st, ce, u);
                    }
                }
            }
            self.work = work;
            if has_breaks {
                for r in 0..st.routes.len() {
                    if st.routes[r].clients > 0 && self.dirty[r] {
                        let p = Pos { route: r, idx: 0 };
                        if self.break_move.evaluate(sd, st, ce, p, p) < 0 {
                            let touched = self.break_move.apply(sd, st, p, p);
                            self.refresh(sd, st, ce, touched);
                            let len = st.routes[r].len();
                            for idx in 1..len - 1 {
                                self.mark_position(sd, st, r, idx);
                            }
                        }
                    }
                }
            }
            if !self.promising.iter().any(|&p| p) && self.allow_empty {
                self.relieve_infeasible_routes(sd, st, ce);
            }
            if has_facilities && !self.promising.iter().any(|&p| p) {
                self.exchange_runs(sd, st, ce);
            }
            if self.route_moves && !self.promising.iter().any(|&p| p) {
                self.route_pair_moves(sd, st, ce);
            }
            if self.updates == start_updates && !self.promising.iter().any(|&p| p) {
                break;
            }
            step += 1;
        }
    }

    /// Run exchange on used routes of which one changed since the pair was tried; applies
    /// the first that improves and looks again at the clients at both ends of each run.
    fn exchange_runs(&mut self, sd: &SearchData, st: &mut State, ce: &CostEvaluator) {
        let n = st.routes.len();
        for a in 0..n {
            for b in a + 1..n {
                let tested = self.runs_tested[a * n + b];
                if st.routes[a].clients == 0
                    || st.routes[b].clients == 0
                    || (self.last_updated[a] <= tested && self.last_updated[b] <= tested)
                {
                    continue;
                }
                self.runs_tested[a * n + b] = self.updates;
                if self.run_exchange.evaluate(sd, st, ce, a, b) < 0 {
                    let touched = self.run_exchange.apply(st);
                    self.refresh(sd, st, ce, touched);
                    for r in touched {
                        for idx in 1..st.routes[r].len() - 1 {
                            if !sd.is_client(st.routes[r].nodes[idx]) {
                                self.mark_position(sd, st, r, idx);
                            }
                        }
                    }
                    return;
                }
            }
        }
    }

    /// SWAP* on neighbouring used routes of which one changed since the pair was tried.
    fn route_pair_moves(&mut self, sd: &SearchData, st: &mut State, ce: &CostEvaluator) {
        let n = st.routes.len();
        let mut near = vec![false; n];
        for a in 0..n {
            if st.routes[a].clients == 0 {
                continue;
            }
            near.fill(false);
            for &c in &st.routes[a].nodes {
                if sd.is_client(c) {
                    for &w in &sd.neighbours[c as usize] {
                        if let Some(p) = st.pos(w) {
                            near[p.route] = true;
                        }
                    }
                }
            }
            for (b, &is_near) in near.iter().enumerate().skip(a + 1) {
                let tested = self.pair_tested[a * n + b];
                if !is_near
                    || st.routes[b].clients == 0
                    || (self.last_updated[a] <= tested && self.last_updated[b] <= tested)
                {
                    continue;
                }
                self.pair_tested[a * n + b] = self.updates;
                if self.swap_star.evaluate(sd, st, ce, a, b) < 0 {
                    self.stamp += 1;
                    for r in [a, b] {
                        for w in st.routes[r].nodes.windows(2) {
                            self.succ[w[0] as usize] = w[1];
                            self.succ_stamp[w[0] as usize] = self.stamp;
                        }
                    }
                    let touched = self.swap_star.apply(st);
                    self.refresh(sd, st, ce, touched);
                    // Clients with a new predecessor or successor are worth another look.
                    for r in touched {
                        for w in st.routes[r].nodes.windows(2) {
                            let (x, y) = (w[0] as usize, w[1]);
                            if self.succ_stamp[x] != self.stamp || self.succ[x] != y {
                                for node in [w[0], y] {
                                    if sd.is_client(node) {
                                        self.promising[node as usize] = true;
                                    }
                                }
                            }
                        }
                    }
                    return;
                }
            }
        }
    }

    /// Offers every client of a route that breaks a rule an empty vehicle (the node loop
    /// only does so for clients it looks at again, which the late ones may not be).
    fn relieve_infeasible_routes(&mut self, sd: &SearchData, st: &mut State, ce: &CostEvaluator) {
        for r in 0..st.routes.len() {
            let route = &st.routes[r];
            if route.clients == 0
                || CostEvaluator::measure(sd, route.vt, route.whole())
                    .1
                    .is_feasible()
            {
                continue;
            }
            let clients: Vec<u32> = route
                .nodes
                .iter()
                .copied()
                .filter(|&n| sd.is_client(n))
                .collect();
            for u in clients {
                if self.empty_route_moves(sd, st, ce, u) {
                    self.mark_around(sd, st, u);
                    return;
                }
            }
        }
    }

    /// Splits `u`'s route after `u` when handing the rest to an empty vehicle (2-opt* with
    /// that vehicle's depot) shortens the day. Offered at every client's first look, while
    /// the other moves into empty vehicles wait for the second pass: on long routes with wide
    /// windows the search otherwise settles on too few routes (Gehring–Homberger r2_2_1 at
    /// 30 s, seeds 0-3: 3,476.0-3,489.9 with 11-12 vehicles, PyVRP 3,468.0 with 13).
    fn split_into_empty(&mut self, sd: &SearchData, st: &mut State, ce: &CostEvaluator, u: u32) {
        for route in st.first_empty_of_each_type(sd) {
            let (pu, pv) = (st.pos(u).expect("routed"), Pos { route, idx: 0 });
            if TwoOptStar.evaluate(sd, st, ce, pu, pv) < 0 {
                let touched = TwoOptStar.apply(sd, st, pu, pv);
                self.refresh(sd, st, ce, touched);
                return;
            }
        }
    }

    /// Tries the node moves of `u` into the first empty vehicle of each type; true when one
    /// was applied.
    fn empty_route_moves(
        &mut self,
        sd: &SearchData,
        st: &mut State,
        ce: &CostEvaluator,
        u: u32,
    ) -> bool {
        // Computed once: the loop stops at the first move applied, so the list stays true.
        for route in st.first_empty_of_each_type(sd) {
            let pu = st.pos(u).expect("routed");
            if self.try_ops(sd, st, ce, pu, Pos { route, idx: 0 }) {
                return true;
            }
        }
        false
    }
}
