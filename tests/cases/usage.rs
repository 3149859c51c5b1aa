//! Flags: help, version, conflicting formats, sizes.

use clap::CommandFactory;
use predicates::prelude::*;
use ssecat::cli::{Cli, CURL_HABITS, EXAMPLES, HELP_WIDTH};
use ssecat::exit_code;

use super::support::{fixture, run_on_terminal, ssecat, with_stdin};

#[test]
fn help_mentions_every_flag() {
    let assert = ssecat().arg("--help").assert().code(0).stderr("");
    let help = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    for flag in [
        "--format",
        "--jsonl",
        "--text",
        "--raw",
        "--event",
        "--no-done",
        "--max-event-size",
        "--dialect",
        "--extract",
        "--reasoning",
        "--ndjson",
        "--reconnect",
        "--max-retry-wait",
        "--no-sanitize",
        "--help",
        "--version",
    ] {
        assert!(
            help.contains(flag),
            "--help does not mention {flag}:\n{help}"
        );
    }
    for format in ["sse", "data", "jsonl", "text", "final", "raw"] {
        assert!(help.contains(format), "--help does not list {format}");
    }
}

/// What `ssecat FLAG` prints at 100 columns, checked to succeed quietly.
fn help_text(flag: &str) -> String {
    let assert = ssecat()
        .arg(flag)
        .env("COLUMNS", "100")
        .assert()
        .code(0)
        .stderr("");
    String::from_utf8(assert.get_output().stdout.clone()).unwrap()
}

/// What `ssecat ARGS` prints, checked to succeed quietly.
fn help_text_of(args: &[&str]) -> String {
    let assert = ssecat().args(args).assert().code(0).stderr("");
    String::from_utf8(assert.get_output().stdout.clone()).unwrap()
}

/// The line numbers of `headings` in `help`, checked to be there in this order.
fn headings_in_order(help: &str, headings: &[&str]) {
    let lines: Vec<&str> = help.lines().collect();
    let places: Vec<Option<usize>> = headings
        .iter()
        .map(|heading| lines.iter().position(|line| line == heading))
        .collect();
    assert!(
        places.iter().all(Option::is_some) && places.is_sorted(),
        "headings {headings:?} at lines {places:?}:\n{help}"
    );
}

/// The option groups, in the order help shows them.
const GROUPS: [&str; 6] = [
    "Request:",
    "Timing:",
    "Reconnect:",
    "Output:",
    "LLM:",
    "Diagnostics:",
];

#[test]
fn short_help_gives_each_option_one_line_and_ends_with_the_examples() {
    let help = help_text("-h");
    let (options, after) = help.split_once("\nExamples:\n").expect("-h has examples");
    assert_eq!(after.trim_end(), EXAMPLES, "-h ends with the examples");
    // A host without a scheme means http://: copying a request with a key
    // from the help must not send it in clear text.
    for example in after.lines().filter(|line| line.contains("--bearer")) {
        assert!(example.contains(" https://"), "{example}");
    }
    assert!(
        !help.contains("Exit status") && !help.contains("interrupted (Ctrl-C)"),
        "the exit codes are for --help, not -h:\n{help}"
    );
    headings_in_order(&help, &GROUPS);
    // An option line is indented 2 (`  -H, --header`, `  <URL|FILE>`) or 6
    // (`      --json`); a description that wraps goes on at its own column.
    let (commands, options) = options
        .split_once("\nArguments:\n")
        .expect("-h lists the arguments");
    let commands: Vec<&str> = commands
        .split_once("\nCommands:\n")
        .expect("-h lists the commands")
        .1
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .collect();
    assert_eq!(commands, ["bench", "serve"], "{help}");
    let mut described = 0;
    for line in options.lines().filter(|line| line.starts_with(' ')) {
        let indent = line.len() - line.trim_start().len();
        assert!(
            indent == 2 || indent == 6,
            "a description wraps past one line at 100 columns: {line:?}\n{help}"
        );
        assert!(line.chars().count() <= 100, "{line:?}");
        described += 1;
    }
    let mut cmd = Cli::command();
    cmd.build();
    let visible = cmd.get_arguments().filter(|arg| !arg.is_hide_set()).count();
    assert_eq!(described, visible, "one line per option:\n{help}");
}

#[test]
fn long_help_has_the_groups_the_exit_codes_and_the_examples() {
    let help = help_text("--help");
    headings_in_order(
        &help,
        &[
            &GROUPS[..],
            &["Coming from curl or xh:", "Exit status:", "Examples:"],
        ]
        .concat(),
    );
    assert!(
        help.contains(&format!(
            "Coming from curl or xh:\n{CURL_HABITS}\n\nExit status:\n"
        )),
        "--help tells curl's and xh's users what works:\n{help}"
    );
    assert!(
        help.contains(&format!("Exit status:\n{}\n", exit_code::table(HELP_WIDTH))),
        "--help lists the exit codes:\n{help}"
    );
    let (_, examples) = help.split_once("\nExamples:\n").unwrap();
    assert_eq!(
        examples.trim_end(),
        EXAMPLES,
        "--help ends with the examples"
    );
    // The details that -h leaves out.
    for detail in ["Possible values:", "Last-Event-ID set to the id of"] {
        assert!(help.contains(detail), "--help has no {detail:?}:\n{help}");
    }
}

#[test]
fn version_prints_name_and_version() {
    ssecat()
        .arg("--version")
        .assert()
        .code(0)
        .stdout("ssecat 0.1.0\n")
        .stderr("");
}

/// A usage error clap reports, in ssecat's style.
fn usage_error(args: &[&str], message: &str) {
    usage_error_starting(args, "ssecat: error: ", message);
}

/// Exit 2, nothing on stdout, and stderr starting with `prefix` and naming `message`.
pub fn usage_error_starting(args: &[&str], prefix: &str, message: &str) {
    ssecat()
        .args(args)
        .arg(fixture("openai-chat.sse"))
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::starts_with(prefix).and(predicate::str::contains(message)));
}

/// What clap ends each of its errors with.
const MORE: &str = "\n\nFor more information, try '--help'.\n";
const USAGE: &str =
    "\n\nUsage: ssecat [OPTIONS] [METHOD] <URL|FILE> [ITEM]...\n       ssecat serve [OPTIONS] [RECORDING]...\n       ssecat bench [OPTIONS] [METHOD] <URL> [ITEM]...";

#[test]
fn clap_errors_begin_as_ssecat_errors_and_keep_clap_tips_and_usage() {
    let cases: [(&[&str], String); 5] = [
        (
            &["--bogus", "x.sse"],
            format!("ssecat: error: unexpected argument '--bogus' found{USAGE}{MORE}"),
        ),
        (
            &["--format", "xml", "x.sse"],
            format!(
                "ssecat: error: invalid value 'xml' for '--format <FORMAT>'\n  \
                 [possible values: sse, data, jsonl, text, final, raw]{MORE}"
            ),
        ),
        (
            &["--text"],
            format!(
                "ssecat: error: the following required arguments were not provided:\n  \
                 <URL|FILE>{USAGE}{MORE}"
            ),
        ),
        (
            &["x.sse", "--output"],
            format!(
                "ssecat: error: a value is required for '--output <FILE>' but none was \
                 supplied{MORE}"
            ),
        ),
        (
            &["--jsonl", "--raw", "x.sse"],
            format!(
                "ssecat: error: the argument '--jsonl' cannot be used with '--raw'{USAGE}{MORE}"
            ),
        ),
    ];
    for (args, stderr) in cases {
        ssecat()
            .args(args)
            .assert()
            .code(2)
            .stdout("")
            .stderr(stderr);
    }
}

#[test]
fn clap_errors_are_plain_on_a_terminal_as_ssecat_errors_are() {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_ssecat"));
    cmd.args(["--bogus", "x.sse"]).env_remove("NO_COLOR");
    let run = run_on_terminal(cmd, true);
    assert_eq!(run.code, Some(2));
    let shown = String::from_utf8_lossy(&run.shown);
    assert!(
        shown.starts_with("ssecat: error: unexpected argument '--bogus' found\r\n"),
        "{shown:?}"
    );
    assert!(!shown.contains('\x1b'), "{shown:?}");
}

#[test]
fn help_and_version_are_not_errors() {
    // On stdout, exit 0, as clap prints them; with a bad flag after them too.
    for args in [&["-h"][..], &["--help"], &["--help", "--bogus"]] {
        let help = help_text_of(args);
        assert!(help.starts_with("curl for Server-Sent Events"), "{help}");
        assert!(help.contains("\nUsage: ssecat [OPTIONS]"), "{help}");
    }
    for flag in ["-V", "--version"] {
        assert_eq!(help_text_of(&[flag]), "ssecat 0.1.0\n");
    }
}

#[test]
fn conflicting_format_flags_are_usage_errors() {
    usage_error(&["--jsonl", "--text"], "cannot be used with");
    usage_error(&["--format", "data", "--raw"], "cannot be used with");
    usage_error(&["--format", "text", "--jsonl"], "cannot be used with");
    usage_error(&["--raw", "--text"], "cannot be used with");
}

#[test]
fn raw_with_an_event_filter_is_a_usage_error() {
    usage_error(&["--raw", "--event", "x"], "cannot be used with");
}

#[test]
fn unknown_format_is_a_usage_error() {
    usage_error(&["--format", "xml"], "'xml'");
}

#[test]
fn a_missing_input_argument_is_a_usage_error() {
    ssecat().assert().code(2).stdout("").stderr(
        predicate::str::starts_with("ssecat: error: ").and(predicate::str::contains("URL|FILE")),
    );
}

#[test]
fn bad_sizes_are_usage_errors() {
    for size in [
        "0",
        "1.5M",
        "5T",
        "-1",
        "M",
        "",
        "10 M",
        "16G0",
        "99999999999999999999G",
    ] {
        ssecat()
            .arg(format!("--max-event-size={size}"))
            .arg(fixture("openai-chat.sse"))
            .assert()
            .code(2)
            .stdout("")
            .stderr(
                predicate::str::starts_with("ssecat: error: ")
                    .and(predicate::str::contains("--max-event-size")),
            );
    }
}

#[test]
fn size_suffixes_are_powers_of_1024() {
    // A 1024-byte line fits 1K (and 1k, 1KiB); a 1025-byte line does not.
    let fits = format!("data:{}\n\n", "x".repeat(1019));
    let too_long = format!("data:{}\n\n", "x".repeat(1020));
    for size in ["1K", "1k", "1KiB", "1024"] {
        with_stdin(
            &["--max-event-size", size, "--format", "data"],
            fits.clone(),
        )
        .code(0)
        .stdout(format!("{}\n", "x".repeat(1019)))
        .stderr("");
        with_stdin(
            &["--max-event-size", size, "--format", "data"],
            too_long.clone(),
        )
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("--max-event-size"));
    }
    for size in ["64MiB", "64M", "1g", "1GiB", "8b", "8B"] {
        with_stdin(
            &["--max-event-size", size, "--format", "data"],
            "data: ok\n\n",
        )
        .code(0)
        .stdout("ok\n")
        .stderr("");
    }
}

#[test]
fn request_options_and_methods_need_a_url() {
    for (args, flag) in [
        (&["-H", "x: y"][..], "--header"),
        (&["--idle-timeout", "1"], "--idle-timeout"),
        (&["-d", "@-"], "--data"),
        (&["GET"], "METHOD"),
    ] {
        usage_error_starting(args, "ssecat: error: ", flag);
    }
}
