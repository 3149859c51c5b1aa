//! Proxies: --proxy, and the *_PROXY variables when no flag is given. The
//! test server plays the proxy: it sees the request for the real host.

use crate::server::{Reply, Server};

use super::http_support::{http, stderr_of, stdout_text};

/// A host that does not resolve: only a proxy can answer for it.
const TARGET: &str = "http://ssecat-test.invalid/events?x=1";

fn proxy() -> Server {
    Server::start(|_| Reply::sse("data: via proxy\n\n"))
}

#[test]
fn proxy_flag_sends_the_request_through_the_proxy() {
    let proxy = proxy();
    http()
        .args(["--format", "data", TARGET, "--proxy", &proxy.base()])
        .assert()
        .code(0)
        .stdout("via proxy\n")
        .stderr("");
    let request = proxy.request();
    assert_eq!(request.target, "/events?x=1");
    assert_eq!(request.header("host"), Some("ssecat-test.invalid"));
    assert_eq!(request.header("accept"), Some("text/event-stream"));
}

#[test]
fn proxy_credentials_are_sent_to_the_proxy_and_masked_in_verbose() {
    let proxy = proxy();
    let url = format!("http://puser:Xq7Rw2Mz9Kt4@127.0.0.1:{}", proxy.port());
    let output = http()
        .args(["-v", "--format", "data", TARGET, "--proxy", &url])
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(stdout_text(&output), "via proxy\n");
    let sent = proxy.request();
    let credentials = sent
        .header("proxy-authorization")
        .expect("proxy credentials are sent")
        .to_owned();
    // base64("puser:Xq7Rw2Mz9Kt4")
    assert_eq!(credentials, "Basic cHVzZXI6WHE3UncyTXo5S3Q0");
    let encoded = "cHVzZXI6WHE3UncyTXo5S3Q0";
    for secret in [encoded, "Xq7Rw2Mz9Kt4"] {
        for i in 0..secret.len() - 4 {
            let piece = &secret[i..i + 5];
            assert!(!stderr.contains(piece), "{piece:?} is shown: {stderr}");
        }
    }
}

#[test]
fn proxy_variables_are_honoured_without_the_flag() {
    for var in ["HTTP_PROXY", "http_proxy", "ALL_PROXY"] {
        let proxy = proxy();
        http()
            .args(["--format", "data", TARGET])
            .env(var, proxy.base())
            .env_remove("NO_PROXY")
            .env_remove("no_proxy")
            .assert()
            .code(0)
            .stdout("via proxy\n")
            .stderr("");
        assert_eq!(
            proxy.request().header("host"),
            Some("ssecat-test.invalid"),
            "{var}"
        );
    }
}

#[test]
fn no_proxy_keeps_a_host_away_from_the_proxy() {
    let proxy = proxy();
    let direct = Server::start(|_| Reply::sse("data: direct\n\n"));
    http()
        .args(["--format", "data", &direct.url("/")])
        .env("HTTP_PROXY", proxy.base())
        .env("NO_PROXY", "127.0.0.1")
        .assert()
        .code(0)
        .stdout("direct\n")
        .stderr("");
    assert_eq!(proxy.hits(), 0);
    assert_eq!(direct.hits(), 1);
}
