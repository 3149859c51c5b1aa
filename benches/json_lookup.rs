//! The hand-written JSON lookup (`src/extract/json_path.rs`) against serde_json
//! with typed, borrowed structs, per dialect, on realistic chunks: the
//! `data:` payloads of the OpenAI, Anthropic and Gemini fixtures and of the
//! generated OpenAI stream the decode bench uses. Run:
//! `cargo bench --bench json_lookup`.
//!
//! Four ways of reading each chunk, all appending the unescaped answer text
//! to a `String`:
//!
//! - `ssecat-reader`: the dialect's real reader (`Reader::read` on each event,
//!   the turn's text drained after each), which also reads everything else
//!   the dialect knows (index, finish reason, usage, model, id, error,
//!   reasoning, tool calls);
//! - `serde-reader`: the same reading, field for field into the same `Turn`,
//!   from a `serde_json::from_str` into borrowed structs of the dialect;
//! - `ssecat-query`: the bare `Query::find` with the dialect's paths (copied
//!   from its module), only the text appended;
//! - `serde-parse`: the bare `serde_json::from_str` into the same structs,
//!   only the text appended.
//!
//! Before measuring, both readers are checked to give the same turn, and the
//! bare ones the same text.

use std::borrow::Cow;
use std::fmt;
use std::hint::black_box;
use std::marker::PhantomData;
use std::ops::ControlFlow;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use serde::de::{Deserializer, SeqAccess, Visitor};
use serde::Deserialize;
use ssecat::extract::json_path::{elements, push_string, Query, Step};
use ssecat::extract::{Dialect, Extraction, Reader, ToolCall, Turn, Usage};
use ssecat::sse::{Decoder, Event};

#[path = "support/openai_stream.rs"]
mod openai_stream;

/// The size of the generated OpenAI stream.
const GENERATED_BYTES: usize = 1 << 20;

/// One event of a stream, owned.
struct Chunk {
    event_type: String,
    data: String,
}

impl Chunk {
    fn event(&self) -> Event<'_> {
        Event {
            event_type: &self.event_type,
            data: &self.data,
            id: "",
            retry: None,
        }
    }
}

struct Dataset {
    name: &'static str,
    dialect: Dialect,
    chunks: Vec<Chunk>,
}

impl Dataset {
    /// Bytes of chunk JSON.
    fn bytes(&self) -> u64 {
        self.chunks
            .iter()
            .map(|chunk| chunk.data.len() as u64)
            .sum()
    }
}

/// The events of SSE streams, `[DONE]` left out.
fn chunks(streams: &[&[u8]]) -> Vec<Chunk> {
    let mut chunks = Vec::new();
    for stream in streams {
        let mut decoder = Decoder::new(64 << 20);
        decoder
            .feed(stream, |event| {
                if event.data != "[DONE]" {
                    chunks.push(Chunk {
                        event_type: event.event_type.to_owned(),
                        data: event.data.to_owned(),
                    });
                }
                ControlFlow::Continue(())
            })
            .unwrap();
        assert!(decoder.finish().is_none(), "a fixture ends mid-event");
    }
    chunks
}

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/llm/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn datasets() -> (Vec<Dataset>, String) {
    let (generated, generated_text) = openai_stream::generate(GENERATED_BYTES);
    let sets = vec![
        Dataset {
            name: "openai-fixtures",
            dialect: Dialect::OpenAiChat,
            chunks: chunks(&[
                &fixture("openai-chat.sse"),
                &fixture("openai-chat-usage.sse"),
            ]),
        },
        Dataset {
            name: "openai-generated",
            dialect: Dialect::OpenAiChat,
            chunks: chunks(&[&generated]),
        },
        Dataset {
            name: "anthropic",
            dialect: Dialect::Anthropic,
            chunks: chunks(&[&fixture("anthropic-messages.sse")]),
        },
        Dataset {
            name: "gemini",
            dialect: Dialect::Gemini,
            chunks: chunks(&[&fixture("gemini.sse")]),
        },
    ];
    (sets, generated_text)
}

// ---------------------------------------------------------------------------
// (a) ssecat: the real reader, and the bare lookup.

/// The answer text and the turn of `chunks` read by ssecat's reader.
fn ssecat_reader(dialect: Dialect, chunks: &[Chunk]) -> (String, Turn) {
    let mut reader = Reader::new(Extraction::Dialect(dialect));
    let mut answer = String::new();
    for chunk in chunks {
        reader.read(&chunk.event());
        // As the text writer does after each event.
        let text = &mut reader.turn_mut().text;
        answer.push_str(text);
        text.clear();
    }
    (answer, std::mem::take(reader.turn_mut()))
}

/// The paths of `src/extract/openai_chat.rs`.
fn openai_query() -> Query<13> {
    let choice = |key| [Step::Key("choices"), Step::Index(0), Step::Key(key)];
    let delta = |key| {
        [
            Step::Key("choices"),
            Step::Index(0),
            Step::Key("delta"),
            Step::Key(key),
        ]
    };
    Query::new(&[
        &choice("index"),
        &delta("content"),
        &choice("text"),
        &delta("refusal"),
        &delta("reasoning_content"),
        &delta("reasoning"),
        &delta("tool_calls"),
        &choice("finish_reason"),
        &[Step::Key("usage"), Step::Key("prompt_tokens")],
        &[Step::Key("usage"), Step::Key("completion_tokens")],
        &[Step::Key("error")],
        &[Step::Key("model")],
        &[Step::Key("id")],
    ])
}

/// The paths of `src/extract/anthropic.rs`.
fn anthropic_query() -> Query<17> {
    Query::new(&[
        &[Step::Key("type")],
        &[Step::Key("message"), Step::Key("id")],
        &[Step::Key("message"), Step::Key("model")],
        &[
            Step::Key("message"),
            Step::Key("usage"),
            Step::Key("input_tokens"),
        ],
        &[
            Step::Key("message"),
            Step::Key("usage"),
            Step::Key("output_tokens"),
        ],
        &[Step::Key("index")],
        &[Step::Key("content_block"), Step::Key("type")],
        &[Step::Key("content_block"), Step::Key("id")],
        &[Step::Key("content_block"), Step::Key("name")],
        &[Step::Key("delta"), Step::Key("type")],
        &[Step::Key("delta"), Step::Key("text")],
        &[Step::Key("delta"), Step::Key("thinking")],
        &[Step::Key("delta"), Step::Key("partial_json")],
        &[Step::Key("delta"), Step::Key("stop_reason")],
        &[Step::Key("usage"), Step::Key("input_tokens")],
        &[Step::Key("usage"), Step::Key("output_tokens")],
        &[Step::Key("error")],
    ])
}

/// The paths of `src/extract/gemini.rs`: a chunk, and one part.
fn gemini_queries() -> (Query<9>, Query<6>) {
    let candidate = |key| [Step::Key("candidates"), Step::Index(0), Step::Key(key)];
    let usage = |key| [Step::Key("usageMetadata"), Step::Key(key)];
    let call = |key| [Step::Key("functionCall"), Step::Key(key)];
    let chunk = Query::new(&[
        &candidate("index"),
        &[
            Step::Key("candidates"),
            Step::Index(0),
            Step::Key("content"),
            Step::Key("parts"),
        ],
        &candidate("finishReason"),
        &usage("promptTokenCount"),
        &usage("candidatesTokenCount"),
        &[Step::Key("modelVersion")],
        &[Step::Key("responseId")],
        &[Step::Key("promptFeedback"), Step::Key("blockReason")],
        &[Step::Key("error")],
    ]);
    let part = Query::new(&[
        &[Step::Key("text")],
        &[Step::Key("thought")],
        &[Step::Key("functionCall")],
        &call("id"),
        &call("name"),
        &call("args"),
    ]);
    (chunk, part)
}

/// The paths of each dialect, compiled once.
struct Queries {
    openai: Query<13>,
    anthropic: Query<17>,
    gemini: Query<9>,
    gemini_part: Query<6>,
}

impl Queries {
    fn new() -> Self {
        let (gemini, gemini_part) = gemini_queries();
        Queries {
            openai: openai_query(),
            anthropic: anthropic_query(),
            gemini,
            gemini_part,
        }
    }
}

/// The bare lookup: every path found, the answer text appended.
fn ssecat_query(queries: &Queries, dialect: Dialect, chunks: &[Chunk]) -> String {
    let mut answer = String::new();
    for chunk in chunks {
        match dialect {
            Dialect::OpenAiChat => {
                if let Some(found) = queries.openai.find(&chunk.data) {
                    if let Some(content) = found[1] {
                        push_string(content, &mut answer);
                    }
                    black_box(found);
                }
            }
            Dialect::Anthropic => {
                if let Some(found) = queries.anthropic.find(&chunk.data) {
                    if let (Some(r#""text_delta""#), Some(text)) = (found[9], found[10]) {
                        push_string(text, &mut answer);
                    }
                    black_box(found);
                }
            }
            Dialect::Gemini => {
                if let Some(found) = queries.gemini.find(&chunk.data) {
                    for part in found[1].map(elements).unwrap_or_default() {
                        if let Some(part) = queries.gemini_part.find(part) {
                            if let (Some(text), None | Some("false")) = (part[0], part[1]) {
                                push_string(text, &mut answer);
                            }
                            black_box(part);
                        }
                    }
                    black_box(found);
                }
            }
            _ => unreachable!("not measured"),
        }
    }
    answer
}

// ---------------------------------------------------------------------------
// (b) serde_json, typed and borrowed.

/// A string, borrowed from the chunk unless it has escapes. (A bare
/// `Option<Cow<'a, str>>` field would always be owned: serde borrows a
/// `Cow` only as a field of its own.)
#[derive(Deserialize)]
struct Str<'a>(#[serde(borrow)] Cow<'a, str>);

impl Str<'_> {
    fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Deserialize)]
struct Tokens {
    #[serde(alias = "prompt_tokens")]
    input_tokens: Option<u64>,
    #[serde(alias = "completion_tokens")]
    output_tokens: Option<u64>,
}

#[derive(Deserialize)]
struct OpenAiChunk<'a> {
    #[serde(borrow, default)]
    choices: Vec<OpenAiChoice<'a>>,
    usage: Option<Tokens>,
    error: Option<serde_json::Value>,
    #[serde(borrow)]
    model: Option<Str<'a>>,
    #[serde(borrow)]
    id: Option<Str<'a>>,
}

#[derive(Deserialize)]
struct OpenAiChoice<'a> {
    index: Option<u64>,
    #[serde(borrow)]
    delta: Option<OpenAiDelta<'a>>,
    /// Legacy completions.
    #[serde(borrow)]
    text: Option<Str<'a>>,
    #[serde(borrow)]
    finish_reason: Option<Str<'a>>,
}

#[derive(Deserialize)]
struct OpenAiDelta<'a> {
    #[serde(borrow)]
    content: Option<Content<'a>>,
    #[serde(borrow)]
    refusal: Option<Str<'a>>,
    #[serde(borrow)]
    reasoning_content: Option<Str<'a>>,
    #[serde(borrow)]
    reasoning: Option<Str<'a>>,
    #[serde(borrow)]
    tool_calls: Option<Vec<OpenAiToolCall<'a>>>,
}

#[derive(Deserialize)]
struct OpenAiToolCall<'a> {
    index: Option<u64>,
    #[serde(borrow)]
    id: Option<Str<'a>>,
    #[serde(borrow)]
    function: Option<OpenAiFunction<'a>>,
}

#[derive(Deserialize)]
struct OpenAiFunction<'a> {
    #[serde(borrow)]
    name: Option<Str<'a>>,
    #[serde(borrow)]
    arguments: Option<Str<'a>>,
}

/// Content: a string, or (Mistral's reasoning models) an array of chunks.
/// Read by a visitor rather than `#[serde(untagged)]`, which would buffer.
enum Content<'a> {
    Text(Cow<'a, str>),
    Chunks(Vec<ContentChunk<'a>>),
}

impl<'de: 'a, 'a> Deserialize<'de> for Content<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ContentVisitor<'a>(PhantomData<&'a ()>);

        impl<'de: 'a, 'a> Visitor<'de> for ContentVisitor<'a> {
            type Value = Content<'a>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or an array of content chunks")
            }

            fn visit_borrowed_str<E>(self, text: &'de str) -> Result<Content<'a>, E> {
                Ok(Content::Text(Cow::Borrowed(text)))
            }

            fn visit_str<E>(self, text: &str) -> Result<Content<'a>, E> {
                Ok(Content::Text(Cow::Owned(text.to_owned())))
            }

            fn visit_string<E>(self, text: String) -> Result<Content<'a>, E> {
                Ok(Content::Text(Cow::Owned(text)))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Content<'a>, A::Error> {
                let mut chunks = Vec::new();
                while let Some(chunk) = seq.next_element()? {
                    chunks.push(chunk);
                }
                Ok(Content::Chunks(chunks))
            }
        }

        deserializer.deserialize_any(ContentVisitor(PhantomData))
    }
}

#[derive(Deserialize)]
struct ContentChunk<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<Str<'a>>,
    #[serde(borrow)]
    text: Option<Str<'a>>,
    #[serde(borrow)]
    thinking: Option<Content<'a>>,
}

#[derive(Deserialize)]
struct AnthropicEvent<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<Str<'a>>,
    #[serde(borrow)]
    message: Option<AnthropicMessage<'a>>,
    index: Option<u64>,
    #[serde(borrow)]
    content_block: Option<AnthropicBlock<'a>>,
    #[serde(borrow)]
    delta: Option<AnthropicDelta<'a>>,
    usage: Option<Tokens>,
    error: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct AnthropicMessage<'a> {
    #[serde(borrow)]
    id: Option<Str<'a>>,
    #[serde(borrow)]
    model: Option<Str<'a>>,
    usage: Option<Tokens>,
}

#[derive(Deserialize)]
struct AnthropicBlock<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<Str<'a>>,
    #[serde(borrow)]
    id: Option<Str<'a>>,
    #[serde(borrow)]
    name: Option<Str<'a>>,
}

#[derive(Deserialize)]
struct AnthropicDelta<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<Str<'a>>,
    #[serde(borrow)]
    text: Option<Str<'a>>,
    #[serde(borrow)]
    thinking: Option<Str<'a>>,
    #[serde(borrow)]
    partial_json: Option<Str<'a>>,
    #[serde(borrow)]
    stop_reason: Option<Str<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GeminiChunk<'a> {
    #[serde(borrow, default)]
    candidates: Vec<GeminiCandidate<'a>>,
    usage_metadata: Option<GeminiUsage>,
    #[serde(borrow)]
    model_version: Option<Str<'a>>,
    #[serde(borrow)]
    response_id: Option<Str<'a>>,
    #[serde(borrow)]
    prompt_feedback: Option<GeminiFeedback<'a>>,
    error: Option<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GeminiCandidate<'a> {
    index: Option<u64>,
    #[serde(borrow)]
    content: Option<GeminiContent<'a>>,
    #[serde(borrow)]
    finish_reason: Option<Str<'a>>,
}

#[derive(Deserialize)]
struct GeminiContent<'a> {
    #[serde(borrow, default)]
    parts: Vec<GeminiPart<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GeminiPart<'a> {
    #[serde(borrow)]
    text: Option<Str<'a>>,
    thought: Option<bool>,
    #[serde(borrow)]
    function_call: Option<GeminiCall<'a>>,
}

#[derive(Deserialize)]
struct GeminiCall<'a> {
    #[serde(borrow)]
    id: Option<Str<'a>>,
    #[serde(borrow)]
    name: Option<Str<'a>>,
    args: Option<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GeminiUsage {
    prompt_token_count: Option<u64>,
    candidates_token_count: Option<u64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GeminiFeedback<'a> {
    #[serde(borrow)]
    block_reason: Option<Str<'a>>,
}

/// What ssecat's reader does with an event before its dialect reads it.
fn serde_read(dialect: Dialect, event: &Event<'_>, turn: &mut Turn) {
    turn.events += 1;
    if turn.last_event_type != event.event_type {
        turn.last_event_type.clear();
        turn.last_event_type.push_str(event.event_type);
    }
    match dialect {
        Dialect::OpenAiChat => serde_openai(event.data, turn),
        Dialect::Anthropic => serde_anthropic(event, turn),
        Dialect::Gemini => serde_gemini(event.data, turn),
        _ => unreachable!("not measured"),
    }
}

/// As `Turn::set_model` and the like: an empty string sets nothing.
fn set_string(field: &mut Option<String>, value: Option<&Str<'_>>) {
    if let Some(value) = value.filter(|value| !value.0.is_empty()) {
        *field = Some(value.as_str().to_owned());
    }
}

fn set_usage(turn: &mut Turn, input: Option<u64>, output: Option<u64>) {
    if input.is_none() && output.is_none() {
        return;
    }
    let usage = turn.usage.get_or_insert_with(Usage::default);
    usage.input_tokens = input.or(usage.input_tokens);
    usage.output_tokens = output.or(usage.output_tokens);
}

fn fail_with(turn: &mut Turn, error: Option<&serde_json::Value>) {
    let message = match error {
        None => return,
        Some(serde_json::Value::String(message)) => message.clone(),
        Some(error) => error
            .get("message")
            .and_then(serde_json::Value::as_str)
            .map_or_else(|| error.to_string(), str::to_owned),
    };
    turn.fail(message);
}

/// As `ToolCall::set`, the arguments a string.
fn set_call(call: &mut ToolCall, id: Option<&Str<'_>>, name: Option<&Str<'_>>, args: Option<&str>) {
    if call.id.is_none() {
        set_string(&mut call.id, id);
    }
    if call.name.is_empty() {
        if let Some(name) = name {
            call.name = name.as_str().to_owned();
        }
    }
    if let Some(args) = args {
        call.arguments.push_str(args);
    }
}

fn serde_openai(data: &str, turn: &mut Turn) {
    let Ok(chunk) = serde_json::from_str::<OpenAiChunk<'_>>(data) else {
        return;
    };
    if let Some(choice) = chunk
        .choices
        .first()
        .filter(|c| matches!(c.index, None | Some(0)))
    {
        let delta = choice.delta.as_ref();
        let before = turn.text.len();
        match delta.and_then(|delta| delta.content.as_ref()) {
            Some(Content::Text(text)) => turn.text.push_str(text),
            Some(Content::Chunks(chunks)) => {
                serde_content_chunks(chunks, &mut turn.text, &mut turn.reasoning)
            }
            None => {
                if let Some(text) = &choice.text {
                    turn.text.push_str(text.as_str());
                }
            }
        }
        if let Some(refusal) = delta.and_then(|delta| delta.refusal.as_ref()) {
            turn.text.push_str(refusal.as_str());
        }
        turn.count_text(before);
        if let Some(delta) = delta {
            if let Some(reasoning) = delta
                .reasoning_content
                .as_ref()
                .or(delta.reasoning.as_ref())
            {
                turn.reasoning.push_str(reasoning.as_str());
            }
            for call in delta.tool_calls.iter().flatten() {
                serde_openai_tool_call(call, turn);
            }
        }
        set_string(&mut turn.finish_reason, choice.finish_reason.as_ref());
    }
    if let Some(usage) = &chunk.usage {
        set_usage(turn, usage.input_tokens, usage.output_tokens);
    }
    fail_with(turn, chunk.error.as_ref());
    if turn.model.is_none() {
        set_string(&mut turn.model, chunk.model.as_ref());
    }
    if turn.id.is_none() {
        set_string(&mut turn.id, chunk.id.as_ref());
    }
}

fn serde_content_chunks(chunks: &[ContentChunk<'_>], answer: &mut String, reasoning: &mut String) {
    for chunk in chunks {
        match chunk.kind.as_ref().map(Str::as_str) {
            Some("text") => answer.push_str(chunk.text.as_ref().map_or("", Str::as_str)),
            Some("thinking") => match &chunk.thinking {
                Some(Content::Chunks(inner)) => {
                    for inner in inner {
                        if matches!(inner.kind.as_ref().map(Str::as_str), None | Some("text")) {
                            reasoning.push_str(inner.text.as_ref().map_or("", Str::as_str));
                        }
                    }
                }
                Some(Content::Text(text)) => reasoning.push_str(text),
                None => {}
            },
            _ => {}
        }
    }
}

fn serde_openai_tool_call(call: &OpenAiToolCall<'_>, turn: &mut Turn) {
    let function = call.function.as_ref();
    let name = function.and_then(|f| f.name.as_ref());
    let args = function.and_then(|f| f.arguments.as_ref()).map(Str::as_str);
    if let Some(index) = call.index {
        set_call(turn.tool_call(index), call.id.as_ref(), name, args);
        return;
    }
    let id = call
        .id
        .as_ref()
        .map(Str::as_str)
        .filter(|id| !id.is_empty());
    let starts = match (id, turn.tool_calls.last()) {
        (_, None) => true,
        (Some(id), Some(last)) => last.id.as_deref() != Some(id),
        (None, Some(_)) => name.is_some_and(|name| !name.0.is_empty()),
    };
    let target = if starts {
        turn.new_tool_call()
    } else {
        turn.tool_calls.last_mut().expect("there is a last call")
    };
    set_call(target, call.id.as_ref(), name, args);
}

fn serde_anthropic(event: &Event<'_>, turn: &mut Turn) {
    let Ok(parsed) = serde_json::from_str::<AnthropicEvent<'_>>(event.data) else {
        return;
    };
    let kind = match event.event_type {
        "message" => parsed.kind.as_ref().map(Str::as_str),
        named => Some(named),
    };
    let slot = parsed.index.unwrap_or(0);
    match kind {
        Some("message_start") => {
            if let Some(message) = &parsed.message {
                set_string(&mut turn.id, message.id.as_ref());
                set_string(&mut turn.model, message.model.as_ref());
                if let Some(usage) = &message.usage {
                    set_usage(turn, usage.input_tokens, usage.output_tokens);
                }
            }
        }
        Some("content_block_start") => {
            if let Some(block) = &parsed.content_block {
                if let Some("tool_use" | "server_tool_use" | "mcp_tool_use") =
                    block.kind.as_ref().map(Str::as_str)
                {
                    set_call(
                        turn.tool_call(slot),
                        block.id.as_ref(),
                        block.name.as_ref(),
                        None,
                    );
                }
            }
        }
        Some("content_block_delta") => {
            let Some(delta) = &parsed.delta else {
                return;
            };
            match delta.kind.as_ref().map(Str::as_str) {
                Some("text_delta") => {
                    if let Some(text) = &delta.text {
                        turn.push_text_str(text.as_str());
                    }
                }
                Some("thinking_delta") => {
                    if let Some(thinking) = &delta.thinking {
                        turn.reasoning.push_str(thinking.as_str());
                    }
                }
                Some("input_json_delta") => {
                    let json = delta.partial_json.as_ref().map(Str::as_str);
                    set_call(turn.tool_call(slot), None, None, json);
                }
                _ => {}
            }
        }
        Some("message_delta") => {
            let stop_reason = parsed.delta.as_ref().and_then(|d| d.stop_reason.as_ref());
            set_string(&mut turn.finish_reason, stop_reason);
            if let Some(usage) = &parsed.usage {
                set_usage(turn, usage.input_tokens, usage.output_tokens);
            }
        }
        Some("message_stop") => turn.ended = true,
        _ => {}
    }
    fail_with(turn, parsed.error.as_ref());
}

fn serde_gemini(data: &str, turn: &mut Turn) {
    let Ok(chunk) = serde_json::from_str::<GeminiChunk<'_>>(data) else {
        return;
    };
    if let Some(candidate) = chunk
        .candidates
        .first()
        .filter(|c| matches!(c.index, None | Some(0)))
    {
        let before = turn.text.len();
        for part in candidate.content.iter().flat_map(|c| &c.parts) {
            if let Some(text) = &part.text {
                if part.thought == Some(true) {
                    turn.reasoning.push_str(text.as_str());
                } else {
                    turn.text.push_str(text.as_str());
                }
            }
            if let Some(call) = &part.function_call {
                let args = call.args.as_ref().map(serde_json::Value::to_string);
                let new = turn.new_tool_call();
                set_call(new, call.id.as_ref(), call.name.as_ref(), args.as_deref());
            }
        }
        turn.count_text(before);
        if let Some(reason) = candidate.finish_reason.as_ref().filter(|r| !r.0.is_empty()) {
            set_string(&mut turn.finish_reason, Some(reason));
            turn.complete_at_end = true;
        }
    }
    if let Some(usage) = &chunk.usage_metadata {
        set_usage(turn, usage.prompt_token_count, usage.candidates_token_count);
    }
    fail_with(turn, chunk.error.as_ref());
    if let Some(reason) = chunk
        .prompt_feedback
        .as_ref()
        .and_then(|f| f.block_reason.as_ref())
    {
        turn.fail(format!("prompt blocked: {}", reason.as_str()));
    }
    if turn.model.is_none() {
        set_string(&mut turn.model, chunk.model_version.as_ref());
    }
    if turn.id.is_none() {
        set_string(&mut turn.id, chunk.response_id.as_ref());
    }
}

/// The answer text and the turn of `chunks` read through serde.
fn serde_reader(dialect: Dialect, chunks: &[Chunk]) -> (String, Turn) {
    let mut turn = Turn::default();
    turn.dialect = Some(dialect);
    let mut answer = String::new();
    for chunk in chunks {
        serde_read(dialect, &chunk.event(), &mut turn);
        answer.push_str(&turn.text);
        turn.text.clear();
    }
    (answer, turn)
}

/// The bare parse: every field typed, the answer text appended.
fn serde_parse(dialect: Dialect, chunks: &[Chunk]) -> String {
    let mut answer = String::new();
    for chunk in chunks {
        let data = chunk.data.as_str();
        match dialect {
            Dialect::OpenAiChat => {
                if let Ok(parsed) = serde_json::from_str::<OpenAiChunk<'_>>(data) {
                    let content = parsed.choices.first().and_then(|c| c.delta.as_ref());
                    if let Some(Content::Text(text)) = content.and_then(|d| d.content.as_ref()) {
                        answer.push_str(text);
                    }
                    black_box(&parsed);
                }
            }
            Dialect::Anthropic => {
                if let Ok(parsed) = serde_json::from_str::<AnthropicEvent<'_>>(data) {
                    if let Some(delta) = &parsed.delta {
                        if let (Some("text_delta"), Some(text)) =
                            (delta.kind.as_ref().map(Str::as_str), &delta.text)
                        {
                            answer.push_str(text.as_str());
                        }
                    }
                    black_box(&parsed);
                }
            }
            Dialect::Gemini => {
                if let Ok(parsed) = serde_json::from_str::<GeminiChunk<'_>>(data) {
                    let first = parsed.candidates.first();
                    for part in first
                        .and_then(|c| c.content.as_ref())
                        .map_or(&[][..], |c| &c.parts)
                    {
                        if let (Some(text), None | Some(false)) = (&part.text, part.thought) {
                            answer.push_str(text.as_str());
                        }
                    }
                    black_box(&parsed);
                }
            }
            _ => unreachable!("not measured"),
        }
    }
    answer
}

// ---------------------------------------------------------------------------

/// What a turn came to, for comparing the two readers.
fn summary(turn: &Turn) -> String {
    let calls: Vec<_> = turn
        .tool_calls
        .iter()
        .map(|call| (call.slot, &call.id, &call.name, &call.arguments))
        .collect();
    format!(
        "reasoning {:?}; finish {:?}; usage {:?}; model {:?}; id {:?}; error {:?}; ended {}; \
         complete at end {}; events {}; deltas {}; chars {}; calls {calls:?}",
        turn.reasoning,
        turn.finish_reason,
        turn.usage,
        turn.model,
        turn.id,
        turn.error,
        turn.ended,
        turn.complete_at_end,
        turn.events,
        turn.deltas,
        turn.text_chars,
    )
}

/// Both readers agree on everything, and the bare ones on the text.
fn check(set: &Dataset, queries: &Queries) {
    let (text, turn) = ssecat_reader(set.dialect, &set.chunks);
    let (serde_text, serde_turn) = serde_reader(set.dialect, &set.chunks);
    assert!(!text.is_empty(), "{}: no text", set.name);
    assert_eq!(serde_text, text, "{}: the text differs", set.name);
    assert_eq!(summary(&serde_turn), summary(&turn), "{}", set.name);
    assert_eq!(ssecat_query(queries, set.dialect, &set.chunks), text);
    assert_eq!(serde_parse(set.dialect, &set.chunks), text);
}

fn bench(c: &mut Criterion) {
    // Strings without escapes are borrowed, not copied.
    let parsed: OpenAiChunk<'_> = serde_json::from_str(r#"{"model":"m","choices":[]}"#).unwrap();
    assert!(matches!(parsed.model, Some(Str(Cow::Borrowed("m")))));

    let (sets, generated_text) = datasets();
    let queries = Queries::new();
    for set in &sets {
        check(set, &queries);
    }
    assert_eq!(
        ssecat_reader(Dialect::OpenAiChat, &sets[1].chunks).0,
        generated_text
    );

    for set in &sets {
        let mut group = c.benchmark_group(format!("json_lookup/{}", set.name));
        group.throughput(Throughput::Bytes(set.bytes()));
        let (dialect, chunks) = (set.dialect, set.chunks.as_slice());
        group.bench_function(BenchmarkId::from_parameter("ssecat-reader"), |b| {
            b.iter(|| ssecat_reader(dialect, chunks))
        });
        group.bench_function(BenchmarkId::from_parameter("serde-reader"), |b| {
            b.iter(|| serde_reader(dialect, chunks))
        });
        group.bench_function(BenchmarkId::from_parameter("ssecat-query"), |b| {
            b.iter(|| ssecat_query(&queries, dialect, chunks))
        });
        group.bench_function(BenchmarkId::from_parameter("serde-parse"), |b| {
            b.iter(|| serde_parse(dialect, chunks))
        });
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
