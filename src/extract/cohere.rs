//! Cohere v2 chat streams: named events (the name is also the JSON `type`).
//! The answer is `delta.message.content.text` of `content-delta`; the stream
//! ends at `message-end`, which carries the finish reason and usage. A
//! whole (non-streaming) response has the `message` and the `finish_reason`
//! and `usage` that `message-end` carries at its top level.
//!
//! Below the reading, the writing: what `ssecat serve` answers in this
//! format, streamed ([`Speaker`]) or whole.

use serde_json::{json, Value};

use super::json_path::{elements, fields, string_value, Step};
use super::turn::{gather, slot};
use super::wire::{self, Answer, Ask, Finish, Prompt, Speak};
use super::{event_kind, Turn};
use crate::sse::Event;

const DELTA: Step<'static> = Step::Key("delta");
const MESSAGE: Step<'static> = Step::Key("message");
const USAGE: Step<'static> = Step::Key("usage");

fields! {
    /// Everything an event can carry, looked up in one pass.
    struct EventFields {
        kind: [Step::Key("type")],
        id: [Step::Key("id")],
        index: [Step::Key("index")],
        text: [DELTA, MESSAGE, Step::Key("content"), Step::Key("text")],
        thinking: [DELTA, MESSAGE, Step::Key("content"), Step::Key("thinking")],
        tool_plan: [DELTA, MESSAGE, Step::Key("tool_plan")],
        /// In a stream `tool_calls` is one call, not an array.
        call_id: [DELTA, MESSAGE, Step::Key("tool_calls"), Step::Key("id")],
        name: [
            DELTA,
            MESSAGE,
            Step::Key("tool_calls"),
            Step::Key("function"),
            Step::Key("name"),
        ],
        arguments: [
            DELTA,
            MESSAGE,
            Step::Key("tool_calls"),
            Step::Key("function"),
            Step::Key("arguments"),
        ],
        finish: [DELTA, Step::Key("finish_reason")],
        billed_input: [
            DELTA,
            USAGE,
            Step::Key("billed_units"),
            Step::Key("input_tokens"),
        ],
        billed_output: [
            DELTA,
            USAGE,
            Step::Key("billed_units"),
            Step::Key("output_tokens"),
        ],
        input: [DELTA, USAGE, Step::Key("tokens"), Step::Key("input_tokens")],
        output: [
            DELTA,
            USAGE,
            Step::Key("tokens"),
            Step::Key("output_tokens"),
        ],
        end_error: [DELTA, Step::Key("error")],
        error: [Step::Key("error")],
    }
}

pub fn read(event: &Event<'_>, turn: &mut Turn) {
    let Some(EventFields {
        kind,
        id,
        index,
        text,
        thinking,
        tool_plan,
        call_id,
        name,
        arguments,
        finish,
        billed_input,
        billed_output,
        input,
        output,
        end_error,
        error,
    }) = EventFields::find_like(event.data, &mut turn.template)
    else {
        return;
    };
    match event_kind(event, kind).as_deref() {
        Some("message-start") => turn.set_id(id),
        Some("content-delta") => {
            turn.push_text(text);
            turn.push_reasoning(thinking);
        }
        // The plan the model states before calling tools is not the answer.
        Some("tool-plan-delta") => turn.push_reasoning(tool_plan),
        Some("tool-call-start" | "tool-call-delta") => {
            turn.tool_call(slot(index)).set(call_id, name, arguments);
        }
        Some("message-end") => {
            turn.ended = true;
            read_end(
                [
                    finish,
                    billed_input,
                    billed_output,
                    input,
                    output,
                    end_error,
                ],
                turn,
            );
        }
        _ => {}
    }
    turn.fail_with(error);
}

/// The finish reason, usage and error of the whole answer.
fn read_end(
    [finish, billed_input, billed_output, input, output, error]: [Option<&str>; 6],
    turn: &mut Turn,
) {
    turn.set_finish_reason(finish);
    // `billed_units` is what was billed; `tokens` also counts what Cohere
    // adds, such as its prompt template, so it is the fallback.
    turn.set_usage(billed_input.or(input), billed_output.or(output));
    // Only a non-empty string: an empty one is no error.
    if let Some(message) = error.and_then(string_value) {
        if !message.is_empty() {
            turn.fail(message.into_owned());
        }
    }
}

const fn in_usage(group: &'static str, key: &'static str) -> [Step<'static>; 3] {
    [USAGE, Step::Key(group), Step::Key(key)]
}

fields! {
    /// A whole response, looked up in one pass.
    struct DocumentFields {
        id: [Step::Key("id")],
        message: [MESSAGE],
        content: [MESSAGE, Step::Key("content")],
        tool_plan: [MESSAGE, Step::Key("tool_plan")],
        tool_calls: [MESSAGE, Step::Key("tool_calls")],
        finish: [Step::Key("finish_reason")],
        billed_input: in_usage("billed_units", "input_tokens"),
        billed_output: in_usage("billed_units", "output_tokens"),
        input: in_usage("tokens", "input_tokens"),
        output: in_usage("tokens", "output_tokens"),
        choices: [Step::Key("choices")],
    }
}

fields! {
    /// A content item or a tool call of a whole message, looked up in one pass.
    struct Item {
        kind: [Step::Key("type")],
        text: [Step::Key("text")],
        thinking: [Step::Key("thinking")],
        call_id: [Step::Key("id")],
        name: [Step::Key("function"), Step::Key("name")],
        arguments: [Step::Key("function"), Step::Key("arguments")],
    }
}

/// A whole response: `{id, message: {content, tool_plan?, tool_calls?},
/// finish_reason, usage}`. It is of this dialect when it has a `message`
/// object and a `finish_reason` and no `choices` (which OpenAI's has).
pub fn read_document(doc: &str, turn: &mut Turn) -> bool {
    let Some(DocumentFields {
        id,
        message,
        content,
        tool_plan,
        tool_calls,
        finish,
        billed_input,
        billed_output,
        input,
        output,
        choices,
    }) = DocumentFields::find(doc)
    else {
        return false;
    };
    if !message.is_some_and(|raw| raw.starts_with('{')) || finish.is_none() || choices.is_some() {
        return false;
    }
    let mut answer = String::new();
    for item in content.map(elements).unwrap_or_default() {
        if let Some(Item {
            kind,
            text,
            thinking,
            ..
        }) = Item::find(item)
        {
            match kind.and_then(string_value).as_deref() {
                Some("text") => gather(text, &mut answer),
                Some("thinking") => turn.push_reasoning(thinking),
                _ => {}
            }
        }
    }
    turn.push_text_str(&answer);
    // The plan the model states before calling tools is not the answer.
    turn.push_reasoning(tool_plan);
    for call in tool_calls.map(elements).unwrap_or_default() {
        if let Some(Item {
            call_id,
            name,
            arguments,
            ..
        }) = Item::find(call)
        {
            turn.push_tool_call(call_id, name, arguments);
        }
    }
    read_end(
        [finish, billed_input, billed_output, input, output, None],
        turn,
    );
    turn.set_id(id);
    true
}

// Writing: what `ssecat serve` answers at `/v2/chat`.

/// The streaming request a prompt makes.
pub fn request(prompt: &Prompt) -> Value {
    wire::members([
        ("model", prompt.model.clone().map(Value::from)),
        ("messages", Some(wire::chat_messages(prompt))),
        ("max_tokens", prompt.max_tokens.map(Value::from)),
        ("temperature", prompt.temperature.map(Value::from)),
        ("stream", Some(true.into())),
    ])
}

/// What a chat request asks; its prompt is the text of every message, the
/// system's included.
pub fn ask(_path_and_query: &str, body: &[u8]) -> Result<Ask, String> {
    let body = wire::request_object(body)?;
    let mut texts = Vec::new();
    wire::message_texts(&body, &mut texts);
    Ok(wire::chat_ask(&body, &texts))
}

/// Writes the events of a message with one text content item.
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
        let message = json!({
            "role": "assistant",
            "content": [],
            "tool_plan": "",
            "tool_calls": [],
            "citations": [],
        });
        let start = json!({"id": self.answer.id, "delta": {"message": message}});
        wire::typed_event("message-start", start, out);
        let content = json!({"type": "text", "text": ""});
        let start = json!({"index": 0, "delta": {"message": {"content": content}}});
        wire::typed_event("content-start", start, out);
    }

    fn delta(&mut self, text: &str, tokens: u64, out: &mut Vec<u8>) {
        self.output_tokens += tokens;
        let content = json!({"text": text});
        let delta = json!({"index": 0, "delta": {"message": {"content": content}}});
        wire::typed_event("content-delta", delta, out);
    }

    fn close(&mut self, finish: Finish, out: &mut Vec<u8>) {
        wire::typed_event("content-end", json!({"index": 0}), out);
        let delta = json!({
            "finish_reason": finish_reason(finish),
            "usage": usage(self.answer.input_tokens, self.output_tokens),
        });
        wire::typed_event("message-end", json!({"delta": delta}), out);
    }

    /// Cohere ends a failed stream with `message-end`, its finish reason
    /// `ERROR` and the message in `delta.error`.
    fn fail(&mut self, message: &str, out: &mut Vec<u8>) {
        let delta = json!({"finish_reason": "ERROR", "error": message});
        wire::typed_event("message-end", json!({"delta": delta}), out);
    }
}

fn finish_reason(finish: Finish) -> &'static str {
    match finish {
        Finish::Stop => "COMPLETE",
        Finish::Length => "MAX_TOKENS",
    }
}

/// What was billed and what was counted: the same here, as no prompt
/// template is added.
fn usage(input_tokens: u64, output_tokens: u64) -> Value {
    let tokens = json!({"input_tokens": input_tokens, "output_tokens": output_tokens});
    json!({"billed_units": tokens, "tokens": tokens})
}

/// The response a request without `"stream": true` gets.
pub fn whole(
    _ask: &Ask,
    answer: &Answer,
    text: &str,
    output_tokens: u64,
    finish: Finish,
) -> Vec<u8> {
    wire::json_body(&json!({
        "id": answer.id,
        "message": {
            "role": "assistant",
            "content": [{"type": "text", "text": text}],
        },
        "finish_reason": finish_reason(finish),
        "usage": usage(answer.input_tokens, output_tokens),
    }))
}

/// Cohere's error document: only the message (the status tells the rest).
pub fn error_body(_status: u16, message: &str) -> Vec<u8> {
    wire::json_body(&json!({"message": message}))
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
    fn chat() {
        let turn = auto("cohere-chat.sse", Dialect::Cohere);
        assert_eq!(
            turn.text,
            "Sure!\nRun \"ssecat --help\" to see every option."
        );
        assert_eq!(turn.finish_reason.as_deref(), Some("COMPLETE"));
        assert_eq!(
            turn.usage,
            Some(Usage {
                input_tokens: Some(9),
                output_tokens: Some(12)
            })
        );
        assert_eq!(
            turn.id.as_deref(),
            Some("5c1e2a7f-93d4-4b0e-8f61-2d7a9c3b4e15")
        );
        assert_eq!(turn.model, None);
        assert!(turn.ended);
        assert_eq!(turn.error, None);
        assert_eq!(turn.reasoning, "");
    }

    #[test]
    fn tool_call_pieces_are_joined() {
        let turn = read_data(&[
            r#"{"type":"tool-plan-delta","delta":{"message":{"tool_plan":"I will look it up."}}}"#,
            r#"{"type":"tool-call-start","index":0,"delta":{"message":{"tool_calls":{"id":"get_weather_1","type":"function","function":{"name":"get_weather","arguments":""}}}}}"#,
            r#"{"type":"tool-call-delta","index":0,"delta":{"message":{"tool_calls":{"function":{"arguments":"{\"location\":"}}}}}"#,
            r#"{"type":"tool-call-delta","index":0,"delta":{"message":{"tool_calls":{"function":{"arguments":" \"Paris\"}"}}}}}"#,
            r#"{"type":"tool-call-end","index":0}"#,
            r#"{"type":"message-end","delta":{"finish_reason":"TOOL_CALL","usage":{"tokens":{"input_tokens":30,"output_tokens":8}}}}"#,
        ]);
        assert_eq!(turn.text, "");
        assert_eq!(turn.reasoning, "I will look it up.");
        assert_eq!(turn.tool_calls.len(), 1);
        let call = &turn.tool_calls[0];
        assert_eq!(call.id.as_deref(), Some("get_weather_1"));
        assert_eq!(call.name, "get_weather");
        assert_eq!(call.arguments, r#"{"location": "Paris"}"#);
        assert_eq!(turn.finish_reason.as_deref(), Some("TOOL_CALL"));
        // Without `billed_units`, `tokens` is used.
        assert_eq!(
            turn.usage,
            Some(Usage {
                input_tokens: Some(30),
                output_tokens: Some(8)
            })
        );
        assert!(turn.ended);
    }

    #[test]
    fn thinking_is_reasoning() {
        let turn = read_data(&[
            r#"{"type":"content-delta","index":0,"delta":{"message":{"content":{"thinking":"Hmm."}}}}"#,
            r#"{"type":"content-delta","index":1,"delta":{"message":{"content":{"text":"Yes."}}}}"#,
        ]);
        assert_eq!(turn.reasoning, "Hmm.");
        assert_eq!(turn.text, "Yes.");
    }

    #[test]
    fn errors() {
        let turn = read_data(&[
            r#"{"type":"content-delta","index":0,"delta":{"message":{"content":{"text":"Par"}}}}"#,
            r#"{"type":"message-end","delta":{"finish_reason":"ERROR","error":"internal server error"}}"#,
        ]);
        assert_eq!(turn.text, "Par");
        assert_eq!(turn.finish_reason.as_deref(), Some("ERROR"));
        assert_eq!(turn.error.as_deref(), Some("internal server error"));
        assert!(turn.ended);

        let turn = read_data(&[
            r#"{"type":"message-end","delta":{"finish_reason":"COMPLETE","error":""}}"#,
        ]);
        assert_eq!(turn.error, None, "an empty error is none");

        let turn = read_data(&[r#"{"error":{"message":"invalid api token"}}"#]);
        assert_eq!(turn.error.as_deref(), Some("invalid api token"));
    }

    #[test]
    fn garbage_is_ignored() {
        let turn = read_data(&[
            "",
            "{",
            r#"{"type":"content-delta","delta":{"message":{"content":{"text":"cut"}}}"#,
            r#"{"type":"content-delta","delta":{"message":{"content":{"text":false}}}}"#,
            r#"{"type":"tool-call-delta","index":18446744073709551616,"delta":{"message":{"tool_calls":[]}}}"#,
            r#"{"type":"message-end","delta":{"finish_reason":null,"usage":{"billed_units":{"input_tokens":"9"}},"error":{}}}"#,
        ]);
        assert_eq!(turn.text, "");
        assert_eq!(turn.finish_reason, None);
        assert_eq!(turn.usage, None);
        assert_eq!(turn.error, None);
        assert!(turn.ended);
        // The delta with an index past u64 still names a call, at slot 0.
        assert_eq!(turn.tool_calls.len(), 1);
        assert_eq!(turn.tool_calls[0].slot, 0);
        assert_eq!(turn.tool_calls[0].arguments, "");
    }
}
