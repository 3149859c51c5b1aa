//! What is printed for a response: by content type and encoding, into a
//! file with -o, and the -v trace.

use crate::server::{gzip, gzip_parts, Gate, Reply, Server};

use super::http_support::{assert_one_error_line, http, stderr_of, stdout_text, Running};
use super::support::{jsonl_records, read_fixture};

#[test]
fn sse_is_decoded_with_or_without_a_content_type() {
    for content_type in [
        Some("text/event-stream"),
        Some("text/event-stream; charset=utf-8"),
        Some("Text/Event-Stream"),
        None,
    ] {
        let server = Server::start(move |_| {
            let reply = Reply::new(200);
            let reply = match content_type {
                Some(value) => reply.header("content-type", value),
                None => reply,
            };
            reply.send("event: x\r\ndata: 1\r\n\r\n")
        });
        http()
            .args(["--jsonl", &server.url("/")])
            .assert()
            .code(0)
            .stdout("{\"event\":\"x\",\"data\":\"1\",\"id\":null,\"retry\":null,\"json\":1}\n")
            .stderr("");
    }
}

#[test]
fn a_gzip_body_is_decoded() {
    let stream = read_fixture("openai-chat.sse");
    let server = Server::start(move |_| {
        Reply::new(200)
            .header("content-type", "text/event-stream")
            .send_gzip(&stream)
    });
    http()
        .args(["--text", &server.url("/")])
        .assert()
        .code(0)
        .stdout("Hello! How can I help you today?")
        .stderr("");
    let request = server.request();
    assert!(
        request
            .header("accept-encoding")
            .is_some_and(|value| value.contains("gzip")),
        "gzip is not offered: {request:#?}"
    );
}

#[test]
fn a_corrupt_gzip_body_is_an_error_exit_1() {
    let mut body = gzip(b"data: 1\n\n");
    // Corrupt the deflate data after the 10-byte gzip header.
    body.splice(12..12, [0xff; 64]);
    let server = Server::start(move |_| {
        Reply::new(200)
            .header("content-type", "text/event-stream")
            .header("content-encoding", "gzip")
            .send(body.clone())
    });
    let output = http()
        .args(["--format", "data", &server.url("/")])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_one_error_line(&stderr_of(&output), &["could not be decompressed"]);
}

#[test]
fn a_gzip_stream_is_decoded_as_it_arrives() {
    let parts = gzip_parts(&[b"data: 1\n\n", b"data: 2\n\n"]);
    let gate = Gate::new();
    let server_gate = gate.clone();
    let server = Server::start(move |_| {
        Reply::new(200)
            .header("content-type", "text/event-stream")
            .header("content-encoding", "gzip")
            .send(parts[0].clone())
            .wait_for(&server_gate)
            .send(parts[1].clone())
    });
    let mut run = Running::spawn(&["--format", "data", &server.url("/")]);
    run.expect_output("1\n");
    gate.open();
    run.expect_output("2\n");
    let finished = run.finish();
    assert_eq!(
        (
            finished.code,
            finished.stdout.as_str(),
            finished.stderr.as_str()
        ),
        (Some(0), "", "")
    );
}

#[test]
fn raw_prints_the_bytes_as_received_up_to_done() {
    let server = Server::start(|_| {
        Reply::sse(": hi\r\ndata: a\r\n\r\n")
            .send("data: [DONE]\n\n")
            .stall()
    });
    http()
        .args(["--raw", &server.url("/")])
        .assert()
        .code(0)
        .stdout(": hi\r\ndata: a\r\n\r\ndata: [DONE]\n\n")
        .stderr("");
}

#[test]
fn event_filters_apply_to_http_streams() {
    let server = Server::sse("event: ping\ndata: p\n\nevent: delta\ndata: d\n\ndata: m\n\n");
    http()
        .args(["--format", "data", "--event", "delta", &server.url("/")])
        .assert()
        .code(0)
        .stdout("d\n")
        .stderr("");
}

#[test]
fn ndjson_lines_are_events() {
    let body = read_fixture("ollama-chat.ndjson");
    let lines: Vec<String> = String::from_utf8(body.clone())
        .unwrap()
        .lines()
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect();
    assert!(lines.len() > 2);
    for content_type in [
        "application/x-ndjson",
        "application/jsonl",
        "application/x-ndjson; charset=utf-8",
    ] {
        let body = body.clone();
        let server = Server::start(move |_| {
            Reply::new(200)
                .header("content-type", content_type)
                .send(body.clone())
        });
        http()
            .args(["--format", "data", &server.url("/api/chat")])
            .assert()
            .code(0)
            .stdout(
                lines
                    .iter()
                    .map(|line| format!("{line}\n"))
                    .collect::<String>(),
            )
            .stderr("");

        let output = http()
            .args(["--jsonl", &server.url("/api/chat")])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
        assert_eq!(stderr_of(&output), "");
        let records = jsonl_records(&output.stdout);
        let data: Vec<&str> = records
            .iter()
            .map(|r| r["data"].as_str().unwrap())
            .collect();
        assert_eq!(data, lines, "{content_type}");
        for (record, line) in records.iter().zip(&lines) {
            assert_eq!(record["event"], "message");
            let json: serde_json::Value = serde_json::from_str(line).unwrap();
            assert_eq!(record["json"], json, "{line}");
        }
    }
}

#[test]
fn ndjson_lines_split_across_reads_and_without_a_last_newline() {
    let server = Server::start(|_| {
        Reply::new(200)
            .header("content-type", "application/x-ndjson")
            .send("{\"a\":")
            .sleep(std::time::Duration::from_millis(20))
            .send("1}\r\n{\"b\":2}\n{\"c\":3}")
    });
    let output = http()
        .args(["--format", "data", &server.url("/")])
        .output()
        .unwrap();
    // The last line is complete as JSON: an event too, without its newline
    // (as in stats.rs, a_last_json_line_counts_when_it_arrived_…).
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(stdout_text(&output), "{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n");
}

#[test]
fn another_content_type_is_passed_through_with_a_warning_by_the_formats_of_bytes() {
    let body = "<html><body>Log in first</body></html>\n";
    let server = Server::start(move |_| {
        Reply::new(200)
            .header("content-type", "text/html; charset=utf-8")
            .send(body)
    });
    for format in ["sse", "data"] {
        let output = http()
            .args(["--format", format, &server.url("/")])
            .output()
            .unwrap();
        let stderr = stderr_of(&output);
        assert_eq!(output.status.code(), Some(0), "{format}: {stderr}");
        assert_eq!(stdout_text(&output), body, "--format {format}");
        assert!(
            stderr.starts_with("ssecat: warning: ")
                && stderr.contains("text/html")
                && stderr.lines().count() == 1,
            "expected one warning naming text/html: {stderr:?}"
        );
    }
}

#[test]
fn output_goes_to_a_file_with_o() {
    let server = Server::sse("data: 1\n\ndata: 2\n\n");
    let dir = tempfile::tempdir().unwrap();
    for flag in ["-o", "--output"] {
        let path = dir.path().join(format!("out{flag}.txt"));
        http()
            .args(["--format", "data", &server.url("/"), flag])
            .arg(&path)
            .assert()
            .code(0)
            .stdout("")
            .stderr("");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "1\n2\n", "{flag}");
    }

    // Also what came before an error.
    let server = Server::start(|_| Reply::sse("data: 1\n\n").drop_connection());
    let path = dir.path().join("cut.sse");
    let output = http()
        .arg(server.url("/"))
        .arg("-o")
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(9), "{}", stderr_of(&output));
    assert_eq!(stdout_text(&output), "");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "data: 1\n\n");
}

#[test]
fn output_to_a_file_works_for_a_recorded_stream_too() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("answer.txt");
    http()
        .arg("--text")
        .arg(super::support::fixture("openai-chat.sse"))
        .arg("-o")
        .arg(&path)
        .assert()
        .code(0)
        .stdout("")
        .stderr("");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "Hello! How can I help you today?"
    );
}

/// Every piece of `secret` longer than 4 characters.
fn pieces(secret: &str) -> Vec<&str> {
    (0..secret.len() - 4).map(|i| &secret[i..i + 5]).collect()
}

#[test]
fn verbose_shows_the_exchange_with_secrets_masked() {
    let server = Server::start(|_| Reply::sse("data: 1\n\n").header("x-request-id", "req-77"));
    let token = "sk-Zq8vTnW3yXbR5pL2";
    let key = "AKx9-Qm4Vw7Ry2Tz";
    let api_key = "az-Hd7Kc3Pw9Lm1";
    let cookie = "session=Cq5Wn8Jt2Xv6";
    let output = http()
        .args(["-v", "--format", "data", &server.url("/events?q=1")])
        .args(["--bearer", token])
        .args(["-H", &format!("x-api-key: {key}")])
        .args(["-H", &format!("api-key: {api_key}")])
        .args(["-H", &format!("Cookie: {cookie}")])
        .args(["-H", "X-Visible: plain-value"])
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(stdout_text(&output), "1\n", "-v must not touch stdout");

    // The secrets did reach the server.
    let request = server.request();
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {token}").as_str())
    );
    assert_eq!(request.header("x-api-key"), Some(key));

    let lower = stderr.to_lowercase();
    let has_line = |prefix: &str, needle: &str| {
        lower
            .lines()
            .any(|line| line.starts_with(prefix) && line.contains(&needle.to_lowercase()))
    };
    assert!(
        lower
            .lines()
            .any(|line| line.starts_with("> get ") && line.contains("/events?q=1")),
        "no request line: {stderr}"
    );
    for header in [
        "accept: text/event-stream",
        "cache-control: no-cache",
        "user-agent: ssecat/0.1.0",
        "x-visible: plain-value",
        "authorization:",
        "x-api-key:",
        "api-key:",
        "cookie:",
    ] {
        assert!(
            has_line("> ", header),
            "no request header {header:?}: {stderr}"
        );
    }
    assert!(
        lower.lines().any(|line| line.starts_with("< http/1.1 200")),
        "no status line: {stderr}"
    );
    for header in ["content-type: text/event-stream", "x-request-id: req-77"] {
        assert!(
            has_line("< ", header),
            "no response header {header:?}: {stderr}"
        );
    }
    for secret in [token, key, api_key, cookie] {
        for piece in pieces(secret) {
            assert!(
                !stderr.contains(piece),
                "{piece:?} of the secret {secret:?} is shown: {stderr}"
            );
        }
    }
}

#[test]
fn verbose_masks_basic_auth() {
    let server = Server::sse("data: 1\n\n");
    let output = http()
        .args(["-v", &server.url("/"), "-u", "alice:Pw9xTq4Zm2Ld"])
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let sent = server.request().header("authorization").unwrap().to_owned();
    let encoded = sent.strip_prefix("Basic ").unwrap();
    assert!(
        stderr.to_lowercase().contains("> authorization:"),
        "{stderr}"
    );
    for piece in pieces(encoded).into_iter().chain(pieces("Pw9xTq4Zm2Ld")) {
        assert!(!stderr.contains(piece), "{piece:?} is shown: {stderr}");
    }
}

#[test]
fn verbose_shows_the_status_of_a_failure_too() {
    let server = Server::start(|_| Reply::new(404).send("nope"));
    let output = http().args(["-v", &server.url("/")]).output().unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(4), "{stderr}");
    assert!(
        stderr
            .lines()
            .any(|line| line.starts_with("< HTTP/1.1 404")),
        "{stderr}"
    );
    assert!(stderr.contains("ssecat: HTTP 404 Not Found\n"), "{stderr}");
}

#[test]
fn verbose_masks_env_headers_cookies_set_by_the_server_and_query_keys() {
    let cookie = "session=Sx7Kq2Wm9Lp4";
    let server = Server::start(move |_| Reply::sse("data: 1\n\n").header("set-cookie", cookie));
    let secret = "AIzaQm4Vw7Ry2TzKx9";
    let output = http()
        .env("SSECAT_TEST_KEY", secret)
        .args(["-v", &server.url(&format!("/events?alt=sse&key={secret}"))])
        .args(["-H", "x-goog-api-key: env:SSECAT_TEST_KEY"])
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("/events?alt=sse&key=****"), "{stderr}");
    for piece in pieces(secret).into_iter().chain(pieces(cookie)) {
        assert!(!stderr.contains(piece), "{piece:?} is shown: {stderr}");
    }
}

#[test]
fn a_usage_error_leaves_an_existing_output_file_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.txt");
    std::fs::write(&path, "keep").unwrap();
    http()
        .env_remove("SSECAT_UNSET_VARIABLE")
        .args([":9/x", "--bearer", "env:SSECAT_UNSET_VARIABLE", "-o"])
        .arg(&path)
        .assert()
        .code(2)
        .stdout("");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "keep");
}
