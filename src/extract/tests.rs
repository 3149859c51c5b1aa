//! Every dialect read from the LLM fixtures, as a whole and one byte at a
//! time, through the decoder and a [`Reader`].

use super::*;
use crate::sse::Decoder;

/// Reads `tests/fixtures/llm/NAME` with `extraction`, feeding the decoder
/// `piece` bytes at a time, and returns the turn with all its text.
pub(crate) fn read_fixture(name: &str, extraction: Extraction, piece: usize) -> Turn {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/llm")
        .join(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    let mut decoder = if name.ends_with(".ndjson") {
        Decoder::json_lines(1 << 20)
    } else {
        Decoder::new(1 << 20)
    };
    let mut reader = Reader::new(extraction);
    for chunk in bytes.chunks(piece) {
        decoder
            .feed(chunk, |event| {
                reader.read(event);
                if reader.turn().ended {
                    std::ops::ControlFlow::Break(())
                } else {
                    std::ops::ControlFlow::Continue(())
                }
            })
            .unwrap();
        if reader.turn().ended {
            break;
        }
    }
    if name.ends_with(".ndjson") {
        decoder
            .feed(b"\n", |event| {
                reader.read(event);
                std::ops::ControlFlow::Continue(())
            })
            .unwrap();
    }
    reader.turn
}

/// Reads a fixture whole and byte by byte, auto-detecting the dialect, checks
/// both give the same turn and that it is the `dialect` expected.
pub(crate) fn auto(name: &str, dialect: Dialect) -> Turn {
    let whole = read_fixture(name, Extraction::Auto, usize::MAX);
    let bytewise = read_fixture(name, Extraction::Auto, 1);
    assert_eq!(format!("{whole:?}"), format!("{bytewise:?}"), "{name}");
    assert_eq!(whole.dialect, Some(dialect), "{name}");
    let forced = read_fixture(name, Extraction::Dialect(dialect), usize::MAX);
    assert_eq!(format!("{whole:?}"), format!("{forced:?}"), "{name}");
    whole
}

#[test]
fn openai_chat() {
    let turn = auto("openai-chat.sse", Dialect::OpenAiChat);
    assert_eq!(turn.text, "Hello! How can I help you today?");
    assert_eq!(turn.finish_reason.as_deref(), Some("stop"));
    assert!(turn.ended);
    assert_eq!(turn.error, None);
    assert_eq!(turn.model.as_deref(), Some("gpt-4o-mini-2024-07-18"));
    assert_eq!(
        turn.id.as_deref(),
        Some("chatcmpl-Ax7Kq2mZt9LrB4wYcN1pQ8sVd3Fh")
    );
}

#[test]
fn openai_chat_usage_chunk() {
    let turn = auto("openai-chat-usage.sse", Dialect::OpenAiChat);
    assert_eq!(turn.text, "The capital of France is Paris.");
    // tests/fixtures/llm/README.md: 14 in, 7 out (`total_tokens` 21).
    assert_eq!(
        turn.usage,
        Some(Usage {
            input_tokens: Some(14),
            output_tokens: Some(7)
        })
    );
}

#[test]
fn openai_chat_tool_calls_are_assembled() {
    let turn = auto("openai-chat-tools.sse", Dialect::OpenAiChat);
    assert_eq!(turn.text, "");
    assert_eq!(turn.finish_reason.as_deref(), Some("tool_calls"));
    let calls: Vec<(&str, &str)> = turn
        .tool_calls
        .iter()
        .map(|call| (call.name.as_str(), call.arguments.as_str()))
        .collect();
    assert_eq!(
        calls,
        [
            ("get_weather", r#"{"location": "Paris, France"}"#),
            ("get_time", r#"{"timezone": "Europe/Paris"}"#)
        ]
    );
    let ids: Vec<Option<&str>> = turn
        .tool_calls
        .iter()
        .map(|call| call.id.as_deref())
        .collect();
    assert_eq!(
        ids,
        [
            Some("call_Kx2vR8mTqL5wN3yHcB7dZ1fS"),
            Some("call_Pm6tW0bJxR4eV9qLsN2kY8hC")
        ]
    );
}

#[test]
fn openai_chat_errors_even_before_done() {
    let turn = auto("openai-chat-error.sse", Dialect::OpenAiChat);
    assert_eq!(turn.text, "Once upon a time");
    assert_eq!(
        turn.error.as_deref(),
        Some("The server had an error while processing your request. Sorry about that!")
    );
    assert!(!turn.ended);
    let turn = auto("vllm-chat-error.sse", Dialect::OpenAiChat);
    assert_eq!(turn.text, "Partial answer");
    assert_eq!(turn.error.as_deref(), Some("Engine loop has died"));
    assert!(turn.ended, "[DONE] still arrives");
}

#[test]
fn openai_compatibles() {
    for (name, text) in [
        (
            "mistral-chat.sse",
            "The Eiffel Tower is about 330 metres tall.",
        ),
        (
            "ollama-openai.sse",
            "Ollama runs the model on your own machine.",
        ),
    ] {
        let turn = auto(name, Dialect::OpenAiChat);
        assert_eq!(turn.text, text, "{name}");
        assert!(turn.ended, "{name}");
        assert_eq!(turn.finish_reason.as_deref(), Some("stop"), "{name}");
    }
    let usage = auto("mistral-chat.sse", Dialect::OpenAiChat).usage;
    assert_eq!(
        usage,
        Some(Usage {
            input_tokens: Some(13),
            output_tokens: Some(12)
        })
    );
}

#[test]
fn openai_chat_reasoning_is_kept_apart() {
    let turn = auto("openai-chat-reasoning.sse", Dialect::OpenAiChat);
    assert_eq!(turn.text, "12 squared is 144.");
    assert_eq!(
        turn.reasoning,
        "The user asks for 12 squared. 12 times 12 is 144."
    );
}

#[test]
fn extract_takes_a_json_pointer() {
    let pointer = Extraction::pointer("/choices/0/delta/content").unwrap();
    let turn = read_fixture("openai-chat.sse", pointer, usize::MAX);
    assert_eq!(turn.text, "Hello! How can I help you today?");
    assert_eq!(turn.dialect, None);
    let escaped = Extraction::pointer("/a~1b/m~0n").unwrap();
    assert!(matches!(escaped, Extraction::Pointer(t) if t == ["a/b", "m~n"]));
    assert!(Extraction::pointer("choices").is_err());
}

#[test]
fn a_stream_without_a_dialect_still_reports_errors() {
    let mut reader = Reader::new(Extraction::Auto);
    reader.read(&Event {
        event_type: "message",
        data: r#"{"error":{"message":"quota exceeded","type":"insufficient_quota"}}"#,
        id: "",
        retry: None,
    });
    assert_eq!(reader.turn().dialect, None);
    assert_eq!(reader.turn().error.as_deref(), Some("quota exceeded"));
}

#[test]
fn legacy_completions_are_openai() {
    let mut reader = Reader::new(Extraction::Auto);
    for data in [
        r#"{"id":"cmpl-1","object":"text_completion","choices":[{"index":0,"text":"Hel","finish_reason":null}],"model":"m"}"#,
        r#"{"id":"cmpl-1","object":"text_completion","choices":[{"index":0,"text":"lo","finish_reason":"length"}],"model":"m"}"#,
    ] {
        reader.read(&Event {
            event_type: "message",
            data,
            id: "",
            retry: None,
        });
    }
    let turn = reader.turn();
    assert_eq!(turn.dialect, Some(Dialect::OpenAiChat));
    assert_eq!(turn.text, "Hello");
    assert_eq!(turn.finish_reason.as_deref(), Some("length"));
}

/// Reads events given as their data alone (so typed by the JSON `type`)
/// with one dialect's `read`.
pub(crate) fn read_data(read: fn(&Event<'_>, &mut Turn), data: &[&str]) -> Turn {
    let mut turn = Turn::default();
    for data in data {
        read(&message(data), &mut turn);
    }
    turn
}

/// An event with no `event:` field.
fn message(data: &str) -> Event<'_> {
    typed("message", data)
}

fn typed<'a>(event_type: &'a str, data: &'a str) -> Event<'a> {
    Event {
        event_type,
        data,
        id: "",
        retry: None,
    }
}

/// The (id, name, arguments) of every tool call.
pub(super) fn calls(turn: &Turn) -> Vec<(Option<&str>, &str, &str)> {
    turn.tool_calls
        .iter()
        .map(|call| {
            (
                call.id.as_deref(),
                call.name.as_str(),
                call.arguments.as_str(),
            )
        })
        .collect()
}

#[test]
fn a_responses_error_as_the_first_event_fails() {
    let data = r#"{"type":"error","code":"rate_limit_exceeded","message":"Rate limit reached","param":null,"sequence_number":1}"#;
    // Named by the `event:` field, and by the JSON `type` alone.
    for event in [typed("error", data), message(data)] {
        let mut reader = Reader::new(Extraction::Auto);
        reader.read(&event);
        assert_eq!(reader.turn().error.as_deref(), Some("Rate limit reached"));
    }
    // A `message` alone, in an event of another type, is no error.
    let mut reader = Reader::new(Extraction::Auto);
    reader.read(&message(r#"{"type":"note","message":"hello"}"#));
    assert_eq!(reader.turn().error, None);
    // An `error` member still is, whatever the type.
    let mut reader = Reader::new(Extraction::Auto);
    reader.read(&typed(
        "error",
        r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
    ));
    assert_eq!(reader.turn().error.as_deref(), Some("Overloaded"));
}

#[test]
fn responses_error_event_with_an_error_member() {
    let turn = read_data(
        openai_responses::read,
        &[r#"{"type":"error","error":{"message":"Nested","code":"x"},"sequence_number":2}"#],
    );
    assert_eq!(turn.error.as_deref(), Some("Nested"));
}

#[test]
fn openai_tool_calls_without_index_are_told_apart_by_id() {
    let turn = read_data(
        openai_chat::read,
        &[
            r#"{"choices":[{"delta":{"role":"assistant","tool_calls":[{"id":"a","type":"function","function":{"name":"f","arguments":"{}"}},{"id":"b","type":"function","function":{"name":"g","arguments":"{\"x\""}}]}}]}"#,
            // The same id again, then neither id nor name: more of the last call.
            r#"{"choices":[{"delta":{"tool_calls":[{"id":"b","function":{"arguments":":1"}}]}}]}"#,
            r#"{"choices":[{"delta":{"tool_calls":[{"index":null,"function":{"arguments":"}"}}]}}]}"#,
            // A name alone starts a call too.
            r#"{"choices":[{"delta":{"tool_calls":[{"function":{"name":"h","arguments":"["}}]}}]}"#,
            r#"{"choices":[{"delta":{"tool_calls":[{"function":{"arguments":"]"}}]}}]}"#,
        ],
    );
    assert_eq!(
        calls(&turn),
        [
            (Some("a"), "f", "{}"),
            (Some("b"), "g", r#"{"x":1}"#),
            (None, "h", "[]")
        ]
    );
}

#[test]
fn a_repeated_tool_call_name_is_kept_once() {
    let turn = read_data(
        openai_chat::read,
        &[
            r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","function":{"name":"get_weather","arguments":"{\"city\":"}}]}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","function":{"name":"get_weather","arguments":"\"Paris\"}"}}]}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"name":"","arguments":""}}]}}]}"#,
        ],
    );
    assert_eq!(
        calls(&turn),
        [(Some("call_1"), "get_weather", r#"{"city":"Paris"}"#)]
    );
}

#[test]
fn only_the_first_choice_is_read() {
    let turn = read_data(
        openai_chat::read,
        &[
            r#"{"choices":[{"index":0,"delta":{"content":"A"}}]}"#,
            r#"{"choices":[{"index":1,"delta":{"content":"B","reasoning_content":"b","tool_calls":[{"index":0,"id":"x","function":{"name":"f"}}]},"finish_reason":"length"}]}"#,
            r#"{"choices":[{"index":1,"text":"B"}]}"#,
            r#"{"choices":[{"delta":{"content":"C"}}]}"#,
            r#"{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#,
        ],
    );
    assert_eq!(turn.text, "AC");
    assert_eq!(turn.reasoning, "");
    assert!(turn.tool_calls.is_empty());
    assert_eq!(turn.finish_reason.as_deref(), Some("stop"));

    let turn = read_data(
        gemini::read,
        &[
            r#"{"candidates":[{"index":0,"content":{"parts":[{"text":"A"}]}}]}"#,
            r#"{"candidates":[{"index":1,"content":{"parts":[{"text":"B"}]},"finishReason":"MAX_TOKENS"}]}"#,
            r#"{"candidates":[{"content":{"parts":[{"text":"C"}]},"finishReason":"STOP"}]}"#,
        ],
    );
    assert_eq!(turn.text, "AC");
    assert_eq!(turn.finish_reason.as_deref(), Some("STOP"));
}

#[test]
fn refusals_are_answer_text() {
    let turn = read_data(
        openai_chat::read,
        &[
            r#"{"choices":[{"index":0,"delta":{"role":"assistant","content":null,"refusal":""}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"refusal":"I can't help"}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"refusal":" with that."}}]}"#,
        ],
    );
    assert_eq!(turn.text, "I can't help with that.");

    let turn = read_data(
        openai_responses::read,
        &[
            r#"{"type":"response.refusal.delta","item_id":"msg_1","output_index":0,"content_index":0,"delta":"No.","sequence_number":4}"#,
            r#"{"type":"response.refusal.done","item_id":"msg_1","output_index":0,"content_index":0,"refusal":"No.","sequence_number":5}"#,
        ],
    );
    assert_eq!(turn.text, "No.");
}

#[test]
fn mistral_content_chunks() {
    let turn = read_data(
        openai_chat::read,
        &[
            r#"{"id":"m1","object":"chat.completion.chunk","model":"magistral-medium-latest","choices":[{"index":0,"delta":{"role":"assistant","content":[{"type":"thinking","thinking":[{"type":"text","text":"Two plus"}]}]},"finish_reason":null}]}"#,
            r#"{"choices":[{"index":0,"delta":{"content":[{"type":"thinking","thinking":[{"type":"text","text":" two."},{"type":"text","text":" Four."}]}]},"finish_reason":null}]}"#,
            r#"{"choices":[{"index":0,"delta":{"content":[{"type":"text","text":"It is "}]},"finish_reason":null}]}"#,
            r#"{"choices":[{"index":0,"delta":{"content":"4."},"finish_reason":null}]}"#,
            r#"{"choices":[{"index":0,"delta":{"content":[{"type":"reference","reference_ids":[1]},{"type":"text","text":""}]},"finish_reason":"stop"}]}"#,
        ],
    );
    assert_eq!(turn.reasoning, "Two plus two. Four.");
    assert_eq!(turn.text, "It is 4.");
    assert_eq!(turn.deltas, 2);
    assert_eq!(turn.model.as_deref(), Some("magistral-medium-latest"));
}

#[test]
fn many_tool_calls_by_slot() {
    const CALLS: u64 = 100_000;
    let mut turn = Turn::default();
    for slot in 0..CALLS {
        turn.tool_call(slot * 7)
            .set(None, Some(&format!("\"f{slot}\"")), Some("\"{\""));
    }
    for slot in (0..CALLS).rev() {
        turn.tool_call(slot * 7).set(None, None, Some("\"}\""));
    }
    assert_eq!(turn.tool_calls.len(), CALLS as usize);
    for slot in [0, 1, CALLS / 2, CALLS - 1] {
        let call = turn.tool_call(slot * 7);
        assert_eq!(call.slot, slot * 7);
        assert_eq!(call.name, format!("f{slot}"));
        assert_eq!(call.arguments, "{}");
    }
    // Whole calls are added after, and do not take a slot's place.
    turn.push_tool_call(Some("\"w\""), Some("\"whole\""), Some("{}"));
    assert_eq!(turn.tool_calls.len(), CALLS as usize + 1);
    assert_eq!(turn.tool_call(7).name, "f1");
    assert_eq!(turn.tool_calls.last().unwrap().name, "whole");
}

#[test]
fn an_empty_pointer_is_the_whole_document() {
    let Extraction::Pointer(tokens) = Extraction::pointer("").unwrap() else {
        panic!("a pointer");
    };
    assert!(tokens.is_empty());
    let mut reader = Reader::new(Extraction::pointer("").unwrap());
    assert!(reader.is_pointer());
    for data in [r#""Hel""#, r#"{"text":"x"}"#, r#""lo""#] {
        reader.read(&message(data));
    }
    assert_eq!(reader.turn().text, "Hello");
    assert!(!Reader::new(Extraction::Auto).is_pointer());
    assert!(!Reader::new(Extraction::Dialect(Dialect::Gemini)).is_pointer());
}

#[test]
fn a_pointer_reader_is_compiled_once_and_reads_every_event() {
    let mut reader = Reader::new(Extraction::pointer("/a~1b/0").unwrap());
    reader.read(&message(r#"{"a/b":["x"]}"#));
    reader.read(&message(r#"{"a/b":{"0":"y"}}"#));
    reader.read(&message(r#"{"error":"boom"}"#));
    assert_eq!(reader.turn().text, "xy");
    assert_eq!(reader.turn().error.as_deref(), Some("boom"));
}

#[test]
fn error_bodies_give_their_message_in_provider_shapes() {
    assert_eq!(
        error_body_message(r#"{"error":{"message":"quota","type":"x"}}"#).as_deref(),
        Some("quota")
    );
    assert_eq!(
        error_body_message(r#"{"error":"bad model"}"#).as_deref(),
        Some("bad model")
    );
    assert_eq!(
        error_body_message(r#"{"object":"error","message":"too long"}"#).as_deref(),
        Some("too long")
    );
    assert_eq!(
        error_body_message(r#"{"detail":"Not Found"}"#).as_deref(),
        Some("Not Found")
    );
    assert_eq!(error_body_message("<html>"), None);
    assert_eq!(error_body_message(r#"{"error":{"code":5}}"#), None);
}
