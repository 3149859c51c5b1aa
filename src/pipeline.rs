//! The one loop from a byte source to the output: read a chunk, decode it,
//! write its events, flush. Every source (file, stdin, HTTP body) goes through here.

use std::io::{self, Read, Write};
use std::ops::ControlFlow;

use anyhow::Context;

use crate::exit::OutputError;
use crate::output::EventWriter;
use crate::sse::Decoder;

/// Large reads keep the per-chunk costs (syscall, flush) small; `read`
/// returns whatever has arrived, so a live pipe is still streamed.
const READ_BUFFER: usize = 256 * 1024;

/// The data of the event that ends an OpenAI-style stream.
pub const DONE_MARKER: &str = "[DONE]";

/// What the pipeline does besides decoding.
#[derive(Debug, Clone)]
pub struct Options {
    /// Only events of these types are written; all when empty.
    pub event_types: Vec<String>,
    /// Stop at an event whose data is `[DONE]`.
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

/// Reads `source` to its end (or to `[DONE]`), writing each event with `writer`
/// and flushing `out` after every chunk read.
pub fn run<R, W, E>(
    mut source: R,
    mut out: W,
    mut writer: E,
    options: &Options,
) -> anyhow::Result<Ending>
where
    R: Read,
    W: Write,
    E: EventWriter,
{
    let mut decoder = Decoder::new(options.max_event_size);
    let mut buf = vec![0; READ_BUFFER];
    loop {
        let n = match source.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err).context("reading input"),
        };
        let chunk = &buf[..n];
        writer.write_chunk(&mut out, chunk).map_err(OutputError)?;

        let mut done = false;
        let mut write_result = Ok(());
        let decoded = decoder.feed(chunk, |event| {
            let is_done = options.stop_at_done && event.data == DONE_MARKER;
            let wanted = options.event_types.is_empty()
                || options.event_types.iter().any(|t| t == event.event_type);
            if wanted && (!is_done || E::PRINTS_DONE) {
                write_result = writer.write_event(&mut out, event);
            }
            done = is_done;
            if done || write_result.is_err() {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        });
        write_result.map_err(OutputError)?;
        // Whatever was decoded before a decoding error still reaches the output.
        out.flush().map_err(OutputError)?;
        decoded.map_err(|err| anyhow::anyhow!("{err}; --max-event-size sets the limit"))?;
        if done {
            return Ok(Ending::Done);
        }
    }
    Ok(match decoder.finish() {
        Some(unfinished) => Ending::Unfinished {
            bytes: unfinished.bytes,
        },
        None => Ending::EndOfInput,
    })
}
