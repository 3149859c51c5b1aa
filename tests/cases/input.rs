//! Where the bytes come from: a file, standard input, or something unreadable.

use assert_cmd::prelude::*;
use predicates::prelude::*;

use super::support::{fixture, read_fixture, ssecat, stdout_of, with_stdin};

#[test]
fn a_file_and_stdin_give_the_same_output() {
    for format in ["sse", "data", "jsonl", "text", "raw"] {
        let from_file = stdout_of(
            ssecat()
                .args(["--format", format])
                .arg(fixture("openai-chat-usage.sse"))
                .assert(),
        );
        let from_stdin = stdout_of(with_stdin(
            &["--format", format],
            read_fixture("openai-chat-usage.sse"),
        ));
        assert!(!from_file.is_empty(), "no output for --format {format}");
        assert_eq!(from_file, from_stdin, "--format {format}");
    }
}

#[test]
fn a_missing_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.sse");
    let assert = ssecat().arg(&missing).assert().code(1).stdout("");
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.starts_with("ssecat: error: cannot open ")
            && stderr.contains("missing.sse")
            && stderr.ends_with('\n')
            && stderr.lines().count() == 1,
        "stderr: {stderr:?}"
    );
}

#[test]
fn a_directory_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let assert = ssecat().arg(dir.path()).assert().code(1).stdout("");
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.starts_with("ssecat: error: ")
            && stderr.ends_with('\n')
            && stderr.lines().count() == 1,
        "stderr: {stderr:?}"
    );
}

#[test]
fn empty_input_prints_nothing_and_succeeds() {
    for format in ["sse", "data", "jsonl", "raw"] {
        with_stdin(&["--format", format], "")
            .code(0)
            .stdout("")
            .stderr("");
    }
    // An LLM answer needs its end marker, and there was none.
    for format in ["text", "final"] {
        with_stdin(&["--format", format], "")
            .code(9)
            .stderr("ssecat: stream ended before completion (unknown dialect, no events)\n");
    }
}

#[test]
fn a_file_named_like_a_format_is_read_as_a_file() {
    // Only `-` means standard input; any other name is a path.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data");
    std::fs::write(&path, "data: from the file\n\n").unwrap();
    ssecat()
        .current_dir(dir.path())
        .args(["--format", "data", "data"])
        .write_stdin("data: from stdin\n\n")
        .assert()
        .code(0)
        .stdout("from the file\n")
        .stderr("");
}

#[cfg(target_os = "linux")]
#[test]
fn a_failing_stdout_is_an_error_other_than_a_closed_pipe() {
    // Unlike a closed pipe, a full disk is reported.
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full exists on Linux");
    let assert = std::process::Command::new(env!("CARGO_BIN_EXE_ssecat"))
        .arg(fixture("openai-chat.sse"))
        .stdout(full)
        .assert()
        .code(1);
    assert.stderr(
        predicate::str::starts_with("ssecat: error: writing output: ").and(predicate::function(
            |s: &str| s.lines().count() == 1 && s.ends_with('\n'),
        )),
    );
}
