//! Writing a dialect: the answers `ssecat serve` gives as each provider's
//! API would, byte for byte. Each dialect module writes its own wire format
//! next to the code that reads it; this file holds what they share: which
//! API a request path names, what a request asks, and the writer's shape.

use super::Dialect;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_words_with_the_space_before_them() {
        assert_eq!(tokens("Hello big world"), ["Hello", " big", " world"]);
        assert_eq!(tokens("  two\n\nlines "), ["  two", "\n\nlines", " "]);
        assert_eq!(tokens("héllo wörld"), ["héllo", " wörld"]);
        assert!(tokens("").is_empty());
        for text in ["a b  c", " lead", "trail ", "x\ty\nz", "  "] {
            assert_eq!(tokens(text).concat(), text, "{text:?}");
        }
    }

    #[test]
    fn each_api_is_found_at_its_path() {
        for (path, api) in [
            ("/v1/chat/completions", Api::OpenAiChat),
            ("/v1/responses", Api::OpenAiResponses),
            ("/v1/messages", Api::Anthropic),
            (
                "/v1beta/models/gemini-2.0-flash:streamGenerateContent",
                Api::Gemini,
            ),
            (
                "/v1beta/models/gemini-2.0-flash:generateContent",
                Api::Gemini,
            ),
            ("/v2/chat", Api::Cohere),
            ("/api/chat", Api::OllamaChat),
            ("/api/generate", Api::OllamaGenerate),
            ("/generate_stream", Api::Tgi),
            ("/completion", Api::LlamaCpp),
        ] {
            assert_eq!(Api::for_path(path), Some(api), "{path}");
        }
        assert_eq!(Api::for_path("/v1beta/models/x:countTokens"), None);
        assert_eq!(Api::for_path("/nowhere"), None);
    }
}
