//! Wires the command line to a source, the pipeline and a writer.

use std::io::{self, BufWriter, Write};

use crate::cli::{Cli, Format};
use crate::extract::OpenAiChat;
use crate::input;
use crate::output::{DataWriter, JsonlWriter, RawWriter, SseWriter, TextWriter};
use crate::pipeline::{Ending, Options, Pipeline, ReadSource, Source};

/// Output is flushed once per input chunk, so this only bounds one chunk's output per write.
const OUTPUT_BUFFER: usize = 64 * 1024;

/// Runs ssecat as the command line asks.
pub fn run(cli: &Cli) -> anyhow::Result<Ending> {
    let source = ReadSource(input::open(&cli.input)?);
    let out = BufWriter::with_capacity(OUTPUT_BUFFER, io::stdout().lock());
    let options = Options {
        event_types: cli.events.clone(),
        stop_at_done: !cli.no_done,
        max_event_size: cli.max_event_size,
    };
    drive(source, out, cli.format(), &options)
}

/// Drives `source` through a pipeline that writes `format` to `out`.
fn drive<S: Source, W: Write>(
    source: S,
    out: W,
    format: Format,
    options: &Options,
) -> anyhow::Result<Ending> {
    match format {
        Format::Sse => source.drive(Pipeline::new(out, SseWriter::default(), options)),
        Format::Data => source.drive(Pipeline::new(out, DataWriter, options)),
        Format::Jsonl => source.drive(Pipeline::new(out, JsonlWriter, options)),
        Format::Text => source.drive(Pipeline::new(out, TextWriter::new(OpenAiChat), options)),
        Format::Raw => source.drive(Pipeline::new(out, RawWriter, options)),
    }
}
