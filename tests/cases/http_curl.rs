//! curl's flags and xh's request items: what reaches the server, and what
//! is printed.

use crate::server::{Reply, Request, Server};

use super::http_support::{assert_one_error_line, http, stderr_of, stdout_text};

const EVENT: &str = "data: ok\n\n";

fn sse_server() -> Server {
    Server::start(|_| Reply::sse(EVENT))
}

/// `args` with `{url}` standing for the server's /events.
fn to_server(server: &Server, args: &[&str]) -> Vec<String> {
    let url = server.url("/events");
    args.iter().map(|a| a.replace("{url}", &url)).collect()
}

/// Runs ssecat with `args` (see `to_server`), expects exit 0 with the one
/// event printed and nothing on stderr, and returns the one request.
fn request_with(args: &[&str]) -> Request {
    let server = sse_server();
    let args = to_server(&server, args);
    http().args(&args).assert().code(0).stdout(EVENT).stderr("");
    server.request()
}

/// Runs ssecat with `args`, expects exit 2 with one error line holding
/// `words`, and checks that nothing was sent.
fn refused(args: &[&str], words: &[&str]) {
    let server = sse_server();
    let args = to_server(&server, args);
    let output = http().args(&args).output().unwrap();
    assert_eq!(output.status.code(), Some(2), "{args:?}: {output:?}");
    assert!(output.stdout.is_empty(), "{args:?}");
    assert_one_error_line(&stderr_of(&output), words);
    assert_eq!(server.hits(), 0, "{args:?}");
}

#[test]
fn dash_x_sets_the_method_as_curl_sends_it() {
    let request = request_with(&["-X", "POST", "{url}"]);
    assert_eq!(
        (request.method.as_str(), request.body.as_slice()),
        ("POST", &b""[..])
    );
    let request = request_with(&["--request", "PUT", "{url}", "-d", "x"]);
    assert_eq!(
        (request.method.as_str(), request.body.as_slice()),
        ("PUT", &b"x"[..])
    );
    // The same METHOD twice is no conflict.
    assert_eq!(
        request_with(&["-X", "PATCH", "patch", "{url}"]).method,
        "PATCH"
    );
    // A body without -X is a POST, and -X GET keeps it a GET, as in curl.
    assert_eq!(
        request_with(&["-X", "GET", "{url}", "-d", "x"]).method,
        "GET"
    );
}

#[test]
fn dash_x_and_a_different_method_before_the_url_are_refused() {
    refused(
        &["-X", "POST", "GET", "{url}"],
        &["-X POST", "GET", "differ"],
    );
    refused(&["-X", "BAD METHOD", "{url}"], &["not an HTTP method"]);
}

#[test]
fn user_agent_and_referer_are_sent_as_given() {
    let request = request_with(&["-A", "curl/8.5.0", "-e", "https://example.com/", "{url}"]);
    assert_eq!(request.header_all("user-agent"), ["curl/8.5.0"]);
    assert_eq!(request.header_all("referer"), ["https://example.com/"]);
    let request = request_with(&["--user-agent", "", "{url}"]);
    assert_eq!(request.header("user-agent"), None);
    // -H has the last word, as in curl.
    let request = request_with(&["-A", "a", "-H", "User-Agent: b", "{url}"]);
    assert_eq!(request.header_all("user-agent"), ["b"]);
}

#[test]
fn data_raw_sends_an_at_sign_and_data_binary_a_file_byte_for_byte() {
    let request = request_with(&["{url}", "--data-raw", "@not-a-file"]);
    assert_eq!(
        (request.method.as_str(), request.body.as_slice()),
        ("POST", &b"@not-a-file"[..])
    );
    let body: &[u8] = b"line one\r\nline two\n\xff\x00";
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("body.bin");
    std::fs::write(&path, body).unwrap();
    let request = request_with(&["{url}", "--data-binary", &format!("@{}", path.display())]);
    assert_eq!(request.body, body);
    // One body, as -d and --json: clap says so, with the usage.
    http()
        .args([&sse_server().url("/"), "--data-raw", "a", "-d", "b"])
        .assert()
        .code(2)
        .stderr(predicates::str::starts_with(
            "ssecat: error: the argument '--data-raw <TEXT>' cannot be used with '--data",
        ));
}

#[test]
fn the_url_option_takes_the_place_of_the_url() {
    let request = request_with(&["--url", "{url}"]);
    assert_eq!(
        (request.method.as_str(), request.target.as_str()),
        ("GET", "/events")
    );
    let request = request_with(&["post", "--url", "{url}", "q==1"]);
    assert_eq!(
        (request.method.as_str(), request.target.as_str()),
        ("POST", "/events?q=1")
    );
}

#[test]
fn curls_habits_are_accepted() {
    for flags in [
        &["-sS"][..],
        &["-s", "-S"],
        &["-N"],
        &["--no-buffer"],
        &["-f"],
        &["--fail"],
        &["--compressed"],
        &["-sSNf"],
    ] {
        let request = request_with(&[flags, &["{url}"]].concat());
        assert_eq!(request.method, "GET", "{flags:?}");
    }
    // An HTTP error fails with -f as without it.
    let server = Server::start(|_| Reply::new(404));
    http()
        .args(["-f", &server.url("/events")])
        .assert()
        .code(4)
        .stdout("");
}

#[test]
fn dash_i_prints_the_head_as_curl_does_before_the_body() {
    let server = Server::start(|_| Reply::sse(EVENT).header("x-request-id", "abc"));
    for format in ["sse", "data", "text", "raw"] {
        let output = http()
            .args(["-i", "--format", format, &server.url("/events")])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{output:?}");
        let stdout = stdout_text(&output);
        let (head, body) = stdout.split_once("\r\n\r\n").expect("a head");
        let date = head
            .lines()
            .find_map(|line| line.strip_prefix("date: "))
            .expect("a date");
        assert_eq!(
            head,
            format!(
                "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nx-request-id: abc\r\n\
                 transfer-encoding: chunked\r\ndate: {date}"
            ),
            "--format {format}"
        );
        let expected = match format {
            "sse" | "raw" => EVENT,
            "data" => "ok\n",
            _ => "",
        };
        assert_eq!(body, expected, "--format {format}");
    }
}

#[test]
fn dash_i_is_refused_where_it_would_break_json_or_a_reconnection() {
    refused(&["-i", "--jsonl", "{url}"], &["--include", "-v"]);
    refused(&["-i", "--format", "final", "{url}"], &["--include", "-v"]);
    refused(
        &["-i", "--reconnect", "{url}"],
        &["--include", "--reconnect"],
    );
}

#[test]
fn request_items_build_the_body_xh_builds() {
    // The examples of xh's README, and a chat request.
    for (items, body) in [
        (
            &["name=ahmed", "age:=24"][..],
            r#"{"name":"ahmed","age":24}"#,
        ),
        (
            &["app[container][0][id]=090-5"],
            r#"{"app":{"container":[{"id":"090-5"}]}}"#,
        ),
        (
            &[
                "model=m",
                "messages[0][role]=user",
                "messages[0][content]=Say OK",
                "stream:=true",
            ],
            r#"{"model":"m","messages":[{"role":"user","content":"Say OK"}],"stream":true}"#,
        ),
        (
            &["list[]=x", "list[]=y", r"a\=b=c"],
            r#"{"list":["x","y"],"a=b":"c"}"#,
        ),
    ] {
        let request = request_with(&[&["{url}"], items].concat());
        assert_eq!(request.method, "POST", "{items:?}");
        assert_eq!(String::from_utf8_lossy(&request.body), body, "{items:?}");
        assert_eq!(request.header_all("content-type"), ["application/json"]);
        assert_eq!(request.header_all("accept"), ["text/event-stream"]);
    }
    let request = request_with(&["put", "{url}", "id:=49", "age:=25"]);
    assert_eq!(request.method, "PUT");
    assert_eq!(request.body, br#"{"id":49,"age":25}"#);
}

#[test]
fn request_items_send_headers_and_query_parameters() {
    let request = request_with(&[
        "get",
        "{url}",
        "id==5",
        "sort==true",
        "x-api-key:12345",
        "Cache-Control:",
    ]);
    assert_eq!(request.method, "GET");
    assert_eq!(request.target, "/events?id=5&sort=true");
    assert_eq!(request.header_all("x-api-key"), ["12345"]);
    assert_eq!(request.header("cache-control"), None);
    assert_eq!(request.body, b"");
    let request = request_with(&["{url}", "user-agent:foobar", "q==a b"]);
    assert_eq!(request.header_all("user-agent"), ["foobar"]);
    assert_eq!(request.target, "/events?q=a+b");
}

#[test]
fn bad_request_items_are_refused_with_one_line() {
    refused(&["{url}", "nonsense"], &["request item", "nonsense"]);
    refused(&["{url}", "a:=nope"], &["request item", "not JSON"]);
    refused(
        &["{url}", "a=1", "a[b]=2"],
        &["request item", "a string, not an object"],
    );
    refused(&["{url}", "a=1", "-d", "x"], &["request items", "-d"]);
    refused(
        &["{url}", "a=1", "--json", "{}"],
        &["request items", "--json"],
    );
    refused(&["{url}", "pic@photo.jpg"], &["multipart"]);
    refused(&["saved.sse", "a=1"], &["request items follow a URL"]);
}

#[test]
fn curls_flags_that_ssecat_lacks_say_what_to_use() {
    for (args, words) in [
        (&["-O", "{url}"][..], &["-O/--remote-name", "-o FILE"][..]),
        (&["-sSO", "{url}"], &["-O/--remote-name"]),
        (&["-F", "a=b", "{url}"], &["-F/--form", "--json"]),
        (&["--retry", "3", "{url}"], &["--retry", "--reconnect"]),
        (&["-b", "a=1", "{url}"], &["-b/--cookie", "Cookie"]),
        (&["--http3", "{url}"], &["--http3", "HTTP/2"]),
    ] {
        refused(args, words);
    }
}

#[test]
fn reconnect_takes_a_count_after_a_space() {
    let server = Server::start(|_| Reply::sse("id: 1\ndata: ok\n\n"));
    let output = http()
        .args([
            "--reconnect",
            "2",
            "--max-retry-wait",
            "0.01",
            &server.url("/events"),
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(9), "{output:?}");
    assert_eq!(server.hits(), 3, "the first request and 2 reconnections");
    assert!(
        stderr_of(&output).contains("gave up after 2 reconnections"),
        "{output:?}"
    );
}
