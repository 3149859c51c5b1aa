//! `--jsonl`, `--text` and `--format final` write only their format: a body
//! they cannot read fails (exit 11) with nothing on stdout; a response that
//! was not streamed is read whole, in each provider's shape; JSON lines are
//! told by their content; `--strict` turns warnings into errors.

use serde_json::Value;

use crate::server::{Reply, Server};

use super::http_support::{assert_one_error_line, http, stderr_of, stdout_text};
use super::support::{fixture, fixture_texts, read_fixture, with_stdin};

/// The formats whose output is structured.
const STRUCTURED: [&str; 3] = ["jsonl", "text", "final"];

/// A server that answers every request with `body` as `content_type`.
fn serving(content_type: &'static str, body: Vec<u8>) -> Server {
    Server::start(move |_| {
        Reply::new(200)
            .header("content-type", content_type)
            .send(body.clone())
    })
}

fn run(server: &Server, args: &[&str]) -> std::process::Output {
    http().args(args).arg(server.url("/")).output().unwrap()
}

#[test]
fn a_body_that_is_no_stream_fails_with_its_head_and_nothing_on_stdout() {
    let html = "<!DOCTYPE html>\n<html><body>Log in first\u{1b}[2J</body></html>\n";
    for (content_type, body, what) in [
        (
            "text/html; charset=utf-8",
            html,
            "neither an event stream nor JSON",
        ),
        (
            "text/plain",
            "Internal error, try later",
            "neither an event stream nor JSON",
        ),
        ("text/plain", "hello", "neither an event stream nor JSON"),
        ("application/json", "{malformed json\n}", "not valid JSON"),
        ("text/plain", "{malformed json\n", "not valid JSON"),
    ] {
        let server = serving(content_type, body.as_bytes().to_vec());
        for format in STRUCTURED {
            let output = run(&server, &["--format", format]);
            let stderr = stderr_of(&output);
            assert_eq!(
                output.status.code(),
                Some(11),
                "{format} {body:?}: {stderr}"
            );
            assert_eq!(stdout_text(&output), "", "{format} {body:?}");
            let lines: Vec<&str> = stderr.lines().collect();
            assert_eq!(lines.len(), 2, "{stderr}");
            assert!(
                lines[0].starts_with(&format!("ssecat: error: the response ({content_type}) is"))
                    && lines[0].contains(what),
                "{format} {body:?}: {stderr}"
            );
            let head = body.lines().next().unwrap();
            assert!(
                lines[1].starts_with("ssecat: it begins: ")
                    && lines[1].contains(head.split('\u{1b}').next().unwrap()),
                "{stderr}"
            );
            assert!(!stderr.contains('\u{1b}'), "escaped: {stderr:?}");
        }
    }
}

#[test]
fn an_event_stream_under_another_content_type_is_read_with_a_warning() {
    let server = serving(
        "text/plain",
        b"data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\ndata: [DONE]\n\n".to_vec(),
    );
    let output = run(&server, &["--text"]);
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(stdout_text(&output), "Hi");
    assert_eq!(
        stderr,
        "ssecat: warning: the response (text/plain) is an event stream: reading it as one\n"
    );
    // Labelled as JSON, too.
    let server = serving(
        "application/json",
        b"data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\ndata: [DONE]\n\n".to_vec(),
    );
    let output = run(&server, &["--text"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert_eq!(stdout_text(&output), "Hi");
}

#[test]
fn a_page_without_a_content_type_or_on_stdin_is_no_stream_for_structured_output() {
    let page = "<html>\n<body>Bad gateway</body>\n</html>\n";
    let untyped = Server::start(move |_| Reply::new(200).send(page));
    let output = run(&untyped, &["--jsonl"]);
    assert_eq!(output.status.code(), Some(11));
    assert_eq!(stdout_text(&output), "");
    assert!(
        stderr_of(&output).starts_with(
            "ssecat: error: the response (without a content type) is neither an event stream nor JSON\nssecat: it begins: <html>\\n"
        ),
        "{}",
        stderr_of(&output)
    );
    with_stdin(&["--text"], page)
        .code(11)
        .stdout("")
        .stderr(predicates::str::starts_with(
            "ssecat: error: the input is neither an event stream nor JSON\n",
        ));
    // The formats that print any stream go on as before.
    with_stdin(&["--format", "data"], page).code(9).stdout("");
}

#[test]
fn raw_prints_any_body_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("array.json");
    let body = format!("[\n{}\n]\n", vec!["  {\"n\": 1}"; 400].join(",\n"));
    std::fs::write(&path, &body).unwrap();
    let output = super::support::ssecat()
        .args(["--raw", "--max-event-size", "1K"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(output.stdout).unwrap(), body);
    let server = serving("application/json", body.clone().into_bytes());
    let output = run(&server, &["--raw", "--max-event-size", "1K"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert_eq!(stdout_text(&output), body);
    assert_eq!(stderr_of(&output), "");
}

/// Every non-streamed response of `tests/fixtures/llm`.
fn documents() -> Vec<(String, String)> {
    let mut documents: Vec<(String, String)> = fixture_texts()
        .into_iter()
        .filter(|(file, _)| file.ends_with(".json"))
        .collect();
    documents.sort();
    assert!(documents.len() >= 10, "{documents:?}");
    documents
}

#[test]
fn a_response_that_was_not_streamed_is_read_in_every_providers_shape() {
    for (file, text) in documents() {
        let body = read_fixture(&file);
        let server = serving("application/json", body.clone());
        let output = run(&server, &["--text"]);
        let stderr = stderr_of(&output);
        assert_eq!(output.status.code(), Some(0), "{file}: {stderr}");
        assert_eq!(stdout_text(&output), text, "{file}");
        assert!(
            stderr.contains("ssecat: note: the response was not streamed"),
            "{file}: {stderr}"
        );

        let output = run(&server, &["--format", "final"]);
        assert_eq!(output.status.code(), Some(0), "{file}");
        let last: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(last["text"], text.as_str(), "{file}");
        assert_eq!(last["complete"], true, "{file}");
        assert_eq!(last["error"], Value::Null, "{file}");

        // --jsonl: one record, holding the document.
        let output = run(&server, &["--jsonl"]);
        assert_eq!(output.status.code(), Some(0), "{file}");
        let records: Vec<Value> = stdout_text(&output)
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        assert_eq!(records.len(), 1, "{file}");
        let document: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(records[0]["json"], document, "{file}");
    }
}

#[test]
fn a_document_on_one_line_is_read_whatever_its_content_type() {
    let compact = |file: &str| {
        let document: Value = serde_json::from_slice(&read_fixture(file)).unwrap();
        serde_json::to_vec(&document).unwrap()
    };
    for (content_type, file, text) in [
        (
            "application/json",
            "openai-chat.json",
            "The capital of France is Paris.",
        ),
        (
            "text/plain",
            "anthropic-messages.json",
            "I'll look up the current weather in Paris.",
        ),
        (
            "",
            "tgi-generate.json",
            "Photosynthesis turns light, water and carbon dioxide into sugar and oxygen.",
        ),
    ] {
        let body = compact(file);
        let server = Server::start(move |_| {
            let reply = Reply::new(200);
            let reply = match content_type {
                "" => reply,
                named => reply.header("content-type", named),
            };
            reply.send(body.clone())
        });
        for args in [&["--text"][..], &["--text", "--ndjson"]] {
            let output = run(&server, args);
            let stderr = stderr_of(&output);
            assert_eq!(output.status.code(), Some(0), "{file} {args:?}: {stderr}");
            assert_eq!(stdout_text(&output), text, "{file} {args:?}: {stderr}");
        }
    }
}

#[test]
fn a_json_document_no_dialect_reads_fails_text_but_is_one_jsonl_record() {
    let server = serving(
        "application/json",
        b"{\"status\": \"queued\", \"n\": 3}".to_vec(),
    );
    for format in ["text", "final"] {
        let output = run(&server, &["--format", format]);
        let stderr = stderr_of(&output);
        assert_eq!(output.status.code(), Some(11), "{format}: {stderr}");
        assert_eq!(stdout_text(&output), "", "{format}");
        assert!(stderr.contains("no LLM dialect reads"), "{stderr}");
    }
    let output = run(&server, &["--jsonl"]);
    assert_eq!(output.status.code(), Some(0));
    let record: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(record["data"], "{\"status\": \"queued\", \"n\": 3}");
    assert_eq!(
        record["json"],
        serde_json::json!({"status": "queued", "n": 3})
    );
}

#[test]
fn an_error_document_with_status_200_is_a_stream_error() {
    let server = serving(
        "application/json",
        b"{\"error\":{\"message\":\"The model `gpt-9` does not exist\",\"type\":\"invalid_request_error\"}}".to_vec(),
    );
    let output = run(&server, &["--text"]);
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(8), "{stderr}");
    assert_eq!(stdout_text(&output), "");
    assert!(
        stderr.contains("ssecat: stream error: The model `gpt-9` does not exist"),
        "{stderr}"
    );
}

#[test]
fn json_lines_under_a_documents_content_type_stream_as_lines() {
    let server = serving("application/json", read_fixture("ollama-chat.ndjson"));
    let output = run(&server, &["--text"]);
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(
        stdout_text(&output),
        fixture_texts()["ollama-chat.ndjson"].as_str()
    );
}

#[test]
fn json_lines_are_told_by_their_content_on_stdin_and_in_files() {
    let texts = fixture_texts();
    for name in ["ollama-chat.ndjson", "ollama-generate.ndjson"] {
        let expected = texts[name].clone();
        // As `curl -sN localhost:11434/api/chat -d … | ssecat --text -`.
        with_stdin(&["--text"], read_fixture(name))
            .code(0)
            .stdout(expected.clone())
            .stderr("");
        let dir = tempfile::tempdir().unwrap();
        let unnamed = dir.path().join("ollama-reply");
        std::fs::copy(fixture(name), &unnamed).unwrap();
        super::support::ssecat()
            .arg("--text")
            .arg(&unnamed)
            .assert()
            .code(0)
            .stdout(expected)
            .stderr("");
    }
    // Every format takes the lines as events.
    with_stdin(&["--format", "data"], "\u{feff}\n{\"a\":1}\n{\"b\":2}")
        .code(0)
        .stdout("{\"a\":1}\n{\"b\":2}\n")
        .stderr("");
}

#[test]
fn a_saved_json_document_is_read_whole() {
    for (file, text) in documents() {
        super::support::ssecat()
            .arg("--text")
            .arg(fixture(&file))
            .assert()
            .code(0)
            .stdout(text)
            .stderr(predicates::str::contains("not streamed"));
    }
}

#[test]
fn strict_fails_on_what_is_otherwise_a_warning() {
    let answer = "data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\ndata: [DONE]\n\n";
    let status_201 = Server::start(move |_| {
        Reply::new(201)
            .header("content-type", "text/event-stream")
            .send(answer)
    });
    let no_type = Server::start(move |_| Reply::new(200).send(answer));
    let plain = serving("text/plain", answer.as_bytes().to_vec());
    let ignored = Server::sse("data: a\n\nerror: {\"message\":\"boom\"}\ndata: b\n\ndata: c\n\n");
    let no_text = Server::sse("data: {\"unknown\":1}\n\n");
    for (server, args, strict_code) in [
        (&status_201, &["--text"][..], 12),
        (&no_type, &["--text"], 11),
        (&plain, &["--text"], 11),
        (&ignored, &["--format", "data"], 12),
        (&no_text, &["--text"], 12),
    ] {
        let lenient = run(server, args);
        let stderr = stderr_of(&lenient);
        assert_eq!(lenient.status.code(), Some(0), "{args:?}: {stderr}");
        let strict = http()
            .arg("--strict")
            .args(args)
            .arg(server.url("/"))
            .output()
            .unwrap();
        let stderr = stderr_of(&strict);
        assert_eq!(
            strict.status.code(),
            Some(strict_code),
            "{args:?}: {stderr}"
        );
        assert_one_error_line(&stderr, &["--strict"]);
    }
    // A stream as EventSource wants it passes.
    let good = Server::sse(answer);
    http()
        .args(["--strict", "--text", &good.url("/")])
        .assert()
        .code(0)
        .stdout("Hi")
        .stderr("");
    // NDJSON under its own content type is a stream too.
    let ndjson = serving("application/x-ndjson", read_fixture("ollama-chat.ndjson"));
    let output = run(&ndjson, &["--strict", "--text"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
}

#[test]
fn text_with_no_answer_says_why() {
    for (input, why) in [
        (
            read_fixture("openai-chat-tools.sse"),
            "ssecat: warning: no answer text: only 2 tool calls\n",
        ),
        (
            b"data: {\"unknown\":1}\n\n".to_vec(),
            "ssecat: warning: no answer text: no dialect recognised in 1 event; --dialect NAME or --extract /json/pointer says where the text is\n",
        ),
        (
            b"data: [DONE]\n\n".to_vec(),
            "ssecat: warning: no answer text: nothing came before the end marker\n",
        ),
    ] {
        let stderr = with_stdin(&["--text"], input).code(0).get_output().stderr.clone();
        let stderr = String::from_utf8(stderr).unwrap();
        assert!(stderr.ends_with(why), "{stderr}");
    }
}

#[test]
fn final_gives_the_error_whatever_ended_the_run() {
    let server = Server::start(|_| {
        Reply::sse("data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\n").stall()
    });
    let output = run(&server, &["--format", "final", "-m", "0.5"]);
    assert_eq!(output.status.code(), Some(7));
    let last: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(last["text"], "Hi");
    assert_eq!(last["complete"], false);
    let error = last["error"].as_str().unwrap_or_default();
    assert!(error.contains("--max-time"), "{last}");
}

#[test]
fn the_statistics_count_a_document_as_one_event_with_its_usage() {
    let output = super::support::ssecat()
        .args(["--text", "--stats-json", "-"])
        .arg(fixture("openai-chat.json"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stderr = String::from_utf8(output.stderr).unwrap();
    let stats: Value = serde_json::from_str(stderr.lines().last().unwrap()).unwrap();
    assert_eq!(stats["events"], 1, "{stderr}");
    assert_eq!(stats["tokens_out"], 8, "{stderr}");
    assert_eq!(stats["dialect"], "openai", "{stderr}");
}
