//! What a load test reports (`--report`): for each level its counts,
//! throughputs and latency percentiles, with the histograms they come from
//! so that reports of several machines merge exactly.

use std::collections::BTreeMap;
use std::time::Duration;

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

use super::histograms::Histograms;
use super::level::Level;
use super::sample::{GapBasis, TokenBasis};
use super::slo::Slo;

/// The version of the report's format, its first key.
pub const FORMAT: u32 = 1;

/// The whole `--report` file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub ssecat_bench: u32,
    pub url: String,
    /// The `--slo` that `good` and `goodput` count against, so that only
    /// reports of the same SLO merge their goodput.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slo: Option<Slo>,
    pub levels: Vec<LevelReport>,
}

impl Report {
    pub fn new(url: String, slo: Option<Slo>, levels: Vec<LevelReport>) -> Report {
        Report {
            ssecat_bench: FORMAT,
            url,
            slo,
            levels,
        }
    }

    pub fn to_json(&self) -> String {
        // Only maps with non-string keys fail, and there are none.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Reads a report, or says why it is not one this version reads.
    pub fn from_json(text: &str) -> Result<Report, String> {
        let report: Report = serde_json::from_str(text)
            .map_err(|err| format!("not an ssecat bench report: {err}"))?;
        if report.ssecat_bench != FORMAT {
            return Err(format!(
                "a report of format {}: this ssecat reads format {FORMAT}",
                report.ssecat_bench
            ));
        }
        Ok(report)
    }
}

/// One level's results. Latencies count from when each request was due;
/// failed requests are in `failed` and `failures` only, never in the
/// latencies or throughputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelReport {
    #[serde(flatten)]
    pub level: Level,
    pub completed: u64,
    pub failed: u64,
    /// Failed requests by class ([`super::sample::Outcome::name`]).
    pub failures: BTreeMap<String, u64>,
    pub duration_s: f64,
    /// Completed requests per second.
    pub request_throughput: f64,
    /// Output tokens of completed requests per second.
    pub output_throughput: f64,
    pub total_output_tokens: u64,
    pub token_basis: Option<TokenBases>,
    pub gap_basis: Option<GapBases>,
    /// Requests per second that met every SLO; only with `--slo`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goodput: Option<f64>,
    /// How many met every SLO: the count behind `goodput`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub good: Option<u64>,
    pub ttft_ms: Option<Percentiles>,
    pub itl_ms: Option<Percentiles>,
    pub tpot_ms: Option<Percentiles>,
    pub e2el_ms: Option<Percentiles>,
    pub queue_ms: Option<Percentiles>,
    pub histograms: Histograms,
}

/// What a level counted, from which the rest of its report follows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counts {
    pub completed: u64,
    pub failures: BTreeMap<String, u64>,
    pub total_output_tokens: u64,
    pub token_basis: Option<TokenBases>,
    pub gap_basis: Option<GapBases>,
    /// None without an SLO.
    pub good: Option<u64>,
}

impl Counts {
    /// Adds another run's counts of the same level (and the same SLO).
    pub fn add(&mut self, other: &Counts) {
        self.completed = self.completed.saturating_add(other.completed);
        for (class, count) in &other.failures {
            let mine = self.failures.entry(class.clone()).or_default();
            *mine = mine.saturating_add(*count);
        }
        self.total_output_tokens = self
            .total_output_tokens
            .saturating_add(other.total_output_tokens);
        self.token_basis = seen(self.token_basis, other.token_basis, TokenBases::Mixed);
        self.gap_basis = seen(self.gap_basis, other.gap_basis, GapBases::Mixed);
        self.good = self.good.zip(other.good).map(|(a, b)| a.saturating_add(b));
    }
}

/// One basis when every request had it, else mixed; none before any.
pub fn seen<T: PartialEq>(so_far: Option<T>, next: Option<T>, mixed: T) -> Option<T> {
    match (so_far, next) {
        (Some(a), Some(b)) if a != b => Some(mixed),
        (a, b) => a.or(b),
    }
}

/// Where the output tokens of a level's requests were counted from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenBases {
    Usage,
    Deltas,
    /// Some requests from usage, some from deltas.
    Mixed,
}

impl From<TokenBasis> for TokenBases {
    fn from(basis: TokenBasis) -> TokenBases {
        match basis {
            TokenBasis::Usage => TokenBases::Usage,
            TokenBasis::Deltas => TokenBases::Deltas,
        }
    }
}

/// What a level's ITL values are: per token, per chunk, or some of each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GapBases {
    PerToken,
    PerChunk,
    Mixed,
}

impl From<GapBasis> for GapBases {
    fn from(basis: GapBasis) -> GapBases {
        match basis {
            GapBasis::PerToken => GapBases::PerToken,
            GapBasis::PerChunk => GapBases::PerChunk,
        }
    }
}

/// A latency's summary, in milliseconds to the microsecond. HDR values:
/// within 0.1% of the recorded ones (the highest value of their bucket).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Percentiles {
    pub mean: f64,
    pub p50: f64,
    pub p90: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
}

impl Percentiles {
    /// None for an empty histogram.
    pub fn of(micros: &Histogram<u64>) -> Option<Percentiles> {
        if micros.is_empty() {
            return None;
        }
        let at = |quantile| micros.value_at_quantile(quantile) as f64 / 1000.0;
        Some(Percentiles {
            mean: round3(micros.mean() / 1000.0),
            p50: at(0.5),
            p90: at(0.9),
            p95: at(0.95),
            p99: at(0.99),
            max: micros.max() as f64 / 1000.0,
        })
    }
}

impl LevelReport {
    /// The report of `counts` and `histograms`, gathered over `duration`.
    pub fn new(
        level: Level,
        counts: Counts,
        histograms: Histograms,
        duration: Duration,
    ) -> LevelReport {
        let seconds = duration.as_secs_f64();
        let per_second = |count: u64| {
            if seconds > 0.0 {
                round3(count as f64 / seconds)
            } else {
                0.0
            }
        };
        LevelReport {
            level,
            completed: counts.completed,
            failed: counts
                .failures
                .values()
                .fold(0, |a, b| a.saturating_add(*b)),
            duration_s: (seconds * 1e6).round() / 1e6,
            request_throughput: per_second(counts.completed),
            output_throughput: per_second(counts.total_output_tokens),
            total_output_tokens: counts.total_output_tokens,
            token_basis: counts.token_basis,
            gap_basis: counts.gap_basis,
            goodput: counts.good.map(per_second),
            good: counts.good,
            ttft_ms: Percentiles::of(&histograms.ttft),
            itl_ms: Percentiles::of(&histograms.itl),
            tpot_ms: Percentiles::of(&histograms.tpot),
            e2el_ms: Percentiles::of(&histograms.e2el),
            queue_ms: Percentiles::of(&histograms.queue),
            failures: counts.failures,
            histograms,
        }
    }

    /// The counts it was made of, to add to another's.
    pub fn counts(&self) -> Counts {
        Counts {
            completed: self.completed,
            failures: self.failures.clone(),
            total_output_tokens: self.total_output_tokens,
            token_basis: self.token_basis,
            gap_basis: self.gap_basis,
            good: self.good,
        }
    }

    /// Its duration, or None when `duration_s` is not one (a hand-edited
    /// report).
    pub fn duration(&self) -> Option<Duration> {
        Duration::try_from_secs_f64(self.duration_s).ok()
    }
}

fn round3(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::aggregate::Aggregate;
    use crate::bench::fixtures::{concurrency, failed, sample};
    use crate::bench::sample::Outcome;
    use serde_json::Value;

    fn report(slo: Option<&str>) -> Report {
        let slo: Option<Slo> = slo.map(|text| text.parse().unwrap());
        let mut aggregate = Aggregate::new(concurrency(8), slo.clone());
        aggregate.add(&sample(120, 15, 4));
        aggregate.add(&failed(Outcome::Http5xx));
        let level = aggregate.report(Duration::from_millis(1500));
        Report::new(
            "http://127.0.0.1:8080/v1/chat/completions".to_owned(),
            slo,
            vec![level],
        )
    }

    fn keys(value: &Value) -> Vec<&str> {
        let mut keys: Vec<&str> = value
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.as_str())
            .collect();
        keys.sort_unstable();
        keys
    }

    #[test]
    fn the_json_has_exactly_the_documented_keys() {
        let json: Value = serde_json::from_str(&report(Some("ttft=1s")).to_json()).unwrap();
        assert_eq!(keys(&json), ["levels", "slo", "ssecat_bench", "url"]);
        assert_eq!(json["ssecat_bench"], 1);
        let level = &json["levels"][0];
        let mut expected = vec![
            "completed",
            "concurrency",
            "duration_s",
            "e2el_ms",
            "failed",
            "failures",
            "gap_basis",
            "good",
            "goodput",
            "histograms",
            "itl_ms",
            "output_throughput",
            "queue_ms",
            "request_throughput",
            "token_basis",
            "total_output_tokens",
            "tpot_ms",
            "ttft_ms",
        ];
        assert_eq!(keys(level), expected);
        for latency in ["ttft_ms", "itl_ms", "tpot_ms", "e2el_ms", "queue_ms"] {
            assert_eq!(
                keys(&level[latency]),
                ["max", "mean", "p50", "p90", "p95", "p99"]
            );
        }
        assert_eq!(
            keys(&level["histograms"]),
            ["e2el", "itl", "queue", "tpot", "ttft"]
        );
        assert!(level["histograms"]["ttft"]
            .as_str()
            .unwrap()
            .starts_with("HISTFAAA"));
        assert_eq!(level["failures"], serde_json::json!({"http_5xx": 1}));
        assert_eq!(level["token_basis"], "usage");
        assert_eq!(level["gap_basis"], "per_token");
        assert_eq!(level["duration_s"], 1.5);
        assert_eq!(level["good"], 1);

        // Without an SLO: no goodput, no good, and no slo at the top.
        let json: Value = serde_json::from_str(&report(None).to_json()).unwrap();
        assert_eq!(keys(&json), ["levels", "ssecat_bench", "url"]);
        expected.retain(|key| !key.starts_with("good"));
        assert_eq!(keys(&json["levels"][0]), expected);
    }

    #[test]
    fn a_latency_without_values_is_null() {
        let mut aggregate = Aggregate::new(concurrency(1), None);
        aggregate.add(&sample(10, 0, 1));
        let level = serde_json::to_value(aggregate.report(Duration::from_secs(1))).unwrap();
        assert_eq!(level["itl_ms"], Value::Null);
        assert_eq!(level["tpot_ms"], Value::Null);
        assert_eq!(level["gap_basis"], Value::Null);
        assert!(level["ttft_ms"].is_object());
    }

    #[test]
    fn reads_back_what_it_wrote() {
        let report = report(Some("ttft=1s,tpot=20ms"));
        assert_eq!(Report::from_json(&report.to_json()), Ok(report));
    }

    #[test]
    fn anything_else_is_an_error() {
        let good = report(None).to_json();
        let other_format = good.replace("\"ssecat_bench\": 1", "\"ssecat_bench\": 2");
        let bad_histogram = good.replacen("HISTFAAA", "HISTFAAB", 1);
        let bad_basis = good.replace("\"usage\"", "\"guess\"");
        let missing = good.replace("\"completed\"", "\"done\"");
        for text in [
            "",
            "null",
            "[]",
            "{\"ssecat_bench\": 1}",
            &good[..good.len() / 2],
            &other_format,
            &bad_histogram,
            &bad_basis,
            &missing,
        ] {
            assert!(Report::from_json(text).is_err(), "read: {text}");
        }
        assert_eq!(
            Report::from_json(&other_format).unwrap_err(),
            "a report of format 2: this ssecat reads format 1"
        );
    }
}
