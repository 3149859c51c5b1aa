//! `--reconnect`: EventSource's reconnection, against the test server.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use crate::server::{Reply, Server};

use super::http_support::{http, stderr_of, stdout_text};

/// A server that answers its n-th request (from 0) with `replies(n)`.
fn serve_in_turn(replies: impl Fn(usize) -> Reply + Send + Sync + 'static) -> Server {
    let count = Arc::new(AtomicUsize::new(0));
    Server::start(move |_| replies(count.fetch_add(1, Ordering::SeqCst)))
}

#[test]
fn a_lost_connection_resumes_after_the_last_id_and_every_event_is_printed_once() {
    let server = serve_in_turn(|n| match n {
        // retry: keeps the test fast; the cut event `par` is dropped.
        0 => {
            Reply::sse("retry: 20\nid: 1\ndata: a\n\nid: 2\ndata: b\n\ndata: par").drop_connection()
        }
        1 => Reply::sse("id: 3\ndata: c\n\n"),
        _ => Reply::sse("data: [DONE]\n\n"),
    });
    let output = http()
        .args(["--format", "data", "--reconnect", &server.url("/events")])
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(stdout_text(&output), "a\nb\nc\n", "{stderr}");
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    assert!(
        lines[0]
            .starts_with("ssecat: reconnecting in 0.0 s (attempt 1): connection lost mid-stream"),
        "{stderr}"
    );
    assert_eq!(
        lines[1],
        "ssecat: reconnecting in 0.0 s (attempt 2): the server ended the stream"
    );
    let requests = server.requests();
    let ids: Vec<Option<&str>> = requests.iter().map(|r| r.header("last-event-id")).collect();
    assert_eq!(ids, [None, Some("2"), Some("3")]);
}

#[test]
fn stats_count_the_reconnections_and_the_events_of_every_response() {
    let server = serve_in_turn(|n| match n {
        0 => Reply::sse("retry: 10\nid: 1\ndata: a\n\n").drop_connection(),
        _ => Reply::sse("data: b\n\ndata: [DONE]\n\n"),
    });
    let output = http()
        .args([
            "--format",
            "data",
            "--reconnect",
            "--stats-json",
            "-",
            &server.url("/"),
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(stdout_text(&output), "a\nb\n");
    let stderr = stderr_of(&output);
    let stats: serde_json::Value = serde_json::from_str(stderr.lines().last().unwrap()).unwrap();
    assert_eq!(stats["reconnects"], 1, "{stderr}");
    assert_eq!(stats["events"], 3, "a, b and [DONE]: {stderr}");
    assert_eq!(stats["status"], 200);
    assert_eq!(stats["exit_code"], 0);
}

#[test]
fn a_save_across_reconnections_replays_as_the_stream_was_read() {
    let dir = tempfile::tempdir().unwrap();
    for (content_type, first, second) in [
        // Cut inside an event, which the reconnection drops.
        (
            "text/event-stream",
            "retry: 10\ndata: a\n\ndata: partial",
            "data: b\n\ndata: [DONE]\n\n",
        ),
        // A comment cut mid-line.
        (
            "text/event-stream",
            "retry: 10\ndata: a\n\n: keep",
            "data: b\n\ndata: [DONE]\n\n",
        ),
        // A last JSON line without its newline, which counted.
        (
            "application/x-ndjson",
            "{\"a\":1}\n{\"b\":2}",
            "{\"c\":3}\n",
        ),
    ] {
        let server = serve_in_turn(move |n| {
            let reply = Reply::new(200).header("content-type", content_type);
            match n {
                0 if content_type == "text/event-stream" => reply.send(first).drop_connection(),
                0 => reply.send(first),
                _ => reply.send(second),
            }
        });
        let saved = dir.path().join("saved");
        let live = http()
            .args(["--format", "data", "--reconnect=1", "--save"])
            .arg(&saved)
            .arg(server.url("/"))
            .output()
            .unwrap();
        let mut replay = crate::cases::support::ssecat();
        if content_type != "text/event-stream" {
            replay.arg("--ndjson");
        }
        let replayed = replay
            .args(["--format", "data"])
            .arg(&saved)
            .output()
            .unwrap();
        assert_eq!(
            stdout_text(&replayed),
            stdout_text(&live),
            "{first:?}: {}",
            String::from_utf8_lossy(&std::fs::read(&saved).unwrap())
        );
        assert_eq!(replayed.status.code(), Some(0), "{first:?}");
    }
}

#[test]
fn giving_up_exits_9_and_says_why() {
    let server = serve_in_turn(|_| Reply::sse("retry: 10\ndata: x\n\n"));
    let output = http()
        .args(["--format", "data", "--reconnect=2", &server.url("/")])
        .output()
        .unwrap();
    assert_eq!(stdout_text(&output), "x\nx\nx\n");
    assert_eq!(output.status.code(), Some(9));
    assert_eq!(
        stderr_of(&output),
        "ssecat: reconnecting in 0.0 s (attempt 1 of 2): the server ended the stream\n\
         ssecat: reconnecting in 0.0 s (attempt 2 of 2): the server ended the stream\n\
         ssecat: error: gave up after 2 reconnections: the server ended the stream\n"
    );
    assert_eq!(server.hits(), 3);
}

#[test]
fn no_reconnection_after_done_or_a_4xx() {
    let server = serve_in_turn(|_| Reply::sse("data: a\n\ndata: [DONE]\n\n"));
    http()
        .args(["--reconnect", &server.url("/")])
        .assert()
        .code(0)
        .stderr("");
    assert_eq!(server.hits(), 1);

    let server = serve_in_turn(|n| match n {
        0 => Reply::sse("retry: 10\ndata: a\n\n"),
        _ => Reply::new(404)
            .header("content-type", "text/plain")
            .send("gone"),
    });
    let output = http()
        .args(["--format", "data", "--reconnect", &server.url("/")])
        .output()
        .unwrap();
    assert_eq!(stdout_text(&output), "a\n");
    assert_eq!(output.status.code(), Some(4));
    assert!(stderr_of(&output).contains("ssecat: HTTP 404 Not Found\n"));
    assert_eq!(server.hits(), 2);
}

#[test]
fn a_503_is_retried_after_its_retry_after_and_429_too() {
    let server = serve_in_turn(|n| match n {
        0 => Reply::sse("retry: 10\ndata: a\n\n"),
        1 => Reply::new(503).header("retry-after", "1"),
        2 => Reply::new(429).header("retry-after", "0"),
        _ => Reply::sse("data: b\n\ndata: [DONE]\n\n"),
    });
    let output = http()
        .args(["--format", "data", "--reconnect=5", &server.url("/")])
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(stdout_text(&output), "a\nb\n", "{stderr}");
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(
        stderr,
        "ssecat: reconnecting in 0.0 s (attempt 1 of 5): the server ended the stream\n\
         ssecat: reconnecting in 1.0 s (attempt 2 of 5): HTTP 503 Service Unavailable\n\
         ssecat: reconnecting in 0.0 s (attempt 3 of 5): HTTP 429 Too Many Requests\n"
    );
}

#[test]
fn waits_are_capped_and_back_off_after_failures() {
    // The stream asks for an hour; --max-retry-wait makes it 0.2 s.
    let server = serve_in_turn(|n| match n {
        0 => Reply::sse("retry: 3600000\ndata: a\n\n"),
        1 | 2 => Reply::new(500),
        _ => Reply::sse("data: [DONE]\n\n"),
    });
    let output = http()
        .args([
            "--format",
            "data",
            "--reconnect",
            "--max-retry-wait",
            "0.2",
            &server.url("/"),
        ])
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let waits: Vec<&str> = stderr
        .lines()
        .map(|line| {
            line.split(" s (")
                .next()
                .unwrap()
                .rsplit(' ')
                .next()
                .unwrap()
        })
        .collect();
    assert_eq!(waits, ["0.2", "0.2", "0.2"], "{stderr}");

    // Without the cap, two failures in a row double the wait twice (with
    // jitter, between half and all of it): 10 ms, then 10-20, then 20-40.
    let server = serve_in_turn(|n| match n {
        0 => Reply::sse("retry: 10\ndata: a\n\n"),
        1 | 2 => Reply::new(502),
        _ => Reply::sse("data: [DONE]\n\n"),
    });
    let output = http()
        .args(["--format", "data", "--reconnect", &server.url("/")])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert_eq!(server.hits(), 4);
}

#[test]
fn max_time_ends_reconnecting() {
    let server = serve_in_turn(|_| Reply::sse("retry: 50\ndata: x\n\n"));
    let output = http()
        .args([
            "--format",
            "data",
            "--reconnect",
            "-m",
            "0.5",
            &server.url("/"),
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(7), "{}", stderr_of(&output));
    assert!(
        stderr_of(&output).ends_with("(--max-time)\n"),
        "{}",
        stderr_of(&output)
    );
}

#[test]
fn reconnect_is_refused_where_it_cannot_work() {
    for args in [
        &["--reconnect", "--text", "http://127.0.0.1:9/"][..],
        &["--reconnect", "--format", "final", "http://127.0.0.1:9/"],
        &["--reconnect", "recorded.sse"],
        &["--reconnect=x", "http://127.0.0.1:9/"],
    ] {
        http().args(args).assert().code(2).stdout("");
    }
}

#[test]
fn an_unfinished_events_id_is_not_sent_as_last_event_id_nor_given_to_later_events() {
    // Event 4 never ended: the server must be asked to resume after 3, so
    // that it sends 4 again, and nothing of 4 may label the next events.
    let server = serve_in_turn(|n| {
        match n {
        0 => Reply::sse("retry: 10\nid: 1\ndata: a\n\nid: 2\ndata: b\n\nid: 3\ndata: c\n\nid: 4\ndata: partial\n")
            .drop_connection(),
        _ => Reply::sse("id: 4\ndata: d\n\ndata: e\n\ndata: [DONE]\n\n"),
    }
    });
    let output = http()
        .args(["--jsonl", "--reconnect=1", &server.url("/")])
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let ids: Vec<(String, String)> = stdout_text(&output)
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap())
        .map(|record| {
            let field = |name: &str| record[name].as_str().unwrap_or_default().to_owned();
            (field("data"), field("id"))
        })
        .collect();
    let expected = [("a", "1"), ("b", "2"), ("c", "3"), ("d", "4"), ("e", "4")];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(data, id)| (data.to_string(), id.to_string()))
        .collect();
    assert_eq!(ids, expected, "{stderr}");
    let requests = server.requests();
    let sent: Vec<Option<&str>> = requests.iter().map(|r| r.header("last-event-id")).collect();
    assert_eq!(sent, [None, Some("3")]);
}

#[test]
fn each_connection_starts_with_an_empty_id_buffer() {
    let server = serve_in_turn(|n| match n {
        0 => Reply::sse("retry: 10\nid: 7\ndata: a\n\n"),
        _ => Reply::sse("data: b\n\ndata: [DONE]\n\n"),
    });
    let output = http()
        .args(["--jsonl", "--reconnect=1", &server.url("/")])
        .output()
        .unwrap();
    let stdout = stdout_text(&output);
    let records: Vec<serde_json::Value> = stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(records.len(), 2, "{stdout}");
    assert_eq!(records[0]["id"], "7", "{stdout}");
    // The second connection set no id: its event has none.
    assert_eq!(records[1]["id"], serde_json::Value::Null, "{stdout}");
    assert_eq!(server.requests()[1].header("last-event-id"), Some("7"));
}

#[test]
fn a_204_stops_the_reconnections() {
    let server = serve_in_turn(|n| match n {
        0 => Reply::sse("retry: 10\ndata: a\n\n"),
        _ => Reply::new(204),
    });
    let output = http()
        .args(["--format", "data", "--reconnect", &server.url("/")])
        .timeout(std::time::Duration::from_secs(20))
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(stdout_text(&output), "a\n");
    assert!(stderr.contains("204 No Content"), "{stderr}");
    assert_eq!(server.hits(), 2, "{stderr}");
}

#[test]
fn an_idle_timeout_waiting_for_the_response_head_reconnects() {
    let server = serve_in_turn(|n| match n {
        0 => Reply::sse("data: late\n\n").delay_head(std::time::Duration::from_secs(10)),
        _ => Reply::sse("data: b\n\ndata: [DONE]\n\n"),
    });
    let output = http()
        .args([
            "--format",
            "data",
            "--idle-timeout",
            "0.3",
            "--max-retry-wait",
            "0.01",
            "--reconnect=2",
            &server.url("/"),
        ])
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(stdout_text(&output), "b\n");
    assert!(
        stderr.starts_with("ssecat: reconnecting in 0.0 s (attempt 1 of 2): timed out: no data"),
        "{stderr}"
    );
    assert_eq!(server.hits(), 2);
}

#[test]
fn an_idle_timeout_mid_stream_reconnects_after_the_last_id() {
    // Two events, the start of a third, then nothing: the idle timeout
    // fires in the middle of the stream, and the next request resumes.
    let server = serve_in_turn(|n| match n {
        0 => Reply::sse("retry: 20\nid: 1\ndata: a\n\nid: 2\ndata: b\n\ndata: par").stall(),
        _ => Reply::sse("id: 3\ndata: c\n\ndata: [DONE]\n\n"),
    });
    let output = http()
        .args([
            "--format",
            "data",
            // Time enough for a busy machine to answer the second request.
            "--idle-timeout",
            "1",
            "--reconnect=2",
            &server.url("/events"),
        ])
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    // Every whole event once; the one the timeout cut is dropped.
    assert_eq!(stdout_text(&output), "a\nb\nc\n", "{stderr}");
    assert_eq!(
        stderr,
        "ssecat: reconnecting in 0.0 s (attempt 1 of 2): \
         timed out: no data arrived for 1 s (--idle-timeout)\n"
    );
    let requests = server.requests();
    let ids: Vec<Option<&str>> = requests.iter().map(|r| r.header("last-event-id")).collect();
    assert_eq!(ids, [None, Some("2")]);
}

#[test]
fn an_empty_reply_exits_10_and_is_retried_with_reconnect() {
    let port = crate::server::empty_replies(1);
    let output = http()
        .arg(format!("http://127.0.0.1:{port}/"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(10));
    assert!(output.stdout.is_empty());
    super::http_support::assert_one_error_line(
        &stderr_of(&output),
        &["empty reply", "without sending a response"],
    );

    let port = crate::server::empty_replies(2);
    let output = http()
        .args(["--reconnect=1", "--max-retry-wait", "0.01"])
        .arg(format!("http://127.0.0.1:{port}/"))
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(9), "{stderr}");
    assert!(
        stderr.contains("gave up after 1 reconnection: empty reply"),
        "{stderr}"
    );
}

#[test]
fn bytes_held_to_tell_the_framing_are_dropped_with_the_connection() {
    let server = serve_in_turn(|n| match n {
        // No content type: the first bytes tell JSON, and the line is cut.
        0 => Reply::new(200).send("{\"a\":").drop_connection(),
        _ => Reply::new(200).send("{\"b\":1}\n{\"c\":2}\n"),
    });
    let output = http()
        .args([
            "--format",
            "data",
            "--reconnect=1",
            "--max-retry-wait",
            "0.01",
        ])
        .arg(server.url("/"))
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(stdout_text(&output), "{\"b\":1}\n{\"c\":2}\n", "{stderr}");
    assert_eq!(output.status.code(), Some(9), "gave up after 1: {stderr}");
}

#[test]
fn an_event_without_an_id_stops_last_event_id_even_one_given_on_the_command_line() {
    let server = serve_in_turn(|n| match n {
        0 => Reply::sse("retry: 10\ndata: a\n\n"),
        1 => Reply::sse("id: 3\ndata: b\n\n"),
        2 => Reply::sse("id:\ndata: c\n\n"),
        _ => Reply::sse("data: [DONE]\n\n"),
    });
    let output = http()
        .args(["--format", "data", "--reconnect", "--last-event-id", "5"])
        .arg(server.url("/"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert_eq!(stdout_text(&output), "a\nb\nc\n");
    let requests = server.requests();
    let sent: Vec<Option<&str>> = requests.iter().map(|r| r.header("last-event-id")).collect();
    // Event a, dispatched with no id, made the last event ID empty; c reset it.
    assert_eq!(sent, [Some("5"), None, Some("3"), None]);
}

#[test]
fn strict_checks_every_response_of_a_reconnection() {
    let server = serve_in_turn(|n| match n {
        0 => Reply::sse("retry: 10\ndata: a\n\n"),
        _ => Reply::new(200)
            .header("content-type", "text/html")
            .send("<html></html>"),
    });
    let output = http()
        .args(["--strict", "--format", "data", "--reconnect=3"])
        .arg(server.url("/"))
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(11), "{stderr}");
    assert_eq!(stdout_text(&output), "a\n");
    assert!(
        stderr.contains("--strict: the response has text/html"),
        "{stderr}"
    );
    assert_eq!(server.hits(), 2);
}

#[test]
fn a_heartbeat_keeps_the_last_event_id_across_connections() {
    let server = serve_in_turn(|n| match n {
        0 => Reply::sse("retry: 10\nid: 3\ndata: a\n\n"),
        1 => Reply::sse(": ping\n\n"),
        _ => Reply::sse("data: [DONE]\n\n"),
    });
    let output = http()
        .args(["--format", "data", "--reconnect", &server.url("/")])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let requests = server.requests();
    let sent: Vec<Option<&str>> = requests.iter().map(|r| r.header("last-event-id")).collect();
    assert_eq!(sent, [None, Some("3"), Some("3")]);
}
