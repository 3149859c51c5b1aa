//! `data: [DONE]` ends an OpenAI-style stream, unless --no-done.

use serde_json::json;

use super::support::{jsonl_records, stdout_of, unfinished_warning, with_stdin};

const INPUT: &str = "\
data: {\"choices\":[{\"delta\":{\"content\":\"before\"}}]}

data: [DONE]

data: {\"choices\":[{\"delta\":{\"content\":\" after\"}}]}

";

const BEFORE: &str = "{\"choices\":[{\"delta\":{\"content\":\"before\"}}]}";
const AFTER: &str = "{\"choices\":[{\"delta\":{\"content\":\" after\"}}]}";

#[test]
fn done_ends_the_stream_and_only_sse_prints_it() {
    with_stdin(&[], INPUT)
        .code(0)
        .stdout(format!("data: {BEFORE}\n\ndata: [DONE]\n\n"))
        .stderr("");
    with_stdin(&["--format", "data"], INPUT)
        .code(0)
        .stdout(format!("{BEFORE}\n"))
        .stderr("");
    with_stdin(&["--text"], INPUT)
        .code(0)
        .stdout("before")
        .stderr("");
    let records = jsonl_records(&stdout_of(with_stdin(&["--jsonl"], INPUT)));
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["data"], json!(BEFORE));
}

#[test]
fn no_done_reads_past_done_and_prints_it_as_an_event() {
    with_stdin(&["--no-done"], INPUT)
        .code(0)
        .stdout(format!(
            "data: {BEFORE}\n\ndata: [DONE]\n\ndata: {AFTER}\n\n"
        ))
        .stderr("");
    with_stdin(&["--format", "data", "--no-done"], INPUT)
        .code(0)
        .stdout(format!("{BEFORE}\n[DONE]\n{AFTER}\n"))
        .stderr("");
    with_stdin(&["--text", "--no-done"], INPUT)
        .code(0)
        .stdout("before after")
        .stderr("");
    let records = jsonl_records(&stdout_of(with_stdin(&["--jsonl", "--no-done"], INPUT)));
    assert_eq!(
        records,
        vec![
            json!({"event": "message", "data": BEFORE, "id": null, "retry": null,
                   "json": {"choices": [{"delta": {"content": "before"}}]}}),
            json!({"event": "message", "data": "[DONE]", "id": null, "retry": null}),
            json!({"event": "message", "data": AFTER, "id": null, "retry": null,
                   "json": {"choices": [{"delta": {"content": " after"}}]}}),
        ]
    );
}

#[test]
fn done_before_a_cut_event_is_a_normal_end() {
    let input = "data: a\n\ndata: [DONE]\n\ndata: trunc";
    for (format, expected) in [
        ("sse", "data: a\n\ndata: [DONE]\n\n"),
        ("data", "a\n"),
        (
            "jsonl",
            "{\"event\":\"message\",\"data\":\"a\",\"id\":null,\"retry\":null}\n",
        ),
        ("raw", input),
    ] {
        with_stdin(&["--format", format], input)
            .code(0)
            .stdout(expected)
            .stderr("");
    }
    // "a" is no LLM chunk, which --text says.
    with_stdin(&["--text"], input)
        .code(0)
        .stdout("")
        .stderr(predicates::str::contains(
            "no answer text: no dialect recognised in 1 event;",
        ));
    // With --no-done the cut event is reached.
    with_stdin(&["--format", "data", "--no-done"], input)
        .code(9)
        .stdout("a\n[DONE]\n")
        .stderr(unfinished_warning(11));
}
