//! What a terminal shows: the progress spinner on standard error and the
//! colours of `sse` and `jsonl` output. The bytes written to a
//! pseudo-terminal are replayed in a terminal emulator (vt100) to see the
//! screen a user would see.

use std::time::Duration;

use crate::server::{Reply, Server};

use super::http_support::{command, http};
use super::support::{run_on_terminal, OnTerminal, TERMINAL_COLUMNS, TERMINAL_ROWS};

/// The words every drawing of the spinner shows.
const SPINNER_WORDS: &str = " events, ";

/// What the screen shows at the end, trailing blank space trimmed.
fn screen(shown: &[u8]) -> String {
    let size = |n| std::num::NonZeroU16::new(n).expect("a terminal has a size");
    let mut terminal = vt100::Parser::new(size(TERMINAL_ROWS), size(TERMINAL_COLUMNS), 0);
    terminal.process(shown);
    terminal.screen().contents().trim_end().to_owned()
}

fn drew_spinner(run: &OnTerminal) -> bool {
    String::from_utf8_lossy(&run.shown).contains(SPINNER_WORDS)
}

/// A server that sends `pieces` (bytes of an event stream) 300 ms apart,
/// the first 300 ms after the headers: time for the spinner to be drawn
/// between them.
fn slow_server(pieces: &'static [&'static str]) -> Server {
    Server::start(move |_| {
        let mut reply = Reply::new(200).header("content-type", "text/event-stream");
        for piece in pieces {
            reply = reply.sleep(Duration::from_millis(300)).send(*piece);
        }
        reply
    })
}

/// Runs ssecat with `args` and the server's URL, with stdout and stderr
/// on one terminal.
fn on_shared_terminal(args: &[&str], server: &Server) -> OnTerminal {
    let url = server.url("/");
    let args = [args, &[url.as_str()]].concat();
    let mut cmd = command(&args);
    cmd.env_remove("NO_COLOR");
    run_on_terminal(cmd, true)
}

#[test]
fn the_spinner_is_drawn_while_waiting_and_cleared_from_the_screen() {
    let server = slow_server(&["data: 1\n\n", "data: 2\n\n", "data: 3\n\n"]);
    let run = on_shared_terminal(&["--format", "data"], &server);
    assert_eq!(run.code, Some(0));
    assert!(
        drew_spinner(&run),
        "{:?}",
        String::from_utf8_lossy(&run.shown)
    );
    assert_eq!(screen(&run.shown), "1\n2\n3");
}

#[test]
fn the_spinner_never_lands_inside_the_answer_text() {
    let server = slow_server(&[
        "data: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\n\n",
        "data: {\"choices\":[{\"delta\":{\"content\":\"lo\\nWor\"}}]}\n\n",
        "data: {\"choices\":[{\"delta\":{\"content\":\"ld\"}}]}\n\n",
        "data: [DONE]\n\n",
    ]);
    let run = on_shared_terminal(&["--text"], &server);
    assert_eq!(run.code, Some(0));
    assert!(drew_spinner(&run));
    assert_eq!(screen(&run.shown), "Hello\nWorld");
    let shown = String::from_utf8_lossy(&run.shown);
    assert!(
        shown.contains("tokens"),
        "text mode counts tokens: {shown:?}"
    );
}

#[test]
fn the_spinner_counts_one_event_and_one_token_in_the_singular() {
    // The answer's line is ended, so the spinner is drawn after it.
    let server = slow_server(&[
        "data: {\"choices\":[{\"delta\":{\"content\":\"Hi\\n\"}}]}\n\n",
        "data: [DONE]\n\n",
    ]);
    let run = on_shared_terminal(&["--text"], &server);
    assert_eq!(run.code, Some(0));
    assert_eq!(screen(&run.shown), "Hi");
    let shown = String::from_utf8_lossy(&run.shown);
    assert!(shown.contains(" 0 events, "), "{shown:?}");
    assert!(shown.contains(" 1 event, "), "{shown:?}");
    assert!(shown.contains(", 1 token"), "{shown:?}");
    assert!(
        !shown.contains("1 events") && !shown.contains("1 tokens"),
        "{shown:?}"
    );
}

#[test]
fn messages_hide_the_spinner_too() {
    let server = Server::start(|_| {
        Reply::new(200)
            .header("content-type", "text/event-stream")
            .sleep(Duration::from_millis(300))
            .send("data: 1\n\nda")
    });
    let run = on_shared_terminal(&["--format", "data"], &server);
    assert_eq!(run.code, Some(9));
    assert!(drew_spinner(&run));
    assert_eq!(
        screen(&run.shown),
        "1\nssecat: warning: the stream ended inside an event; its 2 bytes were dropped"
    );
}

#[test]
fn silent_draws_no_spinner() {
    let server = slow_server(&["data: 1\n\n", "data: 2\n\n"]);
    for flag in ["-s", "--silent"] {
        let run = on_shared_terminal(&["--format", "data", flag], &server);
        assert_eq!(run.code, Some(0));
        assert!(!drew_spinner(&run), "{flag}");
        assert_eq!(String::from_utf8_lossy(&run.shown), "1\r\n2\r\n");
    }
}

#[test]
fn no_spinner_when_stderr_is_not_a_terminal() {
    let server = slow_server(&["data: 1\n\n", "data: 2\n\n"]);
    // stdout a terminal, stderr a pipe.
    let run = run_on_terminal(command(&["--format", "data", &server.url("/")]), false);
    assert_eq!((run.code, run.stderr.as_str()), (Some(0), ""));
    // Both pipes.
    http()
        .args(["--format", "data", &server.url("/")])
        .assert()
        .code(0)
        .stdout("1\n2\n")
        .stderr("");
}

const EVENT: &str = "event: delta\nid: 7\ndata: {\"a\":[1,true]}\n\n";

fn coloured_sse() -> String {
    [
        "\x1b[34mevent\x1b[0m: \x1b[1;35mdelta\x1b[0m\n",
        "\x1b[34mid\x1b[0m: \x1b[33m7\x1b[0m\n",
        "\x1b[34mdata\x1b[0m: {\x1b[1;34m\"a\"\x1b[0m:[\x1b[36m1\x1b[0m,\x1b[35mtrue\x1b[0m]}\n\n",
    ]
    .concat()
}

/// Runs ssecat on `input` (as a file) with stdout a terminal and `env`.
fn shown_on_terminal(args: &[&str], input: &str, env: &[(&str, &str)]) -> String {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), input).unwrap();
    let mut cmd = command(args);
    cmd.arg(file.path())
        .env_remove("NO_COLOR")
        .envs(env.iter().copied());
    let run = run_on_terminal(cmd, false);
    assert_eq!((run.code, run.stderr.as_str()), (Some(0), ""));
    String::from_utf8(run.shown).unwrap()
}

#[test]
fn sse_on_a_terminal_is_coloured() {
    assert_eq!(shown_on_terminal(&[], EVENT, &[]), coloured_sse());
    assert_eq!(
        shown_on_terminal(&["--color", "always"], EVENT, &[]),
        coloured_sse()
    );
}

#[test]
fn colour_is_off_with_no_color_or_never() {
    assert_eq!(shown_on_terminal(&[], EVENT, &[("NO_COLOR", "1")]), EVENT);
    assert_eq!(shown_on_terminal(&["--color", "never"], EVENT, &[]), EVENT);
    // An empty NO_COLOR does not count (no-color.org).
    assert_eq!(
        shown_on_terminal(&[], EVENT, &[("NO_COLOR", "")]),
        coloured_sse()
    );
    // --color always wins over NO_COLOR.
    assert_eq!(
        shown_on_terminal(&["--colour", "always"], EVENT, &[("NO_COLOR", "1")]),
        coloured_sse()
    );
}

#[test]
fn a_pipe_gets_colour_only_when_asked() {
    let run = |args: &[&str]| {
        http()
            .args(args)
            .arg("-")
            .env_remove("NO_COLOR")
            .write_stdin(EVENT)
            .output()
            .unwrap()
            .stdout
    };
    assert_eq!(run(&[]), EVENT.as_bytes());
    assert_eq!(run(&["--color", "auto"]), EVENT.as_bytes());
    assert_eq!(run(&["--color", "always"]), coloured_sse().as_bytes());
}

#[test]
fn jsonl_keys_and_values_are_coloured_and_data_is_not() {
    let jsonl = shown_on_terminal(&["--jsonl"], "data: 5\n\n", &[]);
    assert!(
        jsonl.starts_with("{\x1b[1;34m\"event\"\x1b[0m:\x1b[32m\"message\"\x1b[0m,"),
        "{jsonl:?}"
    );
    assert!(jsonl.contains("\x1b[1;34m\"json\"\x1b[0m:\x1b[36m5\x1b[0m}"));
    let data = shown_on_terminal(&["--format", "data"], "data: {\"a\":1}\n\n", &[]);
    assert_eq!(data, "{\"a\":1}\n");
}

#[test]
fn the_stream_cannot_fake_colours_on_a_terminal() {
    // Escapes the stream sends are shown escaped; only ssecat's colour is real.
    let shown = shown_on_terminal(&[], "event: \u{1b}[31mred\ndata: x\n\n", &[]);
    assert_eq!(
        shown,
        "\x1b[34mevent\x1b[0m: \x1b[1;35m\\x1b[31mred\x1b[0m\n\x1b[34mdata\x1b[0m: x\n\n"
    );
}
