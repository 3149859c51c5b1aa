//! Wires the command line to a source, the pipeline and a writer.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::Path;

use anyhow::Context;

use crate::cli::{Cli, Format};
use crate::exit::{self, Failure};

use crate::extract::{Extraction, Reader};
use crate::http;
use crate::output::{
    DataWriter, EventWriter, FinalWriter, JsonlWriter, RawWriter, Sanitizer, SseWriter,
    TextOptions, TextWriter,
};
use crate::pipeline::{Ending, Framing, Options, Pipeline, ReadSource, Source};
use crate::signals::Interrupt;
use crate::target::Target;
use crate::verbose;

/// Output is flushed once per input chunk, so this only bounds one chunk's output per write.
const OUTPUT_BUFFER: usize = 64 * 1024;

/// Runs ssecat as the command line asks.
pub fn run(cli: &Cli) -> anyhow::Result<Ending> {
    if cli.reconnect.is_some() && matches!(cli.format(), Format::Text | Format::Final) {
        let message = "--reconnect cannot resume an LLM answer (--text, --format final): \
                       sending the request again starts a new one";
        return Err(Failure::Usage(message.to_owned()).into());
    }
    if !cli.events.is_empty() && matches!(cli.format(), Format::Text | Format::Final) {
        let message = "--event applies to the other formats: --text and --format final \
                       read every event (the dialect's end marker among them)";
        return Err(Failure::Usage(message.to_owned()).into());
    }
    let llm_option = match cli.format() {
        Format::Text => None,
        Format::Final | Format::Jsonl => cli.reasoning.then_some("--reasoning"),
        _ => cli.llm_option(),
    };
    if let Some(flag) = llm_option {
        let message = format!(
            "{flag} applies to --text and --format final (--dialect and --extract to --jsonl \
             too; --reasoning to --text only: --format final has it in its object)"
        );
        return Err(Failure::Usage(message).into());
    }
    let mut options = Options {
        framing: Framing::Sse,
        event_types: cli.events.clone(),
        stop_at_done: !cli.no_done,
        max_event_size: cli.max_event_size,
    };
    // Only --generate, which main.rs handles, goes without one.
    let first = (cli.first.as_deref())
        .ok_or_else(|| Failure::Usage("a URL or FILE is required".to_owned()))?;
    let (method, url) = match Target::parse(first, cli.second.as_deref())? {
        Target::Http { method, url } => (method, url),
        local => {
            if let Some(flag) = cli.request_option() {
                let message = format!("{flag} applies to a URL, not to a FILE or -");
                return Err(Failure::Usage(message).into());
            }
            let out = output(cli)?;
            let interrupt = Interrupt::install().context("watching for Ctrl-C")?;
            return match local {
                Target::File(path) => {
                    let file = File::open(&path)
                        .with_context(|| format!("cannot open {}", path.display()))?;
                    if cli.ndjson || is_json_lines(&path) {
                        options.framing = Framing::JsonLines;
                    }
                    drive(
                        ReadSource(file),
                        out,
                        cli,
                        cli.format(),
                        &options,
                        interrupt,
                    )
                }
                _ => {
                    if cli.ndjson {
                        options.framing = Framing::JsonLines;
                    }
                    let stdin = ReadSource(io::stdin());
                    drive(stdin, out, cli, cli.format(), &options, interrupt)
                }
            };
        }
    };
    let exchange = http::Exchange::new(cli, method, url)?;
    // Created before the request is sent, so a bad path costs no request.
    let out = output(cli)?;
    let verbose = cli.verbose;
    let mut trace = |step: http::Trace<'_>| match step {
        http::Trace::Reconnect {
            attempt,
            max,
            wait,
            reason,
        } => {
            let of = max.map(|max| format!(" of {max}")).unwrap_or_default();
            exit::say(format_args!(
                "ssecat: reconnecting in {:.1} s (attempt {attempt}{of}): {}\n",
                wait.as_secs_f64(),
                exit::escape_controls(reason)
            ));
        }
        step if verbose => verbose::print(step),
        _ => {}
    };
    let mut interrupt = Interrupt::install().context("watching for Ctrl-C")?;
    let source = exchange.send(&mut trace, &mut interrupt)?;
    // --ndjson overrides a server that labels its NDJSON wrongly.
    options.framing = if cli.ndjson {
        Framing::JsonLines
    } else {
        source.framing()
    };
    let format = if options.framing == Framing::Opaque {
        exit::say(format_args!(
            "ssecat: warning: the response is {}, not an event stream; printing it as received\n",
            source.content_type()
        ));
        Format::Raw
    } else {
        cli.format()
    };
    drive(source, out, cli, format, &options, interrupt)
}

/// Standard output, or `-o FILE`, buffered; a terminal gets the stream's
/// control characters escaped unless `--no-sanitize`.
enum Output {
    Plain(BufWriter<Box<dyn Write>>),
    Terminal(Sanitizer<BufWriter<Box<dyn Write>>>),
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Output::Plain(out) => out.write(buf),
            Output::Terminal(out) => out.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Output::Plain(out) => out.write_all(buf),
            Output::Terminal(out) => out.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Output::Plain(out) => out.flush(),
            Output::Terminal(out) => out.flush(),
        }
    }
}

fn output(cli: &Cli) -> anyhow::Result<Output> {
    let sink: Box<dyn Write> = match &cli.output {
        Some(path) => Box::new(
            File::create(path).with_context(|| format!("cannot create {}", path.display()))?,
        ),
        None => Box::new(io::stdout().lock()),
    };
    let buffered = BufWriter::with_capacity(OUTPUT_BUFFER, sink);
    Ok(if to_terminal(cli) && !cli.no_sanitize {
        Output::Terminal(Sanitizer::new(buffered))
    } else {
        Output::Plain(buffered)
    })
}

/// Whether the output goes to a terminal.
fn to_terminal(cli: &Cli) -> bool {
    cli.output.is_none() && io::stdout().is_terminal()
}

/// Drives `source` through a pipeline that writes `format` to `out`.
fn drive<S: Source, W: Write>(
    source: S,
    out: W,
    cli: &Cli,
    format: Format,
    options: &Options,
    interrupt: Interrupt,
) -> anyhow::Result<Ending> {
    let run = Run { options, interrupt };
    match format {
        Format::Sse => run.pipe(source, out, SseWriter::default()),
        Format::Data => run.pipe(source, out, DataWriter),
        Format::Jsonl => {
            let reader = (cli.dialect.is_some() || cli.extract.is_some()).then(|| reader(cli));
            run.pipe(source, out, JsonlWriter::new(reader))
        }
        Format::Text => {
            let text = TextOptions {
                reasoning: cli.reasoning,
                escape_reasoning: !cli.no_sanitize && io::stderr().is_terminal(),
                terminal: to_terminal(cli),
            };
            run.pipe(source, out, TextWriter::new(reader(cli), text))
        }
        Format::Final => run.pipe(source, out, FinalWriter::new(reader(cli))),
        Format::Raw => run.pipe(source, out, RawWriter),
    }
}

/// What every pipeline of a run shares.
struct Run<'o> {
    options: &'o Options,
    interrupt: Interrupt,
}

impl Run<'_> {
    fn pipe<S: Source, W: Write, E: EventWriter>(
        self,
        source: S,
        out: W,
        writer: E,
    ) -> anyhow::Result<Ending> {
        let mut pipeline = Pipeline::new(out, writer, self.options);
        let read = source.drive(&mut pipeline, self.interrupt);
        pipeline.end(read)
    }
}

/// How `--text` and `--format final` find the answer.
fn reader(cli: &Cli) -> Reader {
    Reader::new(match (&cli.extract, cli.dialect) {
        (Some(extraction), _) => extraction.clone(),
        (None, Some(dialect)) => Extraction::Dialect(dialect),
        (None, None) => Extraction::Auto,
    })
}

/// Files named *.ndjson or *.jsonl hold newline-delimited JSON.
fn is_json_lines(path: &Path) -> bool {
    path.extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("ndjson") || ext.eq_ignore_ascii_case("jsonl"))
}
