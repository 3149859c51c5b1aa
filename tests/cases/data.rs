//! `--format data`: each event's data and a newline.

use super::support::{fixture, read_fixture, ssecat, with_stdin};

#[test]
fn data_prints_each_events_data_and_a_newline() {
    let input = "\
event: update
id: 9
retry: 10
data: one

data: two
data: lines

data

data:
data:

: comment

data:  spaced

";
    with_stdin(&["--format", "data"], input)
        .code(0)
        .stdout("one\ntwo\nlines\n\n\n\n spaced\n")
        .stderr("");
}

#[test]
fn data_of_a_fixture_is_its_data_lines() {
    let file = String::from_utf8(read_fixture("openai-chat.sse")).unwrap();
    let expected: String = file
        .lines()
        .filter_map(|line| line.strip_prefix("data: "))
        .filter(|data| *data != "[DONE]")
        .map(|data| format!("{data}\n"))
        .collect();
    assert_eq!(expected.lines().count(), 11);
    ssecat()
        .args(["--format", "data"])
        .arg(fixture("openai-chat.sse"))
        .assert()
        .code(0)
        .stdout(expected)
        .stderr("");
}
