//! What `ssecat bench` prints on stdout at the end, as oha and hey do: per
//! level a table of the figures and what they are based on, then the
//! histograms of TTFT and of end-to-end latency; for a sweep, one line
//! per level to compare them.

use std::fmt::Write;

use hdrhistogram::Histogram;

use super::report::{GapBases, LevelReport, Percentiles, Report, TokenBases};

/// The buckets of a histogram, and the width of the longest bar.
const BUCKETS: usize = 10;
const BAR: u64 = 40;

/// The whole summary of `report`, ending in a newline.
pub fn summary(report: &Report) -> String {
    let mut text = String::new();
    for (index, level) in report.levels.iter().enumerate() {
        if index > 0 {
            text.push('\n');
        }
        text.push_str(&level_summary(report, level));
    }
    if report.levels.len() > 1 {
        text.push('\n');
        text.push_str(&comparison(report));
    }
    text
}

/// The summary of one level of `report`, printed as soon as it is done.
pub fn level_summary(report: &Report, level: &LevelReport) -> String {
    let mut text = String::new();
    write_level(&mut text, report, level);
    text
}

/// A sweep's levels, one line each.
pub fn comparison(report: &Report) -> String {
    let mut text = String::new();
    write_comparison(&mut text, &report.levels);
    text
}

// Writing to a String cannot fail: the results are ignored below.
fn write_level(text: &mut String, report: &Report, level: &LevelReport) {
    let _ = writeln!(text, "{}:", level.level);
    let _ = write!(
        text,
        "  requests    {} ok, {} failed",
        level.completed, level.failed
    );
    if !level.failures.is_empty() {
        let classes: Vec<String> = (level.failures.iter())
            .map(|(class, count)| format!("{count} {class}"))
            .collect();
        let _ = write!(text, " ({})", classes.join(", "));
    }
    let _ = writeln!(text, "\n  duration    {:.3} s", level.duration_s);
    let _ = writeln!(
        text,
        "  throughput  {:.3} requests/s, {:.3} output tokens/s",
        level.request_throughput, level.output_throughput
    );
    if let (Some(goodput), Some(good)) = (level.goodput, level.good) {
        let all = level.completed.saturating_add(level.failed);
        let _ = write!(
            text,
            "  goodput     {goodput:.3} requests/s ({good} of {all} met every SLO"
        );
        match &report.slo {
            Some(slo) => _ = writeln!(text, ": {slo})"),
            None => _ = writeln!(text, ")"),
        }
    }
    let _ = writeln!(
        text,
        "\n  {:<12}{:>10}{:>10}{:>10}{:>10}{:>10}{:>10}",
        "(ms)", "mean", "p50", "p90", "p95", "p99", "max"
    );
    for (name, latency) in [
        ("TTFT", level.ttft_ms),
        ("ITL", level.itl_ms),
        ("TPOT", level.tpot_ms),
        ("E2E latency", level.e2el_ms),
        ("queue", level.queue_ms),
    ] {
        let _ = write!(text, "  {name:<12}");
        match latency {
            Some(Percentiles {
                mean,
                p50,
                p90,
                p95,
                p99,
                max,
            }) => {
                for value in [mean, p50, p90, p95, p99, max] {
                    let _ = write!(text, "{value:>10.3}");
                }
            }
            None => text.push_str(&format!("{:>10}", "-").repeat(6)),
        }
        text.push('\n');
    }
    let _ = writeln!(text, "\n  {}", token_basis_in_words(level.token_basis));
    if let Some(basis) = level.gap_basis {
        let _ = writeln!(text, "  {}", gap_basis_in_words(basis));
    }
    write_histogram(text, "TTFT", &level.histograms.ttft);
    write_histogram(text, "E2E latency", &level.histograms.e2el);
}

fn token_basis_in_words(basis: Option<TokenBases>) -> &'static str {
    match basis {
        Some(TokenBases::Usage) => "Output tokens are the stream's usage.",
        Some(TokenBases::Deltas) => {
            "Output tokens are text deltas, one token each: the stream reported no usage."
        }
        Some(TokenBases::Mixed) => {
            "Output tokens are the stream's usage where it reported it, else text deltas."
        }
        None => "No request completed.",
    }
}

fn gap_basis_in_words(basis: GapBases) -> &'static str {
    match basis {
        GapBases::PerToken => {
            "ITL is inter-token latency: each event's gap divided among its tokens."
        }
        GapBases::PerChunk => {
            "ITL is inter-chunk latency: the stream did not report each event's tokens."
        }
        GapBases::Mixed => {
            "ITL is per token where the stream reported each event's tokens, else per chunk."
        }
    }
}

/// Ten buckets of equal width from the least to the greatest value, each
/// labelled by its upper bound (the first holds the least value too), as
/// oha's "Response time histogram"; one bucket when every value is the
/// same.
fn write_histogram(text: &mut String, name: &str, micros: &Histogram<u64>) {
    let Some(first) = micros.iter_recorded().next() else {
        return;
    };
    let low = first.value_iterated_to();
    let width = micros.max().saturating_sub(low) as f64 / BUCKETS as f64;
    let mut counts = [0u64; BUCKETS];
    for value in micros.iter_recorded() {
        let above = value.value_iterated_to().saturating_sub(low) as f64;
        let bucket = if width > 0.0 {
            ((above / width).ceil() as usize).saturating_sub(1)
        } else {
            0
        };
        let count = &mut counts[bucket.min(BUCKETS - 1)];
        *count = count.saturating_add(value.count_at_value());
    }
    let buckets = if width > 0.0 { BUCKETS } else { 1 };
    let rows: Vec<(String, String, u64)> = (0..buckets)
        .map(|index| {
            let upper = if index == buckets - 1 {
                micros.max() as f64
            } else {
                low as f64 + width * (index + 1) as f64
            };
            (
                format!("{:.3}", upper / 1000.0),
                format!("[{}]", counts[index]),
                counts[index],
            )
        })
        .collect();
    let label_width = rows
        .iter()
        .map(|(label, _, _)| label.len())
        .max()
        .unwrap_or(0);
    let count_width = rows
        .iter()
        .map(|(_, count, _)| count.len())
        .max()
        .unwrap_or(0);
    let most = counts.iter().copied().max().unwrap_or(1).max(1);
    let _ = writeln!(text, "\n  {name} histogram (ms):");
    for (label, count, n) in rows {
        let bar = "■".repeat((n.saturating_mul(BAR) / most) as usize);
        let _ = writeln!(
            text,
            "    {label:>label_width$} {count:<count_width$} |{bar}"
        );
    }
}

/// One line per level of a sweep.
fn write_comparison(text: &mut String, levels: &[LevelReport]) {
    let names: Vec<String> = levels.iter().map(|level| level.level.to_string()).collect();
    let name_width = names.iter().map(String::len).max().unwrap_or(0) + 2;
    let _ = writeln!(
        text,
        "{:<name_width$}{:>8}{:>8}{:>10}{:>10}{:>10}{:>10}{:>10}{:>10}{:>10}",
        "level",
        "ok",
        "failed",
        "req/s",
        "tok/s",
        "goodput",
        "TTFT p50",
        "TTFT p99",
        "ITL p50",
        "E2E p99"
    );
    for (name, level) in names.iter().zip(levels) {
        let ms = |value: Option<f64>| value.map_or("-".to_owned(), |ms| format!("{ms:.3}"));
        let goodput = level
            .goodput
            .map_or("-".to_owned(), |rate| format!("{rate:.3}"));
        let _ = writeln!(
            text,
            "{name:<name_width$}{:>8}{:>8}{:>10.3}{:>10.3}{goodput:>10}{:>10}{:>10}{:>10}{:>10}",
            level.completed,
            level.failed,
            level.request_throughput,
            level.output_throughput,
            ms(level.ttft_ms.map(|it| it.p50)),
            ms(level.ttft_ms.map(|it| it.p99)),
            ms(level.itl_ms.map(|it| it.p50)),
            ms(level.e2el_ms.map(|it| it.p99)),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::aggregate::Aggregate;
    use crate::bench::fixtures::{concurrency, failed, sample};
    use crate::bench::sample::{GapBasis, Outcome, Sample};
    use std::time::Duration;

    fn level(level: u64, slo: Option<&str>) -> LevelReport {
        let mut aggregate = Aggregate::new(concurrency(level), slo.and_then(|it| it.parse().ok()));
        for ttft in [100, 100, 110, 120, 150, 200] {
            aggregate.add(&sample(ttft, 20, 6));
        }
        aggregate.add(&Sample {
            gap_basis: GapBasis::PerChunk,
            ..sample(300, 40, 3)
        });
        aggregate.add(&failed(Outcome::RateLimited));
        aggregate.add(&failed(Outcome::Timeout));
        aggregate.report(Duration::from_secs(2))
    }

    #[test]
    fn one_level_in_full() {
        let slo = "ttft=150ms";
        let report = Report::new("u".to_owned(), slo.parse().ok(), vec![level(4, Some(slo))]);
        // Checked by hand: TTFT mean 1080/7 = 154.286 ms and p50 the 4th
        // of 7 values, 120 ms, both as HDR's buckets hold them; TPOT 20 ms
        // for the six requests, 40 for the one of 3 tokens in 80 ms.
        let expected = "\
concurrency 4:
  requests    7 ok, 2 failed (1 http_429, 1 timeout)
  duration    2.000 s
  throughput  3.500 requests/s, 19.500 output tokens/s
  goodput     2.500 requests/s (5 of 9 met every SLO: ttft=150ms)

  (ms)              mean       p50       p90       p95       p99       max
  TTFT           154.267   120.063   300.031   300.031   300.031   300.031
  ITL             21.259    20.015    20.015    40.031    40.031    40.031
  TPOT            22.866    20.015    40.031    40.031    40.031    40.031
  E2E latency    251.419   220.031   380.159   380.159   380.159   380.159
  queue            0.000     0.000     0.000     0.000     0.000     0.000

  Output tokens are the stream's usage.
  ITL is per token where the stream reported each event's tokens, else per chunk.

  TTFT histogram (ms):
    120.031 [3] |■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■
    140.031 [1] |■■■■■■■■■■■■■
    160.031 [1] |■■■■■■■■■■■■■
    180.031 [0] |
    200.031 [0] |
    220.031 [1] |■■■■■■■■■■■■■
    240.031 [0] |
    260.031 [0] |
    280.031 [0] |
    300.031 [1] |■■■■■■■■■■■■■

  E2E latency histogram (ms):
    218.073 [3] |■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■
    236.082 [1] |■■■■■■■■■■■■■
    254.092 [1] |■■■■■■■■■■■■■
    272.101 [0] |
    290.111 [0] |
    308.121 [1] |■■■■■■■■■■■■■
    326.130 [0] |
    344.140 [0] |
    362.149 [0] |
    380.159 [1] |■■■■■■■■■■■■■
";
        assert_eq!(summary(&report), expected);
    }

    #[test]
    fn a_sweep_ends_with_one_line_per_level() {
        let mut quiet = Aggregate::new(concurrency(64), None);
        quiet.add(&failed(Outcome::Connect));
        let levels = vec![
            level(1, None),
            level(16, None),
            quiet.report(Duration::from_secs(1)),
        ];
        let text = summary(&Report::new("u".to_owned(), None, levels));
        let comparison = text.rsplit("\n\n").next().unwrap();
        assert_eq!(
            comparison,
            "\
level                 ok  failed     req/s     tok/s   goodput  TTFT p50  TTFT p99   ITL p50   E2E p99
concurrency 1          7       2     3.500    19.500         -   120.063   300.031    20.015   380.159
concurrency 16         7       2     3.500    19.500         -   120.063   300.031    20.015   380.159
concurrency 64         0       1     0.000     0.000         -         -         -         -         -
"
        );
        // The level that completed nothing says so, and draws nothing.
        assert!(text.contains(
            "  queue                -         -         -         -         -         -\n\n  No request completed.\n\nlevel"
        ));
        assert!(!text.contains("\n  goodput "));
    }

    #[test]
    fn equal_values_make_one_bucket() {
        let mut aggregate = Aggregate::new(concurrency(1), None);
        for _ in 0..3 {
            aggregate.add(&Sample {
                gap_basis: GapBasis::PerChunk,
                token_basis: crate::bench::sample::TokenBasis::Deltas,
                ..sample(100, 10, 2)
            });
        }
        let report = Report::new(
            "u".to_owned(),
            None,
            vec![aggregate.report(Duration::from_secs(1))],
        );
        let text = summary(&report);
        assert!(text.contains("\n  TTFT histogram (ms):\n    100.031 [3] |■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■\n\n"), "{text}");
        assert!(text.contains(
            "Output tokens are text deltas, one token each: the stream reported no usage.\n"
        ));
        assert!(text.contains(
            "ITL is inter-chunk latency: the stream did not report each event's tokens.\n"
        ));
    }
}
