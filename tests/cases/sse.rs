//! `--format sse` (the default): canonical re-serialisation.

use super::support::{
    fixture, fixture_warning, sse_fixtures, ssecat, stdout_of, stdout_warned, with_stdin,
};

const MIXED: &str = "\
event: update
id: 1
retry: 3000
data: first
data:
data: third

: a comment between events
id: 1
data: same id

id:
data: id reset

event: message
retry: 3000
data: typed as message

retry: 5000
retry: not a number
data:  leading space kept

data

id: 2
event: other
event: last wins
data: x
retry: 5000

id: 2
data: y

";

const MIXED_CANONICAL: &str = "\
event: update
id: 1
retry: 3000
data: first
data:
data: third

data: same id

id:
data: id reset

data: typed as message

retry: 5000
data:  leading space kept

data:

event: last wins
id: 2
data: x

data: y

";

#[test]
fn events_are_re_serialised_canonically() {
    with_stdin(&[], MIXED)
        .code(0)
        .stdout(MIXED_CANONICAL)
        .stderr("");
    with_stdin(&["--format", "sse"], MIXED)
        .code(0)
        .stdout(MIXED_CANONICAL)
        .stderr("");
}

#[test]
fn canonical_output_is_a_fixed_point() {
    with_stdin(&[], MIXED_CANONICAL)
        .code(0)
        .stdout(MIXED_CANONICAL)
        .stderr("");
}

#[test]
fn blocks_without_data_print_nothing_but_set_the_id() {
    with_stdin(
        &[],
        "id: 5\n\nevent: lost\n\n: only a comment\n\ndata: z\n\n",
    )
    .code(0)
    .stdout("id: 5\ndata: z\n\n")
    .stderr("");
}

#[test]
fn tgi_framing_without_a_space_is_normalised() {
    let first = stdout_of(ssecat().arg(fixture("tgi.sse")).assert());
    let first = String::from_utf8(first).unwrap();
    assert!(first.starts_with(
        "data: {\"index\":1,\"token\":{\"id\":34564,\"text\":\"Deep\",\"logprob\":-0.42,\"special\":false},\"generated_text\":null,\"details\":null}\n\ndata: {\"index\":2,"
    ), "{first}");
    assert_eq!(first.matches("\n\n").count(), 10);
}

/// Feeding ssecat's sse output back into ssecat gives the same output.
fn assert_idempotent(args: &[&str]) {
    for path in sse_fixtures() {
        let once = stdout_warned(
            ssecat().args(args).arg(&path).assert(),
            fixture_warning(&path),
        );
        assert!(!once.is_empty(), "no output for {}", path.display());
        let twice = stdout_of(with_stdin(args, once.clone()));
        assert_eq!(
            String::from_utf8_lossy(&once),
            String::from_utf8_lossy(&twice),
            "sse output of {} {args:?} is not a fixed point",
            path.display()
        );
    }
}

#[test]
fn sse_output_is_idempotent_on_every_fixture() {
    assert_idempotent(&[]);
}

#[test]
fn sse_output_is_idempotent_on_every_fixture_with_no_done() {
    assert_idempotent(&["--no-done"]);
}

#[test]
fn an_unknown_field_is_dropped_and_told_once_with_controls_escaped() {
    let input = "error: {\"message\":\"boom \u{1b}[2J\"}\ndata: a\n\nerror: again\ndata: b\n\n";
    with_stdin(&["--format", "data"], input)
        .code(0)
        .stdout("a\nb\n")
        .stderr(
            "ssecat: warning: ignored a line with the unknown field \"error\": {\"message\":\"boom \\x1b[2J\"}\n",
        );
    // JSON lines in an event stream: every line is one unknown field.
    with_stdin(&["--format", "data"], "data: a\n\n{\"a\":1}\n\n")
        .code(0)
        .stdout("a\n")
        .stderr(predicates::str::contains(
            "(newline-delimited JSON? --ndjson reads it)",
        ));
}
