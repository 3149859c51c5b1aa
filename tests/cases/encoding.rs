//! Line ends, byte order mark and invalid UTF-8, end to end.

use serde_json::json;

use super::support::{fixture, jsonl_records, read_fixture, ssecat, stdout_of, with_stdin};

#[test]
fn crlf_lf_and_lone_cr_line_ends_decode_alike() {
    let expected = "event: a\nid: 1\ndata: one\ndata: two\n\ndata: three\n\n";
    for input in [
        "event: a\nid: 1\ndata: one\ndata: two\n\ndata: three\n\n",
        "event: a\r\nid: 1\r\ndata: one\r\ndata: two\r\n\r\ndata: three\r\n\r\n",
        "event: a\rid: 1\rdata: one\rdata: two\r\rdata: three\r\r",
        "event: a\r\nid: 1\rdata: one\ndata: two\r\n\rdata: three\n\r\n",
    ] {
        with_stdin(&[], input).code(0).stdout(expected).stderr("");
    }
}

#[test]
fn a_crlf_fixture_gives_the_same_events_as_its_lf_version() {
    let crlf = read_fixture("gemini.sse");
    assert!(crlf.windows(2).any(|w| w == b"\r\n"));
    let lf: Vec<u8> = String::from_utf8(crlf)
        .unwrap()
        .replace("\r\n", "\n")
        .into_bytes();
    for format in ["sse", "data", "jsonl"] {
        let from_crlf = stdout_of(
            ssecat()
                .args(["--format", format])
                .arg(fixture("gemini.sse"))
                .assert(),
        );
        let from_lf = stdout_of(with_stdin(&["--format", format], lf.clone()));
        assert_eq!(from_crlf, from_lf, "--format {format}");
        assert!(!from_crlf.contains(&b'\r'), "--format {format}");
    }
    let data = stdout_of(with_stdin(&["--format", "data"], lf));
    let data = String::from_utf8(data).unwrap();
    assert_eq!(data.lines().count(), 3);
    assert!(data.contains("\" merci. 🇫🇷\""), "{data}");
}

#[test]
fn a_leading_bom_is_dropped_once() {
    with_stdin(&["--format", "data"], "\u{FEFF}data: a\n\n")
        .code(0)
        .stdout("a\n")
        .stderr("");
    with_stdin(&[], "\u{FEFF}event: x\r\ndata: a\r\n\r\n")
        .code(0)
        .stdout("event: x\ndata: a\n\n")
        .stderr("");
    // A second BOM is part of the first field's name, which is then unknown.
    with_stdin(
        &["--format", "data"],
        "\u{FEFF}\u{FEFF}data: a\n\ndata: b\n\n",
    )
    .code(0)
    .stdout("b\n")
    .stderr("");
    // A BOM anywhere else is data.
    with_stdin(&["--format", "data"], "data: \u{FEFF}a\n\n")
        .code(0)
        .stdout("\u{FEFF}a\n")
        .stderr("");
}

#[test]
fn invalid_utf8_becomes_the_replacement_character() {
    let input: &[u8] = b"event: t\xfe\nid: \xc3\ndata: a\xffb\ndata: \xe2\x82\n\n";
    with_stdin(&[], input)
        .code(0)
        .stdout("event: t\u{FFFD}\nid: \u{FFFD}\ndata: a\u{FFFD}b\ndata: \u{FFFD}\n\n")
        .stderr("");
    with_stdin(&["--format", "data"], input)
        .code(0)
        .stdout("a\u{FFFD}b\n\u{FFFD}\n")
        .stderr("");
    let records = jsonl_records(&stdout_of(with_stdin(&["--jsonl"], input)));
    assert_eq!(
        records,
        vec![json!({"event": "t\u{FFFD}", "data": "a\u{FFFD}b\n\u{FFFD}",
                    "id": "\u{FFFD}", "retry": null})]
    );
}

#[test]
fn valid_non_ascii_text_passes_through() {
    with_stdin(&["--format", "data"], "data: héllo 🌍 日本\n\n")
        .code(0)
        .stdout("héllo 🌍 日本\n")
        .stderr("");
    with_stdin(
        &["--text"],
        "data: {\"choices\":[{\"delta\":{\"content\":\"Ça 🇫🇷\"}}]}\n\ndata: [DONE]\n\n",
    )
    .code(0)
    .stdout("Ça 🇫🇷")
    .stderr("");
}
