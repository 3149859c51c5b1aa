//! Gemini `streamGenerateContent?alt=sse` chunks. Every chunk is a whole
//! `GenerateContentResponse`: the text is in the parts of the first
//! candidate, and usage is cumulative. There is no end marker: the stream
//! completes at EOF after a chunk with a `finishReason`. A whole
//! (`generateContent`) response is one such chunk, and
//! `streamGenerateContent` without `alt=sse` sends a JSON array of them.
//!
//! Below the reading, the writing: what `ssecat serve` answers in this
//! format, streamed ([`Speaker`]) or whole.

use serde_json::{json, Map, Value};

use super::json_path::{elements, fields, string_value, Step};
use super::turn::{gather, is_first};
use super::wire::{self, Answer, Ask, Finish, Prompt, Speak};
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
    }) = EventFields::find_like(data, &mut turn.template)
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

// Writing: what `ssecat serve` answers at
// `/v1beta/models/{model}:streamGenerateContent` and `:generateContent`.

/// The request a prompt makes; the path names the model and whether the
/// answer streams.
pub fn request(prompt: &Prompt) -> Value {
    let system = (prompt.system.as_deref()).map(|text| json!({"parts": [{"text": text}]}));
    let config = wire::optional_members([
        ("maxOutputTokens", prompt.max_tokens.map(Value::from)),
        ("temperature", prompt.temperature.map(Value::from)),
    ]);
    wire::members([
        ("systemInstruction", system),
        (
            "contents",
            Some(json!([{"role": "user", "parts": [{"text": prompt.text}]}])),
        ),
        ("generationConfig", config),
    ])
}

/// What a request asks: the model and whether it streams are in its path
/// (and the query's `alt=sse`); its prompt is the text of the system
/// instruction and of every content's parts. Google takes the body's
/// members in camelCase or in snake_case.
pub fn ask(path_and_query: &str, body: &[u8]) -> Result<Ask, String> {
    let body = wire::request_object(body)?;
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let (model, method) = wire::gemini_method(path).unzip();
    let stream = method == Some("streamGenerateContent");
    let sse = query.split('&').any(|pair| pair == "alt=sse");
    let member = |camel: &str, snake: &str| body.get(camel).or_else(|| body.get(snake));
    let mut texts = Vec::new();
    let system = member("systemInstruction", "system_instruction");
    let contents = body.get("contents").and_then(Value::as_array);
    for content in system.into_iter().chain(contents.into_iter().flatten()) {
        if let Some(parts) = content.get("parts") {
            wire::content_texts(parts, &mut texts);
        }
    }
    let config = member("generationConfig", "generation_config").and_then(Value::as_object);
    let max_tokens = config.and_then(|config: &Map<String, Value>| {
        wire::count(config, "maxOutputTokens").or_else(|| wire::count(config, "max_output_tokens"))
    });
    Ok(Ask {
        model: model.map(str::to_owned),
        max_tokens,
        stream,
        json_array: stream && !sse,
        input_tokens: wire::prompt_tokens(&texts),
        ..Ask::default()
    })
}

/// Writes `GenerateContentResponse` chunks: as SSE, or as the elements of
/// one JSON array when the request did not ask for `alt=sse`.
pub struct Speaker {
    answer: Answer,
    json_array: bool,
    output_tokens: u64,
    /// Chunks written so far: the array's elements after the first are
    /// preceded by a comma.
    chunks: u64,
}

pub fn speaker(ask: &Ask, answer: Answer) -> Speaker {
    Speaker {
        answer,
        json_array: ask.json_array,
        output_tokens: 0,
        chunks: 0,
    }
}

impl Speaker {
    fn send(&mut self, chunk: &Value, out: &mut Vec<u8>) {
        if self.json_array {
            // Google separates the elements so, each on lines of its own.
            if self.chunks > 0 {
                out.extend_from_slice(b"\n,\r\n");
            }
            wire::write_json(out, chunk);
        } else {
            wire::write_event(out, None, chunk);
        }
        self.chunks += 1;
    }

    fn end_array(&self, out: &mut Vec<u8>) {
        if self.json_array {
            out.extend_from_slice(b"\n]");
        }
    }
}

impl Speak for Speaker {
    fn content_type(&self) -> &'static str {
        if self.json_array {
            "application/json"
        } else {
            "text/event-stream"
        }
    }

    fn open(&mut self, out: &mut Vec<u8>) {
        if self.json_array {
            out.push(b'[');
        }
    }

    fn delta(&mut self, text: &str, tokens: u64, out: &mut Vec<u8>) {
        self.output_tokens += tokens;
        let chunk = response(&self.answer, text, None, self.output_tokens);
        self.send(&chunk, out);
    }

    /// The finish reason comes in a last chunk of its own, with empty text,
    /// as Gemini sends it when the text ended in the chunk before.
    fn close(&mut self, finish: Finish, out: &mut Vec<u8>) {
        let chunk = response(&self.answer, "", Some(finish), self.output_tokens);
        self.send(&chunk, out);
        self.end_array(out);
    }

    /// An error document in place of the next chunk, as Google sends one
    /// mid-stream; the google-genai SDK raises it as an API error by its code.
    fn fail(&mut self, message: &str, out: &mut Vec<u8>) {
        self.send(&error_document(500, message), out);
        self.end_array(out);
    }
}

/// A `GenerateContentResponse` carrying `text`, with the usage so far.
fn response(answer: &Answer, text: &str, finish: Option<Finish>, output_tokens: u64) -> Value {
    let mut candidate = json!({
        "content": {"parts": [{"text": text}], "role": "model"},
        "index": 0,
    });
    if let Some(finish) = finish {
        candidate["finishReason"] = match finish {
            Finish::Stop => "STOP",
            Finish::Length => "MAX_TOKENS",
        }
        .into();
    }
    let input_tokens = answer.input_tokens;
    json!({
        "candidates": [candidate],
        "usageMetadata": {
            "promptTokenCount": input_tokens,
            "candidatesTokenCount": output_tokens,
            "totalTokenCount": input_tokens + output_tokens,
            "promptTokensDetails": [{"modality": "TEXT", "tokenCount": input_tokens}],
        },
        "modelVersion": answer.model,
        "responseId": answer.id,
    })
}

/// The response a `generateContent` request gets.
pub fn whole(
    _ask: &Ask,
    answer: &Answer,
    text: &str,
    output_tokens: u64,
    finish: Finish,
) -> Vec<u8> {
    wire::json_body(&response(answer, text, Some(finish), output_tokens))
}

/// Google's error document: the HTTP status, and its gRPC name.
pub fn error_body(status: u16, message: &str) -> Vec<u8> {
    wire::json_body(&error_document(status, message))
}

fn error_document(status: u16, message: &str) -> Value {
    let name = match status {
        400 => "INVALID_ARGUMENT",
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        409 => "ABORTED",
        429 => "RESOURCE_EXHAUSTED",
        499 => "CANCELLED",
        501 => "UNIMPLEMENTED",
        503 => "UNAVAILABLE",
        504 => "DEADLINE_EXCEEDED",
        _ if status >= 500 => "INTERNAL",
        _ => "FAILED_PRECONDITION",
    };
    json!({"error": {"code": status, "message": message, "status": name}})
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
