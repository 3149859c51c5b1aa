//! How a run's result is told: what stderr says, in one line for
//! `--stats-json`, and the exit code. The errors themselves are data
//! (`failure.rs`); they are formatted only here. Printing is the command
//! layer's (`stderr.rs`).

use std::io;

use crate::ending::Ending;
use crate::escape::escape_controls;
use crate::exit_code::Code;
use crate::failure::{Failure, OutputError, Status};

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

/// Whether the run stopped because its reader closed the output
/// (`ssecat … | head -1`): a normal way to stop.
pub fn is_closed_output(result: &anyhow::Result<Ending>) -> bool {
    matches!(result, Err(err) if err
        .downcast_ref::<OutputError>()
        .is_some_and(|OutputError(io_err)| io_err.kind() == io::ErrorKind::BrokenPipe))
}

/// How `result` is told: its exit code, what stderr says, the error in one line.
pub fn verdict(result: &anyhow::Result<Ending>) -> Verdict {
    let err = match result {
        Ok(Ending::Done | Ending::EndOfInput) => return Verdict::default(),
        Ok(Ending::Unfinished { bytes }) => {
            let error = format!("the stream ended inside an event; its {bytes} bytes were dropped");
            let message = format!("ssecat: warning: {error}\n");
            return Verdict::new(Code::CutShort.number(), message, error);
        }
        Err(err) => err,
    };
    if is_closed_output(result) {
        return Verdict::default();
    }
    match err.downcast_ref::<Failure>() {
        Some(failure @ Failure::Status(status)) => {
            let (stderr, error) = told_status(status);
            Verdict::new(failure.exit_code(), stderr, error)
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
            let code = failure.map_or(Code::Failure.number(), Failure::exit_code);
            Verdict::new(
                code,
                format!("ssecat: error: {err:#}\n"),
                format!("{err:#}"),
            )
        }
    }
}

/// An unsuccessful response as stderr shows it: its status line, the
/// message of a JSON error body, `Retry-After`, a redirect not followed,
/// then the body (the server's words with their control characters
/// escaped); and in one line, all but the body.
fn told_status(status: &Status) -> (String, String) {
    let mut said = vec![format!("HTTP {}", status.line())];
    if let Some(message) = &status.message {
        said.push(format!("message: {}", escape_controls(message)));
    }
    if let Some(retry_after) = &status.retry_after {
        said.push(format!("Retry-After: {}", escape_controls(retry_after)));
    }
    if let Some(next) = &status.unfollowed {
        said.push(format!(
            "redirect to {next} not followed (use -L to follow it)"
        ));
    }
    let mut stderr: String = said
        .iter()
        .map(|line| format!("ssecat: {line}\n"))
        .collect();
    if !status.body.is_empty() {
        stderr.push_str(&escape_controls(&String::from_utf8_lossy(&status.body)));
        if !stderr.ends_with('\n') {
            stderr.push('\n');
        }
    }
    if status.truncated {
        let note = "(body cut at 64 KiB)".to_owned();
        stderr.push_str(&format!("ssecat: {note}\n"));
        said.push(note);
    }
    // One line: a message's own line breaks are shown as escapes there.
    let one_line = said.join("; ").replace('\r', "\\r").replace('\n', "\\n");
    (stderr, one_line)
}
