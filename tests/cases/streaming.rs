//! A live pipe: output per chunk as it arrives, [DONE] without EOF, and a
//! reader that goes away.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::thread;
use std::time::Instant;

use super::support::{Running, TIMEOUT};

/// ssecat reading a pipe that the test writes to.
fn live(args: &[&str]) -> Running {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ssecat"));
    cmd.args(args).arg("-");
    Running::start(cmd, true)
}

#[test]
fn each_event_is_printed_before_the_next_one_is_sent() {
    let first = br#"data: {"choices":[{"delta":{"content":"Hel"}}]}"#;
    let second = br#"data: {"choices":[{"delta":{"content":"lo"}}]}"#;
    let cases: [(&str, &[u8], &[u8]); 5] = [
        (
            "sse",
            b"data: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\n\n",
            b"data: {\"choices\":[{\"delta\":{\"content\":\"lo\"}}]}\n\n",
        ),
        (
            "data",
            b"{\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\n",
            b"{\"choices\":[{\"delta\":{\"content\":\"lo\"}}]}\n",
        ),
        (
            "jsonl",
            b"{\"event\":\"message\",\"data\":\"{\\\"choices\\\":[{\\\"delta\\\":{\\\"content\\\":\\\"Hel\\\"}}]}\",\"id\":null,\"retry\":null,\"json\":{\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}}\n",
            b"{\"event\":\"message\",\"data\":\"{\\\"choices\\\":[{\\\"delta\\\":{\\\"content\\\":\\\"lo\\\"}}]}\",\"id\":null,\"retry\":null,\"json\":{\"choices\":[{\"delta\":{\"content\":\"lo\"}}]}}\n",
        ),
        ("text", b"Hel", b"lo"),
        ("raw", b"", b""),
    ];
    for (format, first_out, second_out) in cases {
        let mut live = live(&["--format", format]);
        let first_in = [&first[..], b"\n\n"].concat();
        let second_in = [&second[..], b"\n\n"].concat();
        live.send(&first_in);
        live.expect_output(if format == "raw" {
            &first_in
        } else {
            first_out
        });
        live.send(&second_in);
        live.expect_output(if format == "raw" {
            &second_in
        } else {
            second_out
        });
        live.close_stdin();
        let done = live.finish();
        assert_eq!(
            (done.code, done.stdout, done.stderr),
            end_of_two_chunks(format),
            "--format {format}"
        );
    }
}

#[test]
fn an_event_split_across_writes_is_printed_when_it_completes() {
    let mut live = live(&["--format", "data"]);
    live.send(b"data: a\n\ndata: par");
    live.expect_output(b"a\n");
    live.send(b"tial\r");
    live.send(b"\n\r\n");
    live.expect_output(b"partial\n");
    live.close_stdin();
    let done = live.finish();
    assert_eq!(
        (done.code, done.stdout, done.stderr),
        (Some(0), String::new(), String::new())
    );
}

#[test]
fn done_ends_the_run_while_the_pipe_is_still_open() {
    for (format, first_out, done_out) in [
        ("data", &b"a\n"[..], &b""[..]),
        ("sse", b"data: a\n\n", b"data: [DONE]\n\n"),
        ("raw", b"data: a\n\n", b"data: [DONE]\n\n"),
    ] {
        let mut live = live(&["--format", format]);
        live.send(b"data: a\n\n");
        live.expect_output(first_out);
        live.send(b"data: [DONE]\n\n");
        // stdin stays open: ssecat must stop on its own.
        let done = live.finish();
        assert_eq!(
            (done.code, done.stdout, done.stderr),
            (
                Some(0),
                String::from_utf8_lossy(done_out).into_owned(),
                String::new()
            ),
            "--format {format}"
        );
    }
}

#[test]
fn a_closed_stdout_is_a_quiet_normal_end() {
    // About 20 MB of events, far more than a pipe holds.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.sse");
    let event = format!("data: {{\"n\":1,\"text\":\"{}\"}}\n\n", "x".repeat(200));
    let count = 20_000_000 / event.len();
    std::fs::write(&path, event.repeat(count)).unwrap();

    for format in ["sse", "data", "raw"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ssecat"))
            .args(["--format", format])
            .arg(&path)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("ssecat starts");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let expected = match format {
            "data" => event.strip_prefix("data: ").unwrap().trim_end().to_owned() + "\n",
            _ => event.trim_end().to_owned() + "\n",
        };
        assert_eq!(line, expected, "--format {format}");
        drop(stdout);

        let deadline = Instant::now() + TIMEOUT;
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("ssecat --format {format} did not exit after its stdout closed");
            }
            thread::sleep(std::time::Duration::from_millis(5));
        };
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        assert_eq!(
            (status.code(), stderr.as_str()),
            (Some(0), ""),
            "--format {format}: {status}"
        );
    }
}

/// Sends `signal` (a `kill` name) to a running ssecat.
fn send_signal(live: &Running, signal: &str) {
    let pid = live.pid().to_string();
    let sent = Command::new("kill").args([signal, &pid]).status().unwrap();
    assert!(sent.success());
}

#[test]
fn ctrl_c_ends_ssecat_as_interrupted_after_what_it_printed() {
    let mut live = live(&["--format", "data"]);
    live.send(b"data: first\n\n");
    live.expect_output(b"first\n");
    send_signal(&live, "-INT");
    let done = live.finish();
    // Exit status 130, as the shell reports a death by SIGINT; no message.
    assert_eq!(
        (done.code, done.signal, done.stderr.as_str()),
        (Some(130), None, "")
    );
}

#[test]
fn sigterm_exits_143_and_final_still_prints_its_object() {
    let mut live = live(&["--format", "final"]);
    // Nothing is printed before the end; the warning for the unknown field
    // that follows the event tells when ssecat has decoded both.
    live.send(b"data: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\n\nmark: 1\n");
    live.expect_stderr("unknown field \"mark\"");
    send_signal(&live, "-TERM");
    let done = live.finish();
    assert_eq!(done.code, Some(143), "{done:?}");
    assert_eq!(
        done.stderr,
        "ssecat: warning: ignored a line with the unknown field \"mark\": 1\n"
    );
    let summary: serde_json::Value = serde_json::from_str(&done.stdout).unwrap();
    assert_eq!(
        (&summary["text"], &summary["complete"], &summary["dialect"]),
        (
            &serde_json::json!("Hel"),
            &serde_json::json!(false),
            &serde_json::json!("openai")
        )
    );
}

/// How a run that read two OpenAI chunks and no `[DONE]` ends: normally,
/// except for `--text`, which waits for the end marker.
pub fn end_of_two_chunks(format: &str) -> (Option<i32>, String, String) {
    if format == "text" {
        let warning = "ssecat: stream ended before completion (openai, 2 events, the last of type \"message\")\n";
        (Some(9), String::new(), warning.to_owned())
    } else {
        (Some(0), String::new(), String::new())
    }
}
