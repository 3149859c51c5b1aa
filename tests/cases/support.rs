//! Helpers shared by the test modules.

use std::io::{Read, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use assert_cmd::assert::Assert;
use assert_cmd::Command;
use serde_json::Value;

/// No run of the binary may take longer than this; a hang fails the test.
pub const TIMEOUT: Duration = Duration::from_secs(20);

/// The warning for a stream cut short inside an event of `bytes` bytes.
pub fn unfinished_warning(bytes: u64) -> String {
    format!("ssecat: warning: the stream ended inside an event; its {bytes} bytes were dropped\n")
}

/// Tells the person running the tests, also when the output of passing
/// tests is captured: for a check that could not be made.
pub fn note(message: std::fmt::Arguments<'_>) {
    let _ = std::io::stderr().write_fmt(message);
}

/// The real binary, with a timeout.
pub fn ssecat() -> Command {
    let mut cmd = Command::cargo_bin("ssecat").expect("the ssecat binary is built");
    cmd.timeout(TIMEOUT);
    cmd
}

/// Runs `ssecat ARGS -` with `input` on standard input.
pub fn with_stdin(args: &[&str], input: impl Into<Vec<u8>>) -> Assert {
    ssecat().args(args).arg("-").write_stdin(input).assert()
}

/// The path of a file in `tests/fixtures/llm`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/llm")
        .join(name)
}

pub fn read_fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).expect("fixture is readable")
}

/// The expected text of each file of `tests/fixtures/llm`, by its name, as
/// the README there gives it.
pub fn fixture_texts() -> std::collections::HashMap<String, String> {
    let readme = String::from_utf8(read_fixture("README.md")).unwrap();
    let mut texts = std::collections::HashMap::new();
    for row in readme.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = row.split(" | ").collect();
        let file = cells[0].trim_start_matches("| ").trim_matches('`');
        let literal = cells[2]
            .split('`')
            .nth(1)
            .expect("the text between backticks");
        let text: String = serde_json::from_str(literal)
            .unwrap_or_else(|err| panic!("expected text of {file}: {literal}: {err}"));
        texts.insert(file.to_owned(), text);
    }
    assert!(texts.len() >= 20, "fixture texts: {texts:?}");
    texts
}

/// Every `*.sse` file in `tests/fixtures/llm`, sorted.
pub fn sse_fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/llm");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fixture directory is readable")
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "sse"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 12 && files.iter().any(|f| f.ends_with("openai-chat.sse")),
        "expected the LLM fixtures in {}, found {files:?}",
        dir.display()
    );
    files
}

/// The standard output of a successful run (exit 0, empty stderr).
pub fn stdout_of(assert: Assert) -> Vec<u8> {
    stdout_warned(assert, "")
}

/// The standard output of a successful run that warned exactly `stderr`.
pub fn stdout_warned(assert: Assert, stderr: &str) -> Vec<u8> {
    assert
        .code(0)
        .stderr(stderr.to_owned())
        .get_output()
        .stdout
        .clone()
}

/// What ssecat warns when it reads a fixture: only `llamacpp-legacy-error.sse`
/// has a field the spec ignores, its error.
pub fn fixture_warning(path: &Path) -> &'static str {
    if path.ends_with("llamacpp-legacy-error.sse") {
        concat!(
            "ssecat: warning: ignored a line with the unknown field \"error\": ",
            "{\"code\":400,\"message\":\"the request needs more tokens than the context ",
            "window holds; raise the context size\",\"type\":\"invalid_request_error\"}\n"
        )
    } else {
        ""
    }
}

/// Parses every line of a `--format jsonl` output, checking that each one is
/// a record of the documented shape.
pub fn jsonl_records(stdout: &[u8]) -> Vec<Value> {
    let text = std::str::from_utf8(stdout).expect("jsonl output is UTF-8");
    assert!(
        text.is_empty() || text.ends_with('\n'),
        "jsonl output does not end with a newline: {text:?}"
    );
    text.split_terminator('\n')
        .map(|line| {
            let record: Value = serde_json::from_str(line)
                .unwrap_or_else(|err| panic!("output line is not JSON ({err}): {line}"));
            check_record(&record, line);
            record
        })
        .collect()
}

/// Exactly the keys `event`, `data`, `id`, `retry`, plus `json` when (and
/// only when) `data` parses as JSON, holding the same value.
fn check_record(record: &Value, line: &str) {
    let object = record
        .as_object()
        .unwrap_or_else(|| panic!("record is not an object: {line}"));
    let data = object
        .get("data")
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("data is not a string: {line}"));
    let mut expected_keys = vec!["data", "event", "id", "retry"];
    // With --dialect or --extract, the answer text the event carries.
    if let Some(text) = object.get("text") {
        assert!(
            text.as_str().is_some_and(|t| !t.is_empty()),
            "text in {line}"
        );
        expected_keys.push("text");
    }
    match serde_json::from_str::<Value>(data) {
        Ok(parsed) => {
            expected_keys.push("json");
            assert_eq!(object.get("json"), Some(&parsed), "json != data in {line}");
        }
        Err(_) => assert!(
            !object.contains_key("json"),
            "json present although data is not JSON: {line}"
        ),
    }
    let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
    keys.sort_unstable();
    expected_keys.sort_unstable();
    assert_eq!(keys, expected_keys, "keys of {line}");
    let event = object["event"]
        .as_str()
        .unwrap_or_else(|| panic!("event is not a string: {line}"));
    assert!(!event.is_empty(), "empty event type: {line}");
    match &object["id"] {
        Value::Null => {}
        Value::String(id) => assert!(!id.is_empty(), "empty id must be null: {line}"),
        other => panic!("id is {other}: {line}"),
    }
    assert!(
        object["retry"].is_null() || object["retry"].is_u64(),
        "retry is neither null nor a whole number: {line}"
    );
}

/// Reads `reader` on a thread, sending each read's bytes as they come, so a
/// test can wait for output with a timeout.
pub fn forward_reads(
    mut reader: impl std::io::Read + Send + 'static,
) -> std::sync::mpsc::Receiver<Vec<u8>> {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0; 64 * 1024];
        while let Ok(n @ 1..) = reader.read(&mut buf) {
            if sender.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    receiver
}

/// ssecat running with its stdout and stderr read by threads, so that a
/// test can wait for output while the server is still holding back.
pub struct Running {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: Receiver<Vec<u8>>,
    /// Everything written to stderr so far.
    stderr: Arc<Mutex<Vec<u8>>>,
    stderr_reader: Option<thread::JoinHandle<()>>,
    /// Output received but not yet matched.
    pending: Vec<u8>,
}

/// How a run ended.
#[derive(Debug)]
pub struct Finished {
    pub code: Option<i32>,
    /// The signal that ended it, if one did.
    pub signal: Option<i32>,
    /// The stdout not yet matched by `Running::expect_output`.
    pub stdout: String,
    pub stderr: String,
}

impl Running {
    /// Starts `cmd`; with `open_stdin` its stdin is a pipe the test writes
    /// with `send`, otherwise it is empty.
    pub fn start(mut cmd: std::process::Command, open_stdin: bool) -> Running {
        let stdin = if open_stdin {
            Stdio::piped()
        } else {
            Stdio::null()
        };
        let mut child = cmd
            .stdin(stdin)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("ssecat starts");
        let receiver = forward_reads(child.stdout.take().unwrap());
        let mut pipe = child.stderr.take().unwrap();
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let written = Arc::clone(&stderr);
        let stderr_reader = thread::spawn(move || {
            let mut buf = [0; 4096];
            while let Ok(n @ 1..) = pipe.read(&mut buf) {
                written.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Running {
            stdin: child.stdin.take(),
            child,
            stdout: receiver,
            stderr,
            stderr_reader: Some(stderr_reader),
            pending: Vec::new(),
        }
    }

    /// Waits (up to `TIMEOUT`) until stderr contains `expected`.
    pub fn expect_stderr(&self, expected: &str) {
        let started = Instant::now();
        while !String::from_utf8_lossy(&self.stderr.lock().unwrap()).contains(expected) {
            assert!(started.elapsed() < TIMEOUT, "no {expected:?} on stderr");
            thread::sleep(Duration::from_millis(5));
        }
    }

    pub fn send(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin is open");
        stdin.write_all(bytes).expect("ssecat reads its stdin");
        stdin.flush().unwrap();
    }

    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits (up to `TIMEOUT`) until `expected` has been printed, and checks
    /// that nothing else was.
    pub fn expect_output(&mut self, expected: impl AsRef<[u8]>) {
        let expected = expected.as_ref();
        let shown = String::from_utf8_lossy(expected);
        let deadline = Instant::now() + TIMEOUT;
        while self.pending.len() < expected.len() {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.stdout.recv_timeout(left) {
                Ok(chunk) => self.pending.extend_from_slice(&chunk),
                Err(RecvTimeoutError::Timeout) => {
                    let _ = self.child.kill();
                    panic!(
                        "after {TIMEOUT:?} ssecat had printed only {:?}, expected {shown:?}",
                        String::from_utf8_lossy(&self.pending),
                    );
                }
                Err(RecvTimeoutError::Disconnected) => {
                    let _ = self.child.kill();
                    let stderr = String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned();
                    panic!(
                        "ssecat closed its stdout after {:?}, expected {shown:?}; stderr: {stderr}",
                        String::from_utf8_lossy(&self.pending),
                    );
                }
            }
        }
        assert_eq!(String::from_utf8_lossy(&self.pending), shown);
        self.pending.clear();
    }

    /// Waits (up to `TIMEOUT`) for ssecat to exit by itself.
    pub fn finish(mut self) -> Finished {
        let deadline = Instant::now() + TIMEOUT;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("ssecat did not exit within {TIMEOUT:?}");
            }
            thread::sleep(Duration::from_millis(5));
        };
        let mut rest = std::mem::take(&mut self.pending);
        while let Ok(chunk) = self.stdout.recv_timeout(TIMEOUT) {
            rest.extend_from_slice(&chunk);
        }
        Finished {
            code: status.code(),
            signal: status.signal(),
            stdout: String::from_utf8_lossy(&rest).into_owned(),
            stderr: {
                self.stderr_reader.take().unwrap().join().unwrap();
                String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned()
            },
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        // A failed assertion must not leave ssecat running.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What a run with its standard output on a pseudo-terminal printed there
/// (in raw mode, so bytes are as written), its exit code and its stderr.
pub struct OnTerminal {
    pub shown: Vec<u8>,
    pub code: Option<i32>,
    pub stderr: String,
}

/// The size of the test terminal.
pub const TERMINAL_ROWS: u16 = 24;
pub const TERMINAL_COLUMNS: u16 = 80;

/// Runs ssecat with `args`, standard output a terminal, stderr a pipe.
pub fn on_terminal(args: &[&str]) -> OnTerminal {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_ssecat"));
    cmd.args(args);
    run_on_terminal(cmd, false)
}

/// Runs `cmd` with standard output a terminal (80x24), and standard error
/// the same terminal when `stderr_too`, or a pipe. Alone, stdout is in raw
/// mode, so the bytes are as written; shared, the terminal is as a user's
/// is (a newline is shown as \r\n), for a test of what the screen shows.
pub fn run_on_terminal(cmd: std::process::Command, stderr_too: bool) -> OnTerminal {
    run_on_terminal_watching(cmd, stderr_too, |_| {})
}

/// As `run_on_terminal`, calling `watch` with everything shown so far
/// after each read of the terminal, while ssecat runs: for a test that
/// lets its server go on only once something was shown.
pub fn run_on_terminal_watching(
    mut cmd: std::process::Command,
    stderr_too: bool,
    mut watch: impl FnMut(&[u8]) + Send + 'static,
) -> OnTerminal {
    use nix::pty::Winsize;
    use nix::sys::termios::{cfmakeraw, tcgetattr, tcsetattr, SetArg};
    let size = Winsize {
        ws_row: TERMINAL_ROWS,
        ws_col: TERMINAL_COLUMNS,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    let pty = nix::pty::openpty(Some(&size), None).expect("a pseudo-terminal");
    if !stderr_too {
        let mut mode = tcgetattr(&pty.slave).expect("terminal attributes");
        cfmakeraw(&mut mode);
        tcsetattr(&pty.slave, SetArg::TCSANOW, &mode).expect("raw mode");
    }
    let terminal = std::fs::File::from(pty.slave);
    let stderr = if stderr_too {
        Stdio::from(
            terminal
                .try_clone()
                .expect("a second handle on the terminal"),
        )
    } else {
        Stdio::piped()
    };
    let child = cmd
        .stdin(Stdio::null())
        .stdout(terminal)
        .stderr(stderr)
        .spawn()
        .expect("ssecat starts");
    // Our copies of the terminal's slave side go with the Command, so
    // reading the master ends (EIO) when ssecat exits.
    drop(cmd);
    let mut master = std::fs::File::from(pty.master);
    let reader = thread::spawn(move || {
        let mut shown = Vec::new();
        let mut buf = [0; 4096];
        while let Ok(n @ 1..) = master.read(&mut buf) {
            shown.extend_from_slice(&buf[..n]);
            watch(&shown);
        }
        shown
    });
    let output = child.wait_with_output().expect("ssecat runs");
    OnTerminal {
        shown: reader.join().expect("the reader thread"),
        code: output.status.code(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}
