//! Gemini `streamGenerateContent?alt=sse` chunks. Every chunk is a whole
//! `GenerateContentResponse`: the text is in the parts of the first
//! candidate, and usage is cumulative. There is no end marker: the stream
//! completes at EOF after a chunk with a `finishReason`. A whole
//! (`generateContent`) response is one such chunk, and
//! `streamGenerateContent` without `alt=sse` sends a JSON array of them.

use super::json_path::{elements, fields, string_value, Step};
use super::turn::{gather, is_first};
use super::Turn;
use crate::sse::Event;

const CANDIDATE: [Step<'static>; 2] = [Step::Key("candidates"), Step::Index(0)];
const PARTS: [Step<'static>; 4] = [
    CANDIDATE[0],
    CANDIDATE[1],
    Step::Key("content"),
    Step::Key("parts"),
];
const FINISH_REASON: [Step<'static>; 3] = [CANDIDATE[0], CANDIDATE[1], Step::Key("finishReason")];
const INDEX: [Step<'static>; 3] = [CANDIDATE[0], CANDIDATE[1], Step::Key("index")];

const fn in_usage(key: &'static str) -> [Step<'static>; 2] {
    [Step::Key("usageMetadata"), Step::Key(key)]
}

const fn in_call(key: &'static str) -> [Step<'static>; 2] {
    [Step::Key("functionCall"), Step::Key(key)]
}

fields! {
    /// Everything an event can carry, looked up in one pass.
    struct EventFields {
        index: INDEX,
        parts: PARTS,
        finish: FINISH_REASON,
        input: in_usage("promptTokenCount"),
        output: in_usage("candidatesTokenCount"),
        model: [Step::Key("modelVersion")],
        id: [Step::Key("responseId")],
        blocked: [Step::Key("promptFeedback"), Step::Key("blockReason")],
        error: [Step::Key("error")],
    }
}

pub fn read(event: &Event<'_>, turn: &mut Turn) {
    read_chunk(event.data, turn);
}

/// One `GenerateContentResponse`, streamed or whole.
fn read_chunk(data: &str, turn: &mut Turn) {
    let Some(EventFields {
        index,
        parts,
        finish,
        input,
        output,
        model,
        id,
        blocked,
        error,
    }) = EventFields::find(data)
    else {
        return;
    };
    // With `candidateCount` > 1 the others may come first; only the first
    // one is the answer.
    if is_first(index) {
        // The text parts of a chunk are one delta, appended in place (the
        // text is taken out of the turn, which `read_part` also needs).
        let mut answer = std::mem::take(&mut turn.text);
        let before = answer.len();
        for part in parts.map(elements).unwrap_or_default() {
            read_part(part, &mut answer, turn);
        }
        turn.text = answer;
        turn.count_text(before);
        if finish
            .and_then(string_value)
            .is_some_and(|reason| !reason.is_empty())
        {
            turn.set_finish_reason(finish);
            // No marker follows: the end of the stream after this is the end.
            turn.complete_at_end = true;
        }
    }
    // Cumulative on every chunk, so each one replaces the last.
    turn.set_usage(input, output);
    turn.fail_with(error);
    // A blocked prompt comes with HTTP 200 and no message text, only a reason.
    if let Some(reason) = blocked.and_then(string_value) {
        turn.fail(format!("prompt blocked: {reason}"));
    }
    turn.set_model_once(model);
    turn.set_id_once(id);
}

fields! {
    /// One part, looked up in one pass.
    struct Part {
        text: [Step::Key("text")],
        thought: [Step::Key("thought")],
        call: [Step::Key("functionCall")],
        id: in_call("id"),
        name: in_call("name"),
        args: in_call("args"),
    }
}

/// One part: `{text, thought?}` or `{functionCall: {id?, name, args}}`;
/// its answer text goes to `answer`.
fn read_part(part: &str, answer: &mut String, turn: &mut Turn) {
    let Some(Part {
        text,
        thought,
        call,
        id,
        name,
        args,
    }) = Part::find(part)
    else {
        return;
    };
    // Thought summaries (`includeThoughts`) are text parts marked `thought`.
    if thought == Some("true") {
        turn.push_reasoning(text);
    } else {
        gather(text, answer);
    }
    // Gemini sends each call whole, in one part.
    if call.is_some_and(|raw| raw.starts_with('{')) {
        turn.push_tool_call(id, name, args);
    }
}

fields! {
    /// The members that make an object a `GenerateContentResponse`.
    struct Shape {
        candidates: [Step::Key("candidates")],
        prompt_feedback: [Step::Key("promptFeedback")],
    }
}

fn has_shape(chunk: &str) -> bool {
    Shape::find(chunk)
        .is_some_and(|shape| shape.candidates.is_some() || shape.prompt_feedback.is_some())
}

/// A whole response, or the array of chunks `streamGenerateContent` sends
/// without `alt=sse`, read one by one as the stream's are (so each chunk
/// is a delta). The array is Gemini's when one of its chunks is; an error
/// element in it is read like the chunks, as an SSE event would be.
pub fn read_document(doc: &str, turn: &mut Turn) -> bool {
    if !doc.trim_start().starts_with('[') {
        if !has_shape(doc) {
            return false;
        }
        read_chunk(doc, turn);
        return true;
    }
    let chunks = elements(doc);
    if !chunks.iter().any(|chunk| has_shape(chunk)) {
        return false;
    }
    for chunk in chunks {
        read_chunk(chunk, turn);
    }
    true
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
    fn text_finish_usage_and_model() {
        let turn = auto("gemini.sse", Dialect::Gemini);
        assert_eq!(turn.text, "Bonjour ! Ça va très bien, merci. 🇫🇷");
        assert_eq!(turn.finish_reason.as_deref(), Some("STOP"));
        assert!(turn.complete_at_end);
        assert!(!turn.ended, "Gemini has no end marker");
        assert!(turn.complete(true) && !turn.complete(false));
        assert_eq!(
            turn.usage,
            Some(Usage {
                input_tokens: Some(9),
                output_tokens: Some(15)
            })
        );
        assert_eq!(turn.model.as_deref(), Some("gemini-2.0-flash"));
        assert_eq!(turn.id.as_deref(), Some("kX9rZ8GfJ7mXqtsP5cS3uAo"));
        assert_eq!(turn.error, None);
        assert_eq!(turn.deltas, 3);
    }

    #[test]
    fn thought_parts_are_reasoning() {
        let turn = auto("gemini-thinking.sse", Dialect::Gemini);
        assert_eq!(
            turn.text,
            "17 times 3 is 51. First, 10 times 3 is 30, and 7 times 3 is 21. Then 30 + 21 = 51."
        );
        assert_eq!(
            turn.reasoning,
            "**Working out the product**\n\nThe user wants 17 times 3. I will split 17 into 10 and 7.**Checking the sum**\n\n30 plus 21 is 51, so the answer is 51."
        );
        assert_eq!(turn.finish_reason.as_deref(), Some("STOP"));
        assert!(turn.complete_at_end);
        assert_eq!(
            turn.usage,
            Some(Usage {
                input_tokens: Some(11),
                output_tokens: Some(33)
            })
        );
        assert_eq!(turn.model.as_deref(), Some("gemini-2.5-flash"));
    }

    #[test]
    fn a_blocked_prompt_fails() {
        let turn = auto("gemini-blocked.sse", Dialect::Gemini);
        assert_eq!(turn.error.as_deref(), Some("prompt blocked: SAFETY"));
        assert_eq!(turn.text, "");
        assert_eq!(turn.finish_reason, None);
        assert!(!turn.complete_at_end);
        assert_eq!(
            turn.usage,
            Some(Usage {
                input_tokens: Some(17),
                output_tokens: None
            })
        );
        assert_eq!(turn.model.as_deref(), Some("gemini-2.0-flash"));
    }

    #[test]
    fn function_calls_arrive_whole() {
        let turn = read_all(&[
            r#"{"candidates":[{"content":{"parts":[{"text":"Checking."},{"functionCall":{"name":"get_weather","args":{"city":"Paris"}}},{"functionCall":{"id":"call-2","name":"get_time","args":{}}}],"role":"model"},"finishReason":"STOP"}]}"#,
        ]);
        assert_eq!(turn.text, "Checking.");
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
                (Some("call-2"), "get_time", "{}")
            ]
        );
        assert_eq!(turn.finish_reason.as_deref(), Some("STOP"));
    }

    #[test]
    fn an_error_member_fails() {
        let turn = read_all(&[
            r#"{"error":{"code":429,"message":"Resource has been exhausted","status":"RESOURCE_EXHAUSTED"}}"#,
        ]);
        assert_eq!(turn.error.as_deref(), Some("Resource has been exhausted"));
        assert!(!turn.complete_at_end);
    }

    #[test]
    fn bad_input_is_ignored() {
        let turn = read_all(&[
            "not json",
            r#"{"candidates":[{"content":{"parts":[{"text":"cut"#,
            r#"{"candidates":{"content":"x"},"usageMetadata":{"promptTokenCount":"9","candidatesTokenCount":99999999999999999999999},"modelVersion":7,"responseId":null,"promptFeedback":{"blockReason":1}}"#,
            r#"{"candidates":[{"content":{"parts":[{"text":5},{"functionCall":"f"},"x",null]},"finishReason":false}]}"#,
            r#"{"candidates":[{"content":{"parts":{"text":"not an array"}},"finishReason":""}]}"#,
        ]);
        assert_eq!(turn.text, "");
        assert_eq!(turn.reasoning, "");
        assert!(turn.tool_calls.is_empty());
        assert_eq!(turn.finish_reason, None);
        assert!(!turn.complete_at_end);
        assert_eq!(turn.usage, None);
        assert_eq!(turn.model, None);
        assert_eq!(turn.id, None);
        assert_eq!(turn.error, None);
    }
}
