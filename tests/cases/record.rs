//! `--record`: a timed recording of the exchange, checked line by line
//! against what the test server sent, and read back by `ssecat FILE`.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use serde_json::Value;

use crate::server::{Reply, Server};

use super::http_support::{
    assert_one_error_line, http, interrupt, stderr_of, stdout_text, Running,
};
use super::support::{read_fixture, ssecat};

/// The lines of a recording, each parsed.
fn lines_of(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|err| panic!("{line}: {err}")))
        .collect()
}

/// The bytes of a chunk line, from its text or its base64.
fn chunk_bytes(line: &Value) -> Vec<u8> {
    match (line["text"].as_str(), line["base64"].as_str()) {
        (Some(text), None) => text.as_bytes().to_vec(),
        (None, Some(encoded)) => BASE64.decode(encoded).unwrap(),
        _ => panic!("not a chunk line: {line}"),
    }
}

fn millis(line: &Value, key: &str) -> f64 {
    line[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} is not a number: {line}"))
}

/// The value of header `name` in a `[[name, value], …]` list.
fn header<'v>(headers: &'v Value, name: &str) -> Option<&'v str> {
    let pairs = headers.as_array().unwrap();
    let pair = pairs.iter().find(|pair| pair[0] == name)?;
    pair[1].as_str()
}

#[test]
fn a_recording_holds_the_request_the_response_and_every_chunk_as_received() {
    // Sent in three pieces 80 ms apart; the first ends inside an "é"
    // put into the first event, so that a chunk cuts a character.
    let mut body = read_fixture("openai-chat.sse");
    let at = body.windows(6).position(|w| w == b"\"role\"").unwrap();
    body.splice(at..at, "\"note\":\"é\",".bytes());
    let cut = at + "\"note\":\"".len() + 1;
    let pieces = [
        body[..cut].to_vec(),
        body[cut..cut + 40].to_vec(),
        body[cut + 40..].to_vec(),
    ];
    let server = Server::start(move |_| {
        let reply = Reply::new(200).header("content-type", "text/event-stream");
        reply
            .send(pieces[0].clone())
            .sleep(Duration::from_millis(80))
            .send(pieces[1].clone())
            .sleep(Duration::from_millis(80))
            .send(pieces[2].clone())
    });
    let dir = tempfile::tempdir().unwrap();
    let recorded = dir.path().join("run.jsonl");
    let url = server.url("/v1/chat/completions");
    let live = http()
        .env("TEAM", "team-secret")
        .args(["--text", "--bearer", "sk-secret", "-H", "X-Team: env:TEAM"])
        .args([
            "-H",
            "X-Trace: 7",
            "--json",
            r#"{"stream":true}"#,
            "--record",
        ])
        .arg(&recorded)
        .arg(&url)
        .output()
        .unwrap();
    assert_eq!(live.status.code(), Some(0), "{}", stderr_of(&live));
    assert_eq!(stdout_text(&live), "Hello! How can I help you today?");

    let lines = lines_of(&recorded);
    let first = &lines[0];
    assert_eq!(first["ssecat"], "recording");
    assert_eq!(first["version"], 1);
    let request = &first["request"];
    assert_eq!(request["method"], "POST");
    assert_eq!(request["url"], url);
    assert_eq!(request["body"], r#"{"stream":true}"#);
    assert_eq!(request.get("body_base64"), None);
    let headers = &request["headers"];
    assert_eq!(header(headers, "authorization"), Some("<redacted>"));
    assert_eq!(header(headers, "x-team"), Some("<redacted>"));
    assert_eq!(header(headers, "x-trace"), Some("7"));
    assert_eq!(header(headers, "content-type"), Some("application/json"));
    assert!(!std::fs::read_to_string(&recorded)
        .unwrap()
        .contains("secret"));

    let head = &lines[1];
    assert_eq!(head["response"]["status"], 200);
    assert_eq!(head["response"]["version"], "HTTP/1.1");
    let response_headers = &head["response"]["headers"];
    assert_eq!(
        header(response_headers, "content-type"),
        Some("text/event-stream")
    );
    assert_eq!(millis(head, "sent_ms"), 0.0);

    let (end, chunks) = lines[2..].split_last().unwrap();
    assert_eq!(end.as_object().unwrap().len(), 2, "{end}");
    assert_eq!(end["end"], "eof");
    let received: Vec<u8> = chunks.iter().flat_map(chunk_bytes).collect();
    assert_eq!(received, body);
    // The first piece ends inside "é": it cannot be text on its own.
    assert!(chunks[0].get("base64").is_some(), "{}", chunks[0]);
    let mut offsets = vec![millis(head, "at_ms")];
    offsets.extend(chunks.iter().map(|chunk| millis(chunk, "at_ms")));
    offsets.push(millis(end, "at_ms"));
    assert!(offsets.windows(2).all(|w| w[0] <= w[1]), "{offsets:?}");
    // The last piece came two sleeps of 80 ms after the first.
    let last_chunk = millis(chunks.last().unwrap(), "at_ms");
    assert!(
        last_chunk - millis(&chunks[0], "at_ms") >= 160.0,
        "{offsets:?}"
    );

    // Read back as input: the same text; --stats with the recorded timing.
    let replayed = ssecat()
        .args(["--text", "--stats-json", "-"])
        .arg(&recorded)
        .output()
        .unwrap();
    assert_eq!(replayed.stdout, live.stdout);
    assert_eq!(replayed.status.code(), Some(0));
    let stats: Value = serde_json::from_str(&stderr_of(&replayed)).unwrap();
    assert_eq!(stats["url"], url);
    assert_eq!(stats["status"], 200);
    assert_eq!(stats["ttfb_ms"], chunks[0]["at_ms"]);
    assert!(millis(&stats, "duration_ms") >= last_chunk, "{stats}");
}

#[test]
fn a_reconnecting_run_records_each_response_and_replays_as_it_was_read() {
    let count = Arc::new(AtomicUsize::new(0));
    let server = Server::start(move |_| match count.fetch_add(1, Ordering::SeqCst) {
        0 => Reply::sse("retry: 30\ndata: a\n\ndata: cut").drop_connection(),
        _ => Reply::sse("data: b\n\ndata: [DONE]\n\n"),
    });
    let dir = tempfile::tempdir().unwrap();
    let recorded = dir.path().join("reconnected.jsonl");
    let live = http()
        .args(["--format", "data", "--reconnect=1", "--record"])
        .arg(&recorded)
        .arg(server.url("/events"))
        .output()
        .unwrap();
    assert_eq!(live.status.code(), Some(0), "{}", stderr_of(&live));
    assert_eq!(stdout_text(&live), "a\nb\n");

    let lines = lines_of(&recorded);
    let heads: Vec<&Value> = lines
        .iter()
        .filter(|l| l.get("response").is_some())
        .collect();
    let ends: Vec<&Value> = lines.iter().filter(|l| l.get("end").is_some()).collect();
    assert_eq!((heads.len(), ends.len()), (2, 2), "{lines:#?}");
    assert_eq!(ends[0]["end"], "error");
    let error = ends[0]["error"].as_str().unwrap();
    assert!(error.starts_with("connection lost mid-stream"), "{error}");
    assert_eq!(ends[1]["end"], "eof");
    // The second request waited the stream's retry: 30 after the cut.
    assert!(
        millis(heads[1], "sent_ms") >= millis(ends[0], "at_ms") + 30.0,
        "{lines:#?}"
    );
    assert_eq!(lines.last(), Some(ends[1]));

    let replayed = ssecat()
        .args(["--format", "data"])
        .arg(&recorded)
        .output()
        .unwrap();
    assert_eq!(stdout_text(&replayed), "a\nb\n");
    assert_eq!(replayed.status.code(), Some(0));
}

#[test]
fn an_interrupted_run_records_how_it_ended_and_what_came() {
    let dir = tempfile::tempdir().unwrap();
    let recorded = dir.path().join("interrupted.jsonl");
    let server = Server::start(|_| Reply::sse("data: 1\n\ndata: par").stall());
    let mut run = Running::spawn(&[
        "--format",
        "data",
        "--record",
        recorded.to_str().unwrap(),
        &server.url("/"),
    ]);
    run.expect_output("1\n");
    interrupt(run);
    let lines = lines_of(&recorded);
    let end = lines.last().unwrap();
    assert_eq!(end["end"], "error", "{lines:#?}");
    assert_eq!(end["error"], "interrupted by signal 2");
    let received: Vec<u8> = lines[2..lines.len() - 1]
        .iter()
        .flat_map(chunk_bytes)
        .collect();
    assert_eq!(received, b"data: 1\n\ndata: par");

    // What was recorded replays; the end tells that it was cut short.
    let replayed = ssecat()
        .args(["--format", "data"])
        .arg(&recorded)
        .output()
        .unwrap();
    assert_eq!(stdout_text(&replayed), "1\n");
    assert_eq!(replayed.status.code(), Some(9));
    assert_one_error_line(
        &stderr_of(&replayed),
        &["the recorded response ended with an error: interrupted by signal 2"],
    );
}

#[test]
fn a_recording_that_cannot_be_created_fails_before_the_request() {
    let server = Server::sse("data: a\n\n");
    let output = http()
        .args(["--record", "/nonexistent/dir/run.jsonl", &server.url("/")])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout_text(&output), "");
    assert_one_error_line(
        &stderr_of(&output),
        &["cannot create --record file /nonexistent/dir/run.jsonl"],
    );
    assert_eq!(server.hits(), 0);
}

#[test]
fn record_applies_to_a_url_only() {
    ssecat()
        .args(["--record", "run.jsonl", "-"])
        .write_stdin("data: a\n\n")
        .assert()
        .code(2)
        .stdout("")
        .stderr("ssecat: error: --record applies to a URL, not to a FILE or -\n");
    assert!(!Path::new("run.jsonl").exists());
}

#[test]
fn a_malformed_recording_is_one_line_naming_the_line_and_exit_11() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.jsonl");
    let text = concat!(
        r#"{"ssecat":"recording","version":1,"request":{"method":"GET","url":"http://h/","headers":[]}}"#,
        "\n",
        r#"{"response":{"status":200,"version":"HTTP/1.1","headers":[]},"sent_ms":0.0,"at_ms":1.0}"#,
        "\n",
        r#"{"at_ms":2.0,"text":"data: a\n\n"}"#,
        "\n",
        r#"{"at_ms":3.0,"end":"finished"}"#,
        "\n",
    );
    std::fs::write(&path, text).unwrap();
    let output = ssecat().arg(&path).output().unwrap();
    assert_eq!(output.status.code(), Some(11));
    assert_eq!(stdout_text(&output), "");
    let expected = format!(
        "ssecat: error: {} is not a readable recording: line 4: \"end\" is \"finished\": \
         neither \"eof\" nor \"error\"\n",
        path.display()
    );
    assert_eq!(stderr_of(&output), expected);
}
