//! The command layer: what the command line asks, run. Only this layer
//! (with `cli.rs`) knows the command line; it turns it into plain values
//! for the layers below.

mod bench;
pub mod generate;
mod request;
mod serve;
mod stream;

use crate::cli::{Cli, Command};
use crate::ending::Ending;
use crate::stderr;

/// Lets this process open as many files (connections) as the system
/// allows it: the soft limit, often 1024, stops a server or a load test
/// with thousands of streams. Left as it was when it cannot be raised.
fn raise_open_files_limit() {
    use nix::sys::resource::{getrlimit, setrlimit, Resource};
    if let Ok((soft, hard)) = getrlimit(Resource::RLIMIT_NOFILE) {
        if soft < hard {
            let _ = setrlimit(Resource::RLIMIT_NOFILE, hard, hard);
        }
    }
}

/// Runs ssecat as the command line asks; returns the exit code.
pub fn run(cli: &Cli) -> u8 {
    if let Some(kind) = cli.generate {
        return stderr::report(&generate::print(kind).map(|()| Ending::EndOfInput)).code;
    }
    match &cli.command {
        Some(Command::Serve(args)) => {
            raise_open_files_limit();
            serve::run(args)
        }
        Some(Command::Bench(args)) => {
            raise_open_files_limit();
            bench::run(args)
        }
        None => stream::run(cli),
    }
}
