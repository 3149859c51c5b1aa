//! What reaches the server: method, URL, headers, body, credentials.

use std::io::Write;

use predicates::prelude::*;

use crate::server::{Reply, Request, Server};

use super::http_support::{http, stderr_of};

const EVENT: &str = "data: ok\n\n";

/// A server answering every request with one SSE event.
fn sse_server() -> Server {
    Server::start(|_| Reply::sse(EVENT))
}

/// Runs ssecat with `args` (the URL of `server` substituted for `{url}`),
/// expects exit 0 with the one event printed, and returns the one request.
fn request_with(server: &Server, args: &[&str]) -> Request {
    request_with_env(server, args, &[])
}

fn request_with_env(server: &Server, args: &[&str], env: &[(&str, &str)]) -> Request {
    let url = server.url("/events");
    let args: Vec<String> = args.iter().map(|a| a.replace("{url}", &url)).collect();
    let mut cmd = http();
    cmd.args(&args);
    for (name, value) in env {
        cmd.env(name, value);
    }
    cmd.assert().code(0).stdout(EVENT).stderr("");
    server.request()
}

#[test]
fn get_is_the_default_method_and_the_defaults_headers_are_sent() {
    let server = sse_server();
    let request = request_with(&server, &["{url}"]);
    assert_eq!(request.method, "GET");
    assert_eq!(request.target, "/events");
    assert_eq!(request.body, b"");
    assert_eq!(request.header_all("accept"), ["text/event-stream"]);
    assert_eq!(request.header_all("cache-control"), ["no-cache"]);
    assert_eq!(request.header_all("user-agent"), ["ssecat/0.1.0"]);
    assert_eq!(request.header("authorization"), None);
    assert_eq!(request.header("last-event-id"), None);
    assert_eq!(
        request.header("host"),
        Some(format!("127.0.0.1:{}", server.port()).as_str())
    );
}

#[test]
fn the_query_string_is_sent_as_given() {
    let server = sse_server();
    let url = server.url("/events?model=x&stream=true");
    http().arg(&url).assert().code(0).stdout(EVENT);
    assert_eq!(server.request().target, "/events?model=x&stream=true");
}

#[test]
fn an_explicit_method_is_sent_in_any_case() {
    for (given, sent) in [
        ("GET", "GET"),
        ("POST", "POST"),
        ("post", "POST"),
        ("Put", "PUT"),
        ("delete", "DELETE"),
        ("PATCH", "PATCH"),
    ] {
        let server = sse_server();
        let request = request_with(&server, &[given, "{url}"]);
        assert_eq!(request.method, sent, "method given as {given}");
        assert_eq!(request.body, b"", "method given as {given}");
    }
}

#[test]
fn a_body_implies_post_unless_a_method_is_given() {
    let server = sse_server();
    let request = request_with(&server, &["{url}", "-d", "hello=world"]);
    assert_eq!(request.method, "POST");
    assert_eq!(request.body, b"hello=world");

    let server = sse_server();
    let request = request_with(&server, &["PUT", "{url}", "--data", "x y"]);
    assert_eq!(request.method, "PUT");
    assert_eq!(request.body, b"x y");

    let server = sse_server();
    let request = request_with(&server, &["{url}", "--json", "{\"a\": 1}"]);
    assert_eq!(request.method, "POST");
}

#[test]
fn data_is_read_from_a_file_or_stdin_byte_for_byte() {
    let body: &[u8] = b"{\"line\": 1}\r\n\xff\x00binary\n";
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("body.bin");
    std::fs::write(&path, body).unwrap();

    let server = sse_server();
    let request = request_with(&server, &["{url}", "-d", &format!("@{}", path.display())]);
    assert_eq!(request.method, "POST");
    assert_eq!(request.body, body);

    let server = sse_server();
    http()
        .arg(server.url("/events"))
        .args(["-d", "@-"])
        .write_stdin(body)
        .assert()
        .code(0)
        .stdout(EVENT)
        .stderr("");
    let request = server.request();
    assert_eq!(request.method, "POST");
    assert_eq!(request.body, body);
}

#[test]
fn a_missing_data_file_is_an_error_and_nothing_is_sent() {
    let server = sse_server();
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.json");
    let output = http()
        .arg(server.url("/events"))
        .arg("-d")
        .arg(format!("@{}", missing.display()))
        .output()
        .unwrap();
    assert_ne!(output.status.code(), Some(0), "{output:?}");
    assert!(output.stdout.is_empty());
    assert!(
        stderr_of(&output).contains("missing.json"),
        "the error does not name the file: {}",
        stderr_of(&output)
    );
    assert_eq!(server.hits(), 0);
}

#[test]
fn json_sets_the_content_type_and_is_sent_as_given() {
    let text = "{\"model\": \"m\",\n \"stream\": true}";
    let server = sse_server();
    let request = request_with(&server, &["{url}", "--json", text]);
    assert_eq!(request.method, "POST");
    assert_eq!(request.header_all("content-type"), ["application/json"]);
    assert_eq!(request.body, text.as_bytes());
    // The SSE Accept stays.
    assert_eq!(request.header_all("accept"), ["text/event-stream"]);

    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(text.as_bytes()).unwrap();
    let server = sse_server();
    let request = request_with(
        &server,
        &["{url}", "--json", &format!("@{}", file.path().display())],
    );
    assert_eq!(request.header_all("content-type"), ["application/json"]);
    assert_eq!(request.body, text.as_bytes());

    let server = sse_server();
    http()
        .args([&server.url("/events"), "--json", "@-"])
        .write_stdin(text)
        .assert()
        .code(0)
        .stdout(EVENT)
        .stderr("");
    let request = server.request();
    assert_eq!(request.header_all("content-type"), ["application/json"]);
    assert_eq!(request.body, text.as_bytes());
}

#[test]
fn invalid_json_is_a_usage_error_naming_the_place_and_nothing_is_sent() {
    let server = sse_server();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("body.json");
    std::fs::write(&path, "{\n  \"a\": ,\n}\n").unwrap();
    let output = http()
        .arg(server.url("/events"))
        .arg("--json")
        .arg(format!("@{}", path.display()))
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(output.stdout.is_empty());
    assert!(
        stderr.contains("line 2") && stderr.contains("column 8"),
        "the error does not name line 2, column 8: {stderr}"
    );

    http()
        .args([&server.url("/events"), "--json", "{\"a\": 1"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("line 1"));
    assert_eq!(server.hits(), 0, "{:#?}", server.requests());
}

#[test]
fn headers_are_sent_and_repeatable() {
    let server = sse_server();
    let request = request_with(
        &server,
        &[
            "{url}",
            "-H",
            "X-One: 1",
            "--header",
            "X-Many: a",
            "-H",
            "x-many: b",
            "-H",
            "X-Spaces:   padded value",
        ],
    );
    assert_eq!(request.header_all("x-one"), ["1"]);
    assert_eq!(request.header_all("x-many"), ["a", "b"]);
    assert_eq!(request.header_all("x-spaces"), ["padded value"]);
}

#[test]
fn a_header_replaces_a_default_one() {
    let server = sse_server();
    let request = request_with(
        &server,
        &[
            "{url}",
            "-H",
            "Accept: application/json",
            "-H",
            "user-agent: other/2",
        ],
    );
    assert_eq!(request.header_all("accept"), ["application/json"]);
    assert_eq!(request.header_all("user-agent"), ["other/2"]);
    assert_eq!(request.header_all("cache-control"), ["no-cache"]);
}

#[test]
fn an_empty_header_removes_a_default_one() {
    let server = sse_server();
    let request = request_with(
        &server,
        &[
            "{url}",
            "-H",
            "Accept:",
            "-H",
            "Cache-Control:",
            "-H",
            "User-Agent:",
        ],
    );
    assert_eq!(request.header_all("cache-control"), Vec::<&str>::new());
    assert_eq!(request.header_all("user-agent"), Vec::<&str>::new());
    // Ours is gone; the HTTP library (reqwest) always falls back to `*/*`,
    // as docs/GUIDE.md says (request options).
    assert_eq!(request.header_all("accept"), ["*/*"], "{request:#?}");
}

#[test]
fn a_header_value_can_come_from_the_environment() {
    let server = sse_server();
    let request = request_with_env(
        &server,
        &["{url}", "-H", "X-Api-Key: env:SSECAT_TEST_KEY"],
        &[("SSECAT_TEST_KEY", "k-from-env")],
    );
    assert_eq!(request.header_all("x-api-key"), ["k-from-env"]);
}

#[test]
fn a_header_from_the_environment_is_not_sent_to_another_origin() {
    // Not a name ssecat knows as a credential: what makes it one is env:.
    // Two servers on 127.0.0.1 at different ports are different origins.
    let other = Server::start(|_| Reply::sse("data: other\n\n"));
    let other_url = other.url("/landing");
    let server = Server::start(move |request| match request.path() {
        "/same" => Reply::redirect(302, "/landing"),
        "/cross" => Reply::redirect(307, &other_url),
        _ => Reply::sse("data: same\n\n"),
    });
    let run = |path: &str, expected: &str| {
        http()
            .args(["-L", "--format", "data", &server.url(path)])
            .args(["-H", "X-Team-Token: env:SSECAT_TEST_KEY"])
            .args(["-H", "X-Plain: as-written"])
            .env("SSECAT_TEST_KEY", "k-from-env")
            .assert()
            .code(0)
            .stdout(expected.to_owned())
            .stderr("");
    };

    // The same origin keeps it.
    run("/same", "same\n");
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].path(), "/landing");
    assert_eq!(requests[1].header_all("x-team-token"), ["k-from-env"]);

    // Another origin does not get it; a header given as written goes on.
    run("/cross", "other\n");
    let first = &server.requests()[2];
    assert_eq!(first.path(), "/cross");
    assert_eq!(first.header_all("x-team-token"), ["k-from-env"]);
    let landing = other.request();
    assert_eq!(landing.path(), "/landing");
    assert_eq!(landing.header("x-team-token"), None, "{landing:#?}");
    assert_eq!(landing.header_all("x-plain"), ["as-written"]);
}

#[test]
fn a_header_from_an_unset_variable_is_a_usage_error() {
    let server = sse_server();
    http()
        .args([
            &server.url("/events"),
            "-H",
            "X-Api-Key: env:SSECAT_TEST_UNSET_VAR",
        ])
        .env_remove("SSECAT_TEST_UNSET_VAR")
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("SSECAT_TEST_UNSET_VAR"));
    assert_eq!(server.hits(), 0);
}

#[test]
fn bearer_tokens_as_given_or_from_the_environment() {
    let server = sse_server();
    let request = request_with(&server, &["{url}", "--bearer", "tok-123"]);
    assert_eq!(request.header_all("authorization"), ["Bearer tok-123"]);

    let server = sse_server();
    let request = request_with_env(
        &server,
        &["{url}", "--bearer", "env:SSECAT_TEST_TOKEN"],
        &[("SSECAT_TEST_TOKEN", "tok-from-env")],
    );
    assert_eq!(request.header_all("authorization"), ["Bearer tok-from-env"]);
}

#[test]
fn a_bearer_token_from_an_unset_variable_is_a_usage_error() {
    let server = sse_server();
    http()
        .args([
            &server.url("/events"),
            "--bearer",
            "env:SSECAT_TEST_NO_TOKEN",
        ])
        .env_remove("SSECAT_TEST_NO_TOKEN")
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("SSECAT_TEST_NO_TOKEN"));
    assert_eq!(server.hits(), 0);
}

#[test]
fn basic_auth_with_the_password_as_given_or_from_the_environment() {
    let server = sse_server();
    let request = request_with(&server, &["{url}", "-u", "user:pass"]);
    // base64("user:pass")
    assert_eq!(request.header_all("authorization"), ["Basic dXNlcjpwYXNz"]);

    let server = sse_server();
    let request = request_with_env(
        &server,
        &["{url}", "--user", "aladdin:env:SSECAT_TEST_PASS"],
        &[("SSECAT_TEST_PASS", "open sesame")],
    );
    // base64("aladdin:open sesame")
    assert_eq!(
        request.header_all("authorization"),
        ["Basic YWxhZGRpbjpvcGVuIHNlc2FtZQ=="]
    );
}

#[test]
fn an_env_reference_inside_a_header_value_is_sent_as_written_with_a_warning() {
    let server = sse_server();
    let output = http()
        .env("SSECAT_TEST_KEY", "secret")
        .args([
            "-H",
            "Authorization: Bearer env:SSECAT_TEST_KEY",
            &server.url("/"),
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        server.request().header("authorization"),
        Some("Bearer env:SSECAT_TEST_KEY")
    );
    let stderr = stderr_of(&output);
    assert!(
        stderr.starts_with(
            "ssecat: warning: -H authorization sends \"env:SSECAT_TEST_KEY\" as written"
        ) && stderr.contains("--bearer env:SSECAT_TEST_KEY"),
        "{stderr}"
    );
}

#[test]
fn credentials_in_clear_text_to_another_host_are_warned_about() {
    // Through a proxy on 127.0.0.1, so nothing leaves the machine.
    let proxy = sse_server();
    for credentials in [
        &["--bearer", "t"][..],
        &["-u", "a:b"],
        &["-H", "x-api-key: k"],
        &["-H", "api-key: k"],
    ] {
        let output = http()
            .args(["--proxy", &proxy.url("/")])
            .args(credentials)
            .arg("http://api.example.com/v1/chat")
            .output()
            .unwrap();
        let stderr = stderr_of(&output);
        assert_eq!(output.status.code(), Some(0), "{stderr}");
        assert!(
            stderr.starts_with("ssecat: warning: sending credentials (")
                && stderr.contains("over plain http:// to api.example.com"),
            "{credentials:?}: {stderr}"
        );
    }
    // Not to this machine, nor without credentials.
    let local = sse_server();
    for args in [
        vec!["--bearer".to_owned(), "t".to_owned(), local.url("/")],
        vec![
            "--proxy".to_owned(),
            proxy.url("/"),
            "http://api.example.com/".to_owned(),
        ],
    ] {
        let output = http().args(&args).output().unwrap();
        assert_eq!(stderr_of(&output), "", "{args:?}");
    }
}

#[test]
fn last_event_id_is_sent() {
    let server = sse_server();
    let request = request_with(&server, &["{url}", "--last-event-id", "evt-42"]);
    assert_eq!(request.header_all("last-event-id"), ["evt-42"]);
}

#[test]
fn every_option_at_once() {
    let server = sse_server();
    let request = request_with_env(
        &server,
        &[
            "post",
            "{url}",
            "--json",
            "[1, 2]",
            "--bearer",
            "env:SSECAT_TEST_TOKEN",
            "--last-event-id",
            "7",
            "-H",
            "X-Trace: t",
            "-H",
            "Cache-Control:",
        ],
        &[("SSECAT_TEST_TOKEN", "t0k")],
    );
    assert_eq!(request.method, "POST");
    assert_eq!(request.body, b"[1, 2]");
    assert_eq!(request.header_all("content-type"), ["application/json"]);
    assert_eq!(request.header_all("authorization"), ["Bearer t0k"]);
    assert_eq!(request.header_all("last-event-id"), ["7"]);
    assert_eq!(request.header_all("x-trace"), ["t"]);
    assert_eq!(request.header_all("cache-control"), Vec::<&str>::new());
    assert_eq!(request.header_all("accept"), ["text/event-stream"]);
}

#[test]
fn a_url_without_a_scheme_is_http() {
    let server = sse_server();
    let request = request_with(&server, &[&format!("127.0.0.1:{}/events", server.port())]);
    assert_eq!(request.target, "/events");

    // ":PORT/path" is localhost.
    let server = sse_server();
    let request = request_with(&server, &[&format!(":{}/events", server.port())]);
    assert_eq!(request.target, "/events");
    assert_eq!(
        request.header("host"),
        Some(format!("localhost:{}", server.port()).as_str())
    );

    // With a method in front, too.
    let server = sse_server();
    let request = request_with(
        &server,
        &["POST", &format!(":{}/events", server.port()), "-d", "x"],
    );
    assert_eq!(
        (request.method.as_str(), request.target.as_str()),
        ("POST", "/events")
    );
}
