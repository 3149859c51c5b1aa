//! `--prompt`: the streaming request of the URL's API, built from a prompt
//! and sent to `ssecat serve`, which reads it as the API would; the API
//! picked by `--dialect`; what is missing; `bench --prompts`.

use std::fs;

use serde_json::{json, Value};

use super::serving::Serving;
use super::support::{read_fixture, ssecat};
use crate::server::{Reply, Server};

/// Each API's path, whether it needs `--model`, and its finish reason when
/// the token limit cuts the answer.
const APIS: [(&str, bool, &str); 9] = [
    ("/v1/chat/completions", true, "length"),
    ("/v1/responses", true, "max_output_tokens"),
    ("/v1/messages", true, "max_tokens"),
    (
        "/v1beta/models/gemini-x:streamGenerateContent?alt=sse",
        false,
        "MAX_TOKENS",
    ),
    ("/v2/chat", true, "MAX_TOKENS"),
    ("/api/chat", true, "length"),
    ("/api/generate", true, "length"),
    ("/generate_stream", false, "length"),
    ("/completion", true, "limit"),
];

/// `ssecat ARGS --prompt "Say OK" [--model m] URL`, as `--format final` reads it.
fn final_answer(serving: &Serving, path: &str, needs_model: bool, args: &[&str]) -> Value {
    let mut command = ssecat();
    command
        .args(["--format", "final", "--prompt", "Say OK"])
        .args(args);
    if needs_model {
        command.args(["--model", "m"]);
    }
    let out = command.arg(serving.url(path)).assert().success();
    serde_json::from_slice(&out.get_output().stdout).expect("one JSON object")
}

#[test]
fn a_prompt_is_answered_at_every_api_path() {
    let serving = Serving::start(&["--text", "OK then"]);
    for (path, needs_model, _) in APIS {
        let mut command = ssecat();
        command.args(["--text", "--prompt", "Say OK"]);
        if needs_model {
            command.args(["--model", "m"]);
        }
        command
            .arg(serving.url(path))
            .assert()
            .success()
            .stdout("OK then");
    }
    let log = serving.log(APIS.len());
    for ((path, ..), line) in APIS.iter().zip(&log) {
        assert!(line.contains(&format!("POST {path} 200")), "{line}");
    }
}

#[test]
fn the_limit_and_the_prompt_reach_the_server_under_the_apis_names() {
    let serving = Serving::start(&["--text", "OK then"]);
    for (path, needs_model, length) in APIS {
        let answer = final_answer(&serving, path, needs_model, &["--max-tokens", "1"]);
        assert_eq!(answer["text"], "OK", "{path}: {answer}");
        assert_eq!(answer["finish_reason"], length, "{path}: {answer}");
        // "Say OK" is 2 tokens as serve counts them.
        assert_eq!(answer["usage"]["input_tokens"], 2, "{path}: {answer}");
    }
}

#[test]
fn the_system_prompt_and_the_model_reach_the_server() {
    let serving = Serving::start(&["--text", "OK"]);
    for (path, model) in [
        ("/v1/chat/completions", "m"),
        ("/v1/responses", "m"),
        ("/v1/messages", "m"),
        ("/v2/chat", "m"),
        ("/api/chat", "m"),
        ("/api/generate", "m"),
        ("/v1beta/models/gemini-x:streamGenerateContent?alt=sse", ""),
    ] {
        let mut args = vec!["--system", "Be brief", "--temperature", "0.2"];
        if !model.is_empty() {
            args.extend(["--model", model]);
        }
        let answer = final_answer(&serving, path, false, &args);
        // The system prompt's 2 tokens and the prompt's 2.
        assert_eq!(answer["usage"]["input_tokens"], 4, "{path}: {answer}");
        if !model.is_empty() && path != "/v2/chat" {
            assert_eq!(answer["model"], model, "{path}: {answer}");
        }
    }
}

#[test]
fn the_request_is_the_apis_with_its_headers() {
    let reply = read_fixture("anthropic-messages.sse");
    let server = Server::start(move |_| Reply::sse(reply.clone()));
    ssecat()
        .args(["--text", "--prompt", "Say OK", "--model", "claude-x"])
        .arg(server.url("/v1/messages"))
        .assert()
        .success();
    let request = &server.requests()[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(request.header("anthropic-version"), Some("2023-06-01"));
    let body: Value = serde_json::from_slice(&request.body).unwrap();
    let expected = json!({
        "model": "claude-x",
        "messages": [{"role": "user", "content": "Say OK"}],
        "max_tokens": 1024,
        "stream": true,
    });
    assert_eq!(body, expected);
}

#[test]
fn dialect_picks_the_api_of_another_path() {
    let reply = read_fixture("anthropic-messages.sse");
    let server = Server::start(move |_| Reply::sse(reply.clone()));
    // A header given with -H wins over the one the API requires.
    ssecat()
        .args(["--text", "--prompt", "Say OK", "--model", "c", "--dialect"])
        .args(["anthropic", "-H", "anthropic-version: 2099-01-01"])
        .arg(server.url("/proxy/anthropic"))
        .assert()
        .success();
    let request = &server.requests()[0];
    assert_eq!(request.header("anthropic-version"), Some("2099-01-01"));
    let body: Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(body["max_tokens"], 1024, "{body}");
    assert_eq!(body["messages"][0]["content"], "Say OK", "{body}");
}

#[test]
fn the_prompt_is_read_from_a_file_or_standard_input() {
    let serving = Serving::start(&["--text", "OK"]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("prompt.txt");
    fs::write(&file, "Say OK\n").unwrap();
    let at_file = format!("@{}", file.display());
    let url = serving.url("/api/generate");
    for (prompt, stdin) in [(at_file.as_str(), ""), ("@-", "Say OK")] {
        let out = ssecat()
            .args([
                "--format", "final", "--model", "m", "--prompt", prompt, &url,
            ])
            .write_stdin(stdin)
            .assert()
            .success();
        let answer: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
        assert_eq!(answer["usage"]["input_tokens"], 2, "{prompt}: {answer}");
    }
}

#[test]
fn what_the_api_needs_is_one_line_and_exit_2() {
    let serving = Serving::start(&["--text", "OK"]);
    let cases: [(&[&str], &str, &str); 5] = [
        (
            &[],
            "/v1/messages",
            "--prompt: the anthropic API needs --model",
        ),
        (
            &["--model", "m"],
            "/nowhere",
            "--prompt: no API is known at /nowhere; the known paths are",
        ),
        (
            &["--model", "m"],
            "/v1beta/models/g:streamGenerateContent",
            "--model: the gemini API takes the model from the URL",
        ),
        (
            &["--model", "m"],
            "/generate_stream",
            "--model: the tgi API serves one model",
        ),
        (
            &["--system", "s"],
            "/completion",
            "--system: the llamacpp API takes one prompt text",
        ),
    ];
    for (args, path, message) in cases {
        let out = ssecat()
            .args(["--prompt", "hi"])
            .args(args)
            .arg(serving.url(path))
            .assert()
            .code(2)
            .stdout("");
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(
            stderr.starts_with(&format!("ssecat: error: {message}")),
            "{stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
    // Nothing was sent.
    assert!(serving.log(0).is_empty());
}

#[test]
fn prompt_options_need_a_prompt_and_no_other_body() {
    for args in [
        &["--prompt", "hi", "--json", "{}"][..],
        &["--prompt", "hi", "-d", "x"],
        &["--model", "m"],
        &["--max-tokens", "3"],
        &["--prompt", "hi", "--temperature", "nan"],
        &["bench", "--prompts", "p.txt", "--bodies", "b.jsonl"],
        &["bench", "--prompts", "p.txt", "--prompt", "hi"],
    ] {
        ssecat()
            .args(args)
            .arg("http://127.0.0.1:9/v1/chat/completions")
            .assert()
            .code(2)
            .stdout("");
    }
}

#[test]
fn a_prompt_needs_a_url() {
    ssecat()
        .args(["--prompt", "hi"])
        .arg(super::support::fixture("openai-chat.sse"))
        .assert()
        .code(2)
        .stdout("")
        .stderr("ssecat: error: --prompt applies to a URL, not to a FILE or -\n");
}

#[test]
fn bench_sends_each_prompt_of_the_file() {
    let reply = read_fixture("openai-chat.sse");
    let server = Server::start(move |_| Reply::sse(reply.clone()));
    let dir = tempfile::tempdir().unwrap();
    let prompts = dir.path().join("prompts.txt");
    fs::write(&prompts, "Say one\n\nSay two\nSay three\n").unwrap();
    let records = dir.path().join("records.jsonl");
    ssecat()
        .args(["bench", "-n", "3", "--model", "m", "--max-tokens", "5"])
        .arg("--prompts")
        .arg(&prompts)
        .arg("--records")
        .arg(&records)
        .arg(server.url("/v1/chat/completions"))
        .assert()
        .success();
    let sent: Vec<Value> = (server.requests().iter())
        .map(|request| serde_json::from_slice(&request.body).unwrap())
        .collect();
    let texts: Vec<&Value> = sent
        .iter()
        .map(|body| &body["messages"][0]["content"])
        .collect();
    assert_eq!(texts, ["Say one", "Say two", "Say three"]);
    assert!(sent.iter().all(|body| body["max_completion_tokens"] == 5));
    let records = fs::read_to_string(&records).unwrap();
    assert_eq!(records.lines().count(), 3, "{records}");
}
