//! `--text` and `--format final`: the answer of every LLM dialect, its
//! ending and its errors, from a file, from stdin and over HTTP.

use std::time::Duration;

use serde_json::Value;

use super::http_support::{http, stderr_of, stdout_text};
use super::support::{
    fixture, jsonl_records, on_terminal, read_fixture, ssecat, stdout_of, with_stdin,
};
use super::usage::usage_error_starting;
use crate::server::{Reply, Server};

/// One fixture of tests/fixtures/llm and what `--text` gives for it (see the
/// README there): the text, the exit code, and a piece of stderr ("" when
/// stderr must be empty).
struct Case {
    name: &'static str,
    text: &'static str,
    code: i32,
    stderr: &'static str,
    dialect: Option<&'static str>,
}

const fn case(
    name: &'static str,
    dialect: &'static str,
    text: &'static str,
    code: i32,
    stderr: &'static str,
) -> Case {
    Case {
        name,
        text,
        code,
        stderr,
        dialect: Some(dialect),
    }
}

const CASES: &[Case] = &[
    case("openai-chat.sse", "openai", "Hello! How can I help you today?", 0, ""),
    case("openai-chat-usage.sse", "openai", "The capital of France is Paris.", 0, ""),
    case("openai-chat-tools.sse", "openai", "", 0, "ssecat: stopped: tool calls\nssecat: tool call get_weather"),
    case("openai-chat-error.sse", "openai", "Once upon a time", 8, "ssecat: stream error: The server had an error"),
    case("vllm-chat-error.sse", "openai", "Partial answer", 8, "ssecat: stream error: Engine loop has died"),
    case("openai-chat-reasoning.sse", "openai", "12 squared is 144.", 0, ""),
    case("mistral-chat.sse", "openai", "The Eiffel Tower is about 330 metres tall.", 0, ""),
    case("ollama-openai.sse", "openai", "Ollama runs the model on your own machine.", 0, ""),
    case("openai-responses.sse", "openai-responses", "Sure! Here's a haiku:\nAn old silent pond", 0, ""),
    case("openai-responses-failed.sse", "openai-responses", "The three primary colours are red,", 8, "ssecat: stream error: The model failed to finish the response. Please retry your request.\n"),
    case("anthropic-messages.sse", "anthropic", "Hi! I'm Claude. How can I help you today?", 0, ""),
    case("anthropic-tool-use.sse", "anthropic", "I'll check the current weather in Paris for you.", 0, "ssecat: stopped: tool calls\nssecat: tool call get_weather"),
    case("anthropic-error.sse", "anthropic", "The answer is", 8, "ssecat: stream error: Overloaded\n"),
    case("anthropic-two-blocks.sse", "anthropic", "Rivers carry water from high ground to the sea. Along the way they shape valleys and", 0, "ssecat: stopped: max tokens reached\n"),
    case("gemini.sse", "gemini", "Bonjour ! Ça va très bien, merci. 🇫🇷", 0, ""),
    case("gemini-thinking.sse", "gemini", "17 times 3 is 51. First, 10 times 3 is 30, and 7 times 3 is 21. Then 30 + 21 = 51.", 0, ""),
    case("gemini-blocked.sse", "gemini", "", 8, "ssecat: stream error: prompt blocked: SAFETY\n"),
    case("cohere-chat.sse", "cohere", "Sure!\nRun \"ssecat --help\" to see every option.", 0, ""),
    case("tgi.sse", "tgi", "Deep learning is a subset of machine learning.", 0, ""),
    case("tgi-error.sse", "tgi", "Rust is a systems", 8, "ssecat: stream error: Request failed during generation: Server error: CUDA out of memory while allocating the KV cache\n"),
    case("llamacpp-completion.sse", "llamacpp", "Paris is the capital of France.", 0, ""),
    case("ollama-chat.ndjson", "ollama", "The sky looks blue because of Rayleigh scattering.", 0, ""),
    case("ollama-generate.ndjson", "ollama", "Water boils at 100 degrees Celsius at sea level.", 0, ""),
    case("ollama-chat-error.ndjson", "ollama", "Sure, here is", 8, "ssecat: stream error: an error was encountered while running the model: CUDA error: out of memory\n"),
    // Its only event is [DONE]: the error is in a field the spec ignores,
    // which ssecat tells.
    Case {
        name: "llamacpp-legacy-error.sse",
        text: "",
        code: 0,
        stderr: "ssecat: warning: ignored a line with the unknown field \"error\": {\"code\":400,",
        dialect: None,
    },
];

fn check_output(case: &Case, how: &str, output: &std::process::Output) {
    let stderr = stderr_of(output);
    assert_eq!(
        stdout_text(output),
        case.text,
        "{} ({how}): stderr {stderr}",
        case.name
    );
    assert_eq!(
        output.status.code(),
        Some(case.code),
        "{} ({how}): {stderr}",
        case.name
    );
    if case.stderr.is_empty() {
        assert_eq!(stderr, "", "{} ({how})", case.name);
    } else {
        assert!(
            stderr.contains(case.stderr),
            "{} ({how}): {stderr:?}",
            case.name
        );
    }
}

#[test]
fn every_fixture_gives_its_text_and_exit_code_from_a_file_and_stdin() {
    for case in CASES {
        let output = ssecat()
            .arg("--text")
            .arg(fixture(case.name))
            .output()
            .unwrap();
        check_output(case, "file", &output);
        let ndjson: &[&str] = if case.name.ends_with(".ndjson") {
            &["--text", "--ndjson"]
        } else {
            &["--text"]
        };
        let output = with_stdin(ndjson, read_fixture(case.name))
            .get_output()
            .clone();
        check_output(case, "stdin", &output);
    }
}

fn serve(body: Vec<u8>, ndjson: bool, piece: usize) -> Server {
    Server::start(move |_| {
        let content_type = if ndjson {
            "application/x-ndjson"
        } else {
            "text/event-stream"
        };
        Reply::new(200)
            .header("content-type", content_type)
            .send_in_pieces(&body, piece, Duration::ZERO)
    })
}

#[test]
fn every_fixture_gives_its_text_over_http_whole_and_byte_by_byte() {
    for case in CASES {
        for piece in [usize::MAX, 1] {
            let server = serve(
                read_fixture(case.name),
                case.name.ends_with(".ndjson"),
                piece,
            );
            let output = http()
                .args(["--text", &server.url("/v1/stream")])
                .output()
                .unwrap();
            check_output(case, &format!("HTTP in pieces of {piece}"), &output);
        }
    }
}

fn final_of(args: &[&str], name: &str) -> (Value, i32) {
    let output = ssecat()
        .args(["--format", "final"])
        .args(args)
        .arg(fixture(name))
        .output()
        .unwrap();
    let stdout = stdout_text(&output);
    assert!(
        stdout.ends_with('\n') && stdout.lines().count() == 1,
        "{stdout:?}"
    );
    let value: Value = serde_json::from_str(&stdout).unwrap();
    (value, output.status.code().unwrap())
}

#[test]
fn final_has_the_same_shape_for_every_dialect() {
    for case in CASES {
        let (value, code) = final_of(&[], case.name);
        assert_eq!(code, case.code, "{}", case.name);
        let keys: Vec<&str> = value
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "complete",
                "dialect",
                "error",
                "finish_reason",
                "id",
                "model",
                "reasoning",
                "text",
                "tool_calls",
                "usage"
            ],
            "{}",
            case.name
        );
        assert_eq!(value["text"], case.text, "{}", case.name);
        assert_eq!(value["dialect"].as_str(), case.dialect, "{}", case.name);
        assert_eq!(value["error"].is_string(), case.code == 8, "{}", case.name);
    }
}

#[test]
fn final_carries_usage_finish_reason_tool_calls_and_completion() {
    let (value, code) = final_of(&[], "anthropic-tool-use.sse");
    assert_eq!(code, 0);
    assert_eq!(value["complete"], true);
    assert_eq!(value["finish_reason"], "tool_use");
    assert!(value["usage"]["output_tokens"].as_u64().unwrap() > 0);
    let call = &value["tool_calls"][0];
    assert_eq!(call["name"], "get_weather");
    assert_eq!(
        call["arguments"],
        r#"{"location": "Paris, France", "unit": "celsius"}"#
    );
    assert_eq!(call["arguments_json"]["unit"], "celsius");

    let (value, _) = final_of(&[], "openai-chat-reasoning.sse");
    assert_eq!(
        value["reasoning"],
        "The user asks for 12 squared. 12 times 12 is 144."
    );
    assert_eq!(value["usage"]["input_tokens"], 10);
    assert_eq!(value["usage"]["output_tokens"], 17);
    assert_eq!(value["model"], "deepseek-reasoner");

    let (value, code) = final_of(&[], "anthropic-error.sse");
    assert_eq!(
        (code, &value["complete"], &value["error"]),
        (8, &Value::Bool(false), &Value::from("Overloaded"))
    );
}

/// The bytes of a fixture up to (not including) `marker`.
fn cut_before(name: &str, marker: &str) -> Vec<u8> {
    let bytes = read_fixture(name);
    let text = String::from_utf8(bytes).unwrap();
    let at = text
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} in {name}"));
    text.as_bytes()[..at].to_vec()
}

#[test]
fn a_stream_that_ends_before_its_end_marker_exits_9() {
    for (name, marker, dialect, text) in [
        (
            "openai-chat.sse",
            "data: [DONE]",
            "openai",
            "Hello! How can I help you today?",
        ),
        (
            "anthropic-messages.sse",
            "event: message_stop",
            "anthropic",
            "Hi! I'm Claude. How can I help you today?",
        ),
        (
            "openai-responses.sse",
            "event: response.completed",
            "openai-responses",
            "Sure! Here's a haiku:\nAn old silent pond",
        ),
    ] {
        let assert = with_stdin(&["--text"], cut_before(name, marker))
            .code(9)
            .stdout(text);
        let stderr = stderr_of(assert.get_output());
        assert!(
            stderr.starts_with(&format!(
                "ssecat: stream ended before completion ({dialect}, "
            )),
            "{name}: {stderr:?}"
        );
        assert_eq!(stderr.lines().count(), 1, "{stderr:?}");
    }
    // Gemini has no end marker: a chunk with a finish reason completes it.
    let gemini = cut_before(
        "gemini.sse",
        "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\" merci.",
    );
    with_stdin(&["--text"], gemini).code(9);
}

#[test]
fn a_connection_lost_mid_answer_keeps_the_text_and_exits_9() {
    let body = cut_before("anthropic-messages.sse", "event: message_delta");
    let server = Server::start(move |_| Reply::sse(body.clone()).drop_connection());
    let output = http().args(["--text", &server.url("/")]).output().unwrap();
    assert_eq!(
        stdout_text(&output),
        "Hi! I'm Claude. How can I help you today?"
    );
    assert_eq!(output.status.code(), Some(9), "{}", stderr_of(&output));
}

#[test]
fn the_end_marker_stops_reading_without_waiting_for_the_server_to_close() {
    let body = read_fixture("anthropic-messages.sse");
    let server = Server::start(move |_| Reply::sse(body.clone()).stall());
    http()
        .args(["--text", "--idle-timeout", "30", &server.url("/")])
        .assert()
        .code(0)
        .stdout("Hi! I'm Claude. How can I help you today?");
}

#[test]
fn an_error_before_done_is_not_hidden_by_it() {
    let input = "data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\n\
                 data: {\"error\":{\"message\":\"rate limited\",\"type\":\"rate_limit\"}}\n\n\
                 data: [DONE]\n\n";
    with_stdin(&["--text"], input)
        .code(8)
        .stdout("Hi")
        .stderr("ssecat: stream error: rate limited\n");
}

#[test]
fn dialect_can_be_forced() {
    // Anthropic events without their event: lines still carry their type.
    ssecat()
        .args(["--text", "--dialect", "anthropic"])
        .arg(fixture("anthropic-messages.sse"))
        .assert()
        .code(0)
        .stdout("Hi! I'm Claude. How can I help you today?");
    // Forced to the wrong dialect, nothing matches and the end never comes.
    ssecat()
        .args(["--text", "--dialect", "gemini"])
        .arg(fixture("openai-chat.sse"))
        .assert()
        .code(0)
        .stdout("");
    ssecat()
        .args(["--text", "--dialect", "nope", "x.sse"])
        .assert()
        .code(2);
}

#[test]
fn extract_reads_a_custom_shape() {
    let input = "data: {\"out\":{\"a/b\":[{\"piece\":\"Hel\"}]}}\n\n\
                 data: {\"out\":{\"a/b\":[{\"piece\":\"lo\\n\"}]}}\n\n\
                 data: {\"other\":1}\n\n";
    with_stdin(&["--extract", "/out/a~1b/0/piece"], input)
        .code(0)
        .stdout("Hello\n")
        .stderr("");
    let output = with_stdin(
        &["--format", "final", "--extract", "/out/a~1b/0/piece"],
        input,
    )
    .code(0)
    .get_output()
    .stdout
    .clone();
    let value: Value = serde_json::from_slice(&output).unwrap();
    assert_eq!(
        (&value["text"], &value["dialect"]),
        (&Value::from("Hello\n"), &Value::Null)
    );
    ssecat()
        .args(["--extract", "out/piece", "x.sse"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("JSON Pointer"));
}

#[test]
fn llm_options_need_an_llm_format() {
    for args in [
        &["--format", "sse", "--dialect", "openai"][..],
        &["--format", "data", "--extract", "/a"],
        &["--reasoning"],
        &["--jsonl", "--reasoning"],
        &["--format", "final", "--reasoning"],
    ] {
        usage_error_starting(
            args,
            "ssecat: error: ",
            "applies to --text and --format final",
        );
    }
}

#[test]
fn reasoning_goes_to_stderr_only_when_asked() {
    for name in [
        "openai-chat-reasoning.sse",
        "anthropic-messages.sse",
        "gemini-thinking.sse",
    ] {
        let quiet = ssecat().arg("--text").arg(fixture(name)).output().unwrap();
        let loud = ssecat()
            .args(["--text", "--reasoning"])
            .arg(fixture(name))
            .output()
            .unwrap();
        assert_eq!(quiet.stdout, loud.stdout, "{name}");
        assert_eq!(stderr_of(&quiet), "", "{name}");
        let (final_value, _) = final_of(&[], name);
        let reasoning = final_value["reasoning"].as_str().unwrap();
        assert!(!reasoning.is_empty(), "{name}");
        // Its line is ended before the answer or the end.
        assert_eq!(stderr_of(&loud), format!("{reasoning}\n"), "{name}");
    }
}

#[test]
fn a_stream_cut_after_one_event_counts_it_in_the_singular() {
    with_stdin(
        &["--text"],
        "data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\n",
    )
    .code(9)
    .stdout("Hi")
    .stderr(
        "ssecat: stream ended before completion (openai, 1 event, the last of type \"message\")\n",
    );
}

#[test]
fn a_stream_with_no_known_dialect_says_so() {
    with_stdin(&["--text"], "data: {\"hello\":\"world\"}\n\n")
        .code(0)
        .stdout("")
        .stderr(predicates::str::contains(
            "no answer text: no dialect recognised in 1 event;",
        ));
}

#[test]
fn ndjson_overrides_a_wrong_content_type() {
    let body = read_fixture("ollama-chat.ndjson");
    let server = Server::start(move |_| {
        Reply::new(200)
            .header("content-type", "text/plain")
            .send(body.clone())
    });
    http()
        .args(["--text", "--ndjson", &server.url("/api/chat")])
        .assert()
        .code(0)
        .stdout("The sky looks blue because of Rayleigh scattering.")
        .stderr("");
}

#[test]
fn on_a_terminal_the_answer_ends_with_a_newline() {
    let path = fixture("openai-chat.sse");
    let shown = on_terminal(&["--text", path.to_str().unwrap()]);
    assert_eq!(
        (shown.shown, shown.code, shown.stderr.as_str()),
        (b"Hello! How can I help you today?\n".to_vec(), Some(0), "")
    );
    // Not added when the text already ends a line, nor into a pipe.
    let input = "data: {\"choices\":[{\"delta\":{\"content\":\"line\\n\"}}]}\n\ndata: [DONE]\n\n";
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), input).unwrap();
    let shown = on_terminal(&["--text", file.path().to_str().unwrap()]);
    assert_eq!(shown.shown, b"line\n");
    with_stdin(&["--text"], input).code(0).stdout("line\n");
    ssecat()
        .arg("--text")
        .arg(&path)
        .assert()
        .stdout("Hello! How can I help you today?");
}

#[test]
fn jsonl_records_carry_the_text_with_a_dialect_or_a_pointer() {
    let records = jsonl_records(&stdout_of(
        ssecat()
            .args(["--jsonl", "--dialect", "anthropic"])
            .arg(fixture("anthropic-messages.sse"))
            .assert(),
    ));
    let texts: Vec<&str> = records.iter().filter_map(|r| r["text"].as_str()).collect();
    // One text per text delta of the fixture, as it sent them.
    assert_eq!(
        texts,
        ["Hi", "! I'm Claude.", " How can I help", " you today?"]
    );
    let with_text = records.iter().filter(|r| r.get("text").is_some());
    assert!(with_text
        .clone()
        .all(|r| r["event"] == "content_block_delta"));

    let records = jsonl_records(&stdout_of(with_stdin(
        &["--jsonl", "--extract", "/t"],
        "data: {\"t\":\"a\"}\n\ndata: {\"u\":1}\n\n",
    )));
    assert_eq!(records[0]["text"], "a");
    assert_eq!(records[1].get("text"), None);
}

#[test]
fn server_text_in_messages_cannot_drive_the_terminal() {
    let input = "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"c\\u001b1\",\"function\":{\"name\":\"f\\u0007\",\"arguments\":\"{}\"}}]},\"finish_reason\":\"odd\\u009b\"}]}\n\n\
                 data: {\"error\":{\"message\":\"bad \\u001b]0;title\\u0007\"}}\n\n";
    with_stdin(&["--text"], input).code(8).stderr(concat!(
        "ssecat: stopped: odd\\u{9b}\n",
        "ssecat: tool call f\\x07 (c\\x1b1): {}\n",
        "ssecat: stream error: bad \\x1b]0;title\\x07\n"
    ));
}

#[test]
fn event_filters_do_not_apply_to_llm_answers() {
    // The dialect needs every event, its end marker among them.
    for format in ["text", "final"] {
        usage_error_starting(
            &["--format", format, "--event", "content_block_delta"],
            "ssecat: error: ",
            "--event applies to the other formats",
        );
    }
}

#[test]
fn extract_with_no_match_says_the_pointer_found_nothing() {
    with_stdin(&["--extract", "/nope"], "data: {\"a\":1}\n\n")
        .code(0)
        .stdout("")
        .stderr("ssecat: warning: no answer text: no string at the --extract pointer in 1 event\n");
}
