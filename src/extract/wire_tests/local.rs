//! The writers of Ollama, TGI and llama.cpp, read back: what each speaker
//! streams goes through ssecat's own decoder and [`Reader`], each whole
//! answer through [`Reader::read_document`], and both must give back the
//! text, the finish reason and the usage they were written with.

use std::ops::ControlFlow;

use serde_json::Value;

use crate::extract::wire::{self, Answer, Api, Ask, Finish};
use crate::extract::{error_body_message, Dialect, DocumentRead, Extraction, Reader, Turn, Usage};
use crate::sse::Decoder;

/// Escapes, a newline, non-ASCII and a flag: every JSON string hazard.
const TEXT: &str = "Hello, wörld! \"quoted\" \\ back\nslash 🇫🇷";
/// `wire::tokens(TEXT)`: "Hello,", " wörld!", " \"quoted\"", " \\", " back",
/// "\nslash", " 🇫🇷".
const TEXT_TOKENS: u64 = 7;
const INPUT_TOKENS: u64 = 12;
const MINE: [Api; 4] = [
    Api::OllamaChat,
    Api::OllamaGenerate,
    Api::Tgi,
    Api::LlamaCpp,
];

fn answer() -> Answer {
    Answer {
        id: "mock-1".to_owned(),
        model: "mock-model".to_owned(),
        // 2024-11-14T10:00:00Z
        created: 1_731_578_400,
        input_tokens: INPUT_TOKENS,
    }
}

enum End {
    Close(Finish),
    Fail(&'static str),
}

/// What `api`'s speaker writes for the first `take` tokens of TEXT, sent
/// `per_delta` tokens a chunk, then `end`.
fn speak(api: Api, ask: &Ask, take: usize, per_delta: usize, end: End) -> Vec<u8> {
    let mut speaker = api.speaker(ask, answer());
    let mut out = Vec::new();
    speaker.open(&mut out);
    let tokens = wire::tokens(TEXT);
    for chunk in tokens[..take].chunks(per_delta) {
        speaker.delta(&chunk.concat(), chunk.len() as u64, &mut out);
    }
    match end {
        End::Close(finish) => speaker.close(finish, &mut out),
        End::Fail(message) => speaker.fail(message, &mut out),
    }
    out
}

fn speak_all(api: Api, per_delta: usize, end: End) -> Vec<u8> {
    speak(
        api,
        &Ask::default(),
        wire::tokens(TEXT).len(),
        per_delta,
        end,
    )
}

/// Reads a response body fed in `pieces`, framed as a client of `api`
/// frames it (Ollama's NDJSON as JSON lines, the others as SSE), with the
/// dialect detected.
fn read(api: Api, pieces: &[&[u8]]) -> Turn {
    let mut decoder = match api {
        Api::OllamaChat | Api::OllamaGenerate => Decoder::json_lines(1 << 20),
        _ => Decoder::new(1 << 20),
    };
    let mut reader = Reader::new(Extraction::Auto);
    for piece in pieces {
        decoder
            .feed(piece, |event| {
                reader.read(event);
                ControlFlow::Continue(())
            })
            .unwrap();
    }
    assert_eq!(decoder.finish(), None, "{api:?}: the last frame is whole");
    reader.turn
}

/// The finish reason as `api` spells it.
fn finish_reason(api: Api, finish: Finish) -> &'static str {
    match (api, finish) {
        (Api::Tgi, Finish::Stop) => "eos_token",
        (Api::LlamaCpp, Finish::Stop) => "eos",
        (Api::LlamaCpp, Finish::Length) => "limit",
        (_, Finish::Stop) => "stop",
        (_, Finish::Length) => "length",
    }
}

fn usage(input: Option<u64>, output: u64) -> Option<Usage> {
    Some(Usage {
        input_tokens: input,
        output_tokens: Some(output),
    })
}

#[test]
fn each_stream_reads_back_whole() {
    for api in MINE {
        for per_delta in [1, 3] {
            for finish in [Finish::Stop, Finish::Length] {
                let case = format!("{api:?}, {per_delta} a chunk, {finish:?}");
                let bytes = speak_all(api, per_delta, End::Close(finish));
                let turn = read(api, &[&bytes]);
                assert_eq!(turn.text, TEXT, "{case}");
                assert_eq!(turn.dialect, Some(api.dialect()), "{case}");
                assert_eq!(
                    turn.finish_reason.as_deref(),
                    Some(finish_reason(api, finish)),
                    "{case}"
                );
                // TGI ends on its end-of-sequence token, which counts.
                let output = TEXT_TOKENS + u64::from(api == Api::Tgi);
                assert_eq!(turn.usage, usage(Some(INPUT_TOKENS), output), "{case}");
                assert!(turn.ended && turn.complete(false), "{case}");
                assert_eq!(turn.error, None, "{case}");
                let model = (api != Api::Tgi).then_some("mock-model");
                assert_eq!(turn.model.as_deref(), model, "{case}");
                // TGI sends a token an event, the others a chunk a line.
                let chunks = TEXT_TOKENS.div_ceil(per_delta as u64);
                let events = if api == Api::Tgi { TEXT_TOKENS } else { chunks };
                assert_eq!(turn.events, events + 1, "{case}");
            }
        }
    }
}

#[test]
fn each_stream_reads_the_same_split_anywhere() {
    for api in MINE {
        let bytes = speak_all(api, 3, End::Close(Finish::Stop));
        let whole = format!("{:?}", read(api, &[&bytes]));
        for at in 0..=bytes.len() {
            let split = read(api, &[&bytes[..at], &bytes[at..]]);
            assert_eq!(format!("{split:?}"), whole, "{api:?} split at {at}");
        }
    }
}

#[test]
fn a_failure_is_the_readers_error() {
    for api in MINE {
        for take in [0, 2] {
            let bytes = speak(api, &Ask::default(), take, 1, End::Fail("boom"));
            let turn = read(api, &[&bytes]);
            assert_eq!(turn.error.as_deref(), Some("boom"), "{api:?} after {take}");
            assert_eq!(
                turn.text,
                wire::tokens(TEXT)[..take].concat(),
                "{api:?} after {take}"
            );
            assert!(!turn.ended, "{api:?} after {take}");
            assert_eq!(turn.finish_reason, None, "{api:?} after {take}");
        }
    }
}

#[test]
fn content_types() {
    let ask = Ask::default();
    let types: Vec<&str> = MINE
        .iter()
        .map(|api| api.speaker(&ask, answer()).content_type())
        .collect();
    assert_eq!(
        types,
        [
            "application/x-ndjson",
            "application/x-ndjson",
            "text/event-stream",
            "text/event-stream"
        ]
    );
}

/// The frames of an SSE body (without `data:` and the blank line) or the
/// lines of an NDJSON one.
fn frames(bytes: &[u8]) -> Vec<&str> {
    let text = std::str::from_utf8(bytes).unwrap();
    let separator = if text.contains("\n\n") { "\n\n" } else { "\n" };
    let mut frames: Vec<&str> = text.split(separator).collect();
    assert_eq!(frames.pop(), Some(""), "ends with its separator");
    frames
}

#[test]
fn ollama_lines_are_as_ollama_writes_them() {
    let bytes = speak_all(Api::OllamaChat, 1, End::Close(Finish::Length));
    let lines = frames(&bytes);
    assert_eq!(lines.len(), 8);
    let (start, rest) = lines[0].split_at(lines[0].find("\",\"message\"").unwrap());
    assert!(
        start.starts_with(r#"{"model":"mock-model","created_at":"2024-11-14T10:00:0"#),
        "{start}"
    );
    assert!(start.ends_with('Z'), "{start}");
    assert_eq!(
        rest,
        r#"","message":{"role":"assistant","content":"Hello,"},"done":false}"#
    );
    assert!(lines[5].contains(r#""content":"\nslash"}"#), "{}", lines[5]);
    assert!(
        lines[7].contains(
            r#""message":{"role":"assistant","content":""},"done_reason":"length","done":true,"total_duration":"#
        ),
        "{}",
        lines[7]
    );
    let done: Value = serde_json::from_str(lines[7]).unwrap();
    let number = |key: &str| done[key].as_u64().unwrap();
    assert_eq!(number("prompt_eval_count"), INPUT_TOKENS);
    assert_eq!(number("eval_count"), TEXT_TOKENS);
    let parts = ["load_duration", "prompt_eval_duration", "eval_duration"];
    assert!(parts.iter().all(|part| number(part) > 0));
    assert_eq!(
        number("total_duration"),
        parts.iter().map(|p| number(p)).sum::<u64>()
    );

    let bytes = speak_all(Api::OllamaGenerate, 7, End::Close(Finish::Stop));
    let lines = frames(&bytes);
    assert!(
        lines[0].ends_with(&format!(
            r#"Z","response":{},"done":false}}"#,
            serde_json::to_string(TEXT).unwrap()
        )),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].contains(r#""response":"","done":true,"done_reason":"stop","total_duration":"#),
        "{}",
        lines[1]
    );

    let bytes = speak_all(Api::OllamaChat, 1, End::Fail("no \"GPU\""));
    assert!(bytes.ends_with(b"\n{\"error\":\"no \\\"GPU\\\"\"}\n"));
}

#[test]
fn tgi_events_are_as_tgi_writes_them() {
    let bytes = speak_all(Api::Tgi, 3, End::Close(Finish::Stop));
    let events = frames(&bytes);
    assert_eq!(events.len(), 8);
    let first = events[0];
    assert!(
        first.starts_with(r#"data:{"index":1,"token":{"id":"#),
        "{first}"
    );
    assert!(
        first.ends_with(r#","special":false},"generated_text":null,"details":null}"#),
        "{first}"
    );
    assert!(first.contains(r#","text":"Hello,","logprob":-"#), "{first}");
    assert_eq!(
        events[7],
        format!(
            r#"data:{{"index":8,"token":{{"id":2,"text":"</s>","logprob":-0.19,"special":true}},"generated_text":{},"details":{{"finish_reason":"eos_token","generated_tokens":8,"seed":null,"input_length":12}}}}"#,
            serde_json::to_string(TEXT).unwrap()
        )
    );
    // The same text is the same token.
    let again = speak_all(Api::Tgi, 1, End::Close(Finish::Stop));
    assert_eq!(frames(&again)[0], first);

    let bytes = speak_all(Api::Tgi, 1, End::Fail("boom"));
    assert!(bytes.ends_with(b"}\n\ndata:{\"error\":\"boom\",\"error_type\":\"generation\"}\n\n"));
}

#[test]
fn tgi_ends_on_the_token_that_reaches_max_new_tokens() {
    let ask = Ask {
        max_tokens: Some(4),
        ..Ask::default()
    };
    let mut speaker = Api::Tgi.speaker(&ask, answer());
    let mut out = Vec::new();
    speaker.open(&mut out);
    for chunk in wire::tokens(TEXT).chunks(3) {
        speaker.delta(&chunk.concat(), chunk.len() as u64, &mut out);
    }
    let at_end = out.len();
    speaker.close(Finish::Length, &mut out);
    speaker.fail("late", &mut out);
    assert_eq!(out.len(), at_end, "nothing after the last token");

    let turn = read(Api::Tgi, &[&out]);
    let four = wire::tokens(TEXT)[..4].concat();
    assert_eq!(turn.text, four);
    assert_eq!(turn.events, 4);
    assert_eq!(turn.finish_reason.as_deref(), Some("length"));
    assert_eq!(turn.usage, usage(Some(INPUT_TOKENS), 4));
    assert!(turn.ended);
    let last: Value = serde_json::from_str(&frames(&out)[3]["data:".len()..]).unwrap();
    assert_eq!(last["generated_text"], Value::from(four));
    assert_eq!(last["token"]["special"], Value::from(false));
}

#[test]
fn llamacpp_events_are_as_llama_server_writes_them() {
    let bytes = speak_all(Api::LlamaCpp, 3, End::Close(Finish::Stop));
    let events = frames(&bytes);
    assert_eq!(events.len(), 4);
    assert_eq!(
        events[0],
        r#"data: {"index":0,"content":"Hello, wörld! \"quoted\"","tokens":[],"stop":false,"id_slot":0,"tokens_predicted":3,"tokens_evaluated":12}"#
    );
    assert!(
        events[3].starts_with(
            r#"data: {"index":0,"content":"","tokens":[],"id_slot":0,"stop":true,"model":"mock-model","tokens_predicted":7,"tokens_evaluated":12,"generation_settings":{"n_predict":-1,"#
        ),
        "{}",
        events[3]
    );
    assert!(
        events[3].contains(
            r#""prompt":"","has_new_line":true,"truncated":false,"stop_type":"eos","stopping_word":"","tokens_cached":19,"timings":{"cache_n":0,"prompt_n":12,"prompt_ms":"#
        ),
        "{}",
        events[3]
    );
    let last: Value = serde_json::from_str(&events[3]["data: ".len()..]).unwrap();
    assert_eq!(last["timings"]["predicted_n"], Value::from(TEXT_TOKENS));
    assert!(last["timings"]["predicted_per_second"].as_f64().unwrap() >= 0.0);

    let bytes = speak_all(Api::LlamaCpp, 1, End::Fail("boom"));
    assert!(bytes.ends_with(
        b"}\n\ndata: {\"error\":{\"code\":500,\"message\":\"boom\",\"type\":\"server_error\"}}\n\n"
    ));
}

#[test]
fn each_whole_answer_reads_back() {
    let ask = Ask {
        max_tokens: Some(64),
        ..Ask::default()
    };
    for api in MINE {
        for finish in [Finish::Stop, Finish::Length] {
            let case = format!("{api:?}, {finish:?}");
            let body = api.whole(&ask, &answer(), TEXT, TEXT_TOKENS, finish);
            let doc = std::str::from_utf8(&body).unwrap();
            assert_eq!(Dialect::detect_document(doc), Some(api.dialect()), "{case}");
            let mut reader = Reader::new(Extraction::Auto);
            assert_eq!(reader.read_document(doc), DocumentRead::Read, "{case}");
            let turn = reader.turn();
            assert_eq!(turn.text, TEXT, "{case}");
            assert_eq!(
                turn.finish_reason.as_deref(),
                Some(finish_reason(api, finish)),
                "{case}"
            );
            // TGI's `/generate` details have no input count; its end token counts.
            let expected = match (api, finish) {
                (Api::Tgi, Finish::Stop) => usage(None, TEXT_TOKENS + 1),
                (Api::Tgi, Finish::Length) => usage(None, TEXT_TOKENS),
                _ => usage(Some(INPUT_TOKENS), TEXT_TOKENS),
            };
            assert_eq!(turn.usage, expected, "{case}");
            assert_eq!(turn.error, None, "{case}");
            assert!(!doc.ends_with('\n'), "{case}");
        }
    }
}

#[test]
fn whole_answers_are_as_the_servers_write_them() {
    let body = Api::OllamaGenerate.whole(&Ask::default(), &answer(), "Hi", 1, Finish::Stop);
    assert_eq!(
        String::from_utf8(body).unwrap(),
        r#"{"model":"mock-model","created_at":"2024-11-14T10:00:00Z","response":"Hi","done":true,"done_reason":"stop","total_duration":37000000,"load_duration":5000000,"prompt_eval_count":12,"prompt_eval_duration":12000000,"eval_count":1,"eval_duration":20000000}"#
    );
    let body = Api::OllamaChat.whole(&Ask::default(), &answer(), "Hi", 1, Finish::Length);
    assert!(String::from_utf8(body).unwrap().starts_with(
        r#"{"model":"mock-model","created_at":"2024-11-14T10:00:00Z","message":{"role":"assistant","content":"Hi"},"done_reason":"length","done":true,"#
    ));
    let body = Api::Tgi.whole(&Ask::default(), &answer(), "Hi", 1, Finish::Stop);
    assert_eq!(
        String::from_utf8(body).unwrap(),
        r#"{"generated_text":"Hi","details":{"finish_reason":"eos_token","generated_tokens":2,"seed":null,"prefill":[],"tokens":[]}}"#
    );
    let ask = Ask {
        max_tokens: Some(1),
        ..Ask::default()
    };
    let body = Api::LlamaCpp.whole(&ask, &answer(), "Hi", 1, Finish::Length);
    let body = String::from_utf8(body).unwrap();
    assert!(
        body.starts_with(
            r#"{"index":0,"content":"Hi","tokens":[],"id_slot":0,"stop":true,"model":"mock-model","tokens_predicted":1,"tokens_evaluated":12,"generation_settings":{"n_predict":1,"#
        ),
        "{body}"
    );
    assert!(body.contains(r#""stream":false}"#), "{body}");
    assert!(body.ends_with(r#""predicted_n":1,"predicted_ms":20.0,"predicted_per_token_ms":20.0,"predicted_per_second":50.0}}"#), "{body}");
}

#[test]
fn ollama_asks() {
    let body = br#"{"model":"llama3.2","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Why is the sky blue?"},{"role":"user","images":[]}],"options":{"num_predict":42}}"#;
    assert_eq!(
        Api::OllamaChat.ask("/api/chat", body),
        Ok(Ask {
            model: Some("llama3.2".to_owned()),
            max_tokens: Some(42),
            stream: true,
            input_tokens: 7,
            ..Ask::default()
        })
    );
    let body = br#"{"model":"llama3.2","system":"Be brief.","prompt":"Why is the sky blue?","stream":false,"options":{"num_predict":-1}}"#;
    assert_eq!(
        Api::OllamaGenerate.ask("/api/generate", body),
        Ok(Ask {
            model: Some("llama3.2".to_owned()),
            max_tokens: None,
            stream: false,
            input_tokens: 7,
            ..Ask::default()
        })
    );
    assert_eq!(
        Api::OllamaGenerate.ask("/api/generate", br#"{"stream":null}"#),
        Ok(Ask {
            stream: true,
            ..Ask::default()
        })
    );
}

#[test]
fn tgi_asks() {
    let body =
        br#"{"inputs":"What is deep learning?","parameters":{"max_new_tokens":20,"details":true}}"#;
    let streamed = Ask {
        max_tokens: Some(20),
        stream: true,
        input_tokens: 4,
        ..Ask::default()
    };
    assert_eq!(Api::Tgi.ask("/generate_stream", body), Ok(streamed.clone()));
    assert_eq!(Api::Tgi.ask("/generate_stream/?x=1", body), Ok(streamed));
    assert_eq!(
        Api::Tgi.ask("/generate?stream=/generate_stream", body),
        Ok(Ask {
            max_tokens: Some(20),
            stream: false,
            input_tokens: 4,
            ..Ask::default()
        })
    );
}

#[test]
fn llamacpp_asks() {
    let body = br#"{"prompt":"Building a website can be done in","n_predict":128,"stream":true,"model":"qwen"}"#;
    assert_eq!(
        Api::LlamaCpp.ask("/completion", body),
        Ok(Ask {
            model: Some("qwen".to_owned()),
            max_tokens: Some(128),
            stream: true,
            input_tokens: 7,
            ..Ask::default()
        })
    );
    // Strings and token ids, each id one token; not streamed by default.
    let body = br#"{"prompt":["two words",[15043,3186],"three more words"],"n_predict":-1}"#;
    assert_eq!(
        Api::LlamaCpp.ask("/completion", body),
        Ok(Ask {
            input_tokens: 7,
            ..Ask::default()
        })
    );
}

#[test]
fn a_body_that_is_no_json_object_is_refused() {
    for api in MINE {
        for body in [
            &b""[..],
            b"not json",
            b"[1]",
            b"\"text\"",
            b"{\"a\":",
            b"\xff",
        ] {
            let refused = api.ask("/", body);
            assert!(refused.is_err(), "{api:?} {body:?}: {refused:?}");
        }
    }
    assert_eq!(
        Api::Tgi.ask("/generate", b"[]"),
        Err("the request body must be a JSON object".to_owned())
    );
}

#[test]
fn error_bodies_carry_the_message() {
    let message = "bad \"input\"\n";
    for api in MINE {
        for status in [400, 404, 422, 429, 500, 503] {
            let body = String::from_utf8(api.error_body(status, message)).unwrap();
            assert_eq!(
                error_body_message(&body).as_deref(),
                Some(message),
                "{api:?} {status}"
            );
        }
    }
    let body = |api: Api, status| String::from_utf8(api.error_body(status, "no")).unwrap();
    assert_eq!(body(Api::OllamaChat, 404), r#"{"error":"no"}"#);
    assert_eq!(
        body(Api::Tgi, 429),
        r#"{"error":"no","error_type":"overloaded"}"#
    );
    assert_eq!(
        body(Api::Tgi, 422),
        r#"{"error":"no","error_type":"validation"}"#
    );
    assert_eq!(
        body(Api::Tgi, 500),
        r#"{"error":"no","error_type":"generation"}"#
    );
    assert_eq!(
        body(Api::LlamaCpp, 400),
        r#"{"error":{"code":400,"message":"no","type":"invalid_request_error"}}"#
    );
    assert_eq!(
        body(Api::LlamaCpp, 503),
        r#"{"error":{"code":503,"message":"no","type":"unavailable_error"}}"#
    );
}
