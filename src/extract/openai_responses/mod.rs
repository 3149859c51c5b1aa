//! OpenAI Responses API streams: named `response.*` events (the name is
//! also the JSON `type`). The answer is the `delta` of
//! `response.output_text.delta`; the stream ends at `response.completed`,
//! `response.incomplete` or `response.failed`, which carry the final
//! `response` object. A whole (non-streaming) response is that object.
//! [`write`] writes them, for `ssecat serve`.

use super::json_path::{elements, fields, string_value, Step};
use super::turn::gather;
use super::{event_kind, record_error, Turn};
use crate::sse::Event;

mod write;
pub use write::{ask, request, speaker, whole};

const RESPONSE: Step<'static> = Step::Key("response");

fields! {
    /// Everything an event can carry, looked up in one pass.
    struct EventFields {
        kind: [Step::Key("type")],
        delta: [Step::Key("delta")],
        id: [RESPONSE, Step::Key("id")],
        model: [RESPONSE, Step::Key("model")],
        status: [RESPONSE, Step::Key("status")],
        incomplete_reason: [
            RESPONSE,
            Step::Key("incomplete_details"),
            Step::Key("reason"),
        ],
        response_error: [RESPONSE, Step::Key("error")],
        input: [RESPONSE, Step::Key("usage"), Step::Key("input_tokens")],
        output: [RESPONSE, Step::Key("usage"), Step::Key("output_tokens")],
        item_type: [Step::Key("item"), Step::Key("type")],
        call_id: [Step::Key("item"), Step::Key("call_id")],
        name: [Step::Key("item"), Step::Key("name")],
        arguments: [Step::Key("item"), Step::Key("arguments")],
        error: [Step::Key("error")],
        message: [Step::Key("message")],
    }
}

pub fn read(event: &Event<'_>, turn: &mut Turn) {
    let Some(EventFields {
        kind,
        delta,
        id,
        model,
        status,
        incomplete_reason,
        response_error,
        input,
        output,
        item_type,
        call_id,
        name,
        arguments,
        error,
        message,
    }) = EventFields::find_like(event.data, &mut turn.template)
    else {
        return;
    };
    let kind = event_kind(event, kind);
    match kind.as_deref() {
        // A refusal takes the place of the answer: printed as the answer
        // is, or the user would see nothing and not know why.
        Some("response.output_text.delta" | "response.refusal.delta") => turn.push_text(delta),
        Some("response.reasoning_summary_text.delta" | "response.reasoning_text.delta") => {
            turn.push_reasoning(delta)
        }
        Some("response.created" | "response.in_progress") => {
            turn.set_id(id);
            turn.set_model(model);
        }
        // Calls are read whole when done, not from their argument deltas.
        Some("response.output_item.done")
            if item_type.and_then(string_value).as_deref() == Some("function_call") =>
        {
            turn.push_tool_call(call_id, name, arguments);
        }
        Some(end @ ("response.completed" | "response.incomplete" | "response.failed")) => {
            turn.ended = true;
            let failed = end == "response.failed";
            read_outcome([id, model, status, incomplete_reason, input, output], turn);
            if failed {
                fail(response_error, turn);
            }
        }
        // The data is the error itself: `{"type":"error","code","message",…}`.
        Some("error") => record_error(turn, event.data, true, error, message),
        _ => {}
    }
}

/// What the final `response` object says of the whole answer.
fn read_outcome(
    [id, model, status, incomplete_reason, input, output]: [Option<&str>; 6],
    turn: &mut Turn,
) {
    turn.set_id(id);
    turn.set_model(model);
    turn.set_usage(input, output);
    // `status` is `completed`, `incomplete` or `failed`; an incomplete
    // response says why, such as `max_output_tokens`.
    turn.set_finish_reason(status);
    turn.set_finish_reason(incomplete_reason);
}

/// A failed response is a failure even when it gives no error.
fn fail(error: Option<&str>, turn: &mut Turn) {
    turn.fail_with(error);
    if turn.error.is_none() {
        turn.fail("the response failed".to_owned());
    }
}

fields! {
    /// A whole response, looked up in one pass.
    struct DocumentFields {
        object: [Step::Key("object")],
        output: [Step::Key("output")],
        id: [Step::Key("id")],
        model: [Step::Key("model")],
        status: [Step::Key("status")],
        incomplete_reason: [Step::Key("incomplete_details"), Step::Key("reason")],
        input: [Step::Key("usage"), Step::Key("input_tokens")],
        output_tokens: [Step::Key("usage"), Step::Key("output_tokens")],
        error: [Step::Key("error")],
    }
}

fields! {
    /// An output item, or a part of its content, looked up in one pass.
    struct Item {
        kind: [Step::Key("type")],
        content: [Step::Key("content")],
        summary: [Step::Key("summary")],
        text: [Step::Key("text")],
        refusal: [Step::Key("refusal")],
        call_id: [Step::Key("call_id")],
        name: [Step::Key("name")],
        arguments: [Step::Key("arguments")],
    }
}

/// A whole response: the object with `"object": "response"` that the last
/// event of a stream carries, read the same way.
pub fn read_document(doc: &str, turn: &mut Turn) -> bool {
    let Some(DocumentFields {
        object,
        output,
        id,
        model,
        status,
        incomplete_reason,
        input,
        output_tokens,
        error,
    }) = DocumentFields::find(doc)
    else {
        return false;
    };
    if object.and_then(string_value).as_deref() != Some("response") {
        return false;
    }
    let mut answer = String::new();
    for item in output.map(elements).unwrap_or_default() {
        read_item(item, &mut answer, turn);
    }
    turn.push_text_str(&answer);
    let outcome = [id, model, status, incomplete_reason, input, output_tokens];
    read_outcome(outcome, turn);
    // `error` is `null` unless the response failed.
    turn.fail_with(error);
    if status.and_then(string_value).as_deref() == Some("failed") {
        fail(error, turn);
    }
    true
}

/// One output item: a message's text goes to `answer`; reasoning and
/// function calls go to the turn, as their events do.
fn read_item(item: &str, answer: &mut String, turn: &mut Turn) {
    let Some(Item {
        kind,
        content,
        summary,
        call_id,
        name,
        arguments,
        ..
    }) = Item::find(item)
    else {
        return;
    };
    fn parts(list: Option<&str>) -> Vec<&str> {
        list.map(elements).unwrap_or_default()
    }
    match kind.and_then(string_value).as_deref() {
        Some("message") => {
            for part in parts(content) {
                if let Some(Item {
                    kind,
                    text,
                    refusal,
                    ..
                }) = Item::find(part)
                {
                    // A refusal takes the place of the answer, as in a stream.
                    match kind.and_then(string_value).as_deref() {
                        Some("output_text") => gather(text, answer),
                        Some("refusal") => gather(refusal, answer),
                        _ => {}
                    }
                }
            }
        }
        // The summary (`summary_text` parts) and, from open models, the
        // full reasoning (`reasoning_text` parts in `content`).
        Some("reasoning") => {
            for part in parts(summary).into_iter().chain(parts(content)) {
                if let Some(Item { text, .. }) = Item::find(part) {
                    turn.push_reasoning(text);
                }
            }
        }
        Some("function_call") => turn.push_tool_call(call_id, name, arguments),
        _ => {}
    }
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
    fn completed_response() {
        let turn = auto("openai-responses.sse", Dialect::OpenAiResponses);
        assert_eq!(turn.text, "Sure! Here's a haiku:\nAn old silent pond");
        assert!(turn.ended);
        assert_eq!(turn.finish_reason.as_deref(), Some("completed"));
        assert_eq!(
            turn.usage,
            Some(Usage {
                input_tokens: Some(19),
                output_tokens: Some(11)
            })
        );
        assert_eq!(turn.model.as_deref(), Some("gpt-4.1-mini-2025-04-14"));
        assert_eq!(
            turn.id.as_deref(),
            Some("resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b")
        );
        assert_eq!(turn.error, None);
        assert!(turn.tool_calls.is_empty());
    }

    #[test]
    fn failed_response() {
        let turn = auto("openai-responses-failed.sse", Dialect::OpenAiResponses);
        assert_eq!(turn.text, "The three primary colours are red,");
        assert_eq!(
            turn.error.as_deref(),
            Some("The model failed to finish the response. Please retry your request.")
        );
        assert!(turn.ended);
        assert_eq!(turn.finish_reason.as_deref(), Some("failed"));
        assert_eq!(turn.usage, None);
    }

    #[test]
    fn a_failed_response_without_an_error_still_fails() {
        let turn = read_data(&[
            r#"{"type":"response.failed","response":{"status":"failed","error":null}}"#,
        ]);
        assert_eq!(turn.error.as_deref(), Some("the response failed"));
        assert!(turn.ended);
    }

    #[test]
    fn error_event() {
        let turn = read_data(&[
            r#"{"type":"response.output_text.delta","delta":"Hel"}"#,
            r#"{"type":"error","code":"ERR_SOMETHING","message":"Something went wrong","param":null,"sequence_number":3}"#,
        ]);
        assert_eq!(turn.text, "Hel");
        assert_eq!(turn.error.as_deref(), Some("Something went wrong"));
        assert!(!turn.ended);
    }

    #[test]
    fn function_call_item() {
        let turn = read_data(&[
            r#"{"type":"response.output_item.added","item":{"type":"function_call","call_id":"call_1","name":"get_weather","arguments":""}}"#,
            r#"{"type":"response.function_call_arguments.delta","delta":"{\"city\""}"#,
            r#"{"type":"response.output_item.done","item":{"id":"fc_1","type":"function_call","status":"completed","call_id":"call_1","name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}"#,
            r#"{"type":"response.output_item.done","item":{"type":"message","content":[]}}"#,
        ]);
        assert_eq!(turn.text, "");
        assert_eq!(turn.tool_calls.len(), 1);
        let call = &turn.tool_calls[0];
        assert_eq!(call.id.as_deref(), Some("call_1"));
        assert_eq!(call.name, "get_weather");
        assert_eq!(call.arguments, r#"{"city":"Paris"}"#);
    }

    #[test]
    fn incomplete_response_says_why() {
        let turn = read_data(&[
            r#"{"type":"response.reasoning_summary_text.delta","delta":"Thinking."}"#,
            r#"{"type":"response.output_text.delta","delta":"Cut"}"#,
            r#"{"type":"response.incomplete","response":{"id":"resp_1","model":"o4-mini","status":"incomplete","incomplete_details":{"reason":"max_output_tokens"},"error":null,"usage":{"input_tokens":5,"output_tokens":16}}}"#,
        ]);
        assert_eq!(turn.text, "Cut");
        assert_eq!(turn.reasoning, "Thinking.");
        assert!(turn.ended);
        assert_eq!(turn.finish_reason.as_deref(), Some("max_output_tokens"));
        assert_eq!(turn.model.as_deref(), Some("o4-mini"));
        assert_eq!(
            turn.usage,
            Some(Usage {
                input_tokens: Some(5),
                output_tokens: Some(16)
            })
        );
        assert_eq!(turn.error, None);
    }

    #[test]
    fn garbage_is_ignored() {
        let turn = read_data(&[
            "",
            "[DONE",
            r#"{"type":"response.output_text.delta","delta":"cut""#,
            r#"{"type":"response.output_text.delta","delta":{"text":"x"}}"#,
            r#"{"type":"response.completed","response":{"status":7,"usage":{"input_tokens":-1,"output_tokens":"1"}}}"#,
            // Out of an f64's range: not JSON as serde_json reads it.
            r#"{"type":"response.output_text.delta","delta":"big","n":1e999}"#,
            r#"{"type":"response.output_item.done","item":{"type":"function_call","call_id":1,"name":[],"arguments":null}}"#,
        ]);
        assert_eq!(turn.text, "");
        // The completed event is valid JSON, with nothing usable but its type.
        assert!(turn.ended);
        assert_eq!(turn.finish_reason, None);
        assert_eq!(turn.usage, None);
        assert_eq!(turn.error, None);
        assert_eq!(turn.tool_calls.len(), 1);
        assert_eq!(turn.tool_calls[0].id, None);
        assert_eq!(turn.tool_calls[0].name, "");
        assert_eq!(turn.tool_calls[0].arguments, "");
    }
}
