//! What a terminal shows: the progress spinner on standard error and the
//! colours of `sse` and `jsonl` output. The bytes written to a
//! pseudo-terminal are replayed in a terminal emulator (vt100) to see the
//! screen a user would see.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::server::{Gate, Reply, Server};

use super::http_support::{command, http};
use super::support::{
    run_on_terminal, run_on_terminal_watching, OnTerminal, TERMINAL_COLUMNS, TERMINAL_ROWS, TIMEOUT,
};

/// The words every drawing of the spinner shows while no event came.
const SPINNER_WORDS: &str = " events, ";

/// What every drawing of the spinner shows, whatever the count.
const SPINNER_MARK: &str = " event";

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
/// between them. Only for tests that the spinner is *not* drawn: a busy
/// machine may not draw it in 300 ms, which such a test survives.
fn slow_server(pieces: &'static [&'static str]) -> Server {
    Server::start(move |_| {
        let mut reply = Reply::new(200).header("content-type", "text/event-stream");
        for piece in pieces {
            reply = reply.sleep(Duration::from_millis(300)).send(*piece);
        }
        reply
    })
}

/// A server that sends each of `pieces` (bytes of an event stream) only
/// once the test opens its gate, and then `pause` later; returns the
/// gates, in order.
fn gated_server(pieces: &'static [&'static str], pause: Duration) -> (Server, Vec<Gate>) {
    let gates: Vec<Gate> = pieces.iter().map(|_| Gate::new()).collect();
    let server_gates = gates.clone();
    let server = Server::start(move |_| {
        let mut reply = Reply::new(200).header("content-type", "text/event-stream");
        for (piece, gate) in pieces.iter().zip(&server_gates) {
            reply = reply.wait_for(gate).sleep(pause).send(*piece);
        }
        reply
    });
    (server, gates)
}

/// Runs ssecat with `args` and the server's URL, with stdout and stderr
/// on one terminal.
fn on_shared_terminal(args: &[&str], server: &Server) -> OnTerminal {
    run_on_terminal(shared_terminal_command(args, server), true)
}

fn shared_terminal_command(args: &[&str], server: &Server) -> std::process::Command {
    let url = server.url("/");
    let args = [args, &[url.as_str()]].concat();
    let mut cmd = command(&args);
    cmd.env_remove("NO_COLOR");
    cmd
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// As `on_shared_terminal`, opening `gates[i]` once the texts of `cues[i]`
/// have been shown, each after the one before (across the cues too): the
/// server goes on only after what the test waits for was on the terminal,
/// however slow the machine. Fails when a cue never showed.
fn on_shared_terminal_cued(
    args: &[&str],
    server: &Server,
    cues: &[&'static [&'static str]],
    gates: &[Gate],
) -> OnTerminal {
    assert_eq!(cues.len(), gates.len());
    let steps: Vec<(&'static [&'static str], Gate)> =
        cues.iter().copied().zip(gates.iter().cloned()).collect();
    let done = Arc::new(Mutex::new(0));
    let watched = Arc::clone(&done);
    // Where the next text is looked for, and which of its cue's texts it is.
    let (mut from, mut text) = (0, 0);
    let watch = move |shown: &[u8]| {
        let mut done = watched.lock().unwrap();
        while let Some((cue, gate)) = steps.get(*done) {
            let Some(at) = find(&shown[from..], cue[text].as_bytes()) else {
                return;
            };
            from += at + cue[text].len();
            text += 1;
            if text == cue.len() {
                gate.open();
                *done += 1;
                text = 0;
            }
        }
    };
    // Should a cue never show, the server goes on anyway and the run ends.
    let unstick = gates.to_vec();
    std::thread::spawn(move || {
        std::thread::sleep(TIMEOUT);
        unstick.iter().for_each(Gate::open);
    });
    let run = run_on_terminal_watching(shared_terminal_command(args, server), true, watch);
    let done = *done.lock().unwrap();
    let shown = String::from_utf8_lossy(&run.shown);
    let tail: String = shown
        .chars()
        .skip(shown.chars().count().saturating_sub(800))
        .collect();
    assert_eq!(
        done,
        cues.len(),
        "cue {:?} was never shown; the terminal showed, at the end: {tail:?}",
        cues.get(done),
    );
    run
}

#[test]
fn the_spinner_is_drawn_while_waiting_and_cleared_from_the_screen() {
    let (server, gates) = gated_server(
        &["data: 1\n\n", "data: 2\n\n", "data: 3\n\n"],
        Duration::ZERO,
    );
    // Each event only once the spinner was drawn after the one before.
    let cues: [&[&str]; 3] = [
        &[SPINNER_WORDS],
        &["1\r\n", SPINNER_MARK],
        &["2\r\n", SPINNER_MARK],
    ];
    let run = on_shared_terminal_cued(&["--format", "data"], &server, &cues, &gates);
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
    // Each piece once the one before is on the screen, and 300 ms later:
    // time for the spinner's ticks, which must not draw inside a line.
    let (server, gates) = gated_server(
        &[
            "data: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\n\n",
            "data: {\"choices\":[{\"delta\":{\"content\":\"lo\\nWor\"}}]}\n\n",
            "data: {\"choices\":[{\"delta\":{\"content\":\"ld\"}}]}\n\n",
            "data: [DONE]\n\n",
        ],
        Duration::from_millis(300),
    );
    let cues: [&[&str]; 4] = [&[SPINNER_WORDS], &["Hel"], &["Wor"], &["ld"]];
    let run = on_shared_terminal_cued(&["--text"], &server, &cues, &gates);
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
    // The answer's line is ended, so the spinner is drawn after it; the
    // server goes on only once it was, with its counts.
    let (server, gates) = gated_server(
        &[
            "data: {\"choices\":[{\"delta\":{\"content\":\"Hi\\n\"}}]}\n\n",
            "data: [DONE]\n\n",
        ],
        Duration::ZERO,
    );
    let cues: [&[&str]; 2] = [&[" 0 events, "], &["Hi\r\n", " 1 event, ", ", 1 token"]];
    let run = on_shared_terminal_cued(&["--text"], &server, &cues, &gates);
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
    let (server, gates) = gated_server(&["data: 1\n\nda"], Duration::ZERO);
    let run = on_shared_terminal_cued(&["--format", "data"], &server, &[&[SPINNER_WORDS]], &gates);
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
