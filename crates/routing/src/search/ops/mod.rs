//! Local-search moves, one per file: node moves on a pair of positions ([`NodeOp`]) and
//! moves between two whole routes ([`RouteOp`], SWAP*). Every move first *evaluates* its cost change from
//! cached segments (O(1) for inter-route moves, O(distance) inside one route) and is only
//! *applied* when that change is negative. Evaluation must be exact: after `apply`, the
//! solution's penalised cost changes by exactly the evaluated delta (tests check this
//! against the independent checker).

pub(crate) mod break_move;
pub(crate) mod reload_insert;
pub(crate) mod reload_remove;
pub(crate) mod relocate;
pub(crate) mod route_removal;
pub(crate) mod run_exchange;
pub(crate) mod swap;
pub(crate) mod swap_star;
pub(crate) mod two_opt;
pub(crate) mod two_opt_star;

use super::cost::CostEvaluator;
use super::data::SearchData;
use super::route::{Pos, Route, State};
use super::segment::{Ctx, Seg};

#[cfg(test)]
pub(crate) mod testkit;

/// A move on a pair of positions: `u` holds a client, `v` any stop but an end depot.
pub(crate) trait NodeOp {
    /// Short name for diagnostics (test failure messages).
    #[allow(dead_code)]
    fn name(&self) -> &'static str;
    /// Cost change of the move (a non-negative value means "not improving or not valid").
    fn evaluate(&mut self, sd: &SearchData, st: &State, ce: &CostEvaluator, u: Pos, v: Pos) -> i64;
    /// Applies the move last evaluated for the same `u` and `v`; returns the routes whose
    /// node lists changed (the caller refreshes them).
    fn apply(&mut self, sd: &SearchData, st: &mut State, u: Pos, v: Pos) -> [usize; 2];
}

/// A move between two whole routes.
pub(crate) trait RouteOp {
    /// Short name for diagnostics (test failure messages).
    #[allow(dead_code)]
    fn name(&self) -> &'static str;
    /// Cost change of the best move this operator finds between used routes `ru` and `rv`
    /// (a non-negative value means "none improves").
    fn evaluate(
        &mut self,
        sd: &SearchData,
        st: &State,
        ce: &CostEvaluator,
        ru: usize,
        rv: usize,
    ) -> i64;
    /// Applies the move of the last improving evaluation; returns the two routes changed.
    fn apply(&mut self, st: &mut State) -> [usize; 2];
}

/// The segment of `n` consecutive clients starting at `route.nodes[i]` (reversed if asked),
/// or `None` when they are not all clients.
#[inline(always)]
pub(crate) fn client_chain(
    sd: &SearchData,
    ctx: &Ctx,
    route: &Route,
    i: usize,
    n: usize,
    reverse: bool,
) -> Option<Seg> {
    if i == 0 || i + n > route.len() - 1 {
        return None;
    }
    if !route.nodes[i..i + n].iter().all(|&x| sd.is_client(x)) {
        return None;
    }
    Some(if reverse {
        route.reversed(sd, ctx, i, i + n - 1)
    } else {
        route.between(sd, ctx, i, i + n - 1)
    })
}
