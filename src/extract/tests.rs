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
    assert!(turn.model.is_some());
}

#[test]
fn openai_chat_usage_chunk() {
    let turn = auto("openai-chat-usage.sse", Dialect::OpenAiChat);
    assert_eq!(turn.text, "The capital of France is Paris.");
    let usage = turn.usage.expect("usage");
    assert!(usage.input_tokens.is_some() && usage.output_tokens.is_some());
    assert_eq!(
        usage.input_tokens.unwrap() + usage.output_tokens.unwrap(),
        21
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
    assert!(turn.tool_calls.iter().all(|call| call.id.is_some()));
}

#[test]
fn openai_chat_errors_even_before_done() {
    let turn = auto("openai-chat-error.sse", Dialect::OpenAiChat);
    assert_eq!(turn.text, "Once upon a time");
    assert!(turn.error.is_some());
    assert!(!turn.ended);
    let turn = auto("vllm-chat-error.sse", Dialect::OpenAiChat);
    assert_eq!(turn.text, "Partial answer");
    assert!(turn.error.is_some());
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
