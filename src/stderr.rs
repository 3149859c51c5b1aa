//! The command's standard error: messages printed around the progress
//! spinner, and a run's result told there.

use std::fmt;
use std::io::{self, Write};

use crate::ending::Ending;
use crate::exit::{verdict, Verdict};

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

/// Prints what the user must know about `result` on stderr and returns the exit code.
pub fn report(result: &anyhow::Result<Ending>) -> Verdict {
    let verdict = verdict(result);
    say(format_args!("{}", verdict.message));
    verdict
}
