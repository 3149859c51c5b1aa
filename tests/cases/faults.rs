//! What networks and servers do to a stream: each fault ends with the exit
//! code of the table, and every event received before it on stdout.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::thread;

use crate::server::{Reply, Server};

use super::http_support::{assert_one_error_line, http, stderr_of, stdout_text};

#[test]
fn a_server_that_closes_right_after_the_headers() {
    // Cleanly: an empty stream, which is a normal end, except for an LLM
    // answer that never came.
    let server = Server::start(|_| Reply::sse(""));
    http()
        .args(["--format", "data", &server.url("/")])
        .assert()
        .code(0)
        .stdout("")
        .stderr("");
    let output = http().args(["--text", &server.url("/")]).output().unwrap();
    assert_eq!(output.status.code(), Some(9));
    assert_eq!(
        stderr_of(&output),
        "ssecat: stream ended before completion (unknown dialect, no events)\n"
    );
    // Abruptly: a lost connection.
    let server = Server::start(|_| Reply::sse("").drop_connection());
    let output = http()
        .args(["--format", "data", &server.url("/")])
        .output()
        .unwrap();
    assert_eq!(
        (output.status.code(), stdout_text(&output).as_str()),
        (Some(9), "")
    );
    assert_one_error_line(&stderr_of(&output), &["connection lost mid-stream"]);
}

/// A server that answers with `head` and `body` as raw bytes, then closes.
fn raw_server(response: &'static [u8]) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    thread::spawn(move || {
        if let Ok((mut conn, _)) = listener.accept() {
            let mut request = [0; 4096];
            let _ = conn.read(&mut request);
            let _ = conn.write_all(response);
        }
    });
    url
}

#[test]
fn broken_chunked_framing_exits_9_after_the_events_before_it() {
    let url = raw_server(
        b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n\
          12\r\ndata: 1\n\ndata: 2\n\n\r\nZZ-not-a-chunk-size\r\n",
    );
    let output = http().args(["--format", "data", &url]).output().unwrap();
    assert_eq!(stdout_text(&output), "1\n2\n");
    assert_eq!(output.status.code(), Some(9), "{}", stderr_of(&output));
    assert_one_error_line(&stderr_of(&output), &["connection lost mid-stream"]);
}

#[test]
fn an_endless_line_is_stopped_by_max_event_size() {
    let line = vec![b'x'; 4 << 20];
    let server = Server::start(move |_| {
        Reply::sse("data: before\n\ndata: ")
            .send(line.clone())
            .stall()
    });
    let output = http()
        .args([
            "--format",
            "data",
            "--max-event-size",
            "1M",
            &server.url("/"),
        ])
        .output()
        .unwrap();
    assert_eq!(stdout_text(&output), "before\n");
    assert_eq!(output.status.code(), Some(1));
    assert_one_error_line(&stderr_of(&output), &["--max-event-size"]);
}

/// Waits for `child`: its exit code and the peak of its resident memory, in
/// bytes. Its own: the peak of all the tests' children would count the test
/// process too, which a child started by fork shares for a moment.
fn wait_with_peak_memory(child: std::process::Child) -> (Option<i32>, usize) {
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: all-zero bytes are a valid rusage.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: pid is our child, not waited for yet; both pointers are valid.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid, "wait4: {}", std::io::Error::last_os_error());
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    (code, usage.ru_maxrss as usize * 1024)
}

#[test]
fn a_100_mb_event_goes_through_with_memory_near_its_size() {
    const SIZE: usize = 100 << 20;
    let server = Server::start(|_| {
        let mut body = Vec::with_capacity(SIZE + 16);
        body.extend_from_slice(b"data: ");
        body.resize(SIZE + 6, b'y');
        body.extend_from_slice(b"\n\ndata: [DONE]\n\n");
        Reply::new(200)
            .header("content-type", "text/event-stream")
            .send_in_pieces(&body, 1 << 20, std::time::Duration::ZERO)
    });
    let mut child = super::http_support::command(&["--format", "data", &server.url("/")])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = Vec::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_end(&mut stdout)
        .unwrap();
    let (status, peak) = wait_with_peak_memory(child);
    assert_eq!(status, Some(0));
    assert_eq!(stdout.len(), SIZE + 1);
    assert!(stdout[..SIZE].iter().all(|&b| b == b'y'));
    assert!(
        peak < 3 * SIZE,
        "peak RSS {} MiB for a 100 MiB event",
        peak >> 20
    );
}
