//! Self-test of the test server (`tests/server`), with a plain TcpStream:
//! what the HTTP tests rely on must hold before ssecat is involved.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::server::{closed_port, gzip, Gate, Reply, Server};

use super::support::TIMEOUT;

/// Opens a connection and sends a raw HTTP/1.1 request.
fn send_request(server: &Server, raw: &str) -> TcpStream {
    let mut stream = TcpStream::connect(("127.0.0.1", server.port())).unwrap();
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    stream.write_all(raw.as_bytes()).unwrap();
    stream
}

/// Reads until `needle` has been received; returns everything read.
fn read_until(stream: &mut TcpStream, so_far: &mut Vec<u8>, needle: &[u8]) {
    let mut buf = [0; 4096];
    while !so_far.windows(needle.len()).any(|w| w == needle) {
        let n = stream.read(&mut buf).unwrap_or_else(|err| {
            panic!(
                "reading {needle:?}: {err}; got {:?}",
                String::from_utf8_lossy(so_far)
            )
        });
        assert!(
            n > 0,
            "EOF before {:?}; got {:?}",
            String::from_utf8_lossy(needle),
            String::from_utf8_lossy(so_far)
        );
        so_far.extend_from_slice(&buf[..n]);
    }
}

/// Reads to EOF; returns what was read and whether the read ended in an error.
fn read_to_end(stream: &mut TcpStream, so_far: &mut Vec<u8>) -> bool {
    let mut buf = [0; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return false,
            Ok(n) => so_far.extend_from_slice(&buf[..n]),
            Err(_) => return true,
        }
    }
}

const GET: &str = "GET /events?x=1 HTTP/1.1\r\nHost: test\r\nX-Thing: a\r\nx-thing: b\r\n\r\n";

#[test]
fn requests_are_recorded_and_answered() {
    let server = Server::start(|request| {
        Reply::new(201)
            .header("content-type", "text/plain")
            .header("x-echo", request.path())
            .send("hello")
    });
    let raw = "POST /p?q HTTP/1.1\r\nHost: test\r\nContent-Length: 4\r\nConnection: close\r\nX-Thing: a\r\nx-thing: b\r\n\r\nbody";
    let mut stream = send_request(&server, raw);
    let mut got = Vec::new();
    assert!(!read_to_end(&mut stream, &mut got));
    let text = String::from_utf8(got).unwrap();
    assert!(text.starts_with("HTTP/1.1 201 Created\r\n"), "{text}");
    assert!(text.contains("x-echo: /p\r\n"), "{text}");
    assert!(text.contains("hello"), "{text}");

    let request = server.request();
    assert_eq!(server.hits(), 1);
    assert_eq!(request.method, "POST");
    assert_eq!(request.target, "/p?q");
    assert_eq!(request.path(), "/p");
    assert_eq!(request.body, b"body");
    assert_eq!(request.version, hyper::Version::HTTP_11);
    assert_eq!(request.header("HOST"), Some("test"));
    assert_eq!(request.header_all("x-thing"), ["a", "b"]);
    assert_eq!(request.header("absent"), None);
}

#[test]
fn each_step_reaches_the_client_before_the_next_starts() {
    let gate = Gate::new();
    let server_gate = gate.clone();
    let server = Server::start(move |_| {
        Reply::sse("data: 1\n\n")
            .wait_for(&server_gate)
            .send("data: 2\n\n")
    });
    let mut stream = send_request(&server, GET);
    let mut got = Vec::new();
    read_until(&mut stream, &mut got, b"data: 1\n\n");
    assert!(!String::from_utf8_lossy(&got).contains("data: 2"));
    gate.open();
    read_until(&mut stream, &mut got, b"data: 2\n\n");
    // The body then ends cleanly: the last chunk.
    read_until(&mut stream, &mut got, b"\r\n0\r\n\r\n");
}

#[test]
fn pieces_sleeps_and_gzip() {
    let server = Server::start(|_| {
        Reply::new(200)
            .send_in_pieces(b"abcdefg", 3, Duration::from_millis(10))
            .send_gzip(b"zipped")
    });
    let mut stream = send_request(&server, GET);
    let mut got = Vec::new();
    read_until(&mut stream, &mut got, b"\r\n0\r\n\r\n");
    let text = String::from_utf8_lossy(&got).into_owned();
    assert!(text.contains("content-encoding: gzip\r\n"), "{text}");
    // One chunk per piece.
    assert!(
        text.contains("\r\n3\r\nabc\r\n3\r\ndef\r\n1\r\ng\r\n"),
        "{text}"
    );
    let zipped = gzip(b"zipped");
    assert!(got.windows(zipped.len()).any(|w| w == zipped));
    let mut unzipped = String::new();
    flate2::read::GzDecoder::new(&zipped[..])
        .read_to_string(&mut unzipped)
        .unwrap();
    assert_eq!(unzipped, "zipped");
}

#[test]
fn a_dropped_connection_has_no_last_chunk() {
    let server = Server::start(|_| Reply::sse("data: 1\n\n").drop_connection());
    let mut stream = send_request(&server, GET);
    let mut got = Vec::new();
    read_until(&mut stream, &mut got, b"data: 1\n\n");
    read_to_end(&mut stream, &mut got);
    let text = String::from_utf8_lossy(&got).into_owned();
    assert!(text.contains("transfer-encoding: chunked\r\n"), "{text}");
    assert!(text.ends_with("data: 1\n\n\r\n"), "{text}");
}

#[test]
fn a_stall_keeps_the_connection_open_and_drop_stops_the_server() {
    let server = Server::start(|_| Reply::sse("data: 1\n\n").stall());
    let mut stream = send_request(&server, GET);
    let mut got = Vec::new();
    read_until(&mut stream, &mut got, b"data: 1\n\n");
    stream
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let err = stream.read(&mut [0; 16]).expect_err("nothing more is sent");
    assert!(
        matches!(
            err.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
        "{err}"
    );
    let port = server.port();
    let started = Instant::now();
    drop(server);
    assert!(started.elapsed() < TIMEOUT, "dropping the server hung");
    // The port is released: nothing listens any more (a closed listener
    // may take a moment to go away in some network stacks, e.g. gVisor).
    while TcpStream::connect(("127.0.0.1", port)).is_ok() {
        assert!(started.elapsed() < TIMEOUT, "the server still listens");
        std::thread::sleep(Duration::from_millis(10));
    }
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    let mut rest = Vec::new();
    read_to_end(&mut stream, &mut rest);
    assert!(!rest.ends_with(b"0\r\n\r\n"), "{rest:?}");
}

#[test]
fn h2c_with_prior_knowledge_is_spoken() {
    let server = Server::start(|_| Reply::sse("data: 1\n\n"));
    let mut stream = TcpStream::connect(("127.0.0.1", server.port())).unwrap();
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    // The connection preface, then an empty SETTINGS frame.
    stream
        .write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04\0\0\0\0\0")
        .unwrap();
    let mut header = [0; 9];
    stream.read_exact(&mut header).unwrap();
    assert_eq!(header[3], 4, "the server's first frame is SETTINGS");
}

#[test]
fn a_closed_port_refuses_connections() {
    let port = closed_port();
    assert!(TcpStream::connect(("127.0.0.1", port)).is_err());
}
