//! Ollama native `/api/chat` and `/api/generate`: NDJSON, one object per
//! line. Chat puts its text in `message`, generate at the top level; the
//! last line has `"done": true` with the totals. (Ollama's `/v1` endpoints
//! are OpenAI Chat instead.) A whole (non-streaming) response is that last
//! line with the whole answer in it. `write` writes them, for `ssecat serve`.

mod write;

use super::json_path::{elements, fields, Step};
use super::Turn;
use crate::sse::Event;

pub use write::{ask, error_body, request, speaker, whole, Endpoint};

const fn in_message(key: &'static str) -> [Step<'static>; 2] {
    [Step::Key("message"), Step::Key(key)]
}

fields! {
    /// Everything an event can carry, looked up in one pass.
    struct EventFields {
        chat_text: in_message("content"),
        text: [Step::Key("response")],
        chat_thinking: in_message("thinking"),
        thinking: [Step::Key("thinking")],
        tool_calls: in_message("tool_calls"),
        done: [Step::Key("done")],
        reason: [Step::Key("done_reason")],
        input: [Step::Key("prompt_eval_count")],
        output: [Step::Key("eval_count")],
        model: [Step::Key("model")],
        error: [Step::Key("error")],
    }
}

pub fn read(event: &Event<'_>, turn: &mut Turn) {
    read_line(event.data, turn);
}

/// A whole response: of this dialect when it has `done`, which every line
/// has. It reads as the last line of a stream does.
pub fn read_document(doc: &str, turn: &mut Turn) -> bool {
    let has_done = EventFields::find(doc).is_some_and(|fields| fields.done.is_some());
    if has_done {
        read_line(doc, turn);
    }
    has_done
}

/// One line, streamed or whole.
fn read_line(data: &str, turn: &mut Turn) {
    let Some(EventFields {
        chat_text,
        text,
        chat_thinking,
        thinking,
        tool_calls,
        done,
        reason,
        input,
        output,
        model,
        error,
    }) = EventFields::find_like(data, &mut turn.template)
    else {
        return;
    };
    // Each line has one or the other, by endpoint.
    turn.push_text(chat_text.or(text));
    turn.push_reasoning(chat_thinking.or(thinking));
    if let Some(calls) = tool_calls {
        for call in elements(calls) {
            read_tool_call(call, turn);
        }
    }
    if done == Some("true") {
        turn.ended = true;
    }
    turn.set_finish_reason(reason);
    turn.set_usage(input, output);
    turn.fail_with(error);
    turn.set_model_once(model);
}

fields! {
    /// A tool call, looked up in one pass.
    struct ToolCallFields {
        id: [Step::Key("id")],
        name: [Step::Key("function"), Step::Key("name")],
        arguments: [Step::Key("function"), Step::Key("arguments")],
    }
}

/// A whole call: `{id?, function: {name, arguments: {..}}}`.
fn read_tool_call(call: &str, turn: &mut Turn) {
    let Some(ToolCallFields {
        id,
        name,
        arguments,
    }) = ToolCallFields::find(call)
    else {
        return;
    };
    if name.is_some() || arguments.is_some() {
        turn.push_tool_call(id, name, arguments);
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::auto;
    use super::super::{Dialect, Turn, Usage};
    use super::read;

    fn read_all(data: &[&str]) -> Turn {
        super::super::tests::read_data(read, data)
    }

    #[test]
    fn chat_until_done() {
        let turn = auto("ollama-chat.ndjson", Dialect::Ollama);
        assert_eq!(
            turn.text,
            "The sky looks blue because of Rayleigh scattering."
        );
        assert!(turn.ended);
        assert_eq!(turn.finish_reason.as_deref(), Some("stop"));
        assert_eq!(
            turn.usage,
            Some(Usage {
                input_tokens: Some(31),
                output_tokens: Some(10)
            })
        );
        assert_eq!(turn.model.as_deref(), Some("llama3.2"));
        assert_eq!(turn.error, None);
    }

    #[test]
    fn generate_until_done() {
        let turn = auto("ollama-generate.ndjson", Dialect::Ollama);
        assert_eq!(
            turn.text,
            "Water boils at 100 degrees Celsius at sea level."
        );
        assert!(turn.ended);
        assert_eq!(turn.finish_reason.as_deref(), Some("stop"));
        assert_eq!(
            turn.usage,
            Some(Usage {
                input_tokens: Some(28),
                output_tokens: Some(11)
            })
        );
        assert_eq!(turn.model.as_deref(), Some("llama3.2"));
    }

    #[test]
    fn an_error_line_fails() {
        let turn = auto("ollama-chat-error.ndjson", Dialect::Ollama);
        assert_eq!(turn.text, "Sure, here is");
        assert_eq!(
            turn.error.as_deref(),
            Some("an error was encountered while running the model: CUDA error: out of memory")
        );
        assert!(!turn.ended);
        assert_eq!(turn.finish_reason, None);
        assert_eq!(turn.usage, None);
        assert_eq!(turn.model.as_deref(), Some("llama3.2"));
    }

    #[test]
    fn tool_calls_and_thinking() {
        let turn = read_all(&[
            r#"{"model":"qwen3","message":{"role":"assistant","content":"","thinking":"Need the weather."},"done":false}"#,
            r#"{"model":"qwen3","message":{"role":"assistant","content":"","tool_calls":[{"function":{"name":"get_weather","arguments":{"city":"Paris"}}},{"id":"call_2","function":{"index":1,"name":"get_time","arguments":{}}}]},"done":false}"#,
            r#"{"model":"qwen3","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop"}"#,
        ]);
        assert_eq!(turn.text, "");
        assert_eq!(turn.reasoning, "Need the weather.");
        let calls: Vec<(Option<&str>, &str, &str)> = turn
            .tool_calls
            .iter()
            .map(|call| {
                (
                    call.id.as_deref(),
                    call.name.as_str(),
                    call.arguments.as_str(),
                )
            })
            .collect();
        assert_eq!(
            calls,
            [
                (None, "get_weather", r#"{"city":"Paris"}"#),
                (Some("call_2"), "get_time", "{}")
            ]
        );
        assert!(turn.ended);
        assert_eq!(turn.model.as_deref(), Some("qwen3"));
    }

    #[test]
    fn generate_thinking_is_reasoning() {
        let turn = read_all(&[
            r#"{"response":"","thinking":"Hmm.","done":false}"#,
            r#"{"response":"Yes.","done":false}"#,
        ]);
        assert_eq!(turn.text, "Yes.");
        assert_eq!(turn.reasoning, "Hmm.");
        assert!(!turn.ended);
    }

    #[test]
    fn bad_input_is_ignored() {
        let turn = read_all(&[
            "not json",
            r#"{"response":"cut","done":fal"#,
            r#"{"message":"hi","response":7,"done":"true","done_reason":0,"prompt_eval_count":"28","eval_count":-1,"model":{}}"#,
            r#"{"message":{"content":null,"thinking":[],"tool_calls":{"function":{"name":"f"}}},"done":1,"eval_count":99999999999999999999999,"error":null}"#,
            r#"{"message":{"tool_calls":[1,"x",{"function":"f"},null]}}"#,
        ]);
        assert_eq!(turn.text, "");
        assert_eq!(turn.reasoning, "");
        assert!(turn.tool_calls.is_empty());
        assert!(!turn.ended);
        assert_eq!(turn.finish_reason, None);
        assert_eq!(turn.usage, None);
        assert_eq!(turn.model, None);
        assert_eq!(turn.error, None);
    }
}
