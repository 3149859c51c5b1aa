//! The progress bar of `ssecat bench` on a terminal's standard error:
//! requests done (of how many), their rate, failures and the running
//! median time to first token.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::bench::level::Level;
use crate::bench::load::Bound;
use crate::bench::sample::{Outcome, Sample};

/// A bar, or nothing when stderr is no terminal (or `-s`).
pub struct Progress {
    bar: Option<ProgressBar>,
    failed: u64,
    /// The times to first token so far, in microseconds, for the median.
    ttfts: Vec<u64>,
}

impl Progress {
    pub fn start(shown: bool, level: &Level, bound: Bound) -> Progress {
        let bar = shown.then(|| {
            let total = bound.requests.map(|requests| requests + bound.warmup);
            let bar = match total {
                Some(total) => {
                    ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr())
                }
                None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()),
            };
            let template = match total {
                Some(_) => "{prefix} [{bar:30}] {pos}/{len} {per_sec} {msg} {elapsed}",
                None => "{prefix} {spinner} {pos} done {per_sec} {msg} {elapsed}",
            };
            let style = ProgressStyle::with_template(template)
                .expect("the template is valid")
                .progress_chars("=> ");
            bar.set_style(style);
            bar.set_prefix(level.to_string());
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Progress {
            bar,
            failed: 0,
            ttfts: Vec::new(),
        }
    }

    /// A request finished.
    pub fn finished(&mut self, sample: &Sample, warmup: bool) {
        let Some(bar) = &self.bar else {
            return;
        };
        if sample.outcome != Outcome::Ok {
            self.failed += 1;
        }
        if let (Some(ttft), false) = (sample.ttft(), warmup) {
            self.ttfts
                .push(u64::try_from(ttft.as_micros()).unwrap_or(u64::MAX));
        }
        bar.inc(1);
        // The median now and then: sorting on every request would cost more
        // than the request's own reading.
        if bar.position().is_power_of_two() || bar.position() % 256 == 0 {
            let median = median_ms(&mut self.ttfts);
            bar.set_message(format!("{} failed, TTFT p50 {median}", self.failed));
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// The median of `micros`, as `12.3 ms`, or `-` when there is none.
fn median_ms(micros: &mut [u64]) -> String {
    if micros.is_empty() {
        return "-".to_owned();
    }
    let middle = micros.len() / 2;
    let (_, median, _) = micros.select_nth_unstable(middle);
    format!("{:.1} ms", *median as f64 / 1000.0)
}
