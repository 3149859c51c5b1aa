//! `--records FILE`: one JSON line per request, failed or not, with every
//! time it has, for whoever wants to look past the percentiles.

use std::io::{self, Write};
use std::time::Duration;

use serde::Serialize;

use super::level::Level;
use super::sample::Sample;

/// One request. `due_ms` and `sent_ms` are offsets from the start of the
/// test; every other time is a latency from when the request was due.
#[derive(Serialize)]
struct Record<'a> {
    level: &'a Level,
    due_ms: f64,
    sent_ms: f64,
    queue_ms: f64,
    ttfb_ms: Option<f64>,
    ttft_ms: Option<f64>,
    first_output_ms: Option<f64>,
    e2el_ms: f64,
    tpot_ms: Option<f64>,
    output_tokens: u64,
    token_basis: &'static str,
    itl_ms: Vec<f64>,
    gap_basis: &'static str,
    outcome: &'static str,
    error: Option<&'a str>,
}

/// Writes `sample`'s line, newline included.
pub fn write_record(out: &mut impl Write, level: &Level, sample: &Sample) -> io::Result<()> {
    let since_due = |at: Duration| millis(at.saturating_sub(sample.due));
    let record = Record {
        level,
        due_ms: millis(sample.due),
        sent_ms: millis(sample.sent),
        queue_ms: millis(sample.queue()),
        ttfb_ms: sample.head.map(since_due),
        ttft_ms: sample.ttft().map(millis),
        first_output_ms: sample.first_output.map(since_due),
        e2el_ms: millis(sample.e2e()),
        tpot_ms: sample.tpot().map(millis),
        output_tokens: sample.output_tokens,
        token_basis: sample.token_basis.name(),
        itl_ms: sample.gaps.iter().copied().map(millis).collect(),
        gap_basis: sample.gap_basis.name(),
        outcome: sample.outcome.name(),
        error: sample.error.as_deref(),
    };
    serde_json::to_writer(&mut *out, &record)?;
    out.write_all(b"\n")
}

/// Milliseconds with 3 decimals: to the microsecond.
fn millis(duration: Duration) -> f64 {
    u64::try_from(duration.as_micros()).unwrap_or(u64::MAX) as f64 / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::fixtures::{concurrency, failed, ms, sample};
    use crate::bench::sample::Outcome;

    fn line(level: &Level, sample: &Sample) -> String {
        let mut out = Vec::new();
        write_record(&mut out, level, sample).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_completed_request_has_every_time_from_when_it_was_due() {
        let request = Sample {
            due: ms(1000),
            sent: Duration::from_micros(1_000_250),
            head: Some(ms(1050)),
            first_token: Some(ms(1100)),
            first_output: Some(ms(1080)),
            end: ms(1130),
            gaps: vec![ms(10), Duration::from_micros(20_001)],
            ..sample(0, 0, 3)
        };
        assert_eq!(
            line(&concurrency(4), &request),
            concat!(
                r#"{"level":{"concurrency":4},"due_ms":1000.0,"sent_ms":1000.25,"queue_ms":0.25,"#,
                r#""ttfb_ms":50.0,"ttft_ms":100.0,"first_output_ms":80.0,"e2el_ms":130.0,"#,
                r#""tpot_ms":25.0,"output_tokens":3,"token_basis":"usage","itl_ms":[10.0,20.001],"#,
                r#""gap_basis":"per_token","outcome":"ok","error":null}"#,
                "\n"
            )
        );
    }

    #[test]
    fn a_failed_request_keeps_what_times_it_has() {
        let level = Level {
            concurrency: None,
            rate: Some(2.5),
        };
        let record: serde_json::Value =
            serde_json::from_str(&line(&level, &failed(Outcome::Http5xx))).unwrap();
        assert_eq!(record["level"], serde_json::json!({"rate": 2.5}));
        assert_eq!(record["outcome"], "http_5xx");
        assert_eq!(record["error"], "http_5xx happened");
        assert_eq!(record["ttfb_ms"], 0.0);
        assert_eq!(record["e2el_ms"], 5.0);
        assert_eq!(record["ttft_ms"], serde_json::Value::Null);
        assert_eq!(record["itl_ms"], serde_json::json!([]));
    }
}
