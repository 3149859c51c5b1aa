//! The one path from received bytes to the output: decode a chunk, write its
//! events, flush. Every source (file, stdin, HTTP body) pushes its chunks
//! through a [`Pipeline`].

use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::thread;
use std::time::Instant;

use anyhow::Context;

use crate::exit::{self, Failure, OutputError};
use crate::extract::Reader;
use crate::output::EventWriter;
use crate::signals::Interrupt;
use crate::sse::{Decoder, IgnoredField, Resume};
use crate::stats::Recorder;

/// Large reads keep the per-chunk costs (syscall, flush) small; `read`
/// returns whatever has arrived, so a live pipe is still streamed.
const READ_BUFFER: usize = 256 * 1024;

/// The data of the event that ends an OpenAI-style stream.
pub const DONE_MARKER: &str = "[DONE]";

/// How the received bytes are cut into events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// Server-Sent Events.
    Sse,
    /// Newline-delimited JSON: each line is one event's data.
    JsonLines,
    /// Not an event stream: only `--raw` output makes sense, nothing is decoded.
    Opaque,
}

/// What the pipeline does besides decoding.
#[derive(Debug, Clone)]
pub struct Options {
    pub framing: Framing,
    /// Only events of these types are written; all when empty.
    pub event_types: Vec<String>,
    /// Stop at an event whose data is `[DONE]`, or at the end event of an
    /// LLM dialect.
    pub stop_at_done: bool,
    /// Largest line or event the decoder accepts.
    pub max_event_size: usize,
}

/// How a stream that was read without error ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// A `[DONE]` event arrived.
    Done,
    /// The input ended after a complete event (or with no event at all).
    EndOfInput,
    /// The input ended inside an event, which was dropped.
    Unfinished { bytes: u64 },
}

/// `--save`: the received body, byte for byte.
pub struct Save {
    path: PathBuf,
    file: BufWriter<File>,
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
            file: BufWriter::new(file),
            len: 0,
            last_byte: None,
        })
    }

    /// Appends a chunk; flushed at once, so a run that is cut off or
    /// killed leaves all it received.
    fn write(&mut self, chunk: &[u8]) -> anyhow::Result<()> {
        self.file
            .write_all(chunk)
            .and_then(|()| self.file.flush())
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
            let file = self.file.get_mut();
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
}

impl<'o, W: Write, E: EventWriter> Pipeline<'o, W, E> {
    pub fn new(out: W, writer: E, options: &'o Options, taps: Taps<'o>) -> Self {
        let decoder = match options.framing {
            Framing::JsonLines => Decoder::json_lines(options.max_event_size),
            Framing::Sse | Framing::Opaque => Decoder::new(options.max_event_size),
        };
        Pipeline {
            decoder,
            out,
            writer,
            options,
            taps,
            last_received: None,
            dropped: 0,
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
        let flow = self.decode(chunk, at);
        // Whatever was decoded before an error still reaches the output.
        self.out.flush().map_err(OutputError)?;
        flow
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
        if options.framing == Framing::Opaque {
            return Ok(ControlFlow::Continue(()));
        }
        let mut done = false;
        let mut write_result = Ok(());
        let decoded = decoder.feed(chunk, |event| {
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
            warn_ignored(&field);
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
    /// unfinished event is dropped, only the resume state is kept.
    pub fn restart(&mut self) -> anyhow::Result<()> {
        let dropped = std::mem::take(&mut self.dropped) + self.decoder.pending_bytes();
        if let Some(save) = &mut self.taps.save {
            save.resume(dropped, self.options.framing)?;
        }
        self.decoder.restart();
        Ok(())
    }

    /// What a reconnection resumes with: the last dispatched event's id
    /// and the reconnection time the stream asked for.
    pub fn resume(&self) -> &Resume {
        self.decoder.resume()
    }

    /// The input ended before an end marker: says whether it ended inside an event.
    pub fn finish(&mut self) -> anyhow::Result<Ending> {
        if self.options.framing == Framing::JsonLines {
            // A last JSON line needs no newline after it: it counts as
            // received with the chunk that brought its end.
            let at = self.last_received.unwrap_or_else(Instant::now);
            let flow = self.decode(b"\n", at);
            self.out.flush().map_err(OutputError)?;
            if flow?.is_break() {
                return Ok(Ending::Done);
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
        if matches!(&read, Err(err) if err.is::<OutputError>()) {
            return read;
        }
        let clean = matches!(read, Ok(Ending::Done | Ending::EndOfInput));
        let verdict = self.writer.end(&mut self.out, clean);
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
fn warn_ignored(field: &IgnoredField) {
    let IgnoredField { name, value } = field;
    // A name of binary junk (a corrupt body) is no field worth a warning.
    if name.len() > 64 || !name.bytes().all(|b| b.is_ascii_graphic()) {
        return;
    }
    let value = exit::escape_controls(value);
    let hint = if name.starts_with('{') {
        " (newline-delimited JSON? --ndjson reads it)"
    } else {
        ""
    };
    exit::say(format_args!(
        "ssecat: warning: ignored a line with the unknown field {name:?}{hint}: {value}\n"
    ));
}

/// Something that pushes a stream's chunks through a pipeline until it
/// ends, or until `interrupt` says a signal came.
pub trait Source {
    fn drive<W: Write, E: EventWriter>(
        self,
        pipeline: &mut Pipeline<'_, W, E>,
        interrupt: Interrupt,
    ) -> anyhow::Result<Ending>;
}

/// A blocking byte source: a file or standard input. A thread reads it, so
/// that a signal is noticed even while a read waits on a quiet pipe.
pub struct ReadSource<R>(pub R);

impl<R: Read + Send + 'static> Source for ReadSource<R> {
    fn drive<W: Write, E: EventWriter>(
        self,
        pipeline: &mut Pipeline<'_, W, E>,
        mut interrupt: Interrupt,
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
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .context("starting the async runtime")?;
        runtime.block_on(async {
            loop {
                let chunk = tokio::select! {
                    // What was read before the signal is still decoded.
                    biased;
                    chunk = chunks.recv() => chunk,
                    signal = interrupt.wait() => return Err(Failure::Interrupted(signal).into()),
                };
                match chunk {
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
        })
    }
}
