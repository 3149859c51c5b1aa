//! `ssecat serve`: every API answered in its own wire format, read back by
//! ssecat itself; faults; replayed files; the log; bad options.

use serde_json::{json, Value};

use super::serving::Serving;
use super::support::ssecat;

/// A text with what breaks careless writers: quotes, backslashes, a
/// newline, non-ASCII and an emoji.
const TEXT: &str = "Hello, wörld! \"quoted\" \\ back\nslash 🇫🇷 and more words to stream";

/// Each API: its path, a streaming request body, and the dialect name.
fn apis() -> Vec<(&'static str, Value, &'static str)> {
    let messages = json!([{"role": "user", "content": "Say hello"}]);
    vec![
        (
            "/v1/chat/completions",
            json!({"model": "m", "stream": true, "messages": messages,
                   "stream_options": {"include_usage": true}}),
            "openai",
        ),
        (
            "/v1/responses",
            json!({"model": "m", "stream": true, "input": "Say hello"}),
            "openai-responses",
        ),
        (
            "/v1/messages",
            json!({"model": "m", "stream": true, "max_tokens": 1000, "messages": messages}),
            "anthropic",
        ),
        (
            "/v1beta/models/gemini-x:streamGenerateContent?alt=sse",
            json!({"contents": [{"role": "user", "parts": [{"text": "Say hello"}]}]}),
            "gemini",
        ),
        (
            "/v2/chat",
            json!({"model": "m", "stream": true, "messages": messages}),
            "cohere",
        ),
        (
            "/api/chat",
            json!({"model": "m", "messages": messages}),
            "ollama",
        ),
        (
            "/api/generate",
            json!({"model": "m", "prompt": "Say hello"}),
            "ollama",
        ),
        (
            "/generate_stream",
            json!({"inputs": "Say hello", "parameters": {}}),
            "tgi",
        ),
        (
            "/completion",
            json!({"prompt": "Say hello", "stream": true}),
            "llamacpp",
        ),
    ]
}

/// `ssecat --format final` of a request to `path`: the whole answer.
fn final_answer(serving: &Serving, path: &str, body: &Value) -> Value {
    let out = ssecat()
        .args(["--format", "final", "--json", &body.to_string()])
        .arg(serving.url(path))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).expect("--format final gives one JSON object")
}

#[test]
fn every_api_streams_the_text_in_its_own_format() {
    let serving = Serving::start(&["--text", TEXT, "--tokens-per-chunk", "2"]);
    for (path, body, dialect) in apis() {
        let answer = final_answer(&serving, path, &body);
        assert_eq!(answer["text"], TEXT, "{path}");
        assert_eq!(answer["dialect"], dialect, "{path}");
        assert_eq!(answer["complete"], true, "{path}");
        assert_eq!(answer["error"], Value::Null, "{path}");
        // 12 words (TGI counts its end-of-sequence token too); the prompt is 2.
        let words = if dialect == "tgi" { 13 } else { 12 };
        assert_eq!(answer["usage"]["output_tokens"], words, "{path}: {answer}");
        if dialect != "tgi" {
            assert_eq!(answer["usage"]["input_tokens"], 2, "{path}: {answer}");
        }
        ssecat()
            .args(["--text", "--json", &body.to_string()])
            .arg(serving.url(path))
            .assert()
            .success()
            .stdout(TEXT);
    }
}

#[test]
fn max_tokens_cuts_the_text_with_the_length_reason() {
    let serving = Serving::start(&["--text", TEXT]);
    let cases = [
        (
            "/v1/chat/completions",
            json!({"model": "m", "stream": true, "max_tokens": 3, "messages": []}),
            "length",
        ),
        (
            "/v1/messages",
            json!({"model": "m", "stream": true, "max_tokens": 3, "messages": []}),
            "max_tokens",
        ),
        (
            "/api/generate",
            json!({"model": "m", "prompt": "x", "options": {"num_predict": 3}}),
            "length",
        ),
    ];
    for (path, body, reason) in cases {
        let answer = final_answer(&serving, path, &body);
        assert_eq!(answer["text"], "Hello, wörld! \"quoted\"", "{path}");
        assert_eq!(answer["finish_reason"], reason, "{path}");
    }
}

#[test]
fn a_request_that_does_not_stream_gets_the_whole_document() {
    let serving = Serving::start(&["--text", TEXT]);
    let body = json!({"model": "m", "messages": [{"role": "user", "content": "hi"}]});
    let out = ssecat()
        .args(["--raw", "--json", &body.to_string()])
        .arg(serving.url("/v1/chat/completions"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let whole: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(whole["object"], "chat.completion");
    assert_eq!(whole["choices"][0]["message"]["content"], TEXT);
}

#[test]
fn a_limit_of_no_tokens_gets_an_empty_answer() {
    let serving = Serving::start(&["--text", TEXT]);
    for stream in [true, false] {
        let body = json!({"model": "m", "stream": stream, "max_tokens": 0, "messages": []});
        let answer = final_answer(&serving, "/v1/chat/completions", &body);
        assert_eq!(answer["text"], "", "stream {stream}");
        assert_eq!(answer["finish_reason"], "length", "stream {stream}");
    }
}

#[test]
fn faults_fail_as_asked() {
    let body = json!({"model": "m", "stream": true, "messages": []}).to_string();
    let run = |fault: &str, extra: &[&str]| {
        let serving = Serving::start(&["--text", TEXT, "--fault", fault]);
        let assert = ssecat()
            .args(["--text", "--json", &body])
            .args(extra)
            .arg(serving.url("/v1/chat/completions"))
            .assert();
        let output = assert.get_output().clone();
        (
            output.status.code(),
            String::from_utf8(output.stdout).unwrap(),
            String::from_utf8(output.stderr).unwrap(),
        )
    };
    let (code, out, _) = run("cut-after=2", &[]);
    assert_eq!((code, out.as_str()), (Some(9), "Hello, wörld!"));
    let (code, out, err) = run("error-after=1", &[]);
    assert_eq!((code, out.as_str()), (Some(8), "Hello,"));
    assert!(err.contains("as --fault asked"), "{err}");
    let (code, out, err) = run("status=429,retry-after=7", &[]);
    assert_eq!((code, out.as_str()), (Some(4), ""));
    assert!(
        err.contains("HTTP 429") && err.contains("Retry-After: 7"),
        "{err}"
    );
    let (code, out, _) = run("stall-after=1", &["--idle-timeout", "0.3"]);
    assert_eq!((code, out.as_str()), (Some(7), "Hello,"));
    let (code, out, err) = run("reset", &[]);
    assert_eq!((code, out.as_str()), (Some(10), ""), "{err}");
    assert!(
        err.contains("reset the connection without sending a response"),
        "{err}"
    );
}

#[test]
fn a_fault_every_second_request_leaves_the_others_whole() {
    let serving = Serving::start(&["--text", TEXT, "--fault", "cut-after=1,every=2"]);
    let body = json!({"model": "m", "stream": true, "messages": []}).to_string();
    let codes: Vec<Option<i32>> = (0..4)
        .map(|_| {
            ssecat()
                .args(["--text", "--json", &body])
                .arg(serving.url("/v1/chat/completions"))
                .assert()
                .get_output()
                .status
                .code()
        })
        .collect();
    assert_eq!(codes, [Some(9), Some(0), Some(9), Some(0)]);
}

#[test]
fn each_request_is_logged_when_its_response_is_over() {
    let serving = Serving::start(&["--text", "one two three"]);
    let body = json!({"model": "m", "stream": true, "messages": []}).to_string();
    ssecat()
        .args(["--text", "--json", &body])
        .arg(serving.url("/v1/chat/completions"))
        .assert()
        .success();
    ssecat()
        .arg(serving.url("/nowhere"))
        .assert()
        .code(4)
        .stderr(predicates::str::contains("no API at /nowhere"));
    let log = serving.log(2);
    assert_eq!(log.len(), 2, "{log:?}");
    let (chat, nowhere) = (&log[0], &log[1]);
    assert!(chat.starts_with("ssecat: 127.0.0.1:"), "{chat}");
    // The role chunk, 3 words, then the finish chunk with [DONE].
    assert!(
        chat.contains(" POST /v1/chat/completions 200 openai: 5 chunks, "),
        "{chat}"
    );
    assert!(chat.ends_with(", done"), "{chat}");
    assert!(nowhere.contains(" GET /nowhere 404 "), "{nowhere}");
}

#[test]
fn silent_serve_logs_no_request_and_sigterm_stops_it_cleanly() {
    let serving = Serving::start(&["-s", "--text", "hi"]);
    ssecat().arg(serving.url("/nowhere")).assert().code(4);
    assert_eq!(serving.log(0), Vec::<String>::new());
    assert_eq!(serving.stop(), Some(0));
}

#[test]
fn a_stream_file_is_served_at_once_or_an_event_every_itl() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("events.sse");
    let events = "data: one\n\nid: 2\ndata: two\n\n: comment\ndata: three\n\n";
    std::fs::write(&file, events).unwrap();
    for pace in [&[][..], &["--itl", "5ms"]] {
        let file = file.to_str().unwrap();
        let serving = Serving::start(&[&[file][..], pace].concat());
        ssecat()
            .arg("--raw")
            .arg(serving.url("/any/path"))
            .assert()
            .success()
            .stdout(events);
        let chunks = if pace.is_empty() {
            "1 chunk"
        } else {
            "3 chunks"
        };
        let log = serving.log(1);
        assert!(
            log[0].contains(&format!("events.sse: {chunks}, ")),
            "{log:?}"
        );
    }
}

#[test]
fn a_reconnecting_client_resumes_after_its_last_event_id() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ids.sse");
    std::fs::write(
        &file,
        "id: 1\ndata: a\n\nid: 2\ndata: b\n\nid: 3\ndata: c\n\n",
    )
    .unwrap();
    let file = file.to_str().unwrap();
    let serving = Serving::start(&[file, "--itl", "1ms"]);
    ssecat()
        .args(["--format", "data", "--last-event-id", "2"])
        .arg(serving.url("/"))
        .assert()
        .success()
        .stdout("c\n");
    // Cut after two events on the first try: the retry sends the third.
    let serving = Serving::start(&[file, "--itl", "1ms", "--fault", "cut-after=2,every=2"]);
    ssecat()
        .args([
            "--format",
            "data",
            "--reconnect=1",
            "--max-retry-wait",
            "0.01",
        ])
        .arg(serving.url("/"))
        .assert()
        .code(9)
        .stdout("a\nb\nc\n");
    let log = serving.log(2);
    assert!(
        log[0].contains("ids.sse (--fault cut-after=2): 2 chunks"),
        "{log:?}"
    );
    assert!(log[1].contains("ids.sse: 1 chunk,"), "{log:?}");
}

/// Each chunk of a recording's first response: its bytes, and its time
/// after the request was sent.
fn recorded_chunks(path: &std::path::Path) -> Vec<(Vec<u8>, f64)> {
    let text = std::fs::read_to_string(path).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let sent = lines[1]["sent_ms"].as_f64().unwrap();
    lines
        .iter()
        .filter(|line| line.get("text").is_some())
        .map(|line| {
            let text = line["text"].as_str().unwrap().as_bytes().to_vec();
            (text, line["at_ms"].as_f64().unwrap() - sent)
        })
        .collect()
}

#[test]
fn a_recording_is_replayed_chunk_for_chunk_never_before_its_time() {
    let dir = tempfile::tempdir().unwrap();
    let (first, again) = (
        dir.path().join("first.jsonl"),
        dir.path().join("again.jsonl"),
    );
    let body = json!({"model": "m", "stream": true, "messages": []}).to_string();
    let serving = Serving::start(&[
        "--text",
        "one two three four",
        "--ttft",
        "30ms",
        "--itl",
        "15ms",
    ]);
    let record = |url: String, into: &std::path::Path| {
        ssecat()
            .args(["--text", "--json", &body, "--record"])
            .arg(into)
            .arg(url)
            .assert()
            .success()
            .stdout("one two three four");
    };
    record(serving.url("/v1/chat/completions"), &first);
    let replaying = Serving::start(&[first.to_str().unwrap()]);
    record(replaying.url("/v1/chat/completions"), &again);
    let (recorded, replayed) = (recorded_chunks(&first), recorded_chunks(&again));
    let bytes =
        |chunks: &[(Vec<u8>, f64)]| chunks.iter().map(|(b, _)| b.clone()).collect::<Vec<_>>();
    assert_eq!(bytes(&replayed).concat(), bytes(&recorded).concat());
    assert!(recorded.len() >= 4, "{recorded:?}");
    // Each byte was due at its recorded time after the request came: the
    // replay's client, whose clock starts earlier, sees it no sooner.
    let due_at = |byte: usize| {
        let mut end = 0;
        recorded
            .iter()
            .find(|(bytes, _)| {
                end += bytes.len();
                byte < end
            })
            .map(|(_, at)| *at)
            .unwrap()
    };
    let mut end = 0;
    for (bytes, at) in &replayed {
        end += bytes.len();
        let due = due_at(end - 1);
        assert!(
            *at >= due - 0.001,
            "bytes up to {end} came at {at} ms, due at {due} ms"
        );
    }
}

#[test]
fn several_recordings_are_told_apart_by_method_and_path() {
    let dir = tempfile::tempdir().unwrap();
    let serving = Serving::start(&["--text", "from a mock"]);
    let (chat, generate) = (
        dir.path().join("chat.jsonl"),
        dir.path().join("generate.jsonl"),
    );
    for (path, body, file) in [
        (
            "/v1/chat/completions",
            json!({"stream": true, "messages": []}),
            &chat,
        ),
        (
            "/api/generate",
            json!({"model": "m", "prompt": "x"}),
            &generate,
        ),
    ] {
        ssecat()
            .args(["--text", "--json", &body.to_string(), "--record"])
            .arg(file)
            .arg(serving.url(path))
            .assert()
            .success();
    }
    let replaying = Serving::start(&[chat.to_str().unwrap(), generate.to_str().unwrap()]);
    for path in ["/api/generate", "/v1/chat/completions"] {
        let final_answer = final_answer(&replaying, path, &json!({}));
        assert_eq!(final_answer["text"], "from a mock", "{path}");
    }
    ssecat()
        .arg(replaying.url("/v1/chat/completions"))
        .assert()
        .code(4)
        .stderr(predicates::str::contains(
            "nothing at GET /v1/chat/completions; the files answer POST /v1/chat/completions, \
             POST /api/generate",
        ));
    let log = replaying.log(3);
    assert!(
        log[0].contains(" POST /api/generate 200 generate.jsonl: "),
        "{log:?}"
    );
}

#[test]
fn bad_serve_options_say_what_is_wrong() {
    ssecat()
        .args(["serve", "--text", "hi", "--fault", "explode"])
        .assert()
        .code(2)
        .stderr(predicates::str::starts_with(
            "ssecat: error: --fault \"explode\": unknown fault",
        ));
    ssecat()
        .args(["serve", "/no/such/recording.jsonl"])
        .assert()
        .code(1)
        .stderr(predicates::str::starts_with(
            "ssecat: error: reading /no/such/recording.jsonl: ",
        ));
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.jsonl");
    std::fs::write(&broken, "{\"ssecat\":\"recording\",\"version\":1}\n").unwrap();
    ssecat()
        .arg("serve")
        .arg(&broken)
        .assert()
        .code(11)
        .stderr(predicates::str::starts_with(format!(
            "ssecat: error: {} is not a readable recording: line 1: ",
            broken.display()
        )));
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    ssecat()
        .args(["serve", "--text", "hi", "--listen", &address])
        .assert()
        .code(6)
        .stderr(predicates::str::starts_with(format!(
            "ssecat: error: could not listen on {address}: "
        )));
    ssecat()
        .args(["serve", "--fault", "error-after=1", "/no/such.sse"])
        .assert()
        .code(2)
        .stderr(predicates::str::starts_with(
            "ssecat: error: --fault error-after=1: an in-stream error is an API's",
        ));
    ssecat()
        .args(["serve", "--text", "hi", "--itl", "20"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("needs a unit"));
}

#[test]
fn a_file_or_host_named_serve_is_reachable() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("serve"), "data: from the file\n\n").unwrap();
    ssecat()
        .current_dir(dir.path())
        .args(["--format", "data", "./serve"])
        .assert()
        .success()
        .stdout("from the file\n");
    // http://serve is a URL (no such host here: a connection error, not serve).
    ssecat()
        .args(["--connect-timeout", "2", "http://serve/"])
        .assert()
        .code(6);
}
