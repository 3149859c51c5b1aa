//! The command layer: what the command line asks, run. Only this layer
//! (with `cli.rs`) knows the command line; it turns it into plain values
//! for the layers below.

pub mod generate;
mod request;
mod serve;
mod stream;

use crate::cli::{Cli, Command};
use crate::ending::Ending;
use crate::stderr;

/// Runs ssecat as the command line asks; returns the exit code.
pub fn run(cli: &Cli) -> u8 {
    if let Some(kind) = cli.generate {
        return stderr::report(&generate::print(kind).map(|()| Ending::EndOfInput)).code;
    }
    match &cli.command {
        Some(Command::Serve(args)) => serve::run(args),
        None => stream::run(cli),
    }
}
