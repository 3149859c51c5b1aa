//! `--jsonl` / `--format jsonl`: one JSON object per event.

use serde_json::{json, Value};

use super::support::{
    fixture, fixture_warning, jsonl_records, sse_fixtures, ssecat, stdout_of, stdout_warned,
    with_stdin,
};

const INPUT: &str = "\
event: first
id: 7
data: {\"a\":
data:  [1, 2.5, \"x\\ny\"],
data: \"b\": null}

retry: 100
data: not json

id:
retry: nope
data: \"a string\"

data: 42

data:

data: [DONE]

";

#[test]
fn jsonl_records_have_exactly_the_documented_keys() {
    let expected = vec![
        json!({"event": "first", "data": "{\"a\":\n [1, 2.5, \"x\\ny\"],\n\"b\": null}",
               "id": "7", "retry": null, "json": {"a": [1, 2.5, "x\ny"], "b": null}}),
        json!({"event": "message", "data": "not json", "id": "7", "retry": 100}),
        json!({"event": "message", "data": "\"a string\"", "id": null, "retry": 100,
               "json": "a string"}),
        json!({"event": "message", "data": "42", "id": null, "retry": 100, "json": 42}),
        json!({"event": "message", "data": "", "id": null, "retry": 100}),
    ];
    for flags in [&["--jsonl"][..], &["--format", "jsonl"][..]] {
        let out = stdout_of(with_stdin(flags, INPUT));
        // Multi-line JSON data stays on one output line: one line per event.
        assert_eq!(jsonl_records(&out), expected, "{flags:?}");
    }
}

#[test]
fn jsonl_with_no_done_prints_done_as_an_ordinary_event() {
    let out = stdout_of(with_stdin(&["--jsonl", "--no-done"], INPUT));
    let records = jsonl_records(&out);
    assert_eq!(records.len(), 6);
    assert_eq!(
        records[5],
        json!({"event": "message", "data": "[DONE]", "id": null, "retry": 100})
    );
}

#[test]
fn jsonl_every_fixture_line_is_a_valid_record_matching_data_output() {
    for path in sse_fixtures() {
        let warning = fixture_warning(&path);
        let jsonl = stdout_warned(
            ssecat().args(["--jsonl", "--no-done"]).arg(&path).assert(),
            warning,
        );
        let records = jsonl_records(&jsonl);
        assert!(!records.is_empty(), "{}", path.display());
        // The same events as --format data, in the same order.
        let data = stdout_warned(
            ssecat()
                .args(["--format", "data", "--no-done"])
                .arg(&path)
                .assert(),
            warning,
        );
        let joined: String = records
            .iter()
            .map(|r| format!("{}\n", r["data"].as_str().unwrap()))
            .collect();
        assert_eq!(joined.as_bytes(), &data[..], "{}", path.display());
    }
}

#[test]
fn jsonl_exposes_the_openai_delta_content_path() {
    let out = stdout_of(
        ssecat()
            .arg("--jsonl")
            .arg(fixture("openai-chat.sse"))
            .assert(),
    );
    let records = jsonl_records(&out);
    assert_eq!(records.len(), 11, "[DONE] is not printed");
    let mut text = String::new();
    for record in &records {
        // jq: .json.choices[0].delta
        let delta = record
            .pointer("/json/choices/0/delta")
            .unwrap_or_else(|| panic!("no .json.choices[0].delta in {record}"));
        assert!(delta.is_object());
        // jq: .json.choices[0].delta.content
        if let Some(content) = record.pointer("/json/choices/0/delta/content") {
            text.push_str(content.as_str().expect("content is a string"));
        }
    }
    assert_eq!(text, "Hello! How can I help you today?");
    assert_eq!(
        records[1].pointer("/json/choices/0/delta/content"),
        Some(&Value::from("Hello"))
    );
}

/// Data that is well-formed JSON but that serde_json cannot hold as a
/// `Value` (a number out of range, a lone surrogate escape): the record must
/// still be valid JSON, so `json` must be left out.
#[test]
fn jsonl_lines_stay_parseable_when_data_is_json_serde_json_rejects() {
    let input = "data: 1e400\n\ndata: \"\\ud800\"\n\ndata: [1, -1e999]\n\n";
    let out = stdout_of(with_stdin(&["--jsonl"], input));
    assert_eq!(
        jsonl_records(&out),
        vec![
            json!({"event": "message", "data": "1e400", "id": null, "retry": null}),
            json!({"event": "message", "data": "\"\\ud800\"", "id": null, "retry": null}),
            json!({"event": "message", "data": "[1, -1e999]", "id": null, "retry": null}),
        ]
    );
}
