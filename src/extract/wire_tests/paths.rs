//! How `ssecat serve` counts tokens and finds each API by its path.

use crate::extract::wire::{tokens, Api};

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
