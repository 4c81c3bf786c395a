//! Routing files: instances of every supported format, `.sol` solutions (read, then judged
//! by the checker) and the best-known-solutions table.

use super::{corpus, corpus_dir, target, text};
use fenlei_fuzz::{fuzz, load_corpus};
use fenlei_routing::Objective;
use fenlei_routing::io::{Instance, parse_instance, read_bks, read_sol};
use std::collections::HashMap;

const VRP_TOKENS: &[&[u8]] = &[
    b"NAME : x",
    b"TYPE : CVRP",
    b"TYPE: MTVRPTWR",
    b"DIMENSION : 1000000000",
    b"DIMENSION: 0",
    b"VEHICLES: 4294967295",
    b"CAPACITY : -5",
    b"NODE_COORD_SECTION",
    b"DEMAND_SECTION",
    b"DEPOT_SECTION",
    b"TIME_WINDOW_SECTION",
    b"RELEASE_TIME_SECTION",
    b"VEHICLES_RELOAD_DEPOT_SECTION",
    b"EOF",
    b"VEHICLE",
    b"CUSTOMER",
    b"//",
    b"Route #1:",
    b"Route #0: 0 0 0",
    b"Cost",
    b"2400",
    b"9999",
];

/// Instance text as `read_instance` decodes files (Latin-1: every byte a character).
fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| b as char).collect()
}

fn stem(name: &str) -> &str {
    name.rsplit_once('.').map_or(name, |(s, _)| s)
}

#[test]
fn vrp_instance() {
    let t = target("vrp_instance", corpus("vrp_instance"), 400).with_tokens(VRP_TOKENS);
    fuzz(&t, |name, bytes| {
        let text = latin1(bytes);
        let distance = parse_instance(name, stem(name), &text, Objective::Distance);
        let hierarchical = parse_instance(name, stem(name), &text, Objective::Hierarchical);
        assert_eq!(
            distance.is_ok(),
            hierarchical.is_ok(),
            "the objective changed whether {name} parses"
        );
        distance.map(|_| ()).map_err(|e| e.to_string())
    });
}

#[test]
fn vrp_sol() {
    let instances: HashMap<String, Instance> =
        load_corpus(&corpus_dir("vrp_sol").join("instances"))
            .into_iter()
            .map(|s| {
                let parsed = parse_instance(
                    &s.name,
                    stem(&s.name),
                    &latin1(&s.bytes),
                    Objective::Distance,
                )
                .unwrap_or_else(|e| panic!("seed instance {}: {e}", s.name));
                (stem(&s.name).to_owned(), parsed)
            })
            .collect();
    let t = target("vrp_sol", corpus("vrp_sol"), 1500).with_tokens(VRP_TOKENS);
    fuzz(&t, |name, bytes| {
        let instance = &instances[stem(name)];
        let sol = read_sol(name, &text(bytes), instance).map_err(|e| e.to_string())?;
        // A solution read from a file is judged, whatever it holds.
        let report = fenlei_routing::check(&instance.problem, &sol.solution);
        let _ = (report.is_feasible(), report.violations());
        let _ = instance.reported_distance(&sol.solution);
        Ok(())
    });
}

#[test]
fn vrp_bks() {
    let t = target("vrp_bks", corpus("vrp_bks"), 2000).with_tokens(VRP_TOKENS);
    fuzz(&t, |name, bytes| {
        read_bks(name, &text(bytes))
            .map(|_| ())
            .map_err(|e| e.to_string())
    });
}
