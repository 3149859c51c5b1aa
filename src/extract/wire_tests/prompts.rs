//! The requests a prompt makes, one per API: exactly the JSON each API
//! documents for a streaming request, and read back by the API's own
//! `ask` (what `ssecat serve` reads) with the model, limit and prompt.

use serde_json::{json, Value};

use crate::extract::wire::{Api, Ask, ModelField, Prompt};
use crate::extract::Dialect;

/// "Be brief." and "Say OK twice": 5 tokens in all, as serve counts them.
fn full() -> Prompt {
    Prompt {
        text: "Say OK twice".to_owned(),
        system: Some("Be brief.".to_owned()),
        model: Some("m1".to_owned()),
        max_tokens: Some(7),
        temperature: Some(0.5),
    }
}

/// The path each API is asked at.
fn path(api: Api) -> &'static str {
    match api {
        Api::OpenAiChat => "/v1/chat/completions",
        Api::OpenAiResponses => "/v1/responses",
        Api::Anthropic => "/v1/messages",
        Api::Gemini => "/v1beta/models/m1:streamGenerateContent?alt=sse",
        Api::Cohere => "/v2/chat",
        Api::OllamaChat => "/api/chat",
        Api::OllamaGenerate => "/api/generate",
        Api::Tgi => "/generate_stream",
        Api::LlamaCpp => "/completion",
    }
}

/// `full()` as `api` can take it: no system prompt where there is no
/// place for one, no model where the API names none in the body.
fn prompt_for(api: Api) -> Prompt {
    let mut prompt = full();
    if !api.takes_system() {
        prompt.system = None;
    }
    if matches!(api.model_field(), ModelField::InPath | ModelField::Absent) {
        prompt.model = None;
    }
    prompt
}

/// The request bodies, as the APIs' references show a streaming request.
fn documented(api: Api) -> Value {
    let chat = json!([
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Say OK twice"},
    ]);
    match api {
        Api::OpenAiChat => json!({
            "model": "m1", "messages": chat, "max_completion_tokens": 7, "temperature": 0.5,
            "stream": true, "stream_options": {"include_usage": true},
        }),
        Api::OpenAiResponses => json!({
            "model": "m1", "instructions": "Be brief.", "input": "Say OK twice",
            "max_output_tokens": 7, "temperature": 0.5, "stream": true,
        }),
        Api::Anthropic => json!({
            "model": "m1", "system": "Be brief.",
            "messages": [{"role": "user", "content": "Say OK twice"}],
            "max_tokens": 7, "temperature": 0.5, "stream": true,
        }),
        Api::Gemini => json!({
            "systemInstruction": {"parts": [{"text": "Be brief."}]},
            "contents": [{"role": "user", "parts": [{"text": "Say OK twice"}]}],
            "generationConfig": {"maxOutputTokens": 7, "temperature": 0.5},
        }),
        Api::Cohere => json!({
            "model": "m1", "messages": chat, "max_tokens": 7, "temperature": 0.5, "stream": true,
        }),
        Api::OllamaChat => json!({
            "model": "m1", "messages": chat,
            "options": {"num_predict": 7, "temperature": 0.5}, "stream": true,
        }),
        Api::OllamaGenerate => json!({
            "model": "m1", "prompt": "Say OK twice", "system": "Be brief.",
            "options": {"num_predict": 7, "temperature": 0.5}, "stream": true,
        }),
        Api::Tgi => json!({
            "inputs": "Say OK twice",
            "parameters": {"max_new_tokens": 7, "temperature": 0.5, "details": true},
        }),
        Api::LlamaCpp => json!({
            "model": "m1", "prompt": "Say OK twice", "n_predict": 7, "temperature": 0.5,
            "stream": true,
        }),
    }
}

#[test]
fn each_api_gets_the_request_it_documents() {
    for api in Api::ALL {
        let (body, _) = api.request(&prompt_for(api));
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body, documented(api), "{api:?}");
    }
}

#[test]
fn each_api_reads_its_request_back() {
    for api in Api::ALL {
        let prompt = prompt_for(api);
        let (body, _) = api.request(&prompt);
        let ask = api.ask(path(api), &body).unwrap();
        let system_tokens = if prompt.system.is_some() { 2 } else { 0 };
        let expected = Ask {
            model: Some("m1".to_owned()).filter(|_| api.model_field() != ModelField::Absent),
            max_tokens: Some(7),
            stream: true,
            include_usage: api == Api::OpenAiChat,
            continuous_usage: false,
            json_array: false,
            input_tokens: 3 + system_tokens,
        };
        assert_eq!(ask, expected, "{api:?}");
    }
}

#[test]
fn what_a_prompt_does_not_say_is_left_out() {
    let bare = Prompt {
        text: "Hi".to_owned(),
        ..Prompt::default()
    };
    let request = |api: Api| -> Value { serde_json::from_slice(&api.request(&bare).0).unwrap() };
    assert_eq!(
        request(Api::Gemini),
        json!({"contents": [{"role": "user", "parts": [{"text": "Hi"}]}]})
    );
    assert_eq!(
        request(Api::OllamaGenerate),
        json!({"prompt": "Hi", "stream": true})
    );
    assert_eq!(
        request(Api::LlamaCpp),
        json!({"prompt": "Hi", "stream": true})
    );
    assert_eq!(
        request(Api::Tgi),
        json!({"inputs": "Hi", "parameters": {"details": true}})
    );
    // Anthropic refuses a request without a limit: the default is sent.
    let anthropic = request(Api::Anthropic);
    assert_eq!(anthropic["max_tokens"], 1024);
    assert_eq!(anthropic.get("system"), None);
}

#[test]
fn anthropic_alone_requires_a_header() {
    for api in Api::ALL {
        let (_, headers) = api.request(&full());
        let expected: &[(&str, &str)] = match api {
            Api::Anthropic => &[("anthropic-version", "2023-06-01")],
            _ => &[],
        };
        assert_eq!(headers, expected, "{api:?}");
    }
}

#[test]
fn each_dialect_names_an_api_that_speaks_it() {
    for dialect in Dialect::ALL {
        assert_eq!(Api::of(dialect).dialect(), dialect);
    }
    assert_eq!(Api::of(Dialect::Ollama), Api::OllamaChat);
}
