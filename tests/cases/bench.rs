//! `ssecat bench`: load tests against `ssecat serve` with known delays
//! (lower bounds and orders of magnitude only, never tight timings), the
//! report's and the records' schemas, sweeps, open loops, failures counted
//! by class, SLOs, merging, bodies, and bad input.

use std::path::Path;

use serde_json::{json, Value};

use super::serving::Serving;
use super::support::ssecat;
use crate::server::{closed_port, Reply, Server};

/// The text serve streams: 8 words, one token each.
const WORDS: &str = "one two three four five six seven eight";
const WORD_COUNT: u64 = 8;
const CHAT: &str = "/v1/chat/completions";

/// A streaming chat request; with `include_usage` the stream ends with its
/// usage.
fn chat(include_usage: bool) -> String {
    let mut body =
        json!({"model": "m", "stream": true, "messages": [{"role": "user", "content": "hi"}]});
    if include_usage {
        body["stream_options"] = json!({"include_usage": true});
    }
    body.to_string()
}

/// Serve with `--ttft 50ms --itl 20ms` and `extra` options.
fn serving(extra: &[&str]) -> Serving {
    let mut args = vec!["--text", WORDS, "--ttft", "50ms", "--itl", "20ms"];
    args.extend_from_slice(extra);
    Serving::start(&args)
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|err| panic!("{path:?}: {err}"));
    serde_json::from_str(&text).unwrap_or_else(|err| panic!("{path:?}: {err}: {text}"))
}

fn read_records(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|err| panic!("{path:?}: {err}"));
    assert!(text.ends_with('\n'), "{text}");
    text.lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|err| panic!("{err}: {line}")))
        .collect()
}

/// The keys of a JSON object, sorted.
fn keys(value: &Value) -> Vec<String> {
    let object = value
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {value}"));
    let mut keys: Vec<String> = object.keys().cloned().collect();
    keys.sort_unstable();
    keys
}

/// The documented keys of a level of the report, with `load` (concurrency
/// or rate) and, with an SLO, `good` and `goodput`.
fn level_keys(load: &str, slo: bool) -> Vec<String> {
    let mut expected = vec![
        load,
        "completed",
        "duration_s",
        "e2el_ms",
        "failed",
        "failures",
        "gap_basis",
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
    if slo {
        expected.extend(["good", "goodput"]);
    }
    let mut expected: Vec<String> = expected.into_iter().map(str::to_owned).collect();
    expected.sort_unstable();
    expected
}

/// The documented keys of a line of `--records`.
const RECORD_KEYS: [&str; 15] = [
    "due_ms",
    "e2el_ms",
    "error",
    "first_output_ms",
    "gap_basis",
    "itl_ms",
    "level",
    "outcome",
    "output_tokens",
    "queue_ms",
    "sent_ms",
    "token_basis",
    "tpot_ms",
    "ttfb_ms",
    "ttft_ms",
];

/// A latency's statistic in a level of the report, in milliseconds.
fn stat(level: &Value, latency: &str, which: &str) -> f64 {
    level[latency][which]
        .as_f64()
        .unwrap_or_else(|| panic!("{latency}.{which} is not a number: {level}"))
}

/// Checks a level's schema: its keys, each latency's statistics, the
/// histograms' encoding, and that failed = the sum of failures.
fn check_level(level: &Value, load: &str, slo: bool) {
    assert_eq!(keys(level), level_keys(load, slo), "{level}");
    for latency in ["ttft_ms", "itl_ms", "tpot_ms", "e2el_ms", "queue_ms"] {
        if level[latency].is_null() {
            continue;
        }
        assert_eq!(
            keys(&level[latency]),
            ["max", "mean", "p50", "p90", "p95", "p99"],
            "{latency}"
        );
        let (p50, p99, max) = (
            stat(level, latency, "p50"),
            stat(level, latency, "p99"),
            stat(level, latency, "max"),
        );
        assert!(0.0 <= p50 && p50 <= p99 && p99 <= max, "{latency}: {level}");
    }
    assert_eq!(
        keys(&level["histograms"]),
        ["e2el", "itl", "queue", "tpot", "ttft"]
    );
    for (name, histogram) in level["histograms"].as_object().unwrap() {
        let histogram = histogram.as_str().unwrap_or_default();
        assert!(histogram.starts_with("HISTFAAA"), "{name}: {histogram}");
    }
    let failures: u64 = (level["failures"].as_object().unwrap().values())
        .map(|count| count.as_u64().unwrap())
        .sum();
    assert_eq!(level["failed"].as_u64(), Some(failures), "{level}");
}

/// Checks each line of `--records`: its keys, and the times an ok request
/// has.
fn check_records(records: &[Value]) {
    for record in records {
        assert_eq!(keys(record), RECORD_KEYS, "{record}");
        let due = record["due_ms"].as_f64().unwrap();
        let sent = record["sent_ms"].as_f64().unwrap();
        assert!(sent >= due, "{record}");
        assert!(record["e2el_ms"].as_f64().unwrap() >= 0.0, "{record}");
        if record["outcome"] == "ok" {
            assert_eq!(record["error"], Value::Null, "{record}");
        } else {
            assert!(record["error"].is_string(), "{record}");
        }
    }
}

/// The outcomes of the records, in order.
fn outcomes(records: &[Value]) -> Vec<&str> {
    (records.iter())
        .map(|record| record["outcome"].as_str().unwrap())
        .collect()
}

/// Runs `ssecat bench ARGS`; its exit code, stdout and stderr.
fn bench(args: &[&str]) -> (Option<i32>, String, String) {
    let output = ssecat().arg("bench").args(args).output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    (output.status.code(), stdout, stderr)
}

/// Runs `ssecat bench ARGS`, expects `code`, returns stdout.
fn bench_exits(code: i32, args: &[&str]) -> String {
    let (got, stdout, stderr) = bench(args);
    assert_eq!(
        got,
        Some(code),
        "bench {args:?}\nstdout: {stdout}\nstderr: {stderr}"
    );
    stdout
}

/// Runs `ssecat bench ARGS`, expects `code`, nothing on stdout and one
/// line on stderr; returns that line.
fn bench_refuses(code: i32, args: &[&str]) -> String {
    let (got, stdout, stderr) = bench(args);
    assert_eq!(got, Some(code), "bench {args:?}: {stderr}");
    assert_eq!(stdout, "", "bench {args:?}");
    assert!(
        stderr.ends_with('\n') && stderr.lines().count() == 1,
        "bench {args:?}: not one line: {stderr:?}"
    );
    stderr
}

#[test]
fn a_closed_loop_reports_every_request_with_the_servers_delays() {
    let serving = serving(&[]);
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let records = dir.path().join("records.jsonl");
    let url = serving.url(CHAT);
    let stdout = bench_exits(
        0,
        &[
            "-c",
            "2",
            "-n",
            "6",
            "--report",
            report.to_str().unwrap(),
            "--records",
            records.to_str().unwrap(),
            &url,
            "--json",
            &chat(true),
        ],
    );
    assert!(stdout.starts_with("concurrency 2:\n"), "{stdout}");
    assert!(
        stdout.contains("  requests    6 ok, 0 failed\n"),
        "{stdout}"
    );
    for row in ["  TTFT ", "  ITL ", "  TPOT ", "  E2E latency ", "  queue "] {
        assert!(stdout.contains(row), "no row {row:?}: {stdout}");
    }
    assert!(
        stdout.contains("Output tokens are the stream's usage."),
        "{stdout}"
    );
    assert!(stdout.contains("TTFT histogram (ms):"), "{stdout}");
    assert!(stdout.contains("E2E latency histogram (ms):"), "{stdout}");
    // Every request reached the server.
    assert_eq!(serving.log(6).len(), 6, "{:?}", serving.log(6));

    let json = read_json(&report);
    assert_eq!(keys(&json), ["levels", "ssecat_bench", "url"]);
    assert_eq!(json["ssecat_bench"], 1);
    assert_eq!(json["url"], url);
    let levels = json["levels"].as_array().unwrap();
    assert_eq!(levels.len(), 1);
    let level = &levels[0];
    check_level(level, "concurrency", false);
    assert_eq!(level["concurrency"], 2);
    assert_eq!(level["completed"], 6);
    assert_eq!(level["failed"], 0);
    assert_eq!(level["failures"], json!({}));
    assert_eq!(level["total_output_tokens"], 6 * WORD_COUNT);
    assert_eq!(level["token_basis"], "usage");
    assert_eq!(level["gap_basis"], "per_chunk");
    // Lower bounds from the server's delays, orders of magnitude above:
    // serve never sends a chunk before its time.
    let ttft = stat(level, "ttft_ms", "p50");
    assert!((50.0..5000.0).contains(&ttft), "TTFT p50 {ttft}");
    assert!(stat(level, "ttft_ms", "max") >= 50.0, "{level}");
    let e2e = stat(level, "e2el_ms", "p50");
    assert!(
        (50.0 + 7.0 * 20.0..10_000.0).contains(&e2e),
        "E2E p50 {e2e}"
    );
    // A gap can be short after a late chunk: half the server's ITL is
    // the order of magnitude, not a timing.
    let itl = stat(level, "itl_ms", "p50");
    assert!((10.0..5000.0).contains(&itl), "ITL p50 {itl}");
    let tpot = stat(level, "tpot_ms", "p50");
    assert!((5.0..5000.0).contains(&tpot), "TPOT p50 {tpot}");
    let duration = level["duration_s"].as_f64().unwrap();
    // Three rounds of two requests, each at least 190 ms.
    assert!(duration >= 0.57, "duration_s {duration}");
    let throughput = level["request_throughput"].as_f64().unwrap();
    assert!(
        (throughput - 6.0 / duration).abs() < 0.01,
        "{throughput} vs 6 / {duration}"
    );
    let tokens = level["output_throughput"].as_f64().unwrap();
    assert!((tokens - 48.0 / duration).abs() < 0.01, "{tokens}");

    // One record per request, each with the documented keys.
    let records = read_records(&records);
    assert_eq!(records.len(), 6);
    check_records(&records);
    for record in &records {
        assert_eq!(record["level"], json!({"concurrency": 2}));
        assert_eq!(record["outcome"], "ok");
        assert_eq!(record["output_tokens"], WORD_COUNT);
        assert_eq!(record["token_basis"], "usage");
        assert_eq!(record["gap_basis"], "per_chunk");
        // 8 text chunks, 7 gaps.
        assert_eq!(record["itl_ms"].as_array().unwrap().len(), 7, "{record}");
        assert!(record["ttft_ms"].as_f64().unwrap() >= 50.0, "{record}");
        let ttfb = record["ttfb_ms"].as_f64().unwrap();
        assert!(ttfb <= record["ttft_ms"].as_f64().unwrap(), "{record}");
        assert!(record["tpot_ms"].is_number(), "{record}");
    }
}

#[test]
fn without_usage_the_tokens_are_the_text_deltas() {
    let serving = serving(&[]);
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let url = serving.url(CHAT);
    let args = ["-c", "1", "-n", "2", "-s", "--report"];
    let mut args = args.to_vec();
    args.extend([report.to_str().unwrap(), &url, "--json"]);
    let body = chat(false);
    args.push(&body);
    let stdout = bench_exits(0, &args);
    assert!(
        stdout.contains("  requests    2 ok, 0 failed\n"),
        "{stdout}"
    );
    let level = &read_json(&report)["levels"][0];
    check_level(level, "concurrency", false);
    assert_eq!(level["completed"], 2);
    assert_eq!(level["token_basis"], "deltas");
    assert_eq!(level["total_output_tokens"], 2 * WORD_COUNT);
}

#[test]
fn a_sweep_reports_each_level_and_compares_them() {
    let serving = serving(&[]);
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let url = serving.url(CHAT);
    let body = chat(true);
    let stdout = bench_exits(
        0,
        &[
            "-c",
            "1,3",
            "-n",
            "3",
            "--report",
            report.to_str().unwrap(),
            &url,
            "--json",
            &body,
        ],
    );
    assert!(stdout.starts_with("concurrency 1:\n"), "{stdout}");
    assert!(stdout.contains("\nconcurrency 3:\n"), "{stdout}");
    assert_eq!(stdout.matches("  requests    3 ok, 0 failed\n").count(), 2);
    // The comparison table, one row a level, after both summaries.
    let table = stdout
        .find("\nlevel ")
        .map(|at| &stdout[at + 1..])
        .unwrap_or_else(|| panic!("no comparison table: {stdout}"));
    let rows: Vec<&str> = table.lines().collect();
    assert_eq!(rows.len(), 3, "{table}");
    for column in ["ok", "failed", "req/s", "TTFT p50", "E2E p99"] {
        assert!(rows[0].contains(column), "{}", rows[0]);
    }
    assert!(
        rows[1].starts_with("concurrency 1 ") && rows[1].split_whitespace().nth(2) == Some("3"),
        "{}",
        rows[1]
    );
    assert!(
        rows[2].starts_with("concurrency 3 ") && rows[2].split_whitespace().nth(2) == Some("3"),
        "{}",
        rows[2]
    );
    assert_eq!(serving.log(6).len(), 6);

    let json = read_json(&report);
    let levels = json["levels"].as_array().unwrap();
    assert_eq!(levels.len(), 2);
    for (level, concurrency) in levels.iter().zip([1, 3]) {
        check_level(level, "concurrency", false);
        assert_eq!(level["concurrency"], concurrency);
        assert_eq!(level["completed"], 3);
        assert_eq!(level["total_output_tokens"], 3 * WORD_COUNT);
        assert!(stat(level, "ttft_ms", "p50") >= 50.0, "{level}");
    }
}

#[test]
fn with_each_events_tokens_known_itl_is_per_token() {
    // 2 words a chunk: 4 text events, the gap before each of the last 3
    // shared between its 2 tokens.
    let serving = serving(&["--tokens-per-chunk", "2"]);
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let records = dir.path().join("records.jsonl");
    let body = json!({"model": "m", "stream": true, "messages": [],
        "stream_options": {"include_usage": true, "continuous_usage_stats": true}})
    .to_string();
    let stdout = bench_exits(
        0,
        &[
            "-c",
            "1",
            "-n",
            "3",
            "--report",
            report.to_str().unwrap(),
            "--records",
            records.to_str().unwrap(),
            &serving.url(CHAT),
            "--json",
            &body,
        ],
    );
    assert!(
        stdout.contains("ITL is inter-token latency: each event's gap divided among its tokens."),
        "{stdout}"
    );
    let level = &read_json(&report)["levels"][0];
    check_level(level, "concurrency", false);
    assert_eq!(level["gap_basis"], "per_token");
    assert_eq!(level["token_basis"], "usage");
    assert_eq!(level["total_output_tokens"], 3 * WORD_COUNT);
    let itl = stat(level, "itl_ms", "p50");
    assert!((1.0..5000.0).contains(&itl), "ITL p50 {itl}");
    let records = read_records(&records);
    assert_eq!(records.len(), 3);
    check_records(&records);
    for record in &records {
        assert_eq!(record["gap_basis"], "per_token", "{record}");
        assert_eq!(record["output_tokens"], WORD_COUNT, "{record}");
        let gaps: Vec<f64> = (record["itl_ms"].as_array().unwrap().iter())
            .map(|gap| gap.as_f64().unwrap())
            .collect();
        // Each gap divided between the 2 tokens of its event: in pairs.
        assert_eq!(gaps.len(), 6, "{record}");
        for pair in gaps.chunks(2) {
            assert_eq!(pair[0], pair[1], "{record}");
        }
    }
}

#[test]
fn an_open_loop_sends_on_schedule_and_reports_the_queue() {
    let serving = serving(&[]);
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let records = dir.path().join("records.jsonl");
    let body = chat(true);
    let stdout = bench_exits(
        0,
        &[
            "--rate",
            "20",
            "-n",
            "10",
            "--arrival",
            "constant",
            "--report",
            report.to_str().unwrap(),
            "--records",
            records.to_str().unwrap(),
            &serving.url(CHAT),
            "--json",
            &body,
        ],
    );
    assert!(stdout.starts_with("rate 20/s:\n"), "{stdout}");
    assert!(
        stdout.contains("  requests    10 ok, 0 failed\n"),
        "{stdout}"
    );
    let level = &read_json(&report)["levels"][0];
    check_level(level, "rate", false);
    assert_eq!(level["rate"], 20.0);
    assert_eq!(level["completed"], 10);
    assert_eq!(level["failed"], 0);
    assert!(level["queue_ms"].is_object(), "{level}");
    assert!(stat(level, "queue_ms", "p50") >= 0.0);
    assert!(stat(level, "ttft_ms", "p50") >= 50.0, "{level}");
    // The last request was due 9 × 50 ms after the first, and took 190 ms.
    let duration = level["duration_s"].as_f64().unwrap();
    assert!(duration >= 0.45 + 0.19, "duration_s {duration}");
    // Due every 50 ms exactly, however late each was sent.
    let records = read_records(&records);
    assert_eq!(records.len(), 10);
    check_records(&records);
    let mut due: Vec<f64> = (records.iter())
        .map(|record| record["due_ms"].as_f64().unwrap())
        .collect();
    due.sort_by(f64::total_cmp);
    for pair in due.windows(2) {
        assert!((pair[1] - pair[0] - 50.0).abs() < 0.01, "due at {due:?}");
    }
    for record in &records {
        assert_eq!(record["level"], json!({"rate": 20.0}));
        let queue = record["queue_ms"].as_f64().unwrap();
        let sent = record["sent_ms"].as_f64().unwrap();
        let due = record["due_ms"].as_f64().unwrap();
        assert!((sent - due - queue).abs() < 0.0015, "{record}");
    }
}

#[test]
fn failed_requests_are_counted_by_class_never_dropped() {
    // The first request and every second after it: 429.
    let serving = serving(&["--fault", "status=429,every=2"]);
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let records = dir.path().join("records.jsonl");
    let body = chat(true);
    let stdout = bench_exits(
        12,
        &[
            "-c",
            "1",
            "-n",
            "6",
            "--report",
            report.to_str().unwrap(),
            "--records",
            records.to_str().unwrap(),
            &serving.url(CHAT),
            "--json",
            &body,
        ],
    );
    assert!(
        stdout.contains("  requests    3 ok, 3 failed (3 http_429)\n"),
        "{stdout}"
    );
    assert_eq!(serving.log(6).len(), 6);
    let level = &read_json(&report)["levels"][0];
    check_level(level, "concurrency", false);
    assert_eq!(level["completed"], 3);
    assert_eq!(level["failed"], 3);
    assert_eq!(level["failures"], json!({"http_429": 3}));
    // Failures are in no figure: the tokens are the completed requests'.
    assert_eq!(level["total_output_tokens"], 3 * WORD_COUNT);
    assert!(stat(level, "e2el_ms", "p50") >= 50.0, "{level}");
    let records = read_records(&records);
    check_records(&records);
    assert_eq!(
        outcomes(&records),
        ["http_429", "ok", "http_429", "ok", "http_429", "ok"]
    );
    for record in records.iter().filter(|r| r["outcome"] == "http_429") {
        assert!(
            record["error"].as_str().unwrap().contains("429"),
            "{record}"
        );
        assert_eq!(record["ttft_ms"], Value::Null, "{record}");
        assert_eq!(record["output_tokens"], 0, "{record}");
    }
}

#[test]
fn the_warmup_is_sent_and_recorded_but_left_out_of_the_report() {
    let serving = serving(&["--fault", "status=429,every=2"]);
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let records = dir.path().join("records.jsonl");
    let body = chat(true);
    // 7 requests: the 1st (the warm-up), 3rd, 5th and 7th answered 429.
    let stdout = bench_exits(
        12,
        &[
            "-c",
            "1",
            "-n",
            "6",
            "--warmup",
            "1",
            "--report",
            report.to_str().unwrap(),
            "--records",
            records.to_str().unwrap(),
            &serving.url(CHAT),
            "--json",
            &body,
        ],
    );
    assert!(
        stdout.contains("  requests    3 ok, 3 failed (3 http_429)\n"),
        "{stdout}"
    );
    assert_eq!(serving.log(7).len(), 7);
    let level = &read_json(&report)["levels"][0];
    assert_eq!(level["completed"], 3);
    assert_eq!(level["failures"], json!({"http_429": 3}));
    // --records has a line for every request sent, the warm-up's first.
    let records = read_records(&records);
    check_records(&records);
    assert_eq!(
        outcomes(&records),
        ["http_429", "ok", "http_429", "ok", "http_429", "ok", "http_429"]
    );
}

#[test]
fn cut_short_and_timed_out_requests_are_counted_in_their_class() {
    let dir = tempfile::tempdir().unwrap();
    let body = chat(true);

    let cut = serving(&["--fault", "cut-after=3,every=2"]);
    let report = dir.path().join("cut.json");
    let records = dir.path().join("cut.jsonl");
    let stdout = bench_exits(
        12,
        &[
            "-c",
            "1",
            "-n",
            "4",
            "-s",
            "--report",
            report.to_str().unwrap(),
            "--records",
            records.to_str().unwrap(),
            &cut.url(CHAT),
            "--json",
            &body,
        ],
    );
    assert!(
        stdout.contains("  requests    2 ok, 2 failed (2 cut_short)\n"),
        "{stdout}"
    );
    let level = &read_json(&report)["levels"][0];
    check_level(level, "concurrency", false);
    assert_eq!(level["completed"], 2);
    assert_eq!(level["failures"], json!({"cut_short": 2}));
    assert_eq!(level["total_output_tokens"], 2 * WORD_COUNT);
    let records = read_records(&records);
    check_records(&records);
    assert_eq!(outcomes(&records), ["cut_short", "ok", "cut_short", "ok"]);

    let stall = serving(&["--fault", "stall-after=2,every=2"]);
    let report = dir.path().join("stall.json");
    let records = dir.path().join("stall.jsonl");
    bench_exits(
        12,
        &[
            "-c",
            "2",
            "-n",
            "4",
            "-s",
            "--idle-timeout",
            "0.5",
            "--report",
            report.to_str().unwrap(),
            "--records",
            records.to_str().unwrap(),
            &stall.url(CHAT),
            "--json",
            &body,
        ],
    );
    let level = &read_json(&report)["levels"][0];
    check_level(level, "concurrency", false);
    assert_eq!(level["completed"], 2);
    assert_eq!(level["failed"], 2);
    assert_eq!(level["failures"], json!({"timeout": 2}));
    let records = read_records(&records);
    check_records(&records);
    let mut classes = outcomes(&records);
    classes.sort_unstable();
    assert_eq!(classes, ["ok", "ok", "timeout", "timeout"]);
    for record in records.iter().filter(|r| r["outcome"] == "timeout") {
        // Timed out after half a second without a byte.
        assert!(record["e2el_ms"].as_f64().unwrap() >= 500.0, "{record}");
    }
}

#[test]
fn a_body_that_is_not_a_stream_and_a_5xx_are_failures_too() {
    let server = Server::start(|request| {
        if request.path() == "/html" {
            Reply::new(200)
                .header("content-type", "text/html")
                .send("<html><body>not a stream</body></html>")
        } else {
            Reply::new(503)
                .header("content-type", "application/json")
                .send(r#"{"error":{"message":"overloaded"}}"#)
        }
    });
    let dir = tempfile::tempdir().unwrap();
    for (path, class) in [("/html", "other"), ("/busy", "http_5xx")] {
        let report = dir.path().join("r.json");
        let records = dir.path().join("records.jsonl");
        let stdout = bench_exits(
            12,
            &[
                "-c",
                "2",
                "-n",
                "4",
                "-s",
                "--report",
                report.to_str().unwrap(),
                "--records",
                records.to_str().unwrap(),
                &server.url(path),
            ],
        );
        assert!(
            stdout.contains(&format!("  requests    0 ok, 4 failed (4 {class})\n")),
            "{path}: {stdout}"
        );
        let level = &read_json(&report)["levels"][0];
        check_level(level, "concurrency", false);
        assert_eq!(level["completed"], 0, "{path}");
        assert_eq!(level["failures"], json!({class: 4}), "{path}");
        assert_eq!(level["total_output_tokens"], 0, "{path}");
        for latency in ["ttft_ms", "itl_ms", "tpot_ms", "e2el_ms", "queue_ms"] {
            assert_eq!(level[latency], Value::Null, "{path}: {latency}");
        }
        let records = read_records(&records);
        check_records(&records);
        assert_eq!(outcomes(&records), [class; 4], "{path}");
    }
    assert_eq!(server.hits(), 8);
}

#[test]
fn a_failing_slo_exits_12_and_a_passing_one_0() {
    let serving = serving(&[]);
    let dir = tempfile::tempdir().unwrap();
    let url = serving.url(CHAT);
    let body = chat(true);

    let report = dir.path().join("fail.json");
    let stdout = bench_exits(
        12,
        &[
            "-c",
            "1",
            "-n",
            "3",
            "--slo",
            "ttft=1ms",
            "--report",
            report.to_str().unwrap(),
            &url,
            "--json",
            &body,
        ],
    );
    assert!(
        stdout.contains("  requests    3 ok, 0 failed\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  goodput     0.000 requests/s (0 of 3 met every SLO"),
        "{stdout}"
    );
    let json = read_json(&report);
    assert_eq!(keys(&json), ["levels", "slo", "ssecat_bench", "url"]);
    assert_eq!(json["slo"], "ttft=1ms");
    let level = &json["levels"][0];
    check_level(level, "concurrency", true);
    assert_eq!(level["completed"], 3);
    assert_eq!(level["failed"], 0);
    assert_eq!(level["good"], 0);
    assert_eq!(level["goodput"], 0.0);

    let report = dir.path().join("pass.json");
    let stdout = bench_exits(
        0,
        &[
            "-c",
            "1",
            "-n",
            "3",
            "--slo",
            "ttft=60s,e2el=60s",
            "--report",
            report.to_str().unwrap(),
            &url,
            "--json",
            &body,
        ],
    );
    assert!(stdout.contains("(3 of 3 met every SLO"), "{stdout}");
    let json = read_json(&report);
    assert_eq!(json["slo"], "ttft=60s,e2el=60s");
    let level = &json["levels"][0];
    check_level(level, "concurrency", true);
    assert_eq!(level["completed"], 3);
    assert_eq!(level["good"], 3);
    assert_eq!(level["goodput"], level["request_throughput"]);
}

#[test]
fn merge_adds_up_the_reports_of_two_runs() {
    let serving = serving(&[]);
    let dir = tempfile::tempdir().unwrap();
    let url = serving.url(CHAT);
    let body = chat(true);
    let (a, b) = (dir.path().join("a.json"), dir.path().join("b.json"));
    for (report, requests) in [(&a, "3"), (&b, "2")] {
        bench_exits(
            0,
            &[
                "-c",
                "1",
                "-n",
                requests,
                "-s",
                "--report",
                report.to_str().unwrap(),
                &url,
                "--json",
                &body,
            ],
        );
    }
    let (a_path, b_path) = (a.to_str().unwrap(), b.to_str().unwrap());

    // Without --report: the merged report on stdout.
    let stdout = bench_exits(0, &["--merge", a_path, b_path]);
    let merged: Value =
        serde_json::from_str(&stdout).unwrap_or_else(|err| panic!("{err}: {stdout}"));
    assert_eq!(keys(&merged), ["levels", "ssecat_bench", "url"]);
    assert_eq!(merged["url"], url);
    let level = &merged["levels"][0];
    check_level(level, "concurrency", false);
    assert_eq!(level["concurrency"], 1);
    assert_eq!(level["completed"], 5);
    assert_eq!(level["failed"], 0);
    assert_eq!(level["total_output_tokens"], 5 * WORD_COUNT);
    assert_eq!(level["token_basis"], "usage");
    let (a_json, b_json) = (read_json(&a), read_json(&b));
    let longest = f64::max(
        a_json["levels"][0]["duration_s"].as_f64().unwrap(),
        b_json["levels"][0]["duration_s"].as_f64().unwrap(),
    );
    assert_eq!(level["duration_s"].as_f64(), Some(longest));
    let max = f64::max(
        stat(&a_json["levels"][0], "ttft_ms", "max"),
        stat(&b_json["levels"][0], "ttft_ms", "max"),
    );
    assert_eq!(stat(level, "ttft_ms", "max"), max);

    // With --report: the summary on stdout, the merged report in the file.
    let m = dir.path().join("m.json");
    let stdout = bench_exits(
        0,
        &["--merge", a_path, b_path, "--report", m.to_str().unwrap()],
    );
    assert!(stdout.starts_with("concurrency 1:\n"), "{stdout}");
    assert!(
        stdout.contains("  requests    5 ok, 0 failed\n"),
        "{stdout}"
    );
    assert_eq!(read_json(&m), merged);
}

#[test]
fn merge_keeps_the_latencies_of_a_report_slower_than_the_first() {
    // The first 3 requests answer at once, the next 2 after 300 ms: a
    // report of fast requests merged with one of slow ones.
    let answered = std::sync::atomic::AtomicUsize::new(0);
    let server = Server::start(move |_| {
        let number = answered.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let delay = if number < 3 { 0 } else { 300 };
        Reply::new(200)
            .header("content-type", "text/event-stream")
            .sleep(std::time::Duration::from_millis(delay))
            .send("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}]}\n\n")
            .send("data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n")
            .send("data: [DONE]\n\n")
    });
    let dir = tempfile::tempdir().unwrap();
    let url = server.url(CHAT);
    let (fast, slow) = (dir.path().join("fast.json"), dir.path().join("slow.json"));
    for (report, requests) in [(&fast, "3"), (&slow, "2")] {
        bench_exits(
            0,
            &[
                "-c",
                "1",
                "-n",
                requests,
                "-s",
                "--report",
                report.to_str().unwrap(),
                &url,
            ],
        );
    }
    let slow_level = &read_json(&slow)["levels"][0];
    let slowest = stat(slow_level, "ttft_ms", "max");
    assert!(slowest >= 300.0, "{slow_level}");
    let stdout = bench_exits(
        0,
        &["--merge", fast.to_str().unwrap(), slow.to_str().unwrap()],
    );
    let merged: Value =
        serde_json::from_str(&stdout).unwrap_or_else(|err| panic!("{err}: {stdout}"));
    let level = &merged["levels"][0];
    assert_eq!(level["completed"], 5);
    // All 5 requests' latencies: the 2 slow ones are the top 40%.
    for latency in ["ttft_ms", "e2el_ms"] {
        assert_eq!(
            stat(level, latency, "max"),
            stat(slow_level, latency, "max"),
            "{latency}: {level}"
        );
        assert!(stat(level, latency, "p90") >= 300.0, "{latency}: {level}");
        assert!(
            stat(level, latency, "mean") >= 2.0 * 300.0 / 5.0,
            "{latency}: {level}"
        );
    }
}

#[test]
fn merge_refuses_what_is_not_a_report() {
    let dir = tempfile::tempdir().unwrap();
    let serving = serving(&[]);
    let good = dir.path().join("good.json");
    bench_exits(
        0,
        &[
            "-n",
            "1",
            "-s",
            "--report",
            good.to_str().unwrap(),
            &serving.url(CHAT),
            "--json",
            &chat(true),
        ],
    );
    let good = good.to_str().unwrap();
    let not_a_report = dir.path().join("notes.json");
    std::fs::write(&not_a_report, "hello\n").unwrap();
    let not_a_report = not_a_report.to_str().unwrap();
    // The documented code: 1, "a file (--bodies, a report to merge) could
    // not be read".
    let stderr = bench_refuses(1, &["--merge", good, not_a_report]);
    assert!(
        stderr.starts_with(&format!(
            "ssecat: error: {not_a_report}: not an ssecat bench report: "
        )),
        "{stderr}"
    );
    let missing = dir.path().join("missing.json");
    let missing = missing.to_str().unwrap();
    let stderr = bench_refuses(1, &["--merge", good, missing]);
    assert!(
        stderr.starts_with(&format!("ssecat: error: reading {missing}: ")),
        "{stderr}"
    );
    // Reports with nothing in common: nothing to merge, a usage error.
    let other = std::fs::read_to_string(good)
        .unwrap()
        .replace(&serving.url(CHAT), "http://127.0.0.1:1/other");
    let other_path = dir.path().join("other.json");
    std::fs::write(&other_path, other).unwrap();
    let stderr = bench_refuses(2, &["--merge", good, other_path.to_str().unwrap()]);
    assert_eq!(
        stderr,
        "ssecat: error: the reports are of different URLs: nothing to merge\n"
    );
}

#[test]
fn bodies_are_sent_in_turn() {
    let stream = concat!(
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}]}\n\n",
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\" there\"}}]}\n\n",
        "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n",
        "data: [DONE]\n\n",
    );
    let server = Server::sse(stream);
    let dir = tempfile::tempdir().unwrap();
    let bodies = dir.path().join("bodies.jsonl");
    let first = r#"{"model":"m","stream":true,"messages":[{"role":"user","content":"one"}]}"#;
    let second = r#"{"model":"m","stream":true,"messages":[{"role":"user","content":"two"}]}"#;
    std::fs::write(&bodies, format!("{first}\n{second}\n")).unwrap();
    let report = dir.path().join("r.json");
    bench_exits(
        0,
        &[
            "-c",
            "1",
            "-n",
            "3",
            "-s",
            "--bodies",
            bodies.to_str().unwrap(),
            "--report",
            report.to_str().unwrap(),
            &server.url(CHAT),
        ],
    );
    // POSTs of JSON, as --help says.
    let sent: Vec<(String, Option<String>, String)> = (server.requests().iter())
        .map(|request| {
            let body = String::from_utf8_lossy(&request.body).into_owned();
            let content_type = request.header("content-type").map(str::to_owned);
            (request.method.clone(), content_type, body)
        })
        .collect();
    let expected: Vec<(String, Option<String>, String)> = [first, second, first]
        .iter()
        .map(|body| {
            let json = Some("application/json".to_owned());
            ("POST".to_owned(), json, body.to_string())
        })
        .collect();
    assert_eq!(sent, expected);
    let level = &read_json(&report)["levels"][0];
    assert_eq!(level["completed"], 3);
    assert_eq!(level["total_output_tokens"], 3 * 2);
    assert_eq!(level["token_basis"], "deltas");
}

#[test]
fn bodies_reach_serve_and_the_warmup_is_sent_first() {
    let serving = serving(&[]);
    let dir = tempfile::tempdir().unwrap();
    let bodies = dir.path().join("bodies.jsonl");
    // Two bodies, told apart in serve's log by their answers' length.
    let short = json!({"model": "m", "stream": true, "max_tokens": 2, "messages": []});
    let long = json!({"model": "m", "stream": true, "max_tokens": 5, "messages": []});
    std::fs::write(&bodies, format!("{short}\n{long}\n")).unwrap();
    let report = dir.path().join("r.json");
    bench_exits(
        0,
        &[
            "-c",
            "1",
            "-n",
            "3",
            "--warmup",
            "2",
            "-s",
            "--bodies",
            bodies.to_str().unwrap(),
            "--report",
            report.to_str().unwrap(),
            &serving.url(CHAT),
        ],
    );
    let log = serving.log(5);
    assert_eq!(log.len(), 5, "{log:?}");
    let chunks: Vec<&str> = log
        .iter()
        .map(|line| {
            assert!(line.contains(" POST /v1/chat/completions 200 "), "{line}");
            line.split(": ").nth(2).unwrap().split(',').next().unwrap()
        })
        .collect();
    // In turn: short, long, short, long, short.
    assert_eq!(chunks[0], chunks[2], "{log:?}");
    assert_eq!(chunks[0], chunks[4], "{log:?}");
    assert_eq!(chunks[1], chunks[3], "{log:?}");
    assert_ne!(chunks[0], chunks[1], "{log:?}");
    // Measured: the last 3 (short, long, short) of the 5.
    let level = &read_json(&report)["levels"][0];
    assert_eq!(level["completed"], 3);
    assert_eq!(level["failed"], 0);
    assert_eq!(level["total_output_tokens"], 2 + 5 + 2);
}

#[test]
fn the_warmup_reaches_the_server_but_not_the_report() {
    let serving = serving(&[]);
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let records = dir.path().join("records.jsonl");
    let stdout = bench_exits(
        0,
        &[
            "-c",
            "2",
            "-n",
            "3",
            "--warmup",
            "2",
            "-s",
            "--report",
            report.to_str().unwrap(),
            "--records",
            records.to_str().unwrap(),
            &serving.url(CHAT),
            "--json",
            &chat(true),
        ],
    );
    assert!(
        stdout.contains("  requests    3 ok, 0 failed\n"),
        "{stdout}"
    );
    let log = serving.log(5);
    assert_eq!(log.len(), 5, "{log:?}");
    let level = &read_json(&report)["levels"][0];
    assert_eq!(level["completed"], 3);
    assert_eq!(level["total_output_tokens"], 3 * WORD_COUNT);
    // --records: a line for each of the 5 requests sent.
    let records = read_records(&records);
    check_records(&records);
    assert_eq!(outcomes(&records), ["ok"; 5]);
}

#[test]
fn a_bad_bodies_line_is_a_usage_error_naming_it() {
    let server = Server::sse("data: [DONE]\n\n");
    let dir = tempfile::tempdir().unwrap();
    let bodies = dir.path().join("bodies.jsonl");
    std::fs::write(&bodies, "{\"stream\":true}\n\n{\"stream\":\n").unwrap();
    let stderr = bench_refuses(
        2,
        &[
            "-n",
            "2",
            "--bodies",
            bodies.to_str().unwrap(),
            &server.url(CHAT),
        ],
    );
    assert!(
        stderr.starts_with(&format!(
            "ssecat: error: --bodies {} line 3: not JSON: ",
            bodies.display()
        )),
        "{stderr}"
    );
    std::fs::write(&bodies, "\n\n").unwrap();
    let stderr = bench_refuses(
        2,
        &["--bodies", bodies.to_str().unwrap(), &server.url(CHAT)],
    );
    assert_eq!(
        stderr,
        format!(
            "ssecat: error: --bodies {} holds no request body\n",
            bodies.display()
        )
    );
    let missing = dir.path().join("missing.jsonl");
    let stderr = bench_refuses(
        1,
        &["--bodies", missing.to_str().unwrap(), &server.url(CHAT)],
    );
    assert!(
        stderr.starts_with(&format!(
            "ssecat: error: reading --bodies {}: ",
            missing.display()
        )),
        "{stderr}"
    );
    // --bodies are the bodies: no other body besides.
    std::fs::write(&bodies, "{\"stream\":true}\n").unwrap();
    let (code, stdout, stderr) = bench(&[
        "--bodies",
        bodies.to_str().unwrap(),
        "--json",
        "{}",
        &server.url(CHAT),
    ]);
    assert_eq!((code, stdout.as_str()), (Some(2), ""), "{stderr}");
    assert_eq!(
        stderr.lines().next(),
        Some("ssecat: error: the argument '--bodies <FILE>' cannot be used with '--json <TEXT|@FILE>'"),
        "{stderr}"
    );
    assert_eq!(server.hits(), 0);
}

#[test]
fn bad_input_is_a_usage_error_and_sends_nothing() {
    let server = Server::sse("data: [DONE]\n\n");
    let url = server.url(CHAT);

    // No URL: clap's message, its first line says what is missing.
    let (code, stdout, stderr) = bench(&["-n", "1"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert_eq!(stdout, "");
    assert_eq!(
        stderr.lines().next(),
        Some("ssecat: error: the following required arguments were not provided:"),
        "{stderr}"
    );
    assert!(stderr.contains("<URL>"), "{stderr}");

    // A file where the URL goes.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("events.sse");
    std::fs::write(&file, "data: hi\n\n").unwrap();
    let stderr = bench_refuses(2, &["-n", "1", file.to_str().unwrap()]);
    assert_eq!(
        stderr,
        format!(
            "ssecat: error: {:?} is not a URL: bench loads a URL\n",
            file.display().to_string()
        )
    );

    // An SLO on no metric bench knows, and one without a unit.
    let stderr = bench_refuses(2, &["-n", "1", "--slo", "bogus=1ms", &url]);
    assert_eq!(
        stderr,
        "ssecat: error: --slo: unknown SLO \"bogus\": use ttft, tpot, itl or e2el\n"
    );
    let (code, _, stderr) = bench(&["-n", "1", "--slo", "ttft=5", &url]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.starts_with("ssecat: error: --slo: "), "{stderr}");

    // No streams at all.
    let (code, stdout, stderr) = bench(&["-c", "0", "-n", "1", &url]);
    assert_eq!(code, Some(2), "{stderr}");
    assert_eq!(stdout, "");
    let first = stderr.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("ssecat: error: invalid value '0' for '--concurrency"),
        "{stderr}"
    );
    assert_eq!(server.hits(), 0);
}

#[test]
fn nothing_connecting_exits_6_with_every_request_counted() {
    let port = closed_port();
    let url = format!("http://127.0.0.1:{port}{CHAT}");
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let records = dir.path().join("records.jsonl");
    let stdout = bench_exits(
        6,
        &[
            "-c",
            "2",
            "-n",
            "3",
            "-s",
            "--report",
            report.to_str().unwrap(),
            "--records",
            records.to_str().unwrap(),
            &url,
            "--json",
            &chat(true),
        ],
    );
    assert!(
        stdout.contains("  requests    0 ok, 3 failed (3 connect)\n"),
        "{stdout}"
    );
    assert!(stdout.contains("No request completed."), "{stdout}");
    let level = &read_json(&report)["levels"][0];
    check_level(level, "concurrency", false);
    assert_eq!(level["completed"], 0);
    assert_eq!(level["failures"], json!({"connect": 3}));
    assert_eq!(level["token_basis"], Value::Null);
    assert_eq!(level["gap_basis"], Value::Null);
    let records = read_records(&records);
    check_records(&records);
    assert_eq!(outcomes(&records), ["connect"; 3]);
    for record in &records {
        assert_eq!(record["ttfb_ms"], Value::Null, "{record}");
    }
}
