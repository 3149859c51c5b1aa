//! One writer per output format, behind [`EventWriter`].

mod conclusion;
mod data;
mod final_json;
mod jsonl;
mod paint;
mod raw;
mod sanitize;
mod sse;
mod text;

use std::io::{self, Write};

use crate::exit::Failure;
use crate::extract::Reader;
use crate::sse::Event;

use conclusion::conclude;
pub use data::DataWriter;
pub use final_json::FinalWriter;
pub use jsonl::JsonlWriter;
pub use paint::{Painter, Syntax};
pub use raw::RawWriter;
pub use sanitize::Sanitizer;
pub use sse::SseWriter;
pub use text::{TextOptions, TextWriter};

/// Writes decoded events (or received bytes) in one output format.
pub trait EventWriter {
    /// Whether the `[DONE]` event that ends a stream is printed.
    const PRINTS_DONE: bool = false;

    /// Called with every chunk as received, before it is decoded.
    fn write_chunk<W: Write>(&mut self, _out: &mut W, _bytes: &[u8]) -> io::Result<()> {
        Ok(())
    }

    /// Called with every event that passes the filters.
    fn write_event<W: Write>(&mut self, out: &mut W, event: &Event<'_>) -> io::Result<()>;

    /// Whether the stream reached the end marker of its dialect: stop reading.
    fn ended(&self) -> bool {
        false
    }

    /// The LLM reader this writer follows the answer with, if any.
    fn reader(&self) -> Option<&Reader> {
        None
    }

    /// Called once when the stream is over: `clean` when it ended at an
    /// end marker or after a complete event. Writes what comes last and
    /// says how the stream failed, as this writer reads it.
    fn end<W: Write>(&mut self, _out: &mut W, _clean: bool) -> io::Result<Option<Failure>> {
        Ok(None)
    }
}
