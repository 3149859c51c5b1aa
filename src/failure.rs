//! The errors that have an exit code of their own, as data: what went
//! wrong, formatted for the user only at the edge (`exit.rs`).

use std::fmt;
use std::io;
use std::time::Duration;

use crate::exit_code::Code;

/// Errors with an exit code of their own. Attached to an `anyhow::Error` as
/// its root or as context, and found again when the run's result is told.
#[derive(Debug)]
pub enum Failure {
    /// A bad value on the command line.
    Usage(String),
    /// A response that is not a success, and was not followed.
    Status(Box<Status>),
    /// Too many redirects.
    Redirects(String),
    Connect(String),
    /// `ssecat serve` could not listen on its address.
    Listen(String),
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

/// A response that is not a success: what the server said, unformatted.
#[derive(Debug, Clone, Default)]
pub struct Status {
    pub code: u16,
    /// The status line's reason, as the standard names it ("Not Found").
    pub reason: String,
    /// The message of a JSON error body, in a provider's error shape.
    pub message: Option<String>,
    /// The `Retry-After` header as sent.
    pub retry_after: Option<String>,
    /// Its delay, when it is a number of seconds.
    pub retry_delay: Option<Duration>,
    /// The start of the body.
    pub body: Vec<u8>,
    /// The body was longer than `body`.
    pub truncated: bool,
    /// A redirect that was not followed: where it led.
    pub unfollowed: Option<String>,
}

impl Status {
    /// "404 Not Found".
    pub fn line(&self) -> String {
        format!("{} {}", self.code, self.reason)
            .trim_end()
            .to_owned()
    }
}

impl Failure {
    /// The exit code this failure ends the run with.
    pub fn exit_code(&self) -> u8 {
        let code = match self {
            Failure::Usage(_) => Code::Usage,
            Failure::Status(status) => match status.code / 100 {
                3 => Code::Redirect,
                4 => Code::ClientError,
                5 => Code::ServerError,
                _ => Code::Failure,
            },
            Failure::Redirects(_) => Code::Redirect,
            Failure::Connect(_) | Failure::Listen(_) => Code::Connect,
            Failure::Timeout(_) | Failure::IdleTimeout(_) => Code::Timeout,
            Failure::EmptyReply(_) => Code::EmptyReply,
            Failure::Unreadable { .. } => Code::Unreadable,
            Failure::Strict(_) => Code::Strict,
            Failure::CutShort(_) | Failure::Incomplete(_) => Code::CutShort,
            Failure::InStream(_) => Code::InStream,
            // As the shell reports a death by that signal.
            Failure::Interrupted(signal) => {
                return u8::try_from(128 + signal).unwrap_or(Code::Failure.number())
            }
        };
        code.number()
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Status(status) => write!(f, "HTTP {}", status.line()),
            Failure::Usage(message)
            | Failure::Redirects(message)
            | Failure::Connect(message)
            | Failure::Listen(message)
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
