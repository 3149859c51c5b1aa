//! Whole (non-streaming) responses: every `.json` fixture read by
//! [`Reader::read_document`], detected and forced, and the bodies that are
//! no answer (not JSON, unknown JSON, error bodies).

use super::tests::calls;
use super::*;

/// The text of `tests/fixtures/llm/NAME`.
fn fixture(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/llm")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

fn read_body(body: &str, extraction: Extraction) -> (DocumentRead, Turn) {
    let mut reader = Reader::new(extraction);
    let read = reader.read_document(body);
    (read, reader.turn)
}

/// Reads a fixture with the dialect detected, checks it is `dialect`, that
/// forcing it with `--dialect` reads the same, and that the turn is a
/// whole, ended document of one event.
fn document(name: &str, dialect: Dialect) -> Turn {
    let body = fixture(name);
    assert_eq!(Dialect::detect_document(&body), Some(dialect), "{name}");
    let (read_auto, turn) = read_body(&body, Extraction::Auto);
    assert_eq!(read_auto, DocumentRead::Read, "{name}");
    assert_eq!(turn.dialect, Some(dialect), "{name}");
    let (read_forced, forced) = read_body(&body, Extraction::Dialect(dialect));
    assert_eq!(read_forced, DocumentRead::Read, "{name}");
    assert_eq!(format!("{turn:?}"), format!("{forced:?}"), "{name}");
    assert!(turn.ended && turn.document, "{name}");
    assert_eq!(turn.events, 1, "{name}");
    assert_eq!(turn.error, None, "{name}");
    turn
}

fn usage(input: Option<u64>, output: Option<u64>) -> Option<Usage> {
    Some(Usage {
        input_tokens: input,
        output_tokens: output,
    })
}

#[test]
fn openai_chat_completion() {
    let turn = document("openai-chat.json", Dialect::OpenAiChat);
    assert_eq!(turn.text, "The capital of France is Paris.");
    assert_eq!((turn.deltas, turn.text_chars), (1, 31));
    assert_eq!(turn.reasoning, "");
    assert_eq!(turn.finish_reason.as_deref(), Some("stop"));
    assert_eq!(turn.usage, usage(Some(14), Some(8)));
    assert_eq!(turn.model.as_deref(), Some("gpt-4o-mini-2024-07-18"));
    assert_eq!(
        turn.id.as_deref(),
        Some("chatcmpl-C4xR7vKq2mWb9TnLs0PdYe3HfJa8u")
    );
    assert!(turn.tool_calls.is_empty());
}

#[test]
fn openai_chat_completion_with_tool_calls() {
    let turn = document("openai-chat-tools.json", Dialect::OpenAiChat);
    assert_eq!(turn.text, "");
    assert_eq!(turn.deltas, 0);
    assert_eq!(turn.finish_reason.as_deref(), Some("tool_calls"));
    assert_eq!(
        calls(&turn),
        [
            (
                Some("call_Xq4LmN8vR2tPz6WbK0sJd3Ye"),
                "get_weather",
                r#"{"location": "Paris, France"}"#
            ),
            (
                Some("call_Hs7GcV1nQ5yTa9MeU3fLb2Zo"),
                "get_time",
                r#"{"timezone": "Europe/Paris"}"#
            )
        ]
    );
    assert_eq!(turn.usage, usage(Some(82), Some(47)));
    assert_eq!(turn.model.as_deref(), Some("gpt-4.1-2025-04-14"));
}

#[test]
fn openai_responses_response() {
    let turn = document("openai-responses.json", Dialect::OpenAiResponses);
    assert_eq!(turn.text, r#"There are three r's in "strawberry"."#);
    assert_eq!(turn.deltas, 1);
    assert_eq!(
        turn.reasoning,
        "**Counting the letters**\n\nStrawberry has the letter r three times."
    );
    assert_eq!(turn.finish_reason.as_deref(), Some("completed"));
    assert_eq!(turn.usage, usage(Some(13), Some(146)));
    assert_eq!(turn.model.as_deref(), Some("o4-mini-2025-04-16"));
    assert_eq!(
        turn.id.as_deref(),
        Some("resp_68a1f3c2b7e48190a5d6c9e0f1b2a3c40d5e6f7a8b9c0d1e")
    );
    assert!(turn.tool_calls.is_empty());
}

#[test]
fn anthropic_message() {
    let turn = document("anthropic-messages.json", Dialect::Anthropic);
    assert_eq!(turn.text, "I'll look up the current weather in Paris.");
    assert_eq!(
        turn.reasoning,
        "The user wants the weather in Paris. I should call the weather tool."
    );
    assert_eq!(turn.finish_reason.as_deref(), Some("tool_use"));
    // The input object of the pretty-printed document, compacted.
    assert_eq!(
        calls(&turn),
        [(
            Some("toolu_01Hq9WcXe4Tn7Ls2Pv6Bk3Mz"),
            "get_weather",
            r#"{"location":"Paris, France","unit":"celsius"}"#
        )]
    );
    assert_eq!(turn.usage, usage(Some(412), Some(96)));
    assert_eq!(turn.model.as_deref(), Some("claude-sonnet-4-5-20250929"));
    assert_eq!(turn.id.as_deref(), Some("msg_01Vb7QkPz3XmR8tLw2YcN5sJ"));
}

#[test]
fn gemini_generate_content() {
    let turn = document("gemini.json", Dialect::Gemini);
    assert_eq!(turn.text, "17 + 25 = 42.");
    assert_eq!(turn.deltas, 1);
    assert_eq!(
        turn.reasoning,
        "**Adding the numbers**\n\n17 plus 25: 10 plus 20 is 30, 7 plus 5 is 12."
    );
    assert_eq!(turn.finish_reason.as_deref(), Some("STOP"));
    assert_eq!(turn.usage, usage(Some(12), Some(9)));
    assert_eq!(turn.model.as_deref(), Some("gemini-2.5-flash"));
    assert_eq!(turn.id.as_deref(), Some("Q2d1aFp6Y3lOa0xCZ2NxV1h0"));
    assert!(turn.tool_calls.is_empty());
}

#[test]
fn gemini_array_of_chunks() {
    let turn = document("gemini-array.json", Dialect::Gemini);
    assert_eq!(
        turn.text,
        "Rust is a systems programming language focused on safety and speed.\n"
    );
    // One delta per chunk, as in the stream.
    assert_eq!(turn.deltas, 3);
    assert_eq!(turn.finish_reason.as_deref(), Some("STOP"));
    // Cumulative: the last chunk's counts.
    assert_eq!(turn.usage, usage(Some(8), Some(14)));
    assert_eq!(turn.model.as_deref(), Some("gemini-2.0-flash"));
    assert_eq!(turn.id.as_deref(), Some("bVh0dEtxWnBnT0RyaE1ZUHNq"));
}

#[test]
fn cohere_chat() {
    let turn = document("cohere-chat.json", Dialect::Cohere);
    assert_eq!(
        turn.text,
        "Toronto is the capital of Ontario.\nOttawa, also in Ontario, is the capital of Canada."
    );
    assert_eq!(turn.deltas, 1);
    assert_eq!(turn.finish_reason.as_deref(), Some("COMPLETE"));
    // `billed_units`, not `tokens`, as in the stream.
    assert_eq!(turn.usage, usage(Some(11), Some(19)));
    assert_eq!(
        turn.id.as_deref(),
        Some("8f2c4b1e-6a3d-4e7f-9b05-1c8d2e6f3a47")
    );
    assert_eq!(turn.model, None);
    assert!(turn.tool_calls.is_empty());
}

#[test]
fn ollama_chat_and_generate() {
    let turn = document("ollama-chat.json", Dialect::Ollama);
    assert_eq!(turn.text, "Seven times eight is 56.");
    assert_eq!(turn.reasoning, "7 times 8: 7 times 4 is 28, doubled is 56.");
    assert_eq!(turn.finish_reason.as_deref(), Some("stop"));
    assert_eq!(turn.usage, usage(Some(18), Some(41)));
    assert_eq!(turn.model.as_deref(), Some("qwen3:8b"));

    let turn = document("ollama-generate.json", Dialect::Ollama);
    assert_eq!(
        turn.text,
        "Honey never spoils when it is sealed and kept dry."
    );
    assert_eq!(turn.deltas, 1);
    assert_eq!(turn.finish_reason.as_deref(), Some("stop"));
    assert_eq!(turn.usage, usage(Some(30), Some(13)));
    assert_eq!(turn.model.as_deref(), Some("llama3.2"));
    assert!(turn.tool_calls.is_empty());
}

#[test]
fn tgi_generate() {
    let turn = document("tgi-generate.json", Dialect::Tgi);
    assert_eq!(
        turn.text,
        "Photosynthesis turns light, water and carbon dioxide into sugar and oxygen."
    );
    assert_eq!(turn.deltas, 1);
    assert_eq!(turn.finish_reason.as_deref(), Some("eos_token"));
    assert_eq!(turn.usage, usage(None, Some(16)));
    assert_eq!(turn.model, None);
}

#[test]
fn tgi_array_is_the_first_answer() {
    let body = r#"[{"generated_text":"First.","details":{"finish_reason":"length","generated_tokens":2}},{"generated_text":"Second."}]"#;
    assert_eq!(Dialect::detect_document(body), Some(Dialect::Tgi));
    let (read, turn) = read_body(body, Extraction::Auto);
    assert_eq!(read, DocumentRead::Read);
    assert_eq!(turn.text, "First.");
    assert_eq!(turn.finish_reason.as_deref(), Some("length"));
}

#[test]
fn llamacpp_completion() {
    let turn = document("llamacpp-completion.json", Dialect::LlamaCpp);
    assert_eq!(turn.text, " The Pacific is the largest ocean on Earth.");
    assert_eq!(turn.deltas, 1);
    assert_eq!(turn.finish_reason.as_deref(), Some("eos"));
    assert_eq!(turn.usage, usage(Some(19), Some(10)));
    assert_eq!(
        turn.model.as_deref(),
        Some("qwen2.5-1.5b-instruct-q4_k_m.gguf")
    );
    assert_eq!(turn.id, None);
}

#[test]
fn a_forced_dialect_reads_only_its_own_shape() {
    let body = fixture("openai-chat.json");
    let (read, turn) = read_body(&body, Extraction::Dialect(Dialect::Anthropic));
    assert_eq!(read, DocumentRead::Unrecognized);
    // The turn is left as it was, with the dialect given.
    assert_eq!(turn.dialect, Some(Dialect::Anthropic));
    assert_eq!((turn.text.as_str(), turn.events), ("", 0));
    assert!(!turn.ended && !turn.document);
    // A Gemini array is no TGI answer, nor a TGI one Gemini's.
    let array = fixture("gemini-array.json");
    let (read, _) = read_body(&array, Extraction::Dialect(Dialect::Tgi));
    assert_eq!(read, DocumentRead::Unrecognized);
    let tgi = r#"[{"generated_text":"x"}]"#;
    let (read, _) = read_body(tgi, Extraction::Dialect(Dialect::Gemini));
    assert_eq!(read, DocumentRead::Unrecognized);
}

#[test]
fn extract_pointer_reads_the_whole_document_once() {
    let body = fixture("openai-chat.json");
    let pointer = Extraction::pointer("/choices/0/message/content").unwrap();
    let (read, turn) = read_body(&body, pointer);
    assert_eq!(read, DocumentRead::Read);
    assert_eq!(turn.text, "The capital of France is Paris.");
    assert_eq!((turn.deltas, turn.events), (1, 1));
    assert_eq!(turn.dialect, None);
    assert!(turn.ended && turn.document);
    // No string there: not read, even though a dialect would read it.
    let pointer = Extraction::pointer("/choices/0/message").unwrap();
    assert_eq!(read_body(&body, pointer).0, DocumentRead::Unrecognized);
    let pointer = Extraction::pointer("/text").unwrap();
    let (read, turn) = read_body(r#"{"error":"no credits left"}"#, pointer);
    assert_eq!(read, DocumentRead::Read);
    assert_eq!(turn.error.as_deref(), Some("no credits left"));
}

#[test]
fn not_json_is_told_apart() {
    for body in [
        "",
        "   ",
        "data: {\"choices\":[]}\n\n",
        "<html><body>502 Bad Gateway</body></html>",
        // Ollama's NDJSON stream: several documents, not one.
        "{\"response\":\"a\",\"done\":false}\n{\"response\":\"b\",\"done\":true}\n",
        r#"{"choices":[{"message":{"content":"cut"#,
    ] {
        let (read, turn) = read_body(body, Extraction::Auto);
        assert_eq!(read, DocumentRead::NotJson, "{body:?}");
        assert_eq!(turn.events, 0);
    }
}

#[test]
fn unknown_json_is_unrecognized() {
    for body in [
        "{}",
        "[]",
        "42",
        r#""text""#,
        "null",
        r#"{"result":"hello"}"#,
        r#"[{"result":"hello"}]"#,
        r#"{"error":null}"#,
        // `detail` is an error body only when it is all there is.
        r#"{"detail":"x","result":1}"#,
        // A `message` alone is no Cohere answer without its finish reason.
        r#"{"message":{"content":[]}}"#,
    ] {
        assert_eq!(Dialect::detect_document(body), None, "{body}");
        let (read, turn) = read_body(body, Extraction::Auto);
        assert_eq!(read, DocumentRead::Unrecognized, "{body}");
        assert_eq!((turn.events, turn.ended), (0, false), "{body}");
        assert_eq!(turn.error, None, "{body}");
    }
}

#[test]
fn error_bodies_are_read_as_errors() {
    for (body, message) in [
        // OpenAI, and most compatibles.
        (
            r#"{"error":{"message":"Incorrect API key provided.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"#,
            "Incorrect API key provided.",
        ),
        (
            r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_011"}"#,
            "Overloaded",
        ),
        (
            r#"{"error":"model \"llama9\" not found, try pulling it first"}"#,
            r#"model "llama9" not found, try pulling it first"#,
        ),
        // vLLM.
        (
            r#"{"object":"error","message":"max_tokens must be at least 1","type":"BadRequestError","param":null,"code":400}"#,
            "max_tokens must be at least 1",
        ),
        // FastAPI servers.
        (r#"{"detail":"Not Found"}"#, "Not Found"),
        (
            r#"{"detail":[{"loc":["body","messages"],"msg":"Field required"}]}"#,
            r#"[{"loc":["body","messages"],"msg":"Field required"}]"#,
        ),
        // Gemini's array form, failing at once.
        (
            r#"[{"error":{"code":429,"message":"Resource has been exhausted","status":"RESOURCE_EXHAUSTED"}}]"#,
            "Resource has been exhausted",
        ),
        (r#"{"type":"error"}"#, r#"{"type":"error"}"#),
    ] {
        let (read, turn) = read_body(body, Extraction::Auto);
        assert_eq!(read, DocumentRead::Read, "{body}");
        assert_eq!(turn.error.as_deref(), Some(message), "{body}");
        assert_eq!(turn.dialect, None, "{body}");
        assert!(turn.ended && turn.document, "{body}");
        assert_eq!((turn.text.as_str(), turn.events), ("", 1), "{body}");
    }
}

#[test]
fn a_dialect_reads_its_own_errors() {
    let body = r#"{"type":"error","error":{"type":"rate_limit_error","message":"Rate limited"}}"#;
    let (read, turn) = read_body(body, Extraction::Dialect(Dialect::Anthropic));
    assert_eq!(read, DocumentRead::Read);
    assert_eq!(turn.error.as_deref(), Some("Rate limited"));
    assert_eq!(turn.dialect, Some(Dialect::Anthropic));

    let blocked = r#"{"promptFeedback":{"blockReason":"PROHIBITED_CONTENT"},"usageMetadata":{"promptTokenCount":7,"totalTokenCount":7},"modelVersion":"gemini-2.0-flash"}"#;
    let (read, turn) = read_body(blocked, Extraction::Auto);
    assert_eq!(read, DocumentRead::Read);
    assert_eq!(turn.dialect, Some(Dialect::Gemini));
    assert_eq!(
        turn.error.as_deref(),
        Some("prompt blocked: PROHIBITED_CONTENT")
    );
    assert_eq!(turn.usage, usage(Some(7), None));

    // A chunk array that fails part way: the text so far, and the error.
    let cut = r#"[{"candidates":[{"content":{"parts":[{"text":"Par"}]}}]},{"error":{"code":503,"message":"The model is overloaded."}}]"#;
    let (read, turn) = read_body(cut, Extraction::Auto);
    assert_eq!(read, DocumentRead::Read);
    assert_eq!(turn.text, "Par");
    assert_eq!(turn.error.as_deref(), Some("The model is overloaded."));
}

#[test]
fn openai_responses_failed_incomplete_and_calls() {
    let failed = r#"{"id":"resp_1","object":"response","status":"failed","error":{"code":"server_error","message":"The model failed."},"output":[],"usage":null}"#;
    let (_, turn) = read_body(failed, Extraction::Auto);
    assert_eq!(turn.error.as_deref(), Some("The model failed."));
    assert_eq!(turn.finish_reason.as_deref(), Some("failed"));
    let failed = r#"{"object":"response","status":"failed","error":null,"output":[]}"#;
    let (_, turn) = read_body(failed, Extraction::Auto);
    assert_eq!(turn.error.as_deref(), Some("the response failed"));

    let incomplete = r#"{"object":"response","status":"incomplete","incomplete_details":{"reason":"max_output_tokens"},"output":[{"type":"message","content":[{"type":"output_text","text":"Cut "},{"type":"output_text","text":"short"}]}],"usage":{"input_tokens":5,"output_tokens":16}}"#;
    let (_, turn) = read_body(incomplete, Extraction::Auto);
    assert_eq!(turn.text, "Cut short");
    assert_eq!(turn.deltas, 1);
    assert_eq!(turn.finish_reason.as_deref(), Some("max_output_tokens"));
    assert_eq!(turn.error, None);

    let call = r#"{"object":"response","status":"completed","output":[{"type":"function_call","id":"fc_1","call_id":"call_9","name":"get_weather","arguments":"{\"city\":\"Oslo\"}","status":"completed"},{"type":"message","content":[{"type":"refusal","refusal":"No."}]}]}"#;
    let (_, turn) = read_body(call, Extraction::Auto);
    assert_eq!(
        calls(&turn),
        [(Some("call_9"), "get_weather", r#"{"city":"Oslo"}"#)]
    );
    assert_eq!(turn.text, "No.");
}

#[test]
fn openai_chat_first_choice_parts_refusal_and_legacy() {
    // Only the choice at index 0 is the answer, wherever it is.
    let body = r#"{"object":"chat.completion","choices":[{"index":1,"message":{"content":"B"},"finish_reason":"length"},{"index":0,"message":{"content":"A","reasoning_content":"Hm."},"finish_reason":"stop"}]}"#;
    let (_, turn) = read_body(body, Extraction::Auto);
    assert_eq!(turn.text, "A");
    assert_eq!(turn.reasoning, "Hm.");
    assert_eq!(turn.finish_reason.as_deref(), Some("stop"));

    // Mistral's content parts, joined as one delta.
    let parts = r#"{"choices":[{"index":0,"message":{"content":[{"type":"thinking","thinking":[{"type":"text","text":"Two and two."}]},{"type":"text","text":"It is "},{"type":"text","text":"4."}]},"finish_reason":"stop"}],"model":"magistral-small-latest"}"#;
    let (_, turn) = read_body(parts, Extraction::Auto);
    assert_eq!((turn.text.as_str(), turn.deltas), ("It is 4.", 1));
    assert_eq!(turn.reasoning, "Two and two.");

    let refusal = r#"{"choices":[{"index":0,"message":{"content":null,"refusal":"I can't help with that."},"finish_reason":"stop"}]}"#;
    assert_eq!(
        read_body(refusal, Extraction::Auto).1.text,
        "I can't help with that."
    );

    let legacy = r#"{"id":"cmpl-1","object":"text_completion","choices":[{"text":"Hello","index":0,"finish_reason":"length"}],"usage":{"prompt_tokens":3,"completion_tokens":1}}"#;
    let (_, turn) = read_body(legacy, Extraction::Auto);
    assert_eq!(turn.dialect, Some(Dialect::OpenAiChat));
    assert_eq!(turn.text, "Hello");
    assert_eq!(turn.usage, usage(Some(3), Some(1)));
}

#[test]
fn cohere_and_ollama_tool_calls() {
    let cohere = r#"{"id":"c1","message":{"role":"assistant","tool_plan":"I will look it up.","tool_calls":[{"id":"get_weather_1","type":"function","function":{"name":"get_weather","arguments":"{\"location\":\"Toronto\"}"}}]},"finish_reason":"TOOL_CALL","usage":{"tokens":{"input_tokens":30,"output_tokens":8}}}"#;
    let (_, turn) = read_body(cohere, Extraction::Auto);
    assert_eq!(turn.dialect, Some(Dialect::Cohere));
    assert_eq!(turn.reasoning, "I will look it up.");
    assert_eq!(
        calls(&turn),
        [(
            Some("get_weather_1"),
            "get_weather",
            r#"{"location":"Toronto"}"#
        )]
    );
    assert_eq!(turn.usage, usage(Some(30), Some(8)));

    let ollama = r#"{"model":"qwen3","message":{"role":"assistant","content":"","tool_calls":[{"function":{"name":"get_time","arguments":{ "zone" : "UTC" }}}]},"done":true,"done_reason":"stop"}"#;
    let (_, turn) = read_body(ollama, Extraction::Auto);
    assert_eq!(calls(&turn), [(None, "get_time", r#"{"zone":"UTC"}"#)]);
}

#[test]
fn odd_shapes_do_not_panic() {
    for body in [
        r#"{"choices":5}"#,
        r#"{"choices":[null,1,"x",{"index":"0"}]}"#,
        r#"{"object":"response","output":{"type":"message"},"status":7}"#,
        r#"{"object":"response","output":[1,{"type":"message","content":"x"},{"type":"reasoning","summary":[null]}]}"#,
        r#"{"type":"message","content":"x","usage":{"input_tokens":-1}}"#,
        r#"{"type":"message","content":[{"type":"tool_use","input":"{"}]}"#,
        r#"{"candidates":[]}"#,
        r#"[{"candidates":7},[],null]"#,
        r#"{"message":[],"finish_reason":1}"#,
        r#"{"done":"yes","message":7}"#,
        r#"{"generated_text":5}"#,
        r#"[{"generated_text":null}]"#,
        r#"{"content":[],"stop":"no"}"#,
        r#"{"detail":{"deep":[1,2,3]}}"#,
    ] {
        for extraction in [
            Extraction::Auto,
            Extraction::Dialect(Dialect::OpenAiChat),
            Extraction::Dialect(Dialect::Gemini),
            Extraction::pointer("/choices/0").unwrap(),
        ] {
            let (_, turn) = read_body(body, extraction);
            assert_eq!(turn.text, "", "{body}");
        }
    }
}

#[test]
fn every_document_fixture_gives_its_readme_text() {
    let readme = fixture("README.md");
    let mut checked = 0;
    for row in readme.lines().filter(|line| line.starts_with("| `")) {
        let cells: Vec<&str> = row.split(" | ").collect();
        let name = cells[0].trim_start_matches("| ").trim_matches('`');
        if !name.ends_with(".json") {
            continue;
        }
        let literal = cells[2].split('`').nth(1).expect("a text literal");
        let text: String = serde_json::from_str(literal).expect("a JSON string");
        let (read, turn) = read_body(&fixture(name), Extraction::Auto);
        assert_eq!(read, DocumentRead::Read, "{name}");
        assert_eq!(turn.text, text, "{name}");
        checked += 1;
    }
    assert_eq!(checked, 11, "a README row for every .json fixture");
}
