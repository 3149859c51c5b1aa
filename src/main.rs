use std::process::ExitCode;

use clap::Parser;
use ssecat::pipeline::Ending;
use ssecat::{app, cli::Cli, exit, generate};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.generate {
        Some(kind) => generate::print(kind).map(|()| Ending::EndOfInput),
        None => app::run(&cli),
    };
    ExitCode::from(exit::report(result))
}
