use std::process::ExitCode;

use clap::Parser;
use ssecat::{cli::Cli, command, exit_code::Code, stderr};

fn main() -> ExitCode {
    match Cli::try_parse() {
        Ok(cli) => ExitCode::from(command::run(&cli)),
        Err(err) => clap_error(&err),
    }
}

/// A usage error clap found, in the style of ssecat's other errors:
/// `ssecat: error: …`, then clap's tip and usage lines, uncoloured like every
/// other message of ssecat; exit 2. `--help` and `--version` (clap's
/// "errors" too) are printed by clap as ever, on stdout with exit 0.
fn clap_error(err: &clap::Error) -> ExitCode {
    let text = err.render().to_string();
    match text.strip_prefix("error: ") {
        Some(message) if err.use_stderr() => {
            stderr::say(format_args!("ssecat: error: {message}"));
            ExitCode::from(u8::try_from(err.exit_code()).unwrap_or(Code::Usage.number()))
        }
        _ => err.exit(),
    }
}
