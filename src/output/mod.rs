//! One writer per output format, behind [`EventWriter`].

mod conclusion;
mod data;
mod document;
mod final_json;
mod jsonl;
mod paint;
mod raw;
mod sanitize;
mod sse;
mod text;

use std::io::{self, Write};

use crate::extract::Reader;
use crate::failure::Failure;
use crate::sse::Event;

use conclusion::conclude;
pub use data::DataWriter;
use document::read_answer_document;
pub use final_json::FinalWriter;
pub use jsonl::JsonlWriter;
pub use paint::{Painter, Syntax};
pub use raw::RawWriter;
pub use sanitize::Sanitizer;
pub use sse::SseWriter;
pub use text::{TextOptions, TextWriter};

/// How the run ended, for the writers' last words.
#[derive(Debug, Clone, Default)]
pub struct RunEnd {
    /// It ended at an end marker or after a complete event.
    pub clean: bool,
    /// Why it ended otherwise, in one line (a timeout, a lost connection…).
    pub error: Option<String>,
}

/// What a writer made of a whole JSON document (a response that was not
/// streamed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Document {
    /// Read as the answer.
    Read,
    /// Not read: what the stream's events gave stands.
    Kept,
    /// Nothing this format can read.
    Unreadable,
}

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

    /// Called with a body that is one JSON document instead of a stream;
    /// `after_event` when it came as the only line of JSON lines and was
    /// written as an event already. Formats of events write it as one event.
    fn write_document<W: Write>(
        &mut self,
        out: &mut W,
        document: &str,
        after_event: bool,
    ) -> io::Result<Document> {
        if after_event {
            return Ok(Document::Kept);
        }
        let event = Event {
            event_type: "message",
            data: document,
            id: "",
            retry: None,
        };
        self.write_event(out, &event)?;
        Ok(Document::Read)
    }

    /// Whether the stream reached the end marker of its dialect: stop reading.
    fn ended(&self) -> bool {
        false
    }

    /// The LLM reader this writer follows the answer with, if any.
    fn reader(&self) -> Option<&Reader> {
        None
    }

    /// Called once when the stream is over, however it ended. Writes what
    /// comes last and says how the stream failed, as this writer reads it.
    fn end<W: Write>(&mut self, _out: &mut W, _run: &RunEnd) -> io::Result<Option<Failure>> {
        Ok(None)
    }
}
