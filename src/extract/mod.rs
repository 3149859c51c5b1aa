//! LLM streams: which provider's dialect a stream speaks, and what its
//! events add up to (answer text, reasoning, tool calls, finish reason,
//! usage, errors, whether it completed). Pure functions of decoded events.

mod anthropic;
mod cohere;
mod gemini;
pub mod json_path;
mod llamacpp;
mod ollama;
mod openai_chat;
mod openai_responses;
mod tgi;
mod turn;
pub mod wire;

use std::borrow::Cow;

use crate::ending::DONE_MARKER;
use crate::sse::Event;
use json_path::{elements, fields, string_value, Query, Step};

pub use turn::{ToolCall, Turn, Usage};

fields! {
    /// The top-level members that give a dialect away.
    struct Shape {
        kind: [Step::Key("type")],
        choices: [Step::Key("choices")],
        candidates: [Step::Key("candidates")],
        feedback: [Step::Key("promptFeedback")],
        token: [Step::Key("token")],
        content: [Step::Key("content")],
        stop: [Step::Key("stop")],
        done: [Step::Key("done")],
    }
}

fields! {
    /// The top-level members that give a whole response's dialect away.
    struct DocumentShape {
        object: [Step::Key("object")],
        kind: [Step::Key("type")],
        choices: [Step::Key("choices")],
        candidates: [Step::Key("candidates")],
        feedback: [Step::Key("promptFeedback")],
        generated: [Step::Key("generated_text")],
        message: [Step::Key("message")],
        finish: [Step::Key("finish_reason")],
        done: [Step::Key("done")],
        content: [Step::Key("content")],
        stop: [Step::Key("stop")],
    }
}

/// The stream formats ssecat reads answers from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    OpenAiChat,
    OpenAiResponses,
    Anthropic,
    Gemini,
    Cohere,
    Tgi,
    LlamaCpp,
    Ollama,
}

impl Dialect {
    pub const ALL: [Dialect; 8] = [
        Dialect::OpenAiChat,
        Dialect::OpenAiResponses,
        Dialect::Anthropic,
        Dialect::Gemini,
        Dialect::Cohere,
        Dialect::Tgi,
        Dialect::LlamaCpp,
        Dialect::Ollama,
    ];

    /// The name `--dialect` takes and reports show.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::OpenAiChat => "openai",
            Dialect::OpenAiResponses => "openai-responses",
            Dialect::Anthropic => "anthropic",
            Dialect::Gemini => "gemini",
            Dialect::Cohere => "cohere",
            Dialect::Tgi => "tgi",
            Dialect::LlamaCpp => "llamacpp",
            Dialect::Ollama => "ollama",
        }
    }

    /// Which APIs speak it, for `--help`.
    pub fn about(self) -> &'static str {
        match self {
            Dialect::OpenAiChat => {
                "OpenAI Chat Completions and compatibles (vLLM, llama.cpp /v1, Mistral, \
                 LiteLLM, Ollama /v1, TGI /v1), and legacy completions"
            }
            Dialect::OpenAiResponses => "OpenAI Responses API",
            Dialect::Anthropic => "Anthropic Messages",
            Dialect::Gemini => "Google Gemini streamGenerateContent?alt=sse",
            Dialect::Cohere => "Cohere v2 chat",
            Dialect::Tgi => "Hugging Face TGI /generate_stream",
            Dialect::LlamaCpp => "llama.cpp server /completion",
            Dialect::Ollama => "Ollama native /api/chat and /api/generate (NDJSON)",
        }
    }

    /// Reads one event of this dialect into `turn`.
    fn read(self, event: &Event<'_>, turn: &mut Turn) {
        match self {
            Dialect::OpenAiChat => openai_chat::read(event, turn),
            Dialect::OpenAiResponses => openai_responses::read(event, turn),
            Dialect::Anthropic => anthropic::read(event, turn),
            Dialect::Gemini => gemini::read(event, turn),
            Dialect::Cohere => cohere::read(event, turn),
            Dialect::Tgi => tgi::read(event, turn),
            Dialect::LlamaCpp => llamacpp::read(event, turn),
            Dialect::Ollama => ollama::read(event, turn),
        }
    }

    /// Reads a whole (non-streaming) response of this dialect into `turn`;
    /// false, leaving the turn as it was, when `doc` does not have its shape.
    pub fn read_document(self, doc: &str, turn: &mut Turn) -> bool {
        match self {
            Dialect::OpenAiChat => openai_chat::read_document(doc, turn),
            Dialect::OpenAiResponses => openai_responses::read_document(doc, turn),
            Dialect::Anthropic => anthropic::read_document(doc, turn),
            Dialect::Gemini => gemini::read_document(doc, turn),
            Dialect::Cohere => cohere::read_document(doc, turn),
            Dialect::Tgi => tgi::read_document(doc, turn),
            Dialect::LlamaCpp => llamacpp::read_document(doc, turn),
            Dialect::Ollama => ollama::read_document(doc, turn),
        }
    }

    /// The dialect whose non-streaming response `doc` (JSON text) is, by
    /// its shape. An array is Gemini's `streamGenerateContent` without
    /// `alt=sse` or TGI's answers, told apart by the first element.
    pub fn detect_document(doc: &str) -> Option<Dialect> {
        if doc.trim_start().starts_with('[') {
            let first = *elements(doc).first()?;
            return Dialect::detect_document(first)
                .filter(|dialect| matches!(dialect, Dialect::Gemini | Dialect::Tgi));
        }
        let DocumentShape {
            object,
            kind,
            choices,
            candidates,
            feedback,
            generated,
            message,
            finish,
            done,
            content,
            stop,
        } = DocumentShape::find(doc)?;
        let is =
            |raw: Option<&str>, name: &str| raw.and_then(string_value).as_deref() == Some(name);
        if choices.is_some() || is(object, "chat.completion") || is(object, "text_completion") {
            Some(Dialect::OpenAiChat)
        } else if is(object, "response") {
            Some(Dialect::OpenAiResponses)
        } else if is(kind, "message") {
            Some(Dialect::Anthropic)
        } else if candidates.is_some() || feedback.is_some() {
            Some(Dialect::Gemini)
        } else if generated.is_some() {
            Some(Dialect::Tgi)
        } else if done.is_some() {
            Some(Dialect::Ollama)
        } else if content.is_some() && stop.is_some() {
            Some(Dialect::LlamaCpp)
        } else if message.is_some() && finish.is_some() {
            // Ollama's `message` comes with `done`, OpenAI's inside `choices`.
            Some(Dialect::Cohere)
        } else {
            None
        }
    }

    /// The dialect an event's type or JSON shape gives away, if any.
    fn detect(event: &Event<'_>) -> Option<Dialect> {
        if let Some(dialect) = Dialect::of_type(event.event_type) {
            return Some(dialect);
        }
        let Shape {
            kind,
            choices,
            candidates,
            feedback,
            token,
            content,
            stop,
            done,
        } = Shape::find(event.data)?;
        if let Some(dialect) = kind
            .and_then(string_value)
            .and_then(|kind| Dialect::of_type(&kind))
        {
            return Some(dialect);
        }
        if choices.is_some() {
            Some(Dialect::OpenAiChat)
        } else if candidates.is_some() || feedback.is_some() {
            Some(Dialect::Gemini)
        } else if token.is_some() {
            Some(Dialect::Tgi)
        } else if content.is_some() && stop.is_some() {
            Some(Dialect::LlamaCpp)
        } else if done.is_some() {
            Some(Dialect::Ollama)
        } else {
            None
        }
    }

    /// The dialect an event type (the `event:` field, or the JSON `type`)
    /// belongs to.
    fn of_type(kind: &str) -> Option<Dialect> {
        match kind {
            "message_start"
            | "content_block_start"
            | "content_block_delta"
            | "content_block_stop"
            | "message_delta"
            | "message_stop" => Some(Dialect::Anthropic),
            "message-start" | "content-start" | "content-delta" | "content-end" | "message-end"
            | "tool-plan-delta" | "tool-call-start" | "tool-call-delta" | "tool-call-end"
            | "citation-start" | "citation-end" => Some(Dialect::Cohere),
            _ if kind.starts_with("response.") => Some(Dialect::OpenAiResponses),
            _ => None,
        }
    }
}

/// The type of an event: its `event:` field, or the JSON `type` (raw, from
/// the event's lookup) when the field is absent and so reads `message`.
/// Shared by the dialects that name their events.
fn event_kind<'a>(event: &Event<'a>, raw_type: Option<&'a str>) -> Option<Cow<'a, str>> {
    match event.event_type {
        "message" => raw_type.and_then(string_value),
        named => Some(Cow::Borrowed(named)),
    }
}

/// How answer text is found in the stream's events.
#[derive(Debug, Clone)]
pub enum Extraction {
    /// Detected from the first event that tells.
    Auto,
    /// As `--dialect` says.
    Dialect(Dialect),
    /// The string at a JSON Pointer (`--extract`), in every event: its
    /// reference tokens, unescaped.
    Pointer(Vec<String>),
}

impl Extraction {
    /// Reads `--extract`: a JSON Pointer (RFC 6901) such as `/choices/0/text`,
    /// or `""` for the whole document (a data that is a JSON string).
    pub fn pointer(pointer: &str) -> Result<Extraction, String> {
        if pointer.is_empty() {
            return Ok(Extraction::Pointer(Vec::new()));
        }
        let Some(tokens) = pointer.strip_prefix('/') else {
            return Err(format!(
                "{pointer:?} is not a JSON Pointer: it must start with / (such as /choices/0/text)"
            ));
        };
        Ok(Extraction::Pointer(
            tokens
                .split('/')
                .map(|token| token.replace("~1", "/").replace("~0", "~"))
                .collect(),
        ))
    }
}

/// Follows one stream: picks its dialect and adds every event to a [`Turn`].
#[derive(Debug)]
pub struct Reader {
    extraction: Extraction,
    /// For `--extract`: its pointer and `error`, compiled once.
    pointer: Option<Query<2>>,
    turn: Turn,
}

impl Reader {
    pub fn new(extraction: Extraction) -> Self {
        let mut turn = Turn::default();
        if let Extraction::Dialect(dialect) = extraction {
            turn.dialect = Some(dialect);
        }
        let pointer = match &extraction {
            Extraction::Pointer(tokens) => {
                let path: Vec<Step<'_>> = tokens.iter().map(|token| Step::Token(token)).collect();
                Some(Query::new(&[&path, &[Step::Key("error")]]))
            }
            _ => None,
        };
        Reader {
            extraction,
            pointer,
            turn,
        }
    }

    /// Adds one event to the turn.
    pub fn read(&mut self, event: &Event<'_>) {
        if event.data == DONE_MARKER {
            self.turn.ended = true;
            return;
        }
        self.turn.events += 1;
        if self.turn.last_event_type != event.event_type {
            self.turn.last_event_type.clear();
            self.turn.last_event_type.push_str(event.event_type);
        }
        if let Some(pointer) = &self.pointer {
            read_pointer(event, pointer, &mut self.turn);
            return;
        }
        if self.turn.dialect.is_none() {
            self.turn.dialect = Dialect::detect(event);
        }
        match self.turn.dialect {
            Some(dialect) => dialect.read(event, &mut self.turn),
            None => read_error(event, &mut self.turn),
        }
    }

    /// Reads a response body that is one JSON document rather than a
    /// stream, as servers answer a request without `"stream": true`: the
    /// `--extract` pointer, the `--dialect` given, or the dialect its shape
    /// tells. When read, the turn holds the whole answer as one event, is
    /// `ended` (nothing more is to come) and marked as a `document`; else
    /// it is left as it was.
    pub fn read_document(&mut self, body: &str) -> DocumentRead {
        if serde_json::from_str::<serde::de::IgnoredAny>(body).is_err() {
            return DocumentRead::NotJson;
        }
        let read = match &self.pointer {
            Some(pointer) => read_pointer_document(body, pointer, &mut self.turn),
            None => self.read_dialect_document(body),
        };
        // A body no reader knows may still be the provider's error.
        if !read && !read_error_document(body, &mut self.turn) {
            return DocumentRead::Unrecognized;
        }
        self.turn.events += 1;
        self.turn.ended = true;
        self.turn.document = true;
        DocumentRead::Read
    }

    /// Reads `body` with the dialect given, or else the one its shape tells,
    /// which the turn then keeps.
    fn read_dialect_document(&mut self, body: &str) -> bool {
        let Some(dialect) = self.turn.dialect.or_else(|| Dialect::detect_document(body)) else {
            return false;
        };
        let read = dialect.read_document(body, &mut self.turn);
        if read {
            self.turn.dialect = Some(dialect);
        }
        read
    }

    /// A reader that extracts as this one does, with nothing read yet.
    pub fn fresh(&self) -> Reader {
        Reader::new(self.extraction.clone())
    }

    pub fn turn(&self) -> &Turn {
        &self.turn
    }

    /// The turn, for writers that drain `text` and `reasoning` as they
    /// print them.
    pub fn turn_mut(&mut self) -> &mut Turn {
        &mut self.turn
    }

    /// Whether the text is found by `--extract`'s pointer rather than a
    /// dialect.
    pub fn is_pointer(&self) -> bool {
        matches!(self.extraction, Extraction::Pointer(_))
    }
}

/// What [`Reader::read_document`] made of a response body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub enum DocumentRead {
    /// The answer, or the provider's error, is in the turn.
    Read,
    /// The body is not one JSON document (a stream, HTML, empty…).
    NotJson,
    /// JSON, but of no dialect's shape (with `--dialect`: not of that one's),
    /// with no string at the `--extract` pointer and no error in it.
    Unrecognized,
}

/// `--extract`: the string at the pointer is text; a top-level `error` is
/// an error, as in every dialect.
fn read_pointer(event: &Event<'_>, pointer: &Query<2>, turn: &mut Turn) {
    if let Some([text, error]) = pointer.find(event.data) {
        turn.push_text(text);
        turn.fail_with(error);
    }
}

/// `--extract` on a whole document: as on an event; read when the pointer
/// names a string (even an empty one) or there is an error.
fn read_pointer_document(body: &str, pointer: &Query<2>, turn: &mut Turn) -> bool {
    let Some([text, error]) = pointer.find(body) else {
        return false;
    };
    let is_text = text.and_then(string_value).is_some();
    turn.push_text(text);
    turn.fail_with(error);
    is_text || turn.error.is_some()
}

fields! {
    /// What makes a whole document an error when no dialect reads it.
    struct ErrorDocument {
        kind: [Step::Key("type")],
        object: [Step::Key("object")],
        error: [Step::Key("error")],
        message: [Step::Key("message")],
        detail: [Step::Key("detail")],
    }
}

/// An error body in place of the answer; for an array, its first element
/// (Gemini's array form may hold only an error). It is an error when it has
/// an `error` member (a string, or an object with a `message`), when its
/// `type` (Anthropic, OpenAI Responses) or `object` (vLLM) is `"error"`,
/// whose `message` it then is, or when its only member is `detail`, as
/// FastAPI servers send errors (a string, or a list of validation errors
/// given as their JSON text). Returns whether it was one.
fn read_error_document(body: &str, turn: &mut Turn) -> bool {
    let first = match elements(body).first() {
        Some(first) => first,
        None => body,
    };
    let Some(ErrorDocument {
        kind,
        object,
        error,
        message,
        detail,
    }) = ErrorDocument::find(first)
    else {
        return false;
    };
    let is_error = [kind, object]
        .iter()
        .any(|raw| raw.and_then(string_value).as_deref() == Some("error"));
    record_error(turn, first, is_error, error, message);
    if let Some(detail) = detail.filter(|_| has_one_member(first)) {
        match string_value(detail) {
            Some(text) => turn.fail(text.into_owned()),
            None => turn.fail(detail.to_owned()),
        }
    }
    turn.error.is_some()
}

fields! {
    /// Where the message of an HTTP error response's body may be.
    struct ErrorBody {
        error: [Step::Key("error")],
        message: [Step::Key("message")],
        detail: [Step::Key("detail")],
    }
}

/// The message of the body of a response whose status says it failed, in
/// the shapes providers use: `{"error":{"message":…}}`, `{"error":"…"}`,
/// and, since the status already tells it is an error, a top-level
/// `"message"` (vLLM) or `"detail"` (FastAPI) string.
pub fn error_body_message(body: &str) -> Option<String> {
    let ErrorBody {
        error,
        message,
        detail,
    } = ErrorBody::find(body)?;
    error.and_then(turn::member_message).or_else(|| {
        [message, detail]
            .into_iter()
            .flatten()
            .find_map(string_value)
            .map(Cow::into_owned)
    })
}

/// Whether the JSON object `doc` has exactly one member.
fn has_one_member(doc: &str) -> bool {
    serde_json::from_str::<std::collections::HashMap<String, serde::de::IgnoredAny>>(doc)
        .is_ok_and(|members| members.len() == 1)
}

fields! {
    /// What makes an event an error before its dialect is known.
    struct EventError {
        kind: [Step::Key("type")],
        error: [Step::Key("error")],
        message: [Step::Key("message")],
    }
}

/// Before the dialect is known, an event can still carry an error: a first
/// event may be one.
fn read_error(event: &Event<'_>, turn: &mut Turn) {
    if let Some(EventError {
        kind,
        error,
        message,
    }) = EventError::find(event.data)
    {
        let is_error = event_kind(event, kind).as_deref() == Some("error");
        record_error(turn, event.data, is_error, error, message);
    }
}

/// An `error` member (a string, or an object with a `message`) is an error;
/// so is an event of type `error`, whose top-level `message` is the message
/// when it has no `error` member: that is how OpenAI Responses sends one,
/// `{"type":"error","code":…,"message":…}`. Without either, the whole
/// `data` is the message.
fn record_error(
    turn: &mut Turn,
    data: &str,
    is_error: bool,
    error: Option<&str>,
    message: Option<&str>,
) {
    turn.fail_with(error);
    if is_error {
        // The first error is kept, so this only counts without the member.
        match message.and_then(string_value) {
            Some(message) => turn.fail(message.into_owned()),
            None => turn.fail(data.to_owned()),
        }
    }
}

#[cfg(test)]
mod document_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod wire_tests;
