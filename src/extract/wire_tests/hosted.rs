//! What `ssecat serve` writes for the OpenAI Chat, OpenAI Responses,
//! Anthropic, Gemini and Cohere APIs, read back by ssecat's own decoder
//! and [`Reader`]; their shapes compared with the fixtures; their requests
//! read.

use std::collections::BTreeSet;
use std::ops::ControlFlow;

use serde_json::Value;

use crate::extract::wire::{self, Answer, Api, Ask, Finish};
use crate::extract::*;
use crate::sse::Decoder;

/// Quotes, a backslash, a line break and characters of 2 to 4 bytes: what
/// JSON escaping and SSE framing could get wrong.
const TEXT: &str = "Hello, wörld! \"quoted\" \\ back\nslash 🇫🇷";
/// `wire::tokens(TEXT)`: `Hello,`, ` wörld!`, ` "quoted"`, ` \`, ` back`,
/// `\nslash`, ` 🇫🇷`.
const TEXT_TOKENS: u64 = 7;
const INPUT_TOKENS: u64 = 12;

const APIS: [Api; 5] = [
    Api::OpenAiChat,
    Api::OpenAiResponses,
    Api::Anthropic,
    Api::Gemini,
    Api::Cohere,
];

fn answer() -> Answer {
    Answer {
        id: "resp_mock0001".to_owned(),
        model: "mock-model".to_owned(),
        created: 1_700_000_000,
        input_tokens: INPUT_TOKENS,
    }
}

/// What a streaming request asks, with OpenAI's usage asked for.
fn streaming() -> Ask {
    Ask {
        model: Some("mock-model".to_owned()),
        stream: true,
        include_usage: true,
        input_tokens: INPUT_TOKENS,
        ..Ask::default()
    }
}

#[derive(Clone, Copy)]
enum End {
    Close(Finish),
    Fail(&'static str),
}

/// The stream `api` sends for TEXT: deltas of 1 and 3 tokens in turn,
/// then `end`.
fn speak(api: Api, ask: &Ask, end: End) -> (Vec<u8>, &'static str) {
    let mut speaker = api.speaker(ask, answer());
    let mut out = Vec::new();
    speaker.open(&mut out);
    let tokens = wire::tokens(TEXT);
    let mut rest = &tokens[..];
    for size in [1, 3].into_iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let (piece, tail) = rest.split_at(size.min(rest.len()));
        speaker.delta(&piece.concat(), piece.len() as u64, &mut out);
        rest = tail;
    }
    match end {
        End::Close(finish) => speaker.close(finish, &mut out),
        End::Fail(message) => speaker.fail(message, &mut out),
    }
    (out, speaker.content_type())
}

/// Reads a stream with the dialect detected, fed in the pieces `at` cuts.
fn read_stream(bytes: &[u8], at: &[usize]) -> Turn {
    let mut decoder = Decoder::new(1 << 20);
    let mut reader = Reader::new(Extraction::Auto);
    let mut start = 0;
    for end in at.iter().copied().chain([bytes.len()]) {
        decoder
            .feed(&bytes[start..end], |event| {
                reader.read(event);
                ControlFlow::Continue(())
            })
            .unwrap();
        start = end;
    }
    assert_eq!(decoder.finish(), None, "an event was left unfinished");
    reader.turn
}

/// How each API spells the end of an answer.
fn finish_reason(api: Api, finish: Finish) -> &'static str {
    match (api, finish) {
        (Api::OpenAiChat, Finish::Stop) => "stop",
        (Api::OpenAiChat, Finish::Length) => "length",
        (Api::OpenAiResponses, Finish::Stop) => "completed",
        (Api::OpenAiResponses, Finish::Length) => "max_output_tokens",
        (Api::Anthropic, Finish::Stop) => "end_turn",
        (Api::Anthropic, Finish::Length) => "max_tokens",
        (Api::Gemini, Finish::Stop) => "STOP",
        (Api::Cohere, Finish::Stop) => "COMPLETE",
        (Api::Gemini | Api::Cohere, Finish::Length) => "MAX_TOKENS",
        _ => unreachable!("not one of these APIs"),
    }
}

fn full_usage() -> Option<Usage> {
    Some(Usage {
        input_tokens: Some(INPUT_TOKENS),
        output_tokens: Some(TEXT_TOKENS),
    })
}

#[test]
fn text_is_seven_tokens() {
    assert_eq!(wire::tokens(TEXT).len() as u64, TEXT_TOKENS);
}

#[test]
fn each_stream_reads_back_whole() {
    for api in APIS {
        for finish in [Finish::Stop, Finish::Length] {
            let (bytes, content_type) = speak(api, &streaming(), End::Close(finish));
            assert_eq!(content_type, "text/event-stream", "{api:?}");
            let turn = read_stream(&bytes, &[]);
            let context = format!("{api:?} {finish:?}");
            assert_eq!(turn.dialect, Some(api.dialect()), "{context}");
            assert_eq!(turn.text, TEXT, "{context}");
            assert_eq!(turn.deltas, 4, "{context}: 7 tokens as 1+3+1+2");
            assert_eq!(
                turn.finish_reason.as_deref(),
                Some(finish_reason(api, finish)),
                "{context}"
            );
            assert_eq!(turn.usage, full_usage(), "{context}");
            assert!(turn.complete(true), "{context}");
            // Gemini has no end marker: it ends at EOF.
            assert_eq!(turn.ended, api != Api::Gemini, "{context}");
            assert_eq!(turn.error, None, "{context}");
            assert_eq!(turn.id.as_deref(), Some("resp_mock0001"), "{context}");
            // Cohere's events do not name the model.
            let model = (api != Api::Cohere).then_some("mock-model");
            assert_eq!(turn.model.as_deref(), model, "{context}");
        }
    }
}

#[test]
fn each_stream_reads_the_same_cut_anywhere() {
    for api in APIS {
        let (bytes, _) = speak(api, &streaming(), End::Close(Finish::Stop));
        let whole = format!("{:?}", read_stream(&bytes, &[]));
        for at in 1..bytes.len() {
            let cut = format!("{:?}", read_stream(&bytes, &[at]));
            assert_eq!(cut, whole, "{api:?} cut at {at}");
        }
        let every_byte: Vec<usize> = (1..bytes.len()).collect();
        let bytewise = format!("{:?}", read_stream(&bytes, &every_byte));
        assert_eq!(bytewise, whole, "{api:?} byte by byte");
    }
}

#[test]
fn each_stream_fails_with_the_message() {
    for api in APIS {
        let (bytes, _) = speak(api, &streaming(), End::Fail("boom"));
        let turn = read_stream(&bytes, &[]);
        assert_eq!(turn.dialect, Some(api.dialect()), "{api:?}");
        assert_eq!(turn.text, TEXT, "{api:?}");
        assert_eq!(turn.error.as_deref(), Some("boom"), "{api:?}");
    }
}

#[test]
fn openai_failure_ends_without_done() {
    let (bytes, _) = speak(Api::OpenAiChat, &streaming(), End::Fail("boom"));
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.ends_with(
        "data: {\"error\":{\"code\":null,\"message\":\"boom\",\"param\":null,\"type\":\"server_error\"}}\n\n"
    ));
    assert!(!text.contains("[DONE]"));
    assert!(!read_stream(text.as_bytes(), &[]).complete(true));
}

/// The JSON of each `data:` line of a stream.
fn data_lines(bytes: &[u8]) -> Vec<Value> {
    std::str::from_utf8(bytes)
        .unwrap()
        .lines()
        .filter_map(|line| line.strip_prefix("data: "))
        .filter(|data| *data != "[DONE]")
        .map(|data| serde_json::from_str(data).unwrap())
        .collect()
}

#[test]
fn openai_usage_only_when_asked() {
    let without = Ask {
        include_usage: false,
        ..streaming()
    };
    let (bytes, _) = speak(Api::OpenAiChat, &without, End::Close(Finish::Stop));
    let chunks = data_lines(&bytes);
    // The role chunk, 4 deltas, the finish chunk; no usage member at all.
    assert_eq!(chunks.len(), 6);
    assert!(chunks.iter().all(|chunk| chunk.get("usage").is_none()));
    assert_eq!(chunks[0]["choices"][0]["delta"]["role"], "assistant");
    assert_eq!(chunks[0]["choices"][0]["delta"]["content"], "");
    assert_eq!(read_stream(&bytes, &[]).usage, None);

    let (bytes, _) = speak(Api::OpenAiChat, &streaming(), End::Close(Finish::Stop));
    let chunks = data_lines(&bytes);
    assert_eq!(chunks.len(), 7);
    assert!(chunks[..6].iter().all(|chunk| chunk["usage"].is_null()));
    assert_eq!(chunks[6]["choices"], serde_json::json!([]));
    assert_eq!(
        chunks[6]["usage"]["total_tokens"],
        INPUT_TOKENS + TEXT_TOKENS
    );
    assert!(bytes.ends_with(b"\n\ndata: [DONE]\n\n"));
}

#[test]
fn vllm_continuous_usage_is_in_every_chunk() {
    let ask = Ask {
        continuous_usage: true,
        ..streaming()
    };
    let (bytes, _) = speak(Api::OpenAiChat, &ask, End::Close(Finish::Stop));
    let completion: Vec<Value> = data_lines(&bytes)
        .iter()
        .map(|chunk| chunk["usage"]["completion_tokens"].clone())
        .collect();
    // Running totals after the role chunk and deltas of 1, 3, 1 and 2 tokens.
    assert_eq!(completion, [0, 1, 4, 5, 7, 7, 7]);
    assert_eq!(read_stream(&bytes, &[]).usage, full_usage());
}

#[test]
fn responses_events_are_numbered_and_typed() {
    let (bytes, _) = speak(Api::OpenAiResponses, &streaming(), End::Close(Finish::Stop));
    let text = std::str::from_utf8(&bytes).unwrap();
    let names: Vec<&str> = text
        .lines()
        .filter_map(|line| line.strip_prefix("event: "))
        .collect();
    let events = data_lines(&bytes);
    assert_eq!(names.len(), events.len());
    for (at, (name, event)) in names.iter().zip(&events).enumerate() {
        assert_eq!(event["type"], *name);
        assert_eq!(event["sequence_number"], at);
    }
    assert_eq!(
        names[..4],
        [
            "response.created",
            "response.in_progress",
            "response.output_item.added",
            "response.content_part.added",
        ]
    );
    assert_eq!(
        names[names.len() - 4..],
        [
            "response.output_text.done",
            "response.content_part.done",
            "response.output_item.done",
            "response.completed",
        ]
    );
    let last = &events[events.len() - 1]["response"];
    assert_eq!(last["output"][0]["id"], "msg_mock0001");
    assert_eq!(last["output"][0]["content"][0]["text"], TEXT);
    assert_eq!(last["usage"]["total_tokens"], INPUT_TOKENS + TEXT_TOKENS);

    let (bytes, _) = speak(
        Api::OpenAiResponses,
        &streaming(),
        End::Close(Finish::Length),
    );
    let last = data_lines(&bytes).pop().unwrap();
    assert_eq!(last["type"], "response.incomplete");
    assert_eq!(last["response"]["status"], "incomplete");
}

#[test]
fn gemini_json_array_is_one_json_document() {
    let ask = Ask {
        json_array: true,
        ..streaming()
    };
    for finish in [Finish::Stop, Finish::Length] {
        let (bytes, content_type) = speak(Api::Gemini, &ask, End::Close(finish));
        assert_eq!(content_type, "application/json");
        let body = String::from_utf8(bytes).unwrap();
        assert!(body.starts_with("[{\"candidates\""), "{body}");
        assert!(body.contains("}\n,\r\n{"), "{body}");
        assert!(body.ends_with("}\n]"), "{body}");
        let chunks: Vec<Value> = serde_json::from_str(&body).unwrap();
        assert_eq!(chunks.len(), 5, "4 deltas and the finish");
        let mut reader = Reader::new(Extraction::Auto);
        assert_eq!(reader.read_document(&body), DocumentRead::Read);
        let turn = reader.turn();
        assert_eq!(turn.dialect, Some(Dialect::Gemini));
        assert_eq!(turn.text, TEXT);
        let reason = finish_reason(Api::Gemini, finish);
        assert_eq!(turn.finish_reason.as_deref(), Some(reason));
        assert_eq!(turn.usage, full_usage());
    }
    let (bytes, _) = speak(Api::Gemini, &ask, End::Fail("boom"));
    let chunks: Vec<Value> = serde_json::from_slice(&bytes).unwrap();
    let error = &chunks[chunks.len() - 1]["error"];
    assert_eq!(error["message"], "boom");
    assert_eq!(error["code"], 500);
    assert_eq!(error["status"], "INTERNAL");
}

#[test]
fn whole_answers_read_back() {
    let ask = Ask {
        stream: false,
        max_tokens: Some(64),
        ..streaming()
    };
    for api in APIS {
        for finish in [Finish::Stop, Finish::Length] {
            let body = api.whole(&ask, &answer(), TEXT, TEXT_TOKENS, finish);
            let body = String::from_utf8(body).unwrap();
            let context = format!("{api:?} {finish:?}");
            assert_eq!(
                Dialect::detect_document(&body),
                Some(api.dialect()),
                "{context}"
            );
            let mut reader = Reader::new(Extraction::Auto);
            assert_eq!(reader.read_document(&body), DocumentRead::Read, "{context}");
            let turn = reader.turn();
            assert_eq!(turn.text, TEXT, "{context}");
            assert_eq!(
                turn.finish_reason.as_deref(),
                Some(finish_reason(api, finish)),
                "{context}"
            );
            assert_eq!(turn.usage, full_usage(), "{context}");
            assert_eq!(turn.error, None, "{context}");
            assert_eq!(turn.id.as_deref(), Some("resp_mock0001"), "{context}");
        }
    }
    let body = Api::OpenAiResponses.whole(&ask, &answer(), TEXT, TEXT_TOKENS, Finish::Stop);
    let response: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(response["max_output_tokens"], 64);
}

#[test]
fn error_bodies_carry_the_message_and_the_status_type() {
    let body = |api: Api, status| -> Value {
        serde_json::from_slice(&api.error_body(status, "slow \"down\"")).unwrap()
    };
    for api in APIS {
        for status in [400, 401, 404, 429, 500, 503, 529] {
            let raw = api.error_body(status, "slow \"down\"");
            let message = error_body_message(std::str::from_utf8(&raw).unwrap());
            assert_eq!(
                message.as_deref(),
                Some("slow \"down\""),
                "{api:?} {status}"
            );
        }
    }
    let openai = body(Api::OpenAiChat, 429);
    assert_eq!(openai["error"]["type"], "requests");
    assert_eq!(openai["error"]["code"], "rate_limit_exceeded");
    assert!(openai["error"]["param"].is_null());
    assert_eq!(
        body(Api::OpenAiResponses, 400)["error"]["type"],
        "invalid_request_error"
    );
    assert_eq!(body(Api::OpenAiChat, 503)["error"]["type"], "server_error");
    assert_eq!(
        body(Api::OpenAiChat, 401)["error"]["code"],
        "invalid_api_key"
    );
    let anthropic = body(Api::Anthropic, 429);
    assert_eq!(anthropic["type"], "error");
    assert_eq!(anthropic["error"]["type"], "rate_limit_error");
    assert_eq!(
        body(Api::Anthropic, 529)["error"]["type"],
        "overloaded_error"
    );
    assert_eq!(body(Api::Anthropic, 500)["error"]["type"], "api_error");
    assert_eq!(
        body(Api::Anthropic, 422)["error"]["type"],
        "invalid_request_error"
    );
    let gemini = body(Api::Gemini, 429);
    assert_eq!(gemini["error"]["code"], 429);
    assert_eq!(gemini["error"]["status"], "RESOURCE_EXHAUSTED");
    assert_eq!(body(Api::Gemini, 503)["error"]["status"], "UNAVAILABLE");
    assert_eq!(
        body(Api::Gemini, 400)["error"]["status"],
        "INVALID_ARGUMENT"
    );
    assert_eq!(
        body(Api::Cohere, 429),
        serde_json::json!({"message": "slow \"down\""})
    );
}

#[test]
fn requests_are_read() {
    let openai = br#"{"model":"gpt-4o","stream":true,"max_completion_tokens":50,"max_tokens":9,
        "stream_options":{"include_usage":true,"continuous_usage_stats":true},
        "messages":[{"role":"system","content":"Be brief."},
                    {"role":"user","content":[{"type":"text","text":"Hi there"},{"type":"image_url","image_url":{"url":"x"}}]}]}"#;
    assert_eq!(
        Api::OpenAiChat.ask("/v1/chat/completions", openai),
        Ok(Ask {
            model: Some("gpt-4o".to_owned()),
            max_tokens: Some(50),
            stream: true,
            include_usage: true,
            continuous_usage: true,
            json_array: false,
            // "Be brief. Hi there"
            input_tokens: 4,
        })
    );
    let older = br#"{"model":"m","max_tokens":9,"stream_options":{"continuous_usage_stats":true},"messages":[]}"#;
    let ask = Api::OpenAiChat.ask("/v1/chat/completions", older).unwrap();
    assert_eq!(ask.max_tokens, Some(9));
    assert!(!ask.stream);
    // vLLM gives running usage only along with the final usage.
    assert!(!ask.include_usage && !ask.continuous_usage);

    let responses = br#"{"model":"gpt-4.1","stream":true,"max_output_tokens":30,"instructions":"Be kind.",
        "input":[{"role":"user","content":[{"type":"input_text","text":"one two"}]},{"role":"assistant","content":"three"}]}"#;
    assert_eq!(
        Api::OpenAiResponses.ask("/v1/responses", responses),
        Ok(Ask {
            model: Some("gpt-4.1".to_owned()),
            max_tokens: Some(30),
            stream: true,
            input_tokens: 5,
            ..Ask::default()
        })
    );
    let plain = Api::OpenAiResponses.ask("/v1/responses", br#"{"input":"a b c"}"#);
    assert_eq!(
        plain.map(|ask| (ask.input_tokens, ask.stream)),
        Ok((3, false))
    );

    let anthropic = br#"{"model":"claude-x","max_tokens":1024,"stream":true,
        "system":[{"type":"text","text":"You are terse."}],
        "messages":[{"role":"user","content":"Hello"},{"role":"assistant","content":[{"type":"text","text":"Hi!"}]}]}"#;
    assert_eq!(
        Api::Anthropic.ask("/v1/messages", anthropic),
        Ok(Ask {
            model: Some("claude-x".to_owned()),
            max_tokens: Some(1024),
            stream: true,
            input_tokens: 5,
            ..Ask::default()
        })
    );
    let system = br#"{"system":"a b","messages":[]}"#;
    let ask = Api::Anthropic.ask("/v1/messages", system).unwrap();
    assert_eq!((ask.input_tokens, ask.stream), (2, false));

    let gemini =
        br#"{"contents":[{"role":"user","parts":[{"text":"Why is"},{"text":"the sky blue?"}]}],
        "systemInstruction":{"parts":[{"text":"Answer well."}]},
        "generationConfig":{"maxOutputTokens":200}}"#;
    let path = "/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse&key=k";
    assert_eq!(
        Api::Gemini.ask(path, gemini),
        Ok(Ask {
            model: Some("gemini-2.0-flash".to_owned()),
            max_tokens: Some(200),
            stream: true,
            json_array: false,
            input_tokens: 7,
            ..Ask::default()
        })
    );
    let array = Api::Gemini
        .ask("/v1beta/models/g:streamGenerateContent?key=k", gemini)
        .unwrap();
    assert!(array.stream && array.json_array);
    let whole = Api::Gemini
        .ask(
            "/v1/models/g:generateContent",
            br#"{"generation_config":{"max_output_tokens":5}}"#,
        )
        .unwrap();
    assert!(!whole.stream && !whole.json_array);
    assert_eq!(
        (whole.model.as_deref(), whole.max_tokens),
        (Some("g"), Some(5))
    );

    let cohere = br#"{"model":"command-a","stream":true,"max_tokens":77,
        "messages":[{"role":"system","content":"Be nice."},{"role":"user","content":[{"type":"text","text":"Hello you"}]}]}"#;
    assert_eq!(
        Api::Cohere.ask("/v2/chat", cohere),
        Ok(Ask {
            model: Some("command-a".to_owned()),
            max_tokens: Some(77),
            stream: true,
            input_tokens: 4,
            ..Ask::default()
        })
    );
}

#[test]
fn odd_requests_are_read_without_fault() {
    // Members of the wrong type are as good as absent.
    let odd = br#"{"model":7,"stream":"yes","max_tokens":-1,"max_output_tokens":1.5,
        "messages":{"content":"x"},"input":42,"system":null,"contents":"no",
        "stream_options":true,"generationConfig":[]}"#;
    for api in APIS {
        let ask = api
            .ask("/v1beta/models/m:generateContent", odd)
            .unwrap_or_else(|err| panic!("{api:?}: {err}"));
        assert_eq!(ask.max_tokens, None, "{api:?}");
        assert!(!ask.stream && !ask.include_usage, "{api:?}");
        assert_eq!(ask.input_tokens, 0, "{api:?}");
    }
}

#[test]
fn bad_bodies_are_refused() {
    for api in APIS {
        for body in [
            &b""[..],
            b"not json",
            b"[1,2]",
            b"\"text\"",
            b"null",
            b"{\"a\":",
            b"\xff\xfe",
        ] {
            let err = api
                .ask("/v1beta/models/m:streamGenerateContent", body)
                .unwrap_err();
            assert!(err.starts_with("the request body"), "{api:?}: {err}");
        }
        let deep = "[".repeat(100_000);
        assert!(api.ask("/v2/chat", deep.as_bytes()).is_err(), "{api:?}");
    }
    assert_eq!(
        Api::Cohere.ask("/v2/chat", b"[]"),
        Err("the request body must be a JSON object".to_owned())
    );
}

/// Every member path of a JSON value (array elements as `[]`).
fn key_paths(value: &Value, prefix: &str, paths: &mut BTreeSet<String>) {
    match value {
        Value::Object(members) => {
            for (key, member) in members {
                let path = format!("{prefix}/{key}");
                key_paths(member, &path, paths);
                paths.insert(path);
            }
        }
        Value::Array(elements) => {
            for element in elements {
                key_paths(element, &format!("{prefix}[]"), paths);
            }
        }
        _ => {}
    }
}

/// The member paths of every event of a stream, or of one document.
fn shape(events: &[Value]) -> BTreeSet<String> {
    let mut paths = BTreeSet::new();
    for event in events {
        key_paths(event, "", &mut paths);
    }
    paths
}

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/llm")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

#[test]
fn streams_have_the_fixtures_shape() {
    for (api, name, theirs_only, ours_only) in [
        // OpenAI pads chunks against length side channels.
        (
            Api::OpenAiChat,
            "openai-chat-usage.sse",
            &["/obfuscation"][..],
            &[][..],
        ),
        (
            Api::OpenAiResponses,
            "openai-responses.sse",
            &[],
            &["/response/background"],
        ),
        (
            Api::Anthropic,
            "anthropic-two-blocks.sse",
            &[],
            &["/message/usage/service_tier"],
        ),
        (Api::Gemini, "gemini.sse", &[], &[]),
        (Api::Cohere, "cohere-chat.sse", &[], &[]),
    ] {
        let (bytes, _) = speak(api, &streaming(), End::Close(Finish::Stop));
        let ours = shape(&data_lines(&bytes));
        let mut theirs = shape(&data_lines(&fixture(name)));
        theirs.retain(|path| !theirs_only.contains(&path.as_str()));
        let only_ours: Vec<&String> = ours.difference(&theirs).collect();
        let only_theirs: Vec<&String> = theirs.difference(&ours).collect();
        assert_eq!(only_theirs, Vec::<&String>::new(), "{name}");
        assert_eq!(only_ours, ours_only, "{name}");
    }
}

#[test]
fn whole_answers_have_the_fixtures_shape() {
    for (api, name) in [
        (Api::OpenAiChat, "openai-chat.json"),
        (Api::Cohere, "cohere-chat.json"),
    ] {
        let body = api.whole(&streaming(), &answer(), TEXT, TEXT_TOKENS, Finish::Stop);
        let ours = shape(&[serde_json::from_slice(&body).unwrap()]);
        let theirs = shape(&[serde_json::from_slice(&fixture(name)).unwrap()]);
        assert_eq!(ours, theirs, "{name}");
    }
}
