//! Progress bars on stderr for long operations, hidden when stderr is not a terminal (CI logs).

use fenlei_app::progress::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

/// A progress reporter drawing one bar per phase.
pub struct Bars {
    bar: Option<ProgressBar>,
    visible: bool,
}

impl Bars {
    /// Bars if stderr is a terminal, silence otherwise.
    pub fn new() -> Bars {
        Bars {
            bar: None,
            visible: std::io::stderr().is_terminal(),
        }
    }
}

impl Progress for Bars {
    fn start(&mut self, label: &str, total: u64, unit: &str) {
        let bar = ProgressBar::with_draw_target(
            Some(total),
            if self.visible {
                ProgressDrawTarget::stderr()
            } else {
                ProgressDrawTarget::hidden()
            },
        );
        let template = if unit == "bytes" {
            "{msg:>12} [{bar:40.cyan/blue}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}"
        } else {
            "{msg:>12} [{bar:40.cyan/blue}] {pos}/{len} {unit} eta {eta}"
        };
        let style = ProgressStyle::with_template(&template.replace("{unit}", unit))
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("█▉▊▋▌▍▎▏ ");
        bar.set_style(style);
        bar.set_message(label.to_owned());
        self.bar = Some(bar);
    }

    fn set(&mut self, position: u64) {
        if let Some(b) = &self.bar {
            b.set_position(position);
        }
    }

    fn finish(&mut self, message: &str) {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
        eprintln!("{message}");
    }
}
