//! The command that reads one stream: wires the command line to a source,
//! the pipeline and a writer.

use std::fs::File;
use std::future::Future;
use std::io::{self, BufWriter, IsTerminal, Read, Seek, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;

use super::request;
use crate::cli::{Cli, ColorChoice, Format};
use crate::exit;
use crate::failure::{Failure, OutputError};
use crate::stderr;

use crate::ending::Ending;
use crate::exit_code::Code;
use crate::extract::{Extraction, Reader};
use crate::framing::{Framing, Unlabelled};
use crate::http;
use crate::notes::Notes;
use crate::output::{
    DataWriter, EventWriter, FinalWriter, JsonlWriter, Painter, RawWriter, Sanitizer, SseWriter,
    Syntax, TextOptions, TextWriter,
};
use crate::pipeline::{Options, Origin, ReadSource, Save, Source, Taps};
use crate::progress;
use crate::recording::{Recording, RecordingSource, RecordingWriter};
use crate::signals::Interrupt;
use crate::stats::{self, Outcome, Recorder, Stats, Summary};
use crate::stream;
use crate::target::Target;
use crate::verbose;

/// Output is flushed once per input chunk, so this only bounds one chunk's output per write.
const OUTPUT_BUFFER: usize = 64 * 1024;

/// Reads the stream the command line names; returns the exit code.
pub fn run(cli: &Cli) -> u8 {
    let stats_json = match StatsJson::create(cli) {
        Ok(stats_json) => stats_json,
        Err(err) => return stderr::report(&Err(err)).code,
    };
    let summary = cli.stats || stats_json.is_some();
    let spinner = !cli.silent && io::stderr().is_terminal();
    let source = cli.request.url.as_ref().or(cli.first.as_ref());
    let mut stats = (summary || spinner).then(|| {
        let source = source.map_or("", String::as_str);
        Stats::starting_now(source, summary.then(|| reader(cli)))
    });
    if let (Some(stats), true) = (&stats, spinner) {
        progress::start(stats.body.live(), cli.format() == Format::Text);
    }
    let result = stream(cli, stats.as_mut());
    progress::finish();
    if exit::is_closed_output(&result) {
        for path in [&cli.save, &cli.record].into_iter().flatten() {
            stderr::say(format_args!(
                "ssecat: warning: {} holds only what came before the output was closed\n",
                path.display()
            ));
        }
    }
    let verdict = stderr::report(&result);
    let Some(stats) = stats.filter(|_| summary) else {
        return verdict.code;
    };
    let summary = stats.summary(Outcome {
        exit_code: verdict.code,
        error: verdict.error,
    });
    if cli.stats {
        stderr::say(format_args!("ssecat: stats\n{summary}"));
    }
    match stats_json.map(|json| json.write(&summary)) {
        Some(Err(err)) if verdict.code == Code::Success.number() => stderr::report(&Err(err)).code,
        Some(Err(err)) => {
            stderr::report(&Err(err));
            verdict.code
        }
        _ => verdict.code,
    }
}

/// Where `--stats-json` goes: a file created before the run, or stderr.
enum StatsJson {
    File(PathBuf, File),
    Stderr,
}

impl StatsJson {
    fn create(cli: &Cli) -> anyhow::Result<Option<StatsJson>> {
        let Some(path) = &cli.stats_json else {
            return Ok(None);
        };
        if path.as_os_str() == "-" {
            return Ok(Some(StatsJson::Stderr));
        }
        let file = File::create(path)
            .with_context(|| format!("cannot create --stats-json file {}", path.display()))?;
        Ok(Some(StatsJson::File(path.clone(), file)))
    }

    fn write(self, summary: &Summary) -> anyhow::Result<()> {
        let line = format!("{}\n", summary.to_json());
        match self {
            StatsJson::Stderr => {
                stderr::say(format_args!("{line}"));
                Ok(())
            }
            StatsJson::File(path, mut file) => file
                .write_all(line.as_bytes())
                .with_context(|| format!("writing --stats-json file {}", path.display())),
        }
    }
}

/// Reads the stream the command line names into the output it asks for.
fn stream(cli: &Cli, stats: Option<&mut Stats>) -> anyhow::Result<Ending> {
    if cli.reconnect.is_some() && matches!(cli.format(), Format::Text | Format::Final) {
        let message = "--reconnect cannot resume an LLM answer (--text, --format final): \
                       sending the request again starts a new one";
        return Err(Failure::Usage(message.to_owned()).into());
    }
    if cli.include && matches!(cli.format(), Format::Jsonl | Format::Final) {
        let message = "--include would put the response head before JSON output: \
                       -v shows it on standard error";
        return Err(Failure::Usage(message.to_owned()).into());
    }
    if cli.include && cli.reconnect.is_some() {
        let message = "--include prints the head of one response, not with --reconnect: \
                       -v shows each on standard error";
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
    let structured = matches!(cli.format(), Format::Jsonl | Format::Text | Format::Final);
    // A body whose framing nobody declared is told by its first bytes;
    // --raw prints any body, so it only needs to know SSE's [DONE].
    let unlabelled = match cli.format() {
        Format::Raw => Framing::Sse,
        _ if structured => Framing::Sniff(Unlabelled::Checked),
        _ => Framing::Sniff(Unlabelled::Lenient),
    };
    let mut options = Options {
        framing: unlabelled,
        origin: Origin::Input,
        last_event_id: cli.request.last_event_id.clone().unwrap_or_default(),
        strict: cli.strict,
        structured,
        notes: stderr_notes(),
        event_types: cli.events.clone(),
        stop_at_done: !cli.no_done,
        max_event_size: cli.max_event_size,
    };
    let words: Vec<String> = cli.first.iter().chain(&cli.words).cloned().collect();
    let (target, items) = Target::parse(&words, cli.request.url.as_deref())?;
    let (mut requests, recorder) = match stats {
        Some(Stats {
            source,
            requests,
            body,
        }) => {
            *source = target.to_string();
            (Some(requests), Some(body))
        }
        None => (None, None),
    };
    let (method, url) = match target {
        Target::Http { method, url } => (method, url),
        local => {
            if let Some(flag) = cli.request_option() {
                let message = format!("{flag} applies to a URL, not to a FILE or -");
                return Err(Failure::Usage(message).into());
            }
            let out = sink(cli)?;
            let taps = taps(cli, recorder)?;
            let mut waiting = Waiting::start(false)?;
            return match local {
                Target::File(path) => {
                    let mut file = File::open(&path)
                        .with_context(|| format!("cannot open {}", path.display()))?;
                    if let Some(recording) = read_recording(&mut file, &path)? {
                        let replay = Replay {
                            recording,
                            requests,
                            unlabelled,
                        };
                        return replay.drive(cli, options, out, &mut waiting, taps);
                    }
                    if cli.ndjson || has_json_lines_name(&path) {
                        options.framing = Framing::JsonLines;
                    }
                    let format = cli.format();
                    drive(
                        ReadSource(file),
                        out,
                        cli,
                        format,
                        &options,
                        &mut waiting,
                        taps,
                    )
                }
                _ => {
                    if cli.ndjson {
                        options.framing = Framing::JsonLines;
                    }
                    let (stdin, format) = (ReadSource(io::stdin()), cli.format());
                    drive(stdin, out, cli, format, &options, &mut waiting, taps)
                }
            };
        }
    };
    let prompt = request::prompt(&cli.request)?;
    let prompt = (prompt.as_ref()).map(|prompt| http::PromptInput {
        prompt,
        dialect: cli.dialect,
    });
    let input = request::input(&cli.request, method, prompt, items)?;
    let (spec, warnings) = http::RequestSpec::new(url, &input)?;
    let exchange = http::Exchange::new(spec, &request::connect(&cli.request), policy(cli))?;
    for warning in &warnings {
        stderr::say(format_args!("ssecat: warning: {warning}\n"));
    }
    // Created before the request is sent, so a bad path costs no request.
    let mut out = sink(cli)?;
    let taps = taps(cli, recorder)?;
    let mut recording = cli
        .record
        .clone()
        .map(RecordingWriter::create)
        .transpose()?;
    let verbose = cli.verbose;
    let mut trace = |step: http::Trace<'_>| {
        if let Some(requests) = requests.as_deref_mut() {
            record(requests, &step);
        }
        if let Some(recording) = &mut recording {
            recording.trace(&step);
        }
        match step {
            http::Trace::Reconnect {
                attempt,
                max,
                wait,
                reason,
            } => {
                let of = max.map(|max| format!(" of {max}")).unwrap_or_default();
                stderr::say(format_args!(
                    "ssecat: reconnecting in {:.1} s (attempt {attempt}{of}): {}\n",
                    wait.as_secs_f64(),
                    crate::escape::escape_controls(reason)
                ));
            }
            http::Trace::NoContent { reconnecting } => {
                let then = if reconnecting {
                    " (no reconnection)"
                } else {
                    ""
                };
                stderr::say(format_args!(
                    "ssecat: HTTP 204 No Content: the server has no stream to send{then}\n"
                ));
            }
            step if verbose => verbose::print(step),
            _ => {}
        }
    };
    let mut waiting = Waiting::start(true)?;
    let result = waiting
        .block_on(exchange.send(&mut trace))
        .and_then(|source| {
            options.origin = Origin::Response {
                content_type: source.content_type(),
            };
            let content_type = source.content_type();
            let (framing, format) =
                response_framing(cli, source.framing(), content_type, unlabelled);
            options.framing = framing;
            if cli.include {
                // A terminal gets a header's control characters escaped, as
                // the body's.
                let sanitize = to_terminal(cli) && !cli.no_sanitize;
                let shown = |value: &str| {
                    if sanitize {
                        crate::escape::escape_controls(value).into_owned()
                    } else {
                        value.to_owned()
                    }
                };
                out.write_all(source.head(shown).as_bytes())
                    .map_err(OutputError)?;
            }
            drive(source, out, cli, format, &options, &mut waiting, taps)
        });
    close_recording(recording, result)
}

/// Ends the recording as the run ended. A write to it that failed fails
/// a run that did not fail already.
fn close_recording(
    recording: Option<RecordingWriter>,
    result: anyhow::Result<Ending>,
) -> anyhow::Result<Ending> {
    let Some(recording) = recording else {
        return result;
    };
    match (recording.finish(&result), result) {
        (Err(err), Ok(_)) => Err(err),
        (Err(err), Err(run)) => {
            stderr::say(format_args!("ssecat: warning: {err:#}\n"));
            Err(run)
        }
        (Ok(()), result) => result,
    }
}

/// How a response's body is read, from the framing its content type
/// gives, and in which format it is printed: a body that is no stream is
/// printed as received, with a warning.
fn response_framing(
    cli: &Cli,
    declared: Framing,
    content_type: Option<String>,
    unlabelled: Framing,
) -> (Framing, Format) {
    let format = cli.format();
    let structured = matches!(format, Format::Jsonl | Format::Text | Format::Final);
    let framing = match (cli.ndjson, declared) {
        // --ndjson overrides a server that labels its NDJSON wrongly.
        (true, _) => Framing::JsonLines,
        (false, Framing::Opaque | Framing::Json) if format == Format::Raw => Framing::Opaque,
        // Structured output holds only its format: the body must tell
        // what it is.
        (false, Framing::Opaque) if structured => Framing::Sniff(Unlabelled::Checked),
        (false, Framing::Sniff(_)) => unlabelled,
        (false, framing) => framing,
    };
    if framing == Framing::Opaque && format != Format::Raw {
        stderr::say(format_args!(
            "ssecat: warning: the response is {}, not an event stream; printing it as received\n",
            crate::escape::escape_controls(&content_type.unwrap_or_default())
        ));
        return (framing, Format::Raw);
    }
    (framing, format)
}

/// A recording read as the input.
struct Replay<'s> {
    recording: Recording,
    requests: Option<&'s mut stats::Requests>,
    unlabelled: Framing,
}

impl Replay<'_> {
    /// Reads the recorded bodies as the live run did: with the framing of
    /// the first response that streamed, the statistics timed as recorded.
    fn drive(
        self,
        cli: &Cli,
        mut options: Options,
        out: Box<dyn Write>,
        waiting: &mut Waiting,
        taps: Taps<'_>,
    ) -> anyhow::Result<Ending> {
        let Replay {
            recording,
            requests,
            unlabelled,
        } = self;
        let content_type = recording
            .streamed()
            .and_then(|response| response.content_type())
            .map(str::to_owned);
        let declared = http::framing_of_content_type(content_type.as_deref());
        options.origin = Origin::Response {
            content_type: content_type.clone(),
        };
        let (framing, format) = response_framing(cli, declared, content_type.clone(), unlabelled);
        options.framing = framing;
        if let Some(requests) = requests {
            let streamed = recording.responses.iter().filter(|r| !r.chunks.is_empty());
            requests.reconnects =
                u32::try_from(streamed.count().saturating_sub(1)).unwrap_or(u32::MAX);
            requests.response = recording.responses.last().map(|response| stats::Response {
                url: recording.request.url.clone(),
                status: response.status,
                http_version: response.version.clone(),
                content_type: response.content_type().map(str::to_owned),
            });
            let source = RecordingSource::new(recording);
            requests.first_sent = Some(source.start());
            return drive(source, out, cli, format, &options, waiting, taps);
        }
        drive(
            RecordingSource::new(recording),
            out,
            cli,
            format,
            &options,
            waiting,
            taps,
        )
    }
}

/// How much of a file tells whether it is a recording.
const RECORDING_HEAD: usize = 64;

/// The recording `file` holds, when it is one; a regular file only, so
/// that a live pipe is never waited on. Otherwise `file` is left at its
/// start.
fn read_recording(file: &mut File, path: &Path) -> anyhow::Result<Option<Recording>> {
    if !file.metadata().is_ok_and(|metadata| metadata.is_file()) {
        return Ok(None);
    }
    let reading = || format!("reading {}", path.display());
    let mut head = Vec::with_capacity(RECORDING_HEAD);
    Read::by_ref(file)
        .take(RECORDING_HEAD as u64)
        .read_to_end(&mut head)
        .with_context(reading)?;
    if !Recording::looks_like(&head) {
        file.rewind().with_context(reading)?;
        return Ok(None);
    }
    file.read_to_end(&mut head).with_context(reading)?;
    let recording = Recording::parse(&head).map_err(|problem| Failure::Unreadable {
        message: format!("{} is not a readable recording: {problem}", path.display()),
        head: String::new(),
    })?;
    Ok(Some(recording))
}

/// Waiting, redirects, reconnection and `--strict`, as the command line says.
fn policy(cli: &Cli) -> http::Policy {
    http::Policy {
        reconnect: cli.reconnect.map(|max| http::Reconnect {
            max,
            max_wait: cli.max_retry_wait,
        }),
        strict: cli.strict.then_some(cli.ndjson),
        ..request::policy(&cli.request)
    }
}

/// Notes a step of the HTTP exchange in the statistics.
fn record(requests: &mut stats::Requests, step: &http::Trace<'_>) {
    match step {
        http::Trace::Request(..) => requests.sent(),
        http::Trace::Response(response) => requests.responded(stats::Response {
            url: response.url().to_string(),
            status: response.status().as_u16(),
            http_version: format!("{:?}", response.version()),
            content_type: http::content_type(response),
        }),
        http::Trace::Reconnect { .. } => requests.reconnected(),
        http::Trace::NoContent { .. } | http::Trace::Received(..) | http::Trace::BodyEnd(_) => {}
    }
}

/// What `--save` and the statistics take from the stream.
fn taps<'o>(cli: &Cli, stats: Option<&'o mut Recorder>) -> anyhow::Result<Taps<'o>> {
    Ok(Taps {
        stats,
        save: cli.save.clone().map(Save::create).transpose()?,
    })
}

/// Where the output goes, opened before anything is requested: standard
/// output or `-o FILE`.
fn sink(cli: &Cli) -> anyhow::Result<Box<dyn Write>> {
    Ok(match &cli.output {
        Some(path) => Box::new(
            File::create(path).with_context(|| format!("cannot create {}", path.display()))?,
        ),
        None if to_terminal(cli) && progress::is_running() => {
            Box::new(progress::SharedTerminal(io::stdout().lock()))
        }
        None => unbuffered_stdout(),
    })
}

/// Standard output without std's line buffer under ours: on every write
/// it looks for the last line feed and keeps what follows it in a buffer
/// of its own, which cost `--jsonl` a tenth of its instructions on big
/// events. Ours is flushed after each chunk read, and at the end.
fn unbuffered_stdout() -> Box<dyn Write> {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        // A duplicate of the descriptor, which writes to the same file.
        if let Ok(fd) = io::stdout().as_fd().try_clone_to_owned() {
            return Box::new(File::from(fd));
        }
    }
    Box::new(io::stdout().lock())
}

/// The sink, buffered, for `format`: a terminal gets the stream's control
/// characters escaped unless `--no-sanitize`, and colour as `--color` says.
enum Output {
    Plain(BufWriter<Box<dyn Write>>),
    Styled(Box<dyn Write>),
}

impl Output {
    fn new(sink: Box<dyn Write>, cli: &Cli, format: Format) -> Output {
        let buffered = BufWriter::with_capacity(OUTPUT_BUFFER, sink);
        let sanitize = to_terminal(cli) && !cli.no_sanitize;
        // Colour goes under the sanitizer, so its escapes are not escaped.
        let painted: Box<dyn Write> = match colour(cli, format) {
            Some(syntax) => Box::new(Painter::new(buffered, syntax)),
            None if sanitize => Box::new(buffered),
            None => return Output::Plain(buffered),
        };
        Output::Styled(if sanitize {
            Box::new(Sanitizer::new(painted))
        } else {
            painted
        })
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Output::Plain(out) => out.write(buf),
            Output::Styled(out) => out.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Output::Plain(out) => out.write_all(buf),
            Output::Styled(out) => out.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Output::Plain(out) => out.flush(),
            Output::Styled(out) => out.flush(),
        }
    }
}

/// How `format` is coloured, if it is: `--color`, and under `auto` a
/// terminal without `NO_COLOR` (https://no-color.org: set and not empty).
fn colour(cli: &Cli, format: Format) -> Option<Syntax> {
    let syntax = match format {
        Format::Sse => Syntax::Sse,
        Format::Jsonl | Format::Final => Syntax::JsonLines,
        Format::Data | Format::Text | Format::Raw => return None,
    };
    let wanted = match cli.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            to_terminal(cli) && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
        }
    };
    wanted.then_some(syntax)
}

/// Whether the output goes to a terminal.
fn to_terminal(cli: &Cli) -> bool {
    cli.output.is_none() && io::stdout().is_terminal()
}

/// Drives `source` through a pipeline that writes `format` to `out`.
fn drive<S: Source>(
    source: S,
    sink: Box<dyn Write>,
    cli: &Cli,
    format: Format,
    options: &Options,
    waiting: &mut Waiting,
    taps: Taps<'_>,
) -> anyhow::Result<Ending> {
    let out = Output::new(sink, cli, format);
    // The writer's type differs by format: each arm runs its own stream.
    macro_rules! pipe {
        ($writer:expr) => {
            waiting.stream(source, out, $writer, options, taps)
        };
    }
    match format {
        Format::Sse => pipe!(SseWriter::default()),
        Format::Data => pipe!(DataWriter),
        Format::Jsonl => {
            let reader = (cli.dialect.is_some() || cli.extract.is_some()).then(|| reader(cli));
            pipe!(JsonlWriter::new(reader))
        }
        Format::Text => {
            let text = TextOptions {
                reasoning: cli.reasoning,
                escape_reasoning: !cli.no_sanitize && io::stderr().is_terminal(),
                terminal: to_terminal(cli),
                strict: cli.strict,
            };
            pipe!(TextWriter::new(reader(cli), text, stderr_notes()))
        }
        Format::Final => pipe!(FinalWriter::new(reader(cli), cli.strict, stderr_notes())),
        Format::Raw => pipe!(RawWriter),
    }
}

/// The stream's warnings and notes, printed on stderr (around the spinner).
fn stderr_notes() -> Notes {
    Notes::new(stderr::say)
}

/// The command's runtime and its signals: whatever a run waits for ends
/// at Ctrl-C or SIGTERM.
struct Waiting {
    runtime: tokio::runtime::Runtime,
    interrupt: Interrupt,
}

impl Waiting {
    /// `network`: the run waits on sockets and timers (a URL); a file or
    /// standard input needs neither, and costs less memory without them.
    fn start(network: bool) -> anyhow::Result<Waiting> {
        let mut runtime = tokio::runtime::Builder::new_current_thread();
        if network {
            runtime.enable_all();
        }
        Ok(Waiting {
            runtime: runtime.build().context("starting the async runtime")?,
            interrupt: Interrupt::install().context("watching for Ctrl-C")?,
        })
    }

    /// Runs one stream until it ends or a signal comes.
    fn stream<S: Source, W: Write, E: EventWriter>(
        &mut self,
        source: S,
        out: W,
        writer: E,
        options: &Options,
        taps: Taps<'_>,
    ) -> anyhow::Result<Ending> {
        let interrupt = &mut self.interrupt;
        let signal = async { Failure::Interrupted(interrupt.wait().await).into() };
        let run = stream::run(source, out, writer, options, taps, signal);
        self.runtime.block_on(run)
    }

    /// Runs `future` until it is done or a signal comes.
    fn block_on<T>(
        &mut self,
        future: impl Future<Output = anyhow::Result<T>>,
    ) -> anyhow::Result<T> {
        let interrupt = &mut self.interrupt;
        self.runtime.block_on(async {
            tokio::select! {
                // What has arrived before the signal is still dealt with.
                biased;
                done = future => done,
                signal = interrupt.wait() => Err(Failure::Interrupted(signal).into()),
            }
        })
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
fn has_json_lines_name(path: &Path) -> bool {
    path.extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("ndjson") || ext.eq_ignore_ascii_case("jsonl"))
}
