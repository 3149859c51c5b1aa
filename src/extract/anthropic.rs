//! Anthropic Messages streams. Every event names its type twice (the
//! `event:` field and the JSON `type`); the answer is the `text_delta`
//! pieces of `content_block_delta`, and the stream ends at `message_stop`.
//! A whole (non-streaming) response is the message itself, its content
//! blocks complete.
//!
//! Below the reading, the writing: what `ssecat serve` answers in this
//! format, streamed ([`Speaker`]) or whole.

use serde_json::{json, Value};

use super::json_path::{elements, fields, string_value, Step};
use super::turn::{gather, slot};
use super::wire::{self, Answer, Ask, Finish, Prompt, Speak};
use super::{event_kind, Turn};
use crate::sse::Event;

fields! {
    /// Everything an event can carry, looked up in one pass.
    struct EventFields {
        kind: [Step::Key("type")],
        message_id: [Step::Key("message"), Step::Key("id")],
        model: [Step::Key("message"), Step::Key("model")],
        start_input: [
            Step::Key("message"),
            Step::Key("usage"),
            Step::Key("input_tokens"),
        ],
        start_output: [
            Step::Key("message"),
            Step::Key("usage"),
            Step::Key("output_tokens"),
        ],
        index: [Step::Key("index")],
        block_type: [Step::Key("content_block"), Step::Key("type")],
        block_id: [Step::Key("content_block"), Step::Key("id")],
        block_name: [Step::Key("content_block"), Step::Key("name")],
        delta_type: [Step::Key("delta"), Step::Key("type")],
        text: [Step::Key("delta"), Step::Key("text")],
        thinking: [Step::Key("delta"), Step::Key("thinking")],
        partial_json: [Step::Key("delta"), Step::Key("partial_json")],
        stop_reason: [Step::Key("delta"), Step::Key("stop_reason")],
        input: [Step::Key("usage"), Step::Key("input_tokens")],
        output: [Step::Key("usage"), Step::Key("output_tokens")],
        error: [Step::Key("error")],
    }
}

pub fn read(event: &Event<'_>, turn: &mut Turn) {
    let Some(EventFields {
        kind,
        message_id,
        model,
        start_input,
        start_output,
        index,
        block_type,
        block_id,
        block_name,
        delta_type,
        text,
        thinking,
        partial_json,
        stop_reason,
        input,
        output,
        error,
    }) = EventFields::find_like(event.data, &mut turn.template)
    else {
        return;
    };
    // Content blocks are numbered by `index`, and a tool call's input
    // pieces name the block of the call.
    match event_kind(event, kind).as_deref() {
        Some("message_start") => {
            turn.set_id(message_id);
            turn.set_model(model);
            turn.set_usage(start_input, start_output);
        }
        Some("content_block_start") => {
            // Server tools (web search, MCP) stream their input the same way.
            if let Some("tool_use" | "server_tool_use" | "mcp_tool_use") =
                block_type.and_then(string_value).as_deref()
            {
                turn.tool_call(slot(index)).set(block_id, block_name, None);
            }
        }
        Some("content_block_delta") => match delta_type.and_then(string_value).as_deref() {
            Some("text_delta") => turn.push_text(text),
            Some("thinking_delta") => turn.push_reasoning(thinking),
            // A string holding a piece of the input's JSON text.
            Some("input_json_delta") => turn.tool_call(slot(index)).set(None, None, partial_json),
            // `signature_delta` only verifies the thinking.
            _ => {}
        },
        Some("message_delta") => {
            turn.set_finish_reason(stop_reason);
            // `output_tokens` here is the running total, not an increment.
            turn.set_usage(input, output);
        }
        Some("message_stop") => turn.ended = true,
        _ => {}
    }
    // The `error` event, or an error body sent in place of the stream.
    turn.fail_with(error);
}

fields! {
    /// A whole message, looked up in one pass.
    struct DocumentFields {
        kind: [Step::Key("type")],
        content: [Step::Key("content")],
        stop_reason: [Step::Key("stop_reason")],
        input: [Step::Key("usage"), Step::Key("input_tokens")],
        output: [Step::Key("usage"), Step::Key("output_tokens")],
        model: [Step::Key("model")],
        id: [Step::Key("id")],
        error: [Step::Key("error")],
    }
}

fields! {
    /// One content block, looked up in one pass.
    struct Block {
        kind: [Step::Key("type")],
        text: [Step::Key("text")],
        thinking: [Step::Key("thinking")],
        id: [Step::Key("id")],
        name: [Step::Key("name")],
        input: [Step::Key("input")],
    }
}

/// A whole response: `{"type":"message",…}`, or the error body
/// `{"type":"error","error":{"type":…,"message":…}}` sent in its place.
pub fn read_document(doc: &str, turn: &mut Turn) -> bool {
    let Some(DocumentFields {
        kind,
        content,
        stop_reason,
        input,
        output,
        model,
        id,
        error,
    }) = DocumentFields::find(doc)
    else {
        return false;
    };
    match kind.and_then(string_value).as_deref() {
        Some("message") => {}
        Some("error") => {
            turn.fail_with(error);
            // An error without its member is still one.
            if turn.error.is_none() {
                turn.fail(doc.to_owned());
            }
            return true;
        }
        _ => return false,
    }
    let mut answer = String::new();
    for block in content.map(elements).unwrap_or_default() {
        read_block(block, &mut answer, turn);
    }
    turn.push_text_str(&answer);
    turn.set_finish_reason(stop_reason);
    turn.set_usage(input, output);
    turn.set_model(model);
    turn.set_id(id);
    true
}

/// One whole content block: its text goes to `answer`.
fn read_block(block: &str, answer: &mut String, turn: &mut Turn) {
    let Some(Block {
        kind,
        text,
        thinking,
        id,
        name,
        input,
    }) = Block::find(block)
    else {
        return;
    };
    match kind.and_then(string_value).as_deref() {
        Some("text") => gather(text, answer),
        // `redacted_thinking` has no text to show.
        Some("thinking") => turn.push_reasoning(thinking),
        // The input is an object; its JSON text is the arguments, as the
        // joined pieces are in a stream.
        Some("tool_use" | "server_tool_use" | "mcp_tool_use") => {
            turn.push_tool_call(id, name, input)
        }
        _ => {}
    }
}

// Writing: what `ssecat serve` answers at `/v1/messages`.

/// The API version every request must name; this one is current.
pub const VERSION_HEADER: (&str, &str) = ("anthropic-version", "2023-06-01");

/// The output limit a prompt without one asks for: the API requires one.
pub const DEFAULT_MAX_TOKENS: u64 = 1024;

/// The streaming request a prompt makes.
pub fn request(prompt: &Prompt) -> Value {
    wire::members([
        ("model", prompt.model.clone().map(Value::from)),
        ("system", prompt.system.clone().map(Value::from)),
        (
            "messages",
            Some(json!([{"role": "user", "content": prompt.text}])),
        ),
        (
            "max_tokens",
            Some(prompt.max_tokens.unwrap_or(DEFAULT_MAX_TOKENS).into()),
        ),
        ("temperature", prompt.temperature.map(Value::from)),
        ("stream", Some(true.into())),
    ])
}

/// What a messages request asks; its prompt is the `system` prompt and
/// the text of every message.
pub fn ask(_path_and_query: &str, body: &[u8]) -> Result<Ask, String> {
    let body = wire::request_object(body)?;
    let mut texts = Vec::new();
    if let Some(system) = body.get("system") {
        wire::content_texts(system, &mut texts);
    }
    wire::message_texts(&body, &mut texts);
    Ok(wire::chat_ask(&body, &texts))
}

/// Writes the events of a message with one text block.
pub struct Speaker {
    answer: Answer,
    output_tokens: u64,
}

pub fn speaker(_ask: &Ask, answer: Answer) -> Speaker {
    Speaker {
        answer,
        output_tokens: 0,
    }
}

impl Speak for Speaker {
    fn content_type(&self) -> &'static str {
        "text/event-stream"
    }

    fn open(&mut self, out: &mut Vec<u8>) {
        let start = message(&self.answer, json!([]), None, 0);
        wire::typed_event("message_start", json!({"message": start}), out);
        let block = json!({"index": 0, "content_block": {"type": "text", "text": ""}});
        wire::typed_event("content_block_start", block, out);
        wire::typed_event("ping", json!({}), out);
    }

    fn delta(&mut self, text: &str, tokens: u64, out: &mut Vec<u8>) {
        self.output_tokens += tokens;
        let delta = json!({"index": 0, "delta": {"type": "text_delta", "text": text}});
        wire::typed_event("content_block_delta", delta, out);
    }

    fn close(&mut self, finish: Finish, out: &mut Vec<u8>) {
        wire::typed_event("content_block_stop", json!({"index": 0}), out);
        let delta = json!({
            "delta": {"stop_reason": stop_reason(finish), "stop_sequence": null},
            // The running total, not an increment.
            "usage": {"output_tokens": self.output_tokens},
        });
        wire::typed_event("message_delta", delta, out);
        wire::typed_event("message_stop", json!({}), out);
    }

    /// The `error` event, which the SDK raises as an API error.
    fn fail(&mut self, message: &str, out: &mut Vec<u8>) {
        wire::write_event(out, Some("error"), &error_document(500, message));
    }
}

fn stop_reason(finish: Finish) -> &'static str {
    match finish {
        Finish::Stop => "end_turn",
        Finish::Length => "max_tokens",
    }
}

/// The message object: empty at `message_start`, whole when not streamed.
fn message(answer: &Answer, content: Value, finish: Option<Finish>, output_tokens: u64) -> Value {
    json!({
        "id": answer.id,
        "type": "message",
        "role": "assistant",
        "model": answer.model,
        "content": content,
        "stop_reason": finish.map(stop_reason),
        "stop_sequence": null,
        "usage": {
            "input_tokens": answer.input_tokens,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            "output_tokens": output_tokens,
            "service_tier": "standard",
        },
    })
}

/// The message a request without `"stream": true` gets.
pub fn whole(
    _ask: &Ask,
    answer: &Answer,
    text: &str,
    output_tokens: u64,
    finish: Finish,
) -> Vec<u8> {
    let content = json!([{"type": "text", "text": text}]);
    wire::json_body(&message(answer, content, Some(finish), output_tokens))
}

/// Anthropic's error document; `status` picks the error's type.
pub fn error_body(status: u16, message: &str) -> Vec<u8> {
    wire::json_body(&error_document(status, message))
}

fn error_document(status: u16, message: &str) -> Value {
    let kind = match status {
        401 => "authentication_error",
        402 => "billing_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        504 => "timeout_error",
        529 => "overloaded_error",
        _ if status >= 500 => "api_error",
        _ => "invalid_request_error",
    };
    json!({"type": "error", "error": {"type": kind, "message": message}})
}

#[cfg(test)]
mod tests {
    use super::super::tests::auto;
    use super::super::{Dialect, Usage};
    use super::*;

    fn read_data(data: &[&str]) -> Turn {
        super::super::tests::read_data(read, data)
    }

    #[test]
    fn messages_with_thinking() {
        let turn = auto("anthropic-messages.sse", Dialect::Anthropic);
        assert_eq!(turn.text, "Hi! I'm Claude. How can I help you today?");
        assert_eq!(
            turn.reasoning,
            "The user is greeting me. A short, friendly reply fits."
        );
        assert!(turn.ended);
        assert_eq!(turn.finish_reason.as_deref(), Some("end_turn"));
        assert_eq!(
            turn.usage,
            Some(Usage {
                input_tokens: Some(21),
                output_tokens: Some(42)
            })
        );
        assert_eq!(turn.model.as_deref(), Some("claude-sonnet-4-5-20250929"));
        assert_eq!(turn.id.as_deref(), Some("msg_01HCDu5LRGeP2o7s2xGmxyx8"));
        assert_eq!(turn.error, None);
        assert!(turn.tool_calls.is_empty());
    }

    #[test]
    fn tool_use_input_is_joined() {
        let turn = auto("anthropic-tool-use.sse", Dialect::Anthropic);
        assert_eq!(
            turn.text,
            "I'll check the current weather in Paris for you."
        );
        assert_eq!(turn.finish_reason.as_deref(), Some("tool_use"));
        assert_eq!(turn.tool_calls.len(), 1);
        let call = &turn.tool_calls[0];
        assert_eq!(call.slot, 1);
        assert_eq!(call.id.as_deref(), Some("toolu_01T1x1fJ34qAmk2tNTrN7Up6"));
        assert_eq!(call.name, "get_weather");
        assert_eq!(
            call.arguments,
            r#"{"location": "Paris, France", "unit": "celsius"}"#
        );
        assert!(turn.ended);
    }

    #[test]
    fn error_event_fails_the_stream() {
        let turn = auto("anthropic-error.sse", Dialect::Anthropic);
        assert_eq!(turn.text, "The answer is");
        assert_eq!(turn.error.as_deref(), Some("Overloaded"));
        assert!(!turn.ended);
        assert_eq!(turn.finish_reason, None);
    }

    #[test]
    fn two_text_blocks_are_joined() {
        let turn = auto("anthropic-two-blocks.sse", Dialect::Anthropic);
        assert_eq!(
            turn.text,
            "Rivers carry water from high ground to the sea. Along the way they shape valleys and"
        );
        assert_eq!(turn.finish_reason.as_deref(), Some("max_tokens"));
        assert_eq!(
            turn.usage,
            Some(Usage {
                input_tokens: Some(38),
                output_tokens: Some(20)
            })
        );
        assert_eq!(turn.model.as_deref(), Some("claude-haiku-4-5-20251001"));
        assert!(turn.ended);
    }

    #[test]
    fn thinking_and_signatures_are_not_text() {
        let turn = read_data(&[
            r#"{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Let me think."}}"#,
            r#"{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"c2ln"}}"#,
            // A `text` member in a delta of another type is not text either.
            r#"{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":" Done.","text":"no"}}"#,
            r#"{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Answer."}}"#,
        ]);
        assert_eq!(turn.text, "Answer.");
        assert_eq!(turn.reasoning, "Let me think. Done.");
        assert_eq!(turn.deltas, 1);
    }

    #[test]
    fn the_event_field_names_the_type() {
        let mut turn = Turn::default();
        let event = Event {
            event_type: "message_stop",
            data: "{}",
            id: "",
            retry: None,
        };
        read(&event, &mut turn);
        assert!(turn.ended);
    }

    #[test]
    fn garbage_is_ignored() {
        let turn = read_data(&[
            "",
            "not json",
            r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"cut"}"#,
            r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":42}}"#,
            r#"{"type":"content_block_start","index":"1","content_block":{"type":"tool_use","id":7,"name":null}}"#,
            // Out of an f64's range: not JSON as serde_json reads it.
            r#"{"type":"content_block_delta","index":1e400,"delta":{"type":"text_delta","text":"big"}}"#,
            r#"{"type":"message_delta","delta":{"stop_reason":["x"]},"usage":{"output_tokens":99999999999999999999999}}"#,
            r#"{"type":"message_stop"} trailing"#,
            r#"{"type":42}"#,
        ]);
        assert_eq!(turn.text, "");
        assert_eq!(turn.finish_reason, None);
        assert_eq!(turn.usage, None);
        assert!(!turn.ended);
        assert_eq!(turn.error, None);
        // The start with an unreadable index still opens a (nameless) call.
        assert_eq!(turn.tool_calls.len(), 1);
        assert_eq!(turn.tool_calls[0].slot, 0);
        assert_eq!(turn.tool_calls[0].name, "");
        assert_eq!(turn.tool_calls[0].id, None);
    }
}
