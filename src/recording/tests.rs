use std::time::{Duration, Instant};

use super::*;
use crate::http::Trace;

/// A request as the exchange traces it: a bearer token, a header from
/// the environment, a key in the query, and a body that is not UTF-8.
fn request() -> reqwest::Request {
    reqwest::Client::new()
        .post("http://127.0.0.1:9/v1/chat?alt=sse&key=AIzaSECRET")
        .header("authorization", "Bearer sk-secret")
        .header("x-team", "from-env")
        .header("x-trace", "7")
        .body(b"\xff{\"stream\":true}".to_vec())
        .build()
        .unwrap()
}

fn response(status: u16) -> reqwest::Response {
    let head = hyper::Response::builder()
        .status(status)
        .header("content-type", "text/event-stream")
        .header("set-cookie", "session=secret")
        .body("")
        .unwrap();
    reqwest::Response::from(head)
}

/// Writes a recording of two responses: the first cut short, the
/// second to its end; gives the file's text.
fn written() -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.jsonl");
    let mut writer = RecordingWriter::create(path.clone()).unwrap();
    let request = request();
    let from_env = [reqwest::header::HeaderName::from_static("x-team")];
    writer.trace(&Trace::Request(&request, &from_env));
    writer.trace(&Trace::Response(&response(200)));
    // "é" cut between two chunks; then bytes that are no UTF-8 at all.
    for chunk in [&b"data: H\xc3"[..], b"\xa9\n\n", b"data: \xff\xfe\n\n"] {
        writer.trace(&Trace::Received(chunk, Instant::now()));
    }
    let cut = anyhow::anyhow!("connection lost mid-stream");
    writer.trace(&Trace::BodyEnd(Some(&cut)));
    writer.trace(&Trace::Request(&request, &from_env));
    writer.trace(&Trace::Response(&response(200)));
    writer.trace(&Trace::Received(b"data: [DONE]\n\n", Instant::now()));
    writer.finish(&Ok(crate::ending::Ending::Done)).unwrap();
    std::fs::read(path).unwrap()
}

#[test]
fn a_recording_reads_back_as_written_byte_for_byte() {
    let recording = Recording::parse(&written()).unwrap();
    let request = &recording.request;
    assert_eq!(request.method, "POST");
    assert_eq!(
        request.url,
        "http://127.0.0.1:9/v1/chat?alt=sse&key=<redacted>"
    );
    assert_eq!(request.body, b"\xff{\"stream\":true}");
    let header = |name: &str| {
        let found = request.headers.iter().find(|(n, _)| n == name);
        found.map(|(_, value)| value.as_str())
    };
    assert_eq!(header("authorization"), Some(REDACTED));
    assert_eq!(header("x-team"), Some(REDACTED));
    assert_eq!(header("x-trace"), Some("7"));

    let [first, second] = &recording.responses[..] else {
        panic!("two responses: {recording:?}");
    };
    assert_eq!(first.status, 200);
    assert_eq!(first.version, "HTTP/1.1");
    assert_eq!(first.content_type(), Some("text/event-stream"));
    assert!(first
        .headers
        .contains(&("set-cookie".to_owned(), REDACTED.to_owned())));
    let bytes: Vec<&[u8]> = first.chunks.iter().map(|c| &c.bytes[..]).collect();
    assert_eq!(
        bytes,
        [&b"data: H\xc3"[..], b"\xa9\n\n", b"data: \xff\xfe\n\n"]
    );
    assert_eq!(
        first.end,
        Some(RecordedEnd::Error("connection lost mid-stream".to_owned()))
    );
    assert_eq!(second.chunks[0].bytes, b"data: [DONE]\n\n");
    assert_eq!(second.end, Some(RecordedEnd::Eof));

    // Offsets never go back: request, head, chunks, next request.
    let mut offsets = vec![first.sent, first.at];
    offsets.extend(first.chunks.iter().map(|c| c.at));
    offsets.extend([second.sent, second.at, second.chunks[0].at]);
    assert!(offsets.windows(2).all(|w| w[0] <= w[1]), "{offsets:?}");
    assert_eq!(first.sent, Duration::ZERO);
    assert_eq!(recording.span(), second.chunks[0].at);
    assert_eq!(recording.streamed(), Some(first));
}

#[test]
fn each_line_is_in_the_documented_shape() {
    let text = String::from_utf8(written()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 9, "{text}");
    assert!(lines[0]
        .starts_with(r#"{"ssecat":"recording","version":1,"request":{"method":"POST","url":"#));
    assert!(lines[0].ends_with(r#""body_base64":"/3sic3RyZWFtIjp0cnVlfQ=="}}"#));
    assert!(lines[1].starts_with(r#"{"response":{"status":200,"version":"HTTP/1.1","headers":[["content-type","text/event-stream"],["set-cookie","<redacted>"]]},"sent_ms":0.0,"at_ms":"#));
    // A chunk that cuts a character is base64 on its own line; the
    // rest of the character too.
    assert!(lines[2].starts_with(r#"{"at_ms":"#));
    assert!(lines[2].ends_with(r#","base64":"ZGF0YTogSMM="}"#));
    assert!(lines[3].ends_with(r#","base64":"qQoK"}"#));
    assert!(lines[5].ends_with(r#","end":"error","error":"connection lost mid-stream"}"#));
    assert!(lines[7].ends_with(r#","text":"data: [DONE]\n\n"}"#));
    assert!(lines[6].starts_with(r#"{"response":{"status":200,"#));
    assert!(!lines[6].contains(r#""sent_ms":0.0,"#), "{text}");
    assert!(lines[8].ends_with(r#","end":"eof"}"#));
}

#[test]
fn a_recording_cut_off_by_a_kill_is_read_as_far_as_it_goes() {
    let text = written();
    // Killed before the second response's end, in the middle of a line.
    let second_end = text.len()
        - 1
        - text[..text.len() - 1]
            .iter()
            .rev()
            .position(|&b| b == b'\n')
            .unwrap();
    let cut = [&text[..second_end + 1], br#"{"at_ms":3.0,"te"#].concat();
    let recording = Recording::parse(&cut).unwrap();
    assert_eq!(recording.responses.len(), 2);
    assert_eq!(recording.responses[1].end, None);
    assert_eq!(recording.responses[1].chunks.len(), 1);
    // A last line without its newline that is whole is kept.
    let unterminated = &text[..text.len() - 1];
    assert_eq!(
        Recording::parse(unterminated).unwrap(),
        Recording::parse(&text).unwrap()
    );
}

const FIRST: &str = r#"{"ssecat":"recording","version":1,"request":{"method":"GET","url":"http://h/","headers":[]}}"#;
const RESPONSE: &str =
    r#"{"response":{"status":200,"version":"HTTP/1.1","headers":[]},"sent_ms":0.0,"at_ms":1.5}"#;

#[test]
fn offsets_read_back_to_the_microsecond() {
    let text = format!("{FIRST}\n{RESPONSE}\n{{\"at_ms\":13.002,\"text\":\"a\"}}\n");
    let recording = Recording::parse(text.as_bytes()).unwrap();
    assert_eq!(recording.request.body, b"");
    let response = &recording.responses[0];
    assert_eq!(response.at, Duration::from_micros(1500));
    assert_eq!(response.chunks[0].at, Duration::from_micros(13002));
    assert_eq!(response.end, None);
}

#[test]
fn each_malformed_line_is_named_with_its_problem() {
    let after = |lines: &[&str]| {
        let mut text = vec![FIRST, RESPONSE];
        text.extend(lines);
        text.join("\n")
    };
    let cases = [
        (
            "".to_owned(),
            "line 1: empty: a recording starts with its request",
        ),
        (
            "data: hi\n".to_owned(),
            "line 1: not a recording's first line",
        ),
        (
            FIRST.replace("recording", "other"),
            r#"line 1: "ssecat" is "other", not "recording""#,
        ),
        (
            FIRST.replace(":1,", ":2,"),
            "line 1: a recording of version 2: this ssecat reads version 1",
        ),
        (
            FIRST.replace("[]", r#"[],"body_base64":"@@""#),
            r#"line 1: the base64 of "body" is not valid"#,
        ),
        (
            format!("{FIRST}\n{{\"at_ms\":1.0,\"text\":\"a\"}}"),
            "line 2: a body line before any response",
        ),
        (after(&["not json", ""]), "line 3: not JSON: "),
        (after(&[r#"{"text":"a"}"#]), r#"line 3: "at_ms" is missing"#),
        (
            after(&[r#"{"at_ms":-1,"text":"a"}"#]),
            r#"line 3: "at_ms" is -1: not an offset in milliseconds"#,
        ),
        (
            after(&[r#"{"response":{"status":200,"version":"HTTP/1.1","headers":[]},"at_ms":1}"#]),
            r#"line 3: "sent_ms" is missing"#,
        ),
        (
            after(&[r#"{"at_ms":1,"text":"a","base64":"YQ=="}"#]),
            r#"line 3: both "text" and its base64"#,
        ),
        (
            after(&[r#"{"at_ms":1,"base64":"!"}"#]),
            r#"line 3: the base64 of "text" is not valid"#,
        ),
        (
            after(&[r#"{"at_ms":1}"#]),
            r#"line 3: neither a response, a chunk ("text" or "base64") nor an end"#,
        ),
        (
            after(&[r#"{"at_ms":1,"end":"done"}"#]),
            r#"line 3: "end" is "done": neither "eof" nor "error""#,
        ),
        (
            after(&[r#"{"at_ms":1,"end":"error"}"#]),
            r#"line 3: an "error" end without its "error" message"#,
        ),
        (
            after(&[r#"{"at_ms":1,"end":"eof","error":"x"}"#]),
            r#"line 3: an "eof" end with an "error""#,
        ),
        (
            after(&[r#"{"at_ms":1,"error":"x"}"#]),
            r#"line 3: "error" without "end""#,
        ),
        (
            after(&[r#"{"at_ms":1,"end":"eof"}"#, r#"{"at_ms":2,"text":"a"}"#]),
            "line 4: a body line after its response's end",
        ),
    ];
    for (text, expected) in cases {
        let parsed = Recording::parse(text.as_bytes());
        let err = parsed.expect_err(&text);
        assert!(
            err.starts_with(expected),
            "{text}\n  gave: {err}\n  want: {expected}"
        );
    }
}

#[test]
fn a_recording_is_told_by_its_first_bytes() {
    assert!(Recording::looks_like(FIRST.as_bytes()));
    assert!(Recording::looks_like(b"{\"ssecat\":\"recording\""));
    assert!(Recording::looks_like(
        b" \n{ \"ssecat\" : \"recording\", \"version\":1"
    ));
    assert!(!Recording::looks_like(b"{\"ssecat\":\"record"));
    assert!(!Recording::looks_like(b"{\"ssecat\":\"other\"}"));
    assert!(!Recording::looks_like(b"data: {\"ssecat\":\"recording\"}"));
    assert!(!Recording::looks_like(b""));
}
