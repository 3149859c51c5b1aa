//! Exit codes, the errors that choose them, and the one place that turns a
//! run's result into a code.

use std::borrow::Cow;
use std::fmt;
use std::io::{self, Write};

use crate::pipeline::Ending;

/// The stream ended normally.
pub const SUCCESS: u8 = 0;
/// Any error without a code of its own.
pub const FAILURE: u8 = 1;
/// A bad flag or value (clap uses the same code for its own errors).
pub const USAGE: u8 = 2;
/// A redirect that was not followed, or too many of them.
pub const REDIRECT: u8 = 3;
/// The server could not be reached.
pub const CONNECT: u8 = 6;
/// A connect, idle or whole-transfer timeout fired.
pub const TIMEOUT: u8 = 7;
/// The stream reported an error of its own (an LLM provider's error event).
pub const IN_STREAM: u8 = 8;
/// The stream was cut short: connection lost, or it ended inside an event.
pub const CUT_SHORT: u8 = 9;
/// The server closed the connection without a response (curl's "Empty reply").
pub const EMPTY_REPLY: u8 = 10;
/// The response is not a stream the output format can read.
pub const UNREADABLE: u8 = 11;
/// `--strict`: the stream broke a rule that is otherwise only a warning.
pub const STRICT: u8 = 12;

/// Errors with an exit code of their own. Attached to an `anyhow::Error` as
/// its root or as context, and found again by [`report`].
#[derive(Debug)]
pub enum Failure {
    /// A bad value on the command line.
    Usage(String),
    /// A non-2xx response; `report` is the full, already formatted stderr text.
    Status {
        code: u16,
        report: String,
        /// The `Retry-After` delay, when the server gave one in seconds.
        retry_after: Option<std::time::Duration>,
    },
    /// Too many redirects.
    Redirects(String),
    Connect(String),
    /// The server closed the connection without sending a response head.
    EmptyReply(String),
    /// `--connect-timeout` or `--max-time` fired.
    Timeout(String),
    /// `--idle-timeout` fired: no byte for that long (a reconnection may follow).
    IdleTimeout(String),
    /// The connection broke mid-stream.
    CutShort(String),
    /// The stream reported an error: the provider's message.
    InStream(String),
    /// The stream ended before the end marker its dialect requires.
    Incomplete(String),
    /// A body that the output format cannot read: neither an event stream,
    /// JSON lines nor a JSON document it knows; or, under `--strict`, a
    /// response that is no event stream by its content type.
    Unreadable {
        message: String,
        /// The start of the body, escaped, on one line ("" when not read).
        head: String,
    },
    /// `--strict`: what is otherwise only a warning.
    Strict(String),
    /// Ctrl-C or SIGTERM: the signal's number.
    Interrupted(i32),
}

impl Failure {
    fn exit_code(&self) -> u8 {
        match self {
            Failure::Usage(_) => USAGE,
            Failure::Status { code, .. } => match code / 100 {
                3 => REDIRECT,
                4 => 4,
                5 => 5,
                _ => FAILURE,
            },
            Failure::Redirects(_) => REDIRECT,
            Failure::Connect(_) => CONNECT,
            Failure::Timeout(_) | Failure::IdleTimeout(_) => TIMEOUT,
            Failure::EmptyReply(_) => EMPTY_REPLY,
            Failure::Unreadable { .. } => UNREADABLE,
            Failure::Strict(_) => STRICT,
            Failure::CutShort(_) | Failure::Incomplete(_) => CUT_SHORT,
            Failure::InStream(_) => IN_STREAM,
            // As the shell reports a death by that signal.
            Failure::Interrupted(signal) => u8::try_from(128 + signal).unwrap_or(FAILURE),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Status { report, .. } => f.write_str(report),
            Failure::Usage(message)
            | Failure::Redirects(message)
            | Failure::Connect(message)
            | Failure::EmptyReply(message)
            | Failure::Timeout(message)
            | Failure::IdleTimeout(message)
            | Failure::CutShort(message)
            | Failure::InStream(message)
            | Failure::Incomplete(message)
            | Failure::Strict(message)
            | Failure::Unreadable { message, .. } => f.write_str(message),
            Failure::Interrupted(signal) => write!(f, "interrupted by signal {signal}"),
        }
    }
}

impl std::error::Error for Failure {}

/// Writing the output failed. Kept apart from other I/O errors because a
/// closed stdout (`ssecat … | head -1`) is a normal way to stop.
#[derive(Debug)]
pub struct OutputError(pub io::Error);

impl fmt::Display for OutputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "writing output: {}", self.0)
    }
}

impl std::error::Error for OutputError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

/// Writes a diagnostic to stderr. Unlike `eprintln!`, a closed stderr is
/// not a panic: there is just nobody left to tell.
pub fn say(message: fmt::Arguments<'_>) {
    say_bytes(message.to_string().as_bytes());
}

/// Writes bytes to stderr as [`say`] does, hiding a progress spinner meanwhile.
pub fn say_bytes(bytes: &[u8]) {
    crate::progress::around(|| {
        let _ = io::stderr().write_all(bytes);
        ((), bytes.last().copied())
    });
}

/// `text` with its control characters (C0 but newline and tab, DEL, C1)
/// shown as escapes (`\x1b`, `\u{9b}`), so text a server sent cannot drive
/// the terminal when it is quoted in a message.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    let hostile = |c: char| c.is_control() && c != '\n' && c != '\t';
    if !text.chars().any(hostile) {
        return Cow::Borrowed(text);
    }
    let mut shown = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match u32::from(c) {
            _ if !hostile(c) => shown.push(c),
            code @ (0..=0x1f | 0x7f) => shown.push_str(&format!("\\x{code:02x}")),
            code @ 0x80..=0x9f => shown.push_str(&format!("\\u{{{code:x}}}")),
            _ => shown.push(c),
        }
    }
    Cow::Owned(shown)
}

/// How a run ended: its exit code, what stderr is told, and the error in
/// one line (for `--stats-json`).
#[derive(Debug, Default)]
pub struct Verdict {
    pub code: u8,
    pub message: String,
    pub error: Option<String>,
}

impl Verdict {
    fn new(code: u8, message: String, error: impl Into<String>) -> Self {
        Verdict {
            code,
            message,
            error: Some(error.into()),
        }
    }
}

/// Why the run failed, in one line; `None` when it did not.
pub fn one_line(result: &anyhow::Result<Ending>) -> Option<String> {
    verdict(result).error
}

/// Prints what the user must know about `result` on stderr and returns the exit code.
pub fn report(result: &anyhow::Result<Ending>) -> Verdict {
    let verdict = verdict(result);
    say(format_args!("{}", verdict.message));
    verdict
}

/// Whether the run stopped because its reader closed the output
/// (`ssecat … | head -1`): a normal way to stop.
pub fn is_closed_output(result: &anyhow::Result<Ending>) -> bool {
    matches!(result, Err(err) if err
        .downcast_ref::<OutputError>()
        .is_some_and(|OutputError(io_err)| io_err.kind() == io::ErrorKind::BrokenPipe))
}

fn verdict(result: &anyhow::Result<Ending>) -> Verdict {
    let err = match result {
        Ok(Ending::Done | Ending::EndOfInput) => return Verdict::default(),
        Ok(Ending::Unfinished { bytes }) => {
            let error = format!("the stream ended inside an event; its {bytes} bytes were dropped");
            let message = format!("ssecat: warning: {error}\n");
            return Verdict::new(CUT_SHORT, message, error);
        }
        Err(err) => err,
    };
    if is_closed_output(result) {
        return Verdict::default();
    }
    match err.downcast_ref::<Failure>() {
        Some(failure @ Failure::Status { report, .. }) => {
            // The status, the message and Retry-After; not the body.
            let lines: Vec<&str> = report
                .lines()
                .filter_map(|line| line.strip_prefix("ssecat: "))
                .collect();
            Verdict::new(failure.exit_code(), report.clone(), lines.join("; "))
        }
        // The user asked for it: nothing to explain.
        Some(failure @ Failure::Interrupted(_)) => {
            Verdict::new(failure.exit_code(), String::new(), failure.to_string())
        }
        Some(failure @ Failure::InStream(message)) => {
            let shown = escape_controls(message);
            let stderr = format!("ssecat: stream error: {shown}\n");
            Verdict::new(
                failure.exit_code(),
                stderr,
                format!("stream error: {message}"),
            )
        }
        Some(failure @ Failure::Unreadable { message, head }) if !head.is_empty() => {
            let stderr = format!("ssecat: error: {message}\nssecat: it begins: {head}\n");
            Verdict::new(failure.exit_code(), stderr, message)
        }
        Some(failure @ Failure::Incomplete(message)) => {
            let shown = escape_controls(message);
            Verdict::new(failure.exit_code(), format!("ssecat: {shown}\n"), message)
        }
        failure => {
            let code = failure.map_or(FAILURE, Failure::exit_code);
            Verdict::new(
                code,
                format!("ssecat: error: {err:#}\n"),
                format!("{err:#}"),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_escaped() {
        assert!(matches!(escape_controls("plain é ✓"), Cow::Borrowed(_)));
        assert_eq!(
            escape_controls("a\u{1b}]0;title\u{7}b\tc\nd\u{7f}\u{9b}e\r"),
            "a\\x1b]0;title\\x07b\tc\nd\\x7f\\u{9b}e\\x0d"
        );
    }
}
