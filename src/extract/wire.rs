//! Writing a dialect: the answers `ssecat serve` gives as each provider's
//! API would, byte for byte. Each dialect module writes its own wire format
//! next to the code that reads it; this file holds what they share: which
//! API a request path names, what a request asks, and the writer's shape.
//! The other way round, each dialect module also writes the streaming
//! request a [`Prompt`] makes in its API, which its own `ask` reads.

use serde::Serialize;
use serde_json::{json, Map, Value};

use super::{
    anthropic, cohere, gemini, llamacpp, ollama, openai_chat, openai_responses, tgi, Dialect,
};

/// The streaming APIs `ssecat serve` answers, each at its usual path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    /// `POST /v1/chat/completions`
    OpenAiChat,
    /// `POST /v1/responses`
    OpenAiResponses,
    /// `POST /v1/messages`
    Anthropic,
    /// `POST /v1beta/models/{model}:streamGenerateContent` (and `:generateContent`)
    Gemini,
    /// `POST /v2/chat`
    Cohere,
    /// `POST /api/chat`
    OllamaChat,
    /// `POST /api/generate`
    OllamaGenerate,
    /// `POST /generate_stream` (and `/generate`)
    Tgi,
    /// `POST /completion`
    LlamaCpp,
}

/// The paths of the APIs, for messages that list them.
pub const PATHS: &str = "/v1/chat/completions, /v1/responses, /v1/messages, \
     /v1beta/models/MODEL:streamGenerateContent, /v2/chat, /api/chat, /api/generate, \
     /generate_stream or /completion";

impl Api {
    pub const ALL: [Api; 9] = [
        Api::OpenAiChat,
        Api::OpenAiResponses,
        Api::Anthropic,
        Api::Gemini,
        Api::Cohere,
        Api::OllamaChat,
        Api::OllamaGenerate,
        Api::Tgi,
        Api::LlamaCpp,
    ];

    /// The API a request path (without its query) names, if any.
    pub fn for_path(path: &str) -> Option<Api> {
        let path = path.trim_end_matches('/');
        match path {
            "/v1/chat/completions" | "/chat/completions" => Some(Api::OpenAiChat),
            "/v1/responses" | "/responses" => Some(Api::OpenAiResponses),
            "/v1/messages" => Some(Api::Anthropic),
            "/v2/chat" => Some(Api::Cohere),
            "/api/chat" => Some(Api::OllamaChat),
            "/api/generate" => Some(Api::OllamaGenerate),
            "/generate_stream" | "/generate" => Some(Api::Tgi),
            "/completion" | "/completions" => Some(Api::LlamaCpp),
            _ if gemini_method(path).is_some() => Some(Api::Gemini),
            _ => None,
        }
    }

    /// The id of the `number`th answer, as this API shapes its ids.
    pub fn answer_id(self, number: u64) -> String {
        match self {
            Api::OpenAiChat => format!("chatcmpl-ssecat{number:08}"),
            Api::OpenAiResponses => format!("resp_ssecat{number:08}"),
            Api::Anthropic => format!("msg_ssecat{number:08}"),
            // A UUID.
            Api::Cohere => format!("55ec0a70-0000-4000-8000-{number:012x}"),
            _ => format!("ssecat{number:08}"),
        }
    }

    /// The API that speaks `dialect` (Ollama's: its chat).
    pub fn of(dialect: Dialect) -> Api {
        match dialect {
            Dialect::OpenAiChat => Api::OpenAiChat,
            Dialect::OpenAiResponses => Api::OpenAiResponses,
            Dialect::Anthropic => Api::Anthropic,
            Dialect::Gemini => Api::Gemini,
            Dialect::Cohere => Api::Cohere,
            Dialect::Ollama => Api::OllamaChat,
            Dialect::Tgi => Api::Tgi,
            Dialect::LlamaCpp => Api::LlamaCpp,
        }
    }

    /// Where this API's requests name the model.
    pub fn model_field(self) -> ModelField {
        match self {
            Api::Gemini => ModelField::InPath,
            // TGI serves the one model it was started with.
            Api::Tgi => ModelField::Absent,
            // llama-server picks the model by it only in its router mode.
            Api::LlamaCpp => ModelField::Optional,
            _ => ModelField::Required,
        }
    }

    /// Whether this API's request has a place for a system prompt (TGI's
    /// and llama.cpp's take one text, already templated).
    pub fn takes_system(self) -> bool {
        !matches!(self, Api::Tgi | Api::LlamaCpp)
    }

    /// The streaming request `prompt` makes in this API: its JSON body,
    /// and the headers the API requires besides `Content-Type`.
    pub fn request(self, prompt: &Prompt) -> (Vec<u8>, ApiHeaders) {
        let body = match self {
            Api::OpenAiChat => openai_chat::request(prompt),
            Api::OpenAiResponses => openai_responses::request(prompt),
            Api::Anthropic => anthropic::request(prompt),
            Api::Gemini => gemini::request(prompt),
            Api::Cohere => cohere::request(prompt),
            Api::OllamaChat => ollama::request(ollama::Endpoint::Chat, prompt),
            Api::OllamaGenerate => ollama::request(ollama::Endpoint::Generate, prompt),
            Api::Tgi => tgi::request(prompt),
            Api::LlamaCpp => llamacpp::request(prompt),
        };
        let headers = match self {
            Api::Anthropic => vec![anthropic::VERSION_HEADER],
            _ => Vec::new(),
        };
        (json_body(&body), headers)
    }

    /// The dialect this API's answers are read with.
    pub fn dialect(self) -> Dialect {
        match self {
            Api::OpenAiChat => Dialect::OpenAiChat,
            Api::OpenAiResponses => Dialect::OpenAiResponses,
            Api::Anthropic => Dialect::Anthropic,
            Api::Gemini => Dialect::Gemini,
            Api::Cohere => Dialect::Cohere,
            Api::OllamaChat | Api::OllamaGenerate => Dialect::Ollama,
            Api::Tgi => Dialect::Tgi,
            Api::LlamaCpp => Dialect::LlamaCpp,
        }
    }

    /// What a request to this API asks: `Err` (a short message for a 400
    /// answer) when its body is not a JSON object.
    pub fn ask(self, path_and_query: &str, body: &[u8]) -> Result<Ask, String> {
        match self {
            Api::OpenAiChat => openai_chat::ask(path_and_query, body),
            Api::OpenAiResponses => openai_responses::ask(path_and_query, body),
            Api::Anthropic => anthropic::ask(path_and_query, body),
            Api::Gemini => gemini::ask(path_and_query, body),
            Api::Cohere => cohere::ask(path_and_query, body),
            Api::OllamaChat => ollama::ask(ollama::Endpoint::Chat, body),
            Api::OllamaGenerate => ollama::ask(ollama::Endpoint::Generate, body),
            Api::Tgi => tgi::ask(path_and_query, body),
            Api::LlamaCpp => llamacpp::ask(body),
        }
    }

    /// The writer of a streamed answer in this API's wire format.
    pub fn speaker(self, ask: &Ask, answer: Answer) -> Box<dyn Speak> {
        match self {
            Api::OpenAiChat => Box::new(openai_chat::speaker(ask, answer)),
            Api::OpenAiResponses => Box::new(openai_responses::speaker(ask, answer)),
            Api::Anthropic => Box::new(anthropic::speaker(ask, answer)),
            Api::Gemini => Box::new(gemini::speaker(ask, answer)),
            Api::Cohere => Box::new(cohere::speaker(ask, answer)),
            Api::OllamaChat => Box::new(ollama::speaker(ollama::Endpoint::Chat, answer)),
            Api::OllamaGenerate => Box::new(ollama::speaker(ollama::Endpoint::Generate, answer)),
            Api::Tgi => Box::new(tgi::speaker(ask, answer)),
            Api::LlamaCpp => Box::new(llamacpp::speaker(ask, answer)),
        }
    }

    /// The whole (non-streaming) response body carrying `text`.
    pub fn whole(
        self,
        ask: &Ask,
        answer: &Answer,
        text: &str,
        output_tokens: u64,
        finish: Finish,
    ) -> Vec<u8> {
        match self {
            Api::OpenAiChat => openai_chat::whole(ask, answer, text, output_tokens, finish),
            Api::OpenAiResponses => {
                openai_responses::whole(ask, answer, text, output_tokens, finish)
            }
            Api::Anthropic => anthropic::whole(ask, answer, text, output_tokens, finish),
            Api::Gemini => gemini::whole(ask, answer, text, output_tokens, finish),
            Api::Cohere => cohere::whole(ask, answer, text, output_tokens, finish),
            Api::OllamaChat => {
                ollama::whole(ollama::Endpoint::Chat, answer, text, output_tokens, finish)
            }
            Api::OllamaGenerate => ollama::whole(
                ollama::Endpoint::Generate,
                answer,
                text,
                output_tokens,
                finish,
            ),
            Api::Tgi => tgi::whole(text, output_tokens, finish),
            Api::LlamaCpp => llamacpp::whole(ask, answer, text, output_tokens, finish),
        }
    }

    /// The body of an HTTP error answer with `status`, in this API's shape.
    pub fn error_body(self, status: u16, message: &str) -> Vec<u8> {
        match self {
            // Both OpenAI APIs share one error document.
            Api::OpenAiChat | Api::OpenAiResponses => openai_chat::error_body(status, message),
            Api::Anthropic => anthropic::error_body(status, message),
            Api::Gemini => gemini::error_body(status, message),
            Api::Cohere => cohere::error_body(status, message),
            Api::OllamaChat | Api::OllamaGenerate => ollama::error_body(message),
            Api::Tgi => tgi::error_body(status, message),
            Api::LlamaCpp => llamacpp::error_body(status, message),
        }
    }
}

/// Gemini's model and method from a path such as
/// `/v1beta/models/gemini-2.0-flash:streamGenerateContent`.
pub fn gemini_method(path: &str) -> Option<(&str, &str)> {
    let rest = path
        .strip_prefix("/v1beta/models/")
        .or_else(|| path.strip_prefix("/v1/models/"))?;
    let (model, method) = rest.split_once(':')?;
    matches!(method, "streamGenerateContent" | "generateContent").then_some((model, method))
}

/// The headers an API requires of a request, names and values.
pub type ApiHeaders = Vec<(&'static str, &'static str)>;

/// Where an API's requests name the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelField {
    /// In the body, which is refused without it.
    Required,
    /// In the body, when there is a choice.
    Optional,
    /// In the path (Gemini's `models/MODEL:…`).
    InPath,
    /// Nowhere: the server has one.
    Absent,
}

/// A prompt, from which each dialect module writes its API's streaming
/// request; what is `None` is left out, for the API's default.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Prompt {
    pub text: String,
    pub system: Option<String>,
    pub model: Option<String>,
    pub max_tokens: Option<u64>,
    pub temperature: Option<f64>,
}

/// The chat messages of a prompt, as OpenAI, Cohere and Ollama take them:
/// the system's, when there is one, then the user's.
pub fn chat_messages(prompt: &Prompt) -> Value {
    let system = (prompt.system.as_deref()).map(|text| json!({"role": "system", "content": text}));
    let user = json!({"role": "user", "content": prompt.text});
    Value::Array(system.into_iter().chain([user]).collect())
}

/// A JSON object of the members that have a value.
pub fn members<const N: usize>(members: [(&str, Option<Value>); N]) -> Value {
    let present = members.into_iter();
    Value::Object(
        present
            .filter_map(|(key, value)| Some((key.to_owned(), value?)))
            .collect(),
    )
}

/// A JSON object of the members that have a value, when one has.
pub fn optional_members<const N: usize>(members: [(&str, Option<Value>); N]) -> Option<Value> {
    let any = members.iter().any(|(_, value)| value.is_some());
    any.then(|| self::members(members))
}

/// What a client's request asks of an answer, read from its path, query
/// and body by the API's dialect module.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ask {
    pub model: Option<String>,
    /// The most output tokens the request allows (`max_tokens`,
    /// `max_output_tokens`, `maxOutputTokens`, `num_predict`, …).
    pub max_tokens: Option<u64>,
    /// Whether the answer is streamed: what the body says, else the API's
    /// default (Ollama streams unless told not to; Gemini and TGI by path).
    pub stream: bool,
    /// OpenAI Chat's `stream_options.include_usage` (the other APIs always
    /// report usage).
    pub include_usage: bool,
    /// vLLM's `stream_options.continuous_usage_stats`: usage in every chunk.
    pub continuous_usage: bool,
    /// Gemini's `streamGenerateContent` without `alt=sse`: a JSON array,
    /// streamed, as Google sends it.
    pub json_array: bool,
    /// The prompt's tokens (the words of its text), for the usage.
    pub input_tokens: u64,
}

/// The facts of one answer that every wire format carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The response id, unique per request (`chatcmpl-…`, `msg_…`).
    pub id: String,
    pub model: String,
    /// When it was created, in Unix seconds.
    pub created: u64,
    pub input_tokens: u64,
}

/// Why the answer ended, spelled by each API its own way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finish {
    /// The text was all sent (`stop`, `end_turn`, `STOP`, `COMPLETE`, …).
    Stop,
    /// The request's token limit cut it (`length`, `max_tokens`, `MAX_TOKENS`, …).
    Length,
}

/// Writes one streamed answer in an API's wire format, piece by piece,
/// appending the bytes to send to `out`. Called `open`, then `delta` for
/// each chunk, then `close` or `fail`.
pub trait Speak: Send {
    /// The response's `Content-Type`.
    fn content_type(&self) -> &'static str;
    /// What comes before the first token (a role chunk, `message_start`,
    /// `response.created`, …); may be nothing.
    fn open(&mut self, out: &mut Vec<u8>);
    /// One chunk carrying `text`, which is `tokens` tokens.
    fn delta(&mut self, text: &str, tokens: u64, out: &mut Vec<u8>);
    /// The end, as the API ends a stream: the finish reason, the usage as
    /// the API reports it, the end marker.
    fn close(&mut self, finish: Finish, out: &mut Vec<u8>);
    /// The API's own in-stream error event, which ends the stream.
    fn fail(&mut self, message: &str, out: &mut Vec<u8>);
}

/// Splits text into tokens as `ssecat serve` counts them: words, each with
/// the whitespace before it. `"Hello big world"` is `["Hello", " big", " world"]`.
pub fn tokens(text: &str) -> Vec<&str> {
    let mut tokens = Vec::new();
    let mut start = 0;
    let mut in_word = false;
    for (at, ch) in text.char_indices() {
        if ch.is_whitespace() {
            if in_word {
                tokens.push(&text[start..at]);
                start = at;
                in_word = false;
            }
        } else {
            in_word = true;
        }
    }
    if start < text.len() {
        tokens.push(&text[start..]);
    }
    tokens
}

// Helpers the dialect writers share.

/// Appends one SSE event: an `event:` line when the API names its events,
/// then the JSON on a single `data:` line (serde_json escapes every line
/// break inside a string, so one line always holds it).
pub fn write_event(out: &mut Vec<u8>, event: Option<&str>, data: &impl Serialize) {
    if let Some(event) = event {
        out.extend_from_slice(b"event: ");
        out.extend_from_slice(event.as_bytes());
        out.push(b'\n');
    }
    out.extend_from_slice(b"data: ");
    write_json(out, data);
    out.extend_from_slice(b"\n\n");
}

/// Appends `value` as compact JSON.
pub fn write_json(out: &mut Vec<u8>, value: &impl Serialize) {
    // The writers' values are `Value`s and plain structs of strings and
    // numbers, which always serialize; writing to memory cannot fail.
    serde_json::to_writer(out, value).expect("a wire value serializes");
}

/// `value` as a compact JSON body.
pub fn json_body(value: &impl Serialize) -> Vec<u8> {
    let mut body = Vec::new();
    write_json(&mut body, value);
    body
}

/// A request body as the JSON object every API expects.
pub fn request_object(body: &[u8]) -> Result<Map<String, Value>, String> {
    match serde_json::from_slice(body) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err("the request body must be a JSON object".to_owned()),
        Err(err) => Err(format!("the request body is not valid JSON: {err}")),
    }
}

/// Whether `key` of a request object is `true`.
pub fn is_true(object: &Map<String, Value>, key: &str) -> bool {
    object.get(key) == Some(&Value::Bool(true))
}

/// A request's member as a count (a token limit), when it is one.
pub fn count(object: &Map<String, Value>, key: &str) -> Option<u64> {
    object.get(key).and_then(Value::as_u64)
}

/// A request's member as a string (the model), when it is one.
pub fn string(object: &Map<String, Value>, key: &str) -> Option<String> {
    object.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// What a chat request asks in the plainest shape (Anthropic's, Cohere's):
/// `model`, `max_tokens`, `stream`, and the prompt's `texts`.
pub fn chat_ask(request: &Map<String, Value>, texts: &[&str]) -> Ask {
    Ask {
        model: string(request, "model"),
        max_tokens: count(request, "max_tokens"),
        stream: is_true(request, "stream"),
        input_tokens: prompt_tokens(texts),
        ..Ask::default()
    }
}

/// Collects the text of every message's content of a chat request
/// (`messages[].content`), in the shapes [`content_texts`] reads.
pub fn message_texts<'a>(request: &'a Map<String, Value>, texts: &mut Vec<&'a str>) {
    let messages = request.get("messages").and_then(Value::as_array);
    for content in messages
        .into_iter()
        .flatten()
        .filter_map(|m| m.get("content"))
    {
        content_texts(content, texts);
    }
}

/// Appends one SSE event named `kind` whose JSON data also has it as its
/// `type`, as Anthropic and Cohere name their events.
pub fn typed_event(kind: &str, mut data: Value, out: &mut Vec<u8>) {
    data["type"] = kind.into();
    write_event(out, Some(kind), &data);
}

/// Collects the text of a message's content in the shapes the APIs take:
/// a string, or an array of parts that are strings or objects with a
/// `text` string (`{"type":"text","text":…}`, `input_text`, Gemini's parts).
pub fn content_texts<'a>(content: &'a Value, texts: &mut Vec<&'a str>) {
    match content {
        Value::String(text) => texts.push(text),
        Value::Array(parts) => texts.extend(parts.iter().filter_map(|part| match part {
            Value::String(text) => Some(text.as_str()),
            _ => part.get("text").and_then(Value::as_str),
        })),
        _ => {}
    }
}

/// The prompt's tokens: its texts joined with spaces, counted as
/// [`tokens`] counts them.
pub fn prompt_tokens(texts: &[&str]) -> u64 {
    count_tokens(&texts.join(" "))
}

/// The tokens of a request's prompt text, for [`Ask::input_tokens`].
pub fn count_tokens(text: &str) -> u64 {
    tokens(text).len() as u64
}
