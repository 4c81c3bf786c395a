//! Perturbation for the iterated local search: remove a small cluster of clients (a random
//! client and its nearest neighbours that are routed) and put each back at its cheapest
//! nearby place in random order. Only the routes this touches are searched again.

use super::cost::CostEvaluator;
use super::data::SearchData;
use super::insert::{Scope, best_insertion};
use super::local_search::LocalSearch;
use super::route::State;
use crate::rng::Rng;

/// Removes and reinserts `count` clients around a random one.
pub(crate) fn perturb(
    sd: &SearchData,
    st: &mut State,
    ce: &CostEvaluator,
    ls: &mut LocalSearch,
    rng: &mut Rng,
    count: usize,
    allow_empty: bool,
) {
    let n = sd.n_clients;
    if n == 0 {
        return;
    }
    let seed = rng.below(n) as u32;
    let mut removed = Vec::with_capacity(count);
    for c in std::iter::once(seed).chain(sd.neighbours[seed as usize].iter().copied()) {
        if removed.len() >= count {
            break;
        }
        if let Some(p) = st.pos(c) {
            st.remove(sd, ce, p);
            ls.touch(p.route);
            ls.mark_position(sd, st, p.route, p.idx.min(st.routes[p.route].len() - 1));
            removed.push(c);
        }
    }
    rng.shuffle(&mut removed);
    for c in removed {
        if let Some((_, pos)) = best_insertion(sd, st, ce, c, Scope::Neighbours, allow_empty) {
            st.insert_after(sd, ce, c, pos);
            ls.touch(pos.route);
            ls.mark_around(sd, st, c);
        }
    }
}

/// Builds a first solution by cheapest insertion of every client, in random order.
pub(crate) fn construct(sd: &SearchData, ce: &CostEvaluator, rng: &mut Rng) -> State {
    let mut st = State::empty(sd, ce);
    let mut order: Vec<u32> = (0..sd.n_clients as u32).collect();
    rng.shuffle(&mut order);
    // Far-away and tightly windowed clients first makes a better skeleton.
    let dist_from_depot = |c: u32| {
        let v = &sd.vts[0];
        sd.dist(v.start, c)
    };
    order.sort_by_key(|&c| std::cmp::Reverse(dist_from_depot(c)));
    let scope = if sd.n_clients <= 1500 {
        Scope::Everywhere
    } else {
        Scope::Neighbours
    };
    for c in order {
        if let Some((_, pos)) = best_insertion(sd, &st, ce, c, scope, true) {
            st.insert_after(sd, ce, c, pos);
        }
    }
    st
}
