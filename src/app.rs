//! Wires the command line to a source, the pipeline and a writer.

use std::io::{self, BufWriter};

use crate::cli::{Cli, Format};
use crate::extract::OpenAiChat;
use crate::input;
use crate::output::{DataWriter, JsonlWriter, RawWriter, SseWriter, TextWriter};
use crate::pipeline::{self, Ending, Options};

/// Output is flushed once per input chunk, so this only bounds one chunk's output per write.
const OUTPUT_BUFFER: usize = 64 * 1024;

/// Runs ssecat as the command line asks.
pub fn run(cli: &Cli) -> anyhow::Result<Ending> {
    let source = input::open(&cli.input)?;
    let out = BufWriter::with_capacity(OUTPUT_BUFFER, io::stdout().lock());
    let options = Options {
        event_types: cli.events.clone(),
        stop_at_done: !cli.no_done,
        max_event_size: cli.max_event_size,
    };
    match cli.format() {
        Format::Sse => pipeline::run(source, out, SseWriter::default(), &options),
        Format::Data => pipeline::run(source, out, DataWriter, &options),
        Format::Jsonl => pipeline::run(source, out, JsonlWriter, &options),
        Format::Text => pipeline::run(source, out, TextWriter::new(OpenAiChat), &options),
        Format::Raw => pipeline::run(source, out, RawWriter, &options),
    }
}
