//! OpenAI Chat Completions chunks and their compatibles (vLLM, llama.cpp
//! `/v1`, Mistral, LiteLLM, Ollama `/v1`, TGI `/v1`). The text is
//! `choices[0].delta.content` (`choices[0].text` in legacy completions); the
//! stream ends at `data: [DONE]`, which [`super::Reader`] handles for every
//! dialect. A whole (non-streaming) response has `choices[0].message`
//! where a chunk has `delta`.
//!
//! Below the reading, the writing: what `ssecat serve` answers in this
//! format, streamed ([`Speaker`]) or whole.

use serde_json::{json, Value};

use super::json_path::{elements, fields, string_value, Step};
use super::turn::{gather, is_first, slot};
use super::wire::{self, Answer, Ask, Finish, Prompt, Speak};
use super::Turn;
use crate::sse::Event;

const CHOICE: [Step<'static>; 2] = [Step::Key("choices"), Step::Index(0)];
const DELTA: [Step<'static>; 3] = [CHOICE[0], CHOICE[1], Step::Key("delta")];

const fn in_choice(key: &'static str) -> [Step<'static>; 3] {
    [CHOICE[0], CHOICE[1], Step::Key(key)]
}

const fn in_delta(key: &'static str) -> [Step<'static>; 4] {
    [DELTA[0], DELTA[1], DELTA[2], Step::Key(key)]
}

fields! {
    /// Everything an event can carry, looked up in one pass.
    struct Chunk {
        index: in_choice("index"),
        content: in_delta("content"),
        /// Legacy completions (`/v1/completions`, also served by vLLM and
        /// llama.cpp).
        completion_text: in_choice("text"),
        refusal: in_delta("refusal"),
        reasoning_content: in_delta("reasoning_content"),
        reasoning: in_delta("reasoning"),
        tool_calls: in_delta("tool_calls"),
        finish: in_choice("finish_reason"),
        input: [Step::Key("usage"), Step::Key("prompt_tokens")],
        output: [Step::Key("usage"), Step::Key("completion_tokens")],
        error: [Step::Key("error")],
        model: [Step::Key("model")],
        id: [Step::Key("id")],
    }
}

fields! {
    /// A piece of a tool call.
    struct ToolCallPiece {
        index: [Step::Key("index")],
        id: [Step::Key("id")],
        name: [Step::Key("function"), Step::Key("name")],
        arguments: [Step::Key("function"), Step::Key("arguments")],
    }
}

fields! {
    /// A chunk of content given as an array (Mistral's reasoning models).
    struct ContentChunk {
        kind: [Step::Key("type")],
        text: [Step::Key("text")],
        thinking: [Step::Key("thinking")],
    }
}

pub fn read(event: &Event<'_>, turn: &mut Turn) {
    let Some(Chunk {
        index,
        content,
        completion_text,
        refusal,
        reasoning_content,
        reasoning,
        tool_calls,
        finish,
        input,
        output,
        error,
        model,
        id,
    }) = Chunk::find_like(event.data, &mut turn.template)
    else {
        return;
    };
    // With `n` > 1 the other choices come in chunks of their own, in any
    // order; only the first one is the answer.
    if is_first(index) {
        read_answer([content, completion_text, refusal], turn);
        turn.push_reasoning(reasoning_content.or(reasoning));
        if let Some(calls) = tool_calls {
            for call in elements(calls) {
                read_tool_call(call, turn);
            }
        }
        turn.set_finish_reason(finish);
    }
    // `usage` is `null` on every chunk but the last when it is asked for.
    turn.set_usage(input, output);
    turn.fail_with(error);
    turn.set_model_once(model);
    turn.set_id_once(id);
}

/// The answer text of a delta or a message, as one delta: its `content` (a
/// string or an array of chunks), or the legacy `text`, and its `refusal`.
fn read_answer([content, completion_text, refusal]: [Option<&str>; 3], turn: &mut Turn) {
    // Appended in place: this runs for every chunk of a stream.
    let before = turn.text.len();
    match content {
        Some(chunks) if chunks.starts_with('[') => {
            read_content_chunks(chunks, &mut turn.text, &mut turn.reasoning)
        }
        _ => gather(content.or(completion_text), &mut turn.text),
    }
    // A refusal takes the place of the answer (`content` is null): it is
    // printed as the answer is, or the user would see nothing and not
    // know why.
    gather(refusal, &mut turn.text);
    turn.count_text(before);
}

fields! {
    /// The top level of a whole response, looked up in one pass.
    struct Document {
        choices: [Step::Key("choices")],
        input: [Step::Key("usage"), Step::Key("prompt_tokens")],
        output: [Step::Key("usage"), Step::Key("completion_tokens")],
        error: [Step::Key("error")],
        model: [Step::Key("model")],
        id: [Step::Key("id")],
    }
}

const fn in_message(key: &'static str) -> [Step<'static>; 2] {
    [Step::Key("message"), Step::Key(key)]
}

fields! {
    /// One choice of a whole response, looked up in one pass.
    struct ChoiceDocument {
        index: [Step::Key("index")],
        content: in_message("content"),
        completion_text: [Step::Key("text")],
        refusal: in_message("refusal"),
        reasoning_content: in_message("reasoning_content"),
        reasoning: in_message("reasoning"),
        tool_calls: in_message("tool_calls"),
        finish: [Step::Key("finish_reason")],
    }
}

/// A whole response (`chat.completion`, or legacy `text_completion`): it is
/// of this dialect when it has a `choices` array.
pub fn read_document(doc: &str, turn: &mut Turn) -> bool {
    let Some(Document {
        choices: Some(choices),
        input,
        output,
        error,
        model,
        id,
    }) = Document::find(doc)
    else {
        return false;
    };
    if !choices.starts_with('[') {
        return false;
    }
    // With `n` > 1 only the choice at index 0 is the answer.
    let first = elements(choices)
        .into_iter()
        .filter_map(ChoiceDocument::find)
        .find(|choice| is_first(choice.index));
    if let Some(choice) = first {
        read_choice_document(choice, turn);
    }
    turn.set_usage(input, output);
    turn.fail_with(error);
    turn.set_model(model);
    turn.set_id(id);
    true
}

/// The answer choice of a whole response; its tool calls come whole.
fn read_choice_document(choice: ChoiceDocument<'_>, turn: &mut Turn) {
    let ChoiceDocument {
        content,
        completion_text,
        refusal,
        reasoning_content,
        reasoning,
        tool_calls,
        finish,
        ..
    } = choice;
    read_answer([content, completion_text, refusal], turn);
    turn.push_reasoning(reasoning_content.or(reasoning));
    for call in tool_calls.map(elements).unwrap_or_default() {
        if let Some(ToolCallPiece {
            id,
            name,
            arguments,
            ..
        }) = ToolCallPiece::find(call)
        {
            turn.push_tool_call(id, name, arguments);
        }
    }
    turn.set_finish_reason(finish);
}

/// Content as an array of chunks, as Mistral's reasoning models send it:
/// `{"type":"text","text":…}` is answer text, and
/// `{"type":"thinking","thinking":[{"type":"text","text":…},…]}` reasoning.
/// The text is gathered into `answer` (one delta for the whole array).
fn read_content_chunks(chunks: &str, answer: &mut String, reasoning: &mut String) {
    for chunk in elements(chunks) {
        let Some(ContentChunk {
            kind,
            text,
            thinking,
        }) = ContentChunk::find(chunk)
        else {
            continue;
        };
        match kind.and_then(string_value).as_deref() {
            Some("text") => gather(text, answer),
            Some("thinking") => match thinking {
                Some(inner) if inner.starts_with('[') => {
                    for inner in elements(inner) {
                        if let Some(ContentChunk {
                            kind: None | Some(r#""text""#),
                            text,
                            ..
                        }) = ContentChunk::find(inner)
                        {
                            gather(text, reasoning);
                        }
                    }
                }
                _ => gather(thinking, reasoning),
            },
            // References, images and the like are not text.
            _ => {}
        }
    }
}

/// A piece of a tool call: `{index, id?, function: {name?, arguments?}}`.
/// Without an `index` (Gemini's OpenAI-compatible endpoint), a piece with a
/// new id or a name starts a call and one with neither adds to the last.
fn read_tool_call(call: &str, turn: &mut Turn) {
    let Some(ToolCallPiece {
        index,
        id,
        name,
        arguments,
    }) = ToolCallPiece::find(call)
    else {
        return;
    };
    if index.is_some_and(|raw| raw != "null") {
        turn.tool_call(slot(index)).set(id, name, arguments);
        return;
    }
    let id_text = id.and_then(string_value).filter(|id| !id.is_empty());
    let name_text = name.and_then(string_value).filter(|name| !name.is_empty());
    let starts = match (&id_text, turn.tool_calls.last()) {
        (_, None) => true,
        // A server may repeat the id on every piece of the call.
        (Some(id), Some(last)) => last.id.as_deref() != Some(&**id),
        (None, Some(_)) => name_text.is_some(),
    };
    let call = if starts {
        turn.new_tool_call()
    } else {
        turn.tool_calls.last_mut().expect("there is a last call")
    };
    call.set(id, name, arguments);
}

// Writing: what `ssecat serve` answers at `/v1/chat/completions`.

/// Fixed, as a deployment's would be while it does not change.
const SYSTEM_FINGERPRINT: &str = "fp_ssecat";

/// The streaming request a prompt makes. `max_completion_tokens` is the
/// limit's name that every OpenAI model takes (reasoning models refuse
/// `max_tokens`); usage is asked for, as OpenAI streams none otherwise.
pub fn request(prompt: &Prompt) -> Value {
    wire::members([
        ("model", prompt.model.clone().map(Value::from)),
        ("messages", Some(wire::chat_messages(prompt))),
        ("max_completion_tokens", prompt.max_tokens.map(Value::from)),
        ("temperature", prompt.temperature.map(Value::from)),
        ("stream", Some(true.into())),
        ("stream_options", Some(json!({"include_usage": true}))),
    ])
}

/// What a chat completion request asks; its prompt is the text of every
/// message, the system's included.
pub fn ask(_path_and_query: &str, body: &[u8]) -> Result<Ask, String> {
    let body = wire::request_object(body)?;
    let mut texts = Vec::new();
    wire::message_texts(&body, &mut texts);
    let stream_option = |key: &str| {
        body.get("stream_options")
            .and_then(Value::as_object)
            .is_some_and(|options| wire::is_true(options, key))
    };
    let include_usage = stream_option("include_usage");
    Ok(Ask {
        model: wire::string(&body, "model"),
        // `max_tokens` is the older name, still taken.
        max_tokens: wire::count(&body, "max_completion_tokens")
            .or_else(|| wire::count(&body, "max_tokens")),
        stream: wire::is_true(&body, "stream"),
        include_usage,
        // vLLM reports usage in every chunk only when it is asked for at all.
        continuous_usage: include_usage && stream_option("continuous_usage_stats"),
        json_array: false,
        input_tokens: wire::prompt_tokens(&texts),
    })
}

/// Writes `chat.completion.chunk`s, as OpenAI (and vLLM) stream them.
pub struct Speaker {
    answer: Answer,
    include_usage: bool,
    continuous_usage: bool,
    output_tokens: u64,
}

pub fn speaker(ask: &Ask, answer: Answer) -> Speaker {
    Speaker {
        answer,
        include_usage: ask.include_usage,
        continuous_usage: ask.continuous_usage,
        output_tokens: 0,
    }
}

impl Speaker {
    /// One chunk with the first choice's `delta` and `finish_reason`.
    fn choice_chunk(&self, delta: Value, finish_reason: Value, out: &mut Vec<u8>) {
        let choices = json!([{
            "index": 0,
            "delta": delta,
            "logprobs": null,
            "finish_reason": finish_reason,
        }]);
        // When usage is asked for, every chunk has the member: `null` until
        // the usage chunk, or the running usage in vLLM's continuous mode.
        let usage = if self.continuous_usage {
            Some(usage(self.answer.input_tokens, self.output_tokens))
        } else {
            self.include_usage.then_some(Value::Null)
        };
        self.chunk(choices, usage, out);
    }

    fn chunk(&self, choices: Value, usage: Option<Value>, out: &mut Vec<u8>) {
        let mut chunk = json!({
            "id": self.answer.id,
            "object": "chat.completion.chunk",
            "created": self.answer.created,
            "model": self.answer.model,
            "service_tier": "default",
            "system_fingerprint": SYSTEM_FINGERPRINT,
            "choices": choices,
        });
        if let Some(usage) = usage {
            chunk["usage"] = usage;
        }
        wire::write_event(out, None, &chunk);
    }
}

impl Speak for Speaker {
    fn content_type(&self) -> &'static str {
        "text/event-stream"
    }

    fn open(&mut self, out: &mut Vec<u8>) {
        let role = json!({"role": "assistant", "content": "", "refusal": null});
        self.choice_chunk(role, Value::Null, out);
    }

    fn delta(&mut self, text: &str, tokens: u64, out: &mut Vec<u8>) {
        self.output_tokens += tokens;
        self.choice_chunk(json!({"content": text}), Value::Null, out);
    }

    fn close(&mut self, finish: Finish, out: &mut Vec<u8>) {
        self.choice_chunk(json!({}), finish_reason(finish).into(), out);
        if self.include_usage {
            let usage = usage(self.answer.input_tokens, self.output_tokens);
            self.chunk(json!([]), Some(usage), out);
        }
        out.extend_from_slice(b"data: [DONE]\n\n");
    }

    /// OpenAI sends the error document as a chunk and ends without `[DONE]`.
    fn fail(&mut self, message: &str, out: &mut Vec<u8>) {
        wire::write_event(out, None, &error_document(500, message));
    }
}

fn finish_reason(finish: Finish) -> &'static str {
    match finish {
        Finish::Stop => "stop",
        Finish::Length => "length",
    }
}

fn usage(input_tokens: u64, output_tokens: u64) -> Value {
    json!({
        "prompt_tokens": input_tokens,
        "completion_tokens": output_tokens,
        "total_tokens": input_tokens + output_tokens,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    })
}

/// The `chat.completion` a request without `"stream": true` gets.
pub fn whole(
    _ask: &Ask,
    answer: &Answer,
    text: &str,
    output_tokens: u64,
    finish: Finish,
) -> Vec<u8> {
    wire::json_body(&json!({
        "id": answer.id,
        "object": "chat.completion",
        "created": answer.created,
        "model": answer.model,
        "choices": [{
            "index": 0,
            "message": {
                "role": "assistant",
                "content": text,
                "refusal": null,
                "annotations": [],
            },
            "logprobs": null,
            "finish_reason": finish_reason(finish),
        }],
        "usage": usage(answer.input_tokens, output_tokens),
        "service_tier": "default",
        "system_fingerprint": SYSTEM_FINGERPRINT,
    }))
}

/// OpenAI's error document, for both of its APIs; `status` picks its type
/// and code as OpenAI's do.
pub fn error_body(status: u16, message: &str) -> Vec<u8> {
    wire::json_body(&error_document(status, message))
}

fn error_document(status: u16, message: &str) -> Value {
    let (kind, code) = match status {
        401 => ("invalid_request_error", Some("invalid_api_key")),
        404 => ("invalid_request_error", Some("model_not_found")),
        // The type says which limit was hit (`requests` or `tokens`).
        429 => ("requests", Some("rate_limit_exceeded")),
        _ if status >= 500 => ("server_error", None),
        _ => ("invalid_request_error", None),
    };
    json!({"error": {"message": message, "type": kind, "param": null, "code": code}})
}
