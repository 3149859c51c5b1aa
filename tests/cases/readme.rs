//! Every shell example of the documentation (each Markdown file that has
//! some, listed in `DOCUMENTS`: README.md, docs/GUIDE.md, CONTRIBUTING.md,
//! benches/README.md, fuzz/README.md) is run here, on the real binary: one
//! test per file, through the same routine (`run_examples_of`). The files
//! share one convention (see CONTRIBUTING.md, "Examples in the
//! documentation"), and a command runs from the repository's root in all
//! but fuzz/README.md (whose commands run in `fuzz/`), so a path such as
//! `tests/fixtures/llm/NAME` is written the same way in each:
//!
//! - A ```` ```sh ```` block holds commands to copy, one a line (`\` goes on
//!   to the next line). Each command is classified; one that cannot be
//!   fails the test, so no new example escapes it:
//!   - an `ssecat …` command (also `cargo run --release -- …`, and ssecat in
//!     a pipeline) is run with `sh` in a scratch directory that has the
//!     repository's files, and must exit 0;
//!   - `ssecat serve ARGS &` (with the `&`: a serve without it fails the
//!     test, and no other command runs in the background) starts `ssecat
//!     serve --listen 127.0.0.1:0 ARGS` in the scratch directory (its
//!     arguments parsed first, as ssecat parses them; `--listen` is left
//!     out of the example), which must print its listening line; it runs
//!     for the rest of the block (one a block) and is stopped when the
//!     block ends, or fails. Its log must then hold nothing but request
//!     lines, and a serve of one file (without `--fault`) that no command
//!     asked must give, to `ssecat --text`, the text of the file read;
//!   - `ssecat bench ARGS` (alone: no pipe, no redirection) loads the serve
//!     of its block, which must run above it (a bench without one fails
//!     the test): its arguments parse as ssecat parses them, and its URL
//!     goes to the serve as another command's does. It must exit 0 and
//!     print, for each level (each `-c`, or each `--rate`; `-c 1` when
//!     none), the level's summary (`concurrency 4:`) with `requests N ok,
//!     0 failed` (N its `-n`, 100 by default; any with `--duration`) and,
//!     for a sweep, the level's line of the comparison. The serve's log
//!     must hold exactly the requests it sent, levels × (`-n` +
//!     `--warmup`) (with `--duration`, at least one a level);
//!     `--report FILE` must be a JSON report and `--records FILE` a JSON
//!     line per request sent, which a `jq` line after it may read.
//!     `ssecat bench --merge A B…` needs no serve: A, B… must be reports
//!     that commands above it in the block wrote, and each level of the
//!     merged report (its `--report FILE`, else its stdout) must have
//!     completed the requests of that level of them all;
//!   - `echo … > FILE` prepares a file for the commands after it;
//!   - `jq FILTER FILE` checks a JSON file that a command above it in the
//!     block wrote (such as `--stats-json stats.json` or a bench's
//!     `--report r.json`): the file must be JSON (one document, or JSON
//!     lines), and jq, when installed, must exit 0 (`-e`: the filter held);
//!   - `mkdir -p ~/…` and `cp` of `completions/` and `man/` run with HOME in
//!     the scratch directory;
//!   - a command that `.ci/run` runs, as written, is left to it;
//!   - a few commands are not run, each for a reason in its file's
//!     `not_run`, which is printed; the repository files they name must
//!     exist, and each entry must match a command of its file.
//! - A URL is answered by the test server on 127.0.0.1 with the recorded
//!   stream that a comment line `# sample reply: tests/fixtures/llm/NAME`
//!   above the command names (`openai-chat.sse` when none does). The
//!   request must arrive as the example writes it: method, path and query,
//!   headers (`env:VAR` values resolved), bearer token, a JSON body that
//!   parses to the one given. After a serve line, a URL goes to that
//!   serve instead (see `Serve`): it must name where the example listens
//!   (`:8080/…`, `localhost:8080/…`, `http://127.0.0.1:8080/…`), and is
//!   rewritten to the serve's port, keeping its path and query; the serve's
//!   log must show the request's method and path. A command above the
//!   serve line still goes to the test server (a `--record` of it makes a
//!   recording that the serve line can replay).
//! - `--text` and `--format final` must give the expected text that
//!   `tests/fixtures/llm/README.md` lists for the stream read (from a
//!   serve, which has no fixture, some text: a `# stdout:` line gives
//!   it); `--jsonl` must be well-formed records; what is piped into `jq`
//!   must be JSON. The whole pipeline runs too when its tools are
//!   installed (a SKIPPED line says so when not).
//! - A comment line `# stdout: TEXT`, or `# FILE: TEXT` for a file the
//!   command writes, after a command gives its exact output.
//! - A ```` ```text ```` block whose first line starts with `$ ` is a
//!   terminal session: each command, run with standard output on a
//!   terminal, must show exactly the lines below it (its standard output,
//!   then its standard error); `$ echo $?` shows the exit code of the
//!   command before it (0 when absent). Other `text` blocks and `json`
//!   blocks are not commands; any other kind of block fails the test.
//!
//! A test follows every relative link of these files to a file and a
//! heading that exist, and checks that each `##` section of a file with a
//! contents list is listed there, so a section can move between them
//! without a dead link; another fails on a Markdown file with shell
//! examples that `DOCUMENTS` does not list.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use clap::Parser;
use std::process::Command;

use reqwest::Url;
use serde_json::Value;
use ssecat::cli::{BenchArgs, Cli, Format, RequestArgs, ServeArgs};
use ssecat::extract::wire::Prompt;
use ssecat::http::PromptInput;
use ssecat::target::Target;

use super::http_support::{stderr_of, without_proxies};
use super::serving::Serving;
use super::support::{fixture_texts, jsonl_records, note, run_on_terminal, TIMEOUT};
use crate::server::{Reply, Server};

/// A Markdown file whose shell examples are run and whose links are
/// followed.
struct Document {
    /// Its path in the repository.
    path: &'static str,
    /// Where its commands run, from the repository's root: the paths they
    /// name are found there. Only a file whose commands run from the root
    /// can have commands that are run.
    runs_in: &'static str,
    /// Directories its commands create (ignored by git): the paths in them
    /// need not exist.
    creates: &'static [&'static str],
    /// How many of its examples run at least: fewer means they were not
    /// found.
    at_least: usize,
    /// The commands it shows but that are not run, by how they start, and
    /// why. Each must match one of its commands.
    not_run: &'static [(&'static str, &'static str)],
}

/// Every Markdown file with shell examples.
const DOCUMENTS: [Document; 5] = [
    Document {
        path: "README.md",
        runs_in: "",
        creates: &[],
        at_least: 8,
        not_run: &[
            ("sudo apt-get install", "installs system packages"),
            (
                "curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs",
                "installs the Rust toolchain, which this test runs on",
            ),
            (
                "cargo install --path .",
                "installs into ~/.cargo/bin; this test runs the binary cargo builds from the \
                 same source",
            ),
        ],
    },
    Document {
        path: "docs/GUIDE.md",
        runs_in: "",
        creates: &[],
        at_least: 40,
        not_run: &[],
    },
    Document {
        path: "CONTRIBUTING.md",
        runs_in: "",
        creates: &["target"],
        at_least: 0,
        not_run: &[
            (
                "cargo build",
                "builds the binary that the SDK cross-check runs, as `cargo test` does",
            ),
            (
                "python3 -m venv target/sdk-venv",
                "makes the Python environment of the SDK cross-check, which .ci/run runs after \
                 cargo test",
            ),
            (
                "target/sdk-venv/bin/pip install",
                "installs the official Python SDKs from PyPI",
            ),
            (
                "target/sdk-venv/bin/python tests/sdk/check.py",
                "the SDK cross-check, which .ci/run runs after cargo test (it needs the SDKs \
                 installed)",
            ),
            (
                "cargo test --test cli readme",
                "runs part of the tests, this one among them",
            ),
            (
                "SSECAT_REGENERATE=1 cargo test",
                "rewrites the checked-in completions and man page, which the test `generated` \
                 compares with what ssecat generates",
            ),
        ],
    },
    Document {
        path: "benches/README.md",
        runs_in: "",
        creates: &[],
        at_least: 0,
        not_run: &[
            (
                "cargo bench",
                "a criterion benchmark: builds in release mode and measures for minutes",
            ),
            (
                "bash benches/e2e.sh",
                "builds the release binary and reads two 200 MiB files five times per format, \
                 for minutes",
            ),
            (
                "bash benches/http.sh",
                "builds the release binary and a server, and streams 200 MiB over loopback \
                 five times per client, for minutes",
            ),
            (
                "RUNS=5 LAT_ROUNDS=0 bash benches/http.sh",
                "benches/http.sh (above) with 5 runs a client and no latency rounds, for a \
                 minute",
            ),
            (
                "RUNS=3 bash benches/e2e.sh",
                "benches/e2e.sh (above) with 3 runs a format, for a minute",
            ),
            (
                "bash benches/serve.sh",
                "builds the release binary and a load client, and holds up to 1,000 streams \
                 of 4 seconds against ssecat serve, for a minute",
            ),
            (
                "SSECAT=/path/to/other/ssecat bash benches/serve.sh",
                "benches/serve.sh (above) on another build, for a minute",
            ),
            (
                "bash benches/bench.sh",
                "builds the release binary and runs ssecat bench against ssecat serve with up \
                 to 2,048 streams, for minutes",
            ),
            (
                "bash benches/overhead.sh",
                "installs aiohttp into a venv and runs ssecat bench and a Python client with \
                 up to 2,048 streams each, for minutes",
            ),
        ],
    },
    Document {
        path: "fuzz/README.md",
        runs_in: "fuzz",
        creates: &["corpus", "artifacts"],
        at_least: 0,
        not_run: &[
            ("cargo install cargo-fuzz", "installs a tool"),
            ("rustup toolchain install nightly", "installs a toolchain"),
            (
                "cd fuzz",
                "enters the fuzz workspace, where the commands after it run",
            ),
            (
                "mkdir -p corpus/",
                "makes the directory where a fuzz run keeps its new inputs",
            ),
            (
                "cargo +nightly fuzz run decoder artifacts/",
                "replays a crash file, which exists only after a crash (with a nightly toolchain)",
            ),
            (
                "cargo +nightly fuzz run",
                "fuzzing needs a nightly toolchain and runs for 15 to 30 minutes",
            ),
            (
                "cargo +nightly fuzz tmin",
                "needs a nightly toolchain and a crash file, which exists only after a crash",
            ),
        ],
    },
];

fn document(path: &str) -> &'static Document {
    DOCUMENTS
        .iter()
        .find(|document| document.path == path)
        .unwrap_or_else(|| panic!("{path} is not in DOCUMENTS"))
}

/// Commands that install a file into the home directory, by how they
/// start: run with HOME in the scratch directory.
const INSTALLS: [&str; 3] = ["mkdir -p ~/", "cp completions/", "cp man/"];

/// The recorded stream a URL is answered with when no comment names one.
const DEFAULT_REPLY: &str = "tests/fixtures/llm/openai-chat.sse";

/// Tools that can follow ssecat in a pipeline: `jq` reads JSON.
const PIPELINE_TOOLS: [&str; 1] = ["jq"];

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn ci_script() -> String {
    std::fs::read_to_string(repo().join(".ci/run")).expect(".ci/run is readable")
}

/// A fenced code block of a document.
struct Block {
    info: String,
    /// The contents, without the fence's indentation.
    text: String,
    /// The line of the opening fence.
    line: usize,
}

fn code_blocks(markdown: &str, file: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut open: Option<(Block, usize)> = None;
    for (index, line) in markdown.lines().enumerate() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        match (&mut open, trimmed.strip_prefix("```")) {
            (None, Some(info)) => {
                let block = Block {
                    info: info.trim().to_owned(),
                    text: String::new(),
                    line: index + 1,
                };
                open = Some((block, indent));
            }
            (Some(_), Some("")) => blocks.push(open.take().unwrap().0),
            (Some((block, fence_indent)), _) => {
                block
                    .text
                    .push_str(line.get(*fence_indent..).unwrap_or(trimmed));
                block.text.push('\n');
            }
            (None, None) => {}
        }
    }
    assert!(open.is_none(), "{file} ends inside a code block");
    blocks
}

/// A piece of shell text: enough of the grammar for the documents' examples.
#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    /// `|`, `&&`, `&`, `>`, `2>` or `<`.
    Operator(&'static str),
    /// A `#` comment, without the `#`.
    Comment(String),
    Newline,
}

/// A token and where it is in the text.
#[derive(Debug, Clone)]
struct Spanned {
    token: Token,
    start: usize,
    end: usize,
}

fn tokenize(text: &str) -> Vec<Spanned> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let at = |i: usize| chars.get(i).map(|&(_, c)| c);
    let offset = |i: usize| chars.get(i).map_or(text.len(), |&(o, _)| o);
    let mut tokens = Vec::new();
    let mut i = 0;
    while let Some(c) = at(i) {
        let start = offset(i);
        let mut push = |token, end_index: usize| {
            tokens.push(Spanned {
                token,
                start,
                end: offset(end_index),
            })
        };
        match c {
            ' ' | '\t' => i += 1,
            '\\' if at(i + 1) == Some('\n') => i += 2,
            '\n' => {
                push(Token::Newline, i + 1);
                i += 1;
            }
            '#' => {
                let end = (i..chars.len())
                    .find(|&j| at(j) == Some('\n'))
                    .unwrap_or(chars.len());
                let comment: String = chars[i + 1..end].iter().map(|&(_, c)| c).collect();
                push(Token::Comment(comment.trim().to_owned()), end);
                i = end;
            }
            '|' => {
                push(Token::Operator("|"), i + 1);
                i += 1;
            }
            '&' if at(i + 1) == Some('&') => {
                push(Token::Operator("&&"), i + 2);
                i += 2;
            }
            '&' => {
                push(Token::Operator("&"), i + 1);
                i += 1;
            }
            '>' => {
                push(Token::Operator(">"), i + 1);
                i += 1;
            }
            '<' => {
                push(Token::Operator("<"), i + 1);
                i += 1;
            }
            '2' if at(i + 1) == Some('>') => {
                push(Token::Operator("2>"), i + 2);
                i += 2;
            }
            _ => {
                let mut word = String::new();
                while let Some(c) = at(i) {
                    match c {
                        ' ' | '\t' | '\n' | '|' | '&' | '>' | '<' | ';' => break,
                        '\'' => {
                            i += 1;
                            while let Some(c) = at(i).filter(|&c| c != '\'') {
                                word.push(c);
                                i += 1;
                            }
                        }
                        '"' => {
                            i += 1;
                            while let Some(c) = at(i).filter(|&c| c != '"') {
                                if c == '\\' && matches!(at(i + 1), Some('"' | '\\' | '$')) {
                                    i += 1;
                                }
                                word.push(at(i).unwrap());
                                i += 1;
                            }
                        }
                        '\\' => {
                            i += 1;
                            word.extend(at(i));
                        }
                        c => word.push(c),
                    }
                    i += 1;
                }
                push(Token::Word(word), i);
            }
        }
    }
    tokens
}

/// One command line of a block, with the comment lines around it.
struct ShellCommand {
    /// The command's text, as written (continuations included).
    text: String,
    tokens: Vec<Token>,
    line: usize,
    /// Comment lines between the previous command and this one.
    comments_before: Vec<String>,
    /// Comment lines between this command and the next.
    comments_after: Vec<String>,
}

fn commands(block: &Block) -> Vec<ShellCommand> {
    let mut commands: Vec<ShellCommand> = Vec::new();
    let mut pending_comments = Vec::new();
    let mut current: Vec<Spanned> = Vec::new();
    let mut finish = |current: &mut Vec<Spanned>, pending: &mut Vec<String>| {
        let tokens: Vec<Spanned> = current
            .drain(..)
            .filter(|t| !matches!(t.token, Token::Comment(_)))
            .collect();
        if let (Some(first), Some(last)) = (tokens.first(), tokens.last()) {
            let span = (first.start, last.end);
            commands.push(ShellCommand {
                text: block.text[span.0..span.1].to_owned(),
                tokens: tokens.iter().map(|t| t.token.clone()).collect(),
                line: block.line + 1 + block.text[..span.0].matches('\n').count(),
                comments_before: std::mem::take(pending),
                comments_after: Vec::new(),
            });
        }
    };
    for spanned in tokenize(&block.text) {
        match &spanned.token {
            Token::Newline => finish(&mut current, &mut pending_comments),
            Token::Comment(comment) if current.is_empty() => {
                pending_comments.push(comment.clone());
            }
            _ => current.push(spanned),
        }
    }
    finish(&mut current, &mut pending_comments);
    // A comment belongs after a command, unless it names the reply.
    let mut trailing = pending_comments;
    for command in commands.iter_mut().rev() {
        let (before, after): (Vec<String>, Vec<String>) = command
            .comments_before
            .drain(..)
            .partition(|c| c.starts_with("sample reply:"));
        command.comments_before = before;
        command.comments_after = std::mem::take(&mut trailing);
        trailing = after;
    }
    commands
}

/// A pipeline stage: its words, and its redirections (operator, target).
#[derive(Debug, Default)]
struct Stage {
    words: Vec<String>,
    redirections: Vec<(&'static str, String)>,
}

fn stages(tokens: &[Token]) -> Vec<Stage> {
    let mut stages = vec![Stage::default()];
    let mut tokens = tokens.iter();
    while let Some(token) = tokens.next() {
        let stage = stages.last_mut().unwrap();
        match token {
            Token::Word(word) => stage.words.push(word.clone()),
            // Pipelines are run; `&&` only in commands that are not.
            Token::Operator("|" | "&&") => stages.push(Stage::default()),
            Token::Operator("&") => panic!("`&` goes at the end of a command only"),
            Token::Operator(op) => match tokens.next() {
                Some(Token::Word(target)) => stage.redirections.push((op, target.clone())),
                other => panic!("{op} without a file: {other:?}"),
            },
            Token::Comment(_) | Token::Newline => {}
        }
    }
    stages
}

/// What ssecat's arguments are in a stage, when it runs ssecat.
fn ssecat_arguments(stage: &Stage) -> Option<Vec<String>> {
    match stage.words.as_slice() {
        [first, rest @ ..] if first == "ssecat" => Some(rest.to_vec()),
        [cargo, run, release, dashes, rest @ ..]
            if [cargo, run, release, dashes] == ["cargo", "run", "--release", "--"] =>
        {
            Some(rest.to_vec())
        }
        _ => None,
    }
}

/// A command's tokens without the `&` that ends it, and whether it had one
/// (it runs in the background).
fn in_background(tokens: &[Token]) -> (&[Token], bool) {
    match tokens.split_last() {
        Some((Token::Operator("&"), rest)) => (rest, true),
        _ => (tokens, false),
    }
}

/// What `ssecat serve`'s arguments are in a stage, when it runs it.
fn serve_arguments(stage: &Stage) -> Option<Vec<String>> {
    let args = ssecat_arguments(stage)?;
    (args.first()? == "serve").then(|| args[1..].to_vec())
}

/// What `ssecat bench`'s arguments are in a stage, when it runs it.
fn bench_arguments(stage: &Stage) -> Option<Vec<String>> {
    let args = ssecat_arguments(stage)?;
    (args.first()? == "bench").then(|| args[1..].to_vec())
}

/// The expected text of each recorded stream, by its path from the repository.
fn expected_texts() -> HashMap<String, String> {
    fixture_texts()
        .into_iter()
        .map(|(file, text)| (format!("tests/fixtures/llm/{file}"), text))
        .collect()
}

/// A directory where the examples run: every file of the repository is
/// there (linked), and what the examples write stays there.
fn scratch_directory() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(repo()).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name != "target" && name != ".git" {
            std::os::unix::fs::symlink(entry.path(), dir.path().join(&name)).unwrap();
        }
    }
    dir
}

/// `sh -c text` in `dir`, finding `ssecat` first on the PATH, with the
/// machine's proxy settings out of the way and every `env:VAR` set.
fn shell(text: &str, dir: &Path, secrets: &HashMap<String, String>) -> Command {
    let binary_dir = Path::new(env!("CARGO_BIN_EXE_ssecat")).parent().unwrap();
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs = vec![binary_dir.to_path_buf()];
    dirs.extend(std::env::split_paths(&path));
    let mut cmd = Command::new("sh");
    cmd.arg("-c").arg(text).current_dir(dir);
    cmd.env("PATH", std::env::join_paths(dirs).unwrap());
    without_proxies(&mut cmd).envs(secrets);
    cmd
}

/// Runs `cmd` (with a timeout) and returns its output.
fn run(cmd: Command) -> std::process::Output {
    let mut cmd = assert_cmd::Command::from_std(cmd);
    cmd.timeout(TIMEOUT).output().expect("sh runs")
}

fn installed(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|output| output.status.success())
}

/// The value each `env:VAR` of `text` is given.
fn secrets_of(text: &str) -> HashMap<String, String> {
    text.split("env:")
        .skip(1)
        .map(|rest| {
            let var: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let value = format!("test-{}", var.to_lowercase());
            (var, value)
        })
        .collect()
}

/// The `ssecat serve ARGS &` of a block: `ssecat serve --listen
/// 127.0.0.1:0 ARGS` in the block's directory, running until the block
/// ends, and stopped when dropped (also when a check fails). The URLs of
/// the commands after it that address where the example listens go to it.
struct Serve {
    serving: Serving,
    /// The port the example listens on, as written (the default, 8080).
    written_port: u16,
    /// The one file it serves without faults, which a request to it
    /// replays.
    replays: Option<PathBuf>,
    /// How many lines of its log the commands' requests account for.
    logged: usize,
    /// Where the serve command is in its document.
    place: String,
}

impl Serve {
    fn start(args: &[String], stages: &[Stage], background: bool, dir: &Path, place: &str) -> Self {
        check_serve_line(args, stages, background, place);
        let parsed = parsed_serve(args, place);
        let written_port = (parsed.listen.rsplit_once(':'))
            .and_then(|(_, port)| port.parse().ok())
            .unwrap_or_else(|| panic!("{place}: no port in {}", parsed.listen));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let serving = Serving::start_in(dir, &args)
            .unwrap_or_else(|err| panic!("{place}: ssecat serve did not start: {err}"));
        let replays = match parsed.files.as_slice() {
            [file] if parsed.faults.is_empty() => Some(file.clone()),
            _ => None,
        };
        Serve {
            serving,
            written_port,
            replays,
            logged: 0,
            place: place.to_owned(),
        }
    }

    /// The serve's URL for `url`, which must address where the example
    /// listens: the same path and query.
    fn url_for(&self, url: &Url, place: &str) -> String {
        let local = matches!(url.host_str(), Some("127.0.0.1" | "localhost"));
        assert!(
            local && url.port_or_known_default() == Some(self.written_port),
            "{place}: {url} is not where the serve above listens (port {})",
            self.written_port
        );
        self.serving.url(&path_and_query(url))
    }

    /// The log lines of the requests a command sent: as many as `sent`
    /// says, each with the method and the path of `target`.
    fn check_requests(&mut self, method: &str, target: &Target, sent: Sent, place: &str) {
        let Target::Http { url, .. } = target else {
            unreachable!("a request comes from a URL")
        };
        let expected = format!(" {method} {} ", path_and_query(url));
        let log = self.serving.log(self.logged + sent.least());
        let logged = log.len() - self.logged;
        assert!(
            sent.allows(logged),
            "{place}: the serve logged {logged} requests, not {sent}"
        );
        for line in &log[self.logged..] {
            assert!(
                is_request_line(line) && line.contains(&expected),
                "{place}: the serve logged {line:?}, not a request{expected}"
            );
        }
        self.logged = log.len();
    }

    /// At the end of its block: a serve of one file that no command asked
    /// replays it as reading the file gives it; its log (stderr after the
    /// listening line) is nothing but the lines of the requests it answered.
    fn finish(mut self, dir: &Path) {
        if let Some(file) = self.replays.take().filter(|_| self.logged == 0) {
            self.check_replay(&file, dir);
        }
        let place = &self.place;
        for line in self.serving.log(self.logged) {
            assert!(is_request_line(&line), "{place}: the serve logged {line:?}");
        }
    }

    /// `ssecat --text` gives the same, non-empty text from the serve as from
    /// the file it replays.
    fn check_replay(&mut self, file: &Path, dir: &Path) {
        let place = &self.place;
        let read = ssecat_text(file.as_os_str(), dir);
        let served = ssecat_text(self.serving.url("/").as_ref(), dir);
        for output in [&read, &served] {
            assert_eq!(output.status.code(), Some(0), "{place}: {output:?}");
        }
        assert!(
            !read.stdout.is_empty(),
            "{place}: {} has no text",
            file.display()
        );
        assert_eq!(
            String::from_utf8_lossy(&served.stdout),
            String::from_utf8_lossy(&read.stdout),
            "{place}: the text served is not the text of {}",
            file.display()
        );
        self.logged = 1;
    }
}

/// `ssecat serve ARGS &`: in the background, alone, and on the default
/// address (the test gives it a free port).
fn check_serve_line(args: &[String], stages: &[Stage], background: bool, place: &str) {
    assert!(
        background,
        "{place}: ssecat serve runs until it is stopped: end the command with `&`, for the \
         commands after it"
    );
    assert!(
        stages.len() == 1 && stages[0].redirections.is_empty(),
        "{place}: `ssecat serve ARGS &` alone, without a pipe or redirection, please"
    );
    assert!(
        !args.iter().any(|arg| arg.starts_with("--listen")),
        "{place}: the test makes serve listen on a free port: leave --listen out, and use the \
         default address"
    );
}

/// `ssecat serve ARGS`, parsed as ssecat parses it.
fn parsed_serve(args: &[String], place: &str) -> ServeArgs {
    let words = ["ssecat", "serve"].map(str::to_owned);
    let cli = Cli::try_parse_from(words.into_iter().chain(args.iter().cloned()))
        .unwrap_or_else(|err| panic!("{place}: {err}"));
    match cli.command {
        Some(ssecat::cli::Command::Serve(serve)) => *serve,
        other => panic!("{place}: parsed as {other:?}, not ssecat serve"),
    }
}

/// A line of serve's log for a request: `ssecat: 127.0.0.1:PORT METHOD
/// PATH STATUS…`.
fn is_request_line(line: &str) -> bool {
    line.strip_prefix("ssecat: 127.0.0.1:")
        .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
}

/// `ssecat --text SOURCE` in `dir`.
fn ssecat_text(source: &OsStr, dir: &Path) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ssecat"));
    cmd.arg("--text").arg(source).current_dir(dir);
    without_proxies(&mut cmd);
    run(cmd)
}

/// What a command sent to a serve printed: no fixture gives the text of
/// `--text` and `--format final` (a `# stdout:` line can), but there is
/// one.
fn check_served_output(cli: &Cli, printed: &[u8], place: &str) {
    if matches!(cli.format(), Format::Text | Format::Final) {
        assert!(!printed.trim_ascii().is_empty(), "{place}: printed nothing");
    }
}

/// The path and query of `url`, as a request names them.
fn path_and_query(url: &Url) -> String {
    match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    }
}

/// The method a request goes with: the one written, or POST with a body
/// and GET without.
fn expected_method<'a>(target: &'a Target, request: &'a RequestArgs, with_body: bool) -> &'a str {
    let Target::Http { method, .. } = target else {
        unreachable!("a request comes from a URL")
    };
    match (method, &request.method) {
        (_, Some(method)) => method.as_str(),
        (Some(method), None) => method.as_str(),
        _ if with_body => "POST",
        _ => "GET",
    }
}

/// The URL as the example writes it: `--url`'s, or the word before the
/// request items.
fn written_url(words: &[String], items: &[String], request: &RequestArgs) -> String {
    match &request.url {
        Some(url) => url.clone(),
        None => words[words.len() - items.len() - 1].clone(),
    }
}

/// Whether `request` and the request items among `words` give a body.
fn has_body(request: &RequestArgs, words: &[String]) -> bool {
    request.data.is_some()
        || request.json.is_some()
        || request.prompt.is_some()
        || !body_items(words).is_empty()
}

/// How many requests a command sent, as its serve's log must count them.
#[derive(Clone, Copy)]
enum Sent {
    Exactly(usize),
    AtLeast(usize),
}

impl Sent {
    fn least(self) -> usize {
        match self {
            Sent::Exactly(count) | Sent::AtLeast(count) => count,
        }
    }

    fn allows(self, count: usize) -> bool {
        match self {
            Sent::Exactly(expected) => count == expected,
            Sent::AtLeast(least) => count >= least,
        }
    }
}

impl std::fmt::Display for Sent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Sent::Exactly(count) => write!(f, "exactly {count}"),
            Sent::AtLeast(count) => write!(f, "at least {count}"),
        }
    }
}

/// The request items among `words` that go into the JSON body, by the
/// first separator (`=` or `:=`), each with the value it sets: a string,
/// or the JSON typed. A method or the URL among them sets none.
fn body_items(words: &[String]) -> Vec<(String, Value)> {
    words
        .iter()
        .filter_map(|word| {
            let at = word.find(['=', ':'])?;
            let (name, rest) = word.split_at(at);
            // A URL's (a / or ?), or a nested path or an escape, not checked here.
            if name.contains(['/', '?', '[', '\\']) {
                return None;
            }
            match (rest.strip_prefix(":="), rest.strip_prefix('=')) {
                (Some(json), _) => Some((name.to_owned(), serde_json::from_str(json).ok()?)),
                (None, Some(text)) if !text.starts_with('=') => {
                    Some((name.to_owned(), Value::String(text.to_owned())))
                }
                _ => None,
            }
        })
        .collect()
}

/// Runs a document's examples and counts them.
struct Examples {
    document: &'static Document,
    /// The document, as its path in the repository.
    file: &'static str,
    texts: HashMap<String, String>,
    run: usize,
    not_run: usize,
    /// How many commands each entry of the document's `not_run` matched.
    not_run_matched: Vec<usize>,
}

impl Examples {
    fn shell_block(&mut self, block: &Block) {
        let dir = scratch_directory();
        // Dropped (stopped) before the directory.
        let mut serve: Option<Serve> = None;
        let runs_from_root = self.document.runs_in.is_empty();
        for command in commands(block) {
            let place = format!("{}:{}: {}", self.file, command.line, command.text);
            let (tokens, background) = in_background(&command.tokens);
            let stages = stages(tokens);
            let runnable = |place: &str| {
                assert!(
                    runs_from_root,
                    "{place}: only the commands of a file whose commands run from the \
                     repository's root are run: add it to the file's not_run"
                );
            };
            if let Some(args) = stages.iter().find_map(serve_arguments) {
                runnable(&place);
                assert!(
                    serve.is_none(),
                    "{place}: a serve already runs in this block"
                );
                serve = Some(Serve::start(&args, &stages, background, dir.path(), &place));
                self.run += 1;
            } else if background {
                panic!("{place}: only `ssecat serve ARGS &` runs in the background");
            } else if let Some(args) = stages.iter().find_map(bench_arguments) {
                runnable(&place);
                let serve = serve.as_mut();
                bench_command(&command, &stages, &args, dir.path(), serve, &place);
                self.run += 1;
            } else if let Some(index) = stages.iter().position(|s| ssecat_arguments(s).is_some()) {
                runnable(&place);
                let serve = serve.as_mut();
                self.ssecat_command(&command, &stages, index, dir.path(), serve, &place);
                self.run += 1;
            } else if stages.len() == 1 && stages[0].words[0] == "jq" {
                runnable(&place);
                self.jq_command(&command, &stages[0], dir.path(), &place);
                self.run += 1;
            } else if stages[0].words[0] == "echo" && !stages[0].redirections.is_empty() {
                runnable(&place);
                let output = run(shell(&command.text, dir.path(), &HashMap::new()));
                assert!(output.status.success(), "{place}: {output:?}");
            } else if INSTALLS.iter().any(|start| command.text.starts_with(start)) {
                runnable(&place);
                let mut cmd = shell(&command.text, dir.path(), &HashMap::new());
                cmd.env("HOME", dir.path().join("home"));
                let output = run(cmd);
                assert!(output.status.success(), "{place}: {output:?}");
                self.run += 1;
            } else if ci_script().lines().any(|line| line == command.text) {
                note(format_args!(
                    "NOT RUN: {place}: .ci/run runs it (it is this test run)\n"
                ));
                self.not_run += 1;
            } else if let Some(entry) = (self.document.not_run.iter())
                .position(|(start, _)| command.text.starts_with(start))
            {
                let base = repo().join(self.document.runs_in);
                for word in stages.iter().flat_map(|s| &s.words) {
                    let top = word.split('/').next().unwrap();
                    let created = self.document.creates.contains(&top);
                    if word.contains('/') && !top.is_empty() && !created && base.join(top).exists()
                    {
                        assert!(base.join(word).exists(), "{place}: no {word}");
                    }
                }
                let reason = self.document.not_run[entry].1;
                note(format_args!("NOT RUN: {place}: {reason}\n"));
                self.not_run += 1;
                self.not_run_matched[entry] += 1;
            } else {
                panic!(
                    "{place}: not an ssecat command, nor one of the not_run of {} in \
                     tests/cases/readme.rs",
                    self.file
                );
            }
        }
        if let Some(serve) = serve {
            serve.finish(dir.path());
        }
    }

    fn ssecat_command(
        &mut self,
        command: &ShellCommand,
        stages: &[Stage],
        index: usize,
        dir: &Path,
        serve: Option<&mut Serve>,
        place: &str,
    ) {
        assert!(
            !command.tokens.contains(&Token::Operator("&&")),
            "{place}: a pipeline or a single command, please"
        );
        let stage = &stages[index];
        let args = ssecat_arguments(stage).unwrap();
        let cli = Cli::try_parse_from(std::iter::once("ssecat".to_owned()).chain(args.clone()))
            .unwrap_or_else(|err| panic!("{place}: {err}"));
        let mut text = command.text.replacen("cargo run --release --", "ssecat", 1);
        let secrets = secrets_of(&text);
        let words: Vec<String> = cli.first.iter().chain(&cli.words).cloned().collect();
        let (target, items) = Target::parse(&words, cli.request.url.as_deref())
            .unwrap_or_else(|err| panic!("{place}: {err}"));
        let written = written_url(&words, items, &cli.request);
        let reply = command
            .comments_before
            .iter()
            .find_map(|c| c.strip_prefix("sample reply:"))
            .map(str::trim);
        // A URL goes to the serve of the block, once one runs.
        let mut to_serve = serve.filter(|_| matches!(target, Target::Http { .. }));
        let (server, read) = match (&target, &to_serve) {
            (Target::Http { url, .. }, Some(serve)) => {
                assert!(
                    reply.is_none(),
                    "{place}: a sample reply for the serve above"
                );
                text = text.replacen(&written, &serve.url_for(url, place), 1);
                (None, None)
            }
            (Target::Http { url, .. }, None) => {
                let reply = reply.unwrap_or(DEFAULT_REPLY).to_owned();
                let body = std::fs::read(repo().join(&reply))
                    .unwrap_or_else(|err| panic!("{place}: {reply}: {err}"));
                let content_type = if reply.ends_with(".ndjson") {
                    "application/x-ndjson"
                } else {
                    "text/event-stream"
                };
                let server = Server::start(move |_| {
                    Reply::new(200)
                        .header("content-type", content_type)
                        .send(body.clone())
                });
                let path = path_and_query(url);
                text = text.replacen(&written, &server.url(&path), 1);
                (Some((server, path)), Some(reply))
            }
            (Target::File(path), _) => {
                assert!(reply.is_none(), "{place}: a sample reply for a file");
                (None, Some(path.to_string_lossy().into_owned()))
            }
            (Target::Stdin, _) => (None, None),
        };

        // The command up to ssecat: what it prints, before any other tool.
        let ssecat_part = match stages.get(index + 1) {
            Some(_) => {
                let pipe = tokenize(&text)
                    .into_iter()
                    .filter(|t| t.token == Token::Operator("|"))
                    .nth(index)
                    .unwrap();
                text[..pipe.start].trim_end().to_owned()
            }
            None => text.clone(),
        };
        let output = run(shell(&ssecat_part, dir, &secrets));
        assert_eq!(
            output.status.code(),
            Some(0),
            "{place}: ran {ssecat_part}: {}",
            stderr_of(&output)
        );
        let printed = match stage.redirections.iter().find(|(op, _)| *op == ">") {
            Some((_, file)) => std::fs::read(dir.join(file)).unwrap(),
            None => output.stdout.clone(),
        };
        self.check_output(&cli, read.as_deref(), &printed, place);
        if let Some(serve) = to_serve.as_mut() {
            check_served_output(&cli, &printed, place);
            let method = expected_method(&target, &cli.request, has_body(&cli.request, &cli.words));
            serve.check_requests(method, &target, Sent::AtLeast(1), place);
        }

        if let Some((server, path)) = &server {
            for request in server.requests() {
                check_request(&cli, &target, request, path, dir, &secrets, place);
            }
        }

        let mut shown = output.stdout;
        if let Some(next) = stages.get(index + 1) {
            let tool = next.words[0].as_str();
            assert!(
                PIPELINE_TOOLS.contains(&tool),
                "{place}: what does {tool} need from ssecat? Teach tests/cases/readme.rs"
            );
            for line in String::from_utf8_lossy(&printed).lines() {
                serde_json::from_str::<Value>(line)
                    .unwrap_or_else(|err| panic!("{place}: {tool} gets {line}: {err}"));
            }
            let tools: Vec<&str> = stages[index + 1..]
                .iter()
                .map(|s| s.words[0].as_str())
                .collect();
            match tools.iter().find(|tool| !installed(tool)) {
                Some(missing) => {
                    note(format_args!(
                        "SKIPPED: {place}: {missing} is not installed: ran ssecat alone, \
                         its output is JSON\n"
                    ));
                    assert!(
                        !command
                            .comments_after
                            .iter()
                            .any(|c| c.starts_with("stdout:")),
                        "{place}: the stdout shown cannot be checked without {missing}"
                    );
                    return;
                }
                None => {
                    let output = run(shell(&text, dir, &secrets));
                    assert_eq!(output.status.code(), Some(0), "{place}: {output:?}");
                    shown = output.stdout;
                }
            }
        }

        check_comments(command, stages, &shown, dir, place);
    }

    /// `jq … FILE` on a JSON file that a command above it in the block
    /// wrote: the file must be JSON (one document or JSON lines), and jq, when installed, must exit 0 and
    /// print what a `# stdout:` line after it shows.
    fn jq_command(&mut self, command: &ShellCommand, stage: &Stage, dir: &Path, place: &str) {
        let file = match stage.words.as_slice() {
            [_, _, .., file] if stage.redirections.is_empty() => file,
            _ => panic!("{place}: jq FILTER FILE, please"),
        };
        check_written_above(file, "jq", dir, place);
        let written = json_file(dir, Path::new(file), place);
        if !installed("jq") {
            note(format_args!(
                "SKIPPED: {place}: jq is not installed: checked only that {file} is JSON\n"
            ));
            return;
        }
        let output = run(shell(&command.text, dir, &HashMap::new()));
        assert_eq!(
            output.status.code(),
            Some(0),
            "{place}: jq says {} on {file}: {written}",
            String::from_utf8_lossy(&output.stdout).trim_end()
        );
        check_comments(command, &[], &output.stdout, dir, place);
    }

    /// `--text`, `--format final` and `--jsonl` output of the stream `read`.
    fn check_output(&self, cli: &Cli, read: Option<&str>, printed: &[u8], place: &str) {
        let expected = read.and_then(|path| self.texts.get(path));
        match cli.format() {
            Format::Text => {
                if let Some(expected) = expected {
                    assert_eq!(String::from_utf8_lossy(printed), *expected, "{place}");
                }
            }
            Format::Final => {
                let answer: Value = serde_json::from_slice(printed)
                    .unwrap_or_else(|err| panic!("{place}: --format final printed JSON: {err}"));
                if let Some(expected) = expected {
                    assert_eq!(answer["text"], *expected, "{place}");
                }
            }
            Format::Jsonl => {
                assert!(!jsonl_records(printed).is_empty(), "{place}: no record");
            }
            _ => assert!(!printed.is_empty(), "{place}: printed nothing"),
        }
    }

    fn session_block(&mut self, block: &Block) {
        let dir = scratch_directory();
        let mut lines = block.text.lines().zip(block.line + 1..).peekable();
        while let Some((line, number)) = lines.next() {
            let command = line
                .strip_prefix("$ ")
                .unwrap_or_else(|| panic!("{}:{}: a session starts with $", self.file, block.line));
            let mut shown = String::new();
            while let Some((output, _)) = lines.next_if(|(l, _)| !l.starts_with("$ ")) {
                shown.push_str(output);
                shown.push('\n');
            }
            let code = match lines.next_if(|(l, _)| *l == "$ echo $?") {
                Some(_) => lines.next().expect("the exit code").0.parse().unwrap(),
                None => 0,
            };
            let place = format!("{}:{number}: {command}", self.file);
            let stages = stages(
                &tokenize(command)
                    .into_iter()
                    .map(|t| t.token)
                    .collect::<Vec<_>>(),
            );
            assert!(
                stages.iter().any(|s| ssecat_arguments(s).is_some()),
                "{place}: a session runs ssecat"
            );
            let on_terminal = run_on_terminal(shell(command, dir.path(), &HashMap::new()), false);
            let actual =
                String::from_utf8_lossy(&on_terminal.shown).into_owned() + &on_terminal.stderr;
            assert_eq!(actual, shown, "{place}");
            assert_eq!(on_terminal.code, Some(code), "{place}");
            self.run += 1;
        }
    }
}

/// `file`, read by `reader`, is one that a command above it in the block
/// wrote: in the block's directory, and not a file of the repository.
fn check_written_above(file: &str, reader: &str, dir: &Path, place: &str) {
    assert!(
        !repo().join(file).exists() && dir.join(file).is_file(),
        "{place}: {reader} reads {file}, which no command above it in the block writes"
    );
}

/// The text of the JSON file `file` in `dir`: one JSON document (a
/// report), or JSON lines (records, stats), not empty.
fn json_file(dir: &Path, file: &Path, place: &str) -> String {
    let name = file.display();
    let written = std::fs::read_to_string(dir.join(file))
        .unwrap_or_else(|err| panic!("{place}: {name}: {err}"));
    assert!(!written.trim().is_empty(), "{place}: {name} is empty");
    if serde_json::from_str::<Value>(&written).is_err() {
        for line in written.lines() {
            serde_json::from_str::<Value>(line)
                .unwrap_or_else(|err| panic!("{place}: {name} is not JSON: {line}: {err}"));
        }
    }
    written
}

/// `ssecat bench ARGS` alone (no pipe, no redirection): its arguments
/// parse as ssecat parses them; it loads the block's serve, or merges
/// reports that commands above it wrote.
fn bench_command(
    command: &ShellCommand,
    stages: &[Stage],
    args: &[String],
    dir: &Path,
    serve: Option<&mut Serve>,
    place: &str,
) {
    assert!(
        stages.len() == 1 && stages[0].redirections.is_empty(),
        "{place}: `ssecat bench ARGS` alone, without a pipe or redirection, please (--report \
         and --records write its files), or teach tests/cases/readme.rs"
    );
    assert!(
        !command
            .comments_before
            .iter()
            .any(|c| c.starts_with("sample reply:")),
        "{place}: ssecat bench loads the serve of its block, not a sample reply"
    );
    let bench = parsed_bench(args, place);
    let text = command.text.replacen("cargo run --release --", "ssecat", 1);
    let stdout = if bench.merge.is_empty() {
        let serve = serve.unwrap_or_else(|| {
            panic!(
                "{place}: ssecat bench loads a server: start `ssecat serve ARGS &` above it in \
                 the block, and give bench its URL (:8080/…)"
            )
        });
        bench_load(&bench, &text, dir, serve, place)
    } else {
        bench_merge(&bench, &text, dir, place)
    };
    check_comments(command, stages, &stdout, dir, place);
}

/// `ssecat bench ARGS`, parsed as ssecat parses it.
fn parsed_bench(args: &[String], place: &str) -> BenchArgs {
    let words = ["ssecat", "bench"].map(str::to_owned);
    let cli = Cli::try_parse_from(words.into_iter().chain(args.iter().cloned()))
        .unwrap_or_else(|err| panic!("{place}: {err}"));
    match cli.command {
        Some(ssecat::cli::Command::Bench(bench)) => *bench,
        other => panic!("{place}: parsed as {other:?}, not ssecat bench"),
    }
}

/// Runs the load test `text` against `serve` (its URL rewritten to it);
/// its standard output.
fn bench_load(
    bench: &BenchArgs,
    text: &str,
    dir: &Path,
    serve: &mut Serve,
    place: &str,
) -> Vec<u8> {
    let words: Vec<String> = bench.first.iter().chain(&bench.words).cloned().collect();
    let (target, items) = Target::parse(&words, bench.request.url.as_deref())
        .unwrap_or_else(|err| panic!("{place}: {err}"));
    let Target::Http { url, .. } = &target else {
        panic!("{place}: ssecat bench loads a URL, not {words:?}")
    };
    let written = written_url(&words, items, &bench.request);
    let text = text.replacen(&written, &serve.url_for(url, place), 1);
    let output = run_bench(&text, dir, place);
    check_bench_summary(bench, &String::from_utf8_lossy(&output.stdout), place);
    let with_body =
        has_body(&bench.request, &bench.words) || bench.bodies.is_some() || bench.prompts.is_some();
    let method = expected_method(&target, &bench.request, with_body);
    serve.check_requests(method, &target, bench_sent(bench), place);
    check_bench_files(bench, dir, place);
    output.stdout
}

/// Runs the bench command `text`, which must exit 0 (else its stderr and
/// its summary, which says what failed, are shown).
fn run_bench(text: &str, dir: &Path, place: &str) -> std::process::Output {
    let output = run(shell(text, dir, &secrets_of(text)));
    assert_eq!(
        output.status.code(),
        Some(0),
        "{place}: ran {text}: {}{}",
        stderr_of(&output),
        String::from_utf8_lossy(&output.stdout)
    );
    output
}

/// The levels of a load test, as its summary names them: each `-c`, or
/// each `--rate`, or concurrency 1.
fn bench_levels(bench: &BenchArgs) -> Vec<String> {
    if !bench.rate.is_empty() {
        return bench
            .rate
            .iter()
            .map(|rate| format!("rate {rate}/s"))
            .collect();
    }
    match bench.concurrency.as_slice() {
        [] => vec!["concurrency 1".to_owned()],
        list => list.iter().map(|c| format!("concurrency {c}")).collect(),
    }
}

/// The requests measured at each level: `-n` (100 by default), unknown
/// with `--duration`.
fn bench_measured(bench: &BenchArgs) -> Option<u64> {
    match (bench.requests, bench.duration) {
        (_, Some(_)) => None,
        (requests, None) => Some(requests.unwrap_or(100)),
    }
}

/// The requests a load test sends: at each level its warm-ups and the
/// requests measured (with `--duration`, at least one a level).
fn bench_sent(bench: &BenchArgs) -> Sent {
    let levels = bench_levels(bench).len();
    match bench_measured(bench) {
        Some(measured) => Sent::Exactly(levels * (measured + bench.warmup) as usize),
        None => Sent::AtLeast(levels),
    }
}

/// A load test's stdout: per level its summary (`LEVEL:`) with every
/// request measured ok (`requests N ok, 0 failed`), and for a sweep the
/// comparison's line of each level.
fn check_bench_summary(bench: &BenchArgs, stdout: &str, place: &str) {
    let levels = bench_levels(bench);
    for level in &levels {
        assert!(
            stdout.lines().any(|line| line == format!("{level}:")),
            "{place}: no summary of {level}: {stdout}"
        );
        if levels.len() > 1 {
            assert!(
                stdout
                    .lines()
                    .any(|line| line.starts_with(&format!("{level} "))),
                "{place}: {level} is not in the comparison: {stdout}"
            );
        }
    }
    let counts: Vec<String> = (stdout.lines())
        .filter(|line| line.trim_start().starts_with("requests "))
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(counts.len(), levels.len(), "{place}: {stdout}");
    for count in counts {
        let ok = match bench_measured(bench) {
            Some(measured) => count == format!("requests {measured} ok, 0 failed"),
            None => count.ends_with(" ok, 0 failed"),
        };
        assert!(ok, "{place}: {count}");
    }
}

/// `--report FILE` is one JSON report; `--records FILE` one JSON line per
/// request sent (warm-ups included).
fn check_bench_files(bench: &BenchArgs, dir: &Path, place: &str) {
    if let Some(report) = bench.report.as_deref().filter(|r| *r != Path::new("-")) {
        bench_report(&json_file(dir, report, place), place);
    }
    if let Some(records) = &bench.records {
        let lines = json_file(dir, records, place).lines().count();
        assert!(
            bench_sent(bench).allows(lines),
            "{place}: {} has {lines} records, not {}",
            records.display(),
            bench_sent(bench)
        );
    }
}

/// `text` as a report of ssecat bench: a JSON object with its levels.
fn bench_report(text: &str, place: &str) -> Value {
    let report: Value = serde_json::from_str(text)
        .unwrap_or_else(|err| panic!("{place}: a report is one JSON document: {err}: {text}"));
    assert!(
        report["ssecat_bench"].is_number() && report["levels"].is_array(),
        "{place}: not a report of ssecat bench: {text}"
    );
    report
}

/// `ssecat bench --merge A B…` of reports that commands above it wrote: it
/// exits 0, and each level of the merged report (in `--report FILE`, else
/// on stdout) completed the requests of that level of every report. Its
/// standard output.
fn bench_merge(bench: &BenchArgs, text: &str, dir: &Path, place: &str) -> Vec<u8> {
    let inputs: Vec<Value> = (bench.merge.iter())
        .map(|file| {
            check_written_above(&file.to_string_lossy(), "--merge", dir, place);
            bench_report(&json_file(dir, file, place), place)
        })
        .collect();
    let output = run_bench(text, dir, place);
    let merged = match bench.report.as_deref().filter(|r| *r != Path::new("-")) {
        Some(report) => json_file(dir, report, place),
        None => String::from_utf8_lossy(&output.stdout).into_owned(),
    };
    let merged = bench_report(&merged, place);
    let levels = merged["levels"].as_array().unwrap();
    assert!(!levels.is_empty(), "{place}: no level merged: {merged}");
    for level in levels {
        assert_eq!(
            level["completed"].as_u64(),
            Some(completed_at(&inputs, level)),
            "{place}: {level}"
        );
    }
    output.stdout
}

/// The requests the reports `inputs` completed at the level of `level`
/// (the same concurrency or rate).
fn completed_at(inputs: &[Value], level: &Value) -> u64 {
    let same = |other: &&Value| {
        other["concurrency"] == level["concurrency"] && other["rate"] == level["rate"]
    };
    (inputs.iter())
        .flat_map(|report| report["levels"].as_array().unwrap().iter().filter(same))
        .map(|other| other["completed"].as_u64().unwrap_or(0))
        .sum()
}

/// The `# stdout: TEXT` and `# FILE: TEXT` lines after a command: `shown`
/// is its standard output, and FILE one of the files `stages` write.
fn check_comments(command: &ShellCommand, stages: &[Stage], shown: &[u8], dir: &Path, place: &str) {
    for comment in &command.comments_after {
        let Some((name, expected)) = comment.split_once(": ") else {
            continue;
        };
        let actual = if name == "stdout" {
            String::from_utf8_lossy(shown).into_owned()
        } else if stages
            .iter()
            .flat_map(|s| &s.redirections)
            .any(|(_, f)| f == name)
        {
            std::fs::read_to_string(dir.join(name)).unwrap()
        } else {
            continue;
        };
        assert_eq!(actual.trim_end_matches('\n'), expected, "{place}: {name}");
    }
}

fn check_request(
    cli: &Cli,
    target: &Target,
    request: crate::server::Request,
    path: &str,
    dir: &Path,
    secrets: &HashMap<String, String>,
    place: &str,
) {
    let resolve = |value: &str| match value.strip_prefix("env:") {
        Some(var) => secrets[var].clone(),
        None => value.to_owned(),
    };
    let method = expected_method(target, &cli.request, has_body(&cli.request, &cli.words));
    assert_eq!(request.method, method, "{place}");
    assert_eq!(request.target, path, "{place}");
    for header in &cli.request.headers {
        let (name, value) = header.split_once(':').expect("Name: value");
        assert_eq!(
            request.header(name.trim()),
            Some(resolve(value.trim()).as_str()),
            "{place}: {name}"
        );
    }
    if let Some(token) = &cli.request.bearer {
        let expected = format!("Bearer {}", resolve(token));
        assert_eq!(
            request.header("authorization"),
            Some(expected.as_str()),
            "{place}"
        );
    }
    if let Some(text) = &cli.request.prompt {
        check_prompt(cli, text, target, &request, place);
    }
    let items = body_items(&cli.words);
    if !items.is_empty() {
        let sent: Value = serde_json::from_slice(&request.body)
            .unwrap_or_else(|err| panic!("{place}: the body sent is not JSON: {err}"));
        for (name, value) in items {
            assert_eq!(sent.get(&name), Some(&value), "{place}: {name}");
        }
        assert_eq!(
            request.header("content-type"),
            Some("application/json"),
            "{place}"
        );
    }
    if let Some(json) = &cli.request.json {
        let given = match json.strip_prefix('@') {
            Some(file) => std::fs::read_to_string(dir.join(file)).unwrap(),
            None => json.clone(),
        };
        let given: Value = serde_json::from_str(&given).unwrap();
        let sent: Value = serde_json::from_slice(&request.body)
            .unwrap_or_else(|err| panic!("{place}: the body sent is not JSON: {err}"));
        assert_eq!(sent, given, "{place}");
        assert_eq!(
            request.header("content-type"),
            Some("application/json"),
            "{place}"
        );
    }
}

/// A `--prompt` example sends the body and headers `--prompt` builds for
/// its URL's API (their shapes are checked against each API's reference by
/// the unit tests of `extract/wire_tests/prompts.rs`).
fn check_prompt(
    cli: &Cli,
    text: &str,
    target: &Target,
    request: &crate::server::Request,
    place: &str,
) {
    let Target::Http { url, .. } = target else {
        unreachable!("a request comes from a URL")
    };
    let prompt = Prompt {
        text: text.to_owned(),
        system: cli.request.system.clone(),
        model: cli.request.model.clone(),
        max_tokens: cli.request.max_tokens,
        temperature: cli.request.temperature,
    };
    let input = PromptInput {
        prompt: &prompt,
        dialect: cli.dialect,
    };
    let (body, headers) = input
        .request(url)
        .unwrap_or_else(|err| panic!("{place}: {err}"));
    let built: Value = serde_json::from_slice(&body).unwrap();
    let sent: Value = serde_json::from_slice(&request.body)
        .unwrap_or_else(|err| panic!("{place}: the body sent is not JSON: {err}"));
    assert_eq!(sent, built, "{place}");
    let content_type = [("content-type", "application/json")];
    for (name, value) in headers.iter().chain(&content_type) {
        assert_eq!(request.header(name), Some(*value), "{place}: {name}");
    }
}

/// Runs every example of the document at `path` (in the repository): at
/// least its `at_least` must run, and each of its `not_run` must match a
/// command, or the examples were not found.
fn run_examples_of(path: &str) {
    let document = document(path);
    let file = document.path;
    let markdown = std::fs::read_to_string(repo().join(file)).unwrap();
    let mut examples = Examples {
        document,
        file,
        texts: expected_texts(),
        run: 0,
        not_run: 0,
        not_run_matched: vec![0; document.not_run.len()],
    };
    for block in code_blocks(&markdown, file) {
        match block.info.as_str() {
            "sh" => examples.shell_block(&block),
            "text" if block.text.starts_with("$ ") => examples.session_block(&block),
            "text" | "json" => assert!(
                !block.text.lines().any(|l| l.starts_with("$ ")),
                "{file}:{}: a session starts with its first line",
                block.line
            ),
            info => panic!(
                "{file}:{}: a ```{info} block: use sh for commands, text for sessions and output",
                block.line
            ),
        }
    }
    note(format_args!(
        "{file}: {} examples run, {} not run\n",
        examples.run, examples.not_run
    ));
    assert!(
        examples.run >= document.at_least,
        "{file}: only {} examples found",
        examples.run
    );
    for ((start, _), matched) in document.not_run.iter().zip(&examples.not_run_matched) {
        assert!(
            *matched > 0,
            "{file}: no command starts with {start:?}: take it out of its not_run"
        );
    }
}

#[test]
fn every_readme_example_runs_as_shown() {
    run_examples_of("README.md");
}

#[test]
fn every_guide_example_runs_as_shown() {
    run_examples_of("docs/GUIDE.md");
}

#[test]
fn every_contributing_example_runs_as_shown() {
    run_examples_of("CONTRIBUTING.md");
}

#[test]
fn every_benchmark_readme_example_runs_as_shown() {
    run_examples_of("benches/README.md");
}

#[test]
fn every_fuzzing_readme_example_runs_as_shown() {
    run_examples_of("fuzz/README.md");
}

/// The Markdown files under `dir`, as paths from the repository's root;
/// build output, hidden directories and the fuzzers' (ignored by git)
/// are left out.
fn markdown_files(dir: &Path, found: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy();
        let skipped = ["target", "corpus", "artifacts", "coverage"];
        if name.starts_with('.') || skipped.contains(&name.as_ref()) {
            continue;
        }
        if path.is_dir() {
            markdown_files(&path, found);
        } else if name.ends_with(".md") {
            let relative = path.strip_prefix(repo()).unwrap();
            found.push(relative.to_string_lossy().into_owned());
        }
    }
}

#[test]
fn every_markdown_file_with_shell_examples_has_its_examples_run() {
    let mut files = Vec::new();
    markdown_files(repo(), &mut files);
    files.sort();
    let mut with_examples = Vec::new();
    for file in &files {
        let markdown = std::fs::read_to_string(repo().join(file)).unwrap();
        if code_blocks(&markdown, file)
            .iter()
            .any(|block| block.info == "sh")
        {
            with_examples.push(file.as_str());
        }
    }
    let mut listed: Vec<&str> = DOCUMENTS.iter().map(|document| document.path).collect();
    listed.sort();
    assert_eq!(
        with_examples, listed,
        "the Markdown files with shell examples are those of DOCUMENTS in tests/cases/readme.rs \
         (of {files:?})"
    );
}

/// The lines of `markdown` outside its code blocks, with their numbers.
fn prose_lines(markdown: &str) -> Vec<(usize, &str)> {
    let mut in_block = false;
    let mut lines = Vec::new();
    for (number, line) in (1..).zip(markdown.lines()) {
        if line.trim_start().starts_with("```") {
            in_block = !in_block;
        } else if !in_block {
            lines.push((number, line));
        }
    }
    lines
}

/// The `##` headings of `markdown` (level and text), in order.
fn headings(markdown: &str) -> Vec<(usize, String)> {
    prose_lines(markdown)
        .into_iter()
        .filter_map(|(_, line)| {
            let level = line.chars().take_while(|&c| c == '#').count();
            let text = line[level..].strip_prefix(' ')?;
            (level > 0).then(|| (level, text.trim().to_owned()))
        })
        .collect()
}

/// The anchor GitHub gives a heading: lower case, punctuation other than
/// `-` and `_` dropped, spaces made `-`; a repeated one gets `-1`, `-2`….
fn anchors(markdown: &str) -> Vec<String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    headings(markdown)
        .into_iter()
        .map(|(_, text)| {
            let slug: String = text
                .to_lowercase()
                .chars()
                .filter(|&c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
                .map(|c| if c == ' ' { '-' } else { c })
                .collect();
            let count = seen.entry(slug.clone()).or_default();
            *count += 1;
            match *count {
                1 => slug,
                n => format!("{slug}-{}", n - 1),
            }
        })
        .collect()
}

/// The targets of the inline links `[text](target)` of `markdown`, outside
/// its code blocks and code spans, with their line numbers.
fn links(markdown: &str) -> Vec<(usize, String)> {
    let mut links = Vec::new();
    for (number, line) in prose_lines(markdown) {
        // What is between backticks is code, not a link.
        let prose: String = line
            .split('`')
            .enumerate()
            .map(|(i, piece)| if i % 2 == 0 { piece } else { "" })
            .collect();
        let mut rest = prose.as_str();
        while let Some(start) = rest.find("](") {
            rest = &rest[start + 2..];
            let target = rest.split(')').next().unwrap();
            links.push((number, target.to_owned()));
        }
    }
    links
}

#[test]
fn every_link_of_the_documentation_leads_to_a_file_and_heading_that_exist() {
    let mut followed = 0;
    for file in DOCUMENTS.iter().map(|document| document.path) {
        let markdown = std::fs::read_to_string(repo().join(file)).unwrap();
        let dir = repo().join(file).parent().unwrap().to_path_buf();
        for (number, target) in links(&markdown) {
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let place = format!("{file}:{number}: ({target})");
            let (path, anchor) = match target.split_once('#') {
                Some((path, anchor)) => (path, Some(anchor)),
                None => (target.as_str(), None),
            };
            let linked = if path.is_empty() {
                repo().join(file)
            } else {
                dir.join(path)
            };
            assert!(linked.exists(), "{place}: no file {}", linked.display());
            if let Some(anchor) = anchor {
                let text =
                    std::fs::read_to_string(&linked).unwrap_or_else(|err| panic!("{place}: {err}"));
                assert!(
                    anchors(&text).iter().any(|a| a == anchor),
                    "{place}: no heading whose anchor is #{anchor}"
                );
            }
            followed += 1;
        }
        // Each section is listed in the contents, by a link to it.
        let anchors = anchors(&markdown);
        let headings = headings(&markdown);
        let has_contents = headings
            .iter()
            .any(|(level, text)| (*level, text.as_str()) == (2, "Contents"));
        for ((level, text), anchor) in headings.into_iter().zip(&anchors) {
            if has_contents && level == 2 && text != "Contents" {
                assert!(
                    markdown.contains(&format!("](#{anchor})")),
                    "{file}: the section \"{text}\" is not in the contents"
                );
            }
        }
    }
    assert!(followed >= 50, "only {followed} links found");
}
