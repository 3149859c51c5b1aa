use std::process::ExitCode;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use ssecat::{cli::Cli, command, curl_flags, exit_code::Code, stderr};

fn main() -> ExitCode {
    match Cli::from_args(std::env::args_os()) {
        Ok(cli) => ExitCode::from(command::run(&cli)),
        Err(err) => clap_error(&err),
    }
}

/// A usage error clap found, in the style of ssecat's other errors:
/// `ssecat: error: …`, then clap's tip and usage lines, uncoloured like every
/// other message of ssecat; exit 2. One of curl's flags that ssecat does
/// not take gets one line saying what to use instead; another unknown
/// flag loses clap's tip to pass it after `--`, which would make it a
/// FILE or an item, never what was meant. `--help` and
/// `--version` (clap's "errors" too) are printed by clap as ever, on
/// stdout with exit 0.
fn clap_error(err: &clap::Error) -> ExitCode {
    if let (ErrorKind::UnknownArgument, Some(ContextValue::String(flag))) =
        (err.kind(), err.get(ContextKind::InvalidArg))
    {
        if let Some(instead) = curl_flags::instead(flag) {
            stderr::say(format_args!("ssecat: error: {instead}\n"));
            return ExitCode::from(Code::Usage.number());
        }
    }
    let mut text = err.render().to_string();
    if let Some(tip) = text.find("\n\n  tip: to pass '") {
        let end = text[tip + 2..]
            .find("\n\n")
            .map_or(text.len(), |end| tip + 2 + end);
        text.replace_range(tip..end, "");
    }
    match text.strip_prefix("error: ") {
        Some(message) if err.use_stderr() => {
            stderr::say(format_args!("ssecat: error: {message}"));
            ExitCode::from(u8::try_from(err.exit_code()).unwrap_or(Code::Usage.number()))
        }
        _ => err.exit(),
    }
}
