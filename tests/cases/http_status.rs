//! Non-2xx answers: the exit code and the report on stderr; redirects.

use crate::server::{Reply, Server};

use super::http_support::{http, stderr_of, stdout_text};

/// Runs ssecat on `url`, expects `code` and an empty stdout, returns stderr.
fn failing(args: &[&str], code: i32) -> String {
    let output = http().args(args).output().unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(code), "{args:?}: {stderr}");
    assert_eq!(stdout_text(&output), "", "{args:?}");
    stderr
}

#[test]
fn not_found_with_a_json_error_exits_4_and_shows_the_message() {
    let body = r#"{"error":{"message":"The model `gpt-9` does not exist","type":"invalid_request_error"}}"#;
    let server = Server::start(move |_| {
        Reply::new(404)
            .header("content-type", "application/json")
            .send(body)
    });
    let stderr = failing(&[&server.url("/v1/chat")], 4);
    let mut lines = stderr.lines();
    assert_eq!(lines.next(), Some("ssecat: HTTP 404 Not Found"), "{stderr}");
    assert_eq!(
        lines.next(),
        Some("ssecat: message: The model `gpt-9` does not exist"),
        "{stderr}"
    );
    assert!(stderr.contains(body), "the body is not shown: {stderr}");
}

#[test]
fn every_json_error_shape_gives_its_message() {
    for (status, reason, code, body) in [
        (400, "Bad Request", 4, r#"{"error":"bad input"}"#),
        (401, "Unauthorized", 4, r#"{"message":"bad input"}"#),
        (
            503,
            "Service Unavailable",
            5,
            r#"{"error":{"message":"bad input"}}"#,
        ),
    ] {
        let server = Server::start(move |_| {
            Reply::new(status)
                .header("content-type", "application/json")
                .send(body)
        });
        let stderr = failing(&[&server.url("/")], code);
        assert!(
            stderr.starts_with(&format!(
                "ssecat: HTTP {status} {reason}\nssecat: message: bad input\n"
            )),
            "{stderr}"
        );
        assert!(stderr.contains(body), "{stderr}");
    }
}

#[test]
fn too_many_requests_shows_retry_after() {
    let server = Server::start(|_| {
        Reply::new(429)
            .header("content-type", "application/json")
            .header("retry-after", "7")
            .send(r#"{"error":{"message":"Rate limit reached"}}"#)
    });
    let stderr = failing(&[&server.url("/")], 4);
    assert!(
        stderr.starts_with(
            "ssecat: HTTP 429 Too Many Requests\n\
             ssecat: message: Rate limit reached\n\
             ssecat: Retry-After: 7\n"
        ),
        "{stderr}"
    );
    assert!(stderr.contains(r#"{"error":{"message":"Rate limit reached"}}"#));
}

#[test]
fn a_server_error_exits_5_with_its_body() {
    let server = Server::start(|_| {
        Reply::new(500)
            .header("content-type", "text/plain")
            .send("upstream exploded")
    });
    let stderr = failing(&["POST", &server.url("/"), "--json", "{}"], 5);
    assert!(
        stderr.starts_with("ssecat: HTTP 500 Internal Server Error\n"),
        "{stderr}"
    );
    // Not JSON: no message line.
    assert!(!stderr.contains("ssecat: message:"), "{stderr}");
    assert!(stderr.contains("upstream exploded"), "{stderr}");

    // An error status with an SSE content type is still an error.
    let server = Server::start(|_| {
        Reply::new(502)
            .header("content-type", "text/event-stream")
            .send("data: oops\n\n")
    });
    let stderr = failing(&[&server.url("/")], 5);
    assert!(
        stderr.starts_with("ssecat: HTTP 502 Bad Gateway\n"),
        "{stderr}"
    );
}

#[test]
fn a_huge_error_body_is_shown_only_in_part() {
    let body = "x".repeat(1 << 20);
    let server = Server::start(move |_| Reply::new(500).send(body.clone()));
    let stderr = failing(&[&server.url("/")], 5);
    assert!(stderr.starts_with("ssecat: HTTP 500 Internal Server Error\n"));
    assert!(stderr.contains(&"x".repeat(1000)), "the body is not shown");
    assert!(
        stderr.len() < 64 * 1024 + 1024,
        "{} bytes of stderr: more than 64 KiB of body",
        stderr.len()
    );
}

#[test]
fn a_redirect_is_not_followed_by_default() {
    let server = Server::start(|request| match request.path() {
        "/start" => Reply::redirect(302, "/final"),
        _ => Reply::sse("data: final\n\n"),
    });
    let stderr = failing(&[&server.url("/start")], 3);
    let mut lines = stderr.lines();
    assert_eq!(lines.next(), Some("ssecat: HTTP 302 Found"), "{stderr}");
    let next = lines.next().unwrap_or_default();
    assert!(
        next.starts_with("ssecat: ") && next.contains("/final") && next.contains("-L"),
        "the second line does not mention the Location and -L: {stderr}"
    );
    assert_eq!(server.hits(), 1);
}

#[test]
fn location_follows_redirects() {
    let server = Server::start(|request| match request.path() {
        "/a" => Reply::redirect(301, "/b"),
        "/b" => Reply::redirect(307, &format!("/final?from={}", request.method)),
        _ => Reply::sse("data: final\n\n"),
    });
    for flag in ["-L", "--location"] {
        http()
            .args([flag, "--format", "data", &server.url("/a")])
            .assert()
            .code(0)
            .stdout("final\n")
            .stderr("");
    }
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.target).collect();
    assert_eq!(
        paths,
        ["/a", "/b", "/final?from=GET", "/a", "/b", "/final?from=GET"]
    );
}

#[test]
fn credentials_are_kept_on_the_same_host_and_dropped_for_another() {
    let other = Server::start(|_| Reply::sse("data: other\n\n"));
    let other_url = format!("http://localhost:{}/landing", other.port());
    let server = Server::start(move |request| match request.path() {
        "/same" => Reply::redirect(302, "/landing"),
        "/cross" => Reply::redirect(302, &other_url),
        _ => Reply::sse("data: same\n\n"),
    });
    let secrets = [
        "--bearer",
        "sekrit-token",
        "-H",
        "x-api-key: sekrit-key",
        "-H",
        "Cookie: session=sekrit-cookie",
    ];

    http()
        .args(["-L", "--format", "data", &server.url("/same")])
        .args(secrets)
        .assert()
        .code(0)
        .stdout("same\n")
        .stderr("");
    let landing = &server.requests()[1];
    assert_eq!(landing.path(), "/landing");
    assert_eq!(landing.header("authorization"), Some("Bearer sekrit-token"));
    assert_eq!(landing.header("x-api-key"), Some("sekrit-key"));
    assert_eq!(landing.header("cookie"), Some("session=sekrit-cookie"));

    http()
        .args(["-L", "--format", "data", &server.url("/cross")])
        .args(secrets)
        .assert()
        .code(0)
        .stdout("other\n")
        .stderr("");
    let first = &server.requests()[2];
    assert_eq!(first.path(), "/cross");
    assert_eq!(first.header("x-api-key"), Some("sekrit-key"));
    let landing = other.request();
    assert_eq!(landing.path(), "/landing");
    for name in ["authorization", "x-api-key", "cookie"] {
        assert_eq!(
            landing.header(name),
            None,
            "{name} was sent on to another host: {landing:#?}"
        );
    }
    // What is not a credential goes on.
    assert_eq!(landing.header("accept"), Some("text/event-stream"));

    // Basic auth too.
    http()
        .args(["-L", "-u", "me:sekrit", &server.url("/cross")])
        .assert()
        .code(0);
    let landing = &other.requests()[1];
    assert_eq!(landing.header("authorization"), None, "{landing:#?}");
}

#[test]
fn too_many_redirects_exit_3() {
    let server = Server::start(|request| {
        let n: u32 = request
            .path()
            .trim_start_matches("/r/")
            .parse()
            .unwrap_or(0);
        Reply::redirect(302, &format!("/r/{}", n + 1))
    });
    let stderr = failing(&["-L", "--max-redirs", "3", &server.url("/r/0")], 3);
    assert!(stderr.starts_with("ssecat: "), "{stderr}");
    assert!(stderr.to_lowercase().contains("redirect"), "{stderr}");
    // The request, then 3 redirects followed; the 4th is refused.
    assert_eq!(server.hits(), 4, "{:#?}", server.requests());

    let server = Server::start(|request| {
        let n: u32 = request
            .path()
            .trim_start_matches("/r/")
            .parse()
            .unwrap_or(0);
        Reply::redirect(302, &format!("/r/{}", n + 1))
    });
    failing(&["-L", &server.url("/r/0")], 3);
    assert_eq!(server.hits(), 11, "the default is 10 redirects");
}

#[test]
fn a_post_is_repeated_on_307_and_becomes_a_get_on_303() {
    let server = Server::start(|request| match request.path() {
        "/307" => Reply::redirect(307, "/final"),
        "/303" => Reply::redirect(303, "/final"),
        _ => Reply::sse("data: final\n\n"),
    });
    for (path, method, body, content_type) in [
        ("/307", "POST", &b"{\"a\":1}"[..], Some("application/json")),
        ("/303", "GET", &b""[..], None),
    ] {
        http()
            .args([
                "-L",
                "--format",
                "data",
                &server.url(path),
                "--json",
                "{\"a\":1}",
            ])
            .assert()
            .code(0)
            .stdout("final\n")
            .stderr("");
        let requests = server.requests();
        let landing = requests.last().unwrap();
        assert_eq!(landing.path(), "/final", "{path}");
        assert_eq!(landing.method, method, "{path}");
        assert_eq!(landing.body, body, "{path}");
        assert_eq!(landing.header("content-type"), content_type, "{path}");
    }
}

#[test]
fn a_message_over_several_lines_stays_on_the_one_line_of_the_statistics() {
    let server = Server::start(|_| {
        Reply::new(400)
            .header("content-type", "application/json")
            .send(r#"{"detail":"field required\nbody.model"}"#)
    });
    let stderr = failing(&["--stats-json", "-", &server.url("/")], 4);
    // stderr shows the message as the server wrote it...
    assert!(
        stderr.contains("ssecat: message: field required\nbody.model\n"),
        "{stderr}"
    );
    // ...and the statistics keep it on their one line.
    let stats: serde_json::Value = serde_json::from_str(stderr.lines().last().unwrap()).unwrap();
    assert_eq!(
        stats["error"],
        "HTTP 400 Bad Request; message: field required\\nbody.model"
    );
}
