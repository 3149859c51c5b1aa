//! Exit codes, and the one place that turns a run's result into one.

use std::fmt;
use std::io;

use crate::pipeline::Ending;

/// The stream ended normally.
pub const SUCCESS: u8 = 0;
/// Any error without a code of its own.
pub const FAILURE: u8 = 1;
/// The stream was cut short: it ended inside an event.
pub const CUT_SHORT: u8 = 9;

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

/// Prints what the user must know about `result` on stderr and returns the exit code.
pub fn report(result: anyhow::Result<Ending>) -> u8 {
    match result {
        Ok(Ending::Done | Ending::EndOfInput) => SUCCESS,
        Ok(Ending::Unfinished { bytes }) => {
            eprintln!(
                "ssecat: warning: the stream ended inside an event; its {bytes} bytes were dropped"
            );
            CUT_SHORT
        }
        Err(err) => match err.downcast_ref::<OutputError>() {
            Some(OutputError(io_err)) if io_err.kind() == io::ErrorKind::BrokenPipe => SUCCESS,
            _ => {
                eprintln!("ssecat: error: {err:#}");
                FAILURE
            }
        },
    }
}
