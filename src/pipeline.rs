//! The one path from received bytes to the output: decode a chunk, write its
//! events, flush. Every source (file, stdin, HTTP body) pushes its chunks
//! through a [`Pipeline`].

use std::fs::File;
use std::future::Future;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::thread;
use std::time::Instant;

use anyhow::Context;

use crate::ending::{Ending, DONE_MARKER};
use crate::exit;
use crate::extract::{Dialect, Reader};
use crate::failure::{Failure, OutputError};
use crate::framing::{self, Framing, Settled};
use crate::notes::Notes;
use crate::output::{Document, EventWriter, RunEnd};
use crate::sse::{Decoder, Event, IgnoredField, Resume};
use crate::stats::Recorder;

/// Large reads keep the per-chunk costs (syscall, flush) small; `read`
/// returns whatever has arrived, so a live pipe is still streamed.
const READ_BUFFER: usize = 256 * 1024;

/// What the pipeline does besides decoding.
#[derive(Debug, Clone)]
pub struct Options {
    pub framing: Framing,
    /// Where the bytes come from, for messages.
    pub origin: Origin,
    /// The id to resume after at first (`--last-event-id`), until an event
    /// is dispatched.
    pub last_event_id: String,
    /// `--strict`: an ignored line is an error.
    pub strict: bool,
    /// Where the stream's warnings and notes go.
    pub notes: Notes,
    /// The output holds only its format (`--jsonl`, `--text`, `--format
    /// final`): a body that is neither SSE nor JSON fails. Other formats
    /// decode it as SSE.
    pub structured: bool,
    /// Only events of these types are written; all when empty.
    pub event_types: Vec<String>,
    /// Stop at an event whose data is `[DONE]`, or at the end event of an
    /// LLM dialect.
    pub stop_at_done: bool,
    /// Largest line or event the decoder accepts.
    pub max_event_size: usize,
}

/// Where a stream's bytes come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A file or standard input.
    Input,
    /// An HTTP response, with its content type when it has one.
    Response { content_type: Option<String> },
}

impl Origin {
    /// "the input", "the response (text/html)".
    fn describe(&self) -> String {
        match self {
            Origin::Input => "the input".to_owned(),
            Origin::Response {
                content_type: Some(content_type),
            } => format!(
                "the response ({})",
                crate::escape::escape_controls(content_type)
            ),
            Origin::Response { content_type: None } => {
                "the response (without a content type)".to_owned()
            }
        }
    }
}

/// `--save`: the received body, byte for byte.
pub struct Save {
    path: PathBuf,
    /// Written unbuffered: each chunk goes to the file as it arrives.
    file: File,
    /// Bytes in the file.
    len: u64,
    last_byte: Option<u8>,
}

impl Save {
    /// Creates (or truncates) the file before anything is received.
    pub fn create(path: PathBuf) -> anyhow::Result<Save> {
        let file = File::create(&path)
            .with_context(|| format!("cannot create --save file {}", path.display()))?;
        Ok(Save {
            path,
            file,
            len: 0,
            last_byte: None,
        })
    }

    /// Appends a chunk, written at once (no buffer), so a run that is cut
    /// off or killed leaves all it received.
    fn write(&mut self, chunk: &[u8]) -> anyhow::Result<()> {
        self.file
            .write_all(chunk)
            .with_context(|| format!("writing --save file {}", self.path.display()))?;
        self.len += chunk.len() as u64;
        self.last_byte = chunk.last().copied().or(self.last_byte);
        Ok(())
    }

    /// Before the body of a reconnection, so that the file replays as the
    /// stream was read: the `dropped` bytes of an event cut off are taken
    /// out, and a last JSON line (which counted without its newline) gets one.
    fn resume(&mut self, dropped: u64, framing: Framing) -> anyhow::Result<()> {
        if dropped > 0 {
            self.len = self.len.saturating_sub(dropped);
            let file = &mut self.file;
            file.set_len(self.len)
                .and_then(|()| file.seek(SeekFrom::End(0)).map(drop))
                .with_context(|| format!("writing --save file {}", self.path.display()))?;
            // The file now ends where an event (or line) did.
            self.last_byte = (self.len > 0).then_some(b'\n');
        }
        if framing == Framing::JsonLines && self.last_byte.is_some_and(|b| b != b'\n') {
            self.write(b"\n")?;
        }
        Ok(())
    }
}

/// What a run watches besides the output: its figures and the saved body.
#[derive(Default)]
pub struct Taps<'o> {
    pub stats: Option<&'o mut Recorder>,
    pub save: Option<Save>,
}

/// Decoder, filters and writer for one stream.
pub struct Pipeline<'o, W, E> {
    decoder: Decoder,
    out: W,
    writer: E,
    options: &'o Options,
    taps: Taps<'o>,
    /// When the last chunk arrived.
    last_received: Option<Instant>,
    /// The bytes of the event the end of the input cut off, which a
    /// reconnection drops.
    dropped: u64,
    /// The framing in use: [`Options::framing`] until the first bytes
    /// settle it.
    framing: Framing,
    /// What was received while the framing was not settled, or the whole
    /// of a JSON document.
    held: Vec<u8>,
    /// JSON lines: the first line, while it is the only one; a document
    /// that was not streamed, when nothing else comes.
    only_line: Option<String>,
    lines: u64,
}

impl<'o, W: Write, E: EventWriter> Pipeline<'o, W, E> {
    pub fn new(out: W, writer: E, options: &'o Options, taps: Taps<'o>) -> Self {
        Pipeline {
            decoder: decoder_for(options.framing, options).resuming(Resume {
                last_event_id: options.last_event_id.clone(),
                retry: None,
            }),
            out,
            writer,
            options,
            taps,
            last_received: None,
            dropped: 0,
            framing: options.framing,
            held: Vec::new(),
            only_line: None,
            lines: 0,
        }
    }

    /// Writes and decodes one chunk, received at `at`, then flushes the
    /// output. Returns `Break` once the stream is done (`[DONE]`): stop
    /// reading.
    pub fn push(&mut self, chunk: &[u8], at: Instant) -> anyhow::Result<ControlFlow<()>> {
        if let Some(save) = &mut self.taps.save {
            save.write(chunk)?;
        }
        if let Some(stats) = &mut self.taps.stats {
            stats.chunk(chunk.len(), at);
        }
        self.last_received = Some(at);
        self.writer
            .write_chunk(&mut self.out, chunk)
            .map_err(OutputError)?;
        let flow = match self.framing {
            Framing::Sse | Framing::JsonLines => self.decode(chunk, at),
            Framing::Opaque => Ok(ControlFlow::Continue(())),
            Framing::Json | Framing::Document | Framing::Sniff(_) => self.hold(chunk, at),
        };
        // Whatever was decoded before an error still reaches the output.
        self.out.flush().map_err(OutputError)?;
        flow
    }

    /// Keeps `chunk` until the framing is settled (a document: until the end).
    fn hold(&mut self, chunk: &[u8], at: Instant) -> anyhow::Result<ControlFlow<()>> {
        // Past its first byte that is not white space, the framing is told
        // by a whole line, so only a chunk with a line end can settle it:
        // a long line is not searched again for every piece of it.
        let seen_start = framing::starts_after_blanks(&self.held);
        self.held.extend_from_slice(chunk);
        let flow = if self.framing == Framing::Document
            || (seen_start && memchr::memchr2(b'\n', b'\r', chunk).is_none())
        {
            ControlFlow::Continue(())
        } else {
            self.settle(at, false)?
        };
        // What is still held is one line (or document) that grows.
        if self.held.len() > self.options.max_event_size {
            let limit = self.options.max_event_size;
            let err = crate::sse::DecodeError::TooLarge { limit };
            return Err(anyhow::anyhow!("{err}; --max-event-size sets the limit"));
        }
        Ok(flow)
    }

    /// Settles the framing from the bytes held, if they tell, and decodes them.
    fn settle(&mut self, at: Instant, end: bool) -> anyhow::Result<ControlFlow<()>> {
        match framing::settle(self.framing, &self.held, end) {
            Settled::Undecided => Ok(ControlFlow::Continue(())),
            Settled::Unreadable if !self.options.structured => {
                self.decode_held_as(Framing::Sse, at)
            }
            Settled::Unreadable if framing::starts_like_json(&self.held) => {
                Err(self.unreadable("not valid JSON"))
            }
            Settled::Unreadable => Err(self.unreadable("neither an event stream nor JSON")),
            Settled::Framing(Framing::Document) => {
                self.framing = Framing::Document;
                Ok(ControlFlow::Continue(()))
            }
            Settled::Framing(settled) => {
                let declared_otherwise = matches!(
                    &self.options.origin,
                    Origin::Response {
                        content_type: Some(_)
                    }
                );
                if settled == Framing::Sse && declared_otherwise {
                    self.options.notes.say(format_args!(
                        "ssecat: warning: {} is an event stream: reading it as one\n",
                        self.options.origin.describe()
                    ));
                }
                self.decode_held_as(settled, at)
            }
        }
    }

    /// Switches to `framing`, with a decoder for it that goes on from the
    /// resume state of the one before.
    fn use_framing(&mut self, framing: Framing) {
        self.framing = framing;
        let resume = self.decoder.resume().clone();
        self.decoder = decoder_for(framing, self.options).resuming(resume);
    }

    /// Settles the framing and decodes what was held.
    fn decode_held_as(&mut self, framing: Framing, at: Instant) -> anyhow::Result<ControlFlow<()>> {
        self.use_framing(framing);
        let held = std::mem::take(&mut self.held);
        self.decode(&held, at)
    }

    /// The failure of a body that the output format cannot read, with
    /// the start of what it holds.
    fn unreadable(&self, what: &str) -> anyhow::Error {
        let body = match &self.only_line {
            Some(line) if self.held.is_empty() => line.as_bytes(),
            _ => &self.held,
        };
        Failure::Unreadable {
            message: format!("{} is {what}", self.options.origin.describe()),
            head: body_head(body),
        }
        .into()
    }

    fn decode(&mut self, chunk: &[u8], at: Instant) -> anyhow::Result<ControlFlow<()>> {
        let Pipeline {
            decoder,
            out,
            writer,
            options,
            taps,
            ..
        } = self;
        let json_lines = self.framing == Framing::JsonLines;
        let (lines, only_line) = (&mut self.lines, &mut self.only_line);
        let mut done = false;
        let mut write_result = Ok(());
        let decoded = decoder.feed(chunk, |event| {
            if json_lines {
                *lines += 1;
                *only_line = (*lines == 1).then(|| event.data.to_owned());
            }
            let is_done = options.stop_at_done && event.data == DONE_MARKER;
            let wanted = options.event_types.is_empty()
                || options.event_types.iter().any(|t| t == event.event_type);
            if wanted && (!is_done || E::PRINTS_DONE) {
                write_result = writer.write_event(out, event);
            }
            if let Some(stats) = &mut taps.stats {
                stats.event(event, at, answer_reader(writer, options));
            }
            done = is_done || (options.stop_at_done && writer.ended());
            if done || write_result.is_err() {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        });
        for field in decoder.take_ignored() {
            if options.strict {
                let message = format!(
                    "--strict: a line with the unknown field {:?}: {}",
                    field.name,
                    crate::escape::escape_controls(&field.value)
                );
                return Err(Failure::Strict(message).into());
            }
            warn_ignored(&field, &options.notes);
        }
        write_result.map_err(OutputError)?;
        decoded.map_err(|err| anyhow::anyhow!("{err}; --max-event-size sets the limit"))?;
        Ok(if done {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        })
    }

    /// A new response goes on with the stream (a reconnection): the
    /// unfinished event, and whatever was held to tell the framing, is
    /// dropped; the new body's framing is told anew; only the resume state
    /// is kept.
    pub fn restart(&mut self) -> anyhow::Result<()> {
        let held = std::mem::take(&mut self.held).len() as u64;
        let dropped = std::mem::take(&mut self.dropped) + self.decoder.pending_bytes() + held;
        if let Some(save) = &mut self.taps.save {
            save.resume(dropped, self.framing)?;
        }
        self.decoder.restart();
        if self.framing != self.options.framing {
            self.use_framing(self.options.framing);
        }
        self.lines = 0;
        self.only_line = None;
        Ok(())
    }

    /// What a reconnection resumes with: the last dispatched event's id
    /// and the reconnection time the stream asked for.
    pub fn resume(&self) -> &Resume {
        self.decoder.resume()
    }

    /// The input ended before an end marker: says whether it ended inside an event.
    pub fn finish(&mut self) -> anyhow::Result<Ending> {
        let at = self.last_received.unwrap_or_else(Instant::now);
        if matches!(self.framing, Framing::Json | Framing::Sniff(_))
            && self.settle(at, true)?.is_break()
        {
            return Ok(Ending::Done);
        }
        if self.framing == Framing::Document {
            return self.read_document(at);
        }
        if self.framing == Framing::JsonLines {
            // A last JSON line needs no newline after it: it counts as
            // received with the chunk that brought its end.
            let flow = self.decode(b"\n", at);
            self.out.flush().map_err(OutputError)?;
            if flow?.is_break() {
                return Ok(Ending::Done);
            }
            if let Some(line) = self.only_line.take().filter(|_| self.lines == 1) {
                // One line may be a whole response that was not streamed.
                self.write_document(&line, true, at)?;
            }
        }
        self.dropped = self.decoder.pending_bytes();
        Ok(match self.decoder.finish() {
            Some(unfinished) => Ending::Unfinished {
                bytes: unfinished.bytes,
            },
            None => Ending::EndOfInput,
        })
    }

    /// The input was one JSON document: a response that was not streamed,
    /// or JSON lines under a document's content type.
    fn read_document(&mut self, at: Instant) -> anyhow::Result<Ending> {
        let held = std::mem::take(&mut self.held);
        let text = String::from_utf8_lossy(framing::without_bom(&held));
        if serde_json::from_str::<serde::de::IgnoredAny>(&text).is_ok() {
            self.write_document(&text, false, at)?;
            return Ok(Ending::EndOfInput);
        }
        let json_lines = framing::is_json_lines(&text);
        drop(text);
        self.held = held;
        let framing = match (json_lines, self.options.structured) {
            (true, _) => Framing::JsonLines,
            (false, true) => return Err(self.unreadable("not valid JSON")),
            (false, false) => Framing::Sse,
        };
        if self.decode_held_as(framing, at)?.is_break() {
            return Ok(Ending::Done);
        }
        self.finish()
    }

    /// Hands a whole JSON document to the writer; `after_event` when it
    /// was already written as the stream's only event.
    fn write_document(
        &mut self,
        document: &str,
        after_event: bool,
        at: Instant,
    ) -> anyhow::Result<()> {
        let read = self
            .writer
            .write_document(&mut self.out, document, after_event)
            .map_err(OutputError)?;
        self.out.flush().map_err(OutputError)?;
        match read {
            Document::Read => {
                if let (Some(stats), false) = (&mut self.taps.stats, after_event) {
                    let event = Event {
                        event_type: "message",
                        data: document,
                        id: "",
                        retry: None,
                    };
                    stats.event(&event, at, answer_reader(&self.writer, self.options));
                }
                let dialect = self
                    .writer
                    .reader()
                    .and_then(|reader| reader.turn().dialect);
                let ask = match dialect {
                    Some(Dialect::Gemini) => "Gemini streams as SSE with ?alt=sse",
                    _ => "did the request ask for \"stream\": true?",
                };
                self.options.notes.say(format_args!(
                    "ssecat: note: the response was not streamed: it is one JSON document, \
                     read whole ({ask})\n"
                ));
                Ok(())
            }
            Document::Kept => Ok(()),
            Document::Unreadable => {
                if self.held.is_empty() {
                    self.held = document.as_bytes().to_vec();
                }
                Err(self.unreadable(
                    "a JSON document that no LLM dialect reads (--extract /json/pointer says \
                     where its text is)",
                ))
            }
        }
    }
}

/// The decoder for a settled framing.
fn decoder_for(framing: Framing, options: &Options) -> Decoder {
    let decoder = match framing {
        Framing::JsonLines => Decoder::json_lines(options.max_event_size),
        _ => Decoder::new(options.max_event_size),
    };
    if options.strict {
        decoder.stopping_at_unknown_fields()
    } else {
        decoder
    }
}

/// How much of a body that cannot be read is shown.
const HEAD_BYTES: usize = 200;

/// The start of `body` on one line, its control characters and line
/// ends escaped.
fn body_head(body: &[u8]) -> String {
    let body = framing::without_bom(body);
    let cut = body.len().min(HEAD_BYTES);
    let text = String::from_utf8_lossy(&body[..cut]);
    let mut head = crate::escape::escape_controls(&text)
        .replace('\n', "\\n")
        .replace('\t', "\\t");
    if body.len() > cut {
        head.push_str("...");
    }
    head
}

impl<W: Write, E: EventWriter> Pipeline<'_, W, E> {
    /// Lets the writer close the output once the stream is over, however it
    /// ended, and gives the run's result: an error the stream itself
    /// reported comes first, then how reading ended, then an answer that
    /// ended before its end marker.
    pub fn end(mut self, read: anyhow::Result<Ending>) -> anyhow::Result<Ending> {
        if let Some(stats) = &mut self.taps.stats {
            stats.end(answer_reader(&self.writer, self.options));
        }
        // A closed output takes nothing more; a body the format cannot
        // read gets nothing on the output at all.
        let silent = |err: &anyhow::Error| {
            err.is::<OutputError>()
                || matches!(err.downcast_ref(), Some(Failure::Unreadable { .. }))
        };
        if matches!(&read, Err(err) if silent(err)) {
            return read;
        }
        let run = RunEnd {
            clean: matches!(read, Ok(Ending::Done | Ending::EndOfInput)),
            error: read.as_ref().err().and_then(|_| exit::one_line(&read)),
        };
        let clean = run.clean;
        let verdict = self.writer.end(&mut self.out, &run);
        self.out.flush().map_err(OutputError)?;
        match (verdict.map_err(OutputError)?, read) {
            (Some(failure @ Failure::InStream(_)), _) => Err(failure.into()),
            (_, Err(err)) => Err(err),
            (Some(failure), Ok(_)) if clean => Err(failure.into()),
            (_, ending) => ending,
        }
    }
}

/// The writer's LLM reader, when it sees every event: the figures of the
/// answer come from it rather than from a reader of their own.
fn answer_reader<'w, E: EventWriter>(writer: &'w E, options: &Options) -> Option<&'w Reader> {
    writer.reader().filter(|_| options.event_types.is_empty())
}

/// Says once per name that a field line was dropped, as the spec wants,
/// with the start of its value: it may be an error the server sent there.
fn warn_ignored(field: &IgnoredField, notes: &Notes) {
    let IgnoredField { name, value } = field;
    // A name of binary junk (a corrupt body) is no field worth a warning.
    if name.len() > 64 || !name.bytes().all(|b| b.is_ascii_graphic()) {
        return;
    }
    let value = crate::escape::escape_controls(value);
    let hint = if name.starts_with('{') {
        " (newline-delimited JSON? --ndjson reads it)"
    } else {
        ""
    };
    notes.say(format_args!(
        "ssecat: warning: ignored a line with the unknown field {name:?}{hint}: {value}\n"
    ));
}

/// Something that pushes a stream's chunks through a pipeline until it
/// ends. It runs on the caller's runtime, and stops when dropped: the
/// caller decides what else ends it (a signal, a deadline).
pub trait Source {
    fn drive<W: Write, E: EventWriter>(
        self,
        pipeline: &mut Pipeline<'_, W, E>,
    ) -> impl Future<Output = anyhow::Result<Ending>>;
}

/// A blocking byte source: a file or standard input. A thread reads it, so
/// that the caller can stop waiting (on a signal) while a read waits on a
/// quiet pipe.
pub struct ReadSource<R>(pub R);

impl<R: Read + Send + 'static> Source for ReadSource<R> {
    async fn drive<W: Write, E: EventWriter>(
        self,
        pipeline: &mut Pipeline<'_, W, E>,
    ) -> anyhow::Result<Ending> {
        let (sender, mut chunks) = tokio::sync::mpsc::channel(2);
        // Read buffers come back to be reused: zeroing a fresh 256 KiB one
        // for every read cost more than decoding a data-only stream.
        let (recycle, recycled) = std::sync::mpsc::channel::<Vec<u8>>();
        let mut input = self.0;
        thread::spawn(move || loop {
            let mut buf = recycled.try_recv().unwrap_or_else(|_| vec![0; READ_BUFFER]);
            let read = match input.read(&mut buf) {
                Ok(n) => Ok((buf, n, Instant::now())),
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) => Err(err),
            };
            let last = !matches!(&read, Ok((_, n, _)) if *n > 0);
            if sender.blocking_send(read).is_err() || last {
                return;
            }
        });
        loop {
            match chunks.recv().await {
                Some(Ok((buf, n, at))) if n > 0 => {
                    if pipeline.push(&buf[..n], at)?.is_break() {
                        return Ok(Ending::Done);
                    }
                    let _ = recycle.send(buf);
                }
                Some(Err(err)) => return Err(err).context("reading input"),
                _ => return pipeline.finish(),
            }
        }
    }
}
