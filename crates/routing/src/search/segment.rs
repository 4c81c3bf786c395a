//! Route segments that concatenate in O(1) (Vidal et al. 2013, as in PyVRP): distance, load
//! per trip, duration and time warp of any stretch of a route, so the search can price a
//! move by gluing cached prefix and suffix segments around the changed part.
//!
//! Three features beyond plain VRPTW make a segment slightly richer than Vidal's:
//! * **Trips.** Facilities (and, when the problem has facilities or release times, the
//!   depots) are *trip boundaries*. A segment that contains one keeps the part of the
//!   route before its last boundary (`closed`) apart from the trip that is still open
//!   (`open`), because that trip's release time and load are only known once the trip is
//!   closed by a later boundary.
//! * **Loads per trip.** Per dimension: load before the first boundary (`head`), load after
//!   the last one (`tail`), and the excess of the trips completed inside (`excess`).
//! * **Breaks.** A break has no location of its own: it is taken where the previous visit
//!   was. A segment that *starts* with a break keeps it pending (`lead`) until it is glued
//!   to what comes before it, which keeps concatenation associative.

use crate::model::{MAX_DIMS, Matrix, TIME_MAX};

/// "No location" (empty segment or a lone break).
pub(crate) const NO_LOC: u32 = u32::MAX;

/// Duration / time-warp segment (Vidal's concatenation), with its first and last location.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Tw {
    pub first: u32,
    pub last: u32,
    /// Total duration including waiting, service and time warp.
    pub duration: i64,
    pub time_warp: i64,
    /// Earliest start that yields the least duration.
    pub early: i64,
    /// Latest start without extra time warp.
    pub late: i64,
}

impl Tw {
    /// The neutral element.
    pub const EMPTY: Tw = Tw {
        first: NO_LOC,
        last: NO_LOC,
        duration: 0,
        time_warp: 0,
        early: -TIME_MAX,
        late: TIME_MAX,
    };

    /// One stop.
    pub fn stop(location: u32, service: i64, early: i64, late: i64) -> Tw {
        Tw {
            first: location,
            last: location,
            duration: service,
            time_warp: 0,
            early,
            late,
        }
    }

    /// `self` then `other`, with `travel` between them.
    #[inline(always)]
    pub fn then(&self, other: &Tw, travel: i64) -> Tw {
        let at = self.duration - self.time_warp + travel;
        let diff_tw = (self.early + at - other.late).max(0);
        let diff_wait = (other.early - at - self.late).max(0);
        Tw {
            first: if self.first != NO_LOC {
                self.first
            } else {
                other.first
            },
            last: if other.last != NO_LOC {
                other.last
            } else {
                self.last
            },
            duration: self.duration + other.duration + travel + diff_wait,
            time_warp: self.time_warp + other.time_warp + diff_tw,
            early: (other.early - at).max(self.early) - diff_wait,
            late: (other.late - at).min(self.late) + diff_tw,
        }
    }

    /// The segment when it may not start before `release`.
    #[inline(always)]
    pub fn released(&self, release: i64) -> Tw {
        if release <= self.early {
            return *self;
        }
        Tw {
            early: release,
            late: self.late.max(release),
            time_warp: self.time_warp + (release - self.late).max(0),
            ..*self
        }
    }
}

/// Load of one dimension.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Load {
    /// Collected before the first boundary (everything, without a boundary).
    pub head: i64,
    /// Collected after the last boundary.
    pub tail: i64,
    /// Excess of the trips completed inside the segment.
    pub excess: i64,
    /// Everything collected (for the daily limit).
    pub total: i64,
}

/// Data a concatenation needs besides the two segments.
pub(crate) struct Ctx<'a> {
    pub dist: &'a Matrix,
    pub dur: &'a Matrix,
    pub dims: usize,
    pub capacity: [i64; MAX_DIMS],
}

impl Ctx<'_> {
    /// Travel time between two locations (0 when either is missing).
    #[inline(always)]
    pub fn travel(&self, from: u32, to: u32) -> i64 {
        if from == NO_LOC || to == NO_LOC {
            0
        } else {
            self.dur.get(from as usize, to as usize)
        }
    }
    /// Distance between two locations (0 when either is missing).
    #[inline(always)]
    pub fn distance(&self, from: u32, to: u32) -> i64 {
        if from == NO_LOC || to == NO_LOC {
            0
        } else {
            self.dist.get(from as usize, to as usize)
        }
    }
}

/// A stretch of a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Seg {
    pub first: u32,
    pub last: u32,
    pub distance: i64,
    pub clients: u32,
    /// Contains a trip boundary.
    pub bounded: bool,
    /// The first boundary closes its trip with capacity zero (an end depot of a vehicle
    /// that must come home empty).
    pub head_zero_cap: bool,
    /// Starts with a break that is still to be glued to its predecessor.
    pub has_lead: bool,
    pub lead: Tw,
    /// Whole segment (unbounded), or everything before the last boundary.
    pub closed: Tw,
    /// From the last boundary to the end (bounded only).
    pub open: Tw,
    /// Release time owed by the trip that was open when the segment began.
    pub release_head: i64,
    /// Release time of the open trip.
    pub release_open: i64,
    pub load: [Load; MAX_DIMS],
}

impl Seg {
    /// The neutral element.
    pub const EMPTY: Seg = Seg {
        first: NO_LOC,
        last: NO_LOC,
        distance: 0,
        clients: 0,
        bounded: false,
        head_zero_cap: false,
        has_lead: false,
        lead: Tw::EMPTY,
        closed: Tw::EMPTY,
        open: Tw::EMPTY,
        release_head: 0,
        release_open: 0,
        load: [Load {
            head: 0,
            tail: 0,
            excess: 0,
            total: 0,
        }; MAX_DIMS],
    };

    /// A client.
    pub fn client(
        location: u32,
        service: i64,
        early: i64,
        late: i64,
        release: i64,
        demand: &[i64],
    ) -> Seg {
        let mut load = [Load::default(); MAX_DIMS];
        for (d, &q) in demand.iter().enumerate() {
            load[d] = Load {
                head: q,
                tail: 0,
                excess: 0,
                total: q,
            };
        }
        Seg {
            first: location,
            last: location,
            clients: 1,
            closed: Tw::stop(location, service, early, late),
            release_head: release,
            load,
            ..Seg::EMPTY
        }
    }

    /// A trip boundary (facility or depot in multi-trip mode).
    pub fn boundary(location: u32, service: i64, early: i64, late: i64, zero_cap: bool) -> Seg {
        Seg {
            first: location,
            last: location,
            bounded: true,
            head_zero_cap: zero_cap,
            open: Tw::stop(location, service, early, late),
            ..Seg::EMPTY
        }
    }

    /// A plain stop that is no boundary (a depot in single-trip mode).
    pub fn plain(location: u32, service: i64, early: i64, late: i64) -> Seg {
        Seg {
            first: location,
            last: location,
            closed: Tw::stop(location, service, early, late),
            ..Seg::EMPTY
        }
    }

    /// A break.
    pub fn lunch(duration: i64, early: i64, late: i64) -> Seg {
        Seg {
            has_lead: true,
            lead: Tw {
                first: NO_LOC,
                last: NO_LOC,
                duration,
                time_warp: 0,
                early,
                late,
            },
            ..Seg::EMPTY
        }
    }

    /// True for the neutral element.
    #[inline(always)]
    fn is_empty_body(&self) -> bool {
        self.first == NO_LOC
    }

    /// `self` then `other`.
    #[inline(always)]
    pub fn then(&self, other: &Seg, ctx: &Ctx) -> Seg {
        if other.has_lead {
            if self.is_empty_body() {
                // Both may only be a lone break and a body: keep the break pending.
                let mut out = *other;
                if self.has_lead {
                    // Two breaks in a row: fold the second into the first's pending part.
                    out.lead = self.lead.then(&other.lead, 0);
                }
                return out;
            }
            let mut with_break = *self;
            if with_break.bounded {
                with_break.open = with_break.open.then(&other.lead, 0);
            } else {
                with_break.closed = with_break.closed.then(&other.lead, 0);
            }
            let mut body = *other;
            body.has_lead = false;
            body.lead = Tw::EMPTY;
            return with_break.body_then(&body, ctx);
        }
        self.body_then(other, ctx)
    }

    #[inline(always)]
    fn body_then(&self, b: &Seg, ctx: &Ctx) -> Seg {
        let a = self;
        if b.is_empty_body() {
            return *a;
        }
        if a.is_empty_body() {
            let mut out = *b;
            out.has_lead = a.has_lead;
            out.lead = a.lead;
            return out;
        }
        let mut out = Seg {
            first: a.first,
            last: b.last,
            distance: a.distance + b.distance + ctx.distance(a.last, b.first),
            clients: a.clients + b.clients,
            has_lead: a.has_lead,
            lead: a.lead,
            ..Seg::EMPTY
        };
        match (a.bounded, b.bounded) {
            (false, false) => {
                out.closed = a
                    .closed
                    .then(&b.closed, ctx.travel(a.closed.last, b.closed.first));
                out.release_head = a.release_head.max(b.release_head);
                for d in 0..ctx.dims {
                    let (x, y) = (&a.load[d], &b.load[d]);
                    out.load[d] = Load {
                        head: x.head + y.head,
                        tail: 0,
                        excess: 0,
                        total: x.total + y.total,
                    };
                }
            }
            (true, false) => {
                out.bounded = true;
                out.head_zero_cap = a.head_zero_cap;
                out.closed = a.closed;
                out.open = a
                    .open
                    .then(&b.closed, ctx.travel(a.open.last, b.closed.first));
                out.release_head = a.release_head;
                out.release_open = a.release_open.max(b.release_head);
                for d in 0..ctx.dims {
                    let (x, y) = (&a.load[d], &b.load[d]);
                    out.load[d] = Load {
                        head: x.head,
                        tail: x.tail + y.head,
                        excess: x.excess,
                        total: x.total + y.total,
                    };
                }
            }
            (false, true) => {
                out.bounded = true;
                out.head_zero_cap = b.head_zero_cap;
                out.closed = a
                    .closed
                    .then(&b.closed, ctx.travel(a.closed.last, b.closed.first));
                out.open = b.open;
                out.release_head = a.release_head.max(b.release_head);
                out.release_open = b.release_open;
                for d in 0..ctx.dims {
                    let (x, y) = (&a.load[d], &b.load[d]);
                    out.load[d] = Load {
                        head: x.head + y.head,
                        tail: y.tail,
                        excess: y.excess,
                        total: x.total + y.total,
                    };
                }
            }
            (true, true) => {
                out.bounded = true;
                out.head_zero_cap = a.head_zero_cap;
                let trip = a.open.released(a.release_open.max(b.release_head));
                let upto = a.closed.then(&trip, ctx.travel(a.closed.last, trip.first));
                out.closed = upto.then(&b.closed, ctx.travel(upto.last, b.closed.first));
                out.open = b.open;
                out.release_head = a.release_head;
                out.release_open = b.release_open;
                for d in 0..ctx.dims {
                    let (x, y) = (&a.load[d], &b.load[d]);
                    let cap = if b.head_zero_cap { 0 } else { ctx.capacity[d] };
                    out.load[d] = Load {
                        head: x.head,
                        tail: y.tail,
                        excess: x.excess + y.excess + (x.tail + y.head - cap).max(0),
                        total: x.total + y.total,
                    };
                }
            }
        }
        out
    }

    /// Duration segment of the whole stretch (closed part, then the released open trip).
    #[inline(always)]
    pub fn time(&self, ctx: &Ctx) -> Tw {
        if self.bounded {
            let trip = self.open.released(self.release_open);
            self.closed
                .then(&trip, ctx.travel(self.closed.last, trip.first))
        } else {
            self.closed
        }
    }

    /// Load above capacity in dimension `d` for a complete route (start to end depot).
    #[inline(always)]
    pub fn load_excess(&self, d: usize, capacity: i64, end_empty: bool) -> i64 {
        let l = &self.load[d];
        if self.bounded {
            l.excess + (l.head - capacity).max(0) + (l.tail - capacity).max(0)
        } else {
            unbounded_excess(l.head, capacity, end_empty)
        }
    }
}

/// Load above capacity of a complete route without trip boundaries that collected `load`:
/// all of it when the vehicle must come home empty (nothing unloads it), else what exceeds
/// `capacity`.
#[inline(always)]
pub(crate) fn unbounded_excess(load: i64, capacity: i64, end_empty: bool) -> i64 {
    if end_empty {
        load
    } else {
        (load - capacity).max(0)
    }
}
