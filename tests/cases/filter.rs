//! `--event TYPE`: keep only events of the given types.

use super::support::{fixture, ssecat, with_stdin};

const INPUT: &str = "\
data: plain

event: update
data: typed

event: message
data: explicit message

event: other
data: skipped

event:
data: empty type is message

";

#[test]
fn event_keeps_only_that_type() {
    with_stdin(&["--format", "data", "--event", "update"], INPUT)
        .code(0)
        .stdout("typed\n")
        .stderr("");
    with_stdin(&["--event", "update"], INPUT)
        .code(0)
        .stdout("event: update\ndata: typed\n\n")
        .stderr("");
}

#[test]
fn event_message_keeps_untyped_events() {
    with_stdin(&["--format", "data", "--event", "message"], INPUT)
        .code(0)
        .stdout("plain\nexplicit message\nempty type is message\n")
        .stderr("");
}

#[test]
fn event_is_repeatable() {
    with_stdin(
        &[
            "--format", "data", "--event", "message", "--event", "update",
        ],
        INPUT,
    )
    .code(0)
    .stdout("plain\ntyped\nexplicit message\nempty type is message\n")
    .stderr("");
    with_stdin(&["--format", "data", "--event", "nothing"], INPUT)
        .code(0)
        .stdout("")
        .stderr("");
}

#[test]
fn event_filter_on_a_fixture() {
    ssecat()
        .args([
            "--format",
            "data",
            "--event",
            "ping",
            "--event",
            "message_stop",
        ])
        .arg(fixture("anthropic-messages.sse"))
        .assert()
        .code(0)
        .stdout("{\"type\":\"ping\"}\n{\"type\":\"message_stop\"}\n")
        .stderr("");
}

#[test]
fn filtered_out_events_still_carry_their_id_forward() {
    // The id in effect travels with the stream, not with the printed events.
    with_stdin(
        &["--event", "b"],
        "event: a\nid: 1\ndata: x\n\nevent: b\ndata: y\n\n",
    )
    .code(0)
    .stdout("event: b\nid: 1\ndata: y\n\n")
    .stderr("");
}
