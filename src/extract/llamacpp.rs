//! llama.cpp server native `/completion` events: `content` is the text, and
//! the last event has `"stop": true` with the totals; there is no `[DONE]`.
//! (Its `/v1/chat/completions` is OpenAI Chat instead.) A whole
//! (non-streaming) response is that last event with the whole `content`.

use std::time::Instant;

use serde::Serialize;
use serde_json::Value;

use super::json_path::{fields, Step};
use super::wire::{self, Answer, Ask, Finish, Prompt, Speak};
use super::Turn;
use crate::sse::Event;

const fn in_timings(key: &'static str) -> [Step<'static>; 2] {
    [Step::Key("timings"), Step::Key(key)]
}

fields! {
    /// Everything an event can carry, looked up in one pass.
    struct EventFields {
        content: [Step::Key("content")],
        stop: [Step::Key("stop")],
        stop_type: [Step::Key("stop_type")],
        evaluated: [Step::Key("tokens_evaluated")],
        predicted: [Step::Key("tokens_predicted")],
        prompt_n: in_timings("prompt_n"),
        predicted_n: in_timings("predicted_n"),
        model: [Step::Key("model")],
        error: [Step::Key("error")],
    }
}

pub fn read(event: &Event<'_>, turn: &mut Turn) {
    read_data(event.data, turn);
}

/// A whole response: of this dialect when it has `content` and `stop`. It
/// reads as the last event of a stream does.
pub fn read_document(doc: &str, turn: &mut Turn) -> bool {
    let has_shape = EventFields::find(doc)
        .is_some_and(|fields| fields.content.is_some() && fields.stop.is_some());
    if has_shape {
        read_data(doc, turn);
    }
    has_shape
}

/// One event's data, streamed or whole.
fn read_data(data: &str, turn: &mut Turn) {
    let Some(EventFields {
        content,
        stop,
        stop_type,
        evaluated,
        predicted,
        prompt_n,
        predicted_n,
        model,
        error,
    }) = EventFields::find_like(data, &mut turn.template)
    else {
        return;
    };
    turn.push_text(content);
    // Counts are running totals on every event; the last one wins.
    turn.set_usage(evaluated.or(prompt_n), predicted.or(predicted_n));
    if stop == Some("true") {
        turn.ended = true;
        // `eos`, `limit` or `word`; it only means something once stopped.
        turn.set_finish_reason(stop_type);
    }
    // `id_slot` is the server slot that ran the request, not a response id.
    turn.set_model(model);
    turn.fail_with(error);
}

// ---------------------------------------------------------------------
// Writing: what `ssecat serve` answers at `/completion`, as llama.cpp's
// `tools/server` writes its results (`to_json_non_oaicompat`, keys in that
// order): `data: ` events when streamed, with no `[DONE]` after them.
// ---------------------------------------------------------------------

/// The streaming request a prompt makes.
pub fn request(prompt: &Prompt) -> Value {
    wire::members([
        ("model", prompt.model.clone().map(Value::from)),
        ("prompt", Some(prompt.text.clone().into())),
        ("n_predict", prompt.max_tokens.map(Value::from)),
        ("temperature", prompt.temperature.map(Value::from)),
        ("stream", Some(true.into())),
    ])
}

/// What a request asks: `n_predict` caps the answer (-1, no cap); it is
/// streamed only with `"stream": true`. `prompt` is a string, or an array
/// of strings and token ids (each id one token).
pub fn ask(body: &[u8]) -> Result<Ask, String> {
    let request = wire::request_object(body)?;
    Ok(Ask {
        model: request
            .get("model")
            .and_then(Value::as_str)
            .map(str::to_owned),
        max_tokens: request.get("n_predict").and_then(Value::as_u64),
        stream: request.get("stream").and_then(Value::as_bool) == Some(true),
        input_tokens: request.get("prompt").map_or(0, prompt_tokens),
        ..Ask::default()
    })
}

fn prompt_tokens(prompt: &Value) -> u64 {
    match prompt {
        Value::String(text) => wire::count_tokens(text),
        Value::Number(_) => 1,
        Value::Array(parts) => parts.iter().map(prompt_tokens).sum(),
        _ => 0,
    }
}

/// Writes a streamed answer as llama.cpp does: an event per chunk with the
/// running `tokens_predicted` (llama.cpp sends one per token; a chunk of
/// several tokens is one event here, as when it holds back a token that
/// ends inside a UTF-8 character), then the final event with `"stop": true`,
/// no content, and the totals. The timings are measured: the prompt's from
/// the speaker's making to the first chunk, the prediction's from there to
/// `close`.
pub struct LlamaCppSpeaker {
    model: String,
    n_predict: Option<u64>,
    input_tokens: u64,
    predicted: u64,
    has_new_line: bool,
    made: Instant,
    first_chunk: Option<Instant>,
}

pub fn speaker(ask: &Ask, answer: Answer) -> LlamaCppSpeaker {
    LlamaCppSpeaker {
        model: answer.model,
        n_predict: ask.max_tokens,
        input_tokens: answer.input_tokens,
        predicted: 0,
        has_new_line: false,
        made: Instant::now(),
        first_chunk: None,
    }
}

impl Speak for LlamaCppSpeaker {
    fn content_type(&self) -> &'static str {
        "text/event-stream"
    }

    fn open(&mut self, _out: &mut Vec<u8>) {}

    fn delta(&mut self, text: &str, tokens: u64, out: &mut Vec<u8>) {
        self.first_chunk.get_or_insert_with(Instant::now);
        self.predicted = self.predicted.saturating_add(tokens);
        self.has_new_line |= text.contains('\n');
        let partial = Partial {
            index: 0,
            content: text,
            tokens: [],
            stop: false,
            id_slot: 0,
            tokens_predicted: self.predicted,
            tokens_evaluated: self.input_tokens,
        };
        wire::write_event(out, None, &partial);
    }

    fn close(&mut self, finish: Finish, out: &mut Vec<u8>) {
        let now = Instant::now();
        let first_chunk = self.first_chunk.unwrap_or(now);
        let millis =
            |from: Instant, to: Instant| to.saturating_duration_since(from).as_secs_f64() * 1000.0;
        let end = End {
            model: &self.model,
            n_predict: self.n_predict,
            stream: true,
            input_tokens: self.input_tokens,
            output_tokens: self.predicted,
            has_new_line: self.has_new_line,
            finish,
            prompt_ms: millis(self.made, first_chunk),
            predicted_ms: millis(first_chunk, now),
        };
        // The text was all in the chunks: the last event has none.
        wire::write_event(out, None, &end.completion(""));
    }

    fn fail(&mut self, message: &str, out: &mut Vec<u8>) {
        wire::write_event(out, None, &ErrorResponse::new(500, message));
    }
}

/// The answer without `stream`: the final result with the whole text. It
/// was not timed as it was written, so its timings are nominal: 1 ms per
/// prompt token, 20 ms per output token.
pub fn whole(
    ask: &Ask,
    answer: &Answer,
    text: &str,
    output_tokens: u64,
    finish: Finish,
) -> Vec<u8> {
    let end = End {
        model: &answer.model,
        n_predict: ask.max_tokens,
        stream: false,
        input_tokens: answer.input_tokens,
        output_tokens,
        has_new_line: text.contains('\n'),
        finish,
        prompt_ms: answer.input_tokens as f64,
        predicted_ms: output_tokens as f64 * 20.0,
    };
    let mut out = Vec::new();
    wire::write_json(&mut out, &end.completion(text));
    out
}

/// llama.cpp's error body: `{"error":{"code","message","type"}}`, the type
/// by status as its `format_error_response` gives them.
pub fn error_body(status: u16, message: &str) -> Vec<u8> {
    let mut out = Vec::new();
    wire::write_json(&mut out, &ErrorResponse::new(status, message));
    out
}

/// What the final result says, streamed or whole.
struct End<'a> {
    model: &'a str,
    n_predict: Option<u64>,
    stream: bool,
    input_tokens: u64,
    output_tokens: u64,
    has_new_line: bool,
    finish: Finish,
    prompt_ms: f64,
    predicted_ms: f64,
}

impl<'a> End<'a> {
    fn completion(&self, content: &'a str) -> Completion<'a> {
        Completion {
            index: 0,
            content,
            tokens: [],
            id_slot: 0,
            stop: true,
            model: self.model,
            tokens_predicted: self.output_tokens,
            tokens_evaluated: self.input_tokens,
            generation_settings: GenerationSettings {
                n_predict: self
                    .n_predict
                    .map_or(-1, |n| i64::try_from(n).unwrap_or(i64::MAX)),
                seed: u32::MAX,
                temperature: 0.8,
                top_k: 40,
                top_p: 0.95,
                min_p: 0.05,
                stream: self.stream,
            },
            // The prompt as the chat template made it; not known here.
            prompt: "",
            has_new_line: self.has_new_line,
            truncated: false,
            stop_type: match self.finish {
                Finish::Stop => "eos",
                Finish::Length => "limit",
            },
            stopping_word: "",
            tokens_cached: self.input_tokens.saturating_add(self.output_tokens),
            timings: Timings::new(
                self.input_tokens,
                self.prompt_ms,
                self.output_tokens,
                self.predicted_ms,
            ),
        }
    }
}

#[derive(Serialize)]
struct Partial<'a> {
    index: u32,
    content: &'a str,
    tokens: [u32; 0],
    stop: bool,
    id_slot: u32,
    tokens_predicted: u64,
    tokens_evaluated: u64,
}

#[derive(Serialize)]
struct Completion<'a> {
    index: u32,
    content: &'a str,
    tokens: [u32; 0],
    id_slot: u32,
    stop: bool,
    model: &'a str,
    tokens_predicted: u64,
    tokens_evaluated: u64,
    generation_settings: GenerationSettings,
    prompt: &'a str,
    has_new_line: bool,
    truncated: bool,
    stop_type: &'static str,
    stopping_word: &'static str,
    tokens_cached: u64,
    timings: Timings,
}

/// The sampling settings, llama-server's defaults: a few of the many it
/// lists.
#[derive(Serialize)]
struct GenerationSettings {
    n_predict: i64,
    seed: u32,
    temperature: f64,
    top_k: u32,
    top_p: f64,
    min_p: f64,
    stream: bool,
}

#[derive(Serialize)]
struct Timings {
    cache_n: u64,
    prompt_n: u64,
    prompt_ms: f64,
    prompt_per_token_ms: f64,
    prompt_per_second: f64,
    predicted_n: u64,
    predicted_ms: f64,
    predicted_per_token_ms: f64,
    predicted_per_second: f64,
}

impl Timings {
    fn new(prompt_n: u64, prompt_ms: f64, predicted_n: u64, predicted_ms: f64) -> Timings {
        // A rate over nothing is 0 here, where llama.cpp's division would
        // give infinity (written as `null`).
        let per = |numerator: f64, denominator: f64| {
            if denominator > 0.0 {
                numerator / denominator
            } else {
                0.0
            }
        };
        Timings {
            cache_n: 0,
            prompt_n,
            prompt_ms,
            prompt_per_token_ms: per(prompt_ms, prompt_n as f64),
            prompt_per_second: per(1000.0 * prompt_n as f64, prompt_ms),
            predicted_n,
            predicted_ms,
            predicted_per_token_ms: per(predicted_ms, predicted_n as f64),
            predicted_per_second: per(1000.0 * predicted_n as f64, predicted_ms),
        }
    }
}

#[derive(Serialize)]
struct ErrorResponse<'a> {
    error: ErrorDetail<'a>,
}

#[derive(Serialize)]
struct ErrorDetail<'a> {
    code: u16,
    message: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
}

impl<'a> ErrorResponse<'a> {
    fn new(code: u16, message: &'a str) -> ErrorResponse<'a> {
        let kind = match code {
            400 => "invalid_request_error",
            401 => "authentication_error",
            403 => "permission_error",
            404 => "not_found_error",
            501 => "not_supported_error",
            503 => "unavailable_error",
            _ => "server_error",
        };
        ErrorResponse {
            error: ErrorDetail {
                code,
                message,
                kind,
            },
        }
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
    fn content_until_stop() {
        let turn = auto("llamacpp-completion.sse", Dialect::LlamaCpp);
        assert_eq!(turn.text, "Paris is the capital of France.");
        assert!(turn.ended);
        assert_eq!(turn.finish_reason.as_deref(), Some("eos"));
        assert_eq!(
            turn.usage,
            Some(Usage {
                input_tokens: Some(24),
                output_tokens: Some(8)
            })
        );
        assert_eq!(
            turn.model.as_deref(),
            Some("qwen2.5-1.5b-instruct-q4_k_m.gguf")
        );
        assert_eq!(turn.id, None);
        assert_eq!(turn.error, None);
    }

    #[test]
    fn usage_falls_back_to_timings() {
        let turn = read_all(&[
            r#"{"content":"Hi","stop":false}"#,
            r#"{"content":"","stop":true,"stop_type":"limit","timings":{"prompt_n":5,"predicted_n":2,"prompt_ms":1.5}}"#,
        ]);
        assert_eq!(turn.text, "Hi");
        assert!(turn.ended);
        assert_eq!(turn.finish_reason.as_deref(), Some("limit"));
        assert_eq!(
            turn.usage,
            Some(Usage {
                input_tokens: Some(5),
                output_tokens: Some(2)
            })
        );
    }

    #[test]
    fn an_error_member_fails() {
        let turn = read_all(&[
            r#"{"content":"Part","stop":false}"#,
            r#"{"error":{"code":500,"message":"slot unavailable","type":"server_error"}}"#,
        ]);
        assert_eq!(turn.text, "Part");
        assert_eq!(turn.error.as_deref(), Some("slot unavailable"));
        assert!(!turn.ended);
    }

    #[test]
    fn bad_input_is_ignored() {
        let turn = read_all(&[
            "not json",
            r#"{"content":"cut","stop":tru"#,
            r#"{"content":42,"stop":"true","stop_type":"eos","tokens_evaluated":"24","tokens_predicted":-3,"model":[]}"#,
            r#"{"content":{"text":"x"},"stop":1,"timings":{"prompt_n":1.5,"predicted_n":99999999999999999999999},"error":null}"#,
        ]);
        assert_eq!(turn.text, "");
        assert!(!turn.ended);
        assert_eq!(turn.finish_reason, None);
        assert_eq!(turn.usage, None);
        assert_eq!(turn.model, None);
        assert_eq!(turn.error, None);
    }
}
