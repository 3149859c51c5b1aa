//! Hostile content: on a terminal, control characters from the stream are
//! shown escaped; into a pipe or a file, bytes pass through unchanged.

use super::support::{on_terminal, with_stdin};

const STREAM: &[u8] =
    b"data: \x1b]0;pwned\x07title \x1b[2Jclear \xc2\x9b31m csi\x08hidden\x7f\tok\n\n";

fn stream_file() -> tempfile::NamedTempFile {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), STREAM).unwrap();
    file
}

#[test]
fn a_terminal_sees_control_characters_escaped() {
    let file = stream_file();
    let path = file.path().to_str().unwrap();
    let shown = on_terminal(&["--format", "data", path]);
    assert_eq!(
        String::from_utf8(shown.shown).unwrap(),
        "\\x1b]0;pwned\\x07title \\x1b[2Jclear \\u{9b}31m csi\\x08hidden\\x7f\tok\n"
    );
    assert_eq!((shown.code, shown.stderr.as_str()), (Some(0), ""));
    // Raw output too, with bytes that are not UTF-8 shown in hex.
    let raw = on_terminal(&["--raw", path]);
    assert!(String::from_utf8(raw.shown)
        .unwrap()
        .starts_with("data: \\x1b]0;pwned\\x07"),);
}

#[test]
fn no_sanitize_and_pipes_pass_bytes_unchanged() {
    let file = stream_file();
    let path = file.path().to_str().unwrap();
    let expected = &STREAM[b"data: ".len()..STREAM.len() - 1];
    let shown = on_terminal(&["--format", "data", "--no-sanitize", path]);
    assert_eq!(shown.shown, expected);
    with_stdin(&["--format", "data"], STREAM)
        .code(0)
        .stdout(expected);
    with_stdin(&["--raw"], STREAM).code(0).stdout(STREAM);
}

#[test]
fn text_on_a_terminal_is_escaped_as_well() {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        file.path(),
        "data: {\"choices\":[{\"delta\":{\"content\":\"hi\\u001b[31m red\"}}]}\n\ndata: [DONE]\n\n",
    )
    .unwrap();
    let shown = on_terminal(&["--text", file.path().to_str().unwrap()]);
    assert_eq!(shown.shown, b"hi\\x1b[31m red\n");
}
