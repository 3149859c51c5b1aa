use std::process::ExitCode;

use clap::Parser;
use ssecat::{app, cli::Cli, exit};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = app::run(&cli);
    ExitCode::from(exit::report(result))
}
