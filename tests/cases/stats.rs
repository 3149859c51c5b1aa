//! `--stats` and `--stats-json`: the figures of a stream against a server
//! with known delays, however the run ends; and `--save`.

use std::time::Duration;

use serde_json::Value;

use crate::server::{closed_port, Gate, Reply, Server};

use super::http_support::{http, interrupt, Running};
use super::support::{fixture, read_fixture, ssecat, TIMEOUT};

/// Every key of the `--stats-json` object.
const KEYS: [&str; 22] = [
    "url",
    "status",
    "http_version",
    "content_type",
    "ttfb_ms",
    "first_event_ms",
    "first_token_ms",
    "duration_ms",
    "events",
    "bytes",
    "text_chars",
    "tokens_in",
    "tokens_out",
    "deltas",
    "tokens_per_s",
    "tokens_per_s_basis",
    "gap_ms",
    "finish_reason",
    "dialect",
    "reconnects",
    "exit_code",
    "error",
];

/// Parses the one JSON line of `--stats-json` and checks it has every key.
fn stats_object(text: &str) -> Value {
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1, "one JSON line expected: {text:?}");
    let stats: Value = serde_json::from_str(lines[0]).unwrap();
    let mut keys: Vec<&str> = stats
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut expected = KEYS.to_vec();
    keys.sort_unstable();
    expected.sort_unstable();
    assert_eq!(keys, expected, "{stats}");
    stats
}

fn millis(stats: &Value, key: &str) -> f64 {
    stats[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} is not a number: {stats}"))
}

/// The events of a fixture, each with its blank line.
fn events_of(name: &str) -> Vec<String> {
    String::from_utf8(read_fixture(name))
        .unwrap()
        .split_inclusive("\n\n")
        .map(str::to_owned)
        .collect()
}

/// A server that sends the events of a fixture, the first 300 ms after the
/// headers, then one every 50 ms.
fn delayed_server(name: &str) -> Server {
    let events = events_of(name);
    Server::start(move |_| {
        let mut reply = Reply::new(200).header("content-type", "text/event-stream");
        for event in &events {
            let delay = if reply.body.is_empty() { 300 } else { 50 };
            reply = reply
                .sleep(Duration::from_millis(delay))
                .send(event.clone());
        }
        reply
    })
}

#[test]
fn a_stream_with_known_delays_gives_its_timings_and_counts() {
    let events = events_of("openai-chat-usage.sse");
    let body_len: usize = events.iter().map(String::len).sum();
    let count = events.len();
    let server = delayed_server("openai-chat-usage.sse");
    let url = server.url("/v1/chat/completions");
    let output = http()
        .args(["--text", "--stats-json", "-", &url])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(output.stdout, b"The capital of France is Paris.");
    let stats = stats_object(&String::from_utf8(output.stderr).unwrap());
    assert_eq!(stats["url"], url.as_str());
    assert_eq!(stats["status"], 200);
    assert_eq!(stats["http_version"], "HTTP/1.1");
    assert_eq!(stats["content_type"], "text/event-stream");
    // Received after the 300 ms the server waits, in the order they came,
    // and the rest of the stream after them (no upper bound of wall-clock
    // time: a slow, busy machine may take seconds).
    let ttfb = millis(&stats, "ttfb_ms");
    let first_event = millis(&stats, "first_event_ms");
    let first_token = millis(&stats, "first_token_ms");
    let duration = millis(&stats, "duration_ms");
    assert!(ttfb >= 300.0, "{stats}");
    assert!(ttfb <= first_event && first_event <= first_token, "{stats}");
    // After the first event, count - 1 more, each at least 50 ms later.
    assert!(
        duration >= first_event + 50.0 * (count - 1) as f64,
        "{stats}"
    );
    assert_eq!(stats["events"], count as u64);
    assert_eq!(stats["bytes"], body_len as u64);
    assert_eq!(
        stats["text_chars"],
        "The capital of France is Paris.".len() as u64
    );
    assert_eq!(stats["tokens_in"], 14);
    assert_eq!(stats["tokens_out"], 7);
    assert!(stats["deltas"].as_u64().unwrap() >= 2);
    assert_eq!(stats["tokens_per_s_basis"], "usage");
    // 7 tokens over at least one 50 ms gap: at most 140 per second.
    let rate = stats["tokens_per_s"].as_f64().unwrap();
    assert!(rate > 0.0 && rate <= 140.0, "{rate}");
    // Every gap is one of the server's 50 ms waits or longer, and none is
    // longer than the stream after its first event.
    let gap = &stats["gap_ms"];
    let gaps: Vec<f64> = ["p50", "p90", "p99", "max"]
        .iter()
        .map(|key| gap[key].as_f64().unwrap())
        .collect();
    assert!(gaps[0] >= 49.0, "{gap}");
    assert!(gaps.windows(2).all(|w| w[0] <= w[1]), "{gap}");
    assert!(gaps[3] <= duration - first_event, "{stats}");
    assert_eq!(stats["finish_reason"], "stop");
    assert_eq!(stats["dialect"], "openai");
    assert_eq!(stats["reconnects"], 0);
    assert_eq!(stats["exit_code"], 0);
    assert_eq!(stats["error"], Value::Null);
}

#[test]
fn stats_are_written_for_an_http_error() {
    let server = Server::start(|_| {
        Reply::new(500)
            .header("content-type", "application/json")
            .send(r#"{"error":{"message":"the model is overloaded"}}"#)
    });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stats.json");
    let output = http()
        .args(["--stats-json", path.to_str().unwrap(), &server.url("/")])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(5));
    let stats = stats_object(&std::fs::read_to_string(&path).unwrap());
    assert_eq!(stats["status"], 500);
    assert_eq!(stats["exit_code"], 5);
    assert_eq!(
        stats["error"],
        "HTTP 500 Internal Server Error; message: the model is overloaded"
    );
    assert_eq!(stats["events"], 0);
    assert_eq!(stats["first_event_ms"], Value::Null);
    assert_eq!(stats["gap_ms"], Value::Null);
    // An error's body is no part of the stream: no first byte, no bytes;
    // the run still took time.
    assert_eq!(stats["ttfb_ms"], Value::Null);
    assert_eq!(stats["bytes"], 0);
    assert!(millis(&stats, "duration_ms") > 0.0, "{stats}");
}

#[test]
fn stats_are_written_for_a_cut_stream() {
    let server = Server::start(|_| {
        Reply::sse("data: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\n\ndata: {\"cho")
            .drop_connection()
    });
    let output = http()
        .args(["--text", "--stats-json", "-", &server.url("/")])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(9));
    assert_eq!(output.stdout, b"Hel");
    let stderr = String::from_utf8(output.stderr).unwrap();
    let (message, json) = stderr.split_once('\n').unwrap();
    assert!(message.contains("connection lost mid-stream"), "{message}");
    let stats = stats_object(json);
    assert_eq!(stats["exit_code"], 9);
    assert!(stats["error"].as_str().unwrap().contains("connection lost"));
    assert_eq!(stats["events"], 1);
    assert_eq!(stats["deltas"], 1);
    assert_eq!(stats["text_chars"], 3);
}

#[test]
fn stats_are_written_when_the_server_cannot_be_reached() {
    let url = format!("http://127.0.0.1:{}/", closed_port());
    let output = http().args(["--stats-json", "-", &url]).output().unwrap();
    assert_eq!(output.status.code(), Some(6));
    let stderr = String::from_utf8(output.stderr).unwrap();
    let stats = stats_object(stderr.lines().last().unwrap());
    assert_eq!(stats["url"], url.as_str());
    assert_eq!(stats["status"], Value::Null);
    assert_eq!(stats["ttfb_ms"], Value::Null);
    assert_eq!(stats["exit_code"], 6);
    assert!(stats["error"].as_str().unwrap().contains("refused"));
}

#[test]
fn stats_are_written_on_ctrl_c() {
    let server = Server::start(|_| Reply::sse("data: 1\n\n").stall());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stats.json");
    let mut run = Running::spawn(&[
        "--format",
        "data",
        "--stats-json",
        path.to_str().unwrap(),
        &server.url("/"),
    ]);
    run.expect_output("1\n");
    interrupt(run);
    let stats = stats_object(&std::fs::read_to_string(&path).unwrap());
    assert_eq!(stats["exit_code"], 130);
    assert_eq!(stats["error"], "interrupted by signal 2");
    assert_eq!(stats["events"], 1);
}

#[test]
fn a_replayed_file_names_itself_and_has_no_response() {
    let path = fixture("anthropic-messages.sse");
    let output = ssecat()
        .args(["--format", "final", "--stats-json", "-"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stats = stats_object(&String::from_utf8(output.stderr).unwrap());
    assert_eq!(stats["url"], path.to_str().unwrap());
    assert_eq!(stats["status"], Value::Null);
    assert_eq!(stats["dialect"], "anthropic");
    assert_eq!(stats["finish_reason"], "end_turn");
    // tests/fixtures/llm/README.md: `message_start` 21 in, `message_delta` 42 out.
    assert_eq!(stats["tokens_in"], 21);
    assert_eq!(stats["tokens_out"], 42);
    assert_eq!(
        stats["bytes"],
        read_fixture("anthropic-messages.sse").len() as u64
    );
}

#[test]
fn stats_read_the_answer_in_every_format() {
    // `--format sse` has no LLM reader of its own; the figures still count it.
    let output = ssecat()
        .args(["--stats-json", "-"])
        .arg(fixture("openai-chat.sse"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stats = stats_object(&String::from_utf8(output.stderr).unwrap());
    assert_eq!(stats["dialect"], "openai");
    assert_eq!(
        stats["text_chars"],
        "Hello! How can I help you today?".len() as u64
    );
    assert_eq!(
        stats["tokens_per_s_basis"],
        Value::Null,
        "one read: no rate"
    );
}

#[test]
fn the_human_summary_goes_to_stderr_after_the_output() {
    let output = ssecat()
        .args(["--text", "--stats"])
        .arg(fixture("openai-chat-usage.sse"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(output.stdout, b"The capital of France is Paris.");
    let stderr = String::from_utf8(output.stderr).unwrap();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines[0], "ssecat: stats");
    for expected in [
        "first event",
        "received     11 events",
        "tokens       14 in, 7 out",
        "finish       stop (openai)",
        "exit         0",
    ] {
        assert!(stderr.contains(expected), "no {expected:?} in {stderr}");
    }
}

/// The `--stats` summary of `input` read from standard input with `args`.
fn summary_of_stdin(args: &[&str], input: &str) -> String {
    let output = ssecat()
        .args(args)
        .args(["--stats", "-"])
        .write_stdin(input)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    String::from_utf8(output.stderr).unwrap()
}

#[test]
fn the_summary_counts_one_of_a_kind_in_the_singular() {
    let delta = "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n";
    let summary = summary_of_stdin(&["--format", "data"], delta);
    for expected in [
        format!("  received     1 event, {} bytes\n", delta.len()),
        "  text         1 delta, 1 character\n".to_owned(),
    ] {
        assert!(summary.contains(&expected), "no {expected:?} in {summary}");
    }
    let summary = summary_of_stdin(&[], "\n");
    assert!(
        summary.contains("  received     0 events, 1 byte\n"),
        "{summary}"
    );
    let two = format!("{delta}{delta}");
    let summary = summary_of_stdin(&["--format", "data"], &two);
    assert!(
        summary.contains("  text         2 deltas, 2 characters\n"),
        "{summary}"
    );
}

#[test]
fn a_file_or_stdin_has_a_first_read_where_a_url_has_a_first_byte() {
    // No request is made: the time is from opening the input to reading it.
    let file = ssecat()
        .arg("--stats")
        .arg(fixture("openai-chat.sse"))
        .output()
        .unwrap();
    let stdin = summary_of_stdin(&[], "data: 1\n\n");
    for summary in [String::from_utf8(file.stderr).unwrap(), stdin] {
        assert!(summary.contains("\n  first read   "), "{summary}");
        assert!(!summary.contains("first byte"), "{summary}");
    }
    let server = Server::sse("data: 1\n\n");
    let output = http().args(["--stats", &server.url("/")]).output().unwrap();
    let summary = String::from_utf8(output.stderr).unwrap();
    assert!(summary.contains("\n  first byte   "), "{summary}");
    assert!(!summary.contains("first read"), "{summary}");
    // The JSON keeps its one key for both.
    let output = ssecat()
        .args(["--stats-json", "-"])
        .arg(fixture("openai-chat.sse"))
        .output()
        .unwrap();
    let stats = stats_object(&String::from_utf8(output.stderr).unwrap());
    // The first read comes before the first event, and both within the run.
    let ttfb = millis(&stats, "ttfb_ms");
    assert!(ttfb <= millis(&stats, "first_event_ms"), "{stats}");
    assert!(
        millis(&stats, "first_event_ms") <= millis(&stats, "duration_ms"),
        "{stats}"
    );
}

/// `text` with its source and every number replaced, to compare the shape
/// of two summaries.
fn shape(text: &str) -> Vec<String> {
    text.lines()
        .map(|line| {
            if line.trim_start().starts_with("source ") {
                return "source".to_owned();
            }
            let mut shape = String::new();
            for c in line.chars() {
                match c {
                    '0'..='9' if shape.ends_with('#') => {}
                    '0'..='9' => shape.push('#'),
                    '.' if shape.ends_with('#') => {}
                    c => shape.push(c),
                }
            }
            shape
        })
        .collect()
}

#[test]
fn the_guide_example_of_the_summary_is_what_a_run_prints() {
    let guide =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/GUIDE.md")).unwrap();
    let example = guide
        .split("```text\n")
        .find(|block| block.starts_with("ssecat: stats\n"))
        .and_then(|block| block.split("```").next())
        .expect("docs/GUIDE.md shows a --stats summary");
    let server = delayed_server("openai-chat-usage.sse");
    let output = http()
        .args(["--text", "--stats", &server.url("/v1/chat/completions")])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let printed = String::from_utf8(output.stderr).unwrap();
    assert_eq!(
        shape(example),
        shape(&printed),
        "docs/GUIDE.md:\n{example}\nrun:\n{printed}"
    );
}

#[test]
fn an_uncreatable_stats_file_fails_before_the_request() {
    let server = Server::sse("data: 1\n\n");
    http()
        .args([
            "--stats-json",
            "/nonexistent/dir/stats.json",
            &server.url("/"),
        ])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicates::str::starts_with(
            "ssecat: error: cannot create --stats-json file /nonexistent/dir/stats.json",
        ));
    assert_eq!(server.hits(), 0);
}

#[test]
fn save_keeps_the_body_byte_for_byte_and_replays_identically() {
    let body = read_fixture("anthropic-messages.sse");
    let sent = body.clone();
    let server = Server::start(move |_| {
        Reply::new(200)
            .header("content-type", "text/event-stream")
            .send_in_pieces(&sent, 37, Duration::ZERO)
    });
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("saved.sse");
    for format in ["sse", "text", "jsonl"] {
        let live = http()
            .args([
                "--format",
                format,
                "--save",
                saved.to_str().unwrap(),
                &server.url("/"),
            ])
            .output()
            .unwrap();
        assert_eq!(live.status.code(), Some(0));
        assert_eq!(std::fs::read(&saved).unwrap(), body);
        let replayed = ssecat()
            .args(["--format", format])
            .arg(&saved)
            .output()
            .unwrap();
        assert_eq!(replayed.stdout, live.stdout, "{format}");
        assert_eq!(replayed.status.code(), Some(0));
    }
}

#[test]
fn save_keeps_what_came_before_a_cut_and_before_ctrl_c() {
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("cut.sse");
    let server = Server::start(|_| Reply::sse("data: 1\n\ndata: 2").drop_connection());
    http()
        .args(["--save", saved.to_str().unwrap(), &server.url("/")])
        .assert()
        .code(9);
    assert_eq!(std::fs::read(&saved).unwrap(), b"data: 1\n\ndata: 2");

    let saved = dir.path().join("interrupted.sse");
    let server = Server::start(|_| Reply::sse("data: 1\n\nid: 7\ndata: part").stall());
    let mut run = Running::spawn(&[
        "--format",
        "data",
        "--save",
        saved.to_str().unwrap(),
        &server.url("/"),
    ]);
    run.expect_output("1\n");
    interrupt(run);
    assert_eq!(
        std::fs::read(&saved).unwrap(),
        b"data: 1\n\nid: 7\ndata: part"
    );
}

#[test]
fn save_applies_to_a_file_or_stdin_too() {
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("copy.sse");
    ssecat()
        .args(["--format", "data", "--save", saved.to_str().unwrap(), "-"])
        .write_stdin("data: a\r\n\r\n")
        .assert()
        .code(0)
        .stdout("a\n");
    assert_eq!(std::fs::read(&saved).unwrap(), b"data: a\r\n\r\n");
}

#[test]
fn text_from_the_stream_is_escaped_in_the_summary() {
    let stream = "data: {\"choices\":[{\"delta\":{\"content\":\"hi\"},\"finish_reason\":\"\\u001b[2J\\u009b\"}]}\n\ndata: [DONE]\n\n";
    let output = ssecat()
        .args(["--text", "--stats", "--stats-json", "-", "-"])
        .write_stdin(stream)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        !stderr.contains('\u{1b}') && !stderr.contains('\u{9b}'),
        "{stderr:?}"
    );
    assert!(
        stderr.contains("finish       \\x1b[2J\\u{9b} (openai)"),
        "{stderr}"
    );
    let stats = stats_object(stderr.lines().last().unwrap());
    assert_eq!(stats["finish_reason"], "\u{1b}[2J\u{9b}");
    assert!(
        stderr.contains(r#""finish_reason":"\u001b[2J\u009b""#),
        "{stderr}"
    );
}

#[test]
fn a_stream_without_a_dialect_has_no_answer_figures() {
    let output = ssecat()
        .args(["--stats-json", "-", "-"])
        .write_stdin("data: 1\n\ndata: 2\n\n")
        .output()
        .unwrap();
    let stats = stats_object(&String::from_utf8(output.stderr).unwrap());
    assert_eq!(stats["events"], 2);
    for key in ["deltas", "text_chars", "dialect", "tokens_per_s"] {
        assert_eq!(stats[key], Value::Null, "{key}");
    }
}

#[test]
fn an_event_filter_does_not_hide_the_answer_from_the_figures() {
    let output = ssecat()
        .args(["--jsonl", "--dialect", "openai", "--event", "nothing"])
        .args(["--stats-json", "-"])
        .arg(fixture("openai-chat.sse"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(output.stdout.is_empty());
    let stats = stats_object(&String::from_utf8(output.stderr).unwrap());
    assert_eq!(
        stats["text_chars"],
        "Hello! How can I help you today?".len() as u64
    );
    assert_eq!(stats["dialect"], "openai");
}

#[test]
fn a_usage_error_still_names_the_source() {
    let path = fixture("openai-chat.sse");
    let output = ssecat()
        .args(["--text", "--reconnect=1", "--stats-json", "-"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    let stats = stats_object(stderr.lines().last().unwrap());
    assert_eq!(stats["url"], path.to_str().unwrap());
    assert_eq!(stats["exit_code"], 2);
}

#[test]
fn a_last_json_line_counts_when_it_arrived_not_when_the_body_ended() {
    // The line is printed only at the end of the body (it might go on), but
    // `--save` writes it as it arrives. The body ends only when the test
    // opens the gate, which it does at least HELD after the line was saved:
    // the line's time and the end's are then at least HELD apart, however
    // slow the machine.
    const HELD: Duration = Duration::from_millis(600);
    let end = Gate::new();
    let server = Server::start({
        let end = end.clone();
        move |_| {
            Reply::new(200)
                .header("content-type", "application/x-ndjson")
                .send("{\"a\":1}")
                .wait_for(&end)
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("body");
    let mut run = Running::spawn(&[
        "--format",
        "data",
        "--stats-json",
        "-",
        "--save",
        saved.to_str().unwrap(),
        &server.url("/"),
    ]);
    let started = std::time::Instant::now();
    while std::fs::read(&saved).unwrap_or_default() != b"{\"a\":1}" {
        assert!(started.elapsed() < TIMEOUT, "the line was never received");
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(HELD);
    end.open();
    run.expect_output("{\"a\":1}\n");
    let finished = run.finish();
    assert_eq!(finished.code, Some(0), "{finished:?}");
    assert_eq!(finished.stdout, "");
    let stats = stats_object(&finished.stderr);
    assert_eq!(stats["events"], 1);
    let first_event = millis(&stats, "first_event_ms");
    let duration = millis(&stats, "duration_ms");
    assert!(
        duration - first_event >= HELD.as_millis() as f64,
        "the line counted when the body ended: {stats}"
    );
}

#[test]
fn save_warns_when_the_output_closes_first() {
    // The first event waits until the output is closed; the second is never
    // sent while ssecat runs: what was saved is exactly the first.
    let closed = Gate::new();
    let after = Gate::new();
    let server = Server::start({
        let (closed, after) = (closed.clone(), after.clone());
        move |_| {
            Reply::new(200)
                .header("content-type", "text/event-stream")
                .wait_for(&closed)
                .send("data: 1\n\n")
                .wait_for(&after)
                .send("data: 2\n\n")
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("early.sse");
    let mut child = super::http_support::command(&[
        "--format",
        "data",
        "--save",
        saved.to_str().unwrap(),
        &server.url("/"),
    ])
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::piped())
    .spawn()
    .unwrap();
    // Nobody reads the output: the first write after this fails.
    drop(child.stdout.take());
    closed.open();
    let output = child.wait_with_output().unwrap();
    after.open();
    assert_eq!(output.status.code(), Some(0));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(
        stderr,
        format!(
            "ssecat: warning: {} holds only what came before the output was closed\n",
            saved.display()
        )
    );
    assert_eq!(std::fs::read_to_string(&saved).unwrap(), "data: 1\n\n");
}
