//! Prints the latency, build-time and memory figures (same as `fenlei guide bench`), without
//! building the CLI: `cargo run --release -p fenlei-guide --example bench [-- ROUNDS]`.

fn main() {
    let rounds = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(3);
    print!("{}", fenlei_guide::bench::run(rounds).text());
}
