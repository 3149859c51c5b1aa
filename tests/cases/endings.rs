//! How a stream ends: cut short inside an event, or over --max-event-size.

use predicates::prelude::*;

use super::support::{unfinished_warning, with_stdin};

#[test]
fn a_stream_ending_inside_an_event_warns_and_exits_9() {
    with_stdin(&[], "data: a\n\ndata: b\n")
        .code(9)
        .stdout("data: a\n\n")
        .stderr("ssecat: warning: the stream ended inside an event; its 8 bytes were dropped\n");
    with_stdin(&["--format", "data"], "data: a\n\ndata: b\n")
        .code(9)
        .stdout("a\n")
        .stderr(unfinished_warning(8));
}

#[test]
fn the_dropped_byte_count_covers_the_whole_unfinished_block() {
    // A partial last line, CRLF line ends and comments inside the block count.
    with_stdin(
        &["--format", "data"],
        "data: a\n\n: c\r\nevent: x\r\ndata: b",
    )
    .code(9)
    .stdout("a\n")
    .stderr(unfinished_warning(5 + 10 + 7));
}

#[test]
fn a_trailing_comment_is_a_normal_end() {
    for input in [
        "data: a\n\n: keep-alive",
        "data: a\n\n: keep-alive\n",
        "data: a\n\n:\n:\n",
        "data: a\n\n\n\n",
    ] {
        with_stdin(&["--format", "data"], input)
            .code(0)
            .stdout("a\n")
            .stderr("");
    }
}

#[test]
fn an_event_over_max_event_size_is_an_error_after_the_earlier_events() {
    // "data: 0123456789" is exactly 16 bytes: accepted; one more is not.
    let input = "data: 0123456789\n\ndata: 0123456789a\n\ndata: never\n\n";
    let assert = with_stdin(&["--format", "data", "--max-event-size", "16"], input)
        .code(1)
        .stdout("0123456789\n")
        .stderr(predicate::str::starts_with("ssecat: error: "));
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.contains("--max-event-size")
            && stderr.lines().count() == 1
            && stderr.ends_with('\n'),
        "stderr: {stderr:?}"
    );
}

#[test]
fn max_event_size_counts_the_data_of_the_whole_event() {
    // Short lines, but together more data than the limit allows.
    let input = "data: 0\n\ndata: 12345\ndata: 12345\ndata: 12345\n\n";
    with_stdin(&["--format", "data", "--max-event-size", "16"], input)
        .code(1)
        .stdout("0\n")
        .stderr(predicate::str::contains("--max-event-size"));
    // An unterminated line over the limit at the end of input.
    with_stdin(
        &["--format", "data", "--max-event-size", "16"],
        "data: ok\n\ndata: 0123456789abcdef",
    )
    .code(1)
    .stdout("ok\n")
    .stderr(predicate::str::contains("--max-event-size"));
}
