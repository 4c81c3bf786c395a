//! Prints the evaluation table (same as `fenlei guide eval`), without building the CLI:
//! `cargo run --release -p fenlei-guide --example eval [-- --misses]`.

fn main() {
    let guide = fenlei_guide::Guide::embedded();
    let report = fenlei_guide::eval::run(guide, &fenlei_guide::eval::generate(guide));
    if std::env::args().any(|a| a == "--misses") {
        for m in &report.misses {
            eprintln!(
                "{}\t{}\texpected {}\tgot {}\t{}",
                m.kind, m.query, m.expected, m.got, m.reason
            );
        }
    }
    print!("{}", report.table());
}
