//! `--raw`: the received bytes, untouched.

use super::support::{
    fixture_warning, read_fixture, sse_fixtures, ssecat, unfinished_warning, with_stdin,
};

#[test]
fn raw_prints_every_fixture_byte_for_byte() {
    for path in sse_fixtures() {
        let bytes = std::fs::read(&path).unwrap();
        for flags in [
            &["--raw"][..],
            &["--format", "raw"][..],
            &["--raw", "--no-done"][..],
        ] {
            ssecat()
                .args(flags)
                .arg(&path)
                .assert()
                .code(0)
                .stdout(bytes.clone())
                .stderr(fixture_warning(&path));
        }
    }
}

#[test]
fn raw_prints_the_whole_chunk_where_done_arrives() {
    // The file is far smaller than the 256 KiB read buffer: one chunk, so
    // the bytes after [DONE] are printed too, and the run still ends at [DONE].
    let input: &[u8] =
        b"\xEF\xBB\xBFdata: a\r\n\r\n: c\rdata: \xff\n\ndata: [DONE]\n\ndata: after\n\ndata: cut";
    with_stdin(&["--raw"], input)
        .code(0)
        .stdout(input)
        .stderr("");
    // Without the [DONE] stop the stream runs to its end, inside an event.
    with_stdin(&["--raw", "--no-done"], input)
        .code(9)
        .stdout(input)
        .stderr(unfinished_warning(9));
}

#[test]
fn raw_of_stdin_is_the_input() {
    let bytes = read_fixture("gemini.sse");
    with_stdin(&["--raw"], bytes.clone())
        .code(0)
        .stdout(bytes)
        .stderr("");
}
