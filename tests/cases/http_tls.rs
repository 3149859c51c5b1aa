//! HTTPS against the test server's TLS mode: a certificate nothing trusts,
//! `-k`, `--cacert` (good, wrong and unusable files), and HTTP/2 by ALPN.

use std::io::Write;

use hyper::Version;
use tempfile::NamedTempFile;

use crate::server::{Gate, Reply, Server, TestCert};

use super::http_support::{assert_one_error_line, http, stderr_of, stdout_text, Running};

/// Both ALPN protocols, as most HTTPS servers offer them.
const H2_AND_HTTP11: &[&[u8]] = &[b"h2", b"http/1.1"];

/// A temporary file holding `text`, removed when dropped.
fn file_with(text: &str) -> NamedTempFile {
    let mut file = NamedTempFile::new().unwrap();
    file.write_all(text.as_bytes()).unwrap();
    file.flush().unwrap();
    file
}

fn path_of(file: &NamedTempFile) -> String {
    file.path().display().to_string()
}

/// `https://localhost:PORT/`: the name the certificates are issued for.
fn localhost_url(server: &Server) -> String {
    format!("https://localhost:{}/", server.port())
}

#[test]
fn a_certificate_nothing_trusts_exits_6_before_any_request() {
    let (server, _ca) = Server::start_tls(|_| Reply::sse("data: 1\n\n"));
    let output = http().arg(server.url("/")).output().unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(6), "{stderr}");
    assert_eq!(stdout_text(&output), "");
    // Today: "could not connect to 127.0.0.1:PORT: client error (Connect):
    // invalid peer certificate: UnknownIssuer".
    assert_one_error_line(
        &stderr,
        &[
            "could not connect",
            &format!("127.0.0.1:{}", server.port()),
            "certificate",
            "issuer",
        ],
    );
    assert_eq!(
        server.hits(),
        0,
        "a request was sent: {:#?}",
        server.requests()
    );
}

#[test]
fn insecure_accepts_a_certificate_nothing_trusts() {
    let (server, _ca) = Server::start_tls(|_| Reply::sse("data: 1\n\n").send("data: 2\n\n"));
    http()
        .args(["-k", &server.url("/events")])
        .assert()
        .code(0)
        .stdout("data: 1\n\ndata: 2\n\n")
        .stderr("");
    assert_eq!(server.request().path(), "/events");
}

#[test]
fn insecure_also_accepts_a_certificate_for_another_name() {
    let cert = TestCert::new(&["example.invalid"]);
    let server = Server::start_tls_with(&cert, H2_AND_HTTP11, |_| Reply::sse("data: 1\n\n"));
    http()
        .args(["--insecure", "--format", "data", &server.url("/")])
        .assert()
        .code(0)
        .stdout("1\n")
        .stderr("");
}

#[test]
fn cacert_trusts_the_servers_ca() {
    let (server, ca) = Server::start_tls(|_| Reply::sse("data: 1\n\n"));
    let ca = file_with(&ca);
    // The certificate names both: a DNS name and an IP address.
    for url in [localhost_url(&server), server.url("/")] {
        http()
            .args(["--cacert", &path_of(&ca), &url])
            .assert()
            .code(0)
            .stdout("data: 1\n\n")
            .stderr("");
    }
    assert_eq!(server.hits(), 2);
}

#[test]
fn cacert_still_checks_the_issuer_and_the_name() {
    let cert = TestCert::new(&["localhost"]);
    let server = Server::start_tls_with(&cert, H2_AND_HTTP11, |_| Reply::sse("data: 1\n\n"));
    let own_ca = file_with(&cert.ca_pem);
    let other_ca = file_with(&TestCert::new(&["localhost"]).ca_pem);

    // Another CA did not issue this certificate.
    let output = http()
        .args(["--cacert", &path_of(&other_ca), &localhost_url(&server)])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(6), "{output:?}");
    assert_eq!(stdout_text(&output), "");
    assert_one_error_line(&stderr_of(&output), &["could not connect", "certificate"]);

    // The right CA, but the certificate is for localhost only.
    let output = http()
        .args(["--cacert", &path_of(&own_ca), &server.url("/")])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(6), "{output:?}");
    assert_eq!(stdout_text(&output), "");
    assert_one_error_line(
        &stderr_of(&output),
        &["could not connect", "certificate", "127.0.0.1", "localhost"],
    );

    assert_eq!(
        server.hits(),
        0,
        "a request was sent: {:#?}",
        server.requests()
    );
}

#[test]
fn a_cacert_without_a_certificate_is_a_usage_error() {
    let (server, _ca) = Server::start_tls(|_| Reply::sse("data: 1\n\n"));
    for text in ["just some notes\nno certificate here\n", ""] {
        let file = file_with(text);
        let output = http()
            .args(["--cacert", &path_of(&file), &localhost_url(&server)])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{text:?}: {output:?}");
        assert_eq!(stdout_text(&output), "");
        assert_one_error_line(&stderr_of(&output), &["--cacert", &path_of(&file)]);
    }
    assert_eq!(server.hits(), 0);
}

#[test]
fn a_malformed_cacert_is_a_usage_error() {
    let (server, _ca) = Server::start_tls(|_| Reply::sse("data: 1\n\n"));
    let file = file_with("-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n");
    let output = http()
        .args(["--cacert", &path_of(&file), &localhost_url(&server)])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert_eq!(stdout_text(&output), "");
    assert_one_error_line(&stderr_of(&output), &["--cacert", &path_of(&file)]);
    assert_eq!(server.hits(), 0);
}

#[test]
fn an_unreadable_cacert_is_a_usage_error() {
    let (server, _ca) = Server::start_tls(|_| Reply::sse("data: 1\n\n"));
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.pem").display().to_string();
    let directory = dir.path().display().to_string();
    for path in [missing, directory] {
        let output = http()
            .args(["--cacert", &path, &localhost_url(&server)])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{path}: {output:?}");
        assert_eq!(stdout_text(&output), "");
        assert_one_error_line(
            &stderr_of(&output),
            &[&format!("cannot read --cacert {path}")],
        );
    }
    assert_eq!(server.hits(), 0);
}

#[test]
fn http2_is_negotiated_by_alpn_and_streams_live() {
    let gate = Gate::new();
    let server_gate = gate.clone();
    let (server, ca) = Server::start_tls(move |_| {
        Reply::sse("data: 1\n\n")
            .wait_for(&server_gate)
            .send("data: 2\n\n")
    });
    let ca = file_with(&ca);
    let url = localhost_url(&server);
    let mut run = Running::spawn(&["-v", "--format", "data", "--cacert", &path_of(&ca), &url]);
    // The server sends the second event only once the first is out.
    run.expect_output("1\n");
    gate.open();
    run.expect_output("2\n");
    let finished = run.finish();
    assert_eq!(
        (finished.code, finished.stdout.as_str()),
        (Some(0), ""),
        "{finished:?}"
    );
    assert!(
        finished
            .stderr
            .lines()
            .any(|line| line == "< HTTP/2.0 200 OK"),
        "no HTTP/2 status line: {}",
        finished.stderr
    );
    assert_eq!(server.request().version, Version::HTTP_2);
}

#[test]
fn http11_is_used_when_the_server_does_not_offer_h2() {
    let cert = TestCert::new(&["localhost", "127.0.0.1"]);
    let ca = file_with(&cert.ca_pem);
    // Only HTTP/1.1 offered, and no ALPN at all.
    for alpn in [&[b"http/1.1".as_slice()][..], &[]] {
        let server = Server::start_tls_with(&cert, alpn, |_| Reply::sse("data: 1\n\n"));
        let output = http()
            .args(["-v", "--format", "data", "--cacert", &path_of(&ca)])
            .arg(server.url("/"))
            .output()
            .unwrap();
        let stderr = stderr_of(&output);
        assert_eq!(output.status.code(), Some(0), "{alpn:?}: {stderr}");
        assert_eq!(stdout_text(&output), "1\n");
        assert!(
            stderr.lines().any(|line| line == "< HTTP/1.1 200 OK"),
            "{alpn:?}: no HTTP/1.1 status line: {stderr}"
        );
        assert_eq!(server.request().version, Version::HTTP_11, "{alpn:?}");
    }
}

#[test]
fn a_tls_connection_lost_mid_stream_exits_9() {
    let cert = TestCert::new(&["localhost", "127.0.0.1"]);
    // HTTP/2: the stream is reset; HTTP/1.1: TCP closes without close_notify.
    for alpn in [H2_AND_HTTP11, &[b"http/1.1"]] {
        let server =
            Server::start_tls_with(&cert, alpn, |_| Reply::sse("data: 1\n\n").drop_connection());
        let output = http()
            .args(["-k", "--format", "data", &server.url("/")])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(9), "{alpn:?}: {output:?}");
        assert_eq!(stdout_text(&output), "1\n", "{alpn:?}");
        assert_one_error_line(&stderr_of(&output), &["connection lost mid-stream"]);
    }
}

#[test]
fn an_http2_stream_reset_exits_9_after_printing_what_came() {
    let (server, ca) =
        Server::start_tls(|_| Reply::sse("data: 1\n\ndata: 2\n\ndata: par").drop_connection());
    let ca = file_with(&ca);
    let output = http()
        .args(["-v", "--format", "data", "--cacert", &path_of(&ca)])
        .arg(localhost_url(&server))
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(stdout_text(&output), "1\n2\n");
    assert_eq!(output.status.code(), Some(9), "{stderr}");
    assert!(stderr.contains("< HTTP/2.0 200 OK"), "{stderr}");
    assert!(
        stderr.ends_with('\n')
            && stderr
                .lines()
                .last()
                .unwrap()
                .starts_with("ssecat: error: connection lost mid-stream"),
        "{stderr}"
    );
}
