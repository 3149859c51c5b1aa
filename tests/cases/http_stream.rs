//! A live HTTP stream: events as they arrive, [DONE], the ways a stream
//! ends or is cut, and the timeouts.

use std::time::Duration;

use crate::server::{closed_port, Gate, Reply, Server};

use super::http_support::{
    assert_one_error_line, http, interrupt, stderr_of, stdout_text, Running,
};
use super::streaming::end_of_two_chunks;
use super::support::unfinished_warning;

#[test]
fn each_event_is_printed_before_the_server_sends_the_next() {
    for (format, first, second) in [
        (
            "data",
            "{\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\n",
            "{\"choices\":[{\"delta\":{\"content\":\"lo\"}}]}\n",
        ),
        ("text", "Hel", "lo"),
        (
            "sse",
            "data: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\n\n",
            "data: {\"choices\":[{\"delta\":{\"content\":\"lo\"}}]}\n\n",
        ),
    ] {
        let gate = Gate::new();
        let server_gate = gate.clone();
        let server = Server::start(move |_| {
            Reply::sse("data: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\n\n")
                .wait_for(&server_gate)
                .send("data: {\"choices\":[{\"delta\":{\"content\":\"lo\"}}]}\n\n")
        });
        let mut run = Running::spawn(&["--format", format, &server.url("/events")]);
        // The server sends the second event only once the first is out.
        run.expect_output(first);
        gate.open();
        run.expect_output(second);
        let finished = run.finish();
        assert_eq!(
            (finished.code, finished.stdout, finished.stderr),
            end_of_two_chunks(format),
            "--format {format}"
        );
    }
}

#[test]
fn done_ends_the_run_while_the_server_keeps_streaming() {
    let server = Server::start(|request| {
        let reply = Reply::sse("data: a\n\ndata: [DONE]\n\n");
        if request.path() == "/stall" {
            reply.stall()
        } else {
            // Far longer than the test's timeout.
            let mut reply = reply;
            for i in 0..600 {
                reply = reply
                    .sleep(Duration::from_millis(100))
                    .send(format!("data: more {i}\n\n"));
            }
            reply
        }
    });
    for path in ["/drip", "/stall"] {
        http()
            .arg(server.url(path))
            .assert()
            .code(0)
            .stdout("data: a\n\ndata: [DONE]\n\n")
            .stderr("");
        http()
            .args(["--format", "data", &server.url(path)])
            .assert()
            .code(0)
            .stdout("a\n")
            .stderr("");
    }
    // --no-done reads on: the stall is then the end of the patience.
    let output = http()
        .args(["--no-done", "--idle-timeout", "0.3", "--format", "data"])
        .arg(server.url("/stall"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(7), "{output:?}");
    assert_eq!(stdout_text(&output), "a\n[DONE]\n");
}

#[test]
fn a_clean_close_after_a_complete_event_is_a_normal_end() {
    let server = Server::start(|_| {
        Reply::sse("data: 1\n\n")
            .sleep(Duration::from_millis(20))
            .send("data: 2\n\n")
    });
    http()
        .arg(server.url("/"))
        .assert()
        .code(0)
        .stdout("data: 1\n\ndata: 2\n\n")
        .stderr("");
}

#[test]
fn a_clean_close_inside_an_event_exits_9() {
    let server = Server::start(|_| Reply::sse("data: 1\n\ndata: partial\n"));
    http()
        .args(["--format", "data", &server.url("/")])
        .assert()
        .code(9)
        .stdout("1\n")
        .stderr(unfinished_warning(14));
}

#[test]
fn a_lost_connection_exits_9_after_printing_what_came() {
    let server = Server::start(|request| match request.path() {
        // Inside an event.
        "/inside" => Reply::sse("data: 1\n\ndata: 2\n\ndata: par").drop_connection(),
        // Between two events: still cut short, the server did not end it.
        _ => Reply::sse("data: 1\n\ndata: 2\n\n").drop_connection(),
    });
    for path in ["/inside", "/between"] {
        let output = http()
            .args(["--format", "data", &server.url(path)])
            .output()
            .unwrap();
        let stderr = stderr_of(&output);
        assert_eq!(output.status.code(), Some(9), "{path}: {stderr}");
        assert_eq!(stdout_text(&output), "1\n2\n", "{path}");
        assert_one_error_line(&stderr, &["connection lost"]);
    }
}

#[test]
fn a_refused_connection_exits_6() {
    let port = closed_port();
    let output = http()
        .arg(format!("http://127.0.0.1:{port}/events"))
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(6), "{stderr}");
    assert!(output.stdout.is_empty());
    // In ssecat's words, not the HTTP library's cause chain.
    assert_eq!(
        stderr,
        format!("ssecat: error: could not connect to 127.0.0.1:{port}: connection refused\n")
    );
}

#[test]
fn https_to_a_plain_http_port_says_so() {
    let server = Server::sse("data: 1\n\n");
    let output = http()
        .arg(format!("https://127.0.0.1:{}/", server.port()))
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(6), "{stderr}");
    assert_one_error_line(&stderr, &["does not speak TLS", "http://"]);
    assert!(!stderr.contains("client error"), "{stderr}");
}

#[test]
fn an_idle_stall_exits_7_after_printing_what_came() {
    let server = Server::start(|_| {
        Reply::sse("data: 1\n\n")
            .send("data: 2\n\n: comment\n\n")
            .stall()
    });
    let output = http()
        .args([
            "--idle-timeout",
            "0.3",
            "--format",
            "data",
            &server.url("/"),
        ])
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(7), "{stderr}");
    assert_eq!(stdout_text(&output), "1\n2\n");
    assert_one_error_line(&stderr, &["--idle-timeout"]);
}

#[test]
fn idle_time_counts_from_the_last_byte_not_the_start() {
    // 2 s in all, never more than 0.25 s between bytes.
    let server = Server::start(|_| {
        let mut reply = Reply::sse("data: 0\n\n");
        for i in 1..8 {
            reply = reply
                .sleep(Duration::from_millis(250))
                .send(format!("data: {i}\n\n"));
        }
        reply
    });
    http()
        .args([
            "--idle-timeout",
            "1.5",
            "--format",
            "data",
            &server.url("/"),
        ])
        .assert()
        .code(0)
        .stdout("0\n1\n2\n3\n4\n5\n6\n7\n")
        .stderr("");
}

#[test]
fn max_time_stops_a_slow_drip_with_exit_7() {
    // Three events at once, then a comment every 50 ms for far longer than
    // the test's timeout: bytes keep coming (never idle), events do not.
    let server = Server::start(|_| {
        let mut reply = Reply::sse("data: 0\n\ndata: 1\n\ndata: 2\n\n");
        for _ in 1..1000 {
            reply = reply.sleep(Duration::from_millis(50)).send(":\n");
        }
        reply
    });
    for flag in ["-m", "--max-time"] {
        let output = http()
            .args([flag, "1", "--idle-timeout", "5", "--format", "data"])
            .arg(server.url("/"))
            .output()
            .unwrap();
        let stderr = stderr_of(&output);
        assert_eq!(output.status.code(), Some(7), "{flag}: {stderr}");
        assert_one_error_line(&stderr, &["--max-time"]);
        // Whatever came is printed: whole events, in order.
        assert_eq!(stdout_text(&output), "0\n1\n2\n", "{flag}");
    }
}

#[test]
fn max_time_also_covers_waiting_for_the_response() {
    let server = Server::start(|_| Reply::new(200).stall());
    let output = http()
        .args(["--max-time", "0.4", &server.url("/")])
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(7), "{stderr}");
    assert!(output.stdout.is_empty());
    assert_one_error_line(&stderr, &["--max-time"]);
}

#[test]
fn generous_timeouts_do_not_fire_on_a_quick_stream() {
    let server = Server::start(|_| Reply::sse("data: 1\n\n"));
    http()
        .args(["--connect-timeout", "5", "--idle-timeout", "5", "-m", "10"])
        .arg(server.url("/"))
        .assert()
        .code(0)
        .stdout("data: 1\n\n")
        .stderr("");
}

#[test]
fn the_stream_can_arrive_in_tiny_pieces() {
    let stream = super::support::read_fixture("openai-chat.sse");
    let server = Server::start(move |_| {
        Reply::new(200)
            .header("content-type", "text/event-stream")
            .send_in_pieces(&stream, 7, Duration::from_millis(1))
    });
    http()
        .args(["--text", &server.url("/")])
        .assert()
        .code(0)
        .stdout("Hello! How can I help you today?")
        .stderr("");
}

#[test]
fn ctrl_c_during_a_stalled_stream_exits_130_after_what_came() {
    let server = Server::start(|_| Reply::sse("data: 1\n\n").stall());
    let mut run = Running::spawn(&["--format", "data", &server.url("/")]);
    run.expect_output("1\n");
    interrupt(run);
}

#[test]
fn ctrl_c_while_waiting_for_the_response_exits_130() {
    // A server that accepts the connection and never answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let holder = std::thread::spawn(move || listener.accept().map(|(conn, _)| conn));
    let run = Running::spawn(&["--format", "data", &url]);
    let _connection = holder.join().unwrap().unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let finished = interrupt(run);
    assert_eq!(finished.stdout, "");
}
