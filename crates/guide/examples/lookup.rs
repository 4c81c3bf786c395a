//! One answer per line of standard input as JSON (like `fenlei guide --json`), for trying the
//! library without the CLI: `echo 快餐盒 | cargo run -p fenlei-guide --example lookup -- shanghai`.

use std::io::BufRead;

fn main() {
    let city = std::env::args().nth(1).unwrap_or_else(|| "national".into());
    let guide = fenlei_guide::Guide::embedded();
    for line in std::io::stdin().lock().lines().map_while(Result::ok) {
        let a = guide.lookup(&line, &city);
        println!("{}", serde_json::to_string(&a).unwrap_or_default());
    }
}
