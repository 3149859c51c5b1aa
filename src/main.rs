use std::process::ExitCode;

use clap::Parser;
use ssecat::{app, cli::Cli};

fn main() -> ExitCode {
    let cli = Cli::parse();
    ExitCode::from(app::run(&cli))
}
