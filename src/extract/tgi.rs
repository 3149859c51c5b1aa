//! Hugging Face TGI `/generate_stream` events: one token per event. The last
//! one carries the whole `generated_text` and the `details`; there is no
//! `[DONE]`. (TGI's `/v1/chat/completions` is OpenAI Chat instead.) A
//! whole `/generate` response is `{generated_text, details}`, or an array
//! of them.

use serde::Serialize;
use serde_json::{json, Value};

use super::json_path::{elements, fields, Step};
use super::wire::{self, Answer, Ask, Finish, Prompt, Speak};
use super::Turn;
use crate::sse::Event;

const fn in_token(key: &'static str) -> [Step<'static>; 2] {
    [Step::Key("token"), Step::Key(key)]
}

const fn in_details(key: &'static str) -> [Step<'static>; 2] {
    [Step::Key("details"), Step::Key(key)]
}

fields! {
    /// Everything an event can carry, looked up in one pass.
    struct EventFields {
        text: in_token("text"),
        special: in_token("special"),
        generated: [Step::Key("generated_text")],
        finish: in_details("finish_reason"),
        /// Newer servers count the prompt here; `prefill` (with
        /// `decoder_input_details`) is a token list, not a count.
        input: in_details("input_length"),
        output: in_details("generated_tokens"),
        error: [Step::Key("error")],
    }
}

pub fn read(event: &Event<'_>, turn: &mut Turn) {
    let Some(EventFields {
        text,
        special,
        generated,
        finish,
        input,
        output,
        error,
    }) = EventFields::find_like(event.data, &mut turn.template)
    else {
        return;
    };
    // Special tokens such as the final `</s>` are not part of the answer.
    if special != Some("true") {
        turn.push_text(text);
    }
    turn.set_finish_reason(finish);
    turn.set_usage(input, output);
    turn.fail_with(error);
    // Only the last event has the generated text (`null` before it).
    if generated.is_some_and(|raw| raw.starts_with('"')) {
        turn.ended = true;
    }
}

/// A whole `/generate` response: `{generated_text, details?}`, or an array
/// of them (TGI's `/` route, the Inference API), whose first is the answer
/// to the one input.
pub fn read_document(doc: &str, turn: &mut Turn) -> bool {
    let answer = match elements(doc).first() {
        Some(first) => *first,
        None => doc,
    };
    let Some(EventFields {
        generated: Some(generated),
        finish,
        input,
        output,
        error,
        ..
    }) = EventFields::find(answer)
    else {
        return false;
    };
    // The whole text, which in a stream only confirms the tokens.
    turn.push_text(Some(generated));
    turn.set_finish_reason(finish);
    turn.set_usage(input, output);
    turn.fail_with(error);
    true
}

// ---------------------------------------------------------------------
// Writing: what `ssecat serve` answers at `/generate_stream` and
// `/generate`, as TGI's router serializes its `StreamResponse` and
// `GenerateResponse` (axum writes `data:` with no space after it).
// ---------------------------------------------------------------------

/// The request a prompt makes (the path says it streams): `details` asked
/// for, so that the last event carries the finish reason and the counts.
pub fn request(prompt: &Prompt) -> Value {
    let parameters = wire::members([
        ("max_new_tokens", prompt.max_tokens.map(Value::from)),
        ("temperature", prompt.temperature.map(Value::from)),
        ("details", Some(true.into())),
    ]);
    json!({"inputs": prompt.text, "parameters": parameters})
}

/// What a request asks: `parameters.max_new_tokens` caps the answer;
/// `/generate_stream` streams, `/generate` does not. The body names no
/// model (a TGI server serves one).
pub fn ask(path_and_query: &str, body: &[u8]) -> Result<Ask, String> {
    let request = wire::request_object(body)?;
    let path = path_and_query
        .split_once('?')
        .map_or(path_and_query, |(path, _)| path);
    let inputs = request
        .get("inputs")
        .and_then(Value::as_str)
        .unwrap_or_default();
    Ok(Ask {
        max_tokens: request
            .get("parameters")
            .and_then(|parameters| parameters.get("max_new_tokens"))
            .and_then(Value::as_u64),
        stream: path.trim_end_matches('/') == "/generate_stream",
        input_tokens: wire::count_tokens(inputs),
        ..Ask::default()
    })
}

/// Writes a streamed answer as TGI does: one event per token, the chunks
/// split into their tokens (`wire::tokens`), so a chunk of K tokens is K
/// events. The last event also carries the whole `generated_text` and the
/// `details`: the token that reaches `max_new_tokens` (`length`), else,
/// at `close`, the special end-of-sequence token `</s>` (`eos_token`),
/// which counts as generated, as in TGI. Nothing is written after it.
///
/// TGI sends `details` only when the request sets `parameters.details`;
/// they are always sent here (clients take `null` or an object), so that
/// the finish reason and token counts are there to read.
pub struct TgiSpeaker {
    max_new_tokens: Option<u64>,
    input_tokens: u64,
    generated_text: String,
    /// Token events sent: the next one's `index` is one more.
    sent: u64,
    ended: bool,
}

pub fn speaker(ask: &Ask, answer: Answer) -> TgiSpeaker {
    TgiSpeaker {
        max_new_tokens: ask.max_tokens,
        input_tokens: answer.input_tokens,
        generated_text: String::new(),
        sent: 0,
        ended: false,
    }
}

impl TgiSpeaker {
    /// Sends the next token; `finish` makes it the last one.
    fn token(&mut self, token: Token<'_>, finish: Option<&'static str>, out: &mut Vec<u8>) {
        self.sent += 1;
        self.ended = finish.is_some();
        let event = StreamEvent {
            index: self.sent,
            token,
            generated_text: finish.map(|_| self.generated_text.as_str()),
            details: finish.map(|finish_reason| StreamDetails {
                finish_reason,
                generated_tokens: self.sent,
                seed: None,
                input_length: self.input_tokens,
            }),
        };
        axum_data(&event, out);
    }
}

impl Speak for TgiSpeaker {
    fn content_type(&self) -> &'static str {
        "text/event-stream"
    }

    fn open(&mut self, _out: &mut Vec<u8>) {}

    fn delta(&mut self, text: &str, _tokens: u64, out: &mut Vec<u8>) {
        for piece in wire::tokens(text) {
            if self.ended {
                return;
            }
            self.generated_text.push_str(piece);
            let at_limit = self.max_new_tokens == Some(self.sent + 1);
            self.token(Token::text(piece), at_limit.then_some("length"), out);
        }
    }

    fn close(&mut self, finish: Finish, out: &mut Vec<u8>) {
        if !self.ended {
            self.token(Token::END_OF_SEQUENCE, Some(finish_reason(finish)), out);
        }
    }

    fn fail(&mut self, message: &str, out: &mut Vec<u8>) {
        if !self.ended {
            self.ended = true;
            axum_data(&error(message, "generation"), out);
        }
    }
}

/// The `/generate` answer, `{generated_text, details}`, whose token lists
/// are empty (TGI fills them only when asked). With `eos_token` the
/// end-of-sequence token counts as generated, as in a stream.
pub fn whole(text: &str, output_tokens: u64, finish: Finish) -> Vec<u8> {
    let generated_tokens = match finish {
        Finish::Stop => output_tokens.saturating_add(1),
        Finish::Length => output_tokens,
    };
    let response = GenerateResponse {
        generated_text: text,
        details: Details {
            finish_reason: finish_reason(finish),
            generated_tokens,
            seed: None,
            prefill: [],
            tokens: [],
        },
    };
    let mut out = Vec::new();
    wire::write_json(&mut out, &response);
    out
}

/// TGI's error body: the message and its kind, by status as TGI's
/// `InferError` maps them.
pub fn error_body(status: u16, message: &str) -> Vec<u8> {
    let error_type = match status {
        429 => "overloaded",
        400 | 422 => "validation",
        _ => "generation",
    };
    let mut out = Vec::new();
    wire::write_json(&mut out, &error(message, error_type));
    out
}

fn finish_reason(finish: Finish) -> &'static str {
    match finish {
        Finish::Stop => "eos_token",
        Finish::Length => "length",
    }
}

/// One SSE event as axum writes it: `data:{…}`, no space.
fn axum_data(value: &impl Serialize, out: &mut Vec<u8>) {
    out.extend_from_slice(b"data:");
    wire::write_json(out, value);
    out.extend_from_slice(b"\n\n");
}

fn error<'a>(message: &'a str, error_type: &'static str) -> ErrorResponse<'a> {
    ErrorResponse {
        error: message,
        error_type,
    }
}

#[derive(Serialize)]
struct StreamEvent<'a> {
    index: u64,
    token: Token<'a>,
    generated_text: Option<&'a str>,
    details: Option<StreamDetails>,
}

#[derive(Serialize)]
struct Token<'a> {
    id: u32,
    text: &'a str,
    logprob: f64,
    special: bool,
}

impl Token<'_> {
    /// Llama's `</s>`.
    const END_OF_SEQUENCE: Token<'static> = Token {
        id: 2,
        text: "</s>",
        logprob: -0.19,
        special: true,
    };

    /// A text token, with an id and a log-probability made up from its text
    /// (the same text, the same id), in the ranges a real vocabulary gives.
    fn text(text: &str) -> Token<'_> {
        // FNV-1a: small and stable.
        let hash = text.bytes().fold(0x811c_9dc5_u32, |hash, byte| {
            (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
        });
        Token {
            // Past the special ids 0 to 2, within a 32k vocabulary.
            id: 3 + hash % 31_997,
            text,
            logprob: -f64::from(hash % 2000 + 1) / 1000.0,
            special: false,
        }
    }
}

#[derive(Serialize)]
struct StreamDetails {
    finish_reason: &'static str,
    generated_tokens: u64,
    seed: Option<u64>,
    input_length: u64,
}

#[derive(Serialize)]
struct GenerateResponse<'a> {
    generated_text: &'a str,
    details: Details,
}

#[derive(Serialize)]
struct Details {
    finish_reason: &'static str,
    generated_tokens: u64,
    seed: Option<u64>,
    prefill: [u32; 0],
    tokens: [u32; 0],
}

#[derive(Serialize)]
struct ErrorResponse<'a> {
    error: &'a str,
    error_type: &'static str,
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
    fn tokens_until_generated_text() {
        let turn = auto("tgi.sse", Dialect::Tgi);
        assert_eq!(turn.text, "Deep learning is a subset of machine learning.");
        assert!(turn.ended);
        assert_eq!(turn.finish_reason.as_deref(), Some("eos_token"));
        assert_eq!(
            turn.usage,
            Some(Usage {
                input_tokens: Some(7),
                output_tokens: Some(10)
            })
        );
        assert_eq!(turn.error, None);
        assert_eq!(turn.model, None);
    }

    #[test]
    fn an_error_event_fails() {
        let turn = auto("tgi-error.sse", Dialect::Tgi);
        assert_eq!(turn.text, "Rust is a systems");
        assert_eq!(
            turn.error.as_deref(),
            Some("Request failed during generation: Server error: CUDA out of memory while allocating the KV cache")
        );
        assert!(!turn.ended);
        assert_eq!(turn.finish_reason, None);
        assert_eq!(turn.usage, None);
    }

    #[test]
    fn special_tokens_are_skipped() {
        let turn = read_all(&[
            r#"{"index":1,"token":{"id":1,"text":"<s>","logprob":0.0,"special":true},"generated_text":null,"details":null}"#,
            r#"{"index":2,"token":{"id":9,"text":"Hi","logprob":-0.1,"special":false},"generated_text":null,"details":null}"#,
            r#"{"index":3,"token":{"id":2,"text":"</s>","logprob":-0.2,"special":true},"generated_text":"Hi","details":{"finish_reason":"length","generated_tokens":3,"seed":42}}"#,
        ]);
        assert_eq!(turn.text, "Hi");
        assert_eq!(turn.deltas, 1);
        assert!(turn.ended);
        assert_eq!(turn.finish_reason.as_deref(), Some("length"));
        assert_eq!(
            turn.usage,
            Some(Usage {
                input_tokens: None,
                output_tokens: Some(3)
            })
        );
    }

    #[test]
    fn bad_input_is_ignored() {
        let turn = read_all(&[
            "not json",
            r#"{"token":{"text":"cut"#,
            r#"{"token":"text","generated_text":null,"details":{"finish_reason":3,"generated_tokens":-1,"input_length":1e3}}"#,
            r#"{"token":{"text":["x"],"special":"false"},"generated_text":false,"details":[],"error":null}"#,
            r#"{"token":{"text":"ok","special":1},"details":{"generated_tokens":99999999999999999999999}}"#,
        ]);
        assert_eq!(turn.text, "ok", "only `special: true` skips a token");
        assert!(!turn.ended);
        assert_eq!(turn.finish_reason, None);
        assert_eq!(turn.usage, None);
        assert_eq!(turn.error, None);
    }
}
