//! `fenlei guide`: look items up in the sorting guide, one query from the arguments or many from
//! standard input, as a coloured card or JSON; plus `eval`, `bench` and `build-data` for the
//! guide's own maintenance. The search itself lives in the `fenlei-guide` crate.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use anyhow::{Context, bail};
use fenlei_guide::{Answer, Category, Guide, build_data, eval};

/// Arguments of `fenlei guide`.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct GuideArgs {
    #[command(subcommand)]
    command: Option<GuideCommand>,
    /// The item to look up (several words are joined with spaces). Without it, one query per
    /// line is read from standard input.
    pub query: Vec<String>,
    /// The city whose rules and words to use: national, shanghai, beijing, shenzhen,
    /// hangzhou, chongqing, guangzhou, dalian (or 上海, sh, ...).
    #[arg(long, short, default_value = "national")]
    pub city: String,
    /// Print the answer as JSON (one line per query).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, clap::Subcommand)]
enum GuideCommand {
    /// Top-1 category accuracy per query kind on the generated evaluation set.
    Eval {
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// Print every miss (query, expected, got) to standard error.
        #[arg(long)]
        misses: bool,
    },
    /// Latency per query (p50, p99), index build time and approximate index memory.
    Bench {
        /// How many times the evaluation queries are run.
        #[arg(long, default_value_t = 3)]
        rounds: usize,
    },
    /// Regenerate data/guide/items.csv and conflicts.csv from the upstream source files.
    BuildData {
        /// Folder with the upstream files (shanghai_alexayan.csv, ...).
        #[arg(long, default_value = "data/guide/upstream")]
        shared: PathBuf,
        /// The repository's data/guide folder (reads overrides.csv, writes the outputs).
        #[arg(long, default_value = "data/guide")]
        out: PathBuf,
    },
    /// List the cities and their words for the categories.
    Cities,
}

/// Runs `fenlei guide`.
pub fn run(args: GuideArgs) -> anyhow::Result<()> {
    match args.command {
        Some(GuideCommand::Eval { json, misses }) => return run_eval(json, misses),
        Some(GuideCommand::Bench { rounds }) => return run_bench(rounds),
        Some(GuideCommand::BuildData { shared, out }) => return run_build_data(&shared, &out),
        Some(GuideCommand::Cities) => return run_cities(),
        None => {}
    }
    let guide = Guide::embedded();
    let Some(city) = guide.cities().get(&args.city) else {
        let known: Vec<&str> = guide
            .cities()
            .all()
            .iter()
            .map(|c| c.key.as_str())
            .collect();
        bail!("unknown city {:?}; known: {}", args.city, known.join(", "));
    };
    let city = city.key.clone();
    let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let mut out = std::io::stdout().lock();
    if !args.query.is_empty() {
        let answer = guide.lookup(&args.query.join(" "), &city);
        return quiet_broken_pipe(emit(&answer, args.json, colour, &mut out));
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        bail!("give a QUERY, or pipe one query per line on standard input");
    }
    let result = answer_lines(guide, stdin.lock(), &city, args.json, colour, &mut out);
    quiet_broken_pipe(result)
}

/// `fenlei guide ... | head` closes the pipe early; that is not an error worth reporting.
fn quiet_broken_pipe(result: anyhow::Result<()>) -> anyhow::Result<()> {
    match result {
        Err(e)
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            Ok(())
        }
        other => other,
    }
}

/// Answers one query per non-empty input line: one JSON line each, or one card each.
fn answer_lines(
    guide: &Guide,
    input: impl BufRead,
    city: &str,
    json: bool,
    colour: bool,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    for line in input.lines() {
        let line = line.context("reading standard input")?;
        if line.trim().is_empty() {
            continue;
        }
        emit(&guide.lookup(&line, city), json, colour, out)?;
    }
    Ok(())
}

fn emit(answer: &Answer, json: bool, colour: bool, out: &mut dyn Write) -> anyhow::Result<()> {
    if json {
        serde_json::to_writer(&mut *out, answer).map_err(std::io::Error::from)?;
        writeln!(out)?;
    } else {
        write!(out, "{}", render_card(answer, colour))?;
    }
    Ok(())
}

/// ANSI background colour of a category's bin.
fn ansi_bg(c: Category) -> &'static str {
    match c {
        Category::Recyclable => "\x1b[1;97;44m",
        Category::Hazardous => "\x1b[1;97;41m",
        Category::Kitchen => "\x1b[1;97;42m",
        Category::Other => "\x1b[1;97;100m",
        Category::Bulky => "\x1b[1;97;43m",
        Category::Renovation => "\x1b[1;30;43m",
        Category::NotHousehold => "\x1b[1;97;45m",
    }
}

/// The category card for the terminal: Chinese first, English second.
fn render_card(a: &Answer, colour: bool) -> String {
    let (on, off, dim) = if colour {
        (ansi_bg(a.category), "\x1b[0m", "\x1b[2m")
    } else {
        ("", "", "")
    };
    let mut s = String::new();
    s.push_str(&format!(
        "{on} {} {}  {} {off}  {}（{}）\n",
        a.card.emoji, a.city_label, a.card.label_en, a.city_name, a.city
    ));
    let found = match &a.item {
        Some(it) => format!("{} → {}", a.query, it.name),
        None => a.query.clone(),
    };
    let guess = if a.guess {
        "  ⚠ 最佳猜测 best guess"
    } else {
        ""
    };
    s.push_str(&format!(" {found}{guess}\n"));
    s.push_str(&format!(" 理由：{}\n", a.reason));
    s.push_str(&format!(" {dim}Why: {}{off}\n", a.reason_en));
    if let Some(e) = &a.exception {
        s.push_str(&format!(
            " 城市规则：词典为{}，{}按本地规定\n",
            e.dictionary_category.key(),
            a.city_name
        ));
    }
    for (zh, en) in a.tips.iter().zip(&a.tips_en).take(2) {
        s.push_str(&format!(" 提示：{zh}\n"));
        s.push_str(&format!(" {dim}Tip: {en}{off}\n"));
    }
    s.push_str(&format!(" 定义：{}\n", a.card.definition));
    if !a.alternatives.is_empty() {
        let alts: Vec<String> = a
            .alternatives
            .iter()
            .map(|r| format!("{}（{}）", r.name, r.city_label))
            .collect();
        s.push_str(&format!(" 其他可能 alternatives：{}\n", alts.join("，")));
    }
    if !a.similar.is_empty() {
        let sim: Vec<&str> = a.similar.iter().map(|r| r.name.as_str()).collect();
        s.push_str(&format!(" {dim}相似 similar：{}{off}\n", sim.join("，")));
    }
    s
}

fn run_eval(json: bool, misses: bool) -> anyhow::Result<()> {
    let guide = Guide::embedded();
    let set = eval::generate(guide);
    let report = eval::run(guide, &set);
    if misses {
        for m in &report.misses {
            eprintln!(
                "{}\t{}\texpected {}\tgot {}\t{}",
                m.kind, m.query, m.expected, m.got, m.reason
            );
        }
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&report.summary())?);
    } else {
        print!("{}", report.table());
    }
    Ok(())
}

fn run_bench(rounds: usize) -> anyhow::Result<()> {
    println!("sorting guide benchmark (use a release build)");
    print!("{}", fenlei_guide::bench::run(rounds).text());
    Ok(())
}

fn run_build_data(shared: &std::path::Path, out: &std::path::Path) -> anyhow::Result<()> {
    let read = |dir: &std::path::Path, f: &str| {
        std::fs::read_to_string(dir.join(f))
            .with_context(|| format!("reading {}", dir.join(f).display()))
    };
    let alexayan = read(shared, "shanghai_alexayan.csv")?;
    let weapp = read(shared, "shanghai_weapp_aliases.csv")?;
    let huawei = read(shared, "shenzhen_huawei40.csv")?;
    let overrides = read(out, "overrides.csv")?;
    let built = build_data::build(build_data::Sources {
        alexayan: &alexayan,
        weapp: &weapp,
        huawei: &huawei,
        overrides: &overrides,
    });
    std::fs::write(out.join("items.csv"), &built.items_csv)?;
    std::fs::write(out.join("conflicts.csv"), &built.conflicts_csv)?;
    println!(
        "wrote {} items and {} conflicts to {}",
        built.items,
        built.conflicts,
        out.display()
    );
    Ok(())
}

fn run_cities() -> anyhow::Result<()> {
    let guide = Guide::embedded();
    for c in guide.cities().all() {
        let labels: Vec<&str> = Category::ALL[..4].iter().map(|k| c.label(*k)).collect();
        println!(
            "{:<10} {:<4} {}  ({} exceptions, confidence {})",
            c.key,
            c.name,
            labels.join(" / "),
            c.exceptions().len(),
            c.confidence
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stdin_mode_prints_one_json_line_per_query() {
        let input = "快餐盒\n\nbattery\nkch\n干垃圾\n";
        let mut out = Vec::new();
        answer_lines(
            Guide::embedded(),
            input.as_bytes(),
            "shanghai",
            true,
            false,
            &mut out,
        )
        .expect("answers");
        let text = String::from_utf8(out).expect("utf-8");
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).expect("each line is JSON"))
            .collect();
        assert_eq!(lines.len(), 4, "blank lines are skipped: {text}");
        assert_eq!(lines[0]["query"], "快餐盒");
        assert_eq!(lines[0]["city_label"], "干垃圾");
        assert_eq!(lines[1]["category"], "hazardous");
        assert_eq!(lines[2]["match_kind"], "initials");
        assert_eq!(lines[3]["match_kind"], "category");
        for l in &lines {
            for f in [
                "query",
                "city",
                "category",
                "city_label",
                "item",
                "guess",
                "reason",
                "tips",
            ] {
                assert!(l.get(f).is_some(), "missing {f}");
            }
        }
    }

    #[test]
    fn card_shows_chinese_then_english_and_marks_guesses() {
        let a = Guide::embedded().lookup("南孚电池", "shanghai");
        let card = render_card(&a, false);
        assert!(
            card.contains("有害垃圾") && card.contains("Hazardous waste"),
            "{card}"
        );
        assert!(
            card.contains("最佳猜测") && card.contains("best guess"),
            "{card}"
        );
        let zh = card.find("理由").expect("zh reason");
        let en = card.find("Why:").expect("en reason");
        assert!(zh < en, "Chinese first");
        assert!(!card.contains('\x1b'), "no colour codes when colour is off");
    }
}
