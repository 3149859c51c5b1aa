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

use std::borrow::Cow;
use std::sync::LazyLock;

use clap::ValueEnum;

use crate::pipeline::DONE_MARKER;
use crate::sse::Event;
use json_path::{string_value, Query, Step};

pub use turn::{ToolCall, Turn, Usage};

/// The top-level members that give a dialect away.
static SHAPES: LazyLock<Query<8>> = LazyLock::new(|| {
    Query::new(&[
        &[Step::Key("type")],
        &[Step::Key("choices")],
        &[Step::Key("candidates")],
        &[Step::Key("promptFeedback")],
        &[Step::Key("token")],
        &[Step::Key("content")],
        &[Step::Key("stop")],
        &[Step::Key("done")],
    ])
});

/// The stream formats ssecat reads answers from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Dialect {
    /// OpenAI Chat Completions and compatibles (vLLM, llama.cpp /v1, Mistral, LiteLLM, Ollama /v1, TGI /v1), and legacy completions
    #[value(name = "openai")]
    OpenAiChat,
    /// OpenAI Responses API
    #[value(name = "openai-responses")]
    OpenAiResponses,
    /// Anthropic Messages
    Anthropic,
    /// Google Gemini streamGenerateContent?alt=sse
    Gemini,
    /// Cohere v2 chat
    Cohere,
    /// Hugging Face TGI /generate_stream
    Tgi,
    /// llama.cpp server /completion
    #[value(name = "llamacpp")]
    LlamaCpp,
    /// Ollama native /api/chat and /api/generate (NDJSON)
    Ollama,
}

impl Dialect {
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

    /// The dialect an event's type or JSON shape gives away, if any.
    fn detect(event: &Event<'_>) -> Option<Dialect> {
        if let Some(dialect) = Dialect::of_type(event.event_type) {
            return Some(dialect);
        }
        let [kind, choices, candidates, feedback, token, content, stop, done] =
            SHAPES.find(event.data)?;
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
    /// The text [`Reader::take_text`] or [`Reader::take_reasoning`] handed
    /// out last; kept so its buffer is reused.
    taken: String,
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
            taken: String::new(),
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

    pub fn turn(&self) -> &Turn {
        &self.turn
    }

    /// The turn, for writers that drain `text` and `reasoning` themselves;
    /// [`Reader::take_text`] and [`Reader::take_reasoning`] do it for them.
    pub fn turn_mut(&mut self) -> &mut Turn {
        &mut self.turn
    }

    /// Whether the text is found by `--extract`'s pointer rather than a
    /// dialect.
    pub fn is_pointer(&self) -> bool {
        matches!(self.extraction, Extraction::Pointer(_))
    }

    /// The answer text received since the last take, which the turn no
    /// longer holds. No allocation once the buffers have grown.
    pub fn take_text(&mut self) -> &str {
        self.taken.clear();
        std::mem::swap(&mut self.taken, &mut self.turn.text);
        &self.taken
    }

    /// The reasoning text received since the last take, as
    /// [`Reader::take_text`] does for the answer.
    pub fn take_reasoning(&mut self) -> &str {
        self.taken.clear();
        std::mem::swap(&mut self.taken, &mut self.turn.reasoning);
        &self.taken
    }
}

/// `--extract`: the string at the pointer is text; a top-level `error` is
/// an error, as in every dialect.
fn read_pointer(event: &Event<'_>, pointer: &Query<2>, turn: &mut Turn) {
    if let Some([text, error]) = pointer.find(event.data) {
        turn.push_text(text);
        turn.fail_with(error);
    }
}

/// What makes an event an error before its dialect is known.
static ERROR: LazyLock<Query<3>> = LazyLock::new(|| {
    Query::new(&[
        &[Step::Key("type")],
        &[Step::Key("error")],
        &[Step::Key("message")],
    ])
});

/// Before the dialect is known, an event can still carry an error: a first
/// event may be one.
fn read_error(event: &Event<'_>, turn: &mut Turn) {
    if let Some([kind, error, message]) = ERROR.find(event.data) {
        let is_error = event_kind(event, kind).as_deref() == Some("error");
        record_error(turn, event, is_error, error, message);
    }
}

/// An `error` member (a string, or an object with a `message`) is an error;
/// so is an event of type `error`, whose top-level `message` is the message
/// when it has no `error` member: that is how OpenAI Responses sends one,
/// `{"type":"error","code":…,"message":…}`.
fn record_error(
    turn: &mut Turn,
    event: &Event<'_>,
    is_error: bool,
    error: Option<&str>,
    message: Option<&str>,
) {
    turn.fail_with(error);
    if is_error {
        // The first error is kept, so this only counts without the member.
        match message.and_then(string_value) {
            Some(message) => turn.fail(message.into_owned()),
            None => turn.fail(event.data.to_owned()),
        }
    }
}

#[cfg(test)]
mod tests;
