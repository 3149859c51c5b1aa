//! One writer per output format, behind [`EventWriter`].

mod data;
mod jsonl;
mod raw;
mod sse;
mod text;

use std::io::{self, Write};

use crate::sse::Event;

pub use data::DataWriter;
pub use jsonl::JsonlWriter;
pub use raw::RawWriter;
pub use sse::SseWriter;
pub use text::TextWriter;

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
}
